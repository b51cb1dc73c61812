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
    reviewed_by: str  # the reviewer's username, "" if not known
    reviewed_at: datetime | None
    note: str
    reset_by: str  # who cleared it (username), "" if not known
    reset_at: datetime
    reset_reason: str  # e.g. "the footnote's text changed"; empty if a fact-checker reset it

    @property
    def state_label(self) -> str:
        return self.state.label


def previous_reviews(citations) -> dict[int, PreviousReview]:
    """Return, for each of `citations` that is unreviewed but was reviewed before, that
    review (keyed by the citation's id). One query, or none when no citation qualifies.

    It reads the citations' history records in order, a handful each, and keeps the last
    verdict and the record that cleared it: in Python, because asking the database for just
    those two records (a subquery for each) cost more to compile than this costs to read."""
    ids = [c.pk for c in citations if c.review_state == ReviewState.UNREVIEWED]
    if not ids:
        return {}
    records = (
        HistoricalCitation.objects.filter(id__in=ids)
        .order_by("id", "history_id")
        .values_list(
            *("id", "review_state", "reviewed_by__username", "reviewed_at", "review_note"),
            *("history_date", "history_user__username", "history_change_reason"),
        )
    )
    verdicts, found = {}, {}
    for pk, state, reviewer, reviewed_at, note, at, user, reason in records:
        if state != ReviewState.UNREVIEWED:
            verdicts[pk] = (ReviewState(state), reviewer or "", reviewed_at, note)
            found.pop(pk, None)  # a later verdict, not yet cleared (if ever)
        elif pk in verdicts and pk not in found:
            # The first unreviewed record after the last verdict: the one that cleared it.
            state, reviewer, reviewed_at, note = verdicts[pk]
            found[pk] = PreviousReview(
                state=state,
                reviewed_by=reviewer,
                reviewed_at=reviewed_at,
                note=note,
                reset_by=user or "",
                reset_at=at,
                reset_reason=reset_reason(reason),
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
