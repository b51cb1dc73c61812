from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MonitorConfig(AppConfig):
    name = "monitor"
    verbose_name = "Monitor"
    # Django takes an apps.py's only AppConfig as the app's; this module declares two.
    default = True

    def ready(self):
        # Connect the security log's receivers (logins, failed logins, lockouts).
        from monitor import security  # noqa: F401


class MonitorAdminConfig(admin_apps.AdminConfig):
    """The admin, with Monitor's site (monitor/admin.py): a home per role, and the index
    without the link tables and internals. INSTALLED_APPS names it in place of
    "django.contrib.admin"."""

    default = False
    default_site = "monitor.admin.MonitorAdminSite"
