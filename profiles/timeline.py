"""A profile's timeline as editors see it: the change sets that wrote within the profile,
what each changed, and the profile's state before and after one (profiles.states).

"Within the profile" means: the profile row, the sections that were ever in it, the claims
that were ever in those sections, their citations, source links, and the sources linked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber

from citations.models import Citation, CitationSource, Source
from profiles.compare import (
    Segment,
    diff_words,
)
from profiles.models import (
    ChangeSet,
    Claim,
    Profile,
    ProfileChangeSet,
    Section,
)
from profiles.states import TREE, Tree, display_value, history_model, tracked_fields, tree_snapshot

# Every model whose records a profile's timeline lists, in the order its records are shown.
HISTORY_MODELS = {
    "profile": Profile,
    "section": Section,
    "claim": Claim,
    "citation": Citation,
    "link": CitationSource,
    "source": Source,
}

# How many records of each model a change set shows on the timeline before "and N more".
RECORDS_SHOWN = 20


# Change sets ----------------------------------------------------------------------------------


def _scopes(profile_id: int) -> dict[str, Q]:
    """For each model, the condition of its historical records "within the profile"."""
    sections = Section.history.filter(profile_id=profile_id).values("id")
    claims = Claim.history.filter(section_id__in=sections).values("id")
    citations = Citation.history.filter(claim_id__in=claims).values("id")
    sources = CitationSource.history.filter(citation_id__in=citations).values("source_id")
    return {
        "profile": Q(id=profile_id),
        "section": Q(profile_id=profile_id),
        "claim": Q(section_id__in=sections),
        "citation": Q(claim_id__in=claims),
        "link": Q(citation_id__in=citations),
        "source": Q(id__in=sources),
    }


def _record_scopes(profile_id: int) -> dict:
    """The same conditions as _scopes(), tested record by record (correlated EXISTS over the
    "as of" indexes): cheaper than _scopes() when the records are already narrowed down,
    such as those of a page of change sets."""
    sections = Section.history.filter(profile_id=profile_id).values("id")

    def claim_in_profile(claim_id):
        return Exists(Claim.history.filter(id=claim_id, section_id__in=sections))

    def citation_in_profile(citation_id):
        return Exists(
            Citation.history.filter(id=citation_id).filter(claim_in_profile(OuterRef("claim_id")))
        )

    def link_in_profile(link):
        return link.filter(citation_in_profile(OuterRef("citation_id")))

    return {
        "profile": Q(id=profile_id),
        "section": Q(profile_id=profile_id),
        "claim": Q(section_id__in=sections),
        "citation": claim_in_profile(OuterRef("claim_id")),
        "link": citation_in_profile(OuterRef("citation_id")),
        "source": Exists(link_in_profile(CitationSource.history.filter(source_id=OuterRef("id")))),
    }


def profile_change_sets(profile: Profile):
    """Return the change sets that wrote a record within the profile, newest first (read from
    the ProfileChangeSet index, which holds what _scopes() would find)."""
    links = ProfileChangeSet.objects.filter(profile_id=profile.pk)
    return (
        ChangeSet.objects.filter(pk__in=links.values("change_set_id"))
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class FieldDiff:
    """A field one record changed: a text diffed word by word, or a value old → new."""

    label: str
    segments: list[Segment] | None = None
    old: str = ""
    new: str = ""


@dataclass
class RecordEntry:
    """One historical record, as a change set on the timeline lists it."""

    model: str  # "claim", …
    verbose_name: str
    object_id: int
    history_type: str  # "+", "~" or "-"
    label: str
    changes: list[FieldDiff]
    history_url_name: str  # the admin URL name of the object's own history page


@dataclass
class ChangeSetEntry:
    change_set: ChangeSet
    records: list[RecordEntry] = field(default_factory=list)
    total: int = 0  # records within the profile, shown or not
    first_date: datetime.datetime | None = None
    last_date: datetime.datetime | None = None
    after_url: str = ""  # the page showing the profile as it stood after it (set by the view)

    @property
    def hidden(self) -> int:
        return self.total - len(self.records)


def _previous_record(records):
    """A subquery: the history_id of the record before each record of the same object."""
    return Subquery(
        records.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )


# Text fields are diffed word by word on the timeline; others are shown old → new.
TEXT_FIELDS = {"text", "heading", "notes", "review_note", "pinpoint", "title", "event"}
# Fields the timeline does not list: derived, or shown another way.
UNLISTED_FIELDS = {"id", "text_changed_by_id", "public_changed_at"}


def change_set_entries(profile: Profile, change_sets) -> list[ChangeSetEntry]:
    """Return the change sets (one page of them) with the records each wrote within the
    profile: up to RECORDS_SHOWN of each model, with the fields each changed. Two queries a
    model, whatever the number of change sets and records."""
    entries = {change_set.pk: ChangeSetEntry(change_set) for change_set in change_sets}
    if not entries:
        return []
    scopes = _record_scopes(profile.pk)
    for name, model in HISTORY_MODELS.items():
        historical = history_model(model)
        partition = {"partition_by": [F("change_set_id")]}
        records = (
            historical.objects.filter(scopes[name], change_set_id__in=list(entries))
            .annotate(
                row_number=Window(
                    RowNumber(),
                    order_by=[F("history_date").asc(), F("history_id").asc()],
                    **partition,
                ),
                in_set=Window(Count("history_id"), **partition),
                first_date=Window(Min("history_date"), **partition),
                last_date=Window(Max("history_date"), **partition),
                previous_id=_previous_record(historical.objects),
            )
            .filter(row_number__lte=RECORDS_SHOWN)
            .order_by("change_set_id", "history_date", "history_id")
        )
        if name == "link":
            records = records.select_related("source")
        records = list(records)
        # The records before those shown, to tell what each changed. The query runs even
        # when none is wanted (id 0 is never used), so that the page's queries are the same
        # whatever it shows.
        wanted = [record.previous_id for record in records if record.previous_id]
        previous = historical.objects.in_bulk([*wanted, 0])
        for record in records:
            entry = entries[record.change_set_id]
            if record.row_number == 1:
                entry.total += record.in_set
                entry.first_date = min(filter(None, [entry.first_date, record.first_date]))
                entry.last_date = max(filter(None, [entry.last_date, record.last_date]))
            entry.records.append(
                RecordEntry(
                    model=name,
                    verbose_name=str(model._meta.verbose_name),
                    object_id=record.id,
                    history_type=record.history_type,
                    label=_record_label(name, record, profile),
                    changes=_record_changes(model, record, previous.get(record.previous_id)),
                    history_url_name=f"admin:{model._meta.app_label}_{model._meta.model_name}_history",
                )
            )
    return [entries[change_set.pk] for change_set in change_sets]


def _record_label(name: str, record, profile: Profile) -> str:
    if name == "profile":
        return str(profile)
    if name == "link":
        source = record.source if record.source_id else None
        text = str(source) if source is not None else f"source #{record.source_id} (deleted)"
        return f"{text}, {record.pinpoint}" if record.pinpoint else text
    # The timeline is the profile's own: name its rows as they stand within it.
    obj = record.history_object
    return getattr(obj, "label_in_parent", None) or str(obj)


def _record_changes(model, record, previous) -> list[FieldDiff]:
    """The fields a record changed from the one before it; none for a creation or a
    deletion."""
    if record.history_type != "~" or previous is None:
        return []
    changes = []
    for attname in tracked_fields(model):
        if attname in UNLISTED_FIELDS:
            continue
        old, new = getattr(previous, attname), getattr(record, attname)
        if old == new:
            continue
        model_field = next(f for f in model._meta.concrete_fields if f.attname == attname)
        label = str(model_field.verbose_name).capitalize()
        if attname in TEXT_FIELDS:
            changes.append(FieldDiff(label, segments=diff_words(old or "", new or "")))
            continue
        if model_field.choices:
            choices = dict(model_field.flatchoices)
            old, new = choices.get(old, old), choices.get(new, new)
        if model_field.is_relation:
            old, new = (f"#{value}" if value else None for value in (old, new))
        changes.append(FieldDiff(label, old=display_value(old), new=display_value(new)))
    return changes


# One change set, and the state before it --------------------------------------------------------


@dataclass
class Touched:
    """What one change set did to one object: its first and last records there, and the
    record before the first (None when the change set created the object)."""

    first: dict
    last: dict
    before: dict | None

    @property
    def created(self) -> bool:
        """Whether the object did not exist before the change set (or has no earlier record)."""
        return self.before is None

    @property
    def deleted(self) -> bool:
        return self.last["history_type"] == "-"


def change_set_touched(profile: Profile, change_set: ChangeSet) -> dict[str, dict[int, Touched]]:
    """Return, for each model, what the change set did to each object within the profile
    (two queries a model)."""
    scopes = _record_scopes(profile.pk)
    touched: dict[str, dict[int, Touched]] = {}
    for name, model in HISTORY_MODELS.items():
        historical = history_model(model)
        fields = ("history_id", "history_type", "history_date", *tracked_fields(model))
        records = (
            historical.objects.filter(scopes[name], change_set=change_set)
            .annotate(previous_id=_previous_record(historical.objects))
            .order_by("history_date", "history_id")
            .values(*fields, "previous_id")
        )
        by_object: dict[int, list[dict]] = {}
        for record in records:
            by_object.setdefault(record["id"], []).append(record)
        wanted = [rows[0]["previous_id"] for rows in by_object.values() if rows[0]["previous_id"]]
        before = {
            row["history_id"]: row
            for row in historical.objects.filter(history_id__in=wanted).values(*fields)
        }
        touched[name] = {}
        for pk, rows in by_object.items():
            first = rows[0]
            previous = before.get(first["previous_id"])
            created = (
                first["history_type"] == "+"
                or previous is None
                or (previous["history_type"] == "-")
            )
            touched[name][pk] = Touched(
                first=first, last=rows[-1], before=None if created else previous
            )
    return touched


def _values(record: dict, model) -> dict:
    return {name: record[name] for name in tracked_fields(model)}


def change_set_states(profile: Profile, change_set: ChangeSet) -> tuple[dict, dict] | None:
    """Return the profile's working copy just before the change set and just after it, as
    snapshots; None when the change set wrote nothing within the profile.

    "After" is the state at the change set's last record. "Before" is that same state with
    each object the change set touched put back as it was before: so the comparison shows
    what this change set did, even if another one was being written at the same moment.
    """
    touched = change_set_touched(profile, change_set)
    dates = [t.last["history_date"] for objects in touched.values() for t in objects.values()]
    if not dates:
        return None
    after = Tree.at(profile, max(dates))
    before = after.copy()
    if (done := touched["profile"].get(profile.pk)) and done.before is not None:
        before.profile = _values(done.before, Profile)
    for kind in TREE:
        for pk, done in touched[kind.name].items():
            if done.created:
                before.rows[kind.name].pop(pk, None)
            else:
                before.rows[kind.name][pk] = _values(done.before, kind.model)
    if after.profile is None:
        return None
    return tree_snapshot(before, profile), tree_snapshot(after, profile)
