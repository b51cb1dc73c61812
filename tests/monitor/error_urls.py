"""A test-only URLconf: the site's own URLs plus views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from monitor.urls import urlpatterns as site_urlpatterns

SECRET_DETAIL = "SELECT secret_column FROM profiles_profile -- DJANGO_SECRET_KEY"


def crash(request):
    raise RuntimeError(SECRET_DETAIL)


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation(SECRET_DETAIL)


urlpatterns = [
    path("test-errors/crash/", crash),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/suspicious/", suspicious),
    *site_urlpatterns,
]
