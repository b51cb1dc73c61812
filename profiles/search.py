"""The public search index: the claims and footnotes of each public profile's latest edition.

Publishing indexes the new edition (`search_index_publication`), withdrawing removes the
profile (`search_index_remove`), and `search_public` answers the search page, grouped by
profile. Only editions the public can read are ever indexed, and the search checks again that
each entry belongs to the latest edition of a profile that is not withdrawn, so neither drafts,
nor the working copy, nor withdrawn or superseded text can be found.

Both databases read the same query language, a subset of PostgreSQL's `websearch_to_tsquery`:
words must all appear, `"quoted words"` must appear together in that order, `-word` must not
appear, and `a or b` wants either. Everything else (punctuation, operators of other syntaxes)
only separates words. Text and query are folded the same way (case, accents, typographic
quotes), so "Lome" finds "Lomé".

- PostgreSQL: real full-text search. Each entry's `search_vector` is the English tsvector of its
  folded text, GIN-indexed; the query is the parsed query rewritten as a clean websearch string,
  ranked with ts_rank. A word matches its other forms ("munition" finds "munitions").
- SQLite: every word must begin a word of the passage (so "munition" finds "munitions" too),
  quoted words must follow each other, and entries rank by their number of hits.

The one place that tells the two apart is `_backend()`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db import connection
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Cast, Length, Replace, RowNumber

from profiles.models import QUOTE_VARIANTS, Profile, Publication, SearchEntry, SectionKind
from profiles.snapshots import section_anchors

# A search string is cut to this many characters (after removing control characters), and to
# this many words or phrases: SQLite cannot parse the expression of many more.
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 32
# A profile's address is two slugs (Country.slug and Topic.slug, each at most 100 characters).
MAX_ADDRESS_LENGTH = 201
# Profiles per page of results, passages shown under each profile, and passages per page
# when searching one profile (all of its matches, from the results' "N more in this profile").
PROFILES_PER_PAGE = 20
PASSAGES_PER_PROFILE = 5
PASSAGES_PER_PAGE = 50
# A longer passage is shown as an excerpt of about this many characters around its first match.
EXCERPT_LENGTH = 320
SEARCH_CONFIG = "english"

# A word: letters and digits, with any combining accents written after them.
WORD = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")
# A query token: an optionally negated "quoted phrase" (the closing quote may be missing),
# or a run of anything else up to white space or a quote.
QUERY_TOKEN = re.compile(r'(-?)"([^"]*)"?|([^\s"]+)')
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def fold(text: str) -> str:
    """Fold text for matching: typographic quotes made plain, accents removed, case folded."""
    decomposed = unicodedata.normalize("NFKD", text.translate(QUOTE_VARIANTS))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def normalised_words(text: str) -> str:
    """Return the folded words of a text, one space apart, with a space at each end."""
    return f" {' '.join(WORD.findall(fold(text)))} "


# Indexing -----------------------------------------------------------------------------------


def search_index_publication(*, publication: Publication) -> None:
    """Index a profile's newly public edition, replacing what was indexed for the profile.

    Runs inside the caller's transaction: a delete, one bulk insert, and on PostgreSQL one
    update that computes the tsvectors.
    """
    entries = _entries(publication)
    SearchEntry.objects.filter(profile_id=publication.profile_id).delete()
    SearchEntry.objects.bulk_create(entries)
    _backend().fill_vectors(SearchEntry.objects.filter(publication=publication))


def search_index_remove(*, profile: Profile) -> None:
    """Remove a withdrawn profile from the search index."""
    SearchEntry.objects.filter(profile_id=profile.pk).delete()


def search_index_rebuild() -> int:
    """Rebuild the whole index from the latest editions of public profiles; return how many
    profiles were indexed."""
    SearchEntry.objects.all().delete()
    publications = Publication.objects.filter(
        pk__in=Profile.objects.public().values("latest_publication")
    ).only("pk", "profile_id", "snapshot")
    count = 0
    for publication in publications.iterator(chunk_size=100):
        search_index_publication(publication=publication)
        count += 1
    return count


def _entries(publication: Publication) -> list[SearchEntry]:
    """Build the entries of an edition from its snapshot (see profiles.snapshots)."""
    snapshot = publication.snapshot
    entries, citing_heading = [], {}

    def entry(kind, number, anchor, heading, text):
        return SearchEntry(
            profile_id=publication.profile_id,
            publication=publication,
            kind=kind,
            number=number,
            anchor=anchor,
            heading=heading,
            text=text,
            normalised=normalised_words(text),
        )

    claim_number = 0
    for section, anchor in zip(snapshot["sections"], section_anchors(snapshot), strict=True):
        heading = section["heading"] or SectionKind(section["kind"]).label
        for claim in section["claims"]:
            claim_number += 1
            for number in claim["footnotes"]:
                citing_heading.setdefault(number, heading)
            if WORD.search(claim["text"]):
                entries.append(
                    entry(
                        SearchEntry.Kind.CLAIM,
                        claim_number,
                        anchor,
                        heading,
                        claim["text"],
                    )
                )
    for footnote in snapshot["footnotes"]:
        number = footnote["number"]
        if WORD.search(footnote["text"]):
            entries.append(
                entry(
                    SearchEntry.Kind.FOOTNOTE,
                    number,
                    f"fn-{number}",
                    citing_heading.get(number, ""),
                    footnote["text"],
                )
            )
    return entries


# Parsing the query --------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """Words that must appear together, in order (or, when negated, must not)."""

    words: tuple[str, ...]
    negated: bool = False


@dataclass
class ParsedQuery:
    """Groups that must all match; a group matches when any of its terms does."""

    groups: list[list[Term]] = field(default_factory=list)
    cut: bool = False  # whether terms after the first MAX_QUERY_TERMS were left out

    @property
    def positive_words(self) -> set[str]:
        return {
            word
            for group in self.groups
            for term in group
            if not term.negated
            for word in term.words
        }

    def websearch(self) -> str:
        """Rewrite the query for websearch_to_tsquery, with nothing left for it to misread."""
        return " ".join(
            " or ".join(f'{"-" if term.negated else ""}"{" ".join(term.words)}"' for term in group)
            for group in self.groups
        )


def clean_query(text: str) -> tuple[str, bool]:
    """Remove control characters (PostgreSQL refuses NUL in text) and squeeze white space;
    cut to MAX_QUERY_LENGTH. Return the query and whether it was cut."""
    text = " ".join(CONTROL_CHARACTERS.sub("", text).split())
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    return text[:MAX_QUERY_LENGTH].rstrip(), True


def parse_query(text: str) -> ParsedQuery:
    """Parse a search string; anything that is not a word, a quote, a leading "-" or "or"
    only separates words, so any string parses."""
    query, pending_or = ParsedQuery(), False
    for match in QUERY_TOKEN.finditer(fold(text)):
        negated, phrase, bare = match.group(1) == "-", match.group(2), match.group(3)
        if bare is not None:
            if bare == "or":
                pending_or = bool(query.groups)
                continue
            negated, phrase = bare.startswith("-"), bare.removeprefix("-")
        words = tuple(WORD.findall(phrase))
        if not words:
            continue
        if sum(len(group) for group in query.groups) == MAX_QUERY_TERMS:
            query.cut = True
            break
        term = Term(words, negated)
        if pending_or:
            query.groups[-1].append(term)
        else:
            query.groups.append([term])
        pending_or = False
    return query


# Searching ----------------------------------------------------------------------------------


@dataclass
class Passage:
    """A matching claim or footnote, as a list of (text, highlighted) segments."""

    kind: str
    number: int
    heading: str
    url: str
    segments: list[tuple[str, bool]]

    @property
    def is_footnote(self) -> bool:
        return self.kind == SearchEntry.Kind.FOOTNOTE


@dataclass
class ProfileResult:
    profile: Profile
    hits: int
    passages: list[Passage]
    more_url: str = ""  # the search for this profile's matches alone

    @property
    def more(self) -> int:
        return self.hits - len(self.passages)


@dataclass
class SearchResults:
    query: str  # the search string as searched: cleaned and cut
    truncated: bool = False
    words_cut: bool = False  # True when words after the first MAX_QUERY_TERMS were left out
    has_words: bool = False  # False when the string holds no word to look for
    page: Page | None = None  # of ProfileResult
    page_not_found: str = ""  # the page number asked for, when there is no such page

    @property
    def profile_count(self) -> int:
        return self.page.paginator.count if self.page else 0

    @property
    def page_range(self):
        """The page numbers to link to, with ellipses for long runs."""
        return self.page.paginator.get_elided_page_range(self.page.number, on_each_side=2)


@dataclass
class ProfileMatches(SearchResults):
    """Every match of a search in one profile (`page` is a Page of Passage, in reading order)."""

    address: str = ""  # the profile asked for, "<country>/<topic>", as searched
    profile: Profile | None = None  # None when nothing matches (or there is no such profile)

    @property
    def hits(self) -> int:
        return self.page.paginator.count if self.page else 0

    @property
    def everywhere_url(self) -> str:
        """The same search in every profile."""
        return "?" + urlencode({"q": self.query})


def profile_address(profile: Profile) -> str:
    """Name a profile for the search's `profile` parameter: "<country>/<topic>"."""
    return f"{profile.country.slug}/{profile.topic.slug}"


def search_public(query: str, *, page: str | int | None = 1) -> SearchResults:
    """Search the published claims and footnotes of public profiles.

    Return one page of profiles, best first, each with its best passages highlighted. Takes a
    fixed number of queries: count the profiles, fetch a page of them, fetch their passages
    (and, on PostgreSQL, the word forms to highlight).
    """
    text, truncated = clean_query(query)
    results = SearchResults(query=text, truncated=truncated)
    parsed = parse_query(text)
    results.words_cut = parsed.cut
    if not parsed.positive_words:
        return results
    results.has_words = True

    backend = _backend()
    entries = backend.match(
        SearchEntry.objects.filter(
            publication=F("profile__latest_publication"), profile__withdrawn_at__isnull=True
        ),
        parsed,
    )
    groups = (
        entries.values("profile_id")
        .annotate(total=Sum("score"), hits=Count("pk"))
        .order_by("-total", "profile__country__name", "profile__topic__name", "profile_id")
    )
    paginator = Paginator(groups, PROFILES_PER_PAGE)
    try:
        results.page = paginator.page(page or 1)
    except (PageNotAnInteger, EmptyPage):
        results.page_not_found = str(page)[:20]
        results.page = paginator.page(1)
    if not paginator.count:
        return results

    hits = {row["profile_id"]: row["hits"] for row in results.page.object_list}
    shown = list(
        entries.filter(profile_id__in=list(hits))
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=F("profile_id"),
                order_by=[F("score").desc(), "kind", "number"],
            )
        )
        .filter(place__lte=PASSAGES_PER_PROFILE)
        .select_related("profile__country", "profile__topic")
        .defer("normalised", "search_vector")
        .order_by("kind", "number")
    )
    words = {fold(word) for entry in shown for word in WORD.findall(entry.text)}
    is_match = backend.matcher(parsed, words)
    by_profile: dict[int, ProfileResult] = {}
    for entry in shown:
        if entry.profile_id not in by_profile:
            address = profile_address(entry.profile)
            more_url = "?" + urlencode({"q": text, "profile": address}, safe="/")
            by_profile[entry.profile_id] = ProfileResult(
                entry.profile, hits[entry.profile_id], [], more_url
            )
        by_profile[entry.profile_id].passages.append(_passage(entry, is_match))
    results.page.object_list = [by_profile[pk] for pk in hits if pk in by_profile]
    return results


def search_profile(query: str, *, address: str, page: str | int | None = 1) -> ProfileMatches:
    """Search the published claims and footnotes of one public profile, named by its
    address ("<country>/<topic>", as profile_address gives it).

    Return one page of all its matching passages, highlighted, in reading order (claims, then
    footnotes). Takes a fixed number of queries: count the passages, fetch a page of them
    (and, on PostgreSQL, the word forms to highlight).
    """
    text, truncated = clean_query(query)
    address = address[:MAX_ADDRESS_LENGTH]
    results = ProfileMatches(query=text, truncated=truncated, address=address)
    parsed = parse_query(text)
    results.words_cut = parsed.cut
    if not parsed.positive_words:
        return results
    results.has_words = True

    country, _slash, topic = address.strip("/").partition("/")
    backend = _backend()
    entries = (
        backend.match(
            SearchEntry.objects.filter(
                publication=F("profile__latest_publication"),
                profile__withdrawn_at__isnull=True,
                profile__country__slug=country,
                profile__topic__slug=topic,
            ),
            parsed,
        )
        .select_related("profile__country", "profile__topic")
        .defer("normalised", "search_vector")
        .order_by("kind", "number")
    )
    paginator = Paginator(entries, PASSAGES_PER_PAGE)
    try:
        results.page = paginator.page(page or 1)
    except (PageNotAnInteger, EmptyPage):
        results.page_not_found = str(page)[:20]
        results.page = paginator.page(1)
    shown = list(results.page.object_list)
    if not shown:
        return results

    results.profile = shown[0].profile
    words = {fold(word) for entry in shown for word in WORD.findall(entry.text)}
    is_match = backend.matcher(parsed, words)
    results.page.object_list = [_passage(entry, is_match) for entry in shown]
    return results


def _passage(entry: SearchEntry, is_match: Callable[[str], bool]) -> Passage:
    return Passage(
        kind=entry.kind,
        number=entry.number,
        heading=entry.heading,
        url=f"{entry.profile.get_absolute_url()}#{entry.anchor}",
        segments=highlight(entry.text, is_match),
    )


def highlight(text: str, is_match: Callable[[str], bool]) -> list[tuple[str, bool]]:
    """Split text into (text, highlighted) segments, highlighting the words `is_match`
    accepts (given folded), and cut a long text to an excerpt around its first match."""
    spans = []
    for word in WORD.finditer(text):
        if is_match(fold(word.group())):
            start, end = word.span()
            if spans and not text[spans[-1][1] : start].strip():
                start = spans.pop()[0]  # one mark for consecutive matching words
            spans.append((start, end))

    begin, finish = 0, len(text)
    if len(text) > EXCERPT_LENGTH:
        anchor = spans[0][0] if spans else 0
        begin = max(0, anchor - EXCERPT_LENGTH // 4)
        if begin:
            begin = _word_start_after(text, begin)
        finish = min(len(text), begin + EXCERPT_LENGTH)
        if finish < len(text):
            finish = text.rfind(" ", begin, finish) if " " in text[begin:finish] else finish

    segments, position = [], begin
    if begin:
        segments.append(("…", False))
    for start, end in spans:
        start, end = max(start, begin), min(end, finish)
        if start >= end:
            continue
        if start > position:
            segments.append((text[position:start], False))
        segments.append((text[start:end], True))
        position = end
    if position < finish:
        segments.append((text[position:finish], False))
    if finish < len(text):
        segments.append(("…", False))
    return segments


def _word_start_after(text: str, index: int) -> int:
    space = text.find(" ", index)
    return index if space == -1 else space + 1


# The two databases --------------------------------------------------------------------------


class _PostgreSQL:
    def fill_vectors(self, entries: QuerySet) -> None:
        # history-safe: SearchEntry is derived from a publication and keeps no history.
        entries.update(search_vector=SearchVector("normalised", config=SEARCH_CONFIG))

    def match(self, entries: QuerySet, query: ParsedQuery) -> QuerySet:
        search = SearchQuery(query.websearch(), search_type="websearch", config=SEARCH_CONFIG)
        return entries.filter(search_vector=search).annotate(
            score=Cast(SearchRank(F("search_vector"), search), FloatField())
        )

    def matcher(self, query: ParsedQuery, words: set[str]) -> Callable[[str], bool]:
        """Accept the words with a word form (lexeme) in common with the query's words."""
        positive = sorted(query.positive_words)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT word, tsvector_to_array(to_tsvector(%s::regconfig, word)) "
                "FROM unnest(%s::text[]) AS word",
                [SEARCH_CONFIG, positive + sorted(words - set(positive))],
            )
            lexemes = {word: set(forms) for word, forms in cursor.fetchall()}
        wanted = set().union(*(lexemes.get(word, set()) for word in positive))
        return lambda word: bool(lexemes.get(word, set()) & wanted)


class _SQLite:
    def fill_vectors(self, entries: QuerySet) -> None:
        pass  # no tsvector: the search reads `normalised`

    def match(self, entries: QuerySet, query: ParsedQuery) -> QuerySet:
        condition = Q()
        for group in query.groups:
            alternatives = Q()
            for term in group:
                found = Q(normalised__contains=self._needle(term))
                alternatives |= ~found if term.negated else found
            condition &= alternatives
        hits = [
            self._occurrences(self._needle(term))
            for group in query.groups
            for term in group
            if not term.negated
        ]
        return entries.filter(condition).annotate(score=sum(hits[1:], hits[0]))

    def matcher(self, query: ParsedQuery, words: set[str]) -> Callable[[str], bool]:
        """Accept the words that begin with one of the query's words."""
        positive = tuple(query.positive_words)
        return lambda word: word.startswith(positive)

    @staticmethod
    def _needle(term: Term) -> str:
        # `normalised` has a space before every word, so this matches at the start of a word.
        return " " + " ".join(term.words)

    @staticmethod
    def _occurrences(needle: str):
        removed = Length("normalised") - Length(Replace("normalised", Value(needle), Value("")))
        return removed / len(needle)


def _backend() -> _PostgreSQL | _SQLite:
    return _PostgreSQL() if connection.vendor == "postgresql" else _SQLite()
