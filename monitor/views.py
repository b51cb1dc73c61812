"""Site-wide views that belong to no app."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@require_safe
@never_cache
def health(request):
    """Answer "ok" while the application serves requests: a liveness check for a load
    balancer, and the cheapest page there is, for benchmarks to compare others with.

    It touches neither the database nor the session, so it costs no query and sets no cookie.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
