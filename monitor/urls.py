from django.contrib import admin
from django.urls import include, path

from monitor.views import health

admin.site.site_header = "Monitor administration"
admin.site.site_title = "Monitor"
admin.site.index_title = "Profiles, citations and sources"

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/review/", include("citations.urls")),
    path("admin/", admin.site.urls),
    path("", include("profiles.urls")),
]
