"""Reviews read back from the citations' history.

A citation keeps only its current review. When an editor changes the text under review the
review is cleared (citations.models.Citation.save, profiles.models.Claim.save), and the
verdict and note it had live on only in the history records. Both readers here take a fixed
number of queries, however many citations they are asked about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery

from citations.models import REVIEW_RESET, Citation, ReviewState

HistoricalCitation = Citation.history.model


@dataclass(frozen=True)
class PreviousReview:
    """The last review of a citation that is unreviewed again, and what cleared it."""

    state: ReviewState
    reviewed_by: object  # the user, or None
    reviewed_at: datetime | None
    note: str
    reset_by: object  # the user, or None
    reset_at: datetime
    reset_reason: str  # e.g. "the footnote's text changed"; empty if a fact-checker reset it

    @property
    def state_label(self) -> str:
        return self.state.label


def previous_reviews(citations) -> dict[int, PreviousReview]:
    """Return, for each of `citations` that is unreviewed but was reviewed before, that
    review (keyed by the citation's id). Two queries, or none when no citation qualifies."""
    ids = [c.pk for c in citations if c.review_state == ReviewState.UNREVIEWED]
    if not ids:
        return {}
    records = HistoricalCitation.objects.filter(id=OuterRef("id"))
    # The latest record with a verdict: every record after it is unreviewed, so the first
    # of them is the one that cleared the review.
    last_verdict = (
        records.exclude(review_state=ReviewState.UNREVIEWED)
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    cleared = (
        records.filter(history_id__gt=OuterRef("history_id"))
        .order_by("history_id")
        .values("history_id")[:1]
    )
    verdicts = list(
        HistoricalCitation.objects.filter(id__in=ids, history_id=Subquery(last_verdict))
        .select_related("reviewed_by")
        .annotate(cleared_by_record=Subquery(cleared))
        .order_by()
    )
    resets = HistoricalCitation.objects.select_related("history_user").in_bulk(
        [verdict.cleared_by_record for verdict in verdicts if verdict.cleared_by_record]
    )
    found = {}
    for verdict in verdicts:
        reset = resets.get(verdict.cleared_by_record)
        if reset is None:
            continue
        found[verdict.id] = PreviousReview(
            state=ReviewState(verdict.review_state),
            reviewed_by=verdict.reviewed_by,
            reviewed_at=verdict.reviewed_at,
            note=verdict.review_note,
            reset_by=reset.history_user,
            reset_at=reset.history_date,
            reset_reason=reset_reason(reset.history_change_reason),
        )
    return found


@dataclass(frozen=True)
class ResetReview:
    """A citation whose review a change set reset, and the state it was in before."""

    citation_id: int
    was: ReviewState


def reviews_reset_in(change_set_id: int) -> list[ResetReview]:
    """Return the reviews that the change set reset because their text changed, in the
    order it reset them (one query)."""
    before = (
        HistoricalCitation.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("review_state")[:1]
    )
    records = (
        HistoricalCitation.objects.filter(
            change_set_id=change_set_id, history_change_reason__startswith=REVIEW_RESET
        )
        .annotate(was=Subquery(before))
        .order_by("history_id")
        .values_list("id", "was")
    )
    seen, resets = set(), []
    for citation_id, was in records:
        if citation_id not in seen and was and was != ReviewState.UNREVIEWED:
            seen.add(citation_id)
            resets.append(ResetReview(citation_id=citation_id, was=ReviewState(was)))
    return resets


def reset_reason(change_reason: str | None) -> str:
    """Return why a review was reset, from its record's change reason ("" if not said)."""
    prefix = f"{REVIEW_RESET}: "
    if change_reason and change_reason.startswith(prefix):
        return change_reason.removeprefix(prefix)
    return ""
