"""A profile's timeline as editors see it: the change sets that wrote within the profile,
what each changed, and the profile's state before and after one (profiles.states).

"Within the profile" means: the profile row, the sections that were ever in it, the claims
that were ever in those sections, their citations, source links, and the sources linked.

Over 700 lines because the timeline and the wording of its entries ("Verified footnote [4]",
"Published edition 2 — note") read the same change sets and history records in a fixed number
of queries; splitting them would fetch those rows twice or pass them through a third module.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils.text import Truncator

from citations.models import REVIEW_FIELDS, Citation, CitationSource, ReviewState, Source
from profiles.compare import (
    Segment,
    diff_words,
)
from profiles.models import (
    ChangeSet,
    Claim,
    Profile,
    ProfileChangeSet,
    Publication,
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
    record: object = field(default=None, repr=False)  # the historical record itself
    previous: object = field(default=None, repr=False)  # the object's record before it


@dataclass
class ChangeSetEntry:
    change_set: ChangeSet
    records: list[RecordEntry] = field(default_factory=list)
    total: int = 0  # records within the profile, shown or not
    first_date: datetime.datetime | None = None
    last_date: datetime.datetime | None = None
    after_url: str = ""  # the page showing the profile as it stood after it (set by the view)
    counts: dict[str, int] = field(default_factory=dict)  # records within the profile, by model
    headline: str = ""  # what the change set did, in words: "Verified footnote [4]"
    details: list[str] = field(default_factory=list)  # what else to say of it, quieter

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
    profile: up to RECORDS_SHOWN of each model, with the fields each changed, and what each
    change set did in words. Two queries a model and three more (footnote numbers, section
    names, editions), whatever the number of change sets and records."""
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
                entry.counts[name] = record.in_set
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
                    record=record,
                    previous=previous.get(record.previous_id),
                )
            )
    ordered = [entries[change_set.pk] for change_set in change_sets]
    _describe_all(profile, ordered)
    return ordered


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


# What a change set did, in words ------------------------------------------------------------------

# A footnote's fields a fact-checker writes, and the one the footnote's writer is noted in.
REVIEW_COLUMNS = {f"{name}_id" if name == "reviewed_by" else name for name in REVIEW_FIELDS}
# Fields whose change alone means the object moved, not that its content changed.
MOVE_FIELDS = {
    "section": {"position", "profile_id"},
    "claim": {"position", "paragraph", "section_id"},
    "citation": {"position", "claim_id"},
    "link": {"position", "citation_id"},
}
# Fields that change alongside an edit and say nothing of their own.
BYSTANDER_FIELDS = {"text_changed_by_id", "public_changed_at"}
# Profile fields written by publishing and withdrawing rather than by editing.
PUBLIC_STATE_FIELDS = {"latest_publication_id", "withdrawn_at", "public_changed_at"}
# Change set reasons that say no more than the entry's own words.
GENERIC_REASONS = ("Edited in the admin", "Deleted in the admin", "Review reset", "Reviewed")
# A review as the timeline words it: "Verified footnote [4]".
REVIEW_VERBS = {
    ReviewState.VERIFIED: "verified {}",
    ReviewState.DISPUTED: "disputed {}",
    ReviewState.SOURCE_UNAVAILABLE: "marked {} source unavailable",
    ReviewState.UNREVIEWED: "cleared the review of {}",
}
# The models of a profile's tree, as the words of an entry count them.
TREE_NOUNS = [
    ("section", "section"),
    ("claim", "claim"),
    ("citation", "footnote"),
    ("link", "source link"),
    ("source", "source"),
]
# Numbers listed one by one ("footnotes [4], [5] and [7]") up to this many.
NUMBERS_LISTED = 5
# "14 December 2026, 17:50:31" and "03 December 2026 17:50", as older reasons write them.
_REASON_DATE = re.compile(r"\b(\d{1,2}) ([A-Z][a-z]+) (\d{4}),? (\d{2}):(\d{2})(?::\d{2})?\b")


@dataclass
class _Lookups:
    """What the words of a page's entries need besides their records (three queries)."""

    footnotes: dict[int, int]  # citation id → its footnote number in the working copy now
    sections: dict[int, str]  # section id → its name
    editions: dict[int, Publication]  # publication id → publication


def footnote_numbers(profile: Profile) -> dict[int, int]:
    """Return each footnote's number in the working copy now, by citation id (one query).

    Footnote numbers are not stored: they follow the order of sections, claims and
    citations, as profiles.snapshots numbers them.
    """
    ids = (
        Citation.objects.filter(claim__section__profile=profile.pk)
        .order_by("claim__section__position", "claim__position", "position")
        .values_list("pk", flat=True)
    )
    return {pk: number for number, pk in enumerate(ids, start=1)}


def _describe_all(profile: Profile, entries: list[ChangeSetEntry]) -> None:
    sections = {
        pk: heading or Section.Kind(kind).label
        for pk, heading, kind in Section.objects.filter(profile=profile.pk).values_list(
            "pk", "heading", "kind"
        )
    }
    # Sections deleted since are named as their records name them.
    for entry in entries:
        for record in entry.records:
            if record.model == "section":
                sections.setdefault(record.object_id, record.label)
    wanted = {
        record.record.latest_publication_id
        for entry in entries
        for record in entry.records
        if record.model == "profile" and record.record.latest_publication_id
    }
    # The query runs even when no edition is wanted, so that the page's queries are fixed.
    editions = Publication.objects.only("number", "note").in_bulk([*wanted, 0])
    lookups = _Lookups(footnote_numbers(profile), sections, editions)
    for entry in entries:
        entry.headline, entry.details = describe(entry, lookups)


def describe(entry: ChangeSetEntry, lookups: _Lookups) -> tuple[str, list[str]]:
    """Return what a change set did, in words, and what else to say of it."""
    change_set = entry.change_set
    action = change_set.action
    Action = ChangeSet.Action
    words = _Words(entry, lookups)
    did = words.parts()
    details: list[str] = []
    if action == Action.IMPORT:
        headline = change_set.reason if change_set.reason.startswith("Imported") else "Imported"
        details = ["; ".join(did)] if did else []
    elif action == Action.REVERT:
        headline = readable_dates(change_set.reason) or "Reverted"
        details = ["; ".join(did)] if did else []
    else:
        headline = "; ".join(did)
        if action == Action.EDIT_AS_TEXT:
            details.append("Edited as text")
        if change_set.reason and not change_set.reason.startswith(GENERIC_REASONS):
            if not headline:
                headline = change_set.reason
            elif action in (Action.EDIT, Action.OTHER):
                details.append(change_set.reason)
    if not headline:
        headline = change_set.get_action_display()
    return _capitalised(headline), [_capitalised(detail) for detail in details]


def readable_dates(text: str) -> str:
    """Rewrite the dates a reason holds ("03 December 2026, 17:50:31") in the site's one
    style, without seconds ("3 December 2026, 17:50")."""
    return _REASON_DATE.sub(
        lambda match: f"{int(match[1])} {match[2]} {match[3]}, {match[4]}:{match[5]}", text
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quoted(text: str, length: int = 60) -> str:
    return f"‘{Truncator(' '.join(text.split())).chars(length)}’"


def _plural(count: int, noun: str) -> str:
    return f"{'a' if count == 1 else count} {noun}{'' if count == 1 else 's'}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _changed(record: RecordEntry) -> set[str]:
    """The fields a changed record changed from the one before it (all, when unknown)."""
    if record.previous is None:
        return set(tracked_fields(type(record.record).instance_type)) - {"id"}
    return {
        attname
        for attname in tracked_fields(type(record.record).instance_type)
        if getattr(record.previous, attname) != getattr(record.record, attname)
    }


class _Words:
    """The phrases of one change set's entry, model by model."""

    def __init__(self, entry: ChangeSetEntry, lookups: _Lookups):
        self.entry = entry
        self.lookups = lookups
        self.records: dict[str, list[RecordEntry]] = {}
        for record in entry.records:
            self.records.setdefault(record.model, []).append(record)

    def parts(self) -> list[str]:
        """What the change set did, the acts first and their side effects (moves, review
        resets) after them."""
        acts: list[str] = []
        after: list[str] = []
        public: list[str] = []
        self._profile(acts, public)
        if self._only_added():
            # A new tree (an import, say): count what it holds rather than name it.
            counts = self.entry.counts
            held = [_plural(counts[model], noun) for model, noun in TREE_NOUNS if model in counts]
            acts.append(f"added {_and(held)}")
            return acts + public
        self._tree("section", "section", acts, after)
        self._tree("claim", "claim", acts, after)
        self._citations(acts, after)
        self._tree("link", "source link", acts, after)
        self._tree("source", "source", acts, after)
        return acts + after + public

    def _only_added(self) -> bool:
        """Whether the change set only added to the tree, and more than one object."""
        records = [record for record in self.entry.records if record.model != "profile"]
        return len(records) > 1 and all(record.history_type == "+" for record in records)

    # Naming ----------------------------------------------------------------------------------

    def footnote(self, record: RecordEntry) -> str:
        number = self.lookups.footnotes.get(record.object_id)
        if number is not None:
            return f"footnote [{number}]"
        return f"footnote {_quoted(record.record.text, 40)} (no longer in the profile)"

    def footnotes(self, records: list[RecordEntry]) -> str:
        if len(records) == 1:
            return self.footnote(records[0])
        numbers = [self.lookups.footnotes.get(record.object_id) for record in records]
        if None in numbers or len(numbers) > NUMBERS_LISTED:
            return f"{len(records)} footnotes"
        return f"footnotes {_and([f'[{number}]' for number in sorted(numbers)])}"

    def where(self, records: list[RecordEntry]) -> str:
        """ " in Policy": the sections of claims."""
        ids = list(dict.fromkeys(record.record.section_id for record in records))
        names = [self.lookups.sections.get(pk, "a deleted section") for pk in ids]
        if len(names) > 2:
            return f" in {len(names)} sections"
        return f" in {_and(names)}"

    def count(self, model: str, records: list[RecordEntry], noun: str) -> str:
        """ "3 claims"; the records' number when some of them are not shown."""
        total = self.entry.counts.get(model, 0)
        number = total if total > len(self.records.get(model, [])) else len(records)
        return _plural(number, noun)

    # Model by model ----------------------------------------------------------------------------

    def _profile(self, acts: list[str], public: list[str]) -> None:
        for record in self.records.get("profile", []):
            if record.history_type == "+":
                continue  # the profile's creation is an import's, named by its headline
            if record.history_type == "-":
                acts.append("deleted the profile")
                continue
            changed = _changed(record)
            now, before = record.record, record.previous
            if "latest_publication_id" in changed and now.latest_publication_id:
                edition = self.lookups.editions.get(now.latest_publication_id)
                if edition is None:
                    public.append("published a new edition")
                else:
                    note = f" — {edition.note}" if edition.note else ""
                    public.append(f"published edition {edition.number}{note}")
            elif "withdrawn_at" in changed and now.withdrawn_at is not None:
                public.append("withdrawn from the public site")
            elif "withdrawn_at" in changed and before is not None and before.withdrawn_at:
                edition = self.lookups.editions.get(now.latest_publication_id)
                number = f" (edition {edition.number})" if edition else ""
                public.append(f"published again{number}")
            edited = changed - PUBLIC_STATE_FIELDS - BYSTANDER_FIELDS
            if edited:
                labels = [
                    str(Profile._meta.get_field(_field_name(Profile, name)).verbose_name)
                    for name in sorted(edited)
                ]
                acts.append(f"edited the profile's {_and(labels)}")

    def _tree(self, model: str, noun: str, acts: list[str], after: list[str]) -> None:
        records = self.records.get(model, [])
        if not records:
            return
        added = [r for r in records if r.history_type == "+"]
        deleted = [r for r in records if r.history_type == "-"]
        changed = [r for r in records if r.history_type == "~"]
        moves = MOVE_FIELDS.get(model, set())
        moved = [r for r in changed if _changed(r) - BYSTANDER_FIELDS <= moves]
        edited = [r for r in changed if r not in moved]
        truncated = self.entry.counts.get(model, 0) > len(records)
        if truncated:
            acts.append(f"changed {self.count(model, records, noun)}")
            return
        for verb, group, into in (
            ("added", added, acts),
            ("edited", edited, acts),
            ("deleted", deleted, acts),
            ("moved", moved, after if (added or edited or deleted or acts) else acts),
        ):
            if not group:
                continue
            if model == "section":
                sections = self.lookups.sections
                names = _and([f"‘{sections.get(r.object_id, r.label)}’" for r in group])
                into.append(f"{verb} {'section' if len(group) == 1 else 'sections'} {names}")
            elif model == "claim":
                into.append(f"{verb} {self.count(model, group, noun)}{self.where(group)}")
            elif model == "source" and len(group) == 1:
                into.append(f"{verb} source {_quoted(group[0].label)}")
            else:
                into.append(f"{verb} {self.count(model, group, noun)}")

    def _citations(self, acts: list[str], after: list[str]) -> None:
        records = self.records.get("citation", [])
        if not records:
            return
        if self.entry.counts.get("citation", 0) > len(records):
            acts.append(f"changed {self.count('citation', records, 'footnote')}")
            return
        reviewing = self.entry.change_set.action == ChangeSet.Action.REVIEW
        added, deleted, edited, moved, reviews, resets = [], [], [], [], [], []
        edited_and_reset = []
        for record in records:
            if record.history_type == "+":
                added.append(record)
                continue
            if record.history_type == "-":
                deleted.append(record)
                continue
            changed = _changed(record) - BYSTANDER_FIELDS
            reset = _review_reset(record)
            own = changed - REVIEW_COLUMNS
            if not own:
                (reviews if reviewing or not reset else resets).append(record)
            elif own <= MOVE_FIELDS["citation"]:
                moved.append(record)
                if reset:
                    resets.append(record)
            else:
                (edited_and_reset if reset else edited).append(record)
        if reviews:
            acts.append(self._reviews(reviews))
        if added:
            acts.append(f"added {self.footnotes(added)}")
        if edited:
            acts.append(f"edited {self.footnotes(edited)}")
        if edited_and_reset:
            one = len(edited_and_reset) == 1
            its = "its review was" if one else "their reviews were"
            acts.append(f"edited {self.footnotes(edited_and_reset)}; {its} reset")
        if deleted:
            acts.append(f"deleted {self.footnotes(deleted)}")
        if moved:
            (after if acts else acts).append(f"moved {self.footnotes(moved)}")
        if resets:
            one = len(resets) == 1
            after.append(
                f"the review{'' if one else 's'} of {self.footnotes(resets)} "
                f"{'was' if one else 'were'} reset"
            )

    def _reviews(self, records: list[RecordEntry]) -> str:
        """ "Verified footnotes [4] and [5]; disputed footnote [7]: ‘wrong date’"."""
        by_state: dict[str, list[RecordEntry]] = {}
        for record in records:
            by_state.setdefault(record.record.review_state, []).append(record)
        phrases = []
        for state, group in by_state.items():
            verb = REVIEW_VERBS.get(state, "reviewed {}")
            phrase = verb.format(self.footnotes(group))
            note = group[0].record.review_note if len(group) == 1 else ""
            phrases.append(f"{phrase}: {_quoted(note, 80)}" if note else phrase)
        return "; ".join(phrases)


def _review_reset(record: RecordEntry) -> bool:
    """Whether a citation's record sent a reviewed footnote back to review."""
    before = record.previous
    return (
        before is not None
        and before.review_state != ReviewState.UNREVIEWED
        and record.record.review_state == ReviewState.UNREVIEWED
    )


def _field_name(model, attname: str) -> str:
    return next(f.name for f in model._meta.concrete_fields if f.attname == attname)


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
