from django.apps import AppConfig


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = "Monitor"

    def ready(self):
        # Connect the security log's receivers (logins, failed logins, lockouts).
        from monitor import security  # noqa: F401
