"""What every address of the read API shares over HTTP: GET only, open to any origin (CORS),
errors as JSON, validators for a repeat request, and pages of results.

The API's views are public pages (profiles.caching.public_page): Last-Modified and, for an
edition, an ETag from its lookup, answered with 304 Not Modified before the view runs. A
response whose lookup names no ETag (lists, which know only when the site last changed) gets
one from its content here, as Django's ConditionalGetMiddleware would give it, so that
If-None-Match is answered with 304 too.
"""

import functools
import json
import logging

from django.core.paginator import EmptyPage, Page, Paginator
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe

from monitor.site import absolute_url

logger = logging.getLogger("django.request")

READ_METHODS = ("GET", "HEAD")
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# Request headers a page on another site may send in a cross-origin request (a preflight
# asks first for any header beyond the CORS-safelisted ones).
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Language, If-None-Match, If-Modified-Since"
# Response headers a script on another site may read besides the safelisted ones.
EXPOSED_HEADERS = "ETag"
PREFLIGHT_MAX_AGE = 24 * 3600

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def json_response(data, status: int = 200, **headers) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
        headers=headers,
    )


def error(detail, status: int, **headers) -> HttpResponse:
    """An error the way every address of the API answers one: {"detail": ...}."""
    return json_response({"detail": detail}, status=status, **headers)


def open_for_reading(view):
    """Make an API view answer GET and HEAD from any origin, a CORS preflight for them, and
    every other method with 405; a missing page with a JSON 404; and a repeat request whose
    response bears no ETag from its lookup with 304 when its content is unchanged."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            response = HttpResponse(status=204, headers={"Allow": ALLOWED_METHODS})
            del response["Content-Type"]  # no body
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        elif request.method not in READ_METHODS:
            response = error(
                f"This API only reads: {request.method} is not allowed here "
                f"(allowed: {ALLOWED_METHODS}).",
                405,
                Allow=ALLOWED_METHODS,
            )
        else:
            # The operations are declared for GET; HEAD runs them too, and the server sends
            # the headers only, as for every Django view.
            method, request.method = request.method, "GET"
            try:
                response = _with_content_etag(request, view(request, *args, **kwargs))
            except Http404 as missing:
                response = error(str(missing) or "Not found.", 404)
            finally:
                request.method = method
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response

    return wrapped


def _with_content_etag(request, response):
    if response.status_code != 200 or response.streaming or response.has_header("ETag"):
        return response
    set_response_etag(response)
    return get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=parse_http_date_safe(response.get("Last-Modified")),
        response=response,
    )


def not_found(request, rest=""):
    """Any other address under the API: a JSON 404, or a redirect to the address with the
    slash every API address ends with."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not_found":
            query = request.META.get("QUERY_STRING", "")
            location = request.path + "/" + (f"?{query}" if query else "")
            return HttpResponse(status=301, headers={"Location": location})
    raise Http404(
        f"There is no API address “{request.path}”. The index at /api/v1/ lists them all."
    )


# Pages of results ----------------------------------------------------------------------------


def paginate(request, items, *, page: int, page_size: int) -> tuple[list, dict]:
    """Return one page of `items` (a queryset or a sequence) and the envelope that goes
    around its results. A page past the last is a 404 that says how many pages there are."""
    paginator = Paginator(items, page_size)
    try:
        current = paginator.page(page)
    except EmptyPage:
        pages = paginator.num_pages
        raise Http404(
            f"There is no page {page} of these results: "
            + (f"there are {pages} pages." if pages > 1 else "there is 1 page.")
        ) from None
    return list(current.object_list), page_envelope(request, current)


def page_envelope(request, current: Page | None = None) -> dict:
    """`count`, the page's number and the number of pages, and absolute links to the `next`
    and `previous` pages (null at either end); no page at all reads as an empty first page."""
    if current is None:
        return {"count": 0, "page": 1, "pages": 1, "next": None, "previous": None}
    return {
        "count": current.paginator.count,
        "page": current.number,
        "pages": current.paginator.num_pages,
        "next": _page_link(request, current.next_page_number()) if current.has_next() else None,
        "previous": (
            _page_link(request, current.previous_page_number()) if current.has_previous() else None
        ),
    }


def _page_link(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return absolute_url(f"{request.path}?{query.urlencode()}", request)
