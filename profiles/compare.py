"""Compare two editions of a profile: what changed, as a reader would want to see it.

`compare_snapshots(old, new)` reads two publication snapshots (profiles/snapshots.py) and
returns a `Comparison` of plain dataclasses; it touches no database and builds no HTML.
Text is compared word by word: a word keeps the white space after it and the punctuation
around it, so "2016." and "2016," are different words. The template shows EQUAL segments as
plain text, INSERT as <ins> and DELETE as <del>.

Sections are matched by heading, paragraphs and footnotes by their text: identical texts
pair up as in a diff, then texts that only moved, then, within each changed stretch, texts
similar enough to be one text edited. Paragraph texts leave out footnote markers, so a
footnote added early in the profile does not make every later paragraph look changed; the
footnotes report that instead ("[4]–[8] are now [5]–[9]").
"""

from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass, field

from django.utils.formats import date_format

from profiles.alignment import Edits, align
from profiles.snapshots import paragraphs, section_anchors

EQUAL, INSERT, DELETE = "equal", "insert", "delete"
ADDED, REMOVED, CHANGED, MOVED = "added", "removed", "changed", "moved"

# Split before each word that follows white space: every token is a word with the punctuation
# attached to it and the white space after it, and the tokens join back into the text.
WORD_START = re.compile(r"(?<=\s)(?=\S)")

JOINED_VERBS = {"ratification": "ratified", "accession": "acceded", "succession": "succeeded"}


@dataclass(frozen=True)
class Segment:
    kind: str  # EQUAL, INSERT or DELETE
    text: str


@dataclass(frozen=True)
class FieldChange:
    """A fact in the report's header that changed, such as "Last updated"."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ParagraphChange:
    kind: str  # ADDED, REMOVED, CHANGED or MOVED (unchanged text in another place)
    segments: list[Segment]


@dataclass
class SectionChange:
    kind: str  # ADDED, REMOVED, MOVED, or CHANGED (in place, with changed paragraphs)
    title: str
    level: int
    anchor: str  # in the newer edition; in the older one for a removed section
    paragraphs: list[ParagraphChange] = field(default_factory=list)


@dataclass(frozen=True)
class FootnoteChange:
    kind: str  # ADDED, REMOVED or CHANGED
    old_number: int | None
    new_number: int | None
    segments: list[Segment]


@dataclass(frozen=True)
class Renumbering:
    """A run of unchanged footnotes whose numbers shifted."""

    old_first: int
    new_first: int
    count: int = 1

    def __str__(self):
        if self.count == 1:
            return f"[{self.old_first}] is now [{self.new_first}]"
        old_last = self.old_first + self.count - 1
        new_last = self.new_first + self.count - 1
        return f"[{self.old_first}]–[{old_last}] are now [{self.new_first}]–[{new_last}]"


@dataclass
class Comparison:
    header: list[FieldChange]
    sections: list[SectionChange]
    footnotes: list[FootnoteChange]
    renumbered: list[Renumbering]

    @property
    def has_changes(self) -> bool:
        return bool(self.header or self.sections or self.footnotes or self.renumbered)


def compare_snapshots(old: dict, new: dict) -> Comparison:
    """Return what changed from the `old` edition's snapshot to the `new` one's."""
    footnotes, renumbered = _compare_footnotes(old["footnotes"], new["footnotes"])
    return Comparison(
        header=_compare_header(old, new),
        sections=_compare_sections(_anchored(old), _anchored(new)),
        footnotes=footnotes,
        renumbered=renumbered,
    )


def diff_words(old: str, new: str) -> list[Segment]:
    """Diff two texts word by word; the segments join back into either text."""
    old_words, new_words = _words(old), _words(new)
    # Compare words without their trailing white space, so a word that ends a paragraph in
    # one text and not in the other still matches.
    matcher = difflib.SequenceMatcher(
        None, [word.rstrip() for word in old_words], [word.rstrip() for word in new_words], False
    )
    segments: list[Segment] = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            _append(segments, EQUAL, "".join(new_words[new_start:new_end]))
            continue
        _append(segments, DELETE, "".join(old_words[old_start:old_end]))
        _append(segments, INSERT, "".join(new_words[new_start:new_end]))
    return segments


def treaty_status_text(status: dict | None) -> str:
    """Describe a snapshot's treaty status in one line, as the report header shows it:
    "State party · signed 3 December 2008 · ratified 30 June 2010 · …"."""
    if not status:
        return ""
    dated = [
        ("signed", status.get("signed_on")),
        (JOINED_VERBS.get(status.get("joined_by") or "", "joined"), status.get("joined_on")),
        ("entry into force", status.get("in_force_on")),
        ("initial transparency report due", status.get("initial_report_due_on")),
        ("last transparency report submitted", status.get("last_report_submitted_on")),
    ]
    parts = [status["status_label"]]
    parts += [f"{label} {iso_date_text(value)}" for label, value in dated if value]
    return " · ".join(parts)


def iso_date_text(value: str) -> str:
    """Format a snapshot's ISO date in the site's one date style: "7 June 2016" (the
    plain-text format's "Last updated" line keeps its own "07 June 2016")."""
    return date_format(datetime.date.fromisoformat(value))


def paragraph_text(claims: list[dict]) -> str:
    """Join a paragraph's claims with their separators, leaving out footnote markers."""
    return "".join(
        (claim["separator"] if index else "") + claim["text"] for index, claim in enumerate(claims)
    )


# Header -----------------------------------------------------------------------------------


def _compare_header(old: dict, new: dict) -> list[FieldChange]:
    changes = [
        FieldChange(label, old_value, new_value)
        for label, old_value, new_value in [
            ("Country", old["country"]["name"], new["country"]["name"]),
            ("Topic", old["topic"]["name"], new["topic"]["name"]),
            (
                "Last updated",
                iso_date_text(old["last_updated"]),
                iso_date_text(new["last_updated"]),
            ),
            (
                "Treaty status",
                treaty_status_text(old["treaty_status"]),
                treaty_status_text(new["treaty_status"]),
            ),
            ("Status box", old["status_box_heading"], new["status_box_heading"]),
        ]
        if old_value != new_value
    ]
    old_rows, new_rows = dict(old["status_box"]), dict(new["status_box"])
    for label in [*new_rows, *(label for label in old_rows if label not in new_rows)]:
        if old_rows.get(label) != new_rows.get(label):
            changes.append(FieldChange(label, old_rows.get(label, ""), new_rows.get(label, "")))
    return changes


# Sections and paragraphs --------------------------------------------------------------------


def _anchored(snapshot: dict) -> list[dict]:
    """The snapshot's sections with their anchors on the report page (see section_anchors)."""
    anchors = section_anchors(snapshot)
    return [
        {**section, "anchor": anchor}
        for section, anchor in zip(snapshot["sections"], anchors, strict=True)
    ]


def _compare_sections(old: list[dict], new: list[dict]) -> list[SectionChange]:
    def key(section):
        return (section["kind"], section["heading"])

    changes = []
    for old_index, new_index, in_place in align(
        [key(section) for section in old], [key(section) for section in new]
    ):
        if new_index is None:
            section = old[old_index]
            paragraph_changes = [
                ParagraphChange(REMOVED, [Segment(DELETE, paragraph_text(claims))])
                for claims in paragraphs(section)
            ]
            changes.append(_section_change(REMOVED, section, paragraph_changes))
        elif old_index is None:
            section = new[new_index]
            paragraph_changes = [
                ParagraphChange(ADDED, [Segment(INSERT, paragraph_text(claims))])
                for claims in paragraphs(section)
            ]
            changes.append(_section_change(ADDED, new[new_index], paragraph_changes))
        else:
            paragraph_changes = _compare_paragraphs(old[old_index], new[new_index])
            if paragraph_changes or not in_place:
                kind = CHANGED if in_place else MOVED
                changes.append(_section_change(kind, new[new_index], paragraph_changes))
    return changes


def _section_change(kind: str, section: dict, paragraph_changes) -> SectionChange:
    title = section["heading"] or ("Summary" if section["kind"] == "summary" else "(No heading)")
    return SectionChange(kind, title, section["level"], section["anchor"], paragraph_changes)


def _compare_paragraphs(old_section: dict, new_section: dict) -> list[ParagraphChange]:
    old = [paragraph_text(claims) for claims in paragraphs(old_section)]
    new = [paragraph_text(claims) for claims in paragraphs(new_section)]
    changes = []
    for old_index, new_index, in_place in align(old, new, edits=Edits.SIMILAR):
        if new_index is None:
            changes.append(ParagraphChange(REMOVED, [Segment(DELETE, old[old_index])]))
        elif old_index is None:
            changes.append(ParagraphChange(ADDED, [Segment(INSERT, new[new_index])]))
        elif old[old_index] != new[new_index]:
            changes.append(ParagraphChange(CHANGED, diff_words(old[old_index], new[new_index])))
        elif not in_place:
            changes.append(ParagraphChange(MOVED, [Segment(EQUAL, new[new_index])]))
    return changes


# Footnotes ----------------------------------------------------------------------------------


def _compare_footnotes(
    old: list[dict], new: list[dict]
) -> tuple[list[FootnoteChange], list[Renumbering]]:
    changes, renumbered = [], []
    old_texts = [footnote["text"] for footnote in old]
    new_texts = [footnote["text"] for footnote in new]
    for old_index, new_index, _in_place in align(old_texts, new_texts, edits=Edits.SIMILAR):
        old_number = old[old_index]["number"] if old_index is not None else None
        new_number = new[new_index]["number"] if new_index is not None else None
        if new_index is None:
            segments = [Segment(DELETE, old_texts[old_index])]
            changes.append(FootnoteChange(REMOVED, old_number, None, segments))
        elif old_index is None:
            segments = [Segment(INSERT, new_texts[new_index])]
            changes.append(FootnoteChange(ADDED, None, new_number, segments))
        elif old_texts[old_index] != new_texts[new_index]:
            segments = diff_words(old_texts[old_index], new_texts[new_index])
            changes.append(FootnoteChange(CHANGED, old_number, new_number, segments))
        elif old_number != new_number:
            _renumber(renumbered, old_number, new_number)
    return changes, renumbered


def _renumber(runs: list[Renumbering], old_number: int, new_number: int) -> None:
    """Add a renumbered footnote, extending the last run when it follows on from it."""
    if runs:
        last = runs[-1]
        if (old_number, new_number) == (last.old_first + last.count, last.new_first + last.count):
            runs[-1] = Renumbering(last.old_first, last.new_first, last.count + 1)
            return
    runs.append(Renumbering(old_number, new_number))


def _words(text: str) -> list[str]:
    return WORD_START.split(text) if text else []


def _append(segments: list[Segment], kind: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].kind == kind:
        segments[-1] = Segment(kind, segments[-1].text + text)
    else:
        segments.append(Segment(kind, text))
