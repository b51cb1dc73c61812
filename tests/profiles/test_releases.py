"""Releases: assignments, progress, the embargo, and the launch by `manage.py publish_due`."""

import datetime
import threading
import time
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from citations.models import Citation, Comment, ReviewState
from citations.services import citations_review
from history.changesets import change_set
from history.writer import HistoryWriter
from profiles import releases as releases_module
from profiles.models import (
    DISPUTED,
    UNREVIEWED,
    ChangeSet,
    Claim,
    Profile,
    Publication,
    Release,
    ReleaseProfile,
    ReleaseProgress,
)
from profiles.publishing import PublishBlocked, profile_publish, profile_withdraw
from profiles.releases import (
    ReleaseRefused,
    assignment_change,
    entry_acknowledge_consistency,
    entry_mark_drafted,
    release_add_profiles,
    release_cancel,
    release_create,
    release_launch,
    release_postpone,
    release_remove_profile,
    release_schedule,
)
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from profiles.timeline import change_set_entries, timeline_page
from tests.conftest import EASTMARCH, MALI, WESTMARCH
from tests.factories import (
    import_profile_file,
    make_claim,
    make_country,
    make_member,
    make_tree,
    make_user,
)
from tests.profiles.test_public_facts import backdate_everything, public_bytes

P = ReleaseProgress


def in_days(days: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=days)


def new_release(user, name="Cluster Munition Monitor 2026", **fields) -> Release:
    today = timezone.localdate()
    values = {
        "drafting_deadline": today + datetime.timedelta(days=10),
        "review_deadline": today + datetime.timedelta(days=20),
        "launch_at": in_days(30),
        "launch_time_zone": "Europe/Zurich",
        "edition_note": "Updated for the 2026 report.",
        **fields,
    }
    return release_create(name=name, user=user, **values)


def launch_time_passes(release: Release) -> None:
    """Bring the release's launch time a minute into the past (test set-up: time passes)."""
    Release.objects.filter(pk=release.pk).update(launch_at=in_days(-1 / 1440))


def edit_a_claim(profile: Profile, user, text=" Updated in 2026.") -> Claim:
    claim = Claim.objects.filter(section__profile=profile).order_by("section__position").first()
    claim.text += text
    with transaction.atomic(), change_set(action="edit", user=user):
        HistoryWriter(user=user, reason="Edited").save(claim)
    return claim


def verify_all(profile: Profile, checker, *, except_one_disputed=False) -> None:
    citations = list(Citation.objects.filter(claim__section__profile=profile).order_by("pk"))
    if except_one_disputed:
        citations_review(citations=citations[:1], reviewer=checker, state=ReviewState.DISPUTED)
        citations = citations[1:]
    citations_review(citations=citations, reviewer=checker, state=ReviewState.VERIFIED)


def publish_due() -> str:
    out = StringIO()
    call_command("publish_due", stdout=out)
    return out.getvalue()


def timeline_headlines(profile: Profile) -> list[str]:
    page = timeline_page(profile.pk, size=20)
    return [entry.headline for entry in change_set_entries(profile, page.change_sets)]


@pytest.fixture
def people():
    return {
        "ana": make_member("ana", EDITORS),
        "ben": make_member("ben", EDITORS),
        "cleo": make_member("cleo", FACT_CHECKERS),
        "dan": make_member("dan", FACT_CHECKERS),
        "pat": make_member("pat", PUBLISHERS),
    }


@pytest.fixture
def three_profiles():
    """Mali, Westmarch and Eastmarch, each published once."""
    make_country("Westmarch")
    make_country("Eastmarch")
    return [import_profile_file(path, publish=True) for path in (MALI, WESTMARCH, EASTMARCH)]


# The whole cycle ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_release_walks_to_ready_and_launches_once_at_its_time(people, three_profiles):
    mali, westmarch, eastmarch = three_profiles
    make_country("Chad")
    backdate_everything()
    before = public_bytes()
    pat = people["pat"]
    release = new_release(pat)
    release_add_profiles(
        release, [mali, westmarch], editor=people["ana"], fact_checker=people["cleo"], user=pat
    )
    release_add_profiles(
        release, [eastmarch], editor=people["ben"], fact_checker=people["dan"], user=pat
    )
    release_schedule(release, user=pat)
    for profile, editor, checker in [
        (mali, "ana", "cleo"),
        (westmarch, "ana", "cleo"),
        (eastmarch, "ben", "dan"),
    ]:
        edit_a_claim(profile, people[editor])
        entry_mark_drafted(release.entries.get(profile=profile), user=people[editor])
        verify_all(profile, people[checker], except_one_disputed=profile == eastmarch)
    # Whatever the consistency checker says of the two ready ones, a publisher accepts it.
    for entry in release.entries.exclude(profile=eastmarch):
        entry_acknowledge_consistency(entry, user=pat)
    progress = dict(release.entries.with_progress().values_list("profile", "progress"))
    assert progress == {mali.pk: P.READY, westmarch.pk: P.READY, eastmarch.pk: P.BLOCKED}
    with pytest.raises(PublishBlocked, match="embargoed until"):
        profile_publish(profile=mali, user=pat)  # a click on Publish changes nothing either
    editions = Publication.objects.count()

    assert publish_due() == ""  # before the launch time
    assert Publication.objects.count() == editions
    assert public_bytes() == before

    launch_time_passes(release)
    output = publish_due()

    assert output == (
        f"Launched “{release}”: published 2, left 1.\n"
        f"  published {mali}: Published edition 2\n"
        f"  published {westmarch}: Published edition 2\n"
        f"  left {eastmarch}: 1 disputed citation\n"
    )
    release.refresh_from_db()
    assert release.state == Release.State.LAUNCHED and release.launched_at is not None
    for profile, edition in [(mali, 2), (westmarch, 2), (eastmarch, 1)]:
        profile.refresh_from_db()
        assert profile.latest_publication.number == edition
    assert Publication.objects.get(profile=mali, number=2).note == "Updated for the 2026 report."
    assert Publication.objects.get(profile=mali, number=2).published_by is None  # the system
    entries = {entry.profile_id: entry for entry in release.entries.all()}
    assert entries[mali.pk].publication.number == 2
    assert entries[eastmarch.pk].publication is None
    assert not any(entry.in_open_release for entry in entries.values())
    assert f"Published in release {release}" in timeline_headlines(mali)[:2]
    # One change set per published profile, named after the release, by the system.
    launched = ChangeSet.objects.filter(reason=f"Published in release {release}")
    assert launched.count() == 2 and not launched.filter(user__isnull=False).exists()

    editions = Publication.objects.count()
    assert publish_due() == ""
    assert Publication.objects.count() == editions
    assert release_launch(release, now=in_days(1)) is None  # never launched twice


def test_review_state_values_agree_with_the_citations_app():
    assert (DISPUTED, UNREVIEWED) == (ReviewState.DISPUTED, ReviewState.UNREVIEWED)


# Two runs at once ---------------------------------------------------------------------------


@pytest.mark.skipif(
    not connection.features.has_select_for_update_skip_locked,
    reason="needs row locks (PostgreSQL); on SQLite run publish_due from one place only",
)
def test_two_publish_due_runs_at_once_publish_each_profile_once(transactional_db, monkeypatch):
    """Runs after the other tests (tests/conftest.py): its threads need committed rows, and
    the flush empties the tables the migrations filled, so it makes its own."""
    root = make_user("root", superuser=True)
    profiles = [make_tree(number).section.profile for number in range(3)]
    release = new_release(root)
    release_add_profiles(release, profiles, user=root)
    release_schedule(release, user=root)
    for entry in release.entries.all():
        entry_mark_drafted(entry, user=root)
    for profile in profiles:
        verify_all(profile, root)
    launch_time_passes(release)

    entered, gate = threading.Event(), threading.Event()
    publish = releases_module.profile_publish

    def held_publish(**kwargs):
        if not entered.is_set():
            entered.set()
            assert gate.wait(10)
        return publish(**kwargs)

    monkeypatch.setattr(releases_module, "profile_publish", held_publish)
    start = threading.Barrier(2)
    outputs = {}

    def run(name):
        try:
            start.wait(10)
            outputs[name] = publish_due()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    assert entered.wait(10)  # one run holds the release, mid-launch
    deadline = time.monotonic() + 10
    while not outputs and time.monotonic() < deadline:
        time.sleep(0.05)  # the other run, if it waited for the lock, would never end here
    finished = list(outputs.values())
    gate.set()
    for thread in threads:
        thread.join(10)

    assert finished == [""]  # the other run skipped the locked release and ended
    assert sorted(outputs.values())[1].startswith(f"Launched “{release}”: published 3, left 0.")
    for profile in profiles:
        assert Publication.objects.filter(profile=profile).count() == 1
    assert publish_due() == ""


# Assignments and membership --------------------------------------------------------------------


@pytest.mark.django_db
class AssignmentTests:
    def test_only_the_assigned_editor_or_a_publisher_hands_a_draft_to_review(self, people, mali):
        release = new_release(people["pat"])
        entry = release_add_profiles(release, [mali], editor=people["ana"], user=people["pat"])[0]

        with pytest.raises(PermissionDenied, match="Only the editor assigned to Mali"):
            entry_mark_drafted(entry, user=people["cleo"])
        entry_mark_drafted(entry, user=people["ana"])
        entry_mark_drafted(entry, user=people["pat"], done=False)

        assert [r.history_user.username for r in entry.history.order_by("history_id")][-2:] == [
            "ana",
            "pat",
        ]

    def test_an_editor_must_be_an_editor(self, people, mali):
        release = new_release(people["pat"])
        with pytest.raises(ValidationError, match="cleo is not in the Editors group"):
            release_add_profiles(
                release, [mali], editor=people["cleo"], fact_checker=None, user=people["pat"]
            )
        assert not release.entries.exists()

    def test_a_fact_checker_must_be_a_fact_checker(self, people, mali):
        release = new_release(people["pat"])
        entry = release_add_profiles(release, [mali], user=people["pat"])[0]
        with pytest.raises(ValidationError, match="ben is not in the Fact-checkers group"):
            assignment_change(entry, editor=people["ana"], fact_checker=people["ben"], user=None)

    def test_assignments_are_changed_with_history(self, people, mali):
        release = new_release(people["pat"])
        entry = release_add_profiles(release, [mali], user=people["pat"])[0]

        assignment_change(
            entry, editor=people["ana"], fact_checker=people["cleo"], user=people["pat"]
        )

        entry.refresh_from_db()
        assert (entry.editor, entry.fact_checker) == (people["ana"], people["cleo"])
        record = entry.history.first()
        assert record.history_user == people["pat"] and record.editor_id == people["ana"].pk
        assert record.change_set.reason == f"Assignment changed in release {release}"

    def test_a_profile_is_in_one_open_release_at_a_time(self, people, mali):
        first = new_release(people["pat"])
        second = new_release(people["pat"], name="Landmine Monitor 2026")
        release_add_profiles(first, [mali], user=people["pat"])

        with pytest.raises(ValidationError, match="already in the release “Cluster Munition"):
            release_add_profiles(second, [mali], user=people["pat"])
        with pytest.raises(IntegrityError), transaction.atomic():
            ReleaseProfile.objects.create(release=second, profile=mali)  # the database's say

        release_cancel(first, user=people["pat"])
        release_add_profiles(second, [mali], user=people["pat"])  # free again
        assert mali.release_entries.filter(in_open_release=True).get().release == second

    def test_a_topic_release_takes_only_its_topic(self, people, mali):
        make_country("Eastmarch")
        eastmarch = import_profile_file(EASTMARCH)
        release = new_release(people["pat"], topic=mali.topic)
        with pytest.raises(ValidationError, match="is not about Cluster Munition Ban Policy"):
            release_add_profiles(release, [eastmarch], user=people["pat"])


# Scheduling, postponing, cancelling ---------------------------------------------------------------


@pytest.mark.django_db
class ScheduleTests:
    def test_an_empty_release_is_not_scheduled(self, people):
        release = new_release(people["pat"])
        with pytest.raises(ReleaseRefused, match="has no profiles"):
            release_schedule(release, user=people["pat"])

    def test_a_past_launch_time_is_refused(self, people, mali):
        release = new_release(
            people["pat"], launch_at=datetime.datetime(2020, 9, 10, 8, 0, tzinfo=datetime.UTC)
        )
        release_add_profiles(release, [mali], user=people["pat"])
        with pytest.raises(
            ReleaseRefused, match=r"10 September 2020, 10:00 \(Europe/Zurich\), has passed"
        ):
            release_schedule(release, user=people["pat"])

    def test_scheduling_is_recorded_with_the_user(self, people, mali):
        release = new_release(people["pat"])
        release_add_profiles(release, [mali], user=people["pat"])

        release_schedule(release, user=people["pat"])

        release.refresh_from_db()
        assert release.state == Release.State.SCHEDULED
        record = release.history.first()
        assert record.history_user == people["pat"]
        assert record.change_set.reason == f"Scheduled for release {release}"
        assert record.change_set.action == "release"

    def test_postponing_moves_the_launch_until_it_starts(self, people, mali):
        release = new_release(people["pat"])
        release_add_profiles(release, [mali], user=people["pat"])
        release_schedule(release, user=people["pat"])
        later = in_days(40)

        release_postpone(release, later, user=people["pat"])

        release.refresh_from_db()
        assert release.launch_at == later
        assert release.history.first().history_user == people["pat"]
        with pytest.raises(ReleaseRefused, match="has passed"):
            release_postpone(release, in_days(-1), user=people["pat"])

    def test_a_launched_release_cannot_move_or_be_cancelled(self, people, mali):
        release = new_release(people["pat"])
        release_add_profiles(release, [mali], user=people["pat"])
        release_schedule(release, user=people["pat"])
        launch_time_passes(release)
        release_launch(release)

        with pytest.raises(ReleaseRefused, match="is launched: its launch time can no longer"):
            release_postpone(release, in_days(5), user=people["pat"])
        with pytest.raises(ReleaseRefused, match="only a preparing or scheduled release"):
            release_cancel(release, user=people["pat"])

    def test_cancelling_frees_the_profiles_and_publishes_nothing(self, people, mali):
        release = new_release(people["pat"])
        release_add_profiles(release, [mali], user=people["pat"])
        release_schedule(release, user=people["pat"])

        release_cancel(release, user=people["pat"])

        release.refresh_from_db()
        assert release.state == Release.State.CANCELLED
        entry = release.entries.get()
        assert not entry.in_open_release
        assert entry.history.first().history_user == people["pat"]
        launch_time_passes(release)
        assert publish_due() == ""
        assert profile_publish(profile=mali, user=people["pat"]).created  # no embargo now


# The embargo ------------------------------------------------------------------------------------


@pytest.mark.django_db
class EmbargoTests:
    def test_a_profile_in_a_release_is_refused_with_the_launch_time(self, people, published_mali):
        launch = datetime.datetime(2031, 9, 10, 8, 0, tzinfo=datetime.UTC)
        release = new_release(people["pat"], launch_at=launch)
        release_add_profiles(release, [published_mali], user=people["pat"])
        edit_a_claim(published_mali, people["ana"])

        with pytest.raises(PublishBlocked) as refusal:
            profile_publish(profile=published_mali, user=people["pat"])

        assert str(refusal.value) == (
            "Mali — Cluster Munition Ban Policy is in the release “Cluster Munition Monitor "
            "2026”, embargoed until 10 September 2031, 10:00 (Europe/Zurich); take it out of "
            "the release to publish it on its own."
        )
        assert published_mali.publications.count() == 1

    def test_publishing_an_unchanged_profile_is_no_act_and_not_refused(
        self, people, published_mali
    ):
        release = new_release(people["pat"])
        release_add_profiles(release, [published_mali], user=people["pat"])

        result = profile_publish(profile=published_mali, user=people["pat"])

        assert not result.created and result.publication.number == 1

    def test_a_withdrawn_profile_is_not_put_back_under_embargo(self, people, published_mali):
        profile_withdraw(profile=published_mali, user=people["pat"])
        release = new_release(people["pat"])
        release_add_profiles(release, [published_mali], user=people["pat"])

        with pytest.raises(PublishBlocked, match="embargoed until"):
            profile_publish(profile=published_mali, user=people["pat"])

    def test_the_commands_refuse_an_embargoed_profile_with_the_reason(
        self, people, published_mali, tmp_path
    ):
        release = new_release(people["pat"])
        release_add_profiles(release, [published_mali], user=people["pat"])
        claim = edit_a_claim(published_mali, people["ana"])
        amended = tmp_path / MALI.name
        amended.write_text(MALI.read_text().replace("almost every", "nearly every", 1))

        with pytest.raises(CommandError, match="embargoed until .* Nothing was published"):
            call_command("publish_profile", "mali", "cluster-munition-ban-policy")
        with pytest.raises(CommandError, match="embargoed until .* Nothing was imported"):
            call_command("import_profile", str(amended), "--publish", stdout=StringIO())

        assert published_mali.publications.count() == 1
        claim.refresh_from_db()
        assert claim.text.endswith("Updated in 2026.")  # the import was rolled back

    def test_an_urgent_profile_is_published_once_taken_out(self, people, published_mali):
        release = new_release(people["pat"])
        entry = release_add_profiles(release, [published_mali], user=people["pat"])[0]
        release_schedule(release, user=people["pat"])
        edit_a_claim(published_mali, people["ana"])

        release_remove_profile(entry, user=people["pat"])
        result = profile_publish(profile=published_mali, user=people["pat"])

        assert result.created and result.publication.number == 2
        assert not release.entries.exists()
        assert ReleaseProfile.history.filter(history_type="-").get().history_user == people["pat"]


# Progress -----------------------------------------------------------------------------------------


def entries_of(release):
    return ReleaseProfile.objects.filter(release=release).order_by("pk")


@pytest.mark.django_db
class ProgressTests:
    def test_each_state(self, people, three_profiles):
        mali, westmarch, eastmarch = three_profiles
        pat = people["pat"]
        release = new_release(pat)
        release_add_profiles(release, three_profiles, editor=people["ana"], user=pat)
        make_country("Niger")
        release_add_profiles(release, [make_tree(1).section.profile], user=pat)
        progress = dict(entries_of(release).with_progress().values_list("profile", "progress"))
        assert set(progress.values()) == {P.NOT_STARTED, P.DRAFTING}  # the tree is a draft

        edit_a_claim(mali, people["ana"])
        assert entries_of(release).with_progress().get(profile=mali).progress == P.DRAFTING
        entry_mark_drafted(release.entries.get(profile=mali), user=people["ana"])
        assert entries_of(release).with_progress().get(profile=mali).progress == P.IN_REVIEW
        verify_all(mali, people["cleo"])
        entry = entries_of(release).with_progress().get(profile=mali)
        assert (entry.progress, entry.unreviewed, entry.open_threads) == (P.READY, 0, 0)

        claim = Claim.objects.filter(section__profile=mali).first()
        thread = Comment.objects.create(
            profile=mali, claim=claim, author=people["cleo"], text="Which statement?"
        )
        Comment.objects.create(
            profile=mali, claim=claim, thread=thread, author=people["ana"], text="Geneva."
        )
        entry = entries_of(release).with_progress().get(profile=mali)
        assert (entry.progress, entry.open_threads) == (P.IN_REVIEW, 1)
        thread.resolved_at = timezone.now()
        thread.save()
        assert entries_of(release).with_progress().get(profile=mali).progress == P.READY

        verify_all(westmarch, people["cleo"], except_one_disputed=True)
        entry = entries_of(release).with_progress().get(profile=westmarch)
        assert (entry.progress, entry.disputed) == (P.BLOCKED, 1)
        assert entries_of(release).with_progress().get(profile=eastmarch).progress == (
            P.NOT_STARTED
        )

    def test_counts_and_overdue(self, people, three_profiles):
        mali, westmarch, eastmarch = three_profiles
        today = timezone.localdate()
        release = new_release(
            people["pat"],
            drafting_deadline=today - datetime.timedelta(days=2),
            review_deadline=today - datetime.timedelta(days=1),
        )
        release_add_profiles(release, three_profiles, editor=people["ana"], user=people["pat"])
        verify_all(westmarch, people["cleo"], except_one_disputed=True)
        edit_a_claim(mali, people["ana"])
        entry_mark_drafted(release.entries.get(profile=mali), user=people["ana"])
        verify_all(mali, people["cleo"])

        counts = entries_of(release).progress_counts()

        assert counts == {
            P.NOT_STARTED: 1,
            P.DRAFTING: 0,
            P.IN_REVIEW: 0,
            P.READY: 1,
            P.BLOCKED: 1,
            "overdue": 2,
        }
        overdue = dict(entries_of(release).with_progress().values_list("profile", "overdue"))
        assert overdue == {mali.pk: False, westmarch.pk: True, eastmarch.pk: True}
        assert (
            entries_of(release).progress_counts(today - datetime.timedelta(days=5))["overdue"] == 0
        )

    @pytest.mark.parametrize("size", [2, 12])
    def test_the_board_reads_every_profile_in_one_query(
        self, size, people, django_assert_num_queries
    ):
        release = new_release(people["pat"])
        profiles = [make_tree(number).section.profile for number in range(size)]
        release_add_profiles(release, profiles, editor=people["ana"], user=people["pat"])
        for profile in profiles[::2]:
            Comment.objects.create(
                profile=profile,
                claim=make_claim(section=profile.sections.first()),
                author=people["cleo"],
                text="Check this.",
            )

        with django_assert_num_queries(1):
            board = [
                (entry.profile.country.name, entry.editor.username, entry.progress, entry.overdue)
                for entry in entries_of(release).for_board()
            ]
        with django_assert_num_queries(1):
            counts = entries_of(release).progress_counts()

        assert len(board) == size and counts[P.DRAFTING] == size


# Launch outcomes ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_launch_says_why_a_profile_is_left(people, mali):
    pat = people["pat"]
    release = new_release(pat)
    entry = release_add_profiles(release, [mali], editor=people["ana"], user=pat)[0]
    release_schedule(release, user=pat)
    entry_mark_drafted(entry, user=people["ana"])
    claim = Claim.objects.filter(section__profile=mali).first()
    Comment.objects.create(profile=mali, claim=claim, author=pat, text="Is this current?")
    launch_time_passes(release)

    result = release_launch(release)

    entry.refresh_from_db()
    assert result.left == [entry] and not result.published
    unreviewed = Citation.objects.filter(claim__section__profile=mali).count()
    assert entry.outcome == (f"{unreviewed} unreviewed citations; 1 unresolved comment thread")
    assert mali.publications.count() == 0 and not entry.in_open_release


@pytest.mark.django_db
def test_a_consistency_finding_holds_a_profile_back_until_acknowledged(people):
    # Last updated in June 2016 (tests/factories.py): an “As of” date of 2010 is stale.
    claim = make_claim(text="As of 1 January 2010, Testland had not joined the treaty.")
    profile = claim.section.profile
    pat = people["pat"]
    release = new_release(pat)
    entry = release_add_profiles(release, [profile], user=pat)[0]
    entry_mark_drafted(entry, user=pat)
    release_schedule(release, user=pat)
    launch_time_passes(release)
    assert entries_of(release).with_progress().get().progress == P.READY
    with transaction.atomic():
        left = release_launch(release).left
        transaction.set_rollback(True)
    assert [entry.outcome for entry in left] == [
        "consistency: The text says “As of 1 January 2010”, more than a year before “Last "
        "updated: 07 June 2016” (Policy, claim 1)"
    ]

    entry_acknowledge_consistency(entry, user=pat)

    assert [each.profile for each in release_launch(release).published] == [profile]
    assert entry.history.filter(consistency_acknowledged_by=pat).exists()


@pytest.mark.django_db
def test_an_acknowledgement_lapses_when_the_profile_changes(people, published_mali):
    pat = people["pat"]
    release = new_release(pat)
    entry = release_add_profiles(release, [published_mali], user=pat)[0]
    entry_acknowledge_consistency(entry, user=pat)
    assert entries_of(release).with_progress().get().consistency_acknowledged

    edit_a_claim(published_mali, people["ana"])

    assert not entries_of(release).with_progress().get().consistency_acknowledged


@pytest.mark.django_db
def test_release_acts_are_on_each_profiles_timeline(people, published_mali):
    pat = people["pat"]
    release = new_release(pat)
    entry = release_add_profiles(release, [published_mali], editor=people["ana"], user=pat)[0]
    release_schedule(release, user=pat)

    assert timeline_headlines(published_mali)[:2] == [
        f"Scheduled for release {release}",
        f"Added to release {release}",
    ]
    assert published_mali.state == Profile.objects.with_state().get().state  # no change
    assert entries_of(release).with_progress().get().progress == P.NOT_STARTED
    entry_mark_drafted(entry, user=people["ana"])
    verify_all(published_mali, people["cleo"])
    launch_time_passes(release)
    release_launch(release)
    assert timeline_headlines(published_mali)[:2] == [
        f"Release {release} launched",
        f"Published in release {release}",
    ]
