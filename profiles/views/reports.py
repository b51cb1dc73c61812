"""Reading a report: the latest edition, past editions, comparisons, and exports.

Every page here reads publications only, never the working copy, and runs a fixed number
of queries whatever the size of the profile: the edition's snapshot is one row. Each page's
lookup (request.lookup) finds the edition first, without its snapshot, for the ETag and
Last-Modified validators, so that a repeat visit is answered with 304 Not Modified after one
query, and the view reuses it. An edition never changes, so its pages are rendered once and kept
(profiles.caching.public_page): the snapshot is read only to render them.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import InvalidPage, Paginator
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.functional import cached_property

from monitor.site import absolute_url
from profiles.caching import PageLookup, public_page
from profiles.compare import compare_snapshots
from profiles.linked_data import json_ld_script, report_description, report_json_ld
from profiles.models import Profile, Publication
from profiles.prepared import PreparedQuery
from profiles.snapshots import document_from_snapshot, report_layout, served_snapshot
from profiles.textformat import render_profile

EDITIONS_PER_PAGE = 50

# Edition numbers are stored as PositiveIntegerField; a larger number in the address would
# overflow the database's integer and fail rather than find nothing.
MAX_EDITION_NUMBER = 2_147_483_647

NOT_PUBLIC = "There is no published profile “{topic}” for “{country}”."


# Lookups: one object per request, shared by the validators and the view -------------------


@dataclass(frozen=True)
class EditionHead:
    """What the validators need of an edition: which one it is, and when it changed."""

    pk: int
    number: int
    published_at: datetime.datetime
    public_changed_at: datetime.datetime | None
    latest_pk: int


HEAD_FIELDS = ("pk", "number", "published_at", "profile__public_changed_at")

# The lookup behind every visit to a report, prepared: building and compiling the query costs
# far more than running it. scripts/micro_benchmark.py measures both ways (SQLite, 2 cores):
# the lookup alone 63 µs prepared vs 956 µs through the ORM; a whole 304 revisit 528 µs vs
# 1,609 µs. profiles/prepared.py uses private ORM internals; tests/profiles/test_prepared.py
# fails loudly if a Django upgrade changes them.
LATEST_EDITION_HEAD = PreparedQuery(
    lambda country, topic: (
        Publication.objects.public()
        .of(country, topic)
        .filter(profile__latest_publication=F("pk"))
        .values_list(*HEAD_FIELDS)
    )
)


class EditionLookup(PageLookup):
    """One public edition of a profile: the latest, or edition `number`.

    An edition never changes; the page names the latest edition too, so a new edition
    changes every edition's page.
    """

    validators = ("etag", "last_modified")

    def __init__(self, country: str, topic: str, number: int | None = None):
        self.country, self.topic, self.number = country, topic, number

    @cached_property
    def head(self) -> EditionHead:
        """The edition, without its snapshot; else raise Http404."""
        if self.number is None:
            row = LATEST_EDITION_HEAD.run(country=self.country, topic=self.topic)
            if row:
                return EditionHead(*row, latest_pk=row[0])
            raise Http404(NOT_PUBLIC.format(country=self.country, topic=self.topic))
        row = self.number <= MAX_EDITION_NUMBER and (
            Publication.objects.public()
            .of(self.country, self.topic)
            .filter(number=self.number)
            .values_list(*HEAD_FIELDS, "profile__latest_publication_id")
            .first()
        )
        if row:
            return EditionHead(*row)
        raise Http404(
            f"There is no edition {self.number} of the public profile “{self.topic}” "
            f"for “{self.country}”."
        )

    @cached_property
    def etag(self) -> str:
        return f"{self.head.pk}-{self.head.latest_pk}"

    @cached_property
    def last_modified(self) -> datetime.datetime:
        return self.head.public_changed_at or self.head.published_at

    def publication(self) -> Publication:
        """Fetch the whole edition, snapshot included, for the report."""
        publication = Publication.objects.public().for_report().filter(pk=self.head.pk).first()
        if publication is None:  # withdrawn a moment ago
            raise Http404("This profile is no longer published.")
        return publication


class EditionListLookup(PageLookup):
    """A public profile, for the list of its editions."""

    validators = ("etag", "last_modified")

    def __init__(self, country: str, topic: str):
        self.country, self.topic = country, topic

    @cached_property
    def profile(self) -> Profile:
        profile = (
            Profile.objects.public()
            .of(self.country, self.topic)
            .select_related("country", "topic")
            .annotate(edition_count=F("latest_publication__number"))
            .first()
        )
        if profile is None:
            raise Http404(NOT_PUBLIC.format(country=self.country, topic=self.topic))
        return profile

    @cached_property
    def etag(self) -> str:
        return f"editions-{self.profile.latest_publication_id}"

    @cached_property
    def last_modified(self) -> datetime.datetime:
        return self.profile.public_changed_at


class ComparisonLookup(PageLookup):
    """Two public editions of a profile, to compare."""

    validators = ("etag", "last_modified")

    def __init__(self, country: str, topic: str, number: int, other: int):
        self.country, self.topic, self.numbers = country, topic, {number, other}

    @cached_property
    def pair(self) -> tuple[Publication, Publication]:
        """The two editions, older first (the same one twice if equal), without snapshots."""
        if max(self.numbers) > MAX_EDITION_NUMBER:
            raise Http404("There is no such edition.")
        editions = (
            Publication.objects.public()
            .of(self.country, self.topic)
            .for_report()
            .defer("snapshot")
            .filter(number__in=self.numbers)
        )
        found = {publication.number: publication for publication in editions}
        missing = sorted(self.numbers - found.keys())
        if missing:
            if not found:
                raise Http404(NOT_PUBLIC.format(country=self.country, topic=self.topic))
            raise Http404(f"There is no edition {missing[0]} of this profile to compare.")
        return found[min(self.numbers)], found[max(self.numbers)]

    @cached_property
    def etag(self) -> str:
        old, new = self.pair
        # The page says whether the newer edition is the current one.
        return f"{old.checksum}-{new.checksum}-{new.profile.latest_publication_id}"

    @cached_property
    def last_modified(self) -> datetime.datetime:
        _old, new = self.pair
        return new.profile.public_changed_at or new.published_at

    def with_snapshots(self) -> tuple[Publication, Publication]:
        """Return the pair with their snapshots, read in one query."""
        old, new = self.pair
        snapshots = dict(
            Publication.objects.filter(pk__in=[old.pk, new.pk]).values_list("pk", "snapshot")
        )
        old.snapshot, new.snapshot = snapshots[old.pk], snapshots[new.pk]
        return old, new


edition_page = public_page(EditionLookup)


# Pages ----------------------------------------------------------------------------------------


@edition_page
def profile_detail(request, country, topic):
    publication = request.lookup.publication()
    return render(request, "profiles/profile_detail.html", _report_context(request, publication))


@edition_page
def edition_detail(request, country, topic, number):
    publication = request.lookup.publication()
    return render(request, "profiles/profile_detail.html", _report_context(request, publication))


@public_page(EditionListLookup)
def edition_list(request, country, topic):
    profile = request.lookup.profile
    # Editions are numbered 1, 2, 3… with no gaps, so the latest number is the count: page
    # through the numbers and fetch one page of editions, without counting rows.
    paginator = Paginator(range(profile.edition_count, 0, -1), EDITIONS_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except InvalidPage as error:
        raise Http404(f"There is no such page of editions ({error}).") from None
    numbers = page.object_list
    editions = (
        profile.publications.filter(number__lte=numbers[0], number__gte=numbers[-1])
        .defer("snapshot")
        .order_by("-number")
    )
    return render(
        request,
        "profiles/edition_list.html",
        {"profile": profile, "editions": editions, "page_obj": page, "paginator": paginator},
    )


@public_page(ComparisonLookup)
def edition_compare(request, country, topic, number, other):
    old, new = request.lookup.with_snapshots()
    return render(
        request,
        "profiles/edition_compare.html",
        {
            "profile": new.profile,
            "old": old,
            "new": new,
            "comparison": compare_snapshots(old.snapshot, new.snapshot),
            "latest_number": new.latest_number,
        },
    )


@edition_page
def profile_json(request, country, topic):
    return snapshot_response(request, request.lookup.publication())


def snapshot_response(request, publication: Publication) -> JsonResponse:
    """The edition's JSON document, as the .json export and the API's edition serve it."""
    return JsonResponse(
        served_snapshot(publication, request),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


@edition_page
def profile_text(request, country, topic):
    publication = request.lookup.publication()
    response = HttpResponse(
        render_profile(document_from_snapshot(publication.snapshot)),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{country}-{topic}.txt"'
    return response


def _report_context(request, publication: Publication) -> dict:
    """The report template's context: the edition, its profile, and its snapshot laid out,
    with the page's canonical address and what it tells machines (Open Graph, JSON-LD)."""
    is_latest = publication.number == publication.latest_number
    profile, snapshot = publication.profile, publication.snapshot
    page = profile.get_absolute_url() if is_latest else publication.get_absolute_url()
    canonical_url = absolute_url(page, request)
    return {
        "publication": publication,
        "profile": profile,
        "snapshot": snapshot,
        **report_layout(snapshot),
        "is_latest": is_latest,
        "canonical_url": canonical_url,
        "description": report_description(snapshot),
        "json_ld": json_ld_script(report_json_ld(publication, snapshot, canonical_url)),
    }
