"""How ready a profile is to publish: sourced claims, the review state of its citations and its
unresolved comment threads."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q

from citations.models import Citation, Comment, ReviewState
from profiles.models import Claim


@dataclass(frozen=True)
class Readiness:
    claims: int
    cited_claims: int
    unsourced_claims: int
    no_citation_needed: int
    citations_by_state: dict[str, int] = field(default_factory=dict)
    # Unresolved comment threads: internal, so they never stop a single profile's publishing;
    # in a release they keep the profile from being ready (ReleaseProfileQuerySet).
    open_threads: int = 0

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
        """Count a profile's claims, citations and unresolved threads in two queries."""
        has_citation = Exists(Citation.objects.filter(claim=OuterRef("pk")))
        claims = (
            Claim.objects.filter(section__profile=profile)
            .annotate(has_citation=has_citation)
            .aggregate(
                total=Count("pk"),
                cited=Count("pk", filter=Q(has_citation=True)),
                waived=Count("pk", filter=Q(has_citation=False, no_citation_needed=True)),
                # The profile's open threads ride on its claims' query: the count does not
                # depend on the row (the database works it out once), and every thread is on
                # a claim, so a profile without claims has none (the aggregate is then None).
                open_threads=Max(Comment.objects.open_in_profile(profile)),
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
            open_threads=claims["open_threads"] or 0,
        )
