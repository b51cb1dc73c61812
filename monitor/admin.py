"""Monitor's admin site: a home per role (monitor/admin_views.py) above a compact list of the
tables, without the link tables and internals, which only superusers still see listed.

Installed by monitor.apps.MonitorAdminConfig in place of django.contrib.admin, so that
`admin.site` is this site everywhere (the review queue's pages use its each_context()).
"""

from django.contrib import admin
from django.utils.functional import SimpleLazyObject

from monitor.admin_views import home_for

# Tables no editor, fact-checker or publisher works in directly: a link table edited inside
# its citation, and the public copy that publishing writes. Their pages stay reachable by
# address for those with permission; only superusers see them listed.
INTERNAL_MODELS = {
    "citations.citationsource",
    "profiles.publictreatystatus",
    "profiles.changeset",
    "profiles.profilechangeset",
    "profiles.searchentry",
    # django-axes's login records: a security matter.
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
}


class MonitorAdminSite(admin.AdminSite):
    site_header = "Monitor administration"
    site_title = "Monitor"
    index_title = "Profiles, citations and sources"
    # The desk's pages take the whole window (a 1280 px window left lists 470 px wide beside
    # the stock sidebar); the home page and the breadcrumbs lead to every table instead.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        """List the apps and tables the user may use, without the internals (superusers
        see everything), when first read.

        Lazily: every admin page's each_context() asks for it for the nav sidebar, which is
        off, and building it (permissions and a reverse() for each table) cost 0.75 ms of
        each page."""
        return SimpleLazyObject(lambda: self._app_list(request, app_label))

    def _app_list(self, request, app_label):
        app_list = super().get_app_list(request, app_label)
        if request.user.is_superuser:
            return app_list
        for app in app_list:
            app["models"] = [
                model
                for model in app["models"]
                if model["model"]._meta.label_lower not in INTERNAL_MODELS
            ]
        return [app for app in app_list if app["models"]]

    def index(self, request, extra_context=None):
        """Show the user's role panels above the tables."""
        home = home_for(request.user)
        context = {"home": home, **(extra_context or {})}
        if home.has_panels:
            context.setdefault("title", "Where things stand")
        return super().index(request, context)
