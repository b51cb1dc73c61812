"""Releases: many profiles updated together and published as one act at a launch time.

A release is prepared (profiles added, each with an editor and a fact-checker), scheduled,
and launched by `manage.py publish_due` once its launch time has come: every ready profile is
published (one change set each, the release's edition note), the others are left as they are,
each with the reason why. Until the launch, the release is under embargo: profile_publish
refuses its profiles (profiles/publishing.py), unless the launch itself publishes them.

Every act writes history in a change set of its own, with the user, and keeps each entry's
`in_open_release` equal to its release's `is_open`, which the database's partial unique
constraint reads to hold a profile to one open release. Acts that change a release or its
entries lock the release's row first, so that they wait for a launch in progress (and find
the release launched afterwards) rather than race it.

Ready, as the launch reads it: the progress is READY (ReleaseProfileQuerySet.with_progress:
drafting marked done, nothing disputed or unreviewed, no unresolved comment thread), and the
consistency checker (profiles/consistency.py), run at launch, finds nothing, or a publisher
acknowledged its findings after the profile's last change.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from history.changesets import change_set
from history.writer import HistoryWriter
from profiles.consistency import Finding, profile_checks
from profiles.models import (
    ChangeSetAction,
    Profile,
    Release,
    ReleaseProfile,
    ReleaseProgress,
    Topic,
)
from profiles.publishing import PublishBlocked, profile_publish
from profiles.roles import EDITORS, FACT_CHECKERS

RELEASE = ChangeSetAction.RELEASE


class ReleaseRefused(ValidationError):
    """An act on a release its state does not allow; the message says why."""


@dataclass
class LaunchResult:
    """What a launch did: the entries it published and those it left, with their outcomes."""

    release: Release
    published: list[ReleaseProfile] = field(default_factory=list)
    left: list[ReleaseProfile] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"Launched “{self.release}”: published {len(self.published)}, left {len(self.left)}."
        ]
        lines += [f"  published {entry.profile}: {entry.outcome}" for entry in self.published]
        lines += [f"  left {entry.profile}: {entry.outcome}" for entry in self.left]
        return "\n".join(lines)


# Creating and changing a release ------------------------------------------------------------


def release_create(
    *,
    name: str,
    drafting_deadline: datetime.date,
    review_deadline: datetime.date,
    launch_at: datetime.datetime,
    launch_time_zone: str = "UTC",
    topic: Topic | None = None,
    edition_note: str = "",
    user,
) -> Release:
    """Create a release, preparing: profiles are added to it next."""
    release = Release(
        name=name.strip(),
        topic=topic,
        drafting_deadline=drafting_deadline,
        review_deadline=review_deadline,
        launch_at=launch_at,
        launch_time_zone=launch_time_zone,
        edition_note=edition_note.strip(),
    )
    release.full_clean()
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason="Release created"):
        HistoryWriter(user=user, reason=f"Created release {release}").save(release)
    return release


def release_add_profiles(
    release: Release, profiles: Iterable[Profile], *, editor=None, fact_checker=None, user
) -> list[ReleaseProfile]:
    """Add profiles to an open release, each assigned to `editor` and `fact_checker` (either
    may be left for later). A profile already in an open release is refused, as is one of
    another topic than the release's."""
    _check_assignees(editor, fact_checker)
    profiles = list(profiles)
    reason = f"Added to release {release}"
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason=reason):
        release = _locked(release)
        _refuse_unless_open(release, "add profiles to")
        ids = [profile.pk for profile in profiles]
        taken = {
            entry.profile_id: entry
            for entry in ReleaseProfile.objects.filter(
                profile_id__in=ids, in_open_release=True
            ).select_related("release", "profile__country", "profile__topic")
        }
        entries = []
        for profile in Profile.objects.filter(pk__in=ids).select_related("country", "topic"):
            if profile.pk in taken:
                other = taken[profile.pk].release
                where = "this release" if other.pk == release.pk else f"the release “{other}”"
                raise ValidationError(
                    f"{profile} is already in {where}: a profile is in one open release at a "
                    "time; take it out of that release first."
                )
            if release.topic_id is not None and profile.topic_id != release.topic_id:
                raise ValidationError(
                    f"{profile} is not about {release.topic}, the topic of the release “{release}”."
                )
            entries.append(
                ReleaseProfile(
                    release=release, profile=profile, editor=editor, fact_checker=fact_checker
                )
            )
        try:
            with transaction.atomic():
                writer = HistoryWriter(user=user, reason=reason)
                for entry in entries:
                    writer.save(entry)
        except IntegrityError as error:
            # Another act added one of them to an open release meanwhile.
            raise ValidationError(
                "One of these profiles was added to an open release meanwhile: reload and "
                "try again."
            ) from error
    return entries


def release_remove_profile(entry: ReleaseProfile, *, user) -> None:
    """Take a profile out of an open release (to publish it on its own, say)."""
    reason = f"Taken out of release {entry.release}"
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason=reason):
        release = _locked(entry.release)
        _refuse_unless_open(release, "take profiles out of")
        entry = ReleaseProfile.objects.get(pk=entry.pk)
        HistoryWriter(user=user, reason=reason).delete(entry)


def assignment_change(
    entry: ReleaseProfile, *, editor=None, fact_checker=None, user
) -> ReleaseProfile:
    """Assign a profile in an open release to an editor and a fact-checker (None: nobody)."""
    _check_assignees(editor, fact_checker)
    reason = f"Assignment changed in release {entry.release}"
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason=reason):
        release = _locked(entry.release)
        _refuse_unless_open(release, "change assignments in")
        entry = ReleaseProfile.objects.get(pk=entry.pk)
        entry.editor, entry.fact_checker = editor, fact_checker
        HistoryWriter(user=user, reason=reason).save(
            entry, update_fields=["editor", "fact_checker"]
        )
    return entry


def entry_mark_drafted(entry: ReleaseProfile, *, user, done: bool = True) -> ReleaseProfile:
    """Record that the profile's draft is done and handed to review (or, `done=False`, that
    it is back in drafting). Its assigned editor or a publisher may."""
    reason = "Draft handed to review" if done else "Back in drafting"
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason=reason):
        release = _locked(entry.release)
        _refuse_unless_open(release, "change the drafting of profiles in")
        entry = ReleaseProfile.objects.get(pk=entry.pk)
        if entry.editor_id != user.pk and not user.has_perm("profiles.publish_profile"):
            raise PermissionDenied(
                f"Only the editor assigned to {entry.profile} or a publisher may say its draft "
                "is done."
            )
        entry.drafted_at = timezone.now() if done else None
        entry.drafted_by = user if done else None
        HistoryWriter(user=user, reason=f"{reason} (release {release})").save(
            entry, update_fields=["drafted_at", "drafted_by"]
        )
    return entry


def entry_acknowledge_consistency(entry: ReleaseProfile, *, user) -> ReleaseProfile:
    """Accept the consistency checker's findings on a profile as they stand, so that they do
    not hold it back at launch; a later change to the profile needs a new acknowledgement."""
    if not user.has_perm("profiles.publish_profile"):
        raise PermissionDenied("Only a publisher may acknowledge the consistency findings.")
    reason = "Consistency findings acknowledged"
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason=reason):
        release = _locked(entry.release)
        _refuse_unless_open(release, "acknowledge findings in")
        entry = ReleaseProfile.objects.get(pk=entry.pk)
        entry.consistency_acknowledged_at = timezone.now()
        entry.consistency_acknowledged_by = user
        HistoryWriter(user=user, reason=f"{reason} (release {release})").save(
            entry, update_fields=["consistency_acknowledged_at", "consistency_acknowledged_by"]
        )
    return entry


# Scheduling ---------------------------------------------------------------------------------


def release_schedule(release: Release, *, user, now: datetime.datetime | None = None) -> Release:
    """Schedule a preparing release for its launch time: from then on, publish_due launches
    it once that time has come."""
    now = now or timezone.now()
    reason = f"Scheduled for release {release}"
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason=reason):
        release = _locked(release)
        if release.state != Release.State.PREPARING:
            raise ReleaseRefused(
                f"“{release}” is {release.get_state_display().lower()}: only a preparing "
                "release can be scheduled."
            )
        _refuse_past(release, release.launch_at, now)
        if not release.entries.exists():
            raise ReleaseRefused(f"“{release}” has no profiles: add some before scheduling it.")
        release.state = Release.State.SCHEDULED
        HistoryWriter(user=user, reason=reason).save(release, update_fields=["state"])
    return release


def release_postpone(
    release: Release,
    launch_at: datetime.datetime,
    *,
    user,
    now: datetime.datetime | None = None,
) -> Release:
    """Move an open release's launch to a later time (or an earlier one still to come); a
    launched or cancelled release cannot move."""
    now = now or timezone.now()
    with transaction.atomic():
        release = _locked(release)
        if not release.is_open:
            raise ReleaseRefused(
                f"“{release}” is {release.get_state_display().lower()}: its launch time can "
                "no longer change."
            )
        _refuse_past(release, launch_at, now)
        release.launch_at = launch_at
        reason = f"Release {release} moved to {release.launch_label}"
        with change_set(action=RELEASE, user=user, reason=reason):
            HistoryWriter(user=user, reason=reason).save(release, update_fields=["launch_at"])
    return release


def release_cancel(release: Release, *, user) -> Release:
    """Cancel an open release: nothing is published, and its profiles are free to be
    published on their own or added to another release."""
    reason = f"Release {release} cancelled"
    with transaction.atomic(), change_set(action=RELEASE, user=user, reason=reason):
        release = _locked(release)
        if not release.is_open:
            raise ReleaseRefused(
                f"“{release}” is {release.get_state_display().lower()}: only a preparing or "
                "scheduled release can be cancelled."
            )
        release.state = Release.State.CANCELLED
        writer = HistoryWriter(user=user, reason=reason)
        writer.save(release, update_fields=["state"])
        _close_entries(release, writer)
    return release


# Launching ----------------------------------------------------------------------------------


def release_launch(
    release: Release, *, now: datetime.datetime | None = None, user=None
) -> LaunchResult | None:
    """Launch a scheduled release whose time has come: publish each ready profile (one change
    set each, reason "Published in release X", the release's edition note), leave the others
    unpublished with the reason why, and mark the release launched.

    Return None, changing nothing, when the release is not due (not scheduled, already
    launched, or its time not yet come). Runs in one transaction: a failure leaves the release
    scheduled and every profile as it was, for the next run to try again. New editions reach
    the Atom feeds and `send_alerts` as any edition does.
    """
    now = now or timezone.now()
    with transaction.atomic():
        release = _locked(release)
        if release.state != Release.State.SCHEDULED or release.launch_at > now:
            return None
        return _launch(release, now=now, user=user)


def releases_launch_due(*, now: datetime.datetime | None = None, user=None):
    """Launch every due release, one transaction each; yield each LaunchResult, or the
    (release, exception) of a launch that failed (the others still run).

    The due release is taken with SELECT … FOR UPDATE SKIP LOCKED, so that a second process
    skips a release the first is launching, and finds it launched once the first commits. (On
    SQLite, which has no row locks, run publish_due from one place only.)
    """
    now = now or timezone.now()
    failed: set[int] = set()
    while True:
        release = None
        try:
            with transaction.atomic():
                release = (
                    Release.objects.due(now)
                    .exclude(pk__in=failed)
                    .select_for_update(skip_locked=True)
                    .order_by("launch_at", "pk")
                    .first()
                )
                if release is None:
                    return
                result = _launch(release, now=now, user=user)
        except Exception as error:  # reported by the caller, with the release's name
            if release is None:
                raise
            failed.add(release.pk)
            yield release, error
        else:
            yield result


def _launch(release: Release, *, now: datetime.datetime, user) -> LaunchResult:
    result = LaunchResult(release=release)
    entries = list(ReleaseProfile.objects.filter(release=release).for_board(now.date()))
    ready = [entry for entry in entries if entry.progress == ReleaseProgress.READY]
    findings = entries_consistency(ready)
    reason = f"Published in release {release}"
    for entry in entries:
        why = _not_ready(entry, findings.get(entry.pk, ()))
        if why:
            entry.outcome = why
            result.left.append(entry)
            continue
        try:
            with transaction.atomic(), change_set(action="publish", user=user, reason=reason):
                published = profile_publish(
                    profile=entry.profile, user=user, note=release.edition_note, release=release
                )
                entry.publication = published.publication
                number = published.publication.number
                entry.outcome = (
                    f"Published edition {number}"
                    if published.created
                    else f"Unchanged since edition {number}: nothing new published"
                )
                HistoryWriter(user=user, reason=reason).save(
                    entry, update_fields=["publication", "outcome"]
                )
        except PublishBlocked as blocked:
            entry.outcome = _truncated(str(blocked))
            result.left.append(entry)
        else:
            result.published.append(entry)
    closing = f"Release {release} launched"
    with change_set(action=RELEASE, user=user, reason=closing):
        writer = HistoryWriter(user=user, reason=closing)
        release.state = Release.State.LAUNCHED
        release.launched_at = now
        writer.save(release, update_fields=["state", "launched_at"])
        for entry in result.left:
            entry.in_open_release = False
            writer.save(entry, update_fields=["outcome", "in_open_release"])
        for entry in result.published:
            entry.in_open_release = False
            writer.save(entry, update_fields=["in_open_release"])
    return result


def entries_consistency(entries: list[ReleaseProfile]) -> dict[int, tuple[Finding, ...]]:
    """Run the consistency checker on the entries' profiles; return the findings of each
    entry that has some and no acknowledgement since its profile's last change (entries
    fetched with with_progress())."""
    by_profile = {entry.profile_id: entry for entry in entries}
    if not by_profile:
        return {}
    checks = profile_checks(Profile.objects.filter(pk__in=by_profile).order_by("pk"))
    return {
        by_profile[check.profile.pk].pk: check.findings
        for check in checks
        if check.findings and not by_profile[check.profile.pk].consistency_acknowledged
    }


def _not_ready(entry: ReleaseProfile, findings) -> str:
    """Say why an entry (fetched with with_progress()) is not published, or "" if it is
    ready."""
    reasons = []
    if entry.disputed:
        reasons.append(_count(entry.disputed, "disputed citation"))
    if entry.progress == ReleaseProgress.NOT_STARTED:
        reasons.append("not started")
    elif entry.progress == ReleaseProgress.DRAFTING:
        reasons.append("still drafting")
    if entry.unreviewed:
        reasons.append(_count(entry.unreviewed, "unreviewed citation"))
    if entry.open_threads:
        reasons.append(_count(entry.open_threads, "unresolved comment thread"))
    if findings:
        first = findings[0]
        more = f" (and {_count(len(findings) - 1, 'more finding')})" if len(findings) > 1 else ""
        reasons.append(f"consistency: {first.message.rstrip('.')} ({first.where}){more}")
    return _truncated("; ".join(reasons))


# Helpers ------------------------------------------------------------------------------------


def _locked(release: Release) -> Release:
    return Release.objects.select_for_update().get(pk=release.pk)


def _refuse_unless_open(release: Release, act: str) -> None:
    if not release.is_open:
        raise ReleaseRefused(
            f"“{release}” is {release.get_state_display().lower()}: you can no longer {act} it."
        )


def _refuse_past(release: Release, launch_at: datetime.datetime, now: datetime.datetime):
    if launch_at <= now:
        local = Release(launch_at=launch_at, launch_time_zone=release.launch_time_zone)
        raise ReleaseRefused(
            f"The launch time of “{release}”, {local.launch_label}, has passed: choose a "
            "time to come."
        )


def _check_assignees(editor, fact_checker) -> None:
    if editor is not None and fact_checker is not None and editor.pk == fact_checker.pk:
        raise ValidationError(
            f"{editor} cannot both edit and fact-check a profile: assign two people."
        )
    for user, group in ((editor, EDITORS), (fact_checker, FACT_CHECKERS)):
        if user is not None and not Group.objects.filter(name=group, user=user).exists():
            raise ValidationError(f"{user} is not in the {group} group.")


def _close_entries(release: Release, writer: HistoryWriter) -> None:
    """Set in_open_release to the release's is_open on each entry that differs."""
    for entry in release.entries.exclude(in_open_release=release.is_open):
        entry.in_open_release = release.is_open
        writer.save(entry, update_fields=["in_open_release"])


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _truncated(text: str) -> str:
    limit = ReleaseProfile._meta.get_field("outcome").max_length
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
