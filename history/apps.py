from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "history"
    verbose_name = "History"

    def ready(self):
        from history import changesets  # noqa: F401  (connects the history signals)
