"""Read the sources a footnote cites from its text: pure functions, no database.

Over 700 lines because one parser reads every kind of source the reports cite, and its
patterns read best side by side; it has no other job.

A footnote's text is what readers see and is never changed. This module reads it, best effort,
into SourceCandidates that citations.services stores as Source records and links to the
citation. It fills a field only where the text states it plainly and leaves it empty otherwise.

The decisions an editor may want to know:

- A footnote is read sentence by sentence and, within a sentence, clause by clause (split at
  semicolons). A clause that opens with a known pattern ("Statement of Mali, …", "Email from
  …", "Letter from …", "Interview with …", "Response to Monitor questionnaire by …", "…
  Article 7 Report, …", "“Title,” UNGA Resolution 70/54, …", "Author, Title (Place: Publisher,
  Date), pp. 1–2", "Author, “Title,” Date", "“Title,” Outlet, Date", a web address, "Title,
  p. 12") is a source; anything else is commentary and is skipped. Leading "and", "See", "See
  also," and a lead-in ending in ", see" are not part of the source. The position a person
  held ("Counsellor") and a letter's recipient ("to the ICBL") are not stored.
- Dates: "22 May 2013" is that day; "May 2009" is stored as 1 May 2009, because Source.date is a
  day and a month is precise enough to sort sources and spot stale ones (the footnote keeps the
  exact words); a range of days ("22–23 May 2013") is stored as its first day; a year alone
  gives no date.
- "Notes by X." names who took notes of the source it follows and of the statements before it
  in the same list of sources (sources joined by semicolons) since the previous "Notes by". A
  new sentence that is not a "Notes by" starts a new list: in "Statement A, … 2013. See also,
  statement B, … 2013. Notes by AOAV." only B has notes by AOAV.
- "Ibid." (optionally "Ibid., p. 5") gives a candidate with `ibid=True` and its own pinpoint;
  the caller, which knows the order of the footnotes, links it to the previous footnote's last
  source (and that link's pinpoint, unless the "Ibid." names its own).
- A transparency report that names no author ("Convention on Cluster Munitions Article 7
  Report, Form A, 28 March 2012") is the country's own report: its author is the `country`
  the caller passes (the profile's). Without it, every country's report of the same day would
  be one source.
- Pinpoints ("pp. 115–116", "Form A", "p. 12") belong to the link between footnote and source,
  not to the source: two footnotes citing different pages of one report cite one source.
- A resolution's title is its quoted title; with none, its designation ("UNGA Resolution 70/54").
  The body that adopted it ("UNGA") is its organisation.

`source_key` gives the normalised identity (kind, who, what, date) by which the importer
recognises one source across footnotes and profiles; `source_digest` is its fixed-length form,
stored on Source.key.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import re
import unicodedata

# The kinds, as stored in Source.kind (citations.models.SourceKind; a test keeps them in step).
STATEMENT = "statement"
EMAIL = "email"
LETTER = "letter"
INTERVIEW = "interview"
TREATY_REPORT = "treaty-report"
RESOLUTION = "resolution"
PUBLICATION = "publication"
NEWS = "news"
WEB_PAGE = "web-page"
OTHER = "other"

# The fields of a candidate that a Source stores (the rest belong to the link, or to parsing).
SOURCE_FIELDS = (
    "kind",
    "author",
    "organisation",
    "title",
    "event",
    "place",
    "date",
    "publisher",
    "url",
    "accessed_on",
    "notes_by",
)


@dataclasses.dataclass
class SourceCandidate:
    """One source a footnote cites, as far as its text states it."""

    kind: str = OTHER
    author: str = ""
    organisation: str = ""
    title: str = ""
    event: str = ""
    place: str = ""
    date: datetime.date | None = None
    publisher: str = ""
    url: str = ""
    accessed_on: datetime.date | None = None
    notes_by: str = ""
    pinpoint: str = ""  # the exact place cited (“pp. 115–116”): stored on the link
    ibid: bool = False  # “Ibid.”: the previous footnote's last source
    text: str = ""  # the words of the footnote this was read from

    def source_fields(self) -> dict:
        """Return the values a Source record stores."""
        return {name: getattr(self, name) for name in SOURCE_FIELDS}


# Dates ----------------------------------------------------------------------------------------

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = "|".join(MONTHS)
# “22 May 2013”, “22–23 May 2013”, “30 April–2 May 2013”, “May 22, 2013” or “May 2009”.
_RANGE_START = rf"(?P<first_day>\d{{1,2}})(?: (?P<first_month>{_MONTH}))?\s?[–-]\s?"
DATE_TEXT = (
    rf"(?:(?:\d{{1,2}}(?: (?:{_MONTH}))?\s?[–-]\s?)?\d{{1,2}} (?:{_MONTH})"
    rf"|(?:{_MONTH}) \d{{1,2}},|(?:{_MONTH})) \d{{4}}"
)
_DATE_PARTS = re.compile(
    rf"(?:(?:{_RANGE_START})?(?P<day>\d{{1,2}}) (?P<month>{_MONTH})"
    rf"|(?P<month_us>{_MONTH}) (?P<day_us>\d{{1,2}}),|(?P<month_only>{_MONTH})) (?P<year>\d{{4}})"
)


def parse_source_date(text: str) -> datetime.date | None:
    """Read “22 May 2013”, “May 22, 2013”, “May 2009” (as 1 May 2009) or a range of days
    (as its first day); None otherwise."""
    match = _DATE_PARTS.fullmatch(text.strip())
    if not match:
        return None
    month = match["first_month"] or match["month"] or match["month_us"] or match["month_only"]
    day = match["first_day"] or match["day"] or match["day_us"] or 1
    try:
        return datetime.date(int(match["year"]), MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None


# Splitting a footnote into sentences and clauses --------------------------------------------

# Words that end with a full stop without ending a sentence (“Amb. Smith”, “pp. 115”).
ABBREVIATIONS = {
    "amb",
    "art",
    "arts",
    "capt",
    "cf",
    "ch",
    "co",
    "col",
    "dept",
    "doc",
    "dr",
    "ed",
    "eds",
    "fig",
    "gen",
    "hon",
    "inc",
    "jr",
    "lt",
    "ltd",
    "maj",
    "mr",
    "mrs",
    "ms",
    "no",
    "nos",
    "p",
    "para",
    "paras",
    "pp",
    "prof",
    "rev",
    "sec",
    "sr",
    "st",
    "vol",
}
_SENTENCE_BREAK = re.compile(r"[.!?][”’\"')]*\s+(?=[“‘\"'(]?[A-Z])")
_INITIALS = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]")
# Words after which a single letter is a label (“Form A.”), not an initial (“J. Smith”).
_LABELS = {"annex", "appendix", "form", "forms", "part", "protocol", "schedule", "section", "table"}


def split_sentences(text: str) -> list[str]:
    """Split a footnote into sentences, not at abbreviations or initials (“U.S.”, “pp.”)."""
    sentences, start = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        before = text[start : match.start()].split()
        word = before[-1].lstrip("(“‘\"'") if before else ""
        label = len(word) == 1 and len(before) > 1 and before[-2].casefold() in _LABELS
        if word.casefold() in ABBREVIATIONS or (_INITIALS.fullmatch(word) and not label):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    if text[start:].strip():
        sentences.append(text[start:].strip())
    return sentences


def split_clauses(sentence: str) -> list[str]:
    """Split a sentence at semicolons outside parentheses and quotes; drop the final stop."""
    clauses, depth, start = [], 0, 0
    for index, char in enumerate(sentence):
        if char in "(“":
            depth += 1
        elif char in ")”" and depth:
            depth -= 1
        elif char == ";" and depth == 0:
            clauses.append(sentence[start:index])
            start = index + 1
    clauses.append(sentence[start:])
    return [_trim(clause) for clause in clauses if _trim(clause)]


def _trim(clause: str) -> str:
    clause = clause.strip()
    return clause[:-1].rstrip() if clause.endswith(".") else clause


def _split_parts(text: str) -> list[str]:
    """Split at commas outside parentheses and quotes."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "(“":
            depth += 1
        elif char in ")”" and depth:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


# Reading one clause ----------------------------------------------------------------------------

_CONNECTOR = re.compile(r"(?:and|also|see also|see|cf\.?|compare)\b[,:]?\s+", re.IGNORECASE)
_LEAD_IN_SEE = re.compile(r"[,;:]\s+see(?: also)?[,:]?\s+", re.IGNORECASE)
_NOTES = re.compile(r"(?:[Nn]otes|[Nn]otes taken) by (?P<who>.+)")
_IBID = re.compile(r"[Ii]bid\b\.?(?:,?\s*(?P<pinpoint>.+))?")
_STATEMENT = re.compile(
    r"(?:[Jj]oint )?(?:[Ss]tatement|[Pp]resentation|[Ss]peech|[Rr]emarks|[Ii]ntervention)"
    r" (?:of|by) (?P<rest>.+)"
)
_QUESTIONNAIRE = re.compile(
    r"(?P<title>(?:[Rr]esponse|[Rr]eply|[Aa]nswers?) to (?:the )?(?:[A-Z][\w-]* )*"
    r"[Qq]uestionnaire)(?: (?:by|from) (?P<rest>.+))?"
)
_CORRESPONDENCE = re.compile(
    r"(?:(?:[Mm]onitor|[Tt]elephone|[Pp]hone|[Pp]ersonal) )?"
    r"(?:(?P<email>[Ee]-?mail)|(?P<letter>[Ll]etter)|(?P<interview>[Ii]nterview))"
    r"(?: to (?:the )?[Mm]onitor| to [A-Z][\w ]*?)? (?:from|with|by) (?P<rest>.+)"
)
_TREATY_REPORT = re.compile(
    r"(?P<title>[^,;]*?\bArticle \d+[A-Za-z]? (?:[Tt]ransparency )?[Rr]eport\b)"
    r"(?P<period> \([^)]*\))?(?P<rest>(?:,.*)?)"
)
# Treaty names a country's own report is titled by (“Mine Ban Treaty Article 7 Report”).
_UNQUALIFIED_REPORT = re.compile(
    r"(?:the )?(?:Convention|Mine Ban Treaty|Arms Trade Treaty|Amended Protocol|Protocol|"
    r"CCW|CCM|MBT|ATT|Oslo|Ottawa|Article)\b"
)
# Clauses are read with a comma before a closing quote moved after it (“Title,” → “Title”,).
_RESOLUTION_TITLED = re.compile(
    r"[“\"]?(?P<title>[^“”\"]+?)[”\"],?\s+(?P<body>[A-Z][^,“”]*?)\s+[Rr]esolution\s+"
    r"(?P<number>[\w./()-]*\d[\w./()-]*)(?P<rest>.*)"
)
_RESOLUTION_BARE = re.compile(
    r"(?P<body>[A-Z][^,“”]*?)\s+[Rr]esolution\s+(?P<number>[\w./()-]*\d[\w./()-]*)(?P<rest>.*)"
)
_PUBLISHED = re.compile(
    r"(?P<before>.+?)\s*\((?:(?P<place>[^():,]+):\s*)?(?P<publisher>[^():]+?),\s*"
    rf"(?P<date>(?:{DATE_TEXT})|\d{{4}})\)(?P<after>.*)"
)
_NEWS = re.compile(
    rf"[“\"](?P<title>[^”\"]+?)[”\"],?\s+(?P<outlet>[^,]+?),\s*(?P<date>{DATE_TEXT})"
)
_URL = re.compile(r"https?://[^\s<>”\"]+[^\s<>”\".,;:)]")
_ACCESSED = re.compile(rf"\(?[Aa]ccessed(?: on)?:? (?P<date>{DATE_TEXT})\)?")
_PINPOINT_WORD = (
    r"(?:pp?\.|paras?\.|§§?|Forms?\b|Annex(?:es)?\b|[Ss]ection\b|[Cc]hapter\b|Ch\.|"
    r"[Tt]able\b|[Ff]ootnote\b|[Pp]aragraphs?\b|[Pp]ages?\b)"
)
_PINPOINT = re.compile(rf"{_PINPOINT_WORD}\s*\S.*")
_TRAILING_DATE = re.compile(rf"(?:^|,\s*)(?P<date>{DATE_TEXT})$")

# A part naming a position held (“Counsellor”) rather than an organisation or a place.
ROLE_WORDS = {
    "adviser",
    "advisor",
    "ambassador",
    "attache",
    "attaché",
    "captain",
    "chair",
    "chairman",
    "chairperson",
    "chief",
    "colonel",
    "commander",
    "consul",
    "coordinator",
    "co-ordinator",
    "counsellor",
    "counselor",
    "delegate",
    "deputy",
    "director",
    "expert",
    "head",
    "lieutenant",
    "manager",
    "minister",
    "officer",
    "president",
    "representative",
    "secretary",
    "specialist",
    "spokesman",
    "spokesperson",
    "spokeswoman",
}
ORGANISATION_WORDS = {
    "agency",
    "army",
    "association",
    "authority",
    "bureau",
    "campaign",
    "center",
    "centre",
    "coalition",
    "commission",
    "committee",
    "council",
    "delegation",
    "department",
    "directorate",
    "embassy",
    "forces",
    "foundation",
    "government",
    "institute",
    "ministry",
    "mission",
    "network",
    "office",
    "organisation",
    "organization",
    "police",
    "programme",
    "program",
    "secretariat",
    "service",
    "society",
    "unit",
}
# Words that make a part the name of an event, not of a place.
EVENT_WORDS = {
    "assembly",
    "briefing",
    "committee",
    "conference",
    "convention",
    "council",
    "debate",
    "dialogue",
    "forum",
    "group",
    "meeting",
    "meetings",
    "parties",
    "protocol",
    "review",
    "seminar",
    "session",
    "summit",
    "symposium",
    "treaty",
    "workshop",
}


# Small words a name may hold in lower case (“Convention on Cluster Munitions”).
_NAME_LINKS = {"a", "and", "de", "for", "in", "of", "on", "the", "to"}


def _is_name(text: str) -> bool:
    """Tell a title-case name (“UN General Assembly”) from a sentence (“Mali voted for”)."""
    words = re.findall(r"[^\s()]+", text)
    return bool(words) and all(
        word[0].isupper() or word[0].isdigit() or word in _NAME_LINKS for word in words
    )


def _words(part: str) -> list[str]:
    return re.findall(r"[\w’'-]+", part.casefold())


def _is_role(part: str) -> bool:
    """Tell “Counsellor” or “Permanent Representative of X” from “Permanent Mission of X”."""
    for word in _words(part):
        if word in ROLE_WORDS:
            return True
        if word in ORGANISATION_WORDS:
            return False
    return False


def _is_organisation(part: str) -> bool:
    return any(word in ORGANISATION_WORDS for word in _words(part))


def _is_place(part: str) -> bool:
    """A short run of capitalised words naming no event or organisation (“Lomé”, “New York”)."""
    words = part.split()
    if not 1 <= len(words) <= 3 or any(char.isdigit() for char in part):
        return False
    if not all(word[0].isupper() for word in words):
        return False
    return not ({*_words(part)} & (EVENT_WORDS | ORGANISATION_WORDS | ROLE_WORDS))


def _take_trailing_pinpoint(text: str) -> tuple[str, str]:
    """Split “…, pp. 115–116” into the text and the pinpoint."""
    parts = _split_parts(text)
    pinpoints = []
    while len(parts) > 1 and _PINPOINT.fullmatch(parts[-1]):
        pinpoints.insert(0, parts.pop())
    return ", ".join(parts), ", ".join(pinpoints)


def _take_date(text: str) -> tuple[str, datetime.date | None]:
    """Split “…, 22 May 2013” into the text and the date."""
    match = _TRAILING_DATE.search(text)
    if not match:
        return text, None
    return text[: match.start()].strip(), parse_source_date(match["date"])


def _take_url(text: str, candidate: SourceCandidate) -> str:
    """Move a URL and an “accessed on” date from the text into the candidate."""
    if match := _ACCESSED.search(text):
        candidate.accessed_on = parse_source_date(match["date"])
        text = (text[: match.start()] + text[match.end() :]).strip()
    if match := _URL.search(text):
        candidate.url = match.group()
        text = (text[: match.start()] + text[match.end() :]).strip()
    return re.sub(r"(?:,\s*)+$", "", re.sub(r",\s*,", ",", text)).strip()


def _unquote(text: str) -> str:
    return text.strip().strip('“”"').rstrip(",").strip()


def _read_statement(rest: str) -> SourceCandidate | None:
    rest, pinpoint = _take_trailing_pinpoint(rest)
    rest, date = _take_date(rest)
    parts = _split_parts(rest)
    if not parts:
        return None
    author, parts = parts[0], parts[1:]
    while parts and _is_role(parts[0]):
        parts.pop(0)  # the position the speaker held
    places = []
    while parts and len(places) < 2 and _is_place(parts[-1]) and (len(parts) > 1 or places):
        places.insert(0, parts.pop())
    if len(parts) == 1 and not places and _is_place(parts[0]):
        places, parts = parts, []
    return SourceCandidate(
        kind=STATEMENT,
        author=author,
        event=", ".join(parts),
        place=", ".join(places),
        date=date,
        pinpoint=pinpoint,
    )


def _read_correspondence(kind: str, rest: str) -> SourceCandidate | None:
    rest, pinpoint = _take_trailing_pinpoint(rest)
    rest, date = _take_date(rest)
    parts = _split_parts(rest)
    if not parts:
        return None
    candidate = SourceCandidate(kind=kind, date=date, pinpoint=pinpoint)
    who, parts = parts[0], parts[1:]
    organisations = []
    if _is_organisation(who) and not _is_role(who):
        organisations.append(who)
    else:
        candidate.author = who
    for index, part in enumerate(parts):
        if part.startswith("to "):
            continue  # the recipient
        if part.startswith("in ") and _is_place(part[3:]):
            candidate.place = part[3:]
        elif kind == INTERVIEW and index == len(parts) - 1 and len(parts) > 1 and _is_place(part):
            candidate.place = part
        elif not _is_role(part):
            organisations.append(part)
    candidate.organisation = ", ".join(organisations)
    return candidate


def _read_treaty_report(title: str, period: str, rest: str, country: str) -> SourceCandidate:
    candidate = SourceCandidate(kind=TREATY_REPORT, title=f"{title.strip()}{period}")
    pinpoints = []
    for part in _split_parts(rest):
        date = parse_source_date(part)
        if date and candidate.date is None:
            candidate.date = date
        else:
            pinpoints.append(part)
    candidate.pinpoint = ", ".join(pinpoints)
    if country and (
        _UNQUALIFIED_REPORT.match(candidate.title) or candidate.title.startswith(country)
    ):
        candidate.author = country
    return candidate


def _read_resolution(title: str, body: str, number: str, rest: str) -> SourceCandidate:
    rest, pinpoint = _take_trailing_pinpoint(rest.lstrip(", "))
    _rest, date = _take_date(rest)
    number = number.rstrip(".")
    return SourceCandidate(
        kind=RESOLUTION,
        organisation=body.strip(),
        title=title or f"{body.strip()} Resolution {number}",
        date=date,
        pinpoint=pinpoint,
    )


def _read_publication(match: re.Match) -> SourceCandidate:
    parts = _split_parts(match["before"])
    candidate = SourceCandidate(
        kind=PUBLICATION,
        place=(match["place"] or "").strip(),
        publisher=match["publisher"].strip(),
        date=parse_source_date(match["date"]),
    )
    if len(parts) > 1:
        candidate.author, candidate.title = parts[0], _unquote(", ".join(parts[1:]))
    else:
        candidate.title = _unquote(match["before"])
    _rest, candidate.pinpoint = _take_trailing_pinpoint(f"x{match['after']}")
    return candidate


def _read_cited_pages(text: str) -> SourceCandidate | None:
    """“Landmine Monitor Report 2014, p. 12”: a publication cited by its pages."""
    rest, pinpoint = _take_trailing_pinpoint(text)
    if not pinpoint or not rest:
        return None
    rest, date = _take_date(rest)
    parts = _split_parts(rest)
    candidate = SourceCandidate(kind=PUBLICATION, date=date, pinpoint=pinpoint)
    if len(parts) > 1:
        candidate.author, candidate.title = parts[0], _unquote(", ".join(parts[1:]))
    else:
        candidate.title = _unquote(rest)
    return candidate


def _read_source(text: str, country: str) -> SourceCandidate | None:
    """Read a clause that opens with a source; None when it is commentary."""
    text = re.sub(r",(\s*[”\"])", r"\1,", text)
    if match := _IBID.fullmatch(text):
        return SourceCandidate(ibid=True, pinpoint=(match["pinpoint"] or "").strip())
    if match := _STATEMENT.fullmatch(text):
        return _read_statement(match["rest"])
    if match := _CORRESPONDENCE.fullmatch(text):
        kind = EMAIL if match["email"] else LETTER if match["letter"] else INTERVIEW
        return _read_correspondence(kind, match["rest"])
    if match := _QUESTIONNAIRE.fullmatch(text):
        candidate = _read_correspondence(OTHER, match["rest"] or "")
        return dataclasses.replace(candidate or SourceCandidate(), kind=OTHER, title=match["title"])
    if (match := _TREATY_REPORT.fullmatch(text)) and _is_name(match["title"]):
        return _read_treaty_report(match["title"], match["period"] or "", match["rest"], country)
    if (match := _RESOLUTION_TITLED.fullmatch(text)) and _is_name(match["body"]):
        title = _unquote(match["title"])
        return _read_resolution(title, match["body"], match["number"], match["rest"])
    if (match := _RESOLUTION_BARE.fullmatch(text)) and _is_name(match["body"]):
        return _read_resolution("", match["body"], match["number"], match["rest"])
    candidate = SourceCandidate()
    text = _take_url(text, candidate)
    if match := _PUBLISHED.fullmatch(text):
        return dataclasses.replace(
            _read_publication(match), url=candidate.url, accessed_on=candidate.accessed_on
        )
    if match := _NEWS.match(text):
        candidate.kind = NEWS
        candidate.title = _unquote(match["title"])
        candidate.publisher = match["outlet"].strip()
        candidate.date = parse_source_date(match["date"])
        return candidate
    if candidate.url:
        candidate.kind = WEB_PAGE
        return _read_titled_work(text, candidate)
    if (work := _read_titled_work(text, candidate)) and work.author and work.date:
        # “Human Rights Watch, “Title,” 12 June 2012”: a report or release, not commentary.
        return dataclasses.replace(work, kind=PUBLICATION)
    return _read_cited_pages(text)


def _read_titled_work(text: str, candidate: SourceCandidate) -> SourceCandidate | None:
    """Read “Author, “Title,” Date”: its author, quoted title and date."""
    rest, date = _take_date(text)
    parts = _split_parts(rest)
    quoted = [index for index, part in enumerate(parts) if part.startswith(("“", '"'))]
    if not quoted:
        if not candidate.url:
            return None
        return dataclasses.replace(candidate, author=parts[0] if parts else "", date=date)
    before = parts[: quoted[0]]
    if len(before) > 1 or (before and not _is_name(before[0])):
        return None
    return dataclasses.replace(
        candidate,
        author=before[0] if before else "",
        title=_unquote(parts[quoted[0]]),
        date=date,
    )


def _read_clause(clause: str, country: str) -> SourceCandidate | None:
    """Read a clause after a lead-in ending in “, see”, or else without its connectors
    (“and”, “See also,”)."""
    attempts = [clause[match.end() :] for match in _LEAD_IN_SEE.finditer(clause)][::-1]
    stripped = clause
    while match := _CONNECTOR.match(stripped):
        stripped = stripped[match.end() :]
    attempts.append(stripped)
    for text in attempts:
        candidate = _read_source(text[:1].upper() + text[1:], country)
        if candidate is not None and _identifies_something(candidate):
            candidate.text = text
            return candidate
    return None


def _identifies_something(candidate: SourceCandidate) -> bool:
    if candidate.ibid:
        return True
    return bool(
        candidate.author or candidate.organisation or candidate.title or candidate.event
    ) or bool(candidate.url)


# The footnote ---------------------------------------------------------------------------------


def parse_footnote(text: str, *, country: str = "") -> list[SourceCandidate]:
    """Return the sources a footnote cites, in order; commentary yields none.

    `country` is the profile's country, the author of a transparency report that names none.
    """
    candidates: list[SourceCandidate] = []
    previous: SourceCandidate | None = None  # the source the last clause read, if any
    since_notes: list[SourceCandidate] = []  # statements in this list with no notes taker yet
    for sentence in split_sentences(text):
        clauses = split_clauses(sentence)
        if clauses and not _NOTES.fullmatch(clauses[0]):
            previous, since_notes = None, []  # a new list of sources
        for clause in clauses:
            if match := _NOTES.fullmatch(clause):
                if previous is not None:
                    for candidate in [*since_notes, previous]:
                        candidate.notes_by = candidate.notes_by or match["who"].strip()
                previous, since_notes = None, []
                continue
            candidate = _read_clause(clause, country)
            if candidate is None:
                previous, since_notes = None, []
                continue
            candidates.append(candidate)
            if previous is not None and previous.kind == STATEMENT and not previous.notes_by:
                since_notes.append(previous)
            previous = None if candidate.ibid else candidate
    return candidates


def ibid_only(text: str) -> SourceCandidate | None:
    """Return the “Ibid.” candidate when a footnote is nothing but “Ibid.” (with a pinpoint)."""
    clauses = [clause for sentence in split_sentences(text) for clause in split_clauses(sentence)]
    if len(clauses) == 1 and (match := _IBID.fullmatch(clauses[0])):
        return SourceCandidate(ibid=True, pinpoint=(match["pinpoint"] or "").strip())
    return None


# Identity ---------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Fold for comparison: case, accents, punctuation, runs of spaces, a leading “the”."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    words = re.sub(r"[^\w]+", " ", plain).split()
    return " ".join(words[1:] if words[:1] == ["the"] else words)


def source_key(source) -> str:
    """Return the normalised identity of a source (a candidate or a Source record): kind,
    who (author, else organisation), what (title, else event, else URL) and date."""
    who = source.author or source.organisation
    what = source.title or source.event or source.url
    date = source.date.isoformat() if source.date else ""
    return "|".join([source.kind, _fold(who), _fold(what), date])


def source_digest(source) -> str:
    """Return source_key in the fixed length Source.key stores."""
    return hashlib.sha256(source_key(source).encode()).hexdigest()
