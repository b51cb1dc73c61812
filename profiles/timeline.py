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
import functools
import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
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


@dataclass
class TimelinePage:
    """One page of a profile's timeline, and where the pages beside it start."""

    change_sets: list[ChangeSet]
    newest: bool  # whether this is the first page, the newest change sets
    older: int | None = None  # the change set to read on from, when there are older ones
    newer: int | None = None  # the change set to read back from, when there are newer ones
    # Read back past the newest change sets: the first page is the page to show.
    past_newest: bool = False


def timeline_page(
    profile_id: int, *, size: int, before: int | None = None, after: int | None = None
) -> TimelinePage:
    """Return `size` change sets of the profile's timeline, newest first: the newest, those
    just older than the change set `before`, or those just newer than the change set `after`
    (one query).

    Pages are read by key along the ProfileChangeSet index (profile, created_at, change set),
    not by offset: a page deep in a long history costs what the first does, and a change set
    written meanwhile does not shift the pages being read. The change sets come with their
    users' names only (the ORM's select_related() and only() took 1.4 ms more than this query
    on PostgreSQL, for the 21 rows of a page).
    """
    cursor = after if after is not None else before
    direction = "after" if after is not None else "before" if before is not None else ""
    params = [profile_id]
    if cursor is not None:
        params += [profile_id, cursor, profile_id, cursor, cursor]
    with connection.cursor() as db:
        db.execute(_page_sql(direction), [*params, size + 1])
        rows = db.fetchall()
    User = get_user_model()
    found = []
    for pk, created_at, user_id, action, reason, username in rows:
        change_set = ChangeSet(
            id=pk, created_at=_datetime(created_at), user_id=user_id, action=action, reason=reason
        )
        if user_id is not None:
            change_set.user = User(id=user_id, **{User.USERNAME_FIELD: username})
        found.append(change_set)
    more = len(found) > size
    found = found[:size]
    if after is not None:
        found.reverse()
    page = TimelinePage(found, newest=cursor is None, past_newest=after is not None and not more)
    if found:
        # Beyond the cursor lies at least the change set it names; beyond the other end,
        # whatever the extra row found.
        page.older = found[-1].pk if (more if after is None else True) else None
        page.newer = found[0].pk if (more if after is not None else before is not None) else None
    return page


@functools.cache
def _page_sql(direction: str) -> str:
    """The query of timeline_page(): the newest change sets (direction ""), or those older
    ("before") or newer ("after") than a change set. Parameters: the profile's id; with a
    direction, the profile's id again and the change set's; then the number of rows."""
    quote = connection.ops.quote_name
    index, change_sets, users = (
        quote(model._meta.db_table) for model in (ProfileChangeSet, ChangeSet, get_user_model())
    )
    username = quote(get_user_model().USERNAME_FIELD)
    at = f"(SELECT a.created_at FROM {index} a WHERE a.profile_id = %s AND a.change_set_id = %s)"
    where, order = {
        "": ("", "DESC"),
        "before": (
            f"AND x.created_at <= {at} AND (x.created_at < {at} OR x.change_set_id < %s) ",
            "DESC",
        ),
        "after": (
            f"AND x.created_at >= {at} AND (x.created_at > {at} OR x.change_set_id > %s) ",
            "ASC",
        ),
    }[direction]
    return (
        f"SELECT c.id, c.created_at, c.user_id, c.action, c.reason, u.{username} "
        f"FROM {index} x JOIN {change_sets} c ON c.id = x.change_set_id "
        f"LEFT JOIN {users} u ON u.id = c.user_id "
        f"WHERE x.profile_id = %s {where}"
        f"ORDER BY x.created_at {order}, x.change_set_id {order} LIMIT %s"
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
    history_url_name: str  # the admin URL name of the object's own history page
    # The historical record itself and the object's record before it (HistoryRows: whole
    # with `changes`, else only the DESCRIBED_FIELDS).
    record: HistoryRow = field(repr=False)
    previous: HistoryRow | None = field(default=None, repr=False)
    # The fields it changed from the record before it; every field kept but id when there
    # is none.
    changed: frozenset[str] = field(default=frozenset(), repr=False)
    label: str = ""  # set for every model with `changes`; always for profile, section, source
    changes: list[FieldDiff] = field(default_factory=list)  # set with `changes`


@dataclass
class ChangeSetEntry:
    change_set: ChangeSet
    records: list[RecordEntry] = field(default_factory=list)
    total: int = 0  # records within the profile, shown or not
    last_date: datetime.datetime | None = None  # of its last record within the profile
    after_url: str = ""  # the page showing the profile as it stood after it (set by the view)
    links: dict[str, str] = field(default_factory=dict)  # its pages' URLs (set by the view)
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
# Models whose records' labels the words of an entry use (the others' only the details do;
# links are labelled by their sources, all in one query).
LABELLED_ALWAYS = {"profile", "section", "source"}


def change_set_entries(
    profile: Profile, change_sets, *, changes: bool = False
) -> list[ChangeSetEntry]:
    """Return the change sets (one page of them) with the records each wrote within the
    profile, up to RECORDS_SHOWN of each model, and what each change set did in words. With
    `changes`, also label every record and list the fields it changed, as the details of an
    entry show them.

    Two queries (the records; footnote numbers, section names and editions), plus one for the
    sources of links with `changes`, whatever the number of change sets and records.
    """
    entries = {change_set.pk: ChangeSetEntry(change_set) for change_set in change_sets}
    if not entries:
        return []
    records = history_records(profile.pk, list(entries), whole=changes)
    for name, model in HISTORY_MODELS.items():
        meta = model._meta
        verbose_name = str(meta.verbose_name)
        history_url_name = f"admin:{meta.app_label}_{meta.model_name}_history"
        for found in records[name]:
            entry = entries[found.record.change_set_id]
            if found.row_number == 1:
                entry.total += found.in_set
                entry.counts[name] = found.in_set
                entry.last_date = max(filter(None, [entry.last_date, found.last_date]))
            record = RecordEntry(
                model=name,
                verbose_name=verbose_name,
                object_id=found.record.id,
                history_type=found.record.history_type,
                history_url_name=history_url_name,
                record=found.record,
                previous=found.previous,
                changed=found.changed,
            )
            if changes:
                record.changes = _record_changes(model, record)
            if (changes and name != "link") or name in LABELLED_ALWAYS:
                record.label = _record_label(name, record.record, profile)
            entry.records.append(record)
    ordered = [entries[change_set.pk] for change_set in change_sets]
    if changes:
        _label_links(ordered)
    _describe_all(profile, ordered)
    return ordered


def _record_label(name: str, record: HistoryRow, profile: Profile) -> str:
    if name == "profile":
        return str(profile)
    # The timeline is the profile's own: name its rows as they stand within it.
    obj = record.instance(HISTORY_MODELS[name])
    return getattr(obj, "label_in_parent", None) or str(obj)


def _label_links(entries: list[ChangeSetEntry]) -> None:
    """Name each source link by its source as it stands now, and its pinpoint (one query)."""
    links = [record for entry in entries for record in entry.records if record.model == "link"]
    wanted = {record.record.source_id for record in links if record.record.source_id}
    # The query runs even when no source is wanted, so that the page's queries are fixed.
    sources = Source.objects.in_bulk([*wanted, 0])
    for link in links:
        row = link.record
        source = sources.get(row.source_id)
        text = str(source) if source is not None else f"source #{row.source_id} (deleted)"
        link.label = f"{text}, {row.pinpoint}" if row.pinpoint else text


def _record_changes(model, entry: RecordEntry) -> list[FieldDiff]:
    """The fields a record changed from the one before it, old and new; none for a creation
    or a deletion."""
    record, previous = entry.record, entry.previous
    if record.history_type != "~" or previous is None:
        return []
    changes = []
    for attname in tracked_fields(model):
        if attname in UNLISTED_FIELDS or attname not in entry.changed:
            continue
        old, new = getattr(previous, attname), getattr(record, attname)
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


# The records of a page of change sets -----------------------------------------------------------
#
# Read with SQL written once per process rather than with the ORM: the ORM took about 5 ms a
# model to build and compile its window query (30 ms of the page's 64 ms at full scale, on
# PostgreSQL and SQLite alike), against well under 1 ms to run it. The SQL is made from the
# models' metadata; PostgreSQL and SQLite differ in two words of it. A test checks that it
# finds what _scopes() does.
#
# One query a model: the six as one UNION ALL saved 0.7 ms a page on PostgreSQL, but summed
# their cost estimates, which for a page holding a large change set passed jit_above_cost
# (the default 100,000): compiling it then took 120 ms of the 150 ms it ran.
#
# A record and the one before it come as JSON objects, the one before from a subquery run
# for each record shown (joined instead, PostgreSQL hashed the whole history table when a
# page held a large change set: 60 ms). The words of an entry read only a few fields of the
# two records, and which fields changed: the database works that out (a bit a field) rather
# than sending both records whole, which cost more than the query itself on PostgreSQL (its
# dates most of all). The details of an entry read both records whole.

# The fields the words of an entry read, of a record and of the one before it.
DESCRIBED_FIELDS = {
    "profile": ("latest_publication_id", "withdrawn_at"),
    "section": ("heading", "kind"),
    "claim": ("section_id",),
    "citation": ("text", "review_state", "review_note"),
    "link": (),
    "source": ("kind", "author", "organisation", "title", "event", "date"),
}
DESCRIBED_BEFORE = {"profile": ("withdrawn_at",), "citation": ("review_state",)}


class HistoryRow(SimpleNamespace):
    """A historical record's values by attname, typed as the ORM types them: either every
    field it keeps, or those the words of an entry read (DESCRIBED_FIELDS, or
    DESCRIBED_BEFORE for the record before another)."""

    def instance(self, model):
        """The object as this record holds it (unsaved), like a record's history_object."""
        kept = set(tracked_fields(model))
        return model(**{name: value for name, value in vars(self).items() if name in kept})


@dataclass
class _Found:
    """A record of a change set, the object's record before it, what it changed from that
    one, and the counts of its change set's records of the same model."""

    record: HistoryRow
    previous: HistoryRow | None
    changed: frozenset[str]  # every field kept but id when there is no record before it
    row_number: int  # its place among the change set's records of its model, from 1
    in_set: int  # the change set's records of its model within the profile
    # The date of the change set's last record of its model, on its first record only.
    last_date: datetime.datetime | None


def history_records(
    profile_id: int, change_set_ids: list[int], *, whole: bool = False
) -> dict[str, list[_Found]]:
    """Return, for each model of HISTORY_MODELS, the records that the change sets wrote within
    the profile, the first RECORDS_SHOWN of each change set, in the order written, each with
    the object's record before it: whole, or only the fields the words of an entry read (one
    query a model)."""
    found: dict[str, list[_Found]] = {}
    with connection.cursor() as cursor:
        for name in HISTORY_MODELS:
            cursor.execute(
                _records_sql(name, len(change_set_ids), whole),
                [*change_set_ids, profile_id, RECORDS_SHOWN],
            )
            found[name] = [
                _found(name, whole, record, before, row_number, in_set, last)
                for row_number, in_set, last, record, before, _id in cursor
            ]
    return found


def _found(name, whole, record, before, row_number, in_set, last_date) -> _Found:
    record = _history_row(_columns(name, whole), _decoded(record))
    if before is None:
        previous = None
        changed = set(tracked_fields(HISTORY_MODELS[name])) - {"id"}
    else:
        before = _decoded(before)
        previous = _history_row(_columns(name, whole, before=True), before)
        changed = {
            attname
            for bit, attname in enumerate(_compared_in_sql(name))
            if before["changed"] >> bit & 1
        }
        changed.update(
            attname
            for attname in _diffed_in_python(name)
            if getattr(previous, attname) != getattr(record, attname)
        )
    return _Found(
        record,
        previous,
        frozenset(changed),
        row_number,
        in_set,
        _datetime(last_date),
    )


def _decoded(value) -> dict:
    # SQLite's JSON comes as text; PostgreSQL's, decoded by the driver.
    return json.loads(value) if isinstance(value, str) else value


def _history_row(columns, values: dict) -> HistoryRow:
    return HistoryRow(
        **{
            attname: value if convert is None or value is None else convert(value)
            for attname, convert in columns
            for value in [values[attname]]
        }
    )


def _datetime(value) -> datetime.datetime | None:
    """An aware datetime from a date column, an aggregate of one or JSON (text on SQLite)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _date(value) -> datetime.date:
    return parse_date(value) if isinstance(value, str) else value


def _fields(name: str) -> dict:
    historical = history_model(HISTORY_MODELS[name])
    return {f.attname: f for f in historical._meta.concrete_fields}


@functools.cache
def _diffed_in_python(name: str) -> tuple[str, ...]:
    """The fields whose equality the database may judge otherwise than Python: JSON values,
    compared decoded (the same value with its keys in another order is no change). They are
    read with the described fields and compared in Python."""
    fields = _fields(name)
    return tuple(
        attname
        for attname in tracked_fields(HISTORY_MODELS[name])
        if fields[attname].get_internal_type() == "JSONField"
    )


@functools.cache
def _compared_in_sql(name: str) -> tuple[str, ...]:
    """The fields whose change the query reports, bit by bit in this order."""
    skipped = {"id", *_diffed_in_python(name)}
    return tuple(f for f in tracked_fields(HISTORY_MODELS[name]) if f not in skipped)


@functools.cache
def _columns(name: str, whole: bool, *, before: bool = False) -> tuple:
    """The fields of a HistoryRow of the model, of a record or of the record before it:
    (attname, converter or None)."""
    if whole:
        kept = ["history_id", "id", "change_set_id", "history_type", "history_date"]
        kept += tracked_fields(HISTORY_MODELS[name])
    elif before:
        kept = [*DESCRIBED_BEFORE.get(name, ()), *_diffed_in_python(name)]
    else:
        kept = ["id", "change_set_id", "history_type", *DESCRIBED_FIELDS[name]]
        kept += _diffed_in_python(name)
    fields = _fields(name)
    return tuple((attname, _converter(fields[attname])) for attname in dict.fromkeys(kept))


def _converter(model_field):
    """Turn a value as JSON holds it into the ORM's Python value."""
    kind = model_field.get_internal_type()
    if kind == "DateTimeField":
        return _datetime
    if kind == "DateField":
        return _date
    if kind == "BooleanField":
        return bool
    if kind == "JSONField":
        return lambda value: model_field.from_db_value(value, None, connection)
    return None


@functools.cache
def _records_sql(name: str, count: int, whole: bool) -> str:
    """The query of history_records() for a model and `count` change sets. Parameters: the
    change set ids, the profile's id, RECORDS_SHOWN. Columns: row_number, in_set, last_date,
    the record (a JSON object of its _columns()), the record before it (one of
    its _columns(before=True) and "changed", the bits of the fields changed; or NULL), and
    its change set's id."""
    postgresql = connection.vendor == "postgresql"
    quote = connection.ops.quote_name
    table = quote(history_model(HISTORY_MODELS[name])._meta.db_table)
    fields = _fields(name)
    json_object = "json_build_object" if postgresql else "json_object"

    def as_json(alias: str, columns, *pairs: str) -> str:
        for attname, _convert in columns:
            value = f"{alias}.{quote(fields[attname].column)}"
            if fields[attname].get_internal_type() == "JSONField":
                value = f"CAST({value} AS TEXT)"  # as text, as the column itself comes
            pairs += (f"'{attname}', {value}",)
        return f"{json_object}({', '.join(pairs)})"

    # A null-safe "differ": IS DISTINCT FROM, which SQLite spells IS NOT.
    differ = "IS DISTINCT FROM" if postgresql else "IS NOT"
    changed = " + ".join(
        f"(CASE WHEN p.{column} {differ} r.{column} THEN {1 << bit} ELSE 0 END)"
        for bit, column in enumerate(
            quote(fields[attname].column) for attname in _compared_in_sql(name)
        )
    )
    # The record before each: the object's latest record written before it. The condition on
    # history_date alone lets the (id, history_date) index find it.
    before_json = as_json("p", _columns(name, whole, before=True), f"'changed', {changed}")
    before = (
        f"SELECT {before_json} FROM {table} p WHERE p.history_id = ("
        f"SELECT b.history_id FROM {table} b WHERE b.id = r.id "
        "AND b.history_date <= r.history_date "
        "AND (b.history_date < r.history_date OR b.history_id < r.history_id) "
        "ORDER BY b.history_date DESC, b.history_id DESC LIMIT 1)"
    )
    kept = [fields[attname].column for attname, _convert in _columns(name, whole)]
    compared = [fields[attname].column for attname in _compared_in_sql(name)]
    read = [*kept, *compared, "history_date", "history_id", "change_set_id"]
    inner = ", ".join(f"h.{quote(column)}" for column in dict.fromkeys(read))
    window = "OVER (PARTITION BY h.change_set_id"
    ids = ", ".join(["%s"] * count)
    return (
        "SELECT r.row_number, r.in_set, "
        "CASE WHEN r.row_number = 1 THEN r.last_date END, "
        f"{as_json('r', _columns(name, whole))}, ({before}), "
        "r.change_set_id "
        f"FROM (SELECT {inner}, "
        f"ROW_NUMBER() {window} ORDER BY h.history_date, h.history_id) AS row_number, "
        f"COUNT(*) {window}) AS in_set, "
        f"MAX(h.history_date) {window}) AS last_date "
        f"FROM {table} h WHERE h.change_set_id IN ({ids}) AND {_scope_sql(name)}) r "
        "WHERE r.row_number <= %s "
        # By change set, then in the order written (row_number's).
        "ORDER BY 6, 1"
    )


def _scope_sql(name: str) -> str:
    """_scopes() in SQL, for the record `h`: whether it is within the profile (one parameter,
    the profile's id).

    PostgreSQL plans these the same whichever way they are written. SQLite runs them as
    written: a set of the profile's claims (or citations) built once serves a change set of
    80,000 records, such as the demo data's first, in a tenth of the time that looking up
    each record's claim took (EXISTS below, for a link, is the better of the two by a small
    page and by a large one).
    """
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(history_model(model)._meta.db_table)

    sections = f"SELECT s.id FROM {table(Section)} s WHERE s.profile_id = %s"
    claims = f"SELECT c.id FROM {table(Claim)} c WHERE c.section_id IN ({sections})"
    citations = f"SELECT t.id FROM {table(Citation)} t WHERE t.claim_id IN ({claims})"
    return {
        "profile": "h.id = %s",
        "section": "h.profile_id = %s",
        "claim": f"h.section_id IN ({sections})",
        "citation": f"h.claim_id IN ({claims})",
        "link": (
            f"EXISTS (SELECT 1 FROM {table(Citation)} t "
            f"WHERE t.id = h.citation_id AND t.claim_id IN ({claims}))"
        ),
        "source": (
            f"h.id IN (SELECT l.source_id FROM {table(CitationSource)} l "
            f"WHERE l.citation_id IN ({citations}))"
        ),
    }[name]


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
# How a release's launch names the change set of each profile it publishes (profiles/releases.py).
RELEASE_PUBLISHED = "Published in release "
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
    """What the words of a page's entries need besides their records (one query)."""

    footnotes: dict[int, int]  # citation id → its footnote number in the working copy now
    sections: dict[int, str]  # section id → its name
    editions: dict[int, SimpleNamespace]  # publication id → its number and note


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
    lookups = _lookups(profile.pk)
    # Sections deleted since are named as their records name them.
    for entry in entries:
        for record in entry.records:
            if record.model == "section":
                lookups.sections.setdefault(record.object_id, record.label)
    for entry in entries:
        entry.headline, entry.details = describe(entry, lookups)


def _lookups(profile_id: int) -> _Lookups:
    """Read the profile's footnote numbers, section names and editions (one query: three
    small ones on PostgreSQL cost twice what this one does, most of it their round trips)."""
    footnotes, sections, editions = {}, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(_lookups_sql(), [profile_id] * 3)
        for kind, pk, text, section_kind, number in cursor.fetchall():
            if kind == "f":
                footnotes[pk] = number
            elif kind == "s":
                sections[pk] = text or Section.Kind(section_kind).label
            else:
                editions[pk] = SimpleNamespace(number=number, note=text)
    return _Lookups(footnotes, sections, editions)


@functools.cache
def _lookups_sql() -> str:
    """The query of _lookups(). Parameters: the profile's id, thrice. Columns: what a row
    is ("f" a footnote, "s" a section, "e" an edition), its id, its heading or note, the
    section's kind, and the footnote's or edition's number. Footnotes are numbered as
    footnote_numbers() numbers them."""
    quote = connection.ops.quote_name
    citation, claim, section, publication = (
        quote(model._meta.db_table) for model in (Citation, Claim, Section, Publication)
    )
    return (
        f"SELECT 's', s.id, s.heading, s.kind, NULL FROM {section} s WHERE s.profile_id = %s "
        "UNION ALL "
        f"SELECT 'e', e.id, e.note, NULL, e.number FROM {publication} e WHERE e.profile_id = %s "
        "UNION ALL "
        "SELECT 'f', c.id, NULL, NULL, "
        "ROW_NUMBER() OVER (ORDER BY s.position, l.position, c.position) "
        f"FROM {citation} c JOIN {claim} l ON l.id = c.claim_id "
        f"JOIN {section} s ON s.id = l.section_id WHERE s.profile_id = %s"
    )


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
    elif action == Action.RELEASE or (
        action == Action.PUBLISH and change_set.reason.startswith(RELEASE_PUBLISHED)
    ):
        # A release's acts: "Scheduled for release X", "Published in release X" (and what
        # was published, below it).
        headline = change_set.reason or change_set.get_action_display()
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


def _changed(record: RecordEntry) -> frozenset[str]:
    """The fields a changed record changed from the one before it (all, when unknown)."""
    return record.changed


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
