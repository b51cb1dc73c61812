"""The admin home: what each role needs to know first, where things stand and what to do next.

Editors see the profiles they changed that the public has not seen yet, the disputes on
profiles they have worked on and their recent edits; fact-checkers what awaits review, by
profile, and their recent reviews; publishers what is ready to publish (nothing disputed,
nothing unreviewed) and what is blocked, and why. A user sees the panels of each role
(profiles/roles.py) they are in; someone in no role sees none.

The home spans profiles and citations, so it is composed here, above both apps. Each panel
runs a fixed number of queries whatever the data: counts are aggregates, lists are limited
and annotated, nothing is looked up row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.http import urlencode

from citations.filters import ANY_STATE
from citations.models import Citation, ReviewState
from profiles.models import (
    NOT_WORKING_COPY_ACTIONS,
    ChangeSetAction,
    CorrectionRequest,
    Profile,
    ProfileChangeSet,
    ProfileState,
)
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS

# How many rows each list of a panel shows; the panel says how many there are in all.
ROWS = 10


def queue_url(name: str = "citations:review_queue", **parameters) -> str:
    """The review queue (or the disputes page), filtered as citations/filters.py reads it."""
    url = reverse(name)
    return f"{url}?{urlencode(parameters)}" if parameters else url


def profiles_url(**parameters) -> str:
    url = reverse("admin:profiles_profile_changelist")
    return f"{url}?{urlencode(parameters)}" if parameters else url


# Editors ----------------------------------------------------------------------------------------


@dataclass
class Edit:
    """One of an editor's recent change sets, within one profile."""

    at: object
    action: str
    reason: str
    profile: Profile | None  # None once the profile is deleted
    compare_url: str


@dataclass
class EditorHome:
    changed: list[Profile]
    changed_count: int
    all_changed_count: int
    draft_count: int
    disputes: list[dict]
    disputed_count: int
    disputed_profile_count: int
    new_corrections: int = 0
    recent: list[Edit] = field(default_factory=list)

    @property
    def changed_more(self) -> int:
        return self.changed_count - len(self.changed)

    @property
    def disputes_more(self) -> int:
        return self.disputed_profile_count - len(self.disputes)

    @property
    def all_changed_url(self) -> str:
        return profiles_url(state=ProfileState.CHANGED)

    @property
    def drafts_url(self) -> str:
        return profiles_url(state=ProfileState.DRAFT)

    @property
    def disputes_url(self) -> str:
        return queue_url("citations:disputes")

    @property
    def corrections_url(self) -> str:
        """The readers' correction requests no one has answered yet."""
        url = reverse("admin:profiles_correctionrequest_changelist")
        return f"{url}?{urlencode({'state__exact': CorrectionRequest.State.NEW})}"


def editor_home(user) -> EditorHome:
    """Their profiles with unpublished changes, disputes on the profiles they have edited,
    the readers' new correction requests (the desk is everyone's) and their recent edits:
    eight queries.

    "Theirs" are the profiles they changed since the latest edition: an editor's first
    question is whether their own work has reached the public, and a list of every profile
    with changes would bury it at 2,000 profiles. The panel says how many others there are
    and links to every profile with unpublished changes (the profile list, filtered by state).
    """
    mine = Profile.objects.with_state().with_unpublished_changes_by(user)
    changed = list(mine.select_related("country", "topic").order_by("-user_changed_at")[:ROWS])
    changed_count = mine.count()
    states = Profile.objects.with_state().aggregate(
        changed=Count("pk", filter=Q(state_code=ProfileState.CHANGED)),
        drafts=Count("pk", filter=Q(state_code=ProfileState.DRAFT)),
    )
    disputed = Citation.objects.filter(
        review_state=ReviewState.DISPUTED,
        claim__section__profile__in=Profile.objects.edited_by(user),
    )
    disputes = list(disputed.counts_by_profile().order_by("-disputed", "country", "topic")[:ROWS])
    for row in disputes:
        row["url"] = queue_url("citations:disputes", profile=row["profile_id"])
    disputed_totals = disputed.aggregate(
        citations=Count("pk"), profiles=Count("claim__section__profile", distinct=True)
    )
    return EditorHome(
        changed=changed,
        changed_count=changed_count,
        all_changed_count=states["changed"],
        draft_count=states["drafts"],
        disputes=disputes,
        disputed_count=disputed_totals["citations"],
        disputed_profile_count=disputed_totals["profiles"],
        new_corrections=CorrectionRequest.objects.open().count(),
        recent=recent_edits(user),
    )


def recent_edits(user) -> list[Edit]:
    """The user's latest change sets within profiles, newest first: two queries."""
    rows = list(
        ProfileChangeSet.objects.filter(change_set__user=user)
        .exclude(change_set__action__in=NOT_WORKING_COPY_ACTIONS)
        .select_related("change_set")
        .order_by("-created_at", "-change_set")[:ROWS]
    )
    profiles = Profile.objects.select_related("country", "topic").in_bulk(
        {row.profile_id for row in rows}
    )
    return [
        Edit(
            at=row.created_at,
            action=row.change_set.get_action_display(),
            reason=row.change_set.reason,
            profile=profiles.get(row.profile_id),
            compare_url=reverse(
                "admin:profiles_profile_change_set_compare",
                args=[row.profile_id, row.change_set_id],
            ),
        )
        for row in rows
    ]


# Fact-checkers ----------------------------------------------------------------------------------


@dataclass
class FactCheckerHome:
    awaiting: list[dict]
    awaiting_count: int
    awaiting_profile_count: int
    recent: list
    queue_url: str = field(default_factory=queue_url)

    @property
    def awaiting_more(self) -> int:
        return self.awaiting_profile_count - len(self.awaiting)


def fact_checker_home(user) -> FactCheckerHome:
    """What awaits review, by profile (most first), and the user's recent reviews: two
    queries."""
    unreviewed = Citation.objects.filter(review_state=ReviewState.UNREVIEWED)
    # Every profile's row, at most one a profile, gives the totals too: one scan of the
    # unreviewed citations rather than two.
    by_profile = list(unreviewed.counts_by_profile().order_by("-unreviewed", "country", "topic"))
    awaiting = by_profile[:ROWS]
    for row in awaiting:
        row["url"] = queue_url(profile=row["profile_id"])
    # A deleted claim takes its citations' reviews out of this list (inner joins).
    recent = list(
        Citation.history.filter(history_user=user, change_set__action=ChangeSetAction.REVIEW)
        .select_related("claim__section__profile__country", "claim__section__profile__topic")
        .only(
            "history_id",
            "history_date",
            "id",
            "text",
            "review_state",
            "review_note",
            "claim__section__profile__country__name",
            "claim__section__profile__topic__name",
        )
        .order_by("-history_date", "-history_id")[:ROWS]
    )
    for citation in recent:
        citation.queue_url = queue_url(
            profile=citation.claim.section.profile_id, reviewer=user.pk, state=ANY_STATE
        )
    return FactCheckerHome(
        awaiting=awaiting,
        awaiting_count=sum(row["unreviewed"] for row in by_profile),
        awaiting_profile_count=len(by_profile),
        recent=recent,
    )


# Publishers -------------------------------------------------------------------------------------


@dataclass
class PublisherHome:
    ready: list[Profile]
    ready_count: int
    blocked: list[Profile]
    blocked_count: int

    @property
    def ready_more(self) -> int:
        return self.ready_count - len(self.ready)

    @property
    def blocked_more(self) -> int:
        return self.blocked_count - len(self.blocked)


def publication_candidates():
    """Drafts and published profiles with unpublished changes, with `disputed` and
    `unreviewed`, the numbers of their citations in those states (withdrawn profiles are
    left out: they go public again only by a publisher's deliberate choice)."""
    return (
        Profile.objects.with_state()
        .filter(state_code__in=[ProfileState.DRAFT, ProfileState.CHANGED])
        .annotate(
            disputed=Citation.objects.filter(review_state=ReviewState.DISPUTED).count_in_profile(),
            unreviewed=Citation.objects.filter(
                review_state=ReviewState.UNREVIEWED
            ).count_in_profile(),
        )
    )


def publisher_home(user) -> PublisherHome:
    """What is ready to publish (newest change first) and what is blocked (closest to ready
    first), with their numbers: one query.

    The candidates are read once and split here: filtering and ordering them in the database
    made PostgreSQL count every profile's citations for each list (0.16–0.19 s a list at 2,000
    profiles and 83,000 citations), where the candidates, profiles with unpublished changes,
    are few, and at most every profile.
    """
    candidates = list(publication_candidates().select_related("country", "topic"))
    ready = sorted((p for p in candidates if _is_ready(p)), key=_newest_change_first)
    blocked = sorted(
        (p for p in candidates if not _is_ready(p)),
        key=lambda p: (p.disputed, p.disputed + p.unreviewed, *_newest_change_first(p)),
    )
    for profile in ready[:ROWS] + blocked[:ROWS]:
        profile.publish_url = reverse("admin:profiles_profile_publish", args=[profile.pk])
        profile.disputes_url = queue_url("citations:disputes", profile=profile.pk)
        profile.unreviewed_url = queue_url(profile=profile.pk)
    return PublisherHome(
        ready=ready[:ROWS],
        ready_count=len(ready),
        blocked=blocked[:ROWS],
        blocked_count=len(blocked),
    )


def _is_ready(profile: Profile) -> bool:
    return profile.disputed == 0 and profile.unreviewed == 0


def _newest_change_first(profile: Profile) -> tuple:
    changed_at = profile.changed_at
    return (changed_at is None, -changed_at.timestamp() if changed_at else 0)


# The home ---------------------------------------------------------------------------------------


@dataclass
class Home:
    editing: EditorHome | None = None
    fact_checking: FactCheckerHome | None = None
    publishing: PublisherHome | None = None

    @property
    def has_panels(self) -> bool:
        return any((self.editing, self.fact_checking, self.publishing))


def home_for(user) -> Home:
    """The panels of each role the user is in (one query for the roles)."""
    roles = set(user.groups.values_list("name", flat=True))
    return Home(
        editing=editor_home(user) if EDITORS in roles else None,
        fact_checking=fact_checker_home(user) if FACT_CHECKERS in roles else None,
        publishing=publisher_home(user) if PUBLISHERS in roles else None,
    )
