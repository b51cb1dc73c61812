"""The plain-text profile format: parse a profile file, and render a profile back to text.

Over 700 lines because reading and writing the format are two halves of one round trip, and
the checks that keep it exact (the limits below) read best beside the parser they guard.

A profile file reads like the Monitor's published pages (see tests/fixtures/):

    Mali

    Cluster Munition Ban Policy

    Last updated: 07 June 2016

    Summary: State Party Mali ratified the convention on 30 June 2010 ...

    Policy

    The Republic of Malisigned the Convention ... in the country.[1] In 2013, ...[2]

    [1] Statement of Mali, ...

The older (2012) layout has a status box instead of a summary: a heading followed by
label and value lines. Every non-blank line is one block: a heading, a status-box line, a
paragraph or a footnote. A paragraph is split into claims at its footnote markers.

Parsing and rendering work on plain dataclasses (`ProfileDocument`), so the same renderer
serves the working copy (`document_from_profile`) and anything else built from it. Rendering
a parsed document gives back the input text, apart from line endings, the white space at
either end of a line, the number of blank lines between blocks, and the space after
“Summary:” and after a footnote's leading `[n]`. What would not come back exactly is refused
instead, with its line (and column): white space the database would cut, and characters that
other programs read as line breaks.

The limits of a profile are the constants below (MAX_FILE_BYTES and the rest); the importer,
"Edit as text" and the admin's claim and footnote forms enforce them, and
docs/text-format.md states them.
"""

from __future__ import annotations

import bisect
import datetime
import heapq
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

SUMMARY_PREFIX = "Summary:"
LAST_UPDATED_PREFIX = "Last updated:"

# A marker takes the white space before it. It starts only where that white space does: a
# plain (\s*) would be tried again from every character of a long run of spaces.
MARKER = re.compile(r"(?<!\s)(\s*)\[(\d+)\]")
FOOTNOTE_START = re.compile(r"^\[(\d+)\]\s*(.*)$", re.DOTALL)
LAST_UPDATED = re.compile(r"^last updated\s*:\s*(.*)$", re.IGNORECASE)
SENTENCE_END = re.compile(r"""[.!?…]["'”’»)\]]*$""")
# A line ends at \n, \r\n or a lone \r, and nowhere else.
LINE_END = re.compile(r"\r\n|\r|\n")
# The other characters str.splitlines() breaks lines at. Another program (or an older Monitor)
# would split a line there, so a file holding one cannot be read the same way everywhere.
LINE_BREAKS = {
    "\x0b": "LINE TABULATION",
    "\x0c": "FORM FEED",
    "\x1c": "INFORMATION SEPARATOR FOUR",
    "\x1d": "INFORMATION SEPARATOR THREE",
    "\x1e": "INFORMATION SEPARATOR TWO",
    "\x85": "NEXT LINE",
    "\u2028": "LINE SEPARATOR",
    "\u2029": "PARAGRAPH SEPARATOR",
}
# Those, and control characters other than tab: PostgreSQL cannot store NUL, and none of them
# has a place in a profile.
FORBIDDEN_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

# The limits of a profile (docs/text-format.md, "Limits"). Each is at least 20 times what the
# biggest real profile holds (tests/fixtures/: 5.4 KB, 14 claims, 8 footnotes, a footnote of
# 729 characters, 3 status-box rows; the largest demo profile has 20 sections), and keeps an
# import, a preview and a page to seconds.
MAX_FILE_BYTES = 2_000_000  # 2 MB of UTF-8, refused before it is parsed
MAX_CLAIMS = 5_000
MAX_FOOTNOTES = 5_000
MAX_SECTIONS = 1_000  # headings and sub-headings, and the summary
MAX_STATUS_BOX_ROWS = 100
MAX_TEXT_LENGTH = 20_000  # characters in one claim or one footnote
# Footnote numbers run from 1 and a profile has at most MAX_FOOTNOTES footnotes: a longer
# number is a mistake (and one of over 4,300 digits is more than Python turns into an int).
MAX_MARKER_DIGITS = 6
# The white space before a footnote marker, or between two claims of a paragraph, is kept as
# written (Citation.marker_spacing, Claim.separator): at most this many characters.
MAX_SPACING = 10
# A refusal lists this many problems at most, then says how many more there are.
MAX_PROBLEMS_SHOWN = 100

# The longest name, heading and status-box heading the database holds (the max_length of
# Country.name, Topic.name, Section.heading and Profile.status_box_heading).
MAX_COUNTRY_LENGTH = 100
MAX_TOPIC_LENGTH = 200
MAX_HEADING_LENGTH = 300
MAX_STATUS_BOX_HEADING_LENGTH = 200
MAX_SLUG_LENGTH = 100

# Headings the Monitor uses for a profile's main sections; other headings that follow
# a main section are read as its sub-headings.
MAIN_HEADINGS = frozenset(
    heading.casefold()
    for heading in (
        "Policy",
        "Use, production, transfer, and stockpiling",
        "Use, production, and transfer",
        "Production, transfer, and use",
        "Production and transfer",
        "Use",
        "Production",
        "Transfer",
        "Stockpiling",
        "Stockpile destruction",
        "Stockpile destruction and retention",
        "Retention",
        "Mine action",
        "Contamination",
        "Casualties",
        "Victim assistance",
        "Support for mine action",
        "International cooperation and assistance",
        "Cluster munition remnants",
    )
)


class ProfileFormatError(Exception):
    """A profile file that cannot be read; carries every problem found, with line numbers.

    Some problems are knock-ons of another (their `cause`): one stray marker makes every
    marker after it "out of order". `groups` pairs each real problem with its knock-ons, and
    the message names the real ones and folds the knock-ons into one line under each.
    """

    def __init__(self, problems: list[FormatProblem]):
        self.problems = sorted(
            problems, key=lambda problem: (problem.filename, problem.line, problem.column)
        )
        super().__init__("\n".join(self.shown(str)))

    @property
    def groups(self) -> list[tuple[FormatProblem, list[FormatProblem]]]:
        """Return each real problem with its knock-ons, both in the order of the text."""
        present = {id(problem) for problem in self.problems}
        knock_ons: dict[int, list[FormatProblem]] = {}
        real = []
        for problem in self.problems:
            if problem.cause is not None and id(problem.cause) in present:
                knock_ons.setdefault(id(problem.cause), []).append(problem)
            else:
                real.append(problem)
        return [(problem, knock_ons.get(id(problem), [])) for problem in real]

    def shown(self, describe) -> list[str]:
        """Describe the first MAX_PROBLEMS_SHOWN real problems, each with a line that sums up
        its knock-ons, and say how many more there are."""
        groups = self.groups
        lines = []
        for problem, knock_ons in groups[:MAX_PROBLEMS_SHOWN]:
            lines.append(describe(problem))
            if knock_ons:
                lines.append(f"  ({knock_on_summary(knock_ons)}: {knock_on_lines(knock_ons)})")
        if (more := len(groups) - MAX_PROBLEMS_SHOWN) > 0:
            lines.append(f"… and {more:,} more problem{'s' if more > 1 else ''}")
        return lines


@dataclass(frozen=True)
class FormatProblem:
    filename: str
    line: int
    message: str
    column: int = 0  # from 1, in characters; 0 when the whole line is meant
    # The real problem this one follows from, and what kind of knock-on it is, as a noun and
    # what is wrong with it: ("marker", "out of order").
    cause: FormatProblem | None = field(default=None, compare=False, repr=False)
    knock_on: tuple[str, str] = field(default=("", ""), compare=False, repr=False)

    def __str__(self):
        where = self.filename
        if self.line:
            where += f":{self.line}" + (f":{self.column}" if self.column else "")
        return f"{where}: {self.message}"


def knock_on_summary(knock_ons: list[FormatProblem]) -> str:
    """Sum up a problem's knock-ons: "6 more markers are out of order only because of this
    one"."""
    counts: dict[tuple[str, str], int] = {}
    for problem in knock_ons:
        counts[problem.knock_on] = counts.get(problem.knock_on, 0) + 1
    parts = [
        f"{count:,} more {noun or 'problem'}{'s' if count > 1 else ''} "
        f"{'are' if count > 1 else 'is'} {what or 'wrong'}"
        for (noun, what), count in counts.items()
    ]
    return f"{' and '.join(parts)} only because of this one"


def knock_on_lines(knock_ons: list[FormatProblem], most: int = 10) -> str:
    """Name the lines of knock-ons: "lines 35, 36 and 38", the first `most` of them."""
    lines = list(dict.fromkeys(problem.line for problem in knock_ons))
    shown = [str(line) for line in lines[:most]]
    if len(lines) > most:
        shown.append(f"{len(lines) - most:,} more")
    if len(shown) == 1:
        return f"line {shown[0]}"
    return f"lines {', '.join(shown[:-1])} and {shown[-1]}"


@dataclass
class FootnoteDocument:
    text: str
    marker_spacing: str = ""
    line: int = 0


@dataclass
class ClaimDocument:
    text: str
    paragraph: int = 1
    separator: str = " "
    footnotes: list[FootnoteDocument] = field(default_factory=list)
    line: int = 0


@dataclass
class SectionDocument:
    kind: str  # "summary" or "body", as Section.Kind
    heading: str = ""
    level: int = 1
    claims: list[ClaimDocument] = field(default_factory=list)
    line: int = 0


@dataclass
class ProfileDocument:
    country: str
    topic: str
    last_updated: datetime.date
    status_box_heading: str = ""
    status_box: list[tuple[str, str]] = field(default_factory=list)
    sections: list[SectionDocument] = field(default_factory=list)
    compact_footnotes: bool = False
    filename: str = ""
    country_line: int = 0
    topic_line: int = 0

    def claims(self):
        for section in self.sections:
            yield from section.claims

    def footnotes(self):
        """Yield (number, footnote) in reading order; numbers follow from that order alone."""
        number = 0
        for claim in self.claims():
            for footnote in claim.footnotes:
                number += 1
                yield number, footnote


# Reading ---------------------------------------------------------------------------------


@dataclass
class _Block:
    line: int
    text: str
    indent: int = 0  # the white space stripped from the start of the line

    def column(self, offset: int) -> int:
        """Return the column (from 1) of the character at `offset` in the block's text."""
        return self.indent + offset + 1


def split_lines(text: str) -> list[str]:
    """Split a profile's text into lines at \n, \r\n and \r only (never str.splitlines(),
    which also breaks at the LINE_BREAKS characters, which parse_profile refuses)."""
    return LINE_END.split(text)


def size_problem(size: int, what: str = "file") -> str:
    """Say why a profile of `size` bytes is too big, or return ""."""
    if size <= MAX_FILE_BYTES:
        return ""
    return (
        f"the {what} is {size:,} bytes; a profile may be at most {MAX_FILE_BYTES:,} bytes "
        f"({MAX_FILE_BYTES // 1_000_000} MB)"
    )


def text_length_problem(text: str, what: str) -> str:
    """Say why a claim's or footnote's text (`what`) is too long, or return ""."""
    if len(text) <= MAX_TEXT_LENGTH:
        return ""
    return f"{what} is {len(text):,} characters long; the most is {MAX_TEXT_LENGTH:,}"


def written_text_problem(text: str, what: str, *, footnote: bool = False) -> str:
    """Say why a claim's or footnote's text typed in the admin (`what`) would not come back
    the same from the plain-text export, or is too long; or return "".

    A claim is part of a line: it holds no line end, and no "[n]", which reads as a marker.
    A footnote may run over several lines, but no blank one and none that starts like the
    next footnote ("[n]").
    """
    if problem := text_length_problem(text, what):
        return f"{problem}. Shorten it, or split it in two"
    if match := FORBIDDEN_CHARACTER.search(text):
        return f"{what}: {_forbidden_message(match.group())}"
    lines = split_lines(text)
    if not footnote:
        if len(lines) > 1:
            return f"{what} is part of a paragraph and cannot hold a line break; remove it"
        if match := MARKER.search(text):
            return (
                f"{what} holds “[{match.group(2)}]”, which the text format reads as a footnote "
                "marker; add the footnote as a citation instead"
            )
        return ""
    if any(not line.strip() for line in lines[1:]):
        return f"{what} cannot hold an empty line, which would end it in the text format"
    if any(FOOTNOTE_START.match(line) for line in lines[1:]):
        return f"{what} has a line starting “[n]”, which the text format reads as a new footnote"
    return ""


def read_profile_file(path: str | Path) -> ProfileDocument:
    """Read and parse one profile file, naming the file in every error; refuse a file over
    MAX_FILE_BYTES before reading it."""
    path = Path(path)
    filename = str(path)
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            # A file that is not a regular one may say 0: read one byte more than allowed.
            raw = b"" if size > MAX_FILE_BYTES else file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ProfileFormatError(
            [FormatProblem(str(path), 0, error.strerror or str(error))]
        ) from error
    if too_big := size_problem(max(size, len(raw))):
        raise ProfileFormatError([FormatProblem(filename, 0, too_big)])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ProfileFormatError(
            [
                FormatProblem(
                    filename,
                    line,
                    f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x} cannot be "
                    "decoded); save it as UTF-8 and try again",
                )
            ]
        ) from None
    document = parse_profile(text, filename=filename)
    document.filename = path.name
    return document


def parse_profile(text: str, *, filename: str = "<text>") -> ProfileDocument:
    """Parse a profile in the plain-text format, or raise ProfileFormatError."""
    # Measured before anything else is done with the text. Each character takes one byte or
    # more, so a text with too many characters is too big without encoding it.
    size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "replace"))
    if too_big := size_problem(size, "file" if filename else "text"):
        raise ProfileFormatError([FormatProblem(filename, 0, too_big)])
    problems: list[FormatProblem] = []

    def problem(line: int, message: str, column: int = 0, **knock_on) -> FormatProblem:
        problems.append(FormatProblem(filename, line, message, column, **knock_on))
        return problems[-1]

    lines = split_lines(text)
    for number, line in enumerate(lines, start=1):
        # Before stripping, which takes these characters for white space.
        if match := FORBIDDEN_CHARACTER.search(line):
            problem(number, _forbidden_message(match.group()), match.start() + 1)
    blocks = [
        _Block(number, line.strip(), len(line) - len(line.lstrip()))
        for number, line in enumerate(lines, start=1)
        if line.strip()
    ]
    if not blocks:
        raise ProfileFormatError([*problems, FormatProblem(filename, 0, "the file is empty")])

    header_end = _find_last_updated(blocks)
    if header_end is None:
        problem(
            blocks[min(2, len(blocks) - 1)].line,
            "no “Last updated: DD Month YYYY” line after the country and topic lines",
        )
        raise ProfileFormatError(problems)
    if header_end != 2:
        problem(
            blocks[header_end].line,
            "expected exactly two lines, the country and the topic, before “Last updated”",
        )
    last_updated_block = blocks[header_end]
    last_updated = parse_date(LAST_UPDATED.match(last_updated_block.text).group(1))
    if last_updated is None:
        problem(
            last_updated_block.line,
            f"cannot read the date in “{last_updated_block.text}” "
            "(expected a date such as “07 June 2016”)",
        )

    body_blocks = blocks[header_end + 1 :]
    footnote_start = next(
        (index for index, block in enumerate(body_blocks) if FOOTNOTE_START.match(block.text)),
        len(body_blocks),
    )
    footnotes, compact = _parse_footnotes(body_blocks[footnote_start:], problem)
    document = ProfileDocument(
        country=blocks[0].text,
        topic=blocks[1].text if header_end >= 2 else "",
        last_updated=last_updated or datetime.date.min,
        compact_footnotes=compact,
        filename=filename,
        country_line=blocks[0].line,
        topic_line=blocks[1].line if header_end >= 2 else 0,
    )
    _parse_body(document, body_blocks[:footnote_start], problem)
    if _check_counts(document, footnotes, problem):
        # Too many: the body was read only up to the first one too many.
        raise ProfileFormatError(problems)
    _attach_footnotes(document, footnotes, problem)
    _check_lengths(document, blocks[0], blocks[1] if header_end >= 2 else None, problem)

    if problems:
        raise ProfileFormatError(problems)
    return document


def _forbidden_message(character: str) -> str:
    code = f"U+{ord(character):04X}"
    if name := LINE_BREAKS.get(character):
        return f"{name} ({code}) is not allowed; use a new line or a space"
    return f"the line holds a control character ({code}), which a profile cannot contain; remove it"


def _check_counts(document: ProfileDocument, footnotes: dict, problem) -> bool:
    """Refuse more claims, sections or footnotes than a profile may have, at the line of the
    first one too many; return whether there were."""
    counted = [
        ("claim", MAX_CLAIMS, list(document.claims())),
        ("section", MAX_SECTIONS, document.sections),
        ("footnote", MAX_FOOTNOTES, list(footnotes.values())),
    ]
    too_many = False
    for noun, limit, items in counted:
        if len(items) > limit:
            too_many = True
            problem(
                items[limit].line,
                f"too many {noun}s: a profile may have at most {limit:,}, and {noun} "
                f"{limit + 1:,} is on this line",
            )
    return too_many


def _check_lengths(document: ProfileDocument, country: _Block, topic: _Block | None, problem):
    """Refuse names and headings longer than the database holds, and a topic with no address."""

    def check(text: str, limit: int, line: int, what: str):
        if len(text) > limit:
            problem(line, f"{what} is {len(text)} characters long; the most is {limit}")

    check(document.country, MAX_COUNTRY_LENGTH, country.line, "the country's name")
    if topic is not None:
        check(document.topic, MAX_TOPIC_LENGTH, topic.line, "the topic's name")
        if problem_text := slug_problem(document.topic):
            problem(topic.line, f"the topic {problem_text}")
    for section in document.sections:
        check(section.heading, MAX_HEADING_LENGTH, section.line, "the heading")


def slug_problem(name: str) -> str:
    """Say what keeps a name from making a public address (its slug), or return ""."""
    slug = slugify(name)
    if not slug:
        return f"“{name}” has no letters or digits to make its address from"
    if len(slug) > MAX_SLUG_LENGTH:
        return f"“{name}” makes an address of {len(slug)} characters; the most is {MAX_SLUG_LENGTH}"
    return ""


def _find_last_updated(blocks: list[_Block]) -> int | None:
    for index, block in enumerate(blocks[:4]):
        if LAST_UPDATED.match(block.text):
            return index
    return None


def parse_date(value: str) -> datetime.date | None:
    for date_format in ("%d %B %Y", "%d %b %Y"):
        try:
            return datetime.datetime.strptime(value.strip(), date_format).date()
        except ValueError:
            continue
    return None


def format_date(value: datetime.date) -> str:
    """Format a date the way Monitor profiles print it: “07 June 2016”."""
    return f"{value.day:02d} {value:%B} {value.year:04d}"


def is_heading(text: str) -> bool:
    """Tell a heading (or status-box line) from a paragraph: no markers, no closing full stop."""
    return not MARKER.search(text) and not SENTENCE_END.search(text)


def _parse_body(document: ProfileDocument, blocks: list[_Block], problem) -> None:
    index = 0
    if blocks and blocks[0].text.startswith(SUMMARY_PREFIX):
        summary = SectionDocument(kind="summary", line=blocks[0].line)
        document.sections.append(summary)
        first = blocks[0]
        # The “Summary:” line is the summary's paragraph 1. Alone on its line, it holds no
        # claim, and the summary's claims start at paragraph 2 (render_profile reads it so).
        rest = first.text[len(SUMMARY_PREFIX) :].lstrip()
        paragraph = 1
        if rest:
            _add_paragraph(summary, first, problem, start=len(first.text) - len(rest), paragraph=1)
        index = 1
        while index < len(blocks) and not is_heading(blocks[index].text):
            if len(summary.claims) > MAX_CLAIMS:
                return  # too many: _check_counts says so, and the rest need not be read
            paragraph += 1
            _add_paragraph(summary, blocks[index], problem, paragraph=paragraph)
            index += 1
    else:
        index = _parse_status_box(document, blocks)
        if len(document.status_box_heading) > MAX_STATUS_BOX_HEADING_LENGTH:
            problem(
                blocks[0].line,
                f"the status box's heading is {len(document.status_box_heading)} characters "
                f"long; the most is {MAX_STATUS_BOX_HEADING_LENGTH}",
            )
        if len(document.status_box) > MAX_STATUS_BOX_ROWS:
            problem(
                blocks[1 + 2 * MAX_STATUS_BOX_ROWS].line,
                f"too many status-box rows: a profile may have at most {MAX_STATUS_BOX_ROWS}, "
                f"and row {MAX_STATUS_BOX_ROWS + 1} starts on this line",
            )

    section: SectionDocument | None = None
    claims = sum(len(section.claims) for section in document.sections)
    for block in blocks[index:]:
        if claims > MAX_CLAIMS or len(document.sections) > MAX_SECTIONS:
            return  # too many: _check_counts says so, and the rest need not be read
        if is_heading(block.text):
            section = SectionDocument(
                kind="body",
                heading=block.text,
                level=_heading_level(block.text, document.sections),
                line=block.line,
            )
            document.sections.append(section)
            continue
        if section is None:
            # Paragraphs before any heading: a body section without a heading.
            section = SectionDocument(kind="body", line=block.line)
            document.sections.append(section)
        claims -= len(section.claims)
        _add_paragraph(section, block, problem)
        claims += len(section.claims)


def _parse_status_box(document: ProfileDocument, blocks: list[_Block]) -> int:
    """Read the older layout's status box, if there is one; return the index after it.

    A status box is a heading followed by label/value pairs, all heading-like lines. A pair
    only counts when the line after it is heading-like too, so that a section heading with a
    sub-heading straight after it is not mistaken for a pair.
    """
    rows: list[tuple[str, str]] = []
    index = 1
    while (
        index + 1 < len(blocks)
        and is_heading(blocks[index].text)
        and is_heading(blocks[index + 1].text)
        and (index + 2 >= len(blocks) or is_heading(blocks[index + 2].text))
    ):
        rows.append((blocks[index].text, blocks[index + 1].text))
        index += 2
    if not rows or not is_heading(blocks[0].text):
        return 0
    document.status_box_heading = blocks[0].text
    document.status_box = rows
    return index


def _heading_level(heading: str, sections: list[SectionDocument]) -> int:
    has_main_section = any(section.kind == "body" and section.level == 1 for section in sections)
    if heading.casefold() in MAIN_HEADINGS or not has_main_section:
        return 1
    return 2


def _add_paragraph(
    section: SectionDocument,
    block: _Block,
    problem,
    *,
    start: int = 0,
    paragraph: int | None = None,
) -> None:
    """Split a paragraph (the block's text from `start`) into claims: each claim ends where
    its footnote markers stand."""
    text, line = block.text[start:], block.line
    if paragraph is None:
        # Paragraph numbers only grow within a section: the last claim has the highest.
        paragraph = 1 + (section.claims[-1].paragraph if section.claims else 0)
    claims: list[ClaimDocument] = []

    def column(offset: int) -> int:
        return block.column(start + offset)

    def add_claim(raw: str, offset: int) -> None:
        stripped = raw.lstrip()
        separator = raw[: len(raw) - len(stripped)] if claims else ""
        if len(separator) > MAX_SPACING:
            problem(line, _spacing_message(separator, "between two claims"), column(offset))
        if too_long := text_length_problem(stripped, "the claim"):
            problem(line, too_long, column(offset + len(raw) - len(stripped)))
        claims.append(ClaimDocument(stripped, paragraph, separator, line=line))

    position = 0
    for match in MARKER.finditer(text):
        spacing, digits = match.group(1), match.group(2)
        marker = f"[{_shown_number(digits)}]"
        # The marker pattern takes the white space before a marker, so `before` is
        # empty (a second marker after the first) or ends in the claim's last character.
        before = text[position : match.start()]
        if before:
            add_claim(before, position)
        elif not claims:
            problem(line, f"marker {marker} has no text before it", column(match.start(2) - 1))
            add_claim("", position)
        if len(spacing) > MAX_SPACING:
            where = f"before marker {marker}"
            problem(line, _spacing_message(spacing, where), column(match.start()))
        if len(digits) > MAX_MARKER_DIGITS:
            problem(line, _digits_message("marker", digits), column(match.start(2) - 1))
            digits = ""  # reported: _attach_footnotes passes it by
        claims[-1].footnotes.append(
            FootnoteDocument(text=digits, marker_spacing=spacing, line=line)
        )
        position = match.end()
    if text[position:].strip():
        add_claim(text[position:], position)
    section.claims.extend(claims)


def _shown_number(digits: str) -> str:
    """A footnote number as a message shows it: cut short when it is too long to be one."""
    return digits if len(digits) <= MAX_MARKER_DIGITS else f"{digits[:MAX_MARKER_DIGITS]}…"


def _digits_message(what: str, digits: str) -> str:
    return (
        f"the {what} [{_shown_number(digits)}] has {len(digits):,} digits; a footnote number "
        f"has at most {MAX_MARKER_DIGITS}"
    )


def _spacing_message(spacing: str, where: str) -> str:
    return (
        f"{len(spacing)} white-space characters {where}; the most is {MAX_SPACING} "
        "(the Monitor keeps this white space as written, up to that limit)"
    )


def _parse_footnotes(blocks: list[_Block], problem) -> tuple[dict[int, FootnoteDocument], bool]:
    """Read the footnote list; return footnotes by number, and whether they are compact."""
    starts = [
        (block, match)
        for block in blocks
        if (match := FOOTNOTE_START.match(block.text)) and len(match.group(1)) <= MAX_MARKER_DIGITS
    ]
    numbers = list(dict.fromkeys(int(match.group(1)) for _block, match in starts))
    kept = dict(zip(numbers, in_order(numbers), strict=True))
    footnotes: dict[int, FootnoteDocument] = {}
    first_line: dict[int, int] = {}
    first_problem: dict[int, FormatProblem] = {}  # of an out-of-place footnote, by number
    lines: dict[int, list[str]] = {}  # each footnote's lines, joined once all are read
    expected, setter = 1, None  # setter: the footnote that made `expected` what it is
    current: list[str] | None = None
    compact = len(blocks) > 1
    previous_line = None
    for block in blocks:
        match = FOOTNOTE_START.match(block.text)
        if match is None:
            # A line inside the footnote list that does not start with [n] continues
            # the footnote before it.
            if current is not None:
                current.append(block.text)
            previous_line = block.line
            continue
        if previous_line is not None and block.line != previous_line + 1:
            compact = False
        previous_line = block.line
        if len(match.group(1)) > MAX_MARKER_DIGITS:
            problem(block.line, _digits_message("footnote", match.group(1)), block.column(0))
            current = None
            continue
        number = int(match.group(1))
        text = match.group(2).strip()
        if number in footnotes:
            problem(
                block.line,
                f"footnote [{number}] appears twice (first on line {first_line[number]})",
            )
            current = None
            continue
        found = []
        if number != expected:
            # In its place, it is out of order only because of the footnote before it.
            cause = first_problem.get(setter) if kept[number] else None
            found.append(
                problem(
                    block.line,
                    f"footnote [{number}] is out of order: footnote [{expected}] should come next",
                    **_knock_on(cause, "footnote", "out of order"),
                )
            )
        if not text:
            found.append(problem(block.line, f"footnote [{number}] has no text"))
        if found and not kept[number]:
            first_problem[number] = found[0]
        footnotes[number] = FootnoteDocument(text=text, line=block.line)
        current = lines[number] = [text]
        first_line[number] = block.line
        if number >= expected:
            expected, setter = number + 1, number
    for number, footnote in footnotes.items():
        footnote.text = "\n".join(lines[number])
        if too_long := text_length_problem(footnote.text, f"footnote [{number}]"):
            problem(footnote.line, too_long)
    return footnotes, compact


def in_order(numbers: list[int]) -> list[bool]:
    """Tell which numbers keep their place: those of a longest run that only grows (where
    there is a choice, the one that keeps the earliest numbers). The others are out of place.

    In 1, 2, 9, 3, 4 only the 9 is out of place: the 3 and the 4 come after a higher number,
    but only because of the 9, so they are its knock-ons rather than problems of their own.
    """
    # The longest growing run that starts at each number, found from the end: a run that
    # grows read backwards from it is one that shrinks, so negate the numbers.
    longest_from = [0] * len(numbers)
    tails: list[int] = []
    for index in reversed(range(len(numbers))):
        value = -numbers[index]
        place = bisect.bisect_left(tails, value)
        tails[place : place + 1] = [value]
        longest_from[index] = place + 1
    kept = [False] * len(numbers)
    wanted, last = len(tails), None
    for index, number in enumerate(numbers):
        if wanted and (last is None or number > last) and longest_from[index] >= wanted:
            kept[index], last, wanted = True, number, wanted - 1
    return kept


def _knock_on(cause: FormatProblem | None, noun: str, what: str) -> dict:
    """The fields that make a problem a knock-on of `cause`, or none when it has no cause."""
    return {"cause": cause, "knock_on": (noun, what)} if cause is not None else {}


def _attach_footnotes(
    document: ProfileDocument, footnotes: dict[int, FootnoteDocument], problem
) -> None:
    """Replace each marker's number with its footnote's text, checking the numbering.

    A marker out of place (a stray [9] between [2] and [3]) is the real problem; the markers
    after it that are out of order, or used twice, only because of it are its knock-ons.
    """
    markers = [marker for claim in document.claims() for marker in claim.footnotes]
    # A number too long to be one is reported already, and passed by.
    markers = [marker for marker in markers if marker.text]
    numbers = [int(marker.text) for marker in markers]
    kept = in_order(numbers)
    followed_by = _first_smaller_kept(numbers, kept)
    cited: dict[int, tuple[int, int]] = {}  # number: the line and index of its first marker
    first_problem: dict[int, FormatProblem] = {}  # of an out-of-place marker, by index
    previous, setter = 0, None  # setter: the index of the marker that set `previous`

    def knock_on(index: int, culprit: int | None, what: str) -> dict:
        """Make the problem of a marker in its place a knock-on of the marker `culprit`."""
        if not kept[index] or culprit is None:
            return {}
        return _knock_on(first_problem.get(culprit), "marker", what)

    for index, (marker, number) in enumerate(zip(markers, numbers, strict=True)):
        found = []
        if number in cited:
            line, first = cited[number]
            found.append(
                problem(
                    marker.line,
                    f"marker [{number}] is used twice (first on line {line}); "
                    "cite the footnote again as a new footnote (e.g. “Ibid.”)",
                    **knock_on(index, first, "used twice"),
                )
            )
        elif number < previous:
            found.append(
                problem(
                    marker.line,
                    f"marker [{number}] is out of order: it comes after [{previous}]",
                    **knock_on(index, setter, "out of order"),
                )
            )
        cited.setdefault(number, (marker.line, index))
        if number > previous:
            previous, setter = number, index
        footnote = footnotes.get(number)
        if footnote is None:
            found.append(problem(marker.line, f"marker [{number}] has no footnote [{number}]"))
        if not kept[index] and not found:
            # Ahead of its place, and nothing else wrong with it: say so here, where the
            # problem is, rather than only at the markers it puts out of order.
            before = f": it comes before [{followed_by[index]}]" if index in followed_by else ""
            found.append(problem(marker.line, f"marker [{number}] is out of order{before}"))
        if found and not kept[index]:
            first_problem[index] = found[0]
        if footnote is not None:
            marker.text = footnote.text
            marker.line = footnote.line
    for number, footnote in footnotes.items():
        if number not in cited:
            problem(footnote.line, f"footnote [{number}] is never cited in the text")


def _first_smaller_kept(numbers: list[int], kept: list[bool]) -> dict[int, int]:
    """For each number out of place, the first number in its place after it that is smaller
    (by index): the number it should have come after."""
    found: dict[int, int] = {}
    waiting: list[tuple[int, int]] = []  # out of place, awaiting a smaller one: the highest first
    for index, number in enumerate(numbers):
        if not kept[index]:
            heapq.heappush(waiting, (-number, index))
            continue
        while waiting and -waiting[0][0] > number:
            found[heapq.heappop(waiting)[1]] = number
    return found


# Writing ---------------------------------------------------------------------------------


def render_profile(document: ProfileDocument) -> str:
    """Render a profile document in the plain-text format."""
    blocks = [
        document.country,
        document.topic,
        f"{LAST_UPDATED_PREFIX} {format_date(document.last_updated)}",
    ]
    if document.status_box_heading:
        blocks.append(document.status_box_heading)
    for label, value in document.status_box:
        blocks.extend([label, value])

    number = 0
    footnotes: list[str] = []
    for section in document.sections:
        if section.kind == "body" and section.heading:
            blocks.append(section.heading)
        # “Summary:” stands alone when the summary's claims start after its paragraph 1.
        summary_alone = section.kind == "summary" and (
            not section.claims or section.claims[0].paragraph > 1
        )
        if summary_alone:
            blocks.append(SUMMARY_PREFIX)
        for index, claims in enumerate(_paragraphs(section.claims)):
            parts = []
            for position, claim in enumerate(claims):
                parts.append((claim.separator if position else "") + claim.text)
                for footnote in claim.footnotes:
                    number += 1
                    parts.append(f"{footnote.marker_spacing}[{number}]")
                    footnotes.append(f"[{number}] {footnote.text}")
            paragraph = "".join(parts)
            if section.kind == "summary" and index == 0 and not summary_alone:
                paragraph = f"{SUMMARY_PREFIX} {paragraph}"
            blocks.append(paragraph)

    text = "\n\n".join(blocks)
    if footnotes:
        text += "\n\n" + ("\n" if document.compact_footnotes else "\n\n").join(footnotes)
    return text + "\n"


def _paragraphs(claims: list[ClaimDocument]):
    current: list[ClaimDocument] = []
    for claim in claims:
        if current and claim.paragraph != current[-1].paragraph:
            yield current
            current = []
        current.append(claim)
    if current:
        yield current


def document_from_profile(profile) -> ProfileDocument:
    """Build the document of a profile's working copy (fetched with Profile.objects.with_tree())."""
    return ProfileDocument(
        country=profile.country.name,
        topic=profile.topic.name,
        last_updated=profile.last_updated,
        status_box_heading=profile.status_box_heading,
        status_box=[(label, value) for label, value in profile.status_box],
        compact_footnotes=profile.compact_footnotes,
        sections=[
            SectionDocument(
                kind=section.kind,
                heading=section.heading,
                level=section.level,
                claims=[
                    ClaimDocument(
                        text=claim.text,
                        paragraph=claim.paragraph,
                        separator=claim.separator,
                        footnotes=[
                            FootnoteDocument(
                                text=citation.text, marker_spacing=citation.marker_spacing
                            )
                            for citation in claim.citations.all()
                        ],
                    )
                    for claim in section.claims.all()
                ],
            )
            for section in profile.sections.all()
        ],
    )
