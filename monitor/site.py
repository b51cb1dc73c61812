"""The site's public address, for links read away from the page: canonical URLs, sitemaps,
feeds, the API, PDFs and mails."""

from django.conf import settings

# Where a mail sent from the command line points when DJANGO_SITE_URL is unset: `make run`.
DEVELOPMENT_SITE_URL = "http://localhost:8000"


def site_url(request=None) -> str:
    """DJANGO_SITE_URL; unset, the scheme and host the request came to (or, with no request,
    the development server's)."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"
    return DEVELOPMENT_SITE_URL


def absolute_url(path: str, request=None) -> str:
    """The absolute address of a site path such as "/countries/mali/"."""
    return site_url(request) + path
