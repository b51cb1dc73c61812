"""The plain-text profile format: parse a profile file, and render a profile back to text.

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
a parsed document gives back the input text, apart from line endings, trailing white space,
the number of blank lines between blocks and the space after a footnote's leading `[n]`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

SUMMARY_PREFIX = "Summary:"
LAST_UPDATED_PREFIX = "Last updated:"

MARKER = re.compile(r"(\s*)\[(\d+)\]")
FOOTNOTE_START = re.compile(r"^\[(\d+)\]\s*(.*)$", re.DOTALL)
LAST_UPDATED = re.compile(r"^last updated\s*:\s*(.*)$", re.IGNORECASE)
SENTENCE_END = re.compile(r"""[.!?…]["'”’»)\]]*$""")
# Control characters other than tab (line breaks are gone once the text is split into lines):
# PostgreSQL cannot store NUL, and none of them has a place in a profile.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")

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
    """A profile file that cannot be read; carries every problem found, with line numbers."""

    def __init__(self, problems: list[FormatProblem]):
        self.problems = sorted(problems, key=lambda problem: (problem.filename, problem.line))
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class FormatProblem:
    filename: str
    line: int
    message: str

    def __str__(self):
        where = f"{self.filename}:{self.line}" if self.line else self.filename
        return f"{where}: {self.message}"


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


def read_profile_file(path: str | Path) -> ProfileDocument:
    """Read and parse one profile file, naming the file in every error."""
    path = Path(path)
    filename = str(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ProfileFormatError(
            [FormatProblem(str(path), 0, error.strerror or str(error))]
        ) from error
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
    problems: list[FormatProblem] = []

    def problem(line: int, message: str):
        problems.append(FormatProblem(filename, line, message))

    blocks = [
        _Block(number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if not blocks:
        raise ProfileFormatError([FormatProblem(filename, 0, "the file is empty")])
    for block in blocks:
        if match := CONTROL_CHARACTER.search(block.text):
            problem(
                block.line,
                f"the line holds a control character (U+{ord(match.group()):04X}), which a "
                "profile cannot contain; remove it",
            )

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
    )
    _parse_body(document, body_blocks[:footnote_start], problem)
    _attach_footnotes(document, footnotes, problem)
    _check_lengths(document, blocks[0], blocks[1] if header_end >= 2 else None, problem)

    if problems:
        raise ProfileFormatError(problems)
    return document


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
        _add_paragraph(summary, first.text[len(SUMMARY_PREFIX) :].strip(), first.line, problem)
        index = 1
        while index < len(blocks) and not is_heading(blocks[index].text):
            _add_paragraph(summary, blocks[index].text, blocks[index].line, problem)
            index += 1
    else:
        index = _parse_status_box(document, blocks)
        if len(document.status_box_heading) > MAX_STATUS_BOX_HEADING_LENGTH:
            problem(
                blocks[0].line,
                f"the status box's heading is {len(document.status_box_heading)} characters "
                f"long; the most is {MAX_STATUS_BOX_HEADING_LENGTH}",
            )

    section: SectionDocument | None = None
    for block in blocks[index:]:
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
        _add_paragraph(section, block.text, block.line, problem)


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


def _add_paragraph(section: SectionDocument, text: str, line: int, problem) -> None:
    """Split a paragraph into claims: each claim ends where its footnote markers stand."""
    paragraph = 1 + max((claim.paragraph for claim in section.claims), default=0)
    claims: list[ClaimDocument] = []

    def add_claim(raw: str) -> None:
        stripped = raw.lstrip()
        separator = raw[: len(raw) - len(stripped)] if claims else ""
        claims.append(ClaimDocument(stripped, paragraph, separator, line=line))

    position = 0
    for match in MARKER.finditer(text):
        # The marker pattern takes the white space before a marker, so `before` is
        # empty (a second marker after the first) or ends in the claim's last character.
        before = text[position : match.start()]
        if before:
            add_claim(before)
        elif not claims:
            problem(line, f"marker [{match.group(2)}] has no text before it")
            add_claim("")
        claims[-1].footnotes.append(
            FootnoteDocument(text=match.group(2), marker_spacing=match.group(1), line=line)
        )
        position = match.end()
    if text[position:].strip():
        add_claim(text[position:])
    section.claims.extend(claims)


def _parse_footnotes(blocks: list[_Block], problem) -> tuple[dict[int, FootnoteDocument], bool]:
    """Read the footnote list; return footnotes by number, and whether they are compact."""
    footnotes: dict[int, FootnoteDocument] = {}
    first_line: dict[int, int] = {}
    expected = 1
    current: FootnoteDocument | None = None
    compact = len(blocks) > 1
    previous_line = None
    for block in blocks:
        match = FOOTNOTE_START.match(block.text)
        if match is None:
            # A line inside the footnote list that does not start with [n] continues
            # the footnote before it.
            if current is not None:
                current.text += "\n" + block.text
            previous_line = block.line
            continue
        if previous_line is not None and block.line != previous_line + 1:
            compact = False
        previous_line = block.line
        number = int(match.group(1))
        text = match.group(2).strip()
        if number in footnotes:
            problem(
                block.line,
                f"footnote [{number}] appears twice (first on line {first_line[number]})",
            )
            current = None
            continue
        if number != expected:
            problem(
                block.line,
                f"footnote [{number}] is out of order: footnote [{expected}] should come next",
            )
        if not text:
            problem(block.line, f"footnote [{number}] has no text")
        current = FootnoteDocument(text=text, line=block.line)
        footnotes[number] = current
        first_line[number] = block.line
        expected = max(expected, number) + 1
    return footnotes, compact


def _attach_footnotes(
    document: ProfileDocument, footnotes: dict[int, FootnoteDocument], problem
) -> None:
    """Replace each marker's number with its footnote's text, checking the numbering."""
    cited: dict[int, int] = {}
    previous = 0
    for claim in document.claims():
        for marker in claim.footnotes:
            number = int(marker.text)
            if number in cited:
                problem(
                    marker.line,
                    f"marker [{number}] is used twice (first on line {cited[number]}); "
                    "cite the footnote again as a new footnote (e.g. “Ibid.”)",
                )
            elif number < previous:
                problem(
                    marker.line, f"marker [{number}] is out of order: it comes after [{previous}]"
                )
            cited.setdefault(number, marker.line)
            previous = max(previous, number)
            footnote = footnotes.get(number)
            if footnote is None:
                problem(marker.line, f"marker [{number}] has no footnote [{number}]")
            else:
                marker.text = footnote.text
                marker.line = footnote.line
    for number, footnote in footnotes.items():
        if number not in cited:
            problem(footnote.line, f"footnote [{number}] is never cited in the text")


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
        for index, claims in enumerate(_paragraphs(section.claims)):
            parts = []
            for position, claim in enumerate(claims):
                parts.append((claim.separator if position else "") + claim.text)
                for footnote in claim.footnotes:
                    number += 1
                    parts.append(f"{footnote.marker_spacing}[{number}]")
                    footnotes.append(f"[{number}] {footnote.text}")
            paragraph = "".join(parts)
            if section.kind == "summary" and index == 0:
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
