"""Years of later edits to the largest profile, planned in memory, then written as the
history records and working copy they leave."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from simple_history.utils import bulk_update_with_history

from citations.models import Citation, CitationSource, ReviewState
from history.writer import record_as
from profiles.demo_data.bulk import BATCH_SIZE
from profiles.demo_data.prose import footnote_reworded, renamed, reworded
from profiles.demo_data.trees import Tree
from profiles.demo_data.vocabulary import vocabulary
from profiles.models import ChangeSet, Claim, Section, SectionKind
from profiles.states import history_model, tracked_fields

EDIT_REASON = "Edited in the admin"

# Fields an edit may change, by model: written to the working copy with the object's last edit.
EDITED_FIELDS = {
    Section: ["heading"],
    Claim: ["text", "text_changed_by"],
    Citation: [
        "text",
        "text_changed_by",
        "review_state",
        "reviewed_by",
        "reviewed_at",
        "review_note",
    ],
    CitationSource: ["pinpoint"],
}
CLEARED_REVIEW = {
    "review_state": ReviewState.UNREVIEWED,
    "reviewed_by_id": None,
    "reviewed_at": None,
    "review_note": "",
}


@dataclass
class Edit:
    """One later state of an object: all the fields its history record keeps."""

    obj: models.Model
    values: dict
    reason: str
    change_set: ChangeSet


class HistoryPlan:
    """Years of edits to one profile, in change sets of a few records, as editors and
    fact-checkers make them: claims reworded (their reviewed citations sent back to review),
    footnotes corrected, citations reviewed, sections renamed, pinpoints changed."""

    def __init__(self, rng, tree: Tree, *, editors, fact_checkers, start, end):
        self.rng = rng
        self.editors = editors
        self.fact_checkers = fact_checkers
        self.start, self.end = start, end
        self.body_sections = [s for s in tree.sections if s.kind == SectionKind.BODY]
        self.claims_of = _grouped(tree.claims, lambda claim: claim.section)
        self.citations_of = _grouped(tree.citations, lambda citation: citation.claim)
        self.citations = tree.citations
        self.pinpointed = [link for link in tree.links if link.pinpoint]
        self.state = {
            id(obj): {name: getattr(obj, name) for name in tracked_fields(type(obj))}
            for obj in [*tree.sections, *tree.claims, *tree.citations, *tree.links]
        }
        self.change_sets: list[ChangeSet] = []
        self.edits: list[Edit] = []

    def plan(self, records: int) -> HistoryPlan:
        """Plan edits until they make `records` history records."""
        kinds = [
            (self.reword_claims, 30),
            (self.review, 42),
            (self.correct_footnote, 15),
            (self.rename_section, 5),
            (self.change_pinpoint, 8),
        ]
        while len(self.edits) < records:
            make = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
            # Dates grow with the records written, so change sets spread evenly over the years.
            progress = (len(self.edits) + self.rng.random() / 2) / (records + 1)
            when = self.start + (self.end - self.start) * progress
            make(when, limit=records - len(self.edits))
        return self

    def record(self, obj, changes: dict, reason: str) -> None:
        """Record an object's new state in the newest change set."""
        values = {**self.state[id(obj)], **changes}
        self.state[id(obj)] = values
        self.edits.append(Edit(obj, values, reason, self.change_sets[-1]))

    def open(self, when, user, action: str, reason: str = "") -> None:
        """Start a change set, which the next records belong to."""
        self.change_sets.append(ChangeSet(created_at=when, user=user, action=action, reason=reason))

    def reword_claims(self, when, *, limit: int) -> None:
        """Reword a few claims of a section, sending their reviewed citations back to review."""
        section = self.rng.choice([s for s in self.body_sections if self.claims_of.get(id(s))])
        claims = self.claims_of[id(section)]
        editor = self.rng.choice(self.editors)
        self.open(when, editor, ChangeSet.Action.EDIT)
        for claim in self.rng.sample(claims, min(len(claims), self.rng.randint(1, 3))):
            if limit <= 0:
                return
            text = reworded(self.state[id(claim)]["text"], self.rng)
            self.record(claim, {"text": text, "text_changed_by_id": editor.pk}, EDIT_REASON)
            limit -= 1
            for citation in self.citations_of.get(id(claim), []):
                if limit > 0 and self.state[id(citation)]["review_state"] != ReviewState.UNREVIEWED:
                    self.record(citation, CLEARED_REVIEW, "Review reset: the claim's text changed")
                    limit -= 1

    def review(self, when, *, limit: int) -> None:
        """Review a few citations, those waiting first: mostly verified."""
        if not self.citations:
            return
        words = vocabulary()
        checker = self.rng.choice(self.fact_checkers)
        waiting = [
            c for c in self.citations if self.state[id(c)]["review_state"] == ReviewState.UNREVIEWED
        ]
        pool = waiting or self.citations
        chosen = self.rng.sample(pool, min(len(pool), self.rng.randint(2, 6), limit))
        self.open(when, checker, ChangeSet.Action.REVIEW, "Reviewed")
        for citation in chosen:
            verified = self.rng.random() < 0.92
            state = ReviewState.VERIFIED if verified else ReviewState.SOURCE_UNAVAILABLE
            note = self.rng.choice(words.verified_notes if verified else words.unavailable_notes)
            changes = {
                "review_state": state,
                "reviewed_by_id": checker.pk,
                "reviewed_at": when,
                "review_note": note,
            }
            self.record(citation, changes, f"Reviewed: {ReviewState(state).label.lower()}")

    def correct_footnote(self, when, *, limit: int) -> None:
        """Correct a footnote, sending it back to review if it was reviewed."""
        if not self.citations:
            return
        citation = self.rng.choice(self.citations)
        editor = self.rng.choice(self.editors)
        self.open(when, editor, ChangeSet.Action.EDIT)
        values = self.state[id(citation)]
        changes = {
            "text": footnote_reworded(values["text"], self.rng),
            "text_changed_by_id": editor.pk,
        }
        reason = EDIT_REASON
        if values["review_state"] != ReviewState.UNREVIEWED:
            changes |= CLEARED_REVIEW
            reason = "Review reset: the footnote's text changed"
        self.record(citation, changes, reason)

    def rename_section(self, when, *, limit: int) -> None:
        """Rename a body section to its other name."""
        section = self.rng.choice(self.body_sections)
        self.open(when, self.rng.choice(self.editors), ChangeSet.Action.EDIT)
        self.record(section, {"heading": renamed(self.state[id(section)]["heading"])}, EDIT_REASON)

    def change_pinpoint(self, when, *, limit: int) -> None:
        """Change the page or form a source link points to."""
        if not self.pinpointed:
            return
        link = self.rng.choice(self.pinpointed)
        self.open(when, self.rng.choice(self.editors), ChangeSet.Action.EDIT)
        pinpoint = self.state[id(link)]["pinpoint"]
        first = int(re.search(r"\d+", pinpoint).group()) if re.search(r"\d", pinpoint) else 1
        changed = f"p. {first + 1}" if pinpoint.startswith("pp.") else f"pp. {first}–{first + 1}"
        if pinpoint.startswith("Form"):
            changed = f"Form {self.rng.choice('ABCDEFGHIJ')}"
        self.record(link, {"pinpoint": changed}, EDIT_REASON)


def _grouped(objs, parent) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for obj in objs:
        grouped.setdefault(id(parent(obj)), []).append(obj)
    return grouped


def write_history(plan: HistoryPlan) -> None:
    """Insert the plan's change sets and records: each object's last edit through the working
    copy, which writes its record, and the earlier edits as history records alone."""
    ChangeSet.objects.bulk_create(plan.change_sets, batch_size=BATCH_SIZE)
    last = {id(edit.obj): edit for edit in plan.edits}
    _write_intermediate_records([e for e in plan.edits if last[id(e.obj)] is not e])
    _write_last_edits(list(last.values()))


def _write_intermediate_records(edits: list[Edit]) -> None:
    # Model.history builds a new manager class on every access: look each model up once.
    historical = {model: history_model(model) for model in EDITED_FIELDS}
    by_model: dict[type, list] = {}
    for edit in edits:
        model = type(edit.obj)
        by_model.setdefault(model, []).append(
            historical[model](
                **edit.values,
                history_date=edit.change_set.created_at,
                history_type="~",
                history_user=edit.change_set.user,
                history_change_reason=edit.reason,
                change_set=edit.change_set,
            )
        )
    for model, records in by_model.items():
        # history-safe: these are history records, not the versioned rows themselves
        historical[model].objects.bulk_create(records, batch_size=BATCH_SIZE)


def _write_last_edits(edits: list[Edit]) -> None:
    """Bring the working copy to each object's last edit, which writes its last record."""
    groups: dict[tuple, list] = {}
    for edit in edits:
        obj = edit.obj
        for name, value in edit.values.items():
            setattr(obj, name, value)
        obj._history_date = edit.change_set.created_at
        record_as(obj, user=edit.change_set.user, reason=edit.reason)
        groups.setdefault((edit.change_set.pk, type(obj)), []).append(obj)
    for (change_set_pk, model), objs in groups.items():
        bulk_update_with_history(
            objs,
            model,
            EDITED_FIELDS[model],
            batch_size=BATCH_SIZE,
            custom_historical_attrs={"change_set_id": change_set_pk},
        )
