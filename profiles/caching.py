"""Caching for public pages: conditional GET without rendering, no cookies, and every page
rendered once for as long as what it shows stays the same.

A public page names cheap validators (an ETag and/or a Last-Modified time, one query). They
answer a repeat visit with 304 Not Modified before the view runs, and they key the page
cache: the rendered page is kept under its address and the validators' values, so that a
new visitor gets it without the view running. The validators change whenever what the page
shows changes (a publication's checksum; the newest history record of the public tables), so
a kept page is never stale; the cache only saves rendering. The default cache is each
process's local memory (settings.CACHES); a shared one serves every app server.

With a shared cache (settings.SHARED_CACHE: Redis), what the validators' lookup found is kept
there too, so that a repeat visit or a kept page needs no database at all. The kept lookups
belong to a generation: every act that changes what public pages show (publishing,
withdrawing, releasing a treaty status, renaming a country, a topic or a treaty) starts a new
one once its transaction commits (public_changed()), and every app server looks up afresh.
"""

import functools
import hashlib
import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.functional import cached_property
from django.utils.timezone import is_naive, make_aware
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import condition, require_http_methods, require_safe

from profiles.models import Country, Profile, Publication, PublicTreatyStatus, Topic, Treaty

logger = logging.getLogger(__name__)

# Public pages may be kept this long by browsers and shared caches before they revalidate.
PUBLIC_MAX_AGE = 300

# A page whose ETag names its content (an edition's checksum) is valid for as long as it is
# kept. A page known only by a Last-Modified time is kept no longer than browsers keep it:
# a history record is dated before its transaction commits, so a page rendered in between
# could miss a change that bears an older date.
CONTENT_KEYED_TIMEOUT = 7 * 24 * 3600
TIME_KEYED_TIMEOUT = PUBLIC_MAX_AGE
# A kept lookup is also dropped after this long, so that a new generation lost to a cache
# outage at the moment of an act (logged) holds back the change for minutes, not for ever.
LOOKUP_TIMEOUT = PUBLIC_MAX_AGE
GENERATION_KEY = "monitor:public-generation"

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
            if settings.SHARED_CACHE:
                _reuse_kept_lookup(request.lookup, (lookup.__qualname__, args, kwargs))
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
        kept = _kept_page(key, timeout)
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


def _kept_page(key: str, timeout: int):
    """Return the page kept under `key`, or None.

    With a shared cache, a copy is also kept in this process's memory (the "process" cache):
    a key names the page's content (its address, the release and its validators), so a copy
    never goes stale, and a hit costs no transfer of the page from Redis (about 200 µs for the
    largest profile's 214 kB).
    """
    if not settings.SHARED_CACHE:
        return cache.get(key)
    near = caches["process"]
    kept = near.get(key)
    if kept is None:
        kept = cache.get(key)
        if kept is not None:
            near.set(key, kept, timeout)
    return kept


# Kept lookups (settings.SHARED_CACHE) ---------------------------------------------------------


def _reuse_kept_lookup(found: PageLookup, arguments: tuple) -> None:
    """Fill in `found`'s validators from the shared cache, or look them up and keep them.

    One round trip to the cache, no database. A page that does not exist is kept as such and
    answered 404 again. A lookup kept in an earlier generation is looked up afresh: the
    generation is read before the database, so a lookup that raced with an act is kept under
    the generation the act has ended, and never used.
    """
    key = f"monitor:lookup:{RELEASE}:{hashlib.sha256(repr(arguments).encode()).hexdigest()}"
    kept = cache.get_many([GENERATION_KEY, key])
    generation = kept.get(GENERATION_KEY) or _start_generation()
    if key in kept and kept[key][0] == generation:
        values = kept[key][1]
        if isinstance(values, str):
            raise Http404(values)
        found.__dict__.update(values)  # the cached_property values
        return
    try:
        values = {name: getattr(found, name) for name in found.validators}
    except Http404 as missing:
        cache.set(key, (generation, str(missing)), LOOKUP_TIMEOUT)
        raise
    cache.set(key, (generation, values), LOOKUP_TIMEOUT)


def _start_generation() -> str:
    """Return the current generation, starting one when the cache has none (a new cache, or
    one that dropped the key), as a concurrent request may do at the same moment."""
    generation = secrets.token_hex(8)
    if cache.add(GENERATION_KEY, generation, timeout=None):
        return generation
    return cache.get(GENERATION_KEY) or generation


def public_changed() -> None:
    """Say that what public pages show has changed: once the transaction commits (at once
    outside one), every app server's kept lookups are out of date. Kept pages are keyed by
    their validators, so those of the pages that did not change are served again."""
    if settings.SHARED_CACHE:
        transaction.on_commit(_new_generation)


def _new_generation() -> None:
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        # The act is committed; its public pages follow once kept lookups expire.
        logger.exception(
            "Could not start a new generation of kept public lookups in the cache: public "
            "pages may show what they showed before for up to %s seconds.",
            LOOKUP_TIMEOUT,
        )


# Fields of a profile that public pages show (the rest is the working copy, public only once
# published, which saves a Publication).
PROFILE_PUBLIC_FIELDS = {
    "latest_publication",
    "withdrawn_at",
    "public_changed_at",
    "country",
    "topic",
}


def _public_row_saved(sender, update_fields=None, **kwargs) -> None:
    public_changed()


def _profile_saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is None or PROFILE_PUBLIC_FIELDS.intersection(update_fields):
        public_changed()


def connect_signals() -> None:
    """Start a new generation whenever a row public pages show is saved or deleted: releases
    and withdrawals, treaty statuses, and the names of countries, topics and treaties. (Bulk
    writes send no signals: their callers call public_changed().)"""
    for model in (Publication, PublicTreatyStatus, Country, Topic, Treaty, Profile):
        receiver = _profile_saved if model is Profile else _public_row_saved
        for signal in (post_save, post_delete):
            signal.connect(receiver, sender=model, dispatch_uid=f"public_changed:{model.__name__}")


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


def reader_page(view):
    """Make a view a reader's form page, the opposite of a public page: GET, HEAD and POST,
    never cached anywhere (it answers one reader, and may set the CSRF cookie), not indexed."""

    @require_http_methods(["GET", "HEAD", "POST"])
    @never_cache
    @functools.wraps(view)
    def page(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return page
