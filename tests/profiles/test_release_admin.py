"""The release admin: creating a release in a time zone, its profiles and assignments, the
acts Schedule, Postpone and Cancel, a launched release read only, and who may do what."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from profiles.admin_releases import default_time_zone
from profiles.models import ChangeSet, Release, ReleaseProfile
from profiles.publishing import profile_publish
from profiles.releases import release_add_profiles, release_launch
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.conftest import ANONYMOUS
from tests.factories import make_country, make_member, make_profile, make_topic, make_user
from tests.profiles.test_releases import launch_time_passes, new_release

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:profiles_release_changelist")
ADD = reverse("admin:profiles_release_add")
UTC = datetime.UTC


def change_url(release):
    return reverse("admin:profiles_release_change", args=[release.pk])


def act_url(release, act):
    return reverse(f"admin:profiles_release_{act}", args=[release.pk])


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def topic():
    return make_topic("Cluster Munition Ban Policy")


@pytest.fixture
def profiles(topic):
    """Three profiles of the topic: Arland, Borduria and Carpania."""
    return [
        make_profile(country=make_country(name), topic=topic)
        for name in ("Arland", "Borduria", "Carpania")
    ]


@pytest.fixture
def publisher(publisher_client):
    return publisher_client.user


@pytest.fixture
def people():
    return {
        "ana": make_member("ana", EDITORS),
        "ben": make_member("ben", EDITORS),
        "cleo": make_member("cleo", FACT_CHECKERS),
        "dan": make_member("dan", FACT_CHECKERS),
    }


@pytest.fixture
def release(publisher, topic, profiles):
    release = new_release(publisher, topic=topic)
    release_add_profiles(release, profiles[:2], user=publisher)
    return release


def add_data(**changes):
    data = {
        "name": "Cluster Munition Monitor 2031",
        "topic": "",
        "add_topic_profiles": "on",
        "drafting_deadline": "2031-06-01",
        "review_deadline": "2031-07-01",
        "launch_date": "2031-09-04",
        "launch_time": "09:00",
        "launch_time_zone": "Europe/Zurich",
        "edition_note": "Updated for the 2031 report.",
    }
    for name, value in changes.items():
        if value is None:
            data.pop(name)
        else:
            data[name] = value
    return data


# Creating a release -----------------------------------------------------------------------------


class AddTests:
    def test_the_launch_is_read_in_the_chosen_time_zone(self, publisher_client):
        response = publisher_client.post(ADD, add_data())

        release = Release.objects.get()
        assert response.status_code == 302
        assert release.launch_at == datetime.datetime(2031, 9, 4, 7, 0, tzinfo=UTC)
        assert release.launch_time_zone == "Europe/Zurich"
        assert release.launch_label == "4 September 2031, 09:00 (Europe/Zurich)"
        assert release.state == Release.State.PREPARING
        assert release.edition_note == "Updated for the 2031 report."

    def test_the_form_offers_the_site_time_zone(self, publisher_client):
        response = publisher_client.get(ADD)

        form = response.context["adminform"].form
        assert form["launch_time_zone"].initial == default_time_zone()
        assert default_time_zone() in (settings.TIME_ZONE, "UTC")
        assert form["add_topic_profiles"].initial is True

    def test_history_names_the_user_in_a_release_change_set(self, publisher_client, publisher):
        publisher_client.post(ADD, add_data())

        record = Release.history.get()
        assert record.history_user == publisher
        assert record.change_set.user == publisher
        assert record.change_set.action == ChangeSet.Action.RELEASE

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"review_deadline": "2031-05-01"}, "review_deadline", "cannot come before"),
            ({"launch_time_zone": "Mars/Olympus"}, "launch_time_zone", "valid choice"),
            ({"launch_date": "2001-09-04"}, "launch_date", "has passed"),
            # Clocks in Zurich go from 02:00 to 03:00 on 30 March 2031.
            ({"launch_date": "2031-03-30", "launch_time": "02:30"}, "launch_time", "not exist"),
            ({"launch_time": "9 o'clock"}, "launch_time", "valid time"),
            ({"name": ""}, "name", "required"),
        ],
    )
    def test_bad_input_is_refused_on_its_field(self, publisher_client, changes, field, message):
        response = publisher_client.post(ADD, add_data(**changes))

        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert message in " ".join(errors[field])
        assert not Release.objects.exists()

    def test_a_name_taken_is_refused_on_the_name(self, publisher_client, publisher):
        new_release(publisher, name="Cluster Munition Monitor 2031")

        response = publisher_client.post(ADD, add_data())

        assert "already exists" in " ".join(response.context["adminform"].form.errors["name"])
        assert Release.objects.count() == 1

    def test_every_free_profile_of_the_topic_is_added(
        self, publisher_client, publisher, topic, profiles
    ):
        other = new_release(publisher, name="Earlier release", topic=topic)
        release_add_profiles(other, profiles[2:], user=publisher)

        response = publisher_client.post(ADD, add_data(topic=topic.pk), follow=True)

        release = Release.objects.get(name="Cluster Munition Monitor 2031")
        assert {entry.profile for entry in release.entries.all()} == set(profiles[:2])
        shown = shown_messages(response)
        assert any("Added 2 profiles" in message for message in shown)
        assert any(
            "Left out 1 profile" in message and str(profiles[2]) in message for message in shown
        )

    def test_unticked_no_profile_is_added(self, publisher_client, topic, profiles):
        publisher_client.post(ADD, add_data(topic=topic.pk, add_topic_profiles=None))

        assert not ReleaseProfile.objects.exists()


# Profiles and assignments ------------------------------------------------------------------------


def assignments(release, **rows):
    """POST data for the assignments form: `rows` maps an entry's pk to (editor, checker)."""
    data = {}
    for entry in release.entries.all():
        editor, checker = rows.get(str(entry.pk), (entry.editor, entry.fact_checker))
        data[f"editor-{entry.pk}"] = editor.pk if editor else ""
        data[f"fact_checker-{entry.pk}"] = checker.pk if checker else ""
    return data


class AssignmentTests:
    def test_the_change_page_offers_only_active_members_of_each_group(
        self, publisher_client, release, people
    ):
        make_member("gone", EDITORS, is_active=False)

        response = publisher_client.get(change_url(release))

        assert [user.username for user in response.context["editors"]] == ["ana", "ben"]
        assert [user.username for user in response.context["fact_checkers"]] == ["cleo", "dan"]
        assert 'name="editor-' in response.content.decode()

    def test_every_row_is_saved_with_its_history(
        self, publisher_client, publisher, release, people
    ):
        first, second = release.entries.order_by("profile__country__name")
        data = assignments(
            release,
            **{
                str(first.pk): (people["ana"], people["cleo"]),
                str(second.pk): (people["ben"], people["dan"]),
            },
        )

        response = publisher_client.post(act_url(release, "assignments"), data, follow=True)

        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.editor, first.fact_checker) == (people["ana"], people["cleo"])
        assert (second.editor, second.fact_checker) == (people["ben"], people["dan"])
        assert "Saved the assignments of 2 profiles." in shown_messages(response)
        record = first.history.first()
        assert record.history_user == publisher
        assert record.change_set.action == ChangeSet.Action.RELEASE

    def test_a_non_editor_is_refused_naming_the_profile_and_nothing_is_saved(
        self, publisher_client, release, people
    ):
        first, second = release.entries.order_by("profile__country__name")
        data = assignments(
            release,
            **{
                str(first.pk): (people["ana"], people["cleo"]),
                str(second.pk): (people["cleo"], None),  # a fact-checker as editor
            },
        )

        response = publisher_client.post(act_url(release, "assignments"), data, follow=True)

        (message,) = shown_messages(response)
        assert str(second.profile) in message
        assert "cleo is not an active member of the Editors group" in message
        assert not release.entries.filter(editor__isnull=False).exists()

    def test_a_refusal_of_the_service_rolls_every_row_back(self, publisher_client, release, people):
        first, second = release.entries.order_by("profile__country__name")
        # In both groups, then assigned to edit and check the same profile: the service
        # refuses (four eyes), after the first row was written.
        both = make_member("eve", EDITORS)
        both.groups.add(Group.objects.get(name=FACT_CHECKERS))
        data = assignments(
            release,
            **{str(first.pk): (people["ana"], people["cleo"]), str(second.pk): (both, both)},
        )

        response = publisher_client.post(act_url(release, "assignments"), data, follow=True)

        (message,) = shown_messages(response)
        assert str(second.profile) in message and "cannot both edit and fact-check" in message
        assert not release.entries.filter(editor__isnull=False).exists()
        assert not ReleaseProfile.history.filter(editor__isnull=False).exists()

    def test_the_selected_rows_get_the_bulk_assignment(self, publisher_client, release, people):
        first, second = release.entries.order_by("profile__country__name")
        data = {
            **assignments(release),
            "selected": [second.pk],
            "bulk_editor": people["ben"].pk,
            "bulk_fact_checker": "",
            "bulk": "Assign",
        }

        publisher_client.post(act_url(release, "assignments"), data)

        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.editor, second.editor, second.fact_checker) == (None, people["ben"], None)

    def test_a_bulk_assignment_without_a_selection_is_refused(
        self, publisher_client, release, people
    ):
        data = {**assignments(release), "bulk_editor": people["ben"].pk, "bulk": "Assign"}

        response = publisher_client.post(act_url(release, "assignments"), data, follow=True)

        assert shown_messages(response) == [
            "Nothing was saved. Select the profiles to assign first."
        ]
        assert not release.entries.filter(editor__isnull=False).exists()

    def test_profiles_are_added_with_their_assignees(
        self, publisher_client, release, profiles, people
    ):
        data = {
            "profiles": [profiles[2].pk],
            "editor": people["ana"].pk,
            "fact_checker": people["dan"].pk,
        }

        response = publisher_client.post(act_url(release, "add_profiles"), data, follow=True)

        entry = release.entries.get(profile=profiles[2])
        assert (entry.editor, entry.fact_checker) == (people["ana"], people["dan"])
        assert "Added 1 profile." in shown_messages(response)

    def test_all_remaining_profiles_of_the_topic_are_added(
        self, publisher_client, release, profiles
    ):
        page = publisher_client.get(change_url(release))
        assert page.context["addable"] == [profiles[2]]

        publisher_client.post(act_url(release, "add_profiles"), {"all_of_topic": "Add all"})

        assert release.entries.count() == 3

    def test_a_profile_of_another_topic_is_refused(self, publisher_client, release):
        stray = make_profile(country=make_country("Dorland"), topic=make_topic("Mine Ban Policy"))

        response = publisher_client.post(
            act_url(release, "add_profiles"), {"profiles": [stray.pk]}, follow=True
        )

        (message,) = shown_messages(response)
        assert "Nothing was added" in message and "is not about" in message
        assert release.entries.count() == 2

    def test_a_profile_is_taken_out(self, publisher_client, release, profiles):
        entry = release.entries.get(profile=profiles[0])

        response = publisher_client.post(
            act_url(release, "remove_profile"), {"entry": entry.pk}, follow=True
        )

        assert not release.entries.filter(profile=profiles[0]).exists()
        assert f"Took {profiles[0]} out of “{release}”." in shown_messages(response)
        assert ReleaseProfile.history.filter(history_type="-").get().history_user is not None


# Schedule, postpone, cancel -----------------------------------------------------------------------


class ActTests:
    def test_schedule_is_confirmed_then_done(self, publisher_client, release):
        page = publisher_client.get(act_url(release, "schedule"))
        assert page.status_code == 200
        assert release.launch_label in page.content.decode()

        response = publisher_client.post(act_url(release, "schedule"), follow=True)

        release.refresh_from_db()
        assert release.state == Release.State.SCHEDULED
        assert f"Scheduled “{release}” for {release.launch_label}." in shown_messages(response)

    def test_schedule_is_refused_once_the_launch_time_has_passed(self, publisher_client, release):
        launch_time_passes(release)

        response = publisher_client.post(act_url(release, "schedule"), follow=True)

        (message,) = shown_messages(response)
        assert message.startswith("Not scheduled: ") and "has passed" in message
        release.refresh_from_db()
        assert release.state == Release.State.PREPARING

    def test_postpone_reads_the_new_time_in_the_release_zone(self, publisher_client, release):
        page = publisher_client.get(act_url(release, "postpone"))
        local = release.launch_local
        assert page.context["form"]["launch_date"].initial == local.date()

        response = publisher_client.post(
            act_url(release, "postpone"),
            {"launch_date": "2032-01-15", "launch_time": "10:30"},
            follow=True,
        )

        release.refresh_from_db()
        # Zurich is an hour ahead of UTC in winter.
        assert release.launch_at == datetime.datetime(2032, 1, 15, 9, 30, tzinfo=UTC)
        assert f"Moved “{release}” to 15 January 2032, 10:30 (Europe/Zurich)." in (
            shown_messages(response)
        )

    def test_postpone_to_a_past_time_is_refused_on_the_page(self, publisher_client, release):
        before = release.launch_at

        response = publisher_client.post(
            act_url(release, "postpone"), {"launch_date": "2001-01-15", "launch_time": "10:30"}
        )

        assert response.status_code == 200
        assert "has passed" in " ".join(response.context["form"].non_field_errors())
        release.refresh_from_db()
        assert release.launch_at == before

    def test_cancel_is_confirmed_then_frees_the_profiles(self, publisher_client, release):
        page = publisher_client.get(act_url(release, "cancel"))
        assert "publishes none of it" in page.content.decode()

        publisher_client.post(act_url(release, "cancel"))

        release.refresh_from_db()
        assert release.state == Release.State.CANCELLED
        assert not release.entries.filter(in_open_release=True).exists()

    def test_cancelling_a_launched_release_is_refused(self, publisher_client, publisher, release):
        release_launched(release, publisher)

        response = publisher_client.post(act_url(release, "cancel"), follow=True)

        (message,) = shown_messages(response)
        assert "Not cancelled" in message and "is launched" in message
        release.refresh_from_db()
        assert release.state == Release.State.LAUNCHED


def release_launched(release, publisher):
    from profiles.releases import release_schedule

    release_schedule(release, user=publisher)
    launch_time_passes(release)
    release_launch(release, user=publisher)
    release.refresh_from_db()


class ReadOnlyTests:
    def test_a_launched_release_shows_each_outcome_and_no_form(
        self, publisher_client, publisher, release
    ):
        release_launched(release, publisher)
        # As if the launch had published the first (the second is left still drafting).
        first = release.entries.order_by("profile__country__name").first()
        edition = profile_publish(profile=first.profile, user=publisher).publication
        ReleaseProfile.objects.filter(pk=first.pk).update(
            publication=edition, outcome="Published edition 1"
        )

        response = publisher_client.get(change_url(release))

        page = response.content.decode()
        assert response.status_code == 200
        assert "Published edition 1" in page and "still drafting" in page
        edition_url = reverse(
            "profiles:edition_detail",
            args=[first.profile.country.slug, first.profile.topic.slug, 1],
        )
        assert f'href="{edition_url}"' in page
        assert 'name="editor-' not in page
        assert 'value="Save"' not in page
        assert "Schedule…" not in page and "Cancel release…" not in page
        editable = set(response.context["adminform"].form.fields)
        assert not editable & {"name", "drafting_deadline", "review_deadline", "edition_note"}

    def test_a_launched_release_refuses_a_save(self, publisher_client, publisher, release):
        release_launched(release, publisher)

        response = publisher_client.post(change_url(release), {"name": "Renamed"})

        assert response.status_code == 403
        release.refresh_from_db()
        assert release.name != "Renamed"

    def test_a_preparing_release_saves_its_fields_with_history(
        self, publisher_client, publisher, release
    ):
        from tests.factories import changeform_data

        page = publisher_client.get(change_url(release))
        data = changeform_data(page, {"edition_note": "Launched in Geneva."})

        response = publisher_client.post(change_url(release), data)

        assert response.status_code == 302
        release.refresh_from_db()
        assert release.edition_note == "Launched in Geneva."
        assert release.history.first().history_user == publisher

    def test_no_one_deletes_a_release(self, superuser_client, release):
        response = superuser_client.post(
            reverse("admin:profiles_release_delete", args=[release.pk]), {"post": "yes"}
        )

        assert response.status_code == 403
        assert Release.objects.filter(pk=release.pk).exists()


# Who may do what ---------------------------------------------------------------------------------


class PermissionTests:
    @pytest.mark.parametrize("role", [EDITORS, FACT_CHECKERS])
    def test_editors_and_fact_checkers_see_a_release_but_change_nothing(
        self, client_for, role, release
    ):
        client = client_for(role)

        page = client.get(change_url(release))

        assert page.status_code == 200
        assert client.get(CHANGELIST).status_code == 200
        content = page.content.decode()
        assert 'name="editor-' not in content and "Schedule…" not in content
        assert client.get(ADD).status_code == 403
        for act in ("schedule", "postpone", "cancel"):
            assert client.post(act_url(release, act)).status_code == 403
        assert client.post(act_url(release, "remove_profile"), {"entry": 1}).status_code == 403
        release.refresh_from_db()
        assert release.state == Release.State.PREPARING and release.entries.count() == 2

    def test_anyone_logged_out_is_sent_to_log_in(self, client_for, release):
        client = client_for(ANONYMOUS)

        for url in (CHANGELIST, change_url(release), act_url(release, "schedule")):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("admin:login"))

    def test_scheduling_needs_the_publish_permission_too(self, client_for, release):
        # A user who may change releases but not publish profiles.
        user = make_user("clerk")
        user.user_permissions.add(
            *Group.objects.get(name=PUBLISHERS).permissions.filter(
                codename__in=["view_release", "change_release"]
            )
        )
        client = client_for(ANONYMOUS)
        client.force_login(user)

        assert client.get(act_url(release, "schedule")).status_code == 403
        assert client.get(change_url(release)).context["can_manage"] is True
        assert client.get(change_url(release)).context["can_act"] is False

    def test_the_roles_hold_the_release_permissions(self):
        def codenames(role):
            return set(
                Group.objects.get(name=role)
                .permissions.filter(content_type__model__in=["release", "releaseprofile"])
                .values_list("codename", flat=True)
            )

        read = {"view_release", "view_releaseprofile"}
        assert codenames(EDITORS) == codenames(FACT_CHECKERS) == read
        assert codenames(PUBLISHERS) == read | {
            "add_release",
            "change_release",
            "add_releaseprofile",
            "change_releaseprofile",
        }


# Query counts ----------------------------------------------------------------------------------


def more_releases(publisher, topic, number):
    for index in range(number):
        release = new_release(publisher, name=f"Extra release {index}", topic=topic)
        profile = make_profile(country=make_country(f"Extra {index}"), topic=topic)
        release_add_profiles(release, [profile], user=publisher)


class QueryCountTests:
    def count(self, client, url, django_assert_num_queries, queries):
        client.get(url)  # fills the per-process caches (content types), as any request has
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200

    # Session, user, permissions (a superuser has them all), and the page's own queries.
    CHANGELIST_QUERIES = 5
    CHANGE_PAGE_QUERIES = 7

    def test_the_change_list_costs_the_same_for_more_releases(
        self, superuser_client, publisher, topic, release, django_assert_num_queries
    ):
        self.count(superuser_client, CHANGELIST, django_assert_num_queries, self.CHANGELIST_QUERIES)
        more_releases(publisher, topic, 4)
        self.count(superuser_client, CHANGELIST, django_assert_num_queries, self.CHANGELIST_QUERIES)

    def test_the_change_page_costs_the_same_for_more_profiles(
        self, superuser_client, publisher, topic, release, people, django_assert_num_queries
    ):
        url = change_url(release)
        self.count(superuser_client, url, django_assert_num_queries, self.CHANGE_PAGE_QUERIES)
        extra = [
            make_profile(country=make_country(f"Extra {index}"), topic=topic) for index in range(5)
        ]
        release_add_profiles(
            release, extra, editor=people["ana"], fact_checker=people["cleo"], user=publisher
        )
        make_profile(country=make_country("Addable"), topic=topic)
        make_member("eve", EDITORS)
        self.count(superuser_client, url, django_assert_num_queries, self.CHANGE_PAGE_QUERIES)


def test_the_launch_in_the_change_list_is_in_the_release_zone(superuser_client, publisher):
    new_release(
        publisher,
        launch_at=datetime.datetime(2031, 9, 4, 7, 0, tzinfo=UTC),
        launch_time_zone="Europe/Zurich",
    )

    response = superuser_client.get(CHANGELIST)

    assert "4 September 2031, 09:00 (Europe/Zurich)" in response.content.decode()
