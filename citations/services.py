"""Editorial acts on citations: fact-checking reviews."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from citations.models import REVIEW_FIELDS, Citation, ReviewState


class ReviewRefused(PermissionDenied):
    """A review the rules do not allow; the message says why."""


def citation_review(*, citation: Citation, reviewer, state: str, note: str = "") -> Citation:
    """Record a fact-checker's review of one citation.

    Four eyes: whoever last wrote the claim's text or the footnote's cannot verify it.
    """
    if state not in ReviewState.values:
        raise ValueError(f"Unknown review state “{state}”.")
    if not reviewer.has_perm("citations.review_citation"):
        raise ReviewRefused("You are not a fact-checker.")
    with transaction.atomic():
        citation = (
            Citation.objects.select_for_update(of=("self",))
            .select_related("claim")
            .get(pk=citation.pk)
        )
        authors = {citation.text_changed_by_id, citation.claim.text_changed_by_id}
        if state == ReviewState.VERIFIED and reviewer.pk in authors:
            raise ReviewRefused(
                "You wrote the current text of this claim or footnote: another fact-checker "
                "must verify it."
            )
        citation.review_state = state
        citation.reviewed_by = reviewer if state != ReviewState.UNREVIEWED else None
        citation.reviewed_at = timezone.now() if state != ReviewState.UNREVIEWED else None
        citation.review_note = note.strip()
        citation._history_user = reviewer
        citation._change_reason = f"Reviewed: {ReviewState(state).label.lower()}"
        citation.save(update_fields=REVIEW_FIELDS)
    return citation


def citations_review(*, citations, reviewer, state: str, note: str = "") -> tuple[int, list[str]]:
    """Review several citations in one transaction; return how many were reviewed and why
    the others were refused (all are tried; refusals don't stop the rest)."""
    reviewed, refusals = 0, []
    with transaction.atomic():
        for citation in citations:
            try:
                citation_review(citation=citation, reviewer=reviewer, state=state, note=note)
            except ReviewRefused as refusal:
                refusals.append(f"{citation}: {refusal}")
            else:
                reviewed += 1
    return reviewed, refusals
