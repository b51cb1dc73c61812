from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "profiles"
    verbose_name = "Profiles"

    def ready(self):
        from profiles import timeline_index  # noqa: F401  (indexes each closed change set)
        from profiles.caching import connect_signals

        connect_signals()
