"""Profiles' trees, in memory: how big each profile is, and its sections, claims, footnotes
and source links, written before any of it is inserted."""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from citations.models import Citation, CitationSource, ReviewState, Source
from profiles.demo_data.prose import CitedSource
from profiles.demo_data.statuses import treaty_status_sentence, treaty_status_summary
from profiles.demo_data.vocabulary import TopicSpec, vocabulary
from profiles.models import Claim, Profile, Publication, Section, SectionKind, SectionLevel

if TYPE_CHECKING:
    from profiles.demo_data.generation import Generation


@dataclass
class ProfilePlan:
    """What one profile will hold, drawn before any of it is written."""

    profile: Profile
    spec: TopicSpec
    claims: int
    sections: int
    editor: object
    index_in_topic: int
    largest: bool = False
    draft: bool = False
    withdrawn: bool = False
    older_layout: bool = False
    latest: Publication | None = None


@dataclass
class Tree:
    """A profile's sections, claims, citations and source links, unsaved until inserted."""

    sections: list[Section] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    links: list[CitationSource] = field(default_factory=list)

    def extend(self, other: Tree) -> None:
        """Add another tree's rows to this one's."""
        self.sections += other.sections
        self.claims += other.claims
        self.citations += other.citations
        self.links += other.links


def profile_size(rng: random.Random, largest: int) -> int:
    """Draw a profile's number of claims: mostly 15–60, now and then a long one, always fewer
    than the largest profile's."""
    if rng.random() < 0.03:
        size = rng.randint(60, max(60, min(largest, 200)))
    else:
        size = round(rng.lognormvariate(math.log(32), 0.38))
    return max(4, min(size, largest - 1))


def section_count(claims: int, *, largest_claims: int, largest_sections: int) -> int:
    """Scale the number of sections with the square root of the profile's size."""
    scaled = round(largest_sections * math.sqrt(claims / largest_claims))
    return max(2, min(scaled, largest_sections, claims))


def _paragraph_sizes(rng: random.Random, claims: int) -> Iterator[int]:
    while claims > 0:
        size = min(claims, rng.choices((1, 2, 3, 4), (35, 35, 20, 10))[0])
        claims -= size
        yield size


class TreeWriter:
    """Writes one profile's tree: a summary (or, in the older layout, none), then body
    sections of paragraphs of claims, each claim with its footnotes and their sources."""

    def __init__(self, generation: Generation, plan: ProfilePlan):
        self.generation = generation
        self.rng = generation.rng
        self.prose = generation.prose
        self.plan = plan
        country, spec = plan.profile.country, plan.spec
        self.treaty = generation.treaties.get(spec.treaty)
        self.status = generation.statuses.get((country.pk, self.treaty.pk)) if self.treaty else None
        self.context = {
            "country": country.name,
            "weapon": spec.weapon,
            "treaty": vocabulary().treaty(spec.treaty).name,
            "meetings": vocabulary().meetings(spec.treaty),
        }
        self.sentences = self.prose.sentences(spec.family, self.context)
        self.own_sources = generation.sources_of[country.pk]
        self.previous_links: list[tuple[Source, str]] = []
        self.marker_spacing = " " if plan.older_layout else ""
        self.claim_counts: dict[int, int] = {}
        self.tree = Tree()

    def write(self) -> Tree:
        """Write the profile's sections, claims and citations, and return them."""
        plan = self.plan
        summary = 0 if plan.older_layout else (3 if plan.largest else self.rng.randint(1, 3))
        # Every body section has a claim at least.
        summary = min(summary, plan.claims - plan.sections + 1)
        bodies = plan.sections - (1 if summary else 0)
        headings = self.prose.headings(plan.spec.family, bodies)
        if summary:
            self.summary(summary)
        for index, ((heading, level), count) in enumerate(
            zip(headings, self.claims_per_section(plan.claims - summary, bodies), strict=True)
        ):
            self.body_section(heading, level, count, states_status=index == 0)
        return self.tree

    def claims_per_section(self, claims: int, sections: int) -> list[int]:
        """Deal the claims out to the sections, one at least each."""
        counts = [1] * sections
        for index in self.rng.choices(range(sections), k=claims - sections):
            counts[index] += 1
        return counts

    def summary(self, count: int) -> None:
        """Write the summary: the treaty status, if the topic has a treaty, then sentences."""
        section = self.section(SectionKind.SUMMARY, "", SectionLevel.HEADING)
        texts = [treaty_status_summary(self.context["country"], self.status)] if self.treaty else []
        texts += [next(self.sentences) for _ in range(count - len(texts))]
        for paragraph, text in enumerate(texts[:count], 1):
            self.claim(section, text, paragraph, no_citation_needed=True)

    def body_section(self, heading: str, level: int, count: int, *, states_status: bool) -> None:
        """Write a section; a policy profile's first one opens with the treaty status."""
        section = self.section(SectionKind.BODY, heading, level)
        texts = [next(self.sentences) for _ in range(count)]
        if states_status and self.treaty and self.plan.spec.family in {"ban", "ccw"}:
            texts[0] = treaty_status_sentence(
                self.context["country"], self.status, self.context["treaty"]
            )
        texts_left = iter(texts)
        for paragraph, size in enumerate(_paragraph_sizes(self.rng, count), 1):
            for _ in range(size):
                self.claim(section, next(texts_left), paragraph)

    def section(self, kind: str, heading: str, level: int) -> Section:
        """Add a section after the others."""
        section = Section(
            profile=self.plan.profile,
            position=len(self.tree.sections) + 1,
            kind=kind,
            heading=heading,
            level=level,
        )
        self.tree.sections.append(section)
        return section

    def claim(self, section: Section, text: str, paragraph: int, **fields) -> None:
        """Add a claim to a section, with its citations unless it needs none."""
        self.claim_counts[id(section)] = self.claim_counts.get(id(section), 0) + 1
        claim = Claim(
            section=section,
            position=self.claim_counts[id(section)],
            paragraph=paragraph,
            text=text,
            text_changed_by_id=self.plan.editor.pk,
            **fields,
        )
        self.tree.claims.append(claim)
        if fields.get("no_citation_needed"):
            return
        count = self.rng.choices((0, 1, 2, 3), (3, 80, 14, 3))[0]
        for number in range(1, count + 1):
            self.citation(claim, number)

    def citation(self, claim: Claim, position: int) -> None:
        """Add a footnote to a claim, with links to the sources it cites (or "Ibid.")."""
        if self.previous_links and self.rng.random() < 0.03:
            text, links = "Ibid.", self.previous_links[-1:]
        else:
            cited = self.cited_sources()
            text = self.prose.footnote(cited, self.context)
            links = [(item.source, pinpoint) for item, pinpoint in cited]
            if self.rng.random() < 0.3:
                links = []  # as when the importer could not read the footnote's sources
        citation = Citation(
            claim=claim,
            position=position,
            text=text,
            marker_spacing=self.marker_spacing,
            text_changed_by_id=self.plan.editor.pk,
            **self.review(),
        )
        self.tree.citations.append(citation)
        for number, (source, pinpoint) in enumerate(links, 1):
            self.tree.links.append(
                CitationSource(citation=citation, source=source, position=number, pinpoint=pinpoint)
            )
        self.previous_links = links or self.previous_links

    def cited_sources(self) -> list[tuple[CitedSource, str]]:
        """Draw the sources a footnote cites, the country's own more often, with pinpoints."""
        count = self.rng.choices((1, 2, 3), (85, 12, 3))[0]
        cited = []
        for _ in range(count):
            pool = self.own_sources if self.rng.random() < 0.6 else self.generation.common_sources
            item = self.rng.choice(pool)
            if all(item is not known for known, _pinpoint in cited):
                pinpoint = self.rng.choice(item.pinpoints) if item.pinpoints else ""
                cited.append((item, pinpoint))
        return cited

    def review(self) -> dict:
        """Draw a review state: mostly verified, before the import, by a fact-checker."""
        words = vocabulary()
        draw = self.rng.random()
        if draw < 0.15:
            return {}
        if draw < 0.2:
            state, notes = ReviewState.SOURCE_UNAVAILABLE, words.unavailable_notes
        elif draw < 0.205 and not self.plan.largest:
            # A profile with a disputed citation cannot be published: keep the largest free.
            state, notes = ReviewState.DISPUTED, words.disputed_notes
        else:
            state, notes = ReviewState.VERIFIED, words.verified_notes
        reviewed_at = self.generation.imported_at - datetime.timedelta(
            days=self.rng.randint(1, 700), seconds=self.rng.randint(0, 86_399)
        )
        return {
            "review_state": state,
            "reviewed_by_id": self.rng.choice(self.generation.fact_checkers).pk,
            "reviewed_at": reviewed_at,
            "review_note": self.rng.choice(notes),
        }
