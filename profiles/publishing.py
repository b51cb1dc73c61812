"""Publish a profile's working copy as a numbered, immutable edition, or withdraw it; and
release treaty statuses to the public, with a profile's edition or on their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from citations.models import Citation, ReviewState
from history.changesets import change_set
from history.writer import HistoryWriter
from monitor.security import security_event_on_commit
from profiles.models import (
    Profile,
    Publication,
    PublicTreatyStatus,
    Release,
    ReleaseProfile,
    TreatyStatus,
)
from profiles.search import search_index_publication, search_index_remove
from profiles.snapshots import build_snapshot, snapshot_checksum
from profiles.states import StateComparison, compare_states

# The longest edition note a publisher may write (the model's limit, checked here too since
# the service is also called from commands and scripts, not only through a form).
NOTE_MAX_LENGTH = Publication._meta.get_field("note").max_length


class PublishBlocked(Exception):
    """A profile that may not be published yet; the message says why."""


class WorkingCopyChanged(PublishBlocked):
    """The working copy changed after the publisher reviewed it: what they saw is not what
    would be published."""


@dataclass
class PublishResult:
    publication: Publication
    created: bool  # False when the working copy equals the latest edition
    restored: bool = False  # True when a withdrawn profile went public again


@dataclass(frozen=True)
class DisputedFootnote:
    number: int  # as readers would see it if the working copy were published
    citation: Citation


@dataclass
class PublishPlan:
    """What publishing a profile now would do, for the publish page to show first."""

    tree: Profile  # fetched with Profile.objects.with_tree()
    treaty_status: TreatyStatus | None
    snapshot: dict
    checksum: str
    latest: Publication | None
    disputed: list[DisputedFootnote]
    release_entry: ReleaseProfile | None = None  # in an open release: under its embargo

    @property
    def blocked(self) -> bool:
        return bool(self.disputed) or self.release_entry is not None

    @property
    def unchanged(self) -> bool:
        """Whether the working copy reads exactly as the latest edition."""
        return self.latest is not None and self.latest.checksum == self.checksum

    @property
    def next_number(self) -> int:
        return (self.latest.number if self.latest else 0) + 1

    def comparison(self) -> StateComparison | None:
        """Compare the latest edition with what would be published now, word by word (None
        when there is no edition yet)."""
        if self.latest is None:
            return None
        return compare_states(self.latest.snapshot, self.snapshot)


def profile_publish_plan(*, profile: Profile) -> PublishPlan:
    """Work out what publishing `profile` now would do, without writing anything: the
    snapshot it would freeze, whether that differs from the latest edition, and the disputed
    footnotes that block it, numbered as readers would see them."""
    tree = Profile.objects.with_tree().get(pk=profile.pk)
    treaty_status = TreatyStatus.objects.reported_in(tree).first()
    snapshot = build_snapshot(tree, treaty_status)
    citations = (
        citation
        for section in tree.sections.all()
        for claim in section.claims.all()
        for citation in claim.citations.all()
    )
    disputed = [
        DisputedFootnote(number, citation)
        for number, citation in enumerate(citations, start=1)
        if citation.review_state == ReviewState.DISPUTED
    ]
    return PublishPlan(
        tree=tree,
        treaty_status=treaty_status,
        snapshot=snapshot,
        checksum=snapshot_checksum(snapshot),
        latest=profile.latest_publication,
        disputed=disputed,
        release_entry=open_release_entry(profile),
    )


def profile_publish(
    *,
    profile: Profile,
    user=None,
    note: str = "",
    checksum: str | None = None,
    release: Release | None = None,
) -> PublishResult:
    """Publish the working copy of a profile as a new numbered edition.

    An unchanged working copy creates no new edition (a withdrawn profile goes public again
    with its latest edition) and `note` is then unused. The profile's history records the act,
    with the user. A profile with a disputed citation is refused (PublishBlocked). `note` is
    the edition's public note: what changed, for readers; it stays out of the snapshot and its
    checksum. `checksum`, when given, is that of the working copy the publisher reviewed
    (PublishPlan.checksum): if the working copy has changed since, nothing is published
    (WorkingCopyChanged).

    A profile in an open release is under embargo until the release's launch: a new edition,
    or a withdrawn one put back, is refused (PublishBlocked) unless `release` is that release,
    given by its launch (profiles/releases.py), which then names the act "Published in
    release X".
    """
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValueError(
            f"An edition note has at most {NOTE_MAX_LENGTH:,} characters (this one has "
            f"{len(note):,})."
        )
    reason = f"Published in release {release}" if release is not None else "Published"
    with transaction.atomic(), change_set(action="publish", user=user, reason=reason):
        # Lock the profile so two publishers cannot take the same edition number.
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        disputed = Citation.objects.filter(
            claim__section__profile=profile, review_state=ReviewState.DISPUTED
        ).count()
        if disputed:
            raise PublishBlocked(
                f"{profile} has {disputed} disputed citation{'s' if disputed > 1 else ''}: "
                "resolve them before publishing."
            )
        tree = Profile.objects.with_tree().get(pk=profile.pk)
        treaty_status = TreatyStatus.objects.reported_in(tree).first()
        snapshot = build_snapshot(tree, treaty_status)
        current = snapshot_checksum(snapshot)
        if checksum is not None and checksum != current:
            raise WorkingCopyChanged(
                f"{profile} changed after you reviewed it: review the changes again before "
                "publishing."
            )
        latest = profile.latest_publication
        was_withdrawn = profile.withdrawn_at is not None
        unchanged = latest is not None and latest.checksum == current
        if unchanged and not was_withdrawn:
            return PublishResult(publication=latest, created=False, restored=False)
        # After the no-op: publishing what is public already reveals nothing.
        _refuse_embargoed(profile, release)
        if unchanged:  # and withdrawn
            _set_public_state(profile, latest, user, f"Published again (edition {latest.number})")
            security_event_on_commit("publish", user=user, profile=str(tree), edition=latest.number)
            return PublishResult(publication=latest, created=False, restored=True)

        publication = Publication.objects.create(
            profile=profile,
            number=(latest.number if latest else 0) + 1,
            published_at=timezone.now(),
            published_by=user,
            last_updated=tree.last_updated,
            snapshot=snapshot,
            checksum=current,
            note=note,
        )
        _set_public_state(profile, publication, user, f"Published edition {publication.number}")
        if tree.topic.treaty_id:
            _release_treaty_status(
                HistoryWriter(user=user, reason=f"Published with {publication}"),
                country=tree.country,
                treaty=tree.topic.treaty,
                status=treaty_status,
            )
        security_event_on_commit(
            "publish", user=user, profile=str(tree), edition=publication.number
        )
        return PublishResult(publication=publication, created=True, restored=was_withdrawn)


def open_release_entry(profile: Profile) -> ReleaseProfile | None:
    """The profile's place in an open release, whose launch alone may publish it."""
    return (
        ReleaseProfile.objects.filter(profile=profile, in_open_release=True)
        .select_related("release")
        .first()
    )


def _refuse_embargoed(profile: Profile, release: Release | None) -> None:
    """Refuse a profile in an open release, unless `release` (its launch) publishes it."""
    entry = open_release_entry(profile)
    if entry is not None and (release is None or entry.release_id != release.pk):
        raise PublishBlocked(
            f"{profile} is in the release “{entry.release}”, embargoed until "
            f"{entry.release.launch_label}; take it out of the release to publish it on its "
            "own."
        )


def profile_withdraw(*, profile: Profile, user=None) -> bool:
    """Withdraw a profile from every public place at once; its editions stay stored.

    Return False when it was not public.
    """
    with transaction.atomic(), change_set(action="publish", user=user, reason="Withdrawn"):
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        if not profile.is_public:
            return False
        profile.withdrawn_at = profile.public_changed_at = timezone.now()
        writer = HistoryWriter(user=user, reason="Withdrawn from the public site")
        writer.save(profile, update_fields=["withdrawn_at", "public_changed_at"])
        search_index_remove(profile=profile)
        security_event_on_commit("withdraw", user=user, profile=str(profile))
        return True


def _set_public_state(profile: Profile, publication: Publication, user, reason: str) -> None:
    profile.latest_publication = publication
    profile.withdrawn_at = None
    profile.public_changed_at = timezone.now()
    writer = HistoryWriter(user=user, reason=reason)
    writer.save(profile, update_fields=["latest_publication", "withdrawn_at", "public_changed_at"])
    search_index_publication(publication=publication)


def treaty_statuses_publish(*, statuses, user=None) -> int:
    """Release the working copy of each treaty status to the public, outside any profile's
    edition (a status no published profile reports, or an urgent correction). Return how
    many public statuses changed."""
    with (
        transaction.atomic(),
        change_set(action="publish", user=user, reason="Published treaty statuses"),
    ):
        writer = HistoryWriter(user=user, reason="Treaty status published")
        statuses = TreatyStatus.objects.filter(pk__in=[status.pk for status in statuses])
        changed = sum(
            _release_treaty_status(
                writer, country=status.country, treaty=status.treaty, status=status
            )
            for status in statuses.select_related("country", "treaty")
        )
        security_event_on_commit("publish_treaty_statuses", user=user, changed=changed)
        return changed


def _release_treaty_status(writer: HistoryWriter, *, country, treaty, status) -> bool:
    """Make the public status of `country` under `treaty` equal the working copy `status`
    (None: no status, and the public reads "No data"). Return whether it changed; an
    unchanged status writes no history, so public pages keep their Last-Modified."""
    public = PublicTreatyStatus.objects.filter(country=country, treaty=treaty).first()
    if status is None:
        if public is None:
            return False
        writer.delete(public)
        return True
    if public is not None and public.facts() == status.facts():
        return False
    if public is None:
        public = PublicTreatyStatus(country=country, treaty=treaty)
    for name, value in status.facts().items():
        setattr(public, name, value)
    writer.save(public)
    return True
