"""Comment threads on claims and footnotes: the editors', fact-checkers' and publishers'
conversation about the working copy, internal to the admin.

A thread is its first comment (Comment.thread is None); replies point to it. Resolving or
reopening a thread sets or clears the first comment's `resolved_at` and `resolved_by`. A reply
to a resolved thread reopens it, in the same change set: a conversation that carries on is not
settled, and a reply hidden under "resolved" would go unread.

Every write goes through HistoryWriter inside one change set, so the history names who
commented, resolved or reopened. Comments are never public: no snapshot, export, feed or API
reads them (tests/citations/test_comments.py checks every public address).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from citations.models import Citation, Comment
from history.changesets import change_set
from history.writer import HistoryWriter
from profiles.models import Claim
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS

COMMENTING_GROUPS = (EDITORS, FACT_CHECKERS, PUBLISHERS)
MAX_LENGTH = Comment._meta.get_field("text").max_length
# Comments are part of the editorial conversation: their change sets are edits.
ACTION = "edit"


class CommentRefused(PermissionDenied):
    """Someone who may not comment tried to; the message says why."""


def can_comment(user) -> bool:
    """Whether `user` may start, answer, resolve and reopen threads: an active member of the
    Editors, Fact-checkers or Publishers who may view profiles (superusers too must be in one
    of these groups: powers come from roles)."""
    if not (user.is_active and user.is_staff and user.has_perm("profiles.view_profile")):
        return False
    cached = getattr(user, "_can_comment", None)
    if cached is None:
        cached = user.groups.filter(name__in=COMMENTING_GROUPS).exists()
        user._can_comment = cached
    return cached


def _require_commenter(user) -> None:
    if not can_comment(user):
        raise CommentRefused("Only editors, fact-checkers and publishers can comment.")


def clean_text(text: str) -> str:
    """Return the comment's text stripped; raise ValidationError when it is empty or longer
    than a comment holds."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationError("Write your comment first: it is empty.", code="required")
    if len(text) > MAX_LENGTH:
        raise ValidationError(
            f"A comment holds at most {MAX_LENGTH:,} characters; this one has {len(text):,}. "
            "Shorten it, or split it into two replies.",
            code="max_length",
        )
    return text


def thread_start(*, about: Claim | Citation, text: str, user) -> Comment:
    """Start a thread on a claim or on a footnote (citation), in its profile."""
    _require_commenter(user)
    text = clean_text(text)
    if isinstance(about, Citation):
        citation = Citation.objects.select_related("claim__section").get(pk=about.pk)
        claim = citation.claim
    elif isinstance(about, Claim):
        citation, claim = None, Claim.objects.select_related("section").get(pk=about.pk)
    else:
        raise TypeError("A thread is about a claim or a citation.")
    comment = Comment(
        profile_id=claim.section.profile_id,
        claim=claim,
        citation=citation,
        author=user,
        text=text,
    )
    reason = "Started a thread on a footnote" if citation else "Started a thread on a claim"
    with transaction.atomic(), change_set(action=ACTION, user=user, reason=reason):
        HistoryWriter(user=user, reason=reason).save(comment)
    return comment


def comment_reply(*, thread: Comment, text: str, user) -> Comment:
    """Answer a thread; a resolved thread is reopened by the reply."""
    _require_commenter(user)
    text = clean_text(text)
    with transaction.atomic(), change_set(action=ACTION, user=user, reason="Replied"):
        first = _locked_thread(thread)
        if first.resolved_at is not None:
            _set_resolved(first, user=user, resolved=False, reason="Reopened by a reply")
        reply = Comment(
            profile_id=first.profile_id,
            claim_id=first.claim_id,
            citation_id=first.citation_id,
            thread=first,
            author=user,
            text=text,
        )
        HistoryWriter(user=user, reason="Replied").save(reply)
    return reply


def thread_resolve(*, thread: Comment, user) -> Comment:
    """Mark a thread resolved (nothing is written if it already is)."""
    return _resolution(thread, user=user, resolved=True)


def thread_reopen(*, thread: Comment, user) -> Comment:
    """Open a resolved thread again (nothing is written if it is open)."""
    return _resolution(thread, user=user, resolved=False)


def _resolution(thread: Comment, *, user, resolved: bool) -> Comment:
    _require_commenter(user)
    reason = "Resolved a thread" if resolved else "Reopened a thread"
    with transaction.atomic(), change_set(action=ACTION, user=user, reason=reason):
        first = _locked_thread(thread)
        if (first.resolved_at is not None) != resolved:
            _set_resolved(first, user=user, resolved=resolved, reason=reason)
    return first


def _locked_thread(thread: Comment) -> Comment:
    """Return the thread's first comment, locked for this transaction; refuse a reply."""
    if thread.thread_id is not None:
        raise ValidationError("Answer or resolve the thread, not one of its replies.")
    return Comment.objects.select_for_update().get(pk=thread.pk)


def _set_resolved(first: Comment, *, user, resolved: bool, reason: str) -> None:
    first.resolved_at = timezone.now() if resolved else None
    first.resolved_by = user if resolved else None
    HistoryWriter(user=user, reason=reason).save(
        first, update_fields=["resolved_at", "resolved_by"]
    )


# Reading --------------------------------------------------------------------------------------


@dataclass
class ThreadCounts:
    """How many threads there are on each claim and each footnote, and how many are open."""

    claims: dict[int, tuple[int, int]] = field(default_factory=dict)  # id -> (open, all)
    footnotes: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def open(self) -> int:
        """Unresolved threads in all."""
        return sum(o for o, _ in self.claims.values()) + sum(o for o, _ in self.footnotes.values())

    def claim(self, pk) -> tuple[int, int]:
        return self.claims.get(pk, (0, 0))

    def footnote(self, pk) -> tuple[int, int]:
        return self.footnotes.get(pk, (0, 0))


def thread_counts(comments) -> ThreadCounts:
    """Count the threads of `comments` (a Comment queryset, say a profile's) by claim and by
    footnote, in one query whatever their number."""
    counts = ThreadCounts()
    for row in comments.counts_by_subject():
        if row["citation"] is None:
            counts.claims[row["claim"]] = (row["open"], row["threads"])
        else:
            counts.footnotes[row["citation"]] = (row["open"], row["threads"])
    return counts


def profile_thread_counts(profile_id: int) -> ThreadCounts:
    """The thread counts of a profile's claims and footnotes (one query)."""
    return thread_counts(Comment.objects.filter(profile_id=profile_id))


def claims_thread_counts(claim_ids) -> ThreadCounts:
    """The thread counts of some claims and their footnotes (one query): for the queue."""
    return thread_counts(Comment.objects.filter(claim__in=list(claim_ids)))


def comments_for(*, claim_id: int, citation_id: int | None) -> list[Comment]:
    """Return the threads on a claim (citation_id None) or on a footnote, newest first, each
    with its replies in order at `.thread_replies`, and authors, in one query."""
    comments = list(
        Comment.objects.filter(claim_id=claim_id, citation_id=citation_id)
        .select_related("author", "resolved_by")
        .order_by("created_at", "pk")
    )
    threads = [comment for comment in comments if comment.thread_id is None]
    by_id = {comment.pk: comment for comment in threads}
    for comment in threads:
        comment.thread_replies = []
    for comment in comments:
        if comment.thread_id is not None and comment.thread_id in by_id:
            by_id[comment.thread_id].thread_replies.append(comment)
    # Open threads first, then the newest.
    threads.sort(key=lambda c: (c.resolved_at is not None, -c.created_at.timestamp(), -c.pk))
    return threads
