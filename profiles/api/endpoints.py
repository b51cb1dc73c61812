"""The read API's operations (django-ninja): countries, topics, profiles and their editions,
treaties and their status tables, and search. Published data only, as on the public pages.

Each operation is a public page (profiles.caching.public_page) with the lookup of the page it
mirrors: SiteLookup (when the public tables last changed) for lists, the report pages' own
lookups for a profile and its editions. Each runs a fixed number of queries whatever the
number of rows, and answers are built as plain dicts from what its queries fetched, so that
ninja's validation against the schemas touches no database.
"""

import datetime
import logging
from typing import Literal

from django.db.models import Prefetch
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from ninja import NinjaAPI, Path, Query
from ninja.decorators import decorate_view
from ninja.errors import ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from monitor.site import absolute_url
from profiles.api import schemas
from profiles.api.http import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, page_envelope, paginate
from profiles.caching import public_page
from profiles.filters import (
    TREATY_TABLE_SORTS,
    CountryFilter,
    TreatyTableFilter,
    parse_sort,
    sort_treaty_table,
)
from profiles.models import (
    NO_DATA,
    PUBLIC_STATUS_CHOICES,
    Country,
    CountryRegion,
    Profile,
    PublicTreatyStatus,
    Topic,
    Treaty,
)
from profiles.search import search_public
from profiles.views.reports import (
    NOT_PUBLIC,
    EditionListLookup,
    EditionLookup,
    snapshot_response,
)

logger = logging.getLogger("django.request")

NAMESPACE = "api-v1"
DESCRIPTION = """Published data of the Monitor: countries with their treaty statuses,
topics, profiles and every edition of each (the snapshot as published), treaty status
tables, and search. Read only, open to any origin (CORS), no key needed. Every list is paged
(`page`, `page_size`), every answer carries `Last-Modified` and an `ETag`, and a repeat
request with `If-None-Match` or `If-Modified-Since` is answered `304 Not Modified`. Errors
are JSON: `{"detail": ...}`. /api/v1/ only gains fields; a change that removes or renames one
will be published as /api/v2/."""


class ExportEncoder(NinjaJSONEncoder):
    """Times in full ISO 8601 with their offset, as in the snapshots."""

    def default(self, o):
        if isinstance(o, datetime.datetime):
            return o.isoformat()
        return super().default(o)


class ExportRenderer(JSONRenderer):
    """JSON as the site's exports write it: UTF-8 characters as they are."""

    encoder_class = ExportEncoder
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Monitor read API",
    version="1",
    description=DESCRIPTION,
    urls_namespace=NAMESPACE,
    renderer=ExportRenderer(),
    # ninja's Swagger page loads its script from a CDN, which the site's CSP forbids: the
    # document and a page of our own are served by profiles.api.docs instead.
    openapi_url=None,
    docs_url=None,
)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Not found."}, status=404)


@api.exception_handler(Exception)
def _server_error(request, exc):
    # Logged as Django logs an error of any view (and mailed to the admins), answered as JSON.
    logger.error("Internal Server Error: %s", request.path, exc_info=exc)
    return api.create_response(
        request, {"detail": "Something went wrong on our side; it has been logged."}, status=500
    )


site_page = decorate_view(public_page())
Page = Query(1, ge=1, description="The page number, from 1.")
PageSize = Query(
    DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Results a page (at most 200)."
)
CountrySlug = Path(..., description="A country's slug, as in /countries/<slug>/.")
TopicSlug = Path(..., description="A topic's slug.")
TreatySlug = Path(..., description="A treaty's slug, as in /treaties/<slug>/.")
EditionNumber = Path(..., ge=1, description="The edition's number, from 1.")
RegionFilter = Query(None, description="Only countries of this region (its code).")
CountryStatusFilter = Query(
    None, description="Countries with this published status under `treaty`; `no-data`: none."
)
RowStatusFilter = Query(None, description="Only rows with this status; `no-data`: none published.")
TableSortOrder = Query(
    "country", description="The column to sort by; a leading `-` sorts descending."
)
ERRORS = {404: schemas.Error, 422: schemas.Error}
Region = Literal[tuple(CountryRegion.values)]
PublicStatus = Literal[tuple(value for value, _label in PUBLIC_STATUS_CHOICES)]
TableSort = Literal[tuple(key for name in TREATY_TABLE_SORTS for key in (name, f"-{name}"))]


# Links ---------------------------------------------------------------------------------------


def api_url(request, name: str, **kwargs) -> str:
    return absolute_url(reverse(f"{NAMESPACE}:{name}", kwargs=kwargs), request)


def country_ref(request, country) -> dict:
    return {
        "slug": country.slug,
        "name": country.name,
        "url": api_url(request, "country_detail", country=country.slug),
    }


def topic_ref(request, topic) -> dict:
    return {
        "slug": topic.slug,
        "name": topic.name,
        "url": api_url(request, "topic_detail", topic=topic.slug),
    }


def treaty_ref(request, treaty) -> dict:
    return {
        "slug": treaty.slug,
        "name": treaty.name,
        "short_name": treaty.short_name,
        "url": api_url(request, "treaty_detail", treaty=treaty.slug),
    }


def profile_ref(request, profile) -> dict:
    """A link to a public profile, from a profile fetched with its country and topic."""
    country, topic = profile.country.slug, profile.topic.slug
    return {
        "country": country_ref(request, profile.country),
        "topic": topic_ref(request, profile.topic),
        "url": api_url(request, "profile_detail", country=country, topic=topic),
        "report": absolute_url(profile.get_absolute_url(), request),
    }


def profile_out(request, profile) -> dict:
    """A public profile, fetched with ProfileQuerySet.for_links()."""
    country, topic = profile.country.slug, profile.topic.slug
    latest = profile.latest_publication
    export = reverse("profiles:profile_json", args=[country, topic])
    return {
        **profile_ref(request, profile),
        "latest_edition": {
            "number": latest.number,
            "published_at": latest.published_at,
            "last_updated": latest.last_updated,
            "url": api_url(
                request, "edition_detail", country=country, topic=topic, number=latest.number
            ),
        },
        "links": {
            "report": absolute_url(profile.get_absolute_url(), request),
            "json": absolute_url(export, request),
            "txt": absolute_url(reverse("profiles:profile_text", args=[country, topic]), request),
            "editions": api_url(request, "edition_list", country=country, topic=topic),
        },
    }


def status_facts(status: PublicTreatyStatus | None) -> dict:
    """A published status's facts; with none published, "No data": every fact null."""
    if status is None:
        facts = dict.fromkeys(PublicTreatyStatus.FACTS)
        return {**facts, "status_label": "No data"}
    return {
        **status.facts(),
        "joined_by": status.joined_by or None,
        "status_label": status.get_status_display(),
    }


def place(country) -> dict:
    """Where a country is: its ISO code and region, null where not recorded."""
    return {
        "iso3": country.iso3 or None,
        "region": country.region or None,
        "region_label": country.get_region_display() or None,
    }


# Index ---------------------------------------------------------------------------------------


@api.get(
    "/",
    response=schemas.Index,
    url_name="index",
    operation_id="index",
    summary="Index",
    description="Links to every collection of the API, its OpenAPI document and its docs.",
)
@site_page
def index(request):
    return {
        "name": api.title,
        "version": api.version,
        "docs": api_url(request, "docs"),
        "openapi": api_url(request, "openapi"),
        "countries": api_url(request, "country_list"),
        "topics": api_url(request, "topic_list"),
        "profiles": api_url(request, "profile_list"),
        "treaties": api_url(request, "treaty_list"),
        "search": api_url(request, "search"),
    }


# Countries -----------------------------------------------------------------------------------


def _country_out(request, country, treaties) -> dict:
    statuses = {status.treaty_id: status for status in country.public_treaty_statuses.all()}
    return {
        "slug": country.slug,
        "name": country.name,
        "official_name": country.official_name,
        **place(country),
        "url": api_url(request, "country_detail", country=country.slug),
        "page_url": absolute_url(country.get_absolute_url(), request),
        "treaty_statuses": [
            {"treaty": treaty_ref(request, treaty), **status_facts(statuses.get(treaty.pk))}
            for treaty in treaties
        ],
        "profiles": [profile_ref(request, profile) for profile in country.public_profiles],
    }


def _with_statuses_and_profiles(countries):
    return countries.prefetch_related(
        Prefetch("public_treaty_statuses", queryset=PublicTreatyStatus.objects.order_by()),
        Prefetch(
            "profiles",
            queryset=Profile.objects.public().select_related("country", "topic"),
            to_attr="public_profiles",
        ),
    )


@api.get(
    "/countries/",
    response={200: schemas.CountryPage, **ERRORS},
    url_name="country_list",
    operation_id="listCountries",
    summary="Countries",
    by_alias=True,
)
@site_page
def country_list(
    request,
    q: str | None = Query(None, max_length=100, description="Part of a country's name."),
    region: Region | None = RegionFilter,
    treaty: str | None = Query(None, description="A treaty's slug, for `status`."),
    status: PublicStatus | None = CountryStatusFilter,
    topic: str | None = Query(None, description="Countries with a published profile of a topic."),
    page: int = Page,
    page_size: int = PageSize,
):
    """Every country or area the Monitor lists, by name, with its published status under
    each treaty ("No data", a null `status`, when none is published) and links to its
    published profiles. The filters are those of the countries page."""
    treaties = list(Treaty.objects.all())
    filters = CountryFilter(
        {"q": q, "region": region, "treaty": treaty, "status": status, "topic": topic},
        queryset=Country.objects.listed(),
        treaties=treaties,
        topics=list(Topic.objects.with_public_profiles()),
    )
    if not filters.is_valid():
        raise ValidationError(_form_errors(filters.form))
    countries, envelope = paginate(
        request, _with_statuses_and_profiles(filters.qs), page=page, page_size=page_size
    )
    return {
        **envelope,
        "results": [_country_out(request, country, treaties) for country in countries],
    }


def _form_errors(form) -> list[dict]:
    """A form's errors in the shape of ninja's: each names its parameter in `loc`."""
    return [
        {"loc": ["query", field], "msg": str(message), "type": "value_error"}
        for field, messages in form.errors.items()
        for message in messages
    ]


@api.get(
    "/countries/{slug:country}/",
    response={200: schemas.CountryOut, 404: schemas.Error},
    url_name="country_detail",
    operation_id="getCountry",
    summary="A country",
    by_alias=True,
)
@site_page
def country_detail(request, country: str = CountrySlug):
    """A country with its published treaty statuses and links to its published profiles."""
    found = _with_statuses_and_profiles(Country.objects.listed().filter(slug=country)).first()
    if found is None:
        raise Http404(f"There is no country “{country}”.")
    return _country_out(request, found, list(Treaty.objects.all()))


# Topics --------------------------------------------------------------------------------------


def _topic_out(request, topic) -> dict:
    return {
        "slug": topic.slug,
        "name": topic.name,
        "description": topic.description,
        "treaty": treaty_ref(request, topic.treaty) if topic.treaty else None,
        "profile_count": topic.public_profile_count,
        "url": api_url(request, "topic_detail", topic=topic.slug),
        "profiles_url": api_url(request, "profile_list") + f"?topic={topic.slug}",
    }


@api.get(
    "/topics/",
    response={200: schemas.TopicPage, **ERRORS},
    url_name="topic_list",
    operation_id="listTopics",
    summary="Topics",
)
@site_page
def topic_list(request, page: int = Page, page_size: int = PageSize):
    """The topics with at least one published profile, by name."""
    topics, envelope = paginate(
        request,
        Topic.objects.with_public_profiles().select_related("treaty").order_by("name"),
        page=page,
        page_size=page_size,
    )
    return {**envelope, "results": [_topic_out(request, topic) for topic in topics]}


@api.get(
    "/topics/{slug:topic}/",
    response={200: schemas.TopicDetail, 404: schemas.Error},
    url_name="topic_detail",
    operation_id="getTopic",
    summary="A topic",
    by_alias=True,
)
@site_page
def topic_detail(request, topic: str = TopicSlug):
    """A topic with every published profile of it, by country."""
    found = Topic.objects.with_public_profiles().select_related("treaty").filter(slug=topic)
    found = found.first()
    if found is None:
        raise Http404(f"There is no topic “{topic}” with a published profile.")
    profiles = Profile.objects.public().for_links().filter(topic=found)
    return {
        **_topic_out(request, found),
        "profiles": [profile_out(request, profile) for profile in profiles],
    }


# Profiles and their editions -----------------------------------------------------------------


class ProfileLookup(EditionListLookup):
    """A public profile with what a link to it shows (its latest edition), for its page and
    its list of editions; validators as the list of editions on the site."""

    @cached_property
    def profile(self) -> Profile:
        found = Profile.objects.public().of(self.country, self.topic).for_links().first()
        if found is None:
            raise Http404(NOT_PUBLIC.format(country=self.country, topic=self.topic))
        return found


@api.get(
    "/profiles/",
    response={200: schemas.ProfilePage, **ERRORS},
    url_name="profile_list",
    operation_id="listProfiles",
    summary="Profiles",
    by_alias=True,
)
@site_page
def profile_list(
    request,
    country: str | None = Query(None, description="Only this country's profiles (its slug)."),
    topic: str | None = Query(None, description="Only this topic's profiles (its slug)."),
    page: int = Page,
    page_size: int = PageSize,
):
    """Every published profile, by country and topic, with its latest edition and links to
    its report page, its exports and its editions."""
    profiles = Profile.objects.public().for_links()
    if country:
        profiles = profiles.filter(country__slug=country)
    if topic:
        profiles = profiles.filter(topic__slug=topic)
    found, envelope = paginate(request, profiles, page=page, page_size=page_size)
    return {**envelope, "results": [profile_out(request, profile) for profile in found]}


@api.get(
    "/profiles/{slug:country}/{slug:topic}/",
    response={200: schemas.ProfileOut, 404: schemas.Error},
    url_name="profile_detail",
    operation_id="getProfile",
    summary="A profile",
    by_alias=True,
)
@decorate_view(public_page(ProfileLookup))
def profile_detail(request, country: str = CountrySlug, topic: str = TopicSlug):
    """A published profile: its latest edition and links to its report page, its exports
    and its editions."""
    return profile_out(request, request.lookup.profile)


@api.get(
    "/profiles/{slug:country}/{slug:topic}/editions/",
    response={200: schemas.EditionPage, **ERRORS},
    url_name="edition_list",
    operation_id="listEditions",
    summary="A profile's editions",
)
@decorate_view(public_page(ProfileLookup))
def edition_list(
    request,
    country: str = CountrySlug,
    topic: str = TopicSlug,
    page: int = Page,
    page_size: int = PageSize,
):
    """Every edition of a published profile, newest first, with its edition note."""
    profile = request.lookup.profile
    # Editions are numbered 1, 2, 3… with no gaps: page through the numbers, as the site's
    # list of editions does, and fetch one page of editions without counting rows.
    numbers, envelope = paginate(
        request,
        range(profile.latest_publication.number, 0, -1),
        page=page,
        page_size=page_size,
    )
    editions = (
        profile.publications.filter(number__lte=numbers[0], number__gte=numbers[-1])
        .defer("snapshot")
        .order_by("-number")
    )
    return {**envelope, "results": [_edition_out(request, edition) for edition in editions]}


def _edition_out(request, edition) -> dict:
    country, topic = edition.profile.country.slug, edition.profile.topic.slug
    number = edition.number
    comparison = None
    if number > 1:
        comparison = reverse("profiles:edition_compare", args=[country, topic, number - 1, number])
    return {
        "number": number,
        "published_at": edition.published_at,
        "last_updated": edition.last_updated,
        "note": edition.note,
        "url": api_url(request, "edition_detail", country=country, topic=topic, number=number),
        "page_url": absolute_url(edition.get_absolute_url(), request),
        "comparison_url": absolute_url(comparison, request) if comparison else None,
    }


@api.get(
    "/profiles/{slug:country}/{slug:topic}/editions/{int:number}/",
    response={200: schemas.Snapshot, 404: schemas.Error},
    url_name="edition_detail",
    operation_id="getEdition",
    summary="An edition's snapshot",
)
@decorate_view(public_page(EditionLookup))
def edition_detail(
    request, country: str = CountrySlug, topic: str = TopicSlug, number: int = EditionNumber
):
    """An edition exactly as published: the same JSON as the site's .json export, for any
    edition (docs/json-format.md describes it). An edition never changes."""
    return snapshot_response(request, request.lookup.publication())


# Treaties ------------------------------------------------------------------------------------


def _treaty_out(request, treaty) -> dict:
    return {
        **treaty_ref(request, treaty),
        "adopted_on": treaty.adopted_on,
        "entry_into_force_on": treaty.entry_into_force_on,
        "state_party_count": treaty.state_party_count,
        "signatory_count": treaty.signatory_count,
        "page_url": absolute_url(treaty.get_absolute_url(), request),
        "csv_url": absolute_url(reverse("profiles:treaty_csv", args=[treaty.slug]), request),
    }


@api.get(
    "/treaties/",
    response={200: schemas.TreatyPage, **ERRORS},
    url_name="treaty_list",
    operation_id="listTreaties",
    summary="Treaties",
)
@site_page
def treaty_list(request, page: int = Page, page_size: int = PageSize):
    """The treaties the Monitor follows, with their numbers of states parties and
    signatories (published statuses of listed countries)."""
    treaties, envelope = paginate(
        request, Treaty.objects.with_party_counts().order_by("name"), page=page, page_size=page_size
    )
    return {**envelope, "results": [_treaty_out(request, treaty) for treaty in treaties]}


@api.get(
    "/treaties/{slug:treaty}/",
    response={200: schemas.TreatyDetail, **ERRORS},
    url_name="treaty_detail",
    operation_id="getTreaty",
    summary="A treaty's status table",
)
@site_page
def treaty_detail(
    request,
    treaty: str = TreatySlug,
    status: PublicStatus | None = RowStatusFilter,
    region: Region | None = RegionFilter,
    sort: TableSort = TableSortOrder,
):
    """A treaty with the status of every listed country, as its page and CSV show it: the
    published status, or "No data" (a null `status`), never "not party" for want of one."""
    found = Treaty.objects.with_party_counts().filter(slug=treaty).first()
    if found is None:
        raise Http404(f"There is no treaty “{treaty}”.")
    filters = TreatyTableFilter(
        {"status": status, "region": region},
        queryset=Country.objects.listed().with_status_for(found),
    )
    if not filters.is_valid():
        raise ValidationError(_form_errors(filters.form))
    key, descending = parse_sort(sort)
    rows = list(sort_treaty_table(filters.qs, key, descending))
    return {
        **_treaty_out(request, found),
        "count": len(rows),
        "statuses": [_status_row(request, row) for row in rows],
    }


def _status_row(request, row) -> dict:
    """A row of the status table: a country annotated by CountryQuerySet.with_status_for()."""
    recorded = row.status != NO_DATA
    return {
        "country": country_ref(request, row),
        **place(row),
        "status": row.status if recorded else None,
        "status_label": row.status_label,
        "signed_on": row.signed_on,
        "joined_on": row.joined_on,
        "joined_by": row.joined_by or None,
        "in_force_on": row.in_force_on,
        "initial_report_due_on": row.initial_report_due_on,
        "last_report_submitted_on": row.last_report_submitted_on,
    }


# Search --------------------------------------------------------------------------------------


@api.get(
    "/search/",
    response={200: schemas.SearchPage, **ERRORS},
    url_name="search",
    operation_id="search",
    summary="Search",
)
@site_page
def search(
    request,
    q: str = Query(
        ...,
        min_length=1,
        description='Words to find, all of them; "a phrase", -word to exclude, a or b.',
    ),
    page: int = Page,
):
    """Full-text search over the published claims and footnotes of every public profile's
    latest edition, as the site's search: profiles best first, twenty a page, each with its
    best passages."""
    results = search_public(q, page=page)
    if results.page_not_found:
        raise Http404(f"There is no page {page} of these results.")
    envelope = page_envelope(request, results.page) if results.page else page_envelope(request)
    hits = results.page.object_list if results.page else []
    return {
        **envelope,
        "query": results.query,
        "truncated": results.truncated,
        "results": [
            {
                "profile": profile_ref(request, hit.profile),
                "hits": hit.hits,
                "passages": [_passage(request, passage) for passage in hit.passages],
            }
            for hit in hits
        ],
    }


def _passage(request, passage) -> dict:
    return {
        "kind": passage.kind,
        "number": passage.number,
        "heading": passage.heading,
        "text": "".join(text for text, _match in passage.segments),
        "segments": [{"text": text, "match": match} for text, match in passage.segments],
        "page_url": absolute_url(passage.url, request),
    }
