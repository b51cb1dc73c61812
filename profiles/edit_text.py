"""Edit a profile as text: open its working copy in the plain-text format, show what a
submitted text would change, and apply it only on confirmation, as one change set.

The text is opened with a version: the checksum of the export it started from. The working
copy's export changes whenever anything in it changes, so a submit whose version is no longer
the export's is refused, and the page shows what the others changed (the opened text travels
with the form, so the comparison needs no history).

The preview runs the importer for real inside a transaction that is rolled back, and
compares the tree before and after: what it shows is what applying will do, down to the
citations whose review goes back to "unreviewed" (Claim.save and Citation.save decide that,
not this module). Applying runs the same importer, which keeps the identity, history and
review of every row the text leaves unchanged.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field

from django.db import transaction

from citations.models import Citation, ReviewState
from history.changesets import change_set
from profiles.compare import (
    ADDED,
    CHANGED,
    DELETE,
    EQUAL,
    INSERT,
    REMOVED,
    FieldChange,
    Segment,
    diff_words,
)
from profiles.importing import ImportReport, profile_export, profile_import, topic_names_agree
from profiles.models import ChangeSet, Claim, Country, Profile, Section
from profiles.textformat import (
    MAX_PROBLEMS_SHOWN,
    FormatProblem,
    ProfileDocument,
    ProfileFormatError,
    format_date,
    knock_on_summary,
    parse_profile,
    split_lines,
)

ACTION = ChangeSet.Action.EDIT_AS_TEXT
REASON = "Edited as text"


def text_version(text: str) -> str:
    """Return the version token of an exported text: its checksum."""
    return hashlib.sha256(normalise_newlines(text).encode()).hexdigest()


def normalise_newlines(text: str) -> str:
    """Browsers send a form's text with CRLF line endings; the format reads LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Reading the text ----------------------------------------------------------------------------


def profile_text_read(*, profile: Profile, text: str) -> ProfileDocument:
    """Parse a profile's text, or raise ProfileFormatError with every problem and its line.

    The country and topic lines must still name `profile`: the importer finds the profile
    to update by them, and another name would update (or create) another profile.
    """
    problems: list[FormatProblem] = []
    try:
        document = parse_profile(text, filename="")
    except ProfileFormatError as error:
        if any(problem.line == 0 for problem in error.problems):
            raise  # too big or empty: nothing to read the header from
        problems.extend(error.problems)
        document = None
    header = [(number, line.strip()) for number, line in enumerate(split_lines(text), 1)]
    header = [(number, line) for number, line in header if line][:2]
    if header:
        number, name = header[0]
        if Country.objects.match(name) != profile.country:
            problems.append(
                FormatProblem(
                    "", number, f"the first line must name the country, “{profile.country.name}”"
                )
            )
    if len(header) > 1:
        number, name = header[1]
        if not topic_names_agree(name, profile.topic):
            problems.append(
                FormatProblem(
                    "", number, f"the second line must name the topic, “{profile.topic.name}”"
                )
            )
    if problems:
        raise ProfileFormatError(problems)
    document.filename = f"{profile} (edited as text)"
    return document


def problem_text(problem: FormatProblem) -> str:
    """Describe a problem in the text for the page: "line 12, column 40: …"."""
    if not problem.line:
        return problem.message
    column = f", column {problem.column}" if problem.column else ""
    return f"line {problem.line}{column}: {problem.message}"


# Refusing a stale text ----------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    kind: str  # ADDED, REMOVED or CHANGED
    line: int  # in the newer text; in the older one for a removed line
    segments: list[Segment]


class EditConflict(Exception):
    """The profile changed since its text was opened; `changes` are the others' changes."""

    def __init__(self, *, current: str, changes: list[LineChange]):
        self.current = current
        self.changes = changes
        super().__init__("The profile changed since its text was opened.")


def profile_text_check(*, profile: Profile, base: str, version: str) -> str:
    """Return the profile's current text; raise EditConflict if it is no longer `version`.

    `base` is the text as opened: when it is the version's text, the conflict shows what
    changed since, line by line and word by word.
    """
    current = profile_export(profile=profile)
    if text_version(current) != version:
        base = normalise_newlines(base)
        changes = text_changes(base, current) if text_version(base) == version else []
        raise EditConflict(current=current, changes=changes)
    return current


def text_changes(old: str, new: str) -> list[LineChange]:
    """Compare two texts line by line (blank lines aside), and changed lines word by word."""
    old_lines = [(n, line) for n, line in enumerate(split_lines(old), 1) if line.strip()]
    new_lines = [(n, line) for n, line in enumerate(split_lines(new), 1) if line.strip()]
    matcher = difflib.SequenceMatcher(
        None, [line for _n, line in old_lines], [line for _n, line in new_lines], autojunk=False
    )
    changes = []
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        olds, news = old_lines[old_start:old_end], new_lines[new_start:new_end]
        paired = min(len(olds), len(news)) if tag == "replace" else 0
        for (_old_number, old_line), (new_number, new_line) in zip(
            olds[:paired], news[:paired], strict=True
        ):
            changes.append(LineChange(CHANGED, new_number, diff_words(old_line, new_line)))
        for number, line in olds[paired:]:
            changes.append(LineChange(REMOVED, number, [Segment(DELETE, line)]))
        for number, line in news[paired:]:
            changes.append(LineChange(ADDED, number, [Segment(INSERT, line)]))
    return changes


# The plan: what applying would change ------------------------------------------------------


@dataclass(frozen=True)
class ItemChange:
    """A claim or citation that the text adds, removes or changes."""

    kind: str  # ADDED, REMOVED or CHANGED
    segments: list[Segment]
    where: str  # the section of a claim; "[n]", the footnote number, of a citation
    review: str = ""  # a citation's review state before, when it was reviewed
    reason: str = ""  # why a citation's review resets


@dataclass
class Plan:
    report: ImportReport
    fields: list[FieldChange] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)  # (kind, title)
    claims_kept: int = 0
    claims: list[ItemChange] = field(default_factory=list)
    citations: list[ItemChange] = field(default_factory=list)
    review_resets: list[ItemChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return self.report.changed


@dataclass
class _Tree:
    """A profile's working copy as plain values, by primary key, in reading order."""

    profile: dict
    sections: dict[int, dict]
    claims: dict[int, dict]
    citations: dict[int, dict]

    @classmethod
    def read(cls, profile: Profile) -> _Tree:
        sections = Section.objects.filter(profile=profile).order_by("position")
        claims = Claim.objects.filter(section__profile=profile).order_by(
            "section__position", "position"
        )
        citations = Citation.objects.filter(claim__section__profile=profile).order_by(
            "claim__section__position", "claim__position", "position"
        )
        tree = cls(
            profile=Profile.objects.filter(pk=profile.pk)
            .values("last_updated", "status_box_heading", "status_box", "compact_footnotes")
            .get(),
            sections={row["pk"]: row for row in sections.values("pk", "kind", "heading")},
            claims={row["pk"]: row for row in claims.values("pk", "section_id", "text")},
            citations={
                row["pk"]: row
                for row in citations.values(
                    "pk", "claim_id", "text", "review_state", "reviewed_by__username"
                )
            },
        )
        for number, row in enumerate(tree.citations.values(), 1):
            row["number"] = number
        return tree

    def section_title(self, claim: dict) -> str:
        return _title(self.sections[claim["section_id"]])


def profile_text_plan(*, profile: Profile, document: ProfileDocument, user=None) -> Plan:
    """Return what applying `document` to the profile would change, writing nothing.

    The importer runs in a transaction that is rolled back, so the plan is exactly what
    applying does, review resets included.
    """
    with change_set(action=ACTION, user=user, reason=REASON) as scope:
        # The rolled-back records created the change set of this scope, if it had none:
        # forget that row, so that a later write in the same scope makes a real one.
        change_set_before = scope.change_set
        with transaction.atomic():
            before = _Tree.read(profile)
            report = profile_import(document=document, user=user, reason=REASON)
            after = _Tree.read(profile)
            transaction.set_rollback(True)
        scope.change_set = change_set_before
    report.profile = profile
    return _plan(report, before, after)


def _plan(report: ImportReport, before: _Tree, after: _Tree) -> Plan:
    plan = Plan(report=report, fields=_field_changes(before.profile, after.profile))

    for pk, section in after.sections.items():
        old = before.sections.get(pk)
        if old is None:
            plan.sections.append((ADDED, _title(section)))
        elif old["heading"] != section["heading"]:
            plan.sections.append((CHANGED, f"{_title(old)} → {_title(section)}"))
    plan.sections += [
        (REMOVED, _title(section))
        for pk, section in before.sections.items()
        if pk not in after.sections
    ]

    for pk, claim in after.claims.items():
        old = before.claims.get(pk)
        where = after.section_title(claim)
        if old is None:
            plan.claims.append(ItemChange(ADDED, [Segment(INSERT, claim["text"])], where))
        elif old["text"] != claim["text"]:
            plan.claims.append(ItemChange(CHANGED, diff_words(old["text"], claim["text"]), where))
        else:
            plan.claims_kept += 1
    plan.claims += [
        ItemChange(REMOVED, [Segment(DELETE, claim["text"])], before.section_title(claim))
        for pk, claim in before.claims.items()
        if pk not in after.claims
    ]

    for pk, citation in after.citations.items():
        old = before.citations.get(pk)
        where = f"[{citation['number']}]"
        if old is None:
            plan.citations.append(ItemChange(ADDED, [Segment(INSERT, citation["text"])], where))
            continue
        review = _review(old)
        if old["text"] != citation["text"]:
            segments = diff_words(old["text"], citation["text"])
            plan.citations.append(ItemChange(CHANGED, segments, where, review))
        if review and citation["review_state"] == ReviewState.UNREVIEWED:
            reason = (
                "its text changes"
                if old["text"] != citation["text"]
                else "its claim's text changes"
            )
            segments = [Segment(EQUAL, citation["text"])]
            plan.review_resets.append(ItemChange(CHANGED, segments, where, review, reason))
    plan.citations += [
        ItemChange(
            REMOVED,
            [Segment(DELETE, citation["text"])],
            f"[{citation['number']}]",
            _review(citation),
        )
        for pk, citation in before.citations.items()
        if pk not in after.citations
    ]
    return plan


def _title(section: dict) -> str:
    if section["heading"]:
        return section["heading"]
    return "Summary" if section["kind"] == Section.Kind.SUMMARY else "(No heading)"


def _review(citation: dict) -> str:
    """Describe a citation's review, if it has one: "verified by checker"."""
    if citation["review_state"] == ReviewState.UNREVIEWED:
        return ""
    label = ReviewState(citation["review_state"]).label.lower()
    reviewer = citation["reviewed_by__username"]
    return f"{label} by {reviewer}" if reviewer else label


def _field_changes(old: dict, new: dict) -> list[FieldChange]:
    def status_box(profile):
        rows = [profile["status_box_heading"], *(f"{k}: {v}" for k, v in profile["status_box"])]
        return " · ".join(row for row in rows if row)

    def footnote_layout(profile):
        return "one a line" if profile["compact_footnotes"] else "a blank line between"

    return [
        FieldChange(label, shown(old), shown(new))
        for label, shown in [
            ("Last updated", lambda profile: format_date(profile["last_updated"])),
            ("Status box", status_box),
            ("Footnote list", footnote_layout),
        ]
        if shown(old) != shown(new)
    ]


# Applying ------------------------------------------------------------------------------------


def profile_text_apply(
    *, profile: Profile, document: ProfileDocument, base: str, version: str, user=None
) -> ImportReport:
    """Apply a profile's edited text as one change set, or raise EditConflict (writing
    nothing) if the profile changed since the text was opened at `version`."""
    with (
        transaction.atomic(),
        change_set(action=ACTION, user=user, reason=REASON),
    ):
        # Hold the profile while comparing and writing, so two submits cannot both pass.
        Profile.objects.select_for_update().filter(pk=profile.pk).first()
        profile_text_check(profile=profile, base=base, version=version)
        report = profile_import(document=document, user=user, reason=REASON)
    report.profile = profile
    return report


def applied_message(report: ImportReport) -> str:
    if not report.changed:
        return f"Nothing to apply: the text matches the working copy of {report.profile}."
    changes = ", ".join(f"{count} {what}" for what, count in sorted(report.counts.items()) if count)
    return f"Applied: {changes}."


# Showing the problems -------------------------------------------------------------------------

# Beyond this many characters, the numbered view of a refused text shows only the lines near
# its problems: the whole of a profile near the size limit would double a 2 MB page.
NUMBERED_TEXT_WHOLE = 300_000
NUMBERED_TEXT_CONTEXT = 2  # lines either side of a problem, when only those are shown
# The gutter beside the text box numbers at most this many lines (a profile at its limits
# has about 22,000).
GUTTER_LINES = 50_000


@dataclass(frozen=True)
class TextProblem:
    """A problem in the text as the page shows it: its line (to link to), what is wrong, and
    the problems that follow only from it, folded under it."""

    line: int
    column: int
    message: str
    knock_ons: list[TextProblem] = field(default_factory=list)
    knock_on_summary: str = ""

    @property
    def where(self) -> str:
        """Name the place: "Line 12, column 40", or "" for the text as a whole."""
        if not self.line:
            return ""
        return f"Line {self.line}" + (f", column {self.column}" if self.column else "")


@dataclass(frozen=True)
class NumberedLine:
    number: int
    text: str
    has_problem: bool = False


def text_problems(error: ProfileFormatError) -> tuple[list[TextProblem], int]:
    """Return the real problems of a refused text, each with its knock-ons, and how many more
    real problems there are than shown (MAX_PROBLEMS_SHOWN)."""
    groups = error.groups
    shown = [
        TextProblem(
            problem.line,
            problem.column,
            problem.message,
            [TextProblem(other.line, other.column, other.message) for other in knock_ons],
            knock_on_summary(knock_ons) if knock_ons else "",
        )
        for problem, knock_ons in groups[:MAX_PROBLEMS_SHOWN]
    ]
    return shown, max(0, len(groups) - MAX_PROBLEMS_SHOWN)


def numbered_lines(text: str, problems: list[TextProblem]) -> list[NumberedLine | None]:
    """Number the lines of a refused text for the page, marking the lines with a problem.

    A long text is cut to the lines near its problems; None stands for the lines left out.
    """
    lines = split_lines(text)
    marked = {
        problem.line
        for shown in problems
        for problem in (shown, *shown.knock_ons)
        if 0 < problem.line <= len(lines)
    }
    if len(text) <= NUMBERED_TEXT_WHOLE:
        wanted = range(1, len(lines) + 1)
    else:
        near = {
            number
            for line in marked
            for number in range(line - NUMBERED_TEXT_CONTEXT, line + NUMBERED_TEXT_CONTEXT + 1)
        }
        wanted = sorted(number for number in near if 1 <= number <= len(lines))
    numbered: list[NumberedLine | None] = []
    previous = 0
    for number in wanted:
        if number > previous + 1:
            numbered.append(None)
        numbered.append(NumberedLine(number, lines[number - 1], number in marked))
        previous = number
    if previous < len(lines):
        numbered.append(None)
    return numbered


def gutter_numbers(text: str) -> str:
    """Return the line numbers of the gutter beside a text box holding `text`, one a line;
    "" beyond GUTTER_LINES lines."""
    count = len(split_lines(text))
    return "" if count > GUTTER_LINES else "\n".join(map(str, range(1, count + 1)))
