"""The one-page profile editor: the whole working copy of a profile in reading order (summary,
sections, paragraphs, claims with their footnotes), edited in one form and saved as one
change set.

The form is a draft of the profile's claims (EditorDraft): their order, each claim's section
and paragraph, its text and its footnotes' texts, and the sections' headings, with the version
each row was opened at. The structural buttons (add a claim or a paragraph before or after
one, move a claim up or down, delete one, add or remove a footnote) are submit buttons of
that form: each changes the draft and shows it again,
writing nothing, so the page works without JavaScript. Saving (profile_edit) applies the whole
draft in one transaction and one change set, through save() and delete() so that history
records the editor, renumbering positions and paragraphs where the order changed.

A save is refused, with what the others changed, when someone else changed since the page was
opened a claim, footnote or heading this save changes, or the order of a section whose order
this save changes (history/versions.py finds their records). The draft is then rebased onto
their changes, keeping the editor's, so that saving again goes through without undoing theirs.

Over 700 lines because the draft, its structural changes and its save share one picture of
the profile (rows keyed by claim, sections by their order's signature) that a reader needs
whole to follow a conflict from the check to the rebased page; it reads top to bottom as
building, changing, checking, refusing and writing.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.utils.html import format_html, format_html_join
from simple_history.utils import get_history_model_for_model

from citations.models import Citation, CitationSource, ReviewState
from citations.services import citations_link_sources
from history.changesets import change_set
from history.forms import SAVE_AGAIN
from history.versions import VERSION_ATTR, Changes, changes_since
from history.writer import HistoryWriter
from profiles.models import ChangeSet, Claim, Profile, Section, SectionKind
from profiles.textformat import (
    FORBIDDEN_CHARACTER,
    MAX_HEADING_LENGTH,
    is_heading,
    written_text_problem,
)

REASON = "Edited on the one-page editor"

# Claim and footnote keys in the form: a stored row's id, or "new-<n>" for one added on this
# page (claims and footnotes draw their <n> from one counter, so that no two keys are alike).
KEY = re.compile(r"^(?:\d{1,18}|new-\d{1,6})$")
# How many characters a line of a claim's or a footnote's text box holds, roughly, at full
# width: the server sizes each box to its text so that all of it shows without JavaScript.
CLAIM_LINE = 80
FOOTNOTE_LINE = 60
# The structural buttons' operations: "<name>:<claim key>"; for "paragraph-end",
# "<name>:<section id>"; for "footnote-delete" and "footnote-restore", "<name>:<footnote key>".
OPERATIONS = {
    "insert-before",
    "insert-after",
    "paragraph-before",
    "paragraph-after",
    "paragraph-end",
    "up",
    "down",
    "delete",
    "restore",
    "footnote-add",
    "footnote-delete",
    "footnote-restore",
}


class BadDraft(Exception):
    """The submitted form is not one this page wrote (a tampered or truncated request)."""


def text_rows(text: str, line: int) -> int:
    """Return how many rows a text box needs to show all of `text`."""
    if "\n" not in text:  # most texts: one line, no line break to split at
        return max(1, math.ceil(len(text) / line))
    lines = text.replace("\r\n", "\n").split("\n")
    return max(1, sum(max(1, math.ceil(len(part) / line)) for part in lines))


def normalise_newlines(text: str) -> str:
    """Browsers send a text box's line ends as CRLF; the profile keeps LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# The draft ------------------------------------------------------------------------------------


@dataclass(slots=True)
class FootnoteRow:
    """A claim's footnote (citation): its text as edited, and the version it was opened at;
    pk None and key "new-<n>" for one added on this page."""

    pk: int | None
    text: str
    version: int | None
    citation: StoredCitation | Citation | None = None  # as stored: its review, for the badge
    number: int = 0  # shown as "[n]": numbers are never stored
    error: str = ""
    conflict: str = ""
    key: str = ""
    deleted: bool = False
    focus: bool = False  # the footnote a button just added

    def __post_init__(self):
        if not self.key:
            self.key = str(self.pk)

    @property
    def is_new(self) -> bool:
        return self.pk is None

    @property
    def anchor(self) -> str:
        return f"footnote-{self.key}"

    @property
    def rows(self) -> int:
        return text_rows(self.text, FOOTNOTE_LINE)

    @property
    def review_state(self) -> str:
        return self.citation.review_state if self.citation else ReviewState.UNREVIEWED

    @property
    def review_label(self) -> str:
        return ReviewState(self.review_state).label


@dataclass(slots=True)
class ClaimRow:
    """A claim of the draft, where it stands (section, paragraph) and what it says."""

    key: str
    section_id: int
    paragraph: int
    text: str
    no_citation_needed: bool = False
    version: int | None = None
    deleted: bool = False
    claim: StoredClaim | Claim | None = None  # as stored, when it is
    footnotes: list[FootnoteRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conflict: str = ""
    focus: bool = False  # the row a structural button just added

    @property
    def is_new(self) -> bool:
        return self.key.startswith("new-")

    @property
    def pk(self) -> int | None:
        return None if self.is_new else int(self.key)

    @property
    def rows(self) -> int:
        return text_rows(self.text, CLAIM_LINE)

    @property
    def anchor(self) -> str:
        return f"claim-{self.key}"

    @property
    def unsourced(self) -> bool:
        return not self.footnotes and not self.no_citation_needed

    @property
    def kept_footnotes(self) -> list[FootnoteRow]:
        """The footnotes the draft keeps (not marked for removal), numbered on the page."""
        return [footnote for footnote in self.footnotes if not footnote.deleted]

    @property
    def asks_citation(self) -> bool:
        """Whether the page asks if the claim needs no citation (a box to tick): only for a
        kept claim without footnotes."""
        return not self.deleted and not self.footnotes

    def state(self) -> str:
        """Write where the claim stands, for the form: "<key> <section> <paragraph> <version>
        <flags> <footnote>…", each footnote "<key>:<version>:<flags>"; "-" for an unknown
        version or no flags; flags "d" for deleted and, for a claim the page does not ask
        about, "n" for no citation needed. _read_state() reads it back."""
        flags = "d" if self.deleted else ""
        if self.no_citation_needed and not self.asks_citation:
            flags += "n"
        footnotes = "".join(
            f" {f.key}:{_token(f.version)}:{'d' if f.deleted else '-'}" for f in self.footnotes
        )
        return (
            f"{self.key} {self.section_id} {self.paragraph} {_token(self.version)} "
            f"{flags or '-'}{footnotes}"
        )


def _token(version: int | None) -> str:
    return "-" if version is None else str(version)


STATE_FLAGS = {"-", "d", "n", "dn"}


def _read_state(value: str):
    """Read a claim's state (ClaimRow.state()): its key, section id, paragraph, version,
    flags and footnotes (key, version, flags); raise BadDraft for one this page did not
    write."""
    parts = value.split()
    if len(parts) < 5 or not KEY.match(parts[0]) or parts[4] not in STATE_FLAGS:
        raise BadDraft(f"The claim {value[:40]!r} cannot be read.")
    key, section, paragraph, version, flags, *notes = parts
    footnotes = []
    for note in notes:
        fkey, fversion, fflags = (note.split(":") + ["", ""])[:3]
        if not KEY.match(fkey) or fflags not in ("-", "d") or note.count(":") != 2:
            raise BadDraft(f"Footnote {fkey!r} is not one this page wrote.")
        footnotes.append((fkey, _int(fversion), fflags))
    return key, _int(section), _int(paragraph) or 0, _int(version), flags, footnotes


@dataclass
class HeadingRow:
    """A section's heading as edited, and the version of the section it was opened at."""

    section: Section
    text: str
    version: int | None
    error: str = ""
    conflict: str = ""

    @property
    def changed(self) -> bool:
        return self.text != self.section.heading


def signature(rows) -> str:
    """Describe a section's structure: its claims' keys in order, paragraphs split by "/"."""
    paragraphs: list[list[str]] = []
    last = None
    for row in rows:
        if last is None or row.paragraph != last:
            paragraphs.append([])
        paragraphs[-1].append(str(row.key))
        last = row.paragraph
    return "/".join(" ".join(keys) for keys in paragraphs)


def stored_signature(claims) -> str:
    """signature() of stored claims, in their order."""
    return signature(_Stored(str(claim.pk), claim.paragraph) for claim in claims)


@dataclass
class _Stored:
    key: str
    paragraph: int


@dataclass(slots=True)
class StoredCitation:
    """A footnote as stored, with what the page shows beside its text."""

    pk: int
    text: str
    review_state: str
    review_note: str
    reviewed_by: str | None  # the reviewer's username
    version: int | None


@dataclass(slots=True)
class StoredClaim:
    """A claim as stored, with its footnotes in order."""

    pk: int
    section_id: int
    paragraph: int
    text: str
    no_citation_needed: bool
    version: int | None
    citations: list[StoredCitation] = field(default_factory=list)


@dataclass
class EditorTree:
    """A profile as the editor shows it: its sections and their claims in reading order."""

    profile: Profile
    sections: list[Section]
    claims: list[StoredClaim]  # in reading order, each with its citations


SECTION_FIELDS = ["id", "profile_id", "position", "kind", "heading", "level"]


def editor_tree(profile_id: int | None) -> EditorTree | None:
    """Fetch a profile with what the editor shows, in two queries whatever its size: the
    profile, then its sections, their claims and the claims' citations in reading order (one
    row per citation, or per claim without one, or per section without claims), each
    section, claim and citation with its version.

    Claims and citations are read as rows rather than model instances: with prefetching,
    300 claims and their citations took 20 ms of Python; the page only reads their values.
    """
    profile = (
        Profile.objects.select_related("country", "topic")
        .annotate(edition=F("latest_publication__number"))
        .filter(pk=profile_id)
        .order_by()
        .first()
    )
    if profile is None:
        return None
    rows = (
        Section.objects.filter(profile=profile)
        .order_by("position", "claims__position", "claims__pk", "claims__citations__position")
        .values_list(
            # The section: row[0:6]
            "pk",
            "position",
            "kind",
            "heading",
            "level",
            _version(Section, "pk"),
            # The claim (StoredClaim): row[6:11]
            "claims__pk",
            "claims__paragraph",
            "claims__text",
            "claims__no_citation_needed",
            _version(Claim, "claims__pk"),
            # The citation (StoredCitation): row[11:]
            "claims__citations__pk",
            "claims__citations__text",
            "claims__citations__review_state",
            "claims__citations__review_note",
            "claims__citations__reviewed_by__username",
            _version(Citation, "claims__citations__pk"),
        )
    )
    sections: list[Section] = []
    claims: list[StoredClaim] = []
    for row in rows:
        if not sections or sections[-1].pk != row[0]:
            section = Section.from_db(rows.db, SECTION_FIELDS, (row[0], profile.pk, *row[1:5]))
            section.profile = profile
            setattr(section, VERSION_ATTR, row[5])
            sections.append(section)
        if row[6] is None:
            continue  # a section without claims
        if not claims or claims[-1].pk != row[6]:
            claims.append(StoredClaim(row[6], row[0], *row[7:11]))
        if row[11] is not None:
            claims[-1].citations.append(StoredCitation(*row[11:]))
    return EditorTree(profile, sections, claims)


@functools.cache
def _version(model, outer: str) -> Subquery:
    """history.versions.latest_version() of the row that `outer` names in a query (a row
    of a joined table, say).

    Built once: a query copies the expressions it is given, and building these three took
    0.4 ms a page."""
    records = get_history_model_for_model(model)._default_manager.filter(
        **{model._meta.pk.attname: OuterRef(outer)}
    )
    return Subquery(records.order_by("-history_id").values("history_id")[:1])


class EditorDraft:
    """The profile's claims as the editor's form holds them, in reading order.

    Built from the stored profile (from_profile) or from a submitted form (from_post); the
    structural buttons change it (apply); profile_edit() saves it.
    """

    def __init__(
        self,
        tree: EditorTree,
        rows: list[ClaimRow],
        opened: dict[int, str],
        next_new,
        headings: dict[int, HeadingRow] | None = None,
    ):
        self.profile = tree.profile
        self.sections = tree.sections
        self.rows = rows
        # Section id -> its heading; the summary has none (its heading is empty by design).
        self.headings = headings if headings is not None else _stored_headings(self.sections)
        self.opened = opened  # section id -> its signature when the page was opened
        self.next_new = next_new
        self.conflicts: list[str] = []  # what the others changed, when a save was refused
        self.changed = False  # whether the draft holds changes the page has not saved
        self.pressed = ""  # the value of the button to focus when the page comes back
        self._number_footnotes()

    # Building -------------------------------------------------------------------------------

    @classmethod
    def from_profile(cls, tree: EditorTree) -> EditorDraft:
        """Open the draft of a profile fetched with editor_tree()."""
        rows = [
            ClaimRow(
                key=str(claim.pk),
                section_id=claim.section_id,
                paragraph=claim.paragraph,
                text=claim.text,
                no_citation_needed=claim.no_citation_needed,
                version=claim.version,
                claim=claim,
                footnotes=[
                    FootnoteRow(citation.pk, citation.text, citation.version, citation)
                    for citation in claim.citations
                ],
            )
            for claim in tree.claims
        ]
        by_section: dict[int, list[StoredClaim]] = {section.pk: [] for section in tree.sections}
        for claim in tree.claims:
            by_section[claim.section_id].append(claim)
        opened = {pk: stored_signature(claims) for pk, claims in by_section.items()}
        return cls(tree, rows, opened, next_new=1)

    @classmethod
    def from_post(cls, tree: EditorTree, data) -> EditorDraft:
        """Read the draft a submitted form holds; `tree` is the profile fetched with
        editor_tree(), for the claims' stored footnotes and review states. Raise BadDraft for
        a form this page did not write.

        Each claim's place and footnotes come in one field, "claim" (ClaimRow.state()); its
        text in "c-<key>-text", each footnote's in "f-<key>-text".
        """
        sections = {section.pk: section for section in tree.sections}
        stored = {claim.pk: claim for claim in tree.claims}
        rows, seen, seen_footnotes = [], set(), set()
        for state in data.getlist("claim"):
            key, section_id, paragraph, version, flags, footnotes = _read_state(state)
            if key in seen:
                raise BadDraft(f"Claim {key} is on the page twice.")
            seen.add(key)
            if section_id not in sections:
                raise BadDraft(f"Claim {key} names no section of this profile.")
            prefix = f"c-{key}-"
            row = ClaimRow(
                key=key,
                section_id=section_id,
                paragraph=paragraph,
                text=normalise_newlines(data.get(f"{prefix}text", "")),
                no_citation_needed="n" in flags or bool(data.get(f"{prefix}no_citation_needed")),
                version=version,
                deleted="d" in flags,
            )
            claim = stored.get(row.pk) if row.pk is not None else None
            row.claim = claim
            citations = {c.pk: c for c in claim.citations} if claim else {}
            posted: set[int | None] = set()
            # The footnotes the page showed, as edited; then any added since, as stored,
            # before those added on this page (which are saved after the claim's others).
            for fkey, fversion, fflags in footnotes:
                if fkey in seen_footnotes or f"f-{fkey}-text" not in data:
                    raise BadDraft(f"Footnote {fkey!r} is not one this page wrote.")
                seen_footnotes.add(fkey)
                pk = _int(fkey)
                posted.add(pk)
                row.footnotes.append(
                    FootnoteRow(
                        pk=pk,
                        key=fkey,
                        text=normalise_newlines(data.get(f"f-{fkey}-text", "")),
                        version=fversion,
                        citation=citations.get(pk),
                        deleted="d" in fflags,
                    )
                )
            for pk, citation in citations.items():
                if pk not in posted:
                    row.footnotes.append(FootnoteRow(pk, citation.text, citation.version, citation))
            row.footnotes.sort(key=lambda footnote: footnote.is_new)
            rows.append(row)
        opened = {pk: data.get(f"opened-{pk}", "") for pk in sections}
        next_new = _int(data.get("next_new")) or 1
        headings = _stored_headings(sections.values())
        for pk, heading in headings.items():
            if f"s-{pk}-heading" in data:
                heading.text = " ".join(data.get(f"s-{pk}-heading", "").split())
                heading.version = _int(data.get(f"s-{pk}-version"))
        draft = cls(tree, _grouped(rows, list(sections)), opened, next_new, headings)
        draft._normalise_paragraphs()
        return draft

    # Structural changes ---------------------------------------------------------------------

    def apply(self, op: str) -> str | None:
        """Carry out one structural button's operation ("insert-after:123"); return the anchor
        of the row to show, or None when the operation names nothing on the page.

        The page comes back with the focus on what the button added (a claim's or a
        footnote's text box: the row's `focus`) or else on the button that undoes or repeats
        it (`pressed`, a button's value), which the browser scrolls into view."""
        name, _colon, target = op.partition(":")
        if name not in OPERATIONS:
            return None
        if name == "paragraph-end":
            section_id = _int(target)
            if section_id not in {section.pk for section in self.sections}:
                return None
            rows = [row for row in self.rows if row.section_id == section_id]
            paragraph = max((row.paragraph for row in rows), default=0) + 1
            index = max((self.rows.index(row) for row in rows), default=None)
            if index is None:
                index = self._section_start(section_id) - 1
            row = self._new_row(section_id, paragraph)
            self.rows.insert(index + 1, row)
            return self._changed(row)
        if name in ("footnote-delete", "footnote-restore"):
            found = self._footnote(target)
            if found is None:
                return None
            row, footnote = found
            if footnote.is_new:
                row.footnotes.remove(footnote)  # never saved: nothing to undo
                self.pressed = f"footnote-add:{row.key}"
            else:
                footnote.deleted = name == "footnote-delete"
                undo = "footnote-restore" if footnote.deleted else "footnote-delete"
                self.pressed = f"{undo}:{footnote.key}"
            return self._changed(row, focus=False)
        row = self._row(target)
        if row is None:
            return None
        if name == "footnote-add":
            if row.deleted:
                return None
            footnote = FootnoteRow(None, "", None, key=f"new-{self.next_new}", focus=True)
            self.next_new += 1
            row.footnotes.append(footnote)
            self._changed(row, focus=False)
            return footnote.anchor
        index = self.rows.index(row)
        if name in ("insert-before", "insert-after"):
            new = self._new_row(row.section_id, row.paragraph)
            self.rows.insert(index + (name == "insert-after"), new)
            return self._changed(new)
        if name in ("paragraph-before", "paragraph-after"):
            place = (row.section_id, row.paragraph)
            paragraph = [r for r in self.rows if (r.section_id, r.paragraph) == place]
            # Any number not in use: _normalise_paragraphs() numbers paragraphs in order.
            new = self._new_row(row.section_id, -1)
            if name == "paragraph-before":
                at = self.rows.index(paragraph[0])
            else:
                at = self.rows.index(paragraph[-1]) + 1
            self.rows.insert(at, new)
            return self._changed(new)
        if name in ("up", "down"):
            self._move(row, -1 if name == "up" else 1)
            index = self.rows.index(row)
            # Again, unless the claim is now first (or last) of all: then its text box.
            again = index > 0 if name == "up" else index < len(self.rows) - 1
            self.pressed = op if again else ""
            return self._changed(row, focus=not again)
        row.deleted = name == "delete"
        self.pressed = f"{'restore' if row.deleted else 'delete'}:{row.key}"
        return self._changed(row, focus=False)

    def _changed(self, row: ClaimRow, *, focus: bool = True) -> str:
        self.changed = True
        row.focus = focus
        self._normalise_paragraphs()
        self._number_footnotes()
        return row.anchor

    def _row(self, key: str) -> ClaimRow | None:
        return next((row for row in self.rows if row.key == key), None)

    def _footnote(self, key: str) -> tuple[ClaimRow, FootnoteRow] | None:
        for row in self.rows:
            for footnote in row.footnotes:
                if footnote.key == key:
                    return row, footnote
        return None

    def _new_row(self, section_id: int, paragraph: int) -> ClaimRow:
        key = f"new-{self.next_new}"
        row = ClaimRow(key=key, section_id=section_id, paragraph=paragraph, text="")
        self.next_new += 1
        return row

    def _section_start(self, section_id: int) -> int:
        """Return the index in rows where a section's claims start (or would start)."""
        order = [section.pk for section in self.sections]
        position = order.index(section_id)
        for index, row in enumerate(self.rows):
            if order.index(row.section_id) >= position:
                return index
        return len(self.rows)

    def _move(self, row: ClaimRow, step: int) -> None:
        """Move a claim one place up (step -1) or down (+1) the text: past its neighbour in
        its paragraph, or, at the paragraph's edge, into the neighbouring paragraph (of this
        section or the next), as its last claim going up and its first going down."""
        index = self.rows.index(row)
        other = index + step
        if not 0 <= other < len(self.rows):
            return
        neighbour = self.rows[other]
        if (neighbour.section_id, neighbour.paragraph) == (row.section_id, row.paragraph):
            self.rows[index], self.rows[other] = neighbour, row
        else:
            row.section_id, row.paragraph = neighbour.section_id, neighbour.paragraph

    def _normalise_paragraphs(self) -> None:
        """Number each section's paragraphs 1, 2, … in order, as the export reads them."""
        numbers = []
        previous = None
        for row in self.rows:
            if previous is None or previous.section_id != row.section_id:
                numbers.append(1)
            elif previous.paragraph != row.paragraph:
                numbers.append(numbers[-1] + 1)
            else:
                numbers.append(numbers[-1])
            previous = row
        for row, number in zip(self.rows, numbers, strict=True):
            row.paragraph = number

    def _number_footnotes(self) -> None:
        number = 0
        for row in self.rows:
            for footnote in row.footnotes:
                if not (row.deleted or footnote.deleted):
                    number += 1
                    footnote.number = number
                else:
                    footnote.number = 0

    # Reading --------------------------------------------------------------------------------

    def planned_signature(self, section_id: int) -> str:
        return signature(
            row for row in self.rows if row.section_id == section_id and not row.deleted
        )

    @property
    def has_errors(self) -> bool:
        return bool(self.problems() or self.heading_problems())

    def problems(self) -> list[ClaimRow]:
        """The rows with an error, in reading order: the page lists them above the form."""
        return [row for row in self.rows if row.errors or any(f.error for f in row.footnotes)]

    def heading_problems(self) -> list[HeadingRow]:
        """The headings with an error, in order: the page lists them above the form too."""
        return [heading for heading in self.headings.values() if heading.error]

    # Checking -------------------------------------------------------------------------------

    def clean(self) -> bool:
        """Check every claim and footnote the draft keeps and changes; put each problem on
        its row and return whether there are none. (A text left as stored is not checked:
        an old problem elsewhere in the profile must not block this save.)"""
        for row in self.rows:
            row.errors = []
            for footnote in row.footnotes:
                footnote.error = ""
            if row.deleted:
                continue
            if row.claim is None or row.text != row.claim.text:
                if not row.text.strip():
                    row.errors.append("Write the claim's text, or delete the claim.")
                elif problem := written_text_problem(row.text, "the claim"):
                    row.errors.append(_sentence(problem))
            for footnote in row.footnotes:
                if footnote.deleted:
                    continue
                if footnote.citation is not None and footnote.text == footnote.citation.text:
                    continue
                if not footnote.text.strip():
                    footnote.error = "A footnote cannot be empty: write its text, or remove it."
                elif problem := written_text_problem(footnote.text, "the footnote", footnote=True):
                    footnote.error = _sentence(problem)
        for heading in self.headings.values():
            heading.error = _heading_problem(heading.text) if heading.changed else ""
        return not self.has_errors


def _stored_headings(sections) -> dict[int, HeadingRow]:
    return {
        section.pk: HeadingRow(section, section.heading, getattr(section, VERSION_ATTR, None))
        for section in sections
        if section.kind != SectionKind.SUMMARY
    }


def _heading_problem(text: str) -> str:
    """Say why a heading typed in the editor would not come back the same from the
    plain-text export, or return ""."""
    if not text:
        return "A section needs a heading."
    if len(text) > MAX_HEADING_LENGTH:
        return f"A heading holds at most {MAX_HEADING_LENGTH} characters; this one has {len(text)}."
    if FORBIDDEN_CHARACTER.search(text) or not is_heading(text):
        return (
            "The text format would not read this as a heading: leave out footnote markers "
            "(“[1]”), control characters and a closing full stop."
        )
    return ""


def _sentence(problem: str) -> str:
    return f"{problem[0].upper()}{problem[1:]}."


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) < 2**62 else None


def _grouped(rows: list[ClaimRow], section_order: list[int]) -> list[ClaimRow]:
    """Keep each section's rows together, in section order (a form posts them in order; a
    tampered one gets them sorted)."""
    rank = {pk: index for index, pk in enumerate(section_order)}
    return sorted(rows, key=lambda row: rank[row.section_id])


# Saving -------------------------------------------------------------------------------------


class EditConflict(Exception):
    """Someone else changed what this save changes since the page was opened: nothing was
    written, and the draft now holds their changes beside the editor's."""

    def __init__(self, draft: EditorDraft):
        self.draft = draft
        super().__init__("The profile changed since the editor was opened.")


@dataclass
class EditResult:
    change_set: ChangeSet | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.counts.values())

    def summary(self) -> str:
        """Say what the save did: "2 claims edited, 1 claim added"."""
        parts = []
        for what, count in self.counts.items():
            if count:
                noun = what.replace("{s}", "" if count == 1 else "s")
                parts.append(f"{count} {noun}")
        return ", ".join(parts)


CLAIM_FIELDS = ["text", "no_citation_needed"]
STRUCTURE_FIELDS = ["section", "position", "paragraph"]


def profile_edit(*, profile: Profile, user, draft: EditorDraft) -> EditResult:
    """Save the editor's draft of a profile as one change set, or raise EditConflict (writing
    nothing) when someone else changed what it changes since the page was opened.

    Claims and footnotes are written through save() and delete(): history names the user,
    Claim.save() and Citation.save() send reviewed citations back to review when the text
    they back changes. A section whose order the draft changes is renumbered from 1
    (positions and paragraphs); other sections keep their numbers.
    """
    writer = HistoryWriter(user=user, reason=REASON)
    with (
        transaction.atomic(),
        change_set(action=ChangeSet.Action.EDIT, user=user, reason=REASON) as scope,
    ):
        # Hold the profile, so that two saves of it are made one after the other.
        Profile.objects.select_for_update().filter(pk=profile.pk).first()
        state = _State.read(profile, draft)
        _refuse_stale(draft, state)
        result = _write(draft, state, writer)
    result.change_set = scope.change_set
    return result


@dataclass
class _State:
    """The profile's claims and citations as stored now, and what others wrote since the page
    was opened."""

    claims: dict[int, Claim]
    citations: dict[int, Citation]
    current: dict[int, str]  # section id -> its signature now
    claim_changes: dict[int, Changes]
    citation_changes: dict[int, Changes]
    sections: dict[int, Section]
    section_changes: dict[int, Changes]

    @classmethod
    def read(cls, profile: Profile, draft: EditorDraft) -> _State:
        links = CitationSource.objects.order_by("position")
        claims = {
            claim.pk: claim
            for claim in Claim.objects.filter(section__profile=profile)
            .order_by("section__position", "position")
            .prefetch_related(
                Prefetch(
                    "citations",
                    queryset=Citation.objects.order_by("position").prefetch_related(
                        Prefetch("source_links", queryset=links)
                    ),
                )
            )
        }
        citations = {c.pk: c for claim in claims.values() for c in claim.citations.all()}
        current = {}
        for section in draft.sections:
            current[section.pk] = stored_signature(
                claim for claim in claims.values() if claim.section_id == section.pk
            )
        existing = [row for row in draft.rows if not row.is_new]
        opened_claims = {row.pk: row.version for row in existing}
        # Claims added since the page was opened are not on it: their records say who.
        opened_claims.update({pk: None for pk in claims if pk not in opened_claims})
        opened_citations = {
            f.pk: f.version for row in existing for f in row.footnotes if not f.is_new
        }
        # Only the headings this save changes are checked (and their sections locked).
        opened_sections = {
            pk: heading.version for pk, heading in draft.headings.items() if heading.changed
        }
        return cls(
            claims=claims,
            citations=citations,
            current=current,
            claim_changes=changes_since(Claim, opened_claims),
            citation_changes=changes_since(Citation, opened_citations),
            sections=Section.objects.filter(profile=profile).in_bulk(),
            section_changes=changes_since(Section, opened_sections),
        )

    def base(self, model_changes: dict, pk: int, stored):
        """Return the values the row had when the page was opened: the record of that version,
        or the stored row when nobody wrote to it since (None when unknown)."""
        changes = model_changes.get(pk)
        if changes is None:
            return stored
        return changes.base


def _refuse_stale(draft: EditorDraft, state: _State) -> None:
    conflicts = []
    for heading in draft.headings.values():
        message = _heading_conflict(state, heading)
        if message:
            heading.conflict = message
            conflicts.append(
                format_html(
                    '<a href="#section-{}">Heading “{}”</a>', heading.section.pk, heading.text
                )
            )
    for section in draft.sections:
        opened = draft.opened.get(section.pk, "")
        mine = draft.planned_signature(section.pk) != opened
        theirs = state.current[section.pk] != opened
        if mine and theirs:
            conflicts.append(_section_conflict(draft, state, section))
            _rebase_section(draft, state, section)
    for row in list(draft.rows):
        if row.is_new:
            continue
        message = _claim_conflict(draft, state, row)
        if message:
            row.conflict = message
            conflicts.append(format_html('<a href="#{}">{}</a>', row.anchor, _short(row.text)))
        for footnote in list(row.footnotes):
            if footnote.is_new:
                continue
            message = _footnote_conflict(state, row, footnote)
            if message:
                footnote.conflict = message
                conflicts.append(
                    format_html('<a href="#{}">Footnote of “{}”</a>', row.anchor, _short(row.text))
                )
    if conflicts:
        draft.conflicts = conflicts
        draft.changed = True
        draft._normalise_paragraphs()
        draft._number_footnotes()
        raise EditConflict(draft)
    # Nobody else changed what this save changes: rows they changed otherwise are saved
    # with their changes kept (_write() writes only the fields this draft changes).


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else f"{text[: length - 1]}…"


def _section_title(section: Section) -> str:
    return section.heading or section.get_kind_display()


def _section_conflict(draft: EditorDraft, state: _State, section: Section) -> str:
    opened_keys = set(draft.opened.get(section.pk, "").replace("/", " ").split())
    current_keys = {str(pk) for pk, claim in state.claims.items() if claim.section_id == section.pk}
    involved = [
        int(key)
        for key in opened_keys | current_keys
        if key.isdigit() and int(key) in state.claim_changes
    ]
    records = sorted(
        (record for pk in involved for record in state.claim_changes[pk].since),
        key=lambda record: record.history_id,
    )
    who = Changes(base=None, since=records).writers() if records else "Someone"
    return format_html(
        "{} changed the order of the claims in “{}” (added, moved or deleted one) after you "
        "opened this page. The section now shows their order with your changes on top.",
        who,
        _section_title(section),
    )


def _rebase_section(draft: EditorDraft, state: _State, section: Section) -> None:
    """Take in the others' changes to a section's order: keep the editor's order, drop the
    claims the others deleted (unless the editor changed them) and add the claims the others
    added or moved in after the claim they now follow."""
    planned_keys = {row.key for row in draft.rows}
    stored = [claim for claim in state.claims.values() if claim.section_id == section.pk]
    for index, claim in enumerate(stored):
        key = str(claim.pk)
        if key in planned_keys:
            continue
        row = ClaimRow(
            key=key,
            section_id=section.pk,
            paragraph=claim.paragraph,
            text=claim.text,
            no_citation_needed=claim.no_citation_needed,
            version=state.claim_changes[claim.pk].version
            if claim.pk in state.claim_changes
            else None,
            claim=claim,
            footnotes=[
                FootnoteRow(c.pk, c.text, _current_version(state, c.pk), c)
                for c in claim.citations.all()
            ],
        )
        # Before the claim it now precedes, else at the end of the section.
        after = stored[index + 1] if index + 1 < len(stored) else None
        successor = draft._row(str(after.pk)) if after is not None else None
        if successor is not None and successor.section_id == section.pk:
            at = draft.rows.index(successor)
            joins = claim.paragraph == after.paragraph
            row.paragraph = successor.paragraph if joins else -1
        else:
            rows = [r for r in draft.rows if r.section_id == section.pk]
            at = draft.rows.index(rows[-1]) + 1 if rows else draft._section_start(section.pk)
            joins = bool(rows) and index > 0 and claim.paragraph == stored[index - 1].paragraph
            row.paragraph = rows[-1].paragraph if joins else -1
        draft.rows.insert(at, row)
        planned_keys.add(key)
    draft.opened[section.pk] = state.current[section.pk]


def _current_version(state: _State, citation_pk: int) -> int | None:
    changes = state.citation_changes.get(citation_pk)
    return changes.version if changes else None


def _claim_conflict(draft: EditorDraft, state: _State, row: ClaimRow) -> str:
    """Compare a claim of the draft with what others did to it since; rebase the row onto
    their changes and return what they did, when this save changes what they changed."""
    stored = state.claims.get(row.pk)
    changes = state.claim_changes.get(row.pk)
    if stored is None:
        if row.deleted:
            row.version = changes.version if changes else row.version
            return ""  # deleted, as this save would have done
        who = changes.writers() if changes else "Someone"
        # Saving again adds it back, as a new claim, with the editor's text.
        row.key = f"new-{draft.next_new}"
        draft.next_new += 1
        row.version, row.claim = None, None
        row.footnotes = [footnote for footnote in row.footnotes if footnote.is_new]
        return format_html(
            "{} deleted this claim (or moved it to another profile) after you opened this page. "
            "It is shown with your text as a new claim, without its footnotes: delete it here to "
            "leave it deleted. {}",
            who,
            SAVE_AGAIN,
        )
    if changes is None:
        return ""
    base = changes.base
    names = CLAIM_FIELDS
    if base is None:
        theirs = list(names)
        mine = [n for n in names if getattr(row, n) != getattr(stored, n)]
    else:
        theirs = changes.changed_fields(names)
        mine = [n for n in names if getattr(row, n) != getattr(base, n)]
    row.version = changes.version
    if not theirs:
        return ""
    # Their values where the editor changed nothing; the editor's where they did.
    for name in theirs:
        if name not in mine:
            setattr(row, name, getattr(stored, name))
    if not (mine or row.deleted):
        return ""
    row.claim = stored
    details = format_html_join("", "<li>{}: {} → {}</li>", changes.field_changes(theirs))
    both = [n for n in theirs if n in mine]
    kept = " Your text is kept below." if "text" in both else ""
    if row.deleted:
        kept = " It is still marked for deletion."
    return format_html(
        "{} changed this claim after you opened this page:<ul>{}</ul>{} {}",
        changes.writers(),
        details,
        kept,
        SAVE_AGAIN,
    )


def _footnote_conflict(state: _State, row: ClaimRow, footnote: FootnoteRow) -> str:
    stored = state.citations.get(footnote.pk)
    changes = state.citation_changes.get(footnote.pk)
    if changes is None and stored is not None:
        return ""
    if row.deleted:
        return ""
    if stored is None:
        row.footnotes.remove(footnote)
        if footnote.deleted:
            return ""  # removed, as this save would have done
        who = changes.writers() if changes else "Someone"
        return format_html(
            "{} deleted footnote “{}” after you opened this page; it is no longer shown. {}",
            who,
            _short(footnote.text),
            SAVE_AGAIN,
        )
    base = changes.base
    footnote.version = changes.version
    footnote.citation = stored
    theirs = changes.changed_fields(["text"]) if base is not None else ["text"]
    mine = footnote.text != (base.text if base is not None else stored.text)
    if not theirs:
        return ""
    if not mine:
        footnote.text = stored.text
        if not footnote.deleted:
            return ""
    kept = "It is still marked for removal." if footnote.deleted else "Your text is kept below."
    return format_html(
        "{} changed this footnote after you opened this page:<ul>{}</ul> {} {}",
        changes.writers(),
        format_html_join("", "<li>{}: {} → {}</li>", changes.field_changes(theirs)),
        kept,
        SAVE_AGAIN,
    )


def _heading_conflict(state: _State, heading: HeadingRow) -> str:
    """Compare a heading this save changes with what others did to it since; take theirs
    where the editor left it as opened, and say what they did when both changed it."""
    if not heading.changed:
        return ""
    changes = state.section_changes.get(heading.section.pk)
    stored = state.sections.get(heading.section.pk)
    if changes is None or stored is None:
        return ""
    heading.version = changes.version
    theirs = changes.changed_fields(["heading"]) if changes.base is not None else ["heading"]
    opened = changes.base.heading if changes.base is not None else stored.heading
    heading.section.heading = stored.heading  # what "changed" compares with from now on
    if not theirs or heading.text == opened or heading.text == stored.heading:
        if heading.text == opened:
            heading.text = stored.heading
        return ""
    return format_html(
        "{} changed this heading after you opened this page:<ul>{}</ul> Your heading is kept "
        "below. {}",
        changes.writers(),
        format_html_join("", "<li>{}: {} → {}</li>", changes.field_changes(theirs)),
        SAVE_AGAIN,
    )


def _write(draft: EditorDraft, state: _State, writer: HistoryWriter) -> EditResult:
    counts = {
        "claim{s} edited": 0,
        "claim{s} added": 0,
        "claim{s} deleted": 0,
        "footnote{s} edited": 0,
        "footnote{s} added": 0,
        "footnote{s} removed": 0,
        "heading{s} edited": 0,
    }

    for heading in draft.headings.values():
        section = state.sections.get(heading.section.pk)
        if section is None or heading.text == section.heading:
            continue
        section.heading = heading.text
        writer.save(section, update_fields=["heading"])
        counts["heading{s} edited"] += 1

    # Deleted claims go first, footnotes and their source links first, so that every
    # record names the editor (a cascade would not).
    for row in draft.rows:
        claim = state.claims.get(row.pk) if row.pk is not None else None
        if not row.deleted or claim is None:
            continue
        for citation in claim.citations.all():
            for link in citation.source_links.all():
                writer.delete(link)
            writer.delete(citation)
        writer.delete(claim)
        counts["claim{s} deleted"] += 1

    # Removed footnotes of kept claims, their source links first, likewise.
    for row in draft.rows:
        if row.deleted:
            continue
        for footnote in row.footnotes:
            citation = state.citations.get(footnote.pk) if footnote.deleted else None
            if citation is None:
                continue
            for link in citation.source_links.all():
                writer.delete(link)
            writer.delete(citation)
            counts["footnote{s} removed"] += 1

    # Where each kept claim ends up: sections whose order changed are numbered from 1.
    restructured = {
        section.pk
        for section in draft.sections
        if draft.planned_signature(section.pk) != draft.opened.get(section.pk, "")
    }
    kept = [row for row in draft.rows if not row.deleted]
    places: dict[str, tuple[int, int, int, str | None]] = {}
    for section_id in restructured:
        rows = [row for row in kept if row.section_id == section_id]
        for position, row in enumerate(rows, 1):
            first = position == 1 or rows[position - 2].paragraph != row.paragraph
            places[row.key] = (section_id, position, row.paragraph, first)

    # Move the claims that change places out of the way first (no history record), so that
    # the unique (section, position) holds after every statement.
    updates: list[tuple[ClaimRow, Claim, dict]] = []
    for row in kept:
        claim = state.claims.get(row.pk) if row.pk is not None else None
        if claim is None:
            continue
        base = state.base(state.claim_changes, claim.pk, claim)
        values = {}
        for name in CLAIM_FIELDS:
            mine = getattr(row, name)
            opened = getattr(base, name) if base is not None else None
            if (base is None or mine != opened) and mine != getattr(claim, name):
                values[name] = mine
        if row.key in places:
            section_id, position, paragraph, first = places[row.key]
            if (claim.section_id, claim.position, claim.paragraph) != (
                section_id,
                position,
                paragraph,
            ):
                values.update(section_id=section_id, position=position, paragraph=paragraph)
            separator = _separator(claim.separator, first)
            if separator != claim.separator:
                values["separator"] = separator
        if values:
            updates.append((row, claim, values))
    for _row, claim, values in updates:
        if "position" in values or "section_id" in values:
            writer.park(claim)

    for _row, claim, values in updates:
        for name, value in values.items():
            setattr(claim, name, value)
        writer.save(claim)
        if values.keys() & {"text", "no_citation_needed"}:
            counts["claim{s} edited"] += 1

    for row in kept:
        if not row.is_new:
            continue
        section_id, position, paragraph, first = places[row.key]
        claim = Claim(
            section_id=section_id,
            position=position,
            paragraph=paragraph,
            text=row.text,
            no_citation_needed=row.no_citation_needed,
            separator="" if first else " ",
        )
        writer.save(claim)
        row.key, row.claim = str(claim.pk), claim
        counts["claim{s} added"] += 1

    # New footnotes go after the claim's others (their sources are read from their text
    # below, as the admin does when a footnote is saved).
    added: list[Citation] = []
    for row in kept:
        new = [footnote for footnote in row.footnotes if footnote.is_new and not footnote.deleted]
        if not new:
            continue
        claim = state.claims.get(row.pk) or row.claim
        stored = claim.citations.all() if claim.pk in state.claims else []
        position = max((citation.position for citation in stored), default=0)
        for footnote in new:
            position += 1
            citation = Citation(claim=claim, position=position, text=footnote.text)
            writer.save(citation)
            added.append(citation)
            counts["footnote{s} added"] += 1

    for row in kept:
        for footnote in row.footnotes:
            citation = state.citations.get(footnote.pk)
            if citation is None or footnote.deleted or footnote.text == citation.text:
                continue
            base = state.base(state.citation_changes, citation.pk, citation)
            if base is not None and footnote.text == base.text:
                continue  # the editor left it as opened; someone else changed it since
            # Citation.save() reads the review as stored (the claim's save may have reset it).
            citation.text = footnote.text
            writer.save(citation)
            counts["footnote{s} edited"] += 1
    # Last, so that an "Ibid." reads the footnote before it as saved.
    if added:
        citations_link_sources(citations=added, user=writer.user, reason=writer.reason)
    counts["section{s} reordered"] = sum(
        _reordered(draft.opened.get(pk, ""), draft.planned_signature(pk)) for pk in restructured
    )
    return EditResult(change_set=None, counts=counts)


def _reordered(opened: str, planned: str) -> bool:
    """Whether the claims kept from the opened page changed order or paragraphs (rather than
    claims being only added or deleted)."""

    def kept(sig: str, keys: set[str]) -> list[list[str]]:
        paragraphs = [[key for key in part.split() if key in keys] for part in sig.split("/")]
        return [paragraph for paragraph in paragraphs if paragraph]

    both = set(opened.replace("/", " ").split()) & set(planned.replace("/", " ").split())
    return kept(opened, both) != kept(planned, both)


def _separator(current: str, first: bool) -> str:
    """The white space before a claim: none for a paragraph's first claim (the export leaves
    it out), a space for one that follows another and had none."""
    if first:
        return ""
    return current or " "
