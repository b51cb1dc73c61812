"""A profile's working copy as it stood at any time, and comparisons between two such states.

The working copy as it stood at a time is read from the historical records alone: for each
object of the profile's tree (sections, claims, citations, their source links), its latest
record dated no later than that time, unless that record is a deletion. Each level of the
tree is one query, whatever the number of records (the "as of" index on (id, history_date)
of every historical table serves the correlated lookup of each object's latest record).

A `Tree` holds such a state as rows of field values keyed by id; `tree_snapshot()` turns it
into the publication snapshot format (profiles/snapshots.py), with the ids of sections,
claims and footnotes added, so that the public report templates can render it and
`compare_states()` can say which claims and footnotes were added, removed or moved.
"""

from __future__ import annotations

import datetime
import difflib
import functools
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import OuterRef, Subquery

from citations.models import Citation, CitationSource, ReviewState
from profiles.compare import (
    ADDED,
    CHANGED,
    DELETE,
    EQUAL,
    INSERT,
    MOVED,
    REMOVED,
    Comparison,
    FieldChange,
    Segment,
    compare_snapshots,
    diff_words,
)
from profiles.models import (
    Claim,
    Profile,
    Section,
    TreatyStatus,
    reported_treaty_status,
)
from profiles.snapshots import build_snapshot


@dataclass(frozen=True)
class Kind:
    """One level of a profile's tree: its model and the field naming its parent."""

    name: str
    model: type
    parent_field: str
    parent: str | None  # the kind of the parent; None for a section (its parent is the profile)


SECTION = Kind("section", Section, "profile_id", None)
CLAIM = Kind("claim", Claim, "section_id", "section")
CITATION = Kind("citation", Citation, "claim_id", "claim")
LINK = Kind("link", CitationSource, "citation_id", "citation")
# Parents before children.
TREE = (SECTION, CLAIM, CITATION, LINK)
KINDS = {kind.name: kind for kind in TREE}


@functools.cache
def tracked_fields(model) -> tuple[str, ...]:
    """The column names (attnames) of `model` that its historical records keep, id first."""
    kept = {field.attname for field in model.history.model._meta.concrete_fields}
    return tuple(field.attname for field in model._meta.concrete_fields if field.attname in kept)


def history_model(model):
    return model.history.model


# States of the working copy ----------------------------------------------------------------


@dataclass
class Tree:
    """A profile's working copy as rows of field values keyed by id, level by level."""

    profile: dict | None
    rows: dict[str, dict[int, dict]]
    treaty_status: dict | None = None

    @classmethod
    def current(cls, profile: Profile) -> Tree:
        """Read the working copy as it is now, from the live rows (five or six queries)."""
        querysets = {
            "section": Section.objects.filter(profile=profile.pk),
            "claim": Claim.objects.filter(section__profile=profile.pk),
            "citation": Citation.objects.filter(claim__section__profile=profile.pk),
            "link": CitationSource.objects.filter(citation__claim__section__profile=profile.pk),
        }
        rows = {
            name: {row["id"]: row for row in queryset.values(*tracked_fields(KINDS[name].model))}
            for name, queryset in querysets.items()
        }
        values = Profile.objects.filter(pk=profile.pk).values(*tracked_fields(Profile)).first()
        status = (
            TreatyStatus.objects.reported_in(profile).values(*tracked_fields(TreatyStatus)).first()
        )
        return cls(profile=values, rows=rows, treaty_status=status)

    @classmethod
    def at(cls, profile: Profile, when: datetime.datetime) -> Tree:
        """Read the working copy as it stood at `when`, from the historical records (one
        query a level, and one each for the profile and its treaty status)."""
        values = as_of(Profile, when).filter(id=profile.pk).values(*tracked_fields(Profile))
        rows: dict[str, dict[int, dict]] = {}
        parents = [profile.pk]
        for kind in TREE:
            found = as_of(kind.model, when).filter(**{f"{kind.parent_field}__in": parents})
            rows[kind.name] = {row["id"]: row for row in found.values(*tracked_fields(kind.model))}
            parents = list(rows[kind.name])
        status = (
            reported_treaty_status(as_of(TreatyStatus, when), profile)
            .values(*tracked_fields(TreatyStatus))
            .first()
        )
        return cls(profile=values.first(), rows=rows, treaty_status=status)

    def copy(self) -> Tree:
        return Tree(
            profile=dict(self.profile) if self.profile is not None else None,
            rows={
                name: {pk: dict(row) for pk, row in rows.items()}
                for name, rows in self.rows.items()
            },
            treaty_status=self.treaty_status,
        )

    def children(self, kind: Kind) -> dict[int, list[dict]]:
        """Return the rows of `kind` grouped by their parent's id, each group in order."""
        grouped: dict[int, list[dict]] = {}
        for row in self.rows[kind.name].values():
            grouped.setdefault(row[kind.parent_field], []).append(row)
        for rows in grouped.values():
            rows.sort(key=lambda row: (row["position"], row["id"]))
        return grouped


def as_of(model, when: datetime.datetime):
    """Return the historical records of `model` that were each object's latest at `when`,
    leaving out objects deleted by then."""
    records = history_model(model).objects
    latest = (
        records.filter(id=OuterRef("id"), history_date__lte=when)
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    return records.filter(history_date__lte=when, history_id=Subquery(latest)).exclude(
        history_type="-"
    )


class _Rows(list):
    """A list that answers .all(), standing in for a prefetched relation."""

    def all(self):
        return self


def tree_snapshot(tree: Tree, profile: Profile) -> dict:
    """Return a state of the working copy in the publication snapshot format.

    `profile` is the live profile, with its country and topic (and the topic's treaty): a
    snapshot names them as they are now. Sections, claims and footnotes also carry their
    "id" (claims their "no_citation_needed", footnotes their "claim_id" and
    "review_state"), and the snapshot its "profile_id" and internal "notes".
    """
    values = tree.profile or {}
    sections = sorted(tree.rows["section"].values(), key=lambda row: (row["position"], row["id"]))
    sections = [row for row in sections if row["profile_id"] == profile.pk]
    claims = tree.children(CLAIM)
    citations = tree.children(CITATION)
    shaped_sections = _Rows()
    for section in sections:
        shaped_claims = _Rows()
        for claim in claims.get(section["id"], []):
            shaped_claims.append(
                SimpleNamespace(
                    **claim,
                    citations=_Rows(
                        SimpleNamespace(**row) for row in citations.get(claim["id"], [])
                    ),
                )
            )
        shaped_sections.append(SimpleNamespace(**section, claims=shaped_claims))
    shaped_profile = SimpleNamespace(
        country=profile.country,
        topic=profile.topic,
        last_updated=values.get("last_updated", profile.last_updated),
        status_box_heading=values.get("status_box_heading", ""),
        status_box=values.get("status_box") or [],
        compact_footnotes=values.get("compact_footnotes", False),
        sections=shaped_sections,
    )
    status = None
    if tree.treaty_status is not None:
        label = TreatyStatus.Status(tree.treaty_status["status"]).label
        status = SimpleNamespace(**tree.treaty_status, get_status_display=lambda: label)
    snapshot = build_snapshot(shaped_profile, status)

    # build_snapshot walked the tree in this same order: name what it wrote.
    footnotes = iter(snapshot["footnotes"])
    for section_data, section in zip(snapshot["sections"], shaped_sections, strict=True):
        section_data["id"] = section.id
        for claim_data, claim in zip(section_data["claims"], section.claims, strict=True):
            claim_data["id"] = claim.id
            claim_data["no_citation_needed"] = claim.no_citation_needed
            for citation in claim.citations:
                footnote = next(footnotes)
                footnote.update(
                    id=citation.id, claim_id=claim.id, review_state=citation.review_state
                )
    snapshot["profile_id"] = profile.pk
    snapshot["notes"] = values.get("notes", "")
    return snapshot


def profile_state_at(profile: Profile, when: datetime.datetime) -> dict | None:
    """Return the working copy of `profile` as it stood at `when`, as a snapshot (see
    tree_snapshot), or None if the profile did not exist yet."""
    tree = Tree.at(profile, when)
    if tree.profile is None:
        return None
    return tree_snapshot(tree, profile)


def profile_state_now(profile: Profile) -> dict:
    """Return the working copy of `profile` as it is now, as a snapshot."""
    return tree_snapshot(Tree.current(profile), profile)


# Comparing two states ---------------------------------------------------------------------


@dataclass
class ObjectChange:
    """What happened to one section, claim or footnote between two states."""

    model: str  # "profile", "section", "claim" or "footnote"
    kind: str  # ADDED, REMOVED, MOVED or CHANGED
    object_id: int | None
    label: str  # e.g. "Claim 3 of “Policy”", "Footnote [4]"
    segments: list[Segment] = field(default_factory=list)  # its text, diffed word by word
    fields: list[FieldChange] = field(default_factory=list)  # other fields, old → new
    moved: str = ""  # where it was, when it moved (a changed object may have moved too)


@dataclass
class StateComparison:
    """The reader's view of a change (`text`, as on the public compare page) and the
    editor's (`objects`: each section, claim and footnote added, removed, moved or
    changed; only when both states carry ids)."""

    text: Comparison
    objects: list[ObjectChange]

    @property
    def has_changes(self) -> bool:
        return self.text.has_changes or bool(self.objects)


def compare_states(old: dict, new: dict) -> StateComparison:
    """Compare two states of a profile given as snapshots (a publication's, or one from
    profile_state_at / tree_snapshot)."""
    text = compare_snapshots(old, new)
    objects = _object_changes(old, new) if "profile_id" in old and "profile_id" in new else []
    return StateComparison(text=text, objects=objects)


def _object_changes(old: dict, new: dict) -> list[ObjectChange]:
    changes = []
    profile_fields = [
        _field_change("Internal notes", old.get("notes", ""), new.get("notes", "")),
        _field_change(
            "Compact footnotes (plain text)", old["compact_footnotes"], new["compact_footnotes"]
        ),
    ]
    if any(profile_fields):
        changes.append(
            ObjectChange(
                "profile", CHANGED, old["profile_id"], "Profile", [], _kept(profile_fields)
            )
        )

    # Sections: the profile is their only parent.
    old_sections = {section["id"]: section for section in old["sections"]}
    new_sections = {section["id"]: section for section in new["sections"]}
    moved = _reordered([s["id"] for s in old["sections"]], [s["id"] for s in new["sections"]])
    for section in _reading_order(old["sections"], new["sections"]):
        before, after = old_sections.get(section["id"]), new_sections.get(section["id"])
        label = f"Section “{_section_title(section)}”"
        if before is None:
            changes.append(
                ObjectChange(
                    "section", ADDED, section["id"], label, _text(INSERT, section["heading"])
                )
            )
        elif after is None:
            changes.append(
                ObjectChange(
                    "section", REMOVED, section["id"], label, _text(DELETE, section["heading"])
                )
            )
        else:
            fields = _kept(
                [
                    _field_change("Kind", before["kind"], after["kind"]),
                    _field_change("Level", before["level"], after["level"]),
                ]
            )
            where = "moved among the sections" if section["id"] in moved else ""
            if before["heading"] != after["heading"] or fields:
                segments = diff_words(before["heading"], after["heading"])
                changes.append(
                    ObjectChange("section", CHANGED, section["id"], label, segments, fields, where)
                )
            elif where:
                changes.append(
                    ObjectChange(
                        "section",
                        MOVED,
                        section["id"],
                        label,
                        _text(EQUAL, after["heading"]),
                        [],
                        where,
                    )
                )

    # Claims, within their sections.
    old_claims = _claims_by_id(old)
    new_claims = _claims_by_id(new)
    moved = _moved_children(old_claims, new_claims)
    for claim_id in _ids_in_reading_order(old_claims, new_claims):
        before, after = old_claims.get(claim_id), new_claims.get(claim_id)
        current = after or before
        label = f"Claim {current['index']} of “{_section_title(current['section'])}”"
        if before is None:
            changes.append(
                ObjectChange("claim", ADDED, claim_id, label, _text(INSERT, after["text"]))
            )
            continue
        if after is None:
            changes.append(
                ObjectChange("claim", REMOVED, claim_id, label, _text(DELETE, before["text"]))
            )
            continue
        where = ""
        if claim_id in moved:
            where = f"was claim {before['index']} of “{_section_title(before['section'])}”"
        fields = _kept(
            [
                _field_change("Paragraph", before["paragraph"], after["paragraph"]),
                _field_change("Space before", before["separator"], after["separator"]),
                _field_change(
                    "No citation needed", before["no_citation_needed"], after["no_citation_needed"]
                ),
            ]
        )
        if before["text"] != after["text"] or fields:
            segments = diff_words(before["text"], after["text"])
            changes.append(ObjectChange("claim", CHANGED, claim_id, label, segments, fields, where))
        elif where:
            changes.append(
                ObjectChange(
                    "claim", MOVED, claim_id, label, _text(EQUAL, after["text"]), [], where
                )
            )

    # Footnotes, within their claims.
    old_notes = _footnotes_by_id(old)
    new_notes = _footnotes_by_id(new)
    moved = _moved_children(old_notes, new_notes)
    for note_id in _ids_in_reading_order(old_notes, new_notes):
        before, after = old_notes.get(note_id), new_notes.get(note_id)
        if before is None:
            label = f"Footnote [{after['number']}]"
            changes.append(
                ObjectChange("footnote", ADDED, note_id, label, _text(INSERT, after["text"]))
            )
            continue
        if after is None:
            label = f"Footnote [{before['number']}]"
            changes.append(
                ObjectChange("footnote", REMOVED, note_id, label, _text(DELETE, before["text"]))
            )
            continue
        label = f"Footnote [{after['number']}]"
        if before["number"] != after["number"]:
            label = f"Footnote [{before['number']}], now [{after['number']}]"
        where = "moved to another claim or place" if note_id in moved else ""
        fields = _kept(
            [
                _field_change(
                    "Space before the marker", before["marker_spacing"], after["marker_spacing"]
                ),
                _field_change("Review", before.get("review_state"), after.get("review_state")),
            ]
        )
        if before["text"] != after["text"] or fields:
            segments = diff_words(before["text"], after["text"])
            changes.append(
                ObjectChange("footnote", CHANGED, note_id, label, segments, fields, where)
            )
        elif where:
            changes.append(
                ObjectChange(
                    "footnote", MOVED, note_id, label, _text(EQUAL, after["text"]), [], where
                )
            )
    return changes


def _text(kind: str, text: str) -> list[Segment]:
    return [Segment(kind, text)] if text else []


def _section_title(section: dict) -> str:
    return section["heading"] or ("Summary" if section["kind"] == "summary" else "(No heading)")


def _claims_by_id(snapshot: dict) -> dict[int, dict]:
    """Each claim with its section, its place in it (from 1) and its order in the profile."""
    claims = {}
    for section in snapshot["sections"]:
        for index, claim in enumerate(section["claims"], 1):
            claims[claim["id"]] = {
                **claim,
                "section": section,
                "parent": section["id"],
                "index": index,
                "order": len(claims),
            }
    return claims


def _footnotes_by_id(snapshot: dict) -> dict[int, dict]:
    notes = {}
    for index, footnote in enumerate(snapshot["footnotes"]):
        notes[footnote["id"]] = {**footnote, "parent": footnote["claim_id"], "order": index}
    return notes


def _ids_in_reading_order(old: dict[int, dict], new: dict[int, dict]) -> list[int]:
    """The ids of the new state in order, each removed one after the one it followed."""
    ordered = sorted(new, key=lambda pk: new[pk]["order"])
    for pk in sorted(set(old) - set(new), key=lambda pk: old[pk]["order"]):
        earlier = [other for other in old if old[other]["order"] < old[pk]["order"]]
        anchor = max(
            (other for other in earlier if other in ordered),
            key=lambda other: old[other]["order"],
            default=None,
        )
        ordered.insert(ordered.index(anchor) + 1 if anchor is not None else 0, pk)
    return ordered


def _reading_order(old: list[dict], new: list[dict]) -> list[dict]:
    by_id = {row["id"]: row for row in old} | {row["id"]: row for row in new}
    old_order = {row["id"]: {"order": index} for index, row in enumerate(old)}
    new_order = {row["id"]: {"order": index} for index, row in enumerate(new)}
    return [by_id[pk] for pk in _ids_in_reading_order(old_order, new_order)]


def _reordered(old: list[int], new: list[int]) -> set[int]:
    """The ids present in both orders that moved relative to the others."""
    common = set(old) & set(new)
    old_common = [pk for pk in old if pk in common]
    new_common = [pk for pk in new if pk in common]
    matcher = difflib.SequenceMatcher(None, old_common, new_common, autojunk=False)
    kept = set()
    for block in matcher.get_matching_blocks():
        kept.update(new_common[block.b : block.b + block.size])
    return common - kept


def _moved_children(old: dict[int, dict], new: dict[int, dict]) -> set[int]:
    """The ids whose parent changed, or whose place among their siblings did."""
    moved = {pk for pk in old.keys() & new.keys() if old[pk]["parent"] != new[pk]["parent"]}
    parents = {row["parent"] for row in old.values()} | {row["parent"] for row in new.values()}
    for parent in parents:
        old_ids = sorted(
            (pk for pk, row in old.items() if row["parent"] == parent),
            key=lambda pk: old[pk]["order"],
        )
        new_ids = sorted(
            (pk for pk, row in new.items() if row["parent"] == parent),
            key=lambda pk: new[pk]["order"],
        )
        moved |= _reordered(old_ids, new_ids)
    return moved


def _field_change(label: str, old, new) -> FieldChange | None:
    if old == new:
        return None
    return FieldChange(label, display_value(old), display_value(new))


def _kept(changes: list) -> list:
    return [change for change in changes if change is not None]


def display_value(value) -> str:
    """Show a field's value to an editor: yes/no, dates in words, visible white space."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime.datetime):
        return value.strftime("%d %B %Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d %B %Y")
    if isinstance(value, str) and value.isspace():
        return repr(value)
    if value in ReviewState.values:
        return ReviewState(value).label
    return str(value)
