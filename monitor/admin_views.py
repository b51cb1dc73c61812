"""The admin home: what each role needs to know first, where things stand and what to do next.

Editors see the profiles they changed that the public has not seen yet, the disputes on
profiles they have worked on and their recent edits; fact-checkers what awaits review, by
profile, and their recent reviews; publishers what is ready to publish (nothing disputed,
nothing unreviewed) and what is blocked, and why. A user sees the panels of each role
(profiles/roles.py) they are in; someone in no role sees none.

While a release is open (preparing or scheduled), editors and fact-checkers also see their
profiles in it, by release, with each one's progress and what holds it back, and publishers
each open release's counts by progress; each role sees the unresolved comment threads on its
profiles.

The home spans profiles and citations, so it is composed here, above both apps. Each panel
runs a fixed number of queries whatever the data: counts are aggregates, lists are limited
and annotated, nothing is looked up row by row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from citations.filters import ANY_STATE
from citations.models import Citation, Comment, ReviewState
from profiles.models import (
    NOT_WORKING_COPY_ACTIONS,
    ChangeSetAction,
    CorrectionRequest,
    Profile,
    ProfileChangeSet,
    ProfileState,
    Release,
    ReleaseProfile,
    ReleaseProgress,
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
    releases: list[AssignedRelease] = field(default_factory=list)
    threads: OpenThreads | None = None

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
    the readers' new correction requests (the desk is everyone's), their recent edits, their
    profiles in open releases and the unresolved threads on their profiles (those they have
    edited or are assigned to): ten queries.

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
        releases=assigned_releases(user, EDITING),
        threads=open_threads(
            Q(profile__in=Profile.objects.edited_by(user))
            | Q(profile__in=assigned(user, EDITING).values("profile"))
        ),
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
    releases: list[AssignedRelease] = field(default_factory=list)
    threads: OpenThreads | None = None

    @property
    def awaiting_more(self) -> int:
        return self.awaiting_profile_count - len(self.awaiting)


def fact_checker_home(user) -> FactCheckerHome:
    """What awaits review, by profile (most first), the user's recent reviews, their
    profiles in open releases and the unresolved threads on those: four queries."""
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
        releases=assigned_releases(user, FACT_CHECKING),
        threads=open_threads(Q(profile__in=assigned(user, FACT_CHECKING).values("profile"))),
    )


# Publishers -------------------------------------------------------------------------------------


@dataclass
class PublisherHome:
    ready: list[Profile]
    ready_count: int
    blocked: list[Profile]
    blocked_count: int
    releases: list[ReleaseSummary] = field(default_factory=list)
    releases_count: int = 0
    threads: OpenThreads | None = None

    @property
    def releases_more(self) -> int:
        return self.releases_count - len(self.releases)

    @property
    def ready_more(self) -> int:
        return self.ready_count - len(self.ready)

    @property
    def blocked_more(self) -> int:
        return self.blocked_count - len(self.blocked)


def publication_candidates():
    """Drafts and published profiles with unpublished changes, with `disputed` and
    `unreviewed`, the numbers of their citations in those states. Withdrawn profiles are left
    out (they go public again only by a publisher's deliberate choice), and so are profiles
    in an open release: its launch publishes them, and its panel counts them."""
    return (
        Profile.objects.with_state()
        .filter(state_code__in=[ProfileState.DRAFT, ProfileState.CHANGED])
        .exclude(
            Exists(ReleaseProfile.objects.filter(profile=OuterRef("pk"), in_open_release=True))
        )
        .annotate(
            disputed=Citation.objects.filter(review_state=ReviewState.DISPUTED).count_in_profile(),
            unreviewed=Citation.objects.filter(
                review_state=ReviewState.UNREVIEWED
            ).count_in_profile(),
        )
    )


def publisher_home(user) -> PublisherHome:
    """What is ready to publish (newest change first) and what is blocked (closest to ready
    first), with their numbers, the open releases with their counts by progress, and the
    unresolved threads on every profile: four queries.

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
    releases, releases_count = release_summaries()
    return PublisherHome(
        ready=ready[:ROWS],
        ready_count=len(ready),
        blocked=blocked[:ROWS],
        blocked_count=len(blocked),
        releases=releases,
        releases_count=releases_count,
        threads=open_threads(),
    )


def _is_ready(profile: Profile) -> bool:
    return profile.disputed == 0 and profile.unreviewed == 0


def _newest_change_first(profile: Profile) -> tuple:
    changed_at = profile.changed_at
    return (changed_at is None, -changed_at.timestamp() if changed_at else 0)


# Releases ---------------------------------------------------------------------------------------

# Who an assignment is for: the ReleaseProfile field naming them.
EDITING, FACT_CHECKING = "editor", "fact_checker"

P = ReleaseProgress
# The colours of existing state badges (static/monitor/admin.css) that a progress takes: grey
# waits, amber asks, green is good, red stops; the badge says its state in words too.
PROGRESS_BADGES = {
    P.NOT_STARTED: "draft",
    P.DRAFTING: "unreviewed",
    P.IN_REVIEW: "changed",
    P.READY: "published",
    P.BLOCKED: "disputed",
}
# What each role's list shows first, after the overdue ones: the profiles waiting for them.
FIRST_FOR = {
    EDITING: [P.BLOCKED, P.DRAFTING, P.NOT_STARTED, P.IN_REVIEW, P.READY],
    FACT_CHECKING: [P.IN_REVIEW, P.BLOCKED, P.DRAFTING, P.NOT_STARTED, P.READY],
}


def assigned(user, role: str):
    """The user's assignments as `role` (EDITING or FACT_CHECKING) in open releases."""
    return ReleaseProfile.objects.filter(in_open_release=True, **{role: user})


@dataclass
class AssignedRelease:
    """An open release and the profiles in it assigned to the user (at most ROWS of them)."""

    release: Release
    role: str
    entries: list[ReleaseProfile]
    count: int
    overdue_count: int
    today: datetime.date

    @property
    def more(self) -> int:
        return self.count - len(self.entries)

    @property
    def editing(self) -> bool:
        return self.role == EDITING

    @property
    def deadline(self) -> datetime.date:
        """The deadline of the user's part: drafting for editors, review for fact-checkers."""
        if self.role == EDITING:
            return self.release.drafting_deadline
        return self.release.review_deadline

    @property
    def deadline_passed(self) -> bool:
        return self.deadline < self.today

    @property
    def board_url(self) -> str:
        return reverse("admin:profiles_release_board", args=[self.release.pk])


def assigned_releases(user, role: str, today: datetime.date | None = None):
    """The open releases with profiles assigned to the user as `role`, soonest launch first,
    each with its profiles' progress, overdue ones and those waiting for the user first: two
    queries, whatever the number of releases and profiles. The first reads every assignment's
    state alone (decided by semi-joins run once for all rows), to order, cut and count each
    release's list here; the second reads the rows shown, with their counts of citations and
    threads, which cost a subquery a row."""
    today = today or timezone.localdate()
    states = (
        assigned(user, role)
        .with_progress(today)
        .values_list("pk", "release_id", "progress", "overdue")
    )
    by_release: dict[int, list[tuple]] = {}
    for row in states.order_by("release__launch_at", "release__name", "profile__country__name"):
        by_release.setdefault(row[1], []).append(row)
    first = FIRST_FOR[role]
    for rows in by_release.values():
        rows.sort(key=lambda row: (not row[3], first.index(row[2])))
    shown_ids = [row[0] for rows in by_release.values() for row in rows[:ROWS]]
    shown = (
        ReleaseProfile.objects.filter(pk__in=shown_ids)
        .with_progress(today)
        .select_related("release", "profile__country", "profile__topic")
        .in_bulk()
    )
    home = reverse("admin:index")
    releases = []
    for rows in by_release.values():
        entries = [shown[row[0]] for row in rows[:ROWS]]
        for entry in entries:
            _describe_entry(entry, role, home)
        releases.append(
            AssignedRelease(
                release=entries[0].release,
                role=role,
                entries=entries,
                count=len(rows),
                overdue_count=sum(row[3] for row in rows),
                today=today,
            )
        )
    return releases


def _describe_entry(entry: ReleaseProfile, role: str, home: str) -> None:
    """Give a row of an assignee's list its words and addresses."""
    profile_id = entry.profile_id
    entry.progress_label = P(entry.progress).label
    entry.badge = PROGRESS_BADGES[entry.progress]
    entry.editor_url = reverse("admin:profiles_profile_editor", args=[profile_id])
    entry.threads_url = f"{entry.editor_url}#editor-comments-total"
    entry.queue_url = queue_url(profile=profile_id)
    entry.all_citations_url = queue_url(profile=profile_id, state=ANY_STATE)
    entry.disputes_url = queue_url("citations:disputes", profile=profile_id)
    if role == EDITING and entry.drafted_at is None:
        entry.drafted_url = reverse(
            "admin:profiles_release_entry_drafted", args=[entry.release_id, entry.pk]
        )
        entry.next_url = home


@dataclass
class ReleaseSummary:
    """An open release with how many of its profiles are at each stage, for publishers."""

    release: Release
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts[state] for state in P.values)

    @property
    def overdue(self) -> int:
        return self.counts["overdue"]

    @property
    def states(self) -> list[tuple[str, str, int, str]]:
        """Each progress: its value, label, count and badge colour."""
        return [
            (value, label, self.counts[value], PROGRESS_BADGES[value]) for value, label in P.choices
        ]

    @property
    def board_url(self) -> str:
        return reverse("admin:profiles_release_board", args=[self.release.pk])

    @property
    def change_url(self) -> str:
        return reverse("admin:profiles_release_change", args=[self.release.pk])


def release_summaries(today: datetime.date | None = None) -> tuple[list[ReleaseSummary], int]:
    """The open releases, soonest launch first (at most ROWS), each with its profiles'
    counts by progress and overdue, and how many releases are open: two queries, whatever
    the number of releases and profiles."""
    releases = list(Release.objects.open().order_by("launch_at", "name"))
    shown = releases[:ROWS]
    counts = {release.pk: dict.fromkeys([*P.values, "overdue"], 0) for release in shown}
    # One grouped query for every open release (as ReleaseProfileQuerySet.progress_counts()
    # for one), even when there is none, so that the home's queries stay the same.
    rows = (
        ReleaseProfile.objects.filter(in_open_release=True)
        .with_progress(today)
        .order_by()
        .values_list("release", "progress", "overdue")
        .annotate(count=Count("pk"))
    )
    for release_id, progress, overdue, count in rows:
        if release_id in counts:
            counts[release_id][progress] += count
            counts[release_id]["overdue"] += count if overdue else 0
    summaries = [ReleaseSummary(release=release, counts=counts[release.pk]) for release in shown]
    return summaries, len(releases)


# Comment threads --------------------------------------------------------------------------------


@dataclass
class OpenThreads:
    """Unresolved comment threads on some profiles, by profile (most first, at most ROWS)."""

    by_profile: list[dict]
    count: int
    profile_count: int

    @property
    def more(self) -> int:
        return self.profile_count - len(self.by_profile)


def open_threads(profiles: Q | None = None) -> OpenThreads:
    """The unresolved threads on the profiles `profiles` selects (a condition on comments;
    every profile when None), counted by profile: one query. Each profile's row links to its
    editor, where each claim and footnote shows its threads."""
    threads = Comment.objects.unresolved()
    if profiles is not None:
        threads = threads.filter(profiles)
    # Every profile's row, at most one a profile, gives the totals too.
    rows = list(
        threads.order_by()
        .values("profile")
        .annotate(
            open_threads=Count("pk"),
            country=F("profile__country__name"),
            topic=F("profile__topic__name"),
        )
        .order_by("-open_threads", "country", "topic")
    )
    shown = rows[:ROWS]
    for row in shown:
        editor = reverse("admin:profiles_profile_editor", args=[row["profile"]])
        row["url"] = f"{editor}#editor-comments-total"
    return OpenThreads(
        by_profile=shown,
        count=sum(row["open_threads"] for row in rows),
        profile_count=len(rows),
    )


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
