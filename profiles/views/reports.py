"""Reading a report: the latest edition, past editions, comparisons, and exports.

Every page here reads publications only, never the working copy, and runs a fixed number
of queries whatever the size of the profile: the edition's snapshot is one row. The ETag
and Last-Modified functions look the edition up first, without its snapshot, and keep it on
the request, so that a repeat visit is answered with 304 Not Modified after one query, and
the view reuses it. An edition never changes, so its pages are rendered once and kept
(profiles.caching.public_page): the snapshot is read only to render them.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import InvalidPage, Paginator
from django.db.models import F
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from profiles.caching import public_page
from profiles.compare import compare_snapshots, paragraphs
from profiles.models import Profile, Publication
from profiles.prepared import PreparedQuery
from profiles.snapshots import document_from_snapshot
from profiles.textformat import render_profile

EDITIONS_PER_PAGE = 50

# Edition numbers are stored as PositiveIntegerField; a larger number in the address would
# overflow the database's integer and fail rather than find nothing.
MAX_EDITION_NUMBER = 2_147_483_647

NOT_PUBLIC = "There is no published profile “{topic}” for “{country}”."


# Lookups, kept on the request for the caching functions and the view --------------------------


def _remember(request, key, fetch):
    """Return fetch(), computed once per request and key."""
    found = request.__dict__.setdefault("_monitor_lookups", {})
    if key not in found:
        found[key] = fetch()
    return found[key]


def _editions(country: str, topic: str):
    """Public editions of one profile, with their profile, country and topic in the same row,
    without their snapshots (see _with_snapshots)."""
    return (
        Publication.objects.public()
        .filter(profile__country__slug=country, profile__topic__slug=topic)
        .select_related("profile__country", "profile__topic")
        .defer("snapshot")
        .annotate(
            latest_number=F("profile__latest_publication__number"),
            latest_published_at=F("profile__latest_publication__published_at"),
        )
    )


@dataclass(frozen=True)
class EditionHead:
    """What the caching functions need of an edition: which one it is, and when it changed."""

    pk: int
    number: int
    published_at: datetime.datetime
    public_changed_at: datetime.datetime | None
    latest_pk: int


HEAD_FIELDS = ("pk", "number", "published_at", "profile__public_changed_at")

# The lookup behind every visit to a report: prepared, as building the query cost ten times
# what running it does.
LATEST_EDITION_HEAD = PreparedQuery(
    lambda country, topic: (
        Publication.objects.public()
        .filter(profile__country__slug=country, profile__topic__slug=topic)
        .filter(profile__latest_publication=F("pk"))
        .values_list(*HEAD_FIELDS)
    )
)


def _head(request, country: str, topic: str, number: int | None = None) -> EditionHead:
    """Return the latest public edition of a profile, or edition `number`; else raise Http404."""

    def fetch():
        if number is None:
            row = LATEST_EDITION_HEAD.run(country=country, topic=topic)
            head = row and EditionHead(*row, latest_pk=row[0])
        elif number > MAX_EDITION_NUMBER:
            head = None
        else:
            row = (
                Publication.objects.public()
                .filter(profile__country__slug=country, profile__topic__slug=topic)
                .filter(number=number)
                .values_list(*HEAD_FIELDS, "profile__latest_publication_id")
                .first()
            )
            head = row and EditionHead(*row)
        if head:
            return head
        if number is None:
            raise Http404(NOT_PUBLIC.format(country=country, topic=topic))
        raise Http404(
            f"There is no edition {number} of the public profile “{topic}” for “{country}”."
        )

    return _remember(request, ("head", country, topic, number), fetch)


def _publication(head: EditionHead) -> Publication:
    """Fetch the whole edition, snapshot included, with its profile, country and topic."""
    publication = (
        Publication.objects.public()
        .select_related("profile__country", "profile__topic")
        .annotate(
            latest_number=F("profile__latest_publication__number"),
            latest_published_at=F("profile__latest_publication__published_at"),
        )
        .filter(pk=head.pk)
        .first()
    )
    if publication is None:  # withdrawn a moment ago
        raise Http404("This profile is no longer published.")
    return publication


def _pair(request, country: str, topic: str, number: int, other: int):
    """Return the two editions to compare, older first (the same one twice if equal)."""

    def fetch():
        wanted = {number, other}
        if max(wanted) > MAX_EDITION_NUMBER:
            raise Http404("There is no such edition.")
        found = {
            publication.number: publication
            for publication in _editions(country, topic).filter(number__in=wanted)
        }
        missing = sorted(wanted - found.keys())
        if missing:
            if not found:
                raise Http404(NOT_PUBLIC.format(country=country, topic=topic))
            raise Http404(f"There is no edition {missing[0]} of this profile to compare.")
        return found[min(wanted)], found[max(wanted)]

    return _remember(request, ("pair", country, topic, number, other), fetch)


def _profile(request, country: str, topic: str) -> Profile:
    def fetch():
        profile = (
            Profile.objects.public()
            .select_related("country", "topic")
            .filter(country__slug=country, topic__slug=topic)
            .annotate(edition_count=F("latest_publication__number"))
            .first()
        )
        if profile is None:
            raise Http404(NOT_PUBLIC.format(country=country, topic=topic))
        return profile

    return _remember(request, ("profile", country, topic), fetch)


def _with_snapshots(*publications: Publication) -> None:
    """Read the snapshots of editions looked up without them, in one query."""
    snapshots = dict(
        Publication.objects.filter(pk__in=[p.pk for p in publications]).values_list(
            "pk", "snapshot"
        )
    )
    for publication in publications:
        publication.snapshot = snapshots[publication.pk]


# Conditional GET ------------------------------------------------------------------------------


def _edition_etag(request, country, topic, number=None, **kwargs):
    head = _head(request, country, topic, number)
    # An edition never changes. The page names the latest edition too, so a new edition
    # changes every edition's page.
    return f"{head.pk}-{head.latest_pk}"


def _edition_last_modified(request, country, topic, number=None, **kwargs):
    head = _head(request, country, topic, number)
    return head.public_changed_at or head.published_at


def _list_etag(request, country, topic, **kwargs):
    profile = _profile(request, country, topic)
    return f"editions-{profile.latest_publication_id}"


def _list_last_modified(request, country, topic, **kwargs):
    return _profile(request, country, topic).public_changed_at


def _compare_etag(request, country, topic, number, other, **kwargs):
    old, new = _pair(request, country, topic, number, other)
    # The page says whether the newer edition is the current one.
    return f"{old.checksum}-{new.checksum}-{new.profile.latest_publication_id}"


def _compare_last_modified(request, country, topic, number, other, **kwargs):
    old, new = _pair(request, country, topic, number, other)
    return new.profile.public_changed_at or new.published_at


edition_page = public_page(etag=_edition_etag, last_modified=_edition_last_modified)


# Pages ----------------------------------------------------------------------------------------


@edition_page
def profile_detail(request, country, topic):
    publication = _publication(_head(request, country, topic))
    return render(request, "profiles/profile_detail.html", _report_context(publication))


@edition_page
def edition_detail(request, country, topic, number):
    publication = _publication(_head(request, country, topic, number))
    return render(request, "profiles/profile_detail.html", _report_context(publication))


@public_page(etag=_list_etag, last_modified=_list_last_modified)
def edition_list(request, country, topic):
    profile = _profile(request, country, topic)
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


@public_page(etag=_compare_etag, last_modified=_compare_last_modified)
def edition_compare(request, country, topic, number, other):
    old, new = _pair(request, country, topic, number, other)
    _with_snapshots(old, new)
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
    publication = _publication(_head(request, country, topic))
    edition = {
        "number": publication.number,
        "published_at": publication.published_at.isoformat(),
        "url": request.build_absolute_uri(publication.get_absolute_url()),
    }
    # A new dict: the stored snapshot is left as it is.
    return JsonResponse(
        {**publication.snapshot, "edition": edition},
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )


@edition_page
def profile_text(request, country, topic):
    publication = _publication(_head(request, country, topic))
    response = HttpResponse(
        render_profile(document_from_snapshot(publication.snapshot)),
        content_type="text/plain; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{country}-{topic}.txt"'
    return response


def _report_context(publication: Publication) -> dict:
    """Arrange an edition's snapshot for the report template: paragraphs, contents, header."""
    snapshot = publication.snapshot
    sections = [{**section, "paragraphs": paragraphs(section)} for section in snapshot["sections"]]
    contents = []
    for section in sections:
        if not (section["heading"] or section["kind"] == "summary"):
            continue
        if section["level"] == 2 and contents:
            contents[-1]["children"].append(section)
        else:
            contents.append({"section": section, "children": []})
    return {
        "publication": publication,
        "profile": publication.profile,
        "snapshot": snapshot,
        "sections": sections,
        "contents": contents,
        "is_latest": publication.number == publication.latest_number,
    }
