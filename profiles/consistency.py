"""The consistency checker: where a profile's text disagrees with its country's treaty status,
or has grown older than its "Last updated" date allows.

A profile states its treaty facts twice: in the structured treaty status (TreatyStatus, the
working copy) and in its prose ("signed the Convention on Cluster Munitions on 3 December
2008, ratified on 30 June 2010"). The checker reads the prose of the working copy and reports
every contradiction, never a mere silence: a status date the text does not mention is no
finding, nor is a date the text states where the status has none.

Every rule is one row of RULES: its name, the pattern it looks for, where it looks and what
it compares. Adding a rule is adding a row (and, for a new kind of comparison, a function).

- A pattern's `treaty` group holds the treaty a sentence names ("the Mine Ban Treaty", "it").
  When it names another treaty than the one the profile reports on, the match is about that
  treaty and is skipped: "Mali is party to the Mine Ban Treaty" says nothing of its status
  under the Convention on Cluster Munitions.
- A profile with no treaty status to compare (its topic names no treaty, or its country has
  no status under it) is checked by the rules on dates only.
- Each finding names the claim, its section and position, and its line in the plain-text
  export (export_profile), so an editor can open the export at that line.

Profiles are checked in batches with a fixed number of queries each (see profile_checks).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.urls import reverse

from citations.models import CitationSource
from profiles.models import Profile, SectionKind, Treaty, TreatyStatus
from profiles.textformat import (
    LAST_UPDATED_PREFIX,
    document_from_profile,
    format_date,
    parse_date,
    render_profile,
)

# How many profiles each batch fetches: small enough for the database's limit on query
# parameters (the claims of the largest profiles), large enough that few batches run.
BATCH_SIZE = 100

# Where a rule looks: every claim, the claim that opens the summary (“State Party Mali …”), or
# the sources that a claim's footnotes cite.
CLAIMS, SUMMARY_OPENING, SOURCES = "claims", "summary opening", "sources"

DATE = r"(?P<date>\d{1,2} [A-Z][a-z]+ \d{4})"
# The treaty a date statement names between its verb and "on": “the convention”, “it”, “the
# Convention on Cluster Munitions”.
TREATY = r"(?P<treaty>the [\w ]+?|it)"
# The treaty a status statement names: after “to”, the rest of its clause (“party to both the
# MBT and the CCW”); otherwise “the …” or “it” (“has not ratified it”).
TREATY_CLAUSE = r"(?:(?: to)? (?P<treaty>(?<= to )[^.,;:()]+|(?:the|it)\b[^.,;:()]*))?"
# “signed”, also where the report lost the space before it (“Malisigned”, as published), but
# not “resigned”, “designed”, “assigned”, “unsigned” or “consigned”.
SIGNED_WORD = r"(?<!re)(?<!de)(?<!as)(?<!un)(?<!con)signed"
PARTY = r"(?:a )?(?:State )?[Pp]arty"
# Not in a relative clause, which is about other states: “urges states that have not joined
# the convention to do so”, “every state which is party to it”.
NOT_RELATIVE = r"(?<!that )(?<!which )(?<!who )"

SIGNED = re.compile(rf"{SIGNED_WORD} (?:{TREATY} )?on {DATE}")
JOINED = re.compile(
    rf"\b(?P<verb>ratified|acceded|succeeded|joined)(?: to)?(?: {TREATY})? on {DATE}"
)
IN_FORCE = re.compile(
    rf"(?:\b{TREATY} )?entered into force for (?:the country|[A-Z][\w ]+?) on {DATE}"
)
STATE_PARTY_FIRST = re.compile(r"^State Party\b")
SIGNATORY_FIRST = re.compile(r"^Signatory\b")
NON_SIGNATORY_FIRST = re.compile(r"^Non-signatory\b")
IS_PARTY = re.compile(
    rf"{NOT_RELATIVE}\b(?:is|became|has become) (?:also )?{PARTY}\b{TREATY_CLAUSE}"
)
NOT_JOINED = re.compile(
    rf"{NOT_RELATIVE}\b(?:has not (?:yet )?(?:joined|ratified|acceded|become {PARTY})"
    rf"|is not (?:yet )?{PARTY}|has yet to (?:join|ratify|accede|become {PARTY}))"
    rf"\b{TREATY_CLAUSE}"
)
NOT_SIGNED = re.compile(
    rf"{NOT_RELATIVE}\b(?:has not (?:yet )?signed|is not (?:yet )?a signatory|has yet to sign)"
    rf"\b{TREATY_CLAUSE}"
)
AS_OF = re.compile(r"\b[Aa]s of (?:the end of )?(?P<date>(?:\d{1,2} )?(?:[A-Z][a-z]+ )?\d{4})\b")

# “the convention”, “the treaty” or “it” mean the profile's own treaty, unless a name follows
# (“the Convention on the Rights of Persons with Disabilities”, “the Treaty of …”).
GENERIC_TREATY = re.compile(r"(?:the (?i:convention|treaty)|it)\b(?! (?:on|of|for|against|to)\b)")
# A treaty named earlier in the sentence (“signed the Mine Ban Treaty on …, ratified on …”).
TREATY_NAME = re.compile(r"\b(?:Convention|Treaty|Protocol)\b")
SENTENCE_END = re.compile(r"[.!?]\s+")


@dataclass(frozen=True)
class Finding:
    """One contradiction: which rule found it, what it says, and where the claim stands."""

    rule: str
    message: str
    claim_id: int
    section: str
    position: int  # of the claim within its section, from 1
    line: int | None  # in the plain-text export

    @property
    def admin_url(self) -> str:
        return reverse("admin:profiles_claim_change", args=[self.claim_id])

    @property
    def where(self) -> str:
        """Say where the claim stands: “Policy, claim 1”."""
        return f"{self.section}, claim {self.position}"

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "message": self.message,
            "claim_id": self.claim_id,
            "section": self.section,
            "position": self.position,
            "line": self.line,
            "admin_url": self.admin_url,
        }


@dataclass(frozen=True)
class ProfileCheck:
    """A profile and what the checker found in it, in the order of its text."""

    profile: Profile
    findings: tuple[Finding, ...] = ()

    @property
    def export_name(self) -> str:
        """The name export_profile's output goes by: “mali-cluster-munition-ban-policy.txt”."""
        return f"{self.profile.country.slug}-{self.profile.topic.slug}.txt"

    def as_dict(self) -> dict:
        return {
            "profile": str(self.profile),
            "country": self.profile.country.slug,
            "topic": self.profile.topic.slug,
            "findings": [finding.as_dict() for finding in self.findings],
        }


@dataclass(frozen=True)
class ProfileFacts:
    """What the rules compare a profile's text with."""

    last_updated: datetime.date
    status: TreatyStatus | None
    treaty: Treaty | None


@dataclass(frozen=True)
class Rule:
    """One row of the table: `check` reads what `pattern` found (for SOURCES, a source's date)
    and returns what is wrong, or None."""

    name: str
    pattern: re.Pattern | None
    where: str
    compares: str  # in words, for the guides and the --help of check_profiles
    check: Callable[[object, ProfileFacts], str | None] = field(repr=False)


# Comparisons ---------------------------------------------------------------------------------

DATE_LABELS = {
    "signed_on": "signed on",
    "joined_on": "ratified or acceded on",
    "in_force_on": "entry into force on",
}
JOINED_BY_VERBS = {
    "ratified": TreatyStatus.JoinedBy.RATIFICATION,
    "acceded": TreatyStatus.JoinedBy.ACCESSION,
    "succeeded": TreatyStatus.JoinedBy.SUCCESSION,
}


def _says(match: re.Match) -> str:
    return f"The text says “{match.group(0).strip()}”"


def same_date(name: str):
    """Compare the date a statement gives with the status's date `name`, when it has one."""

    def check(match: re.Match, facts: ProfileFacts) -> str | None:
        stated = parse_date(match.group("date"))
        recorded = getattr(facts.status, name, None)
        if stated is None or recorded is None or stated == recorded:
            return None
        return (
            f"{_says(match)}, but the treaty status has {DATE_LABELS[name]} "
            f"{format_date(recorded)}."
        )

    return check


def same_joining(match: re.Match, facts: ProfileFacts) -> str | None:
    """Compare the verb (ratified, acceded, succeeded) with how the status says it joined."""
    stated = JOINED_BY_VERBS.get(match.group("verb"))
    recorded = getattr(facts.status, "joined_by", "")
    if stated is None or not recorded or stated == recorded:
        return None
    joined_by = facts.status.get_joined_by_display().lower()
    return f"{_says(match)}, but the treaty status has joined by {joined_by}."


def status_in(*statuses: str):
    """Require the status to be one of `statuses`."""

    def check(match: re.Match, facts: ProfileFacts) -> str | None:
        if facts.status is None or facts.status.status in statuses:
            return None
        return f"{_says(match)}, but the treaty status is {facts.status.get_status_display()}."

    return check


def never_signed(match: re.Match, facts: ProfileFacts) -> str | None:
    """A country that has not signed is no signatory, has no signature date and did not join
    by ratification (which follows a signature); one that acceded need never have signed."""
    status = facts.status
    if status is None:
        return None
    if status.status == TreatyStatus.Status.SIGNATORY:
        return f"{_says(match)}, but the treaty status is {status.get_status_display()}."
    if status.signed_on is not None:
        return (
            f"{_says(match)}, but the treaty status has signed on {format_date(status.signed_on)}."
        )
    if status.joined_by == TreatyStatus.JoinedBy.RATIFICATION:
        return f"{_says(match)}, but the treaty status has joined by ratification."
    return None


def within_a_year(match: re.Match, facts: ProfileFacts) -> str | None:
    """An “As of” date more than a year before “Last updated” has not been brought up to date."""
    stated = _period_end(match.group("date"))
    if stated is None or stated >= _a_year_before(facts.last_updated):
        return None
    return (
        f"{_says(match)}, more than a year before "
        f"“Last updated: {format_date(facts.last_updated)}”."
    )


def not_after_last_updated(date: datetime.date, facts: ProfileFacts) -> str | None:
    """A footnote cannot cite a source dated after the profile was last brought up to date."""
    if date <= facts.last_updated:
        return None
    return (
        f"cites a source dated {format_date(date)}, after "
        f"“Last updated: {format_date(facts.last_updated)}”."
    )


PARTY_ONLY = (TreatyStatus.Status.STATE_PARTY,)
SIGNED_OR_PARTY = (TreatyStatus.Status.SIGNATORY, TreatyStatus.Status.STATE_PARTY)
NOT_A_PARTY = (TreatyStatus.Status.SIGNATORY, TreatyStatus.Status.NOT_PARTY)

RULES: tuple[Rule, ...] = (
    Rule(
        "signed-on",
        SIGNED,
        CLAIMS,
        "a date of signature with the status's “signed on”",
        same_date("signed_on"),
    ),
    Rule(
        "signed-status",
        SIGNED,
        CLAIMS,
        "“signed … on” with a status of signatory or state party",
        status_in(*SIGNED_OR_PARTY),
    ),
    Rule(
        "joined-on",
        JOINED,
        CLAIMS,
        "a date of ratification or accession with “ratified or acceded on”",
        same_date("joined_on"),
    ),
    Rule(
        "joined-by",
        JOINED,
        CLAIMS,
        "“ratified”, “acceded” or “succeeded” with the status's “joined by”",
        same_joining,
    ),
    Rule(
        "joined-status",
        JOINED,
        CLAIMS,
        "“ratified … on”, “acceded … on”, “joined … on” with a status of state party",
        status_in(*PARTY_ONLY),
    ),
    Rule(
        "in-force-on",
        IN_FORCE,
        CLAIMS,
        "a date of entry into force with the status's “entry into force”",
        same_date("in_force_on"),
    ),
    Rule(
        "state-party",
        STATE_PARTY_FIRST,
        SUMMARY_OPENING,
        "a summary opening “State Party” with a status of state party",
        status_in(*PARTY_ONLY),
    ),
    Rule(
        "signatory",
        SIGNATORY_FIRST,
        SUMMARY_OPENING,
        "a summary opening “Signatory” with a status of signatory",
        status_in(TreatyStatus.Status.SIGNATORY),
    ),
    Rule(
        "non-signatory",
        NON_SIGNATORY_FIRST,
        SUMMARY_OPENING,
        "a summary opening “Non-signatory” with a status of not party",
        status_in(TreatyStatus.Status.NOT_PARTY),
    ),
    Rule(
        "is-party",
        IS_PARTY,
        CLAIMS,
        "“is party”, “is a State Party” with a status of state party",
        status_in(*PARTY_ONLY),
    ),
    Rule(
        "not-joined",
        NOT_JOINED,
        CLAIMS,
        "“has not joined”, “has not ratified”, “is not party” with a status other than state party",
        status_in(*NOT_A_PARTY),
    ),
    Rule(
        "not-signed",
        NOT_SIGNED,
        CLAIMS,
        "“has not signed” with a status of signatory, a signature date or joining by ratification",
        never_signed,
    ),
    Rule(
        "as-of-stale",
        AS_OF,
        CLAIMS,
        "an “As of” date with “Last updated”: at most a year before it",
        within_a_year,
    ),
    Rule(
        "source-after-last-updated",
        None,
        SOURCES,
        "the dates of a footnote's sources with “Last updated”: none after it",
        not_after_last_updated,
    ),
)


# Checking ------------------------------------------------------------------------------------


def profile_checks(profiles) -> Iterator[ProfileCheck]:
    """Check the working copy of each profile in a queryset of profiles, in its order.

    Runs a fixed number of queries per BATCH_SIZE profiles, whatever their size: their ids,
    then per batch the tree (Profile.objects.with_tree()), the treaty statuses and the source
    dates."""
    ids = list(profiles.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        trees = Profile.objects.with_tree().in_bulk(batch)
        yield from check_trees([trees[pk] for pk in batch if pk in trees])


def profile_findings(profile_id: int, *, tree: Profile | None = None) -> tuple[Finding, ...]:
    """Return the findings of one profile; give its `tree` if it is already fetched with
    Profile.objects.with_tree()."""
    if tree is None:
        tree = Profile.objects.with_tree().filter(pk=profile_id).first()
        if tree is None:
            return ()
    return check_trees([tree])[0].findings


def check_trees(trees: list[Profile]) -> list[ProfileCheck]:
    """Check profiles fetched with Profile.objects.with_tree(), in two more queries."""
    if not trees:
        return []
    statuses = _reported_statuses(trees)
    source_dates = _source_dates(trees)
    return [
        ProfileCheck(
            tree,
            tuple(
                _check(
                    tree,
                    ProfileFacts(
                        last_updated=tree.last_updated,
                        status=statuses.get((tree.country_id, tree.topic.treaty_id)),
                        treaty=tree.topic.treaty,
                    ),
                    source_dates,
                )
            ),
        )
        for tree in trees
    ]


def _reported_statuses(trees: list[Profile]) -> dict[tuple[int, int], TreatyStatus]:
    """Fetch the status each profile reports (as TreatyStatus.objects.reported_in) at once."""
    wanted = {(tree.country_id, tree.topic.treaty_id) for tree in trees if tree.topic.treaty_id}
    if not wanted:
        return {}
    rows = TreatyStatus.objects.filter(
        country_id__in={country for country, _treaty in wanted},
        treaty_id__in={treaty for _country, treaty in wanted},
    )
    return {
        (row.country_id, row.treaty_id): row
        for row in rows
        if (row.country_id, row.treaty_id) in wanted
    }


def _source_dates(trees: list[Profile]) -> dict[int, list[datetime.date]]:
    """Fetch the dates of the sources each citation cites, by citation id."""
    rows = (
        CitationSource.objects.filter(
            citation__claim__section__profile__in=[tree.pk for tree in trees],
            source__date__isnull=False,
        )
        .order_by()
        .values_list("citation_id", "source__date")
    )
    dates = defaultdict(list)
    for citation_id, date in rows:
        dates[citation_id].append(date)
    return dates


def _check(tree: Profile, facts: ProfileFacts, source_dates) -> Iterator[Finding]:
    claim_lines, footnote_lines = export_lines(tree)
    number = 0  # footnote numbers follow from the order of claims and citations
    for section in tree.sections.all():
        for index, claim in enumerate(section.claims.all()):
            opening = section.kind == SectionKind.SUMMARY and index == 0
            where = {
                "claim_id": claim.pk,
                "section": section.heading or section.get_kind_display(),
                "position": claim.position,
            }
            for rule, message in _text_findings(claim.text, opening, facts):
                yield Finding(rule.name, message, line=claim_lines.get(claim.pk), **where)
            for citation in claim.citations.all():
                number += 1
                dates = source_dates.get(citation.pk)
                if not dates:
                    continue
                for rule in RULES:
                    if rule.where == SOURCES and (message := rule.check(max(dates), facts)):
                        message = f"Footnote [{number}] {message}"
                        yield Finding(
                            rule.name, message, line=footnote_lines.get(citation.pk), **where
                        )


def _text_findings(text: str, opening: bool, facts: ProfileFacts) -> Iterator[tuple[Rule, str]]:
    for rule in RULES:
        if rule.where == CLAIMS or (rule.where == SUMMARY_OPENING and opening):
            for match in rule.pattern.finditer(text):
                if _about_another_treaty(match, facts.treaty):
                    continue
                if message := rule.check(match, facts):
                    yield rule, message


def _about_another_treaty(match: re.Match, treaty: Treaty | None) -> bool:
    """Tell whether a statement is about another treaty than the profile's: one it names, or,
    naming none, one named earlier in its sentence."""
    named = (match.groupdict().get("treaty") or "").strip()
    if named:
        return not (_names(named, treaty) or GENERIC_TREATY.match(named))
    before = SENTENCE_END.split(match.string[: match.start()])[-1]
    return not _names(before, treaty) and bool(TREATY_NAME.search(before))


def _names(text: str, treaty: Treaty | None) -> bool:
    """Tell whether `text` names `treaty`, by its name or short name (“CCM”)."""
    if treaty is None:
        return False
    if treaty.name.casefold() in text.casefold():
        return True
    return bool(treaty.short_name) and bool(re.search(rf"\b{re.escape(treaty.short_name)}\b", text))


def _period_end(value: str) -> datetime.date | None:
    """Read “30 May 2016”, “May 2016” or “2016”, as the last day it may mean."""
    if day := parse_date(value):
        return day
    if re.fullmatch(r"\d{4}", value):
        return datetime.date(int(value), 12, 31)
    month = parse_date(f"1 {value}")
    if month is None:
        return None
    following = month.replace(day=28) + datetime.timedelta(days=4)
    return following - datetime.timedelta(days=following.day)


def _a_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# Lines in the plain-text export ---------------------------------------------------------------


def export_lines(tree: Profile) -> tuple[dict[int, int], dict[int, int]]:
    """Return the line of each claim (by id) and each footnote (by citation id) in the
    profile's plain-text export, as export_profile writes it.

    The export is rendered, then read in order: each heading, claim and footnote is found
    after the one before it, so a text repeated elsewhere is never taken for it."""
    text = render_profile(document_from_profile(tree))
    claim_lines, footnote_lines = {}, {}
    cursor, line = 0, 1  # where the last piece found ends, and its line there

    def find(piece: str) -> int | None:
        nonlocal cursor, line
        found = text.find(piece, cursor)
        if found < 0:
            return None
        start = line + text.count("\n", cursor, found)
        cursor, line = found + len(piece), start + piece.count("\n")
        return start

    # The header and the status box first, so that no claim is taken for a line of theirs.
    for piece in [tree.country.name, tree.topic.name, LAST_UPDATED_PREFIX]:
        find(piece)
    for piece in [tree.status_box_heading, *(part for row in tree.status_box for part in row)]:
        find(piece)
    citations = []
    for section in tree.sections.all():
        if section.kind == SectionKind.BODY and section.heading:
            find(section.heading)
        for claim in section.claims.all():
            claim_lines[claim.pk] = find(claim.text)
            citations.extend(claim.citations.all())
    for number, citation in enumerate(citations, start=1):
        footnote_lines[citation.pk] = find(f"[{number}] {citation.text}")
    return claim_lines, footnote_lines


def rule_table() -> Iterable[tuple[str, str]]:
    """Name each rule with what it compares, for the command's help and the guides."""
    return [(rule.name, rule.compares) for rule in RULES]
