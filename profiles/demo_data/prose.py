"""Sentences, headings, sources and footnotes in the Monitor's style, and the editorial changes
an editor makes to them, all drawn from one random stream and the vocabulary."""

from __future__ import annotations

import datetime
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from citations.models import Source, SourceKind
from citations.sources import MONTHS
from profiles.demo_data.vocabulary import vocabulary
from profiles.models import Country

A_YEAR = re.compile(r"\b(?:199\d|20[0-2]\d)\b")
ATTRIBUTION = re.compile(r", according to [^,.]+\.$")
# The opening words of citations that read in lower case after the first one of a footnote.
LOWER_AFTER_FIRST = {"Statement", "Email", "Letter", "Interview", "Response"}
TREATY_REPORT_FORMS = tuple(f"Form {letter}" for letter in "ABCDEFGHIJ")


def format_day(day: datetime.date) -> str:
    """Write a date as the Monitor does: “3 December 2008”."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def month_year(day: datetime.date) -> str:
    """Write a month as the Monitor does: “December 2008”."""
    return f"{MONTHS[day.month - 1]} {day.year}"


# Editorial changes ------------------------------------------------------------------------------


def reworded(text: str, rng: random.Random) -> str:
    """Return text with one editorial change: a word swapped, a year corrected, or an
    attribution or a closing sentence added or removed."""
    words = vocabulary()
    still_so = f" {words.claim_still_so}"
    changes = []
    for first, second in words.rewordings:
        for old, new in ((first, second), (second, first)):
            if re.search(rf"\b{old}\b", text):
                changes.append(lambda old=old, new=new: re.sub(rf"\b{old}\b", new, text, count=1))
    if A_YEAR.search(text):
        changes.append(lambda: _year_corrected(text, rng))
    if ATTRIBUTION.search(text):
        changes.append(lambda: ATTRIBUTION.sub(".", text))
    elif text.endswith("."):
        changes.append(lambda: f"{text[:-1]}, according to {rng.choice(words.organisations)}.")
    if text.endswith(still_so):
        changes.append(lambda: text.removesuffix(still_so))
    else:
        changes.append(lambda: text + still_so)
    return rng.choice(changes)()


def footnote_reworded(text: str, rng: random.Random) -> str:
    """Return a footnote with one correction: a year, who took notes, or a confirmation."""
    words = vocabulary()
    confirmed = f" {words.footnote_confirmed}"
    changes = []
    for first, second in words.notes_variants:
        if first in text:
            changes.append(lambda first=first, second=second: text.replace(first, second, 1))
        elif second in text:
            changes.append(lambda first=first, second=second: text.replace(second, first, 1))
    if A_YEAR.search(text):
        changes.append(lambda: _year_corrected(text, rng))
    if text.endswith(confirmed):
        changes.append(lambda: text.removesuffix(confirmed))
    else:
        changes.append(lambda: text + confirmed)
    return rng.choice(changes)()


def _year_corrected(text: str, rng: random.Random) -> str:
    last = list(A_YEAR.finditer(text))[-1]
    year = int(last.group()) + rng.choice((-1, 1))
    return f"{text[: last.start()]}{year}{text[last.end() :]}"


def renamed(heading: str) -> str:
    """Return a section's other name: its variant, or its original again."""
    for original, variant in vocabulary().heading_variants.items():
        if heading == original:
            return variant
        if heading == variant:
            return original
    suffix = " and related issues"
    return heading.removesuffix(suffix) if heading.endswith(suffix) else heading + suffix


# Prose ------------------------------------------------------------------------------------------


class _Slots(dict):
    """The values of one sentence's placeholders, drawn when first used, so that a placeholder
    used twice in a sentence reads the same both times."""

    def __init__(self, draw: Callable[[str, _Slots], str], **known):
        super().__init__(known)
        self.draw = draw

    def __missing__(self, key):
        value = self.draw(key, self)
        self[key] = value
        return value


@dataclass
class CitedSource:
    """A source and how footnotes cite it; "{pinpoint}" marks where a pinpoint goes."""

    source: Source
    phrase: str
    notes_by: str = ""
    pinpoints: tuple[str, ...] = ()


class Prose:
    """Writes sentences, headings and sources in the Monitor's style, from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.words = vocabulary()

    # Values of placeholders

    def draw(self, key: str, slots: _Slots) -> str:
        """Draw the value of a template's placeholder, from those already drawn if need be."""
        rng, words = self.rng, self.words
        if key.startswith("meeting"):
            event, place, day = rng.choice(slots["meetings"])
            slots.update(meeting=event, meeting_place=place, meeting_month=month_year(day))
            return slots[key]
        if key == "year2":
            return str(int(slots["year"]) + rng.randint(1, 6))
        if key == "year3":
            return str(int(slots["year2"]) + rng.randint(1, 8))
        if key == "year0":
            return str(int(slots["year"]) - 1)
        if key == "org2":
            return rng.choice([org for org in words.organisations if org != slots["org"]])
        draws = {
            "date": lambda: format_day(self.day(2005, 2024)),
            "year": lambda: str(rng.randint(2000, 2024)),
            "month_year": lambda: month_year(self.day(1999, 2024)),
            "number": lambda: f"{rng.randint(120, 48_000):,}",
            "number2": lambda: f"{rng.randint(2_000, 900_000):,}",
            "small": lambda: str(rng.randint(2, 40)),
            "small2": lambda: str(rng.randint(2, 90)),
            "percent": lambda: str(rng.randint(4, 96)),
            "area": lambda: f"{rng.uniform(0.05, 90):.2f}km²",
            "area2": lambda: f"{rng.uniform(0.05, 40):.2f}km²",
            "money": lambda: f"{rng.uniform(0.1, 60):.1f}",
            "org": lambda: rng.choice(words.organisations),
            "ministry": lambda: rng.choice(words.ministries),
            "authority": lambda: rng.choice(words.authorities),
            "region": lambda: rng.choice(words.regions),
            "conflict": lambda: rng.choice(words.conflicts),
            "recipient": lambda: rng.choice(words.recipients),
            "verb": lambda: rng.choice(words.verbs),
            "told": lambda: rng.choice(words.told),
            "resolution": lambda: f"{rng.randint(63, 79)}/{rng.randint(20, 90)}",
        }
        return draws[key]()

    def day(self, first_year: int, last_year: int) -> datetime.date:
        """Draw a day between the first of January of one year and the last of December of
        another."""
        start = datetime.date(first_year, 1, 1)
        span = (datetime.date(last_year, 12, 31) - start).days
        return start + datetime.timedelta(days=self.rng.randint(0, span))

    def fill(self, template: str, **known) -> str:
        """Fill a template's placeholders: the known values, and values drawn for the rest."""
        return template.format_map(_Slots(self.draw, **known))

    # Profiles

    def headings(self, family: str, count: int) -> list[tuple[str, int]]:
        """Return `count` body headings with their levels, in reading order: the family's
        first heading, then a selection of the others (years once the list runs out)."""
        listed = list(self.words.headings[family])
        if count <= len(listed):
            chosen = sorted(self.rng.sample(range(1, len(listed)), count - 1))
            return [listed[0], *(listed[index] for index in chosen)]
        extra = [(f"Developments in {2024 - index}", 1) for index in range(count - len(listed))]
        return listed + extra

    def sentences(self, family: str, context: dict) -> Iterator[str]:
        """Write a profile's sentences, dealing the templates from a shuffled deck so that a
        profile repeats one only once it has used the others."""
        while True:
            deck = [*self.words.sentences[family], *self.words.common_sentences]
            self.rng.shuffle(deck)
            for template in deck:
                yield self.fill(template, **context)

    # Sources

    def person(self) -> str:
        """Draw a person's name."""
        return f"{self.rng.choice(self.words.first_names)} {self.rng.choice(self.words.surnames)}"

    def country_sources(self, country: Country, count: int) -> list[CitedSource]:
        """Return the statements, letters, emails, interviews and reports of one country."""
        makers = [
            (self.statement, 10),
            (self.correspondence, 8),
            (self.interview, 2),
            (self.treaty_report, 3),
        ]
        kinds = self.rng.choices([maker for maker, _ in makers], [w for _, w in makers], k=count)
        return [make(country) for make in kinds]

    def common_sources(self, countries: list[Country]) -> list[CitedSource]:
        """Return the resolutions, publications, news and web pages any profile may cite."""
        names = [country.name for country in countries]
        return (
            [self.resolution() for _ in range(12)]
            + [self.publication(*values) for values in self.words.publications]
            + [self.news(self.rng.choice(names)) for _ in range(40)]
            + [self.web_page(*values) for values in self.words.web_pages for _ in range(3)]
        )

    def statement(self, country: Country) -> CitedSource:
        """Draw a statement of the country's at a meeting, with who took the notes."""
        treaty = self.rng.choice(list(self.words.treaties.values()))
        event, place, first_day = self.rng.choice([*treaty.meetings, *self.words.other_meetings])
        day = first_day + datetime.timedelta(days=self.rng.randint(0, 3))
        notes_by = self.rng.choice(self.words.notes_takers) if self.rng.random() < 0.8 else ""
        source = Source(
            kind=SourceKind.STATEMENT,
            author=country.name,
            event=event,
            place=place,
            date=day,
            notes_by=notes_by,
        )
        phrase = f"Statement of {country.name}, {event}, {place}, {format_day(day)}"
        return CitedSource(source, phrase, notes_by)

    def correspondence(self, country: Country) -> CitedSource:
        """Draw a letter, an email or a questionnaire answered, from an official."""
        kind, opening = self.rng.choice(self.words.correspondence)
        person, position = self.person(), self.rng.choice(self.words.positions)
        organisation = self.rng.choice(
            [
                f"Permanent Mission of {country.name} to the UN in Geneva",
                self.rng.choice(self.words.authorities),
                self.rng.choice(self.words.ministries),
                self.rng.choice(self.words.organisations),
            ]
        )
        day = self.day(2005, 2024)
        source = Source(kind=SourceKind(kind), author=person, organisation=organisation, date=day)
        phrase = f"{opening} {person}, {position}, {organisation}, {format_day(day)}"
        return CitedSource(source, phrase)

    def interview(self, country: Country) -> CitedSource:
        """Draw an interview with someone from an authority or an operator."""
        person, day = self.person(), self.day(2005, 2024)
        organisation = self.rng.choice(self.words.authorities + self.words.organisations)
        place = self.rng.choice(self.words.interview_places)
        source = Source(
            kind=SourceKind.INTERVIEW,
            author=person,
            organisation=organisation,
            place=place,
            date=day,
        )
        phrase = (
            f"Interview with {person}, {self.rng.choice(self.words.positions)}, "
            f"{organisation}, in {place}, {format_day(day)}"
        )
        return CitedSource(source, phrase)

    def treaty_report(self, country: Country) -> CitedSource:
        """Draw a transparency report of the country's, cited by form."""
        title = self.rng.choice(list(self.words.treaties.values())).report
        day = self.day(2000, 2024)
        source = Source(kind=SourceKind.TREATY_REPORT, author=country.name, title=title, date=day)
        phrase = f"{title}, {{pinpoint}}, {format_day(day)}"
        return CitedSource(source, phrase, pinpoints=TREATY_REPORT_FORMS)

    def resolution(self) -> CitedSource:
        """Draw a UN General Assembly resolution, adopted in December."""
        title = self.rng.choice(self.words.resolutions)
        year = self.rng.randint(2008, 2024)
        day = datetime.date(year, 12, self.rng.randint(2, 9))
        designation = f"UNGA Resolution {year - 1945}/{self.rng.randint(20, 90)}"
        source = Source(kind=SourceKind.RESOLUTION, organisation="UNGA", title=title, date=day)
        return CitedSource(source, f"“{title},” {designation}, {format_day(day)}")

    def publication(
        self, author: str, title: str, place: str, publisher: str, day: datetime.date
    ) -> CitedSource:
        """Cite a book or report, by page."""
        source = Source(
            kind=SourceKind.PUBLICATION,
            author=author,
            title=title,
            place=place,
            publisher=publisher,
            date=day,
        )
        first = self.rng.randint(3, 400)
        pinpoints = (f"p. {first}", f"pp. {first}–{first + self.rng.randint(1, 4)}")
        phrase = f"{author}, {title} ({place}: {publisher}, {month_year(day)}), {{pinpoint}}"
        return CitedSource(source, phrase, pinpoints=pinpoints)

    def news(self, country_name: str) -> CitedSource:
        """Draw a news article about a country."""
        weapon = self.rng.choice(self.words.news_weapons)
        headline = self.rng.choice(self.words.headlines).format(country=country_name, weapon=weapon)
        outlet, day = self.rng.choice(self.words.outlets), self.day(2006, 2024)
        source = Source(kind=SourceKind.NEWS, title=headline, publisher=outlet, date=day)
        return CitedSource(source, f"“{headline},” {outlet}, {format_day(day)}")

    def web_page(self, organisation: str, title: str, url: str) -> CitedSource:
        """Cite a web page, accessed on a day drawn."""
        accessed = self.day(2015, 2024)
        source = Source(
            kind=SourceKind.WEB_PAGE,
            organisation=organisation,
            title=title,
            url=url,
            accessed_on=accessed,
        )
        phrase = f"{organisation}, “{title},” {url}, accessed {format_day(accessed)}"
        return CitedSource(source, phrase)

    def footnote(self, cited: list[tuple[CitedSource, str]], context: dict) -> str:
        """Write a footnote citing sources (with their pinpoints) in order, sometimes with a
        remark before or after them."""
        parts = []
        for index, (source, pinpoint) in enumerate(cited):
            part = source.phrase.replace("{pinpoint}", pinpoint)
            if index:
                part = _lower_first_word(part)
            if source.notes_by:
                part += f". Notes by {source.notes_by}"
            parts.append(part)
        text = parts[0] if len(parts) == 1 else f"{'; '.join(parts[:-1])}; and {parts[-1]}"
        text += "."
        remark = self.rng.random()
        if remark < 0.08:
            text = f"{self.fill(self.rng.choice(self.words.commentary), **context)} {text}"
        elif remark < 0.16:
            text = f"{text} {self.fill(self.rng.choice(self.words.commentary), **context)}"
        return text


def _lower_first_word(text: str) -> str:
    first, _, rest = text.partition(" ")
    if first in LOWER_AFTER_FIRST:
        return f"{first.lower()} {rest}"
    return text
