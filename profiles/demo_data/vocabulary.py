"""The generator's words, read once from profiles/demo/vocabulary.toml: topics, treaties and
meetings, people and places, sources, and the templates of claims and footnotes."""

from __future__ import annotations

import datetime
import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

VOCABULARY_FILE = "demo/vocabulary.toml"  # in the profiles package

Meeting = tuple[str, str, datetime.date]  # event, place, first day
# Author, title, place, publisher, month of publication.
PublishedWork = tuple[str, str, str, str, datetime.date]


@dataclass(frozen=True)
class TopicSpec:
    name: str
    slug: str
    treaty: str  # the slug of the treaty whose status its profiles report, or ""
    family: str  # the headings and sentences its profiles use
    weapon: str
    description: str = ""


@dataclass(frozen=True)
class TreatyWords:
    name: str  # as sentences name it: "the Mine Ban Treaty"
    title: str  # as titles start with it: "Mine Ban Treaty"
    report: str  # the title of the reports states make under it
    meetings: tuple[Meeting, ...]


@dataclass(frozen=True)
class Vocabulary:
    """The contents of the vocabulary file, its lists as tuples: shared, never changed."""

    topics: tuple[TopicSpec, ...]
    treaties: dict[str, TreatyWords]  # by slug, in the file's order
    default_treaty: str
    # People and places
    organisations: tuple[str, ...]
    ministries: tuple[str, ...]
    authorities: tuple[str, ...]
    notes_takers: tuple[str, ...]
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    positions: tuple[str, ...]
    regions: tuple[str, ...]
    conflicts: tuple[str, ...]
    recipients: tuple[str, ...]
    interview_places: tuple[str, ...]
    # Sources
    other_meetings: tuple[Meeting, ...]
    correspondence: tuple[tuple[str, str], ...]  # source kind, how a footnote opens
    outlets: tuple[str, ...]
    headlines: tuple[str, ...]
    news_weapons: tuple[str, ...]
    resolutions: tuple[str, ...]
    web_pages: tuple[tuple[str, str, str], ...]  # organisation, title, address
    publications: tuple[PublishedWork, ...]  # the annual reports included
    # Footnotes and reviews
    commentary: tuple[str, ...]
    notes_variants: tuple[tuple[str, str], ...]
    footnote_confirmed: str
    verified_notes: tuple[str, ...]
    unavailable_notes: tuple[str, ...]
    disputed_notes: tuple[str, ...]
    # Profiles, sections and claims
    profile_notes: tuple[str, ...]
    verbs: tuple[str, ...]
    told: tuple[str, ...]
    rewordings: tuple[tuple[str, str], ...]
    claim_still_so: str
    headings: dict[str, tuple[tuple[str, int], ...]]  # by family: heading, level
    heading_variants: dict[str, str]
    common_sentences: tuple[str, ...]
    sentences: dict[str, tuple[str, ...]]  # by family

    def treaty(self, slug: str) -> TreatyWords:
        """Return a treaty's words, or the default treaty's for a topic without one."""
        return self.treaties.get(slug) or self.treaties[self.default_treaty]

    def meetings(self, treaty_slug: str) -> tuple[Meeting, ...]:
        """Return the meetings a profile on the treaty's topic may mention."""
        return self.treaty(treaty_slug).meetings + self.other_meetings


@functools.cache
def vocabulary() -> Vocabulary:
    """Read the vocabulary file, once per process."""
    text = resources.files("profiles").joinpath(VOCABULARY_FILE).read_text(encoding="utf-8")
    return parse_vocabulary(tomllib.loads(text))


def parse_vocabulary(data: dict) -> Vocabulary:
    """Build the vocabulary from the file's tables."""
    people, places, sources = data["people"], data["places"], data["sources"]
    footnotes, reviews, claims = data["footnotes"], data["reviews"], data["claims"]
    sentences = dict(data["sentences"])
    return Vocabulary(
        topics=tuple(TopicSpec(**topic) for topic in data["topics"]),
        treaties={
            slug: TreatyWords(
                name=treaty["name"],
                title=treaty["title"],
                report=treaty["report"],
                meetings=_rows(treaty["meetings"]),
            )
            for slug, treaty in data["treaties"].items()
        },
        default_treaty=data["default_treaty"],
        organisations=tuple(people["organisations"]),
        ministries=tuple(people["ministries"]),
        authorities=tuple(people["authorities"]),
        notes_takers=tuple(people["notes_takers"]),
        first_names=tuple(people["first_names"]),
        surnames=tuple(people["surnames"]),
        positions=tuple(people["positions"]),
        regions=tuple(places["regions"]),
        conflicts=tuple(places["conflicts"]),
        recipients=tuple(places["recipients"]),
        interview_places=tuple(places["interviews"]),
        other_meetings=_rows(sources["other_meetings"]),
        correspondence=_rows(sources["correspondence"]),
        outlets=tuple(sources["outlets"]),
        headlines=tuple(sources["headlines"]),
        news_weapons=tuple(sources["news_weapons"]),
        resolutions=tuple(sources["resolutions"]),
        web_pages=_rows(sources["web_pages"]),
        publications=_rows(sources["publications"]) + _annual_reports(sources["annual_reports"]),
        commentary=tuple(footnotes["commentary"]),
        notes_variants=_rows(footnotes["notes_variants"]),
        footnote_confirmed=footnotes["confirmed"],
        verified_notes=tuple(reviews["verified"]),
        unavailable_notes=tuple(reviews["source_unavailable"]),
        disputed_notes=tuple(reviews["disputed"]),
        profile_notes=tuple(data["profiles"]["notes"]),
        verbs=tuple(claims["verbs"]),
        told=tuple(claims["told"]),
        rewordings=_rows(claims["rewordings"]),
        claim_still_so=claims["still_so"],
        headings={family: _headings(lines) for family, lines in data["headings"].items()},
        heading_variants=dict(data["heading_variants"]),
        common_sentences=tuple(sentences.pop("common")),
        sentences={family: tuple(templates) for family, templates in sentences.items()},
    )


def _rows(rows: list[list]) -> tuple[tuple, ...]:
    return tuple(tuple(row) for row in rows)


def _headings(lines: list[str]) -> tuple[tuple[str, int], ...]:
    """Read headings, a "|" before a sub-heading, as (heading, level) pairs."""
    return tuple(
        (line.removeprefix("|").strip(), 2 if line.startswith("|") else 1) for line in lines
    )


def _annual_reports(series: list[dict]) -> tuple[PublishedWork, ...]:
    """List the annual reports year by year, those of one year in the order of their series."""
    first_year = min(each["years"][0] for each in series)
    last_year = max(each["years"][1] for each in series)
    return tuple(
        _annual_report(each, year)
        for year in range(first_year, last_year + 1)
        for each in series
        if each["years"][0] <= year <= each["years"][1]
    )


def _annual_report(series: dict, year: int) -> PublishedWork:
    title = series["title"].format(year=year)
    published = datetime.date(year, series["month"], 1)
    return (series["author"], title, series["place"], series["publisher"], published)
