"""Caching for public pages: conditional GET without rendering, no cookies, and pages that
never change (an edition, a comparison of two editions) rendered once and kept."""

import functools
import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe

from profiles.models import Country, Profile, Topic, Treaty, TreatyStatus

# Public pages may be kept this long by browsers and shared caches before they revalidate.
PUBLIC_MAX_AGE = 300

# A rendered edition stays valid for ever; the timeout only lets a shared cache forget pages
# nobody reads. The local-memory cache also evicts beyond its MAX_ENTRIES (settings.CACHES).
RENDERED_PAGE_TIMEOUT = 7 * 24 * 3600

RELEASE_SOURCES = ("templates", "static", "monitor", "profiles", "citations")
RELEASE_SUFFIXES = {".html", ".txt", ".css", ".js", ".py"}


def _release_digest() -> str:
    """Return a digest of the code, templates and static files that shape a rendered page.

    Rendered pages and ETags carry it, so that a deploy which changes how pages look is never
    answered from a page cache or a browser's copy made by the code before it.
    """
    digest = hashlib.sha256()
    for folder in RELEASE_SOURCES:
        for path in sorted((Path(settings.BASE_DIR) / folder).rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and "migrations" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


RELEASE = _release_digest()


def rendered_once(key: str, render) -> str:
    """Return the page cached under `key`, calling render() for it only on a miss.

    For pages whose content is fixed by `key` (it must name everything the page shows, as an
    edition's checksum does); the release is added here.
    """
    key = f"monitor:page:{RELEASE}:{key}"
    page = cache.get(key)
    if page is None:
        page = render()
        cache.set(key, page, RENDERED_PAGE_TIMEOUT)
    return page


def public_page(*, last_modified=None, etag=None):
    """Make a view a public page: GET/HEAD only, cacheable, and answered with 304 Not
    Modified, before the view runs, when the client's copy is still current.

    `last_modified(request, *args, **kwargs)` and `etag(...)` are cheap functions, as for
    Django's @condition. A public page must not touch the session, so it sets no cookie.
    """

    def decorator(view):
        wrapped = condition(etag_func=etag, last_modified_func=last_modified)(view)
        wrapped = cache_control(public=True, max_age=PUBLIC_MAX_AGE)(wrapped)
        return functools.wraps(view)(require_safe(wrapped))

    return decorator


def site_last_modified(request=None, *args, **kwargs):
    """Return when anything the public directory pages show last changed.

    Publishing and withdrawing write a profile history record; countries, topics, treaties
    and treaty statuses change only through saves that write history. One query.
    """
    tables = [
        model.history.model._meta.db_table
        for model in (Profile, Country, Topic, Treaty, TreatyStatus)
    ]
    union = " UNION ALL ".join(
        f"SELECT MAX(history_date) AS changed FROM {table}" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(changed) FROM ({union}) AS latest")  # noqa: S608 (our tables)
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite hands back text
        value = parse_datetime(value)
    if value is not None and is_naive(value):
        value = make_aware(value, timezone=connection.timezone)
    return value
