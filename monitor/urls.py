from django.contrib import admin
from django.urls import include, path

from monitor.views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/review/", include("citations.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("profiles.api")),
    path("", include("profiles.urls")),
]
