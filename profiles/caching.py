"""Caching for public pages: conditional GET without rendering, no cookies, and every page
rendered once for as long as what it shows stays the same.

A public page names cheap validators (an ETag and/or a Last-Modified time, one query). They
answer a repeat visit with 304 Not Modified before the view runs, and they key the page
cache: the rendered page is kept under its address and the validators' values, so that a
new visitor gets it without the view running. The validators change whenever what the page
shows changes (a publication's checksum; the newest history record of the public tables), so
a kept page is never stale; the cache only saves rendering. The default cache is each
process's local memory (settings.CACHES); a shared one serves every app server.
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.timezone import is_naive, make_aware
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from profiles.models import Country, Profile, PublicTreatyStatus, Topic, Treaty

# Public pages may be kept this long by browsers and shared caches before they revalidate.
PUBLIC_MAX_AGE = 300

# A page whose ETag names its content (an edition's checksum) is valid for as long as it is
# kept. A page known only by a Last-Modified time is kept no longer than browsers keep it:
# a history record is dated before its transaction commits, so a page rendered in between
# could miss a change that bears an older date.
CONTENT_KEYED_TIMEOUT = 7 * 24 * 3600
TIME_KEYED_TIMEOUT = PUBLIC_MAX_AGE

RELEASE_APPS = ("monitor", "history", "profiles", "citations")
RELEASE_SUFFIXES = {".html", ".txt", ".css", ".js", ".py"}

# Headers a view sets that belong to the kept page; the decorators add the caching headers.
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language")


def _release_digest() -> str:
    """Return a digest of the code, templates and static files that shape a rendered page.

    Kept pages and ETags carry it, so that a deploy which changes how pages look is never
    answered from the page cache or a browser's copy made by the code before it.
    """
    base = Path(settings.BASE_DIR)
    # Templates and static files are in the checkout, or in the monitor package when installed.
    folders = [settings.SITE_DIR / "templates", settings.SITE_DIR / "static"]
    folders += [base / app for app in RELEASE_APPS]
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and "migrations" not in path.parts:
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release_digest()


class PageLookup:
    """What one request for a public page looks up, each thing once (cached properties).

    `validators` names the cheap values that answer a repeat visit with 304 Not Modified and
    key the page cache: "etag", which names the content itself, and/or "last_modified".
    public_page() makes one lookup per request from the URL's arguments and puts it on the
    request as `request.lookup`, so the view reuses what the validators fetched.
    """

    validators: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        pass


class SiteLookup(PageLookup):
    """A directory page, which shows what the public tables held when they last changed."""

    validators = ("last_modified",)

    @cached_property
    def last_modified(self):
        return site_last_modified()


def public_page(lookup: type[PageLookup] = SiteLookup):
    """Make a view a public page: GET/HEAD only, cacheable, answered with 304 Not Modified
    when the client's copy is still current, and rendered once while its validators hold.

    The validators come from `lookup` (a PageLookup); the ETag is given the release here. A
    public page must not touch the session, so it sets no cookie.
    """

    def decorator(view):
        wrapped = condition(
            etag_func=_etag if "etag" in lookup.validators else None,
            last_modified_func=_last_modified if "last_modified" in lookup.validators else None,
        )(_kept(view, lookup))
        wrapped = cache_control(public=True, max_age=PUBLIC_MAX_AGE)(wrapped)

        @functools.wraps(view)
        def page(request, *args, **kwargs):
            request.lookup = lookup(*args, **kwargs)
            return wrapped(request, *args, **kwargs)

        return require_safe(page)

    return decorator


def _etag(request, *args, **kwargs) -> str:
    return f"{RELEASE}-{request.lookup.etag}"


def _last_modified(request, *args, **kwargs):
    return request.lookup.last_modified


def _kept(view, lookup: type[PageLookup]):
    """Serve the page kept under the request's address and validators, rendering it on a miss.

    Only complete 200 responses are kept; the address includes the host, since JSON exports
    carry absolute links. (require_safe lets only GET and HEAD through.)
    """
    # An ETag names the content; a time only says when the content last changed.
    timeout = CONTENT_KEYED_TIMEOUT if "etag" in lookup.validators else TIME_KEYED_TIMEOUT

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        values = [getattr(request.lookup, name) for name in lookup.validators]
        if not values or any(value is None for value in values):
            return view(request, *args, **kwargs)
        address = request.build_absolute_uri()
        digest = hashlib.sha256(repr((address, values)).encode()).hexdigest()
        key = f"monitor:page:{RELEASE}:{digest}"
        kept = cache.get(key)
        if kept is not None:
            content, headers = kept
            return HttpResponse(content, headers=headers)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming:
            if hasattr(response, "render"):
                response.render()
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (response.content, headers), timeout)
        return response

    return wrapped


@functools.cache
def _site_last_modified_sql() -> str:
    """The newest of the public acts and the reference-data changes the directory shows.

    Drafts must not move it: a profile counts when it was published or withdrawn
    (public_changed_at), a treaty status when it was published; a country counts once it is
    listed (an importer's draft creates unlisted ones) and a topic once it is changed (a new
    topic is shown only once a profile of it is published, which counts already).
    """

    # Built once: simple-history makes a new manager class at every `Model.history`.
    def history(model) -> str:
        return model.history.model._meta.db_table

    latest = [
        f"SELECT MAX(public_changed_at) AS changed FROM {Profile._meta.db_table}",
        f"SELECT MAX(history_date) AS changed FROM {history(PublicTreatyStatus)}",
        f"SELECT MAX(history_date) AS changed FROM {history(Treaty)}",
        f"SELECT MAX(history_date) AS changed FROM {history(Topic)} WHERE history_type <> '+'",
        f"SELECT MAX(history_date) AS changed FROM {history(Country)} "
        "WHERE history_type <> '+' OR iso3 <> '' OR is_other_area",
    ]
    union = " UNION ALL ".join(latest)
    return f"SELECT MAX(changed) FROM ({union}) AS latest"  # noqa: S608 (our tables)


def site_last_modified():
    """Return when anything the public directory pages show last changed. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_site_last_modified_sql())
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite hands back text
        value = parse_datetime(value)
    if value is not None and is_naive(value):
        value = make_aware(value, timezone=connection.timezone)
    return value
