"""How ready a profile is to publish: sourced claims and the review state of its citations."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q

from citations.models import Citation, ReviewState
from profiles.models import Claim


@dataclass(frozen=True)
class Readiness:
    claims: int
    cited_claims: int
    unsourced_claims: int
    no_citation_needed: int
    citations_by_state: dict[str, int] = field(default_factory=dict)

    @property
    def citations(self) -> int:
        return sum(self.citations_by_state.values())

    @property
    def disputed(self) -> int:
        return self.citations_by_state.get(ReviewState.DISPUTED, 0)

    @property
    def unreviewed(self) -> int:
        return self.citations_by_state.get(ReviewState.UNREVIEWED, 0)

    @property
    def can_publish(self) -> bool:
        return self.disputed == 0

    @classmethod
    def of(cls, profile) -> Readiness:
        """Count a profile's claims and citations in two queries."""
        has_citation = Exists(Citation.objects.filter(claim=OuterRef("pk")))
        claims = (
            Claim.objects.filter(section__profile=profile)
            .annotate(has_citation=has_citation)
            .aggregate(
                total=Count("pk"),
                cited=Count("pk", filter=Q(has_citation=True)),
                waived=Count("pk", filter=Q(has_citation=False, no_citation_needed=True)),
            )
        )
        by_state = dict(
            Citation.objects.filter(claim__section__profile=profile)
            .order_by()
            .values_list("review_state")
            .annotate(count=Count("pk"))
        )
        return cls(
            claims=claims["total"],
            cited_claims=claims["cited"],
            unsourced_claims=claims["total"] - claims["cited"] - claims["waived"],
            no_citation_needed=claims["waived"],
            citations_by_state={state: by_state.get(state, 0) for state in ReviewState.values},
        )
