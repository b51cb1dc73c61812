"""The admin home (/admin/): a panel per role the user is in, where things stand and what to do
next; and the index without link tables and internals for everyone but superusers."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import strip_tags

from citations.models import Citation, ReviewState
from citations.services import citation_review
from history.changesets import change_set
from monitor.admin_views import home_for
from profiles.models import CorrectionRequest
from profiles.publishing import profile_publish
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.conftest import SUPERUSER
from tests.factories import (
    make_citation,
    make_citation_source,
    make_claim,
    make_country,
    make_member,
    make_profile,
    make_section,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

HOME = "/admin/"
QUEUE = "/admin/review/"
DISPUTES = "/admin/review/disputes/"


def make_profile_with(name, *, citations=1, editor=None):
    """A profile of country `name` with one claim and `citations` footnotes, written by
    `editor` (in their change set) when given."""
    with change_set(action="edit", user=editor):
        profile = make_profile(country=make_country(name))
        claim = make_claim(section=make_section(profile=profile))
        for _ in range(citations):
            make_citation(claim=claim)
    return profile


def edit(profile, user, text="An edited claim."):
    """Change the profile's first claim as `user` would, in a change set of theirs."""
    with change_set(action="edit", user=user):
        claim = profile.sections.first().claims.first()
        claim.text = text
        claim.save()


def review(profile, checker, state, *, count=1, note="The source says otherwise."):
    """Give `count` of the profile's unreviewed citations the verdict `state`."""
    citations = Citation.objects.filter(
        claim__section__profile=profile, review_state=ReviewState.UNREVIEWED
    )[:count]
    for citation in citations:
        citation_review(citation=citation, reviewer=checker, state=state, note=note)


def home(client):
    response = client.get(HOME)
    assert response.status_code == 200
    return response


def words(page: str) -> str:
    """The page's text as a reader reads it: without tags, one space between words."""
    return " ".join(strip_tags(page).split())


def profile_change(profile):
    return reverse("admin:profiles_profile_change", args=[profile.pk])


def publish_page(profile):
    return reverse("admin:profiles_profile_publish", args=[profile.pk])


@pytest.fixture
def publisher():
    return make_member("publisher", PUBLISHERS)


# Editors ----------------------------------------------------------------------------------------


class EditorHomeTests:
    def test_an_editor_sees_the_profiles_they_changed_that_the_public_has_not_seen(
        self, editor_client, editor, publisher
    ):
        mine = make_profile_with("Aland")
        profile_publish(profile=mine, user=publisher)
        edit(mine, editor)
        others = make_profile_with("Borduria")
        profile_publish(profile=others, user=publisher)
        edit(others, make_member("other-editor", EDITORS))
        published = make_profile_with("Carpania", editor=editor)
        profile_publish(profile=published, user=publisher)

        response = home(editor_client)

        panel = response.context["home"].editing
        assert panel.changed == [mine] and panel.changed_count == 1
        assert panel.all_changed_count == 2
        page = response.content.decode()
        assert f'href="{profile_change(mine)}"' in page
        assert "Published edition 1 + unpublished changes" in page
        assert f'href="{profile_change(published)}"' not in page.split("home-edits")[0]

    def test_a_draft_the_editor_wrote_is_theirs_to_see(self, editor_client, editor):
        draft = make_profile_with("Aland", editor=editor)

        panel = home(editor_client).context["home"].editing

        assert panel.changed == [draft]
        assert panel.changed[0].state_label == "Draft"

    def test_an_editor_sees_disputes_on_the_profiles_they_edited(
        self, editor_client, editor, checker
    ):
        mine = make_profile_with("Aland", citations=3, editor=editor)
        review(mine, checker, ReviewState.DISPUTED, count=2)
        not_mine = make_profile_with("Borduria")
        review(not_mine, checker, ReviewState.DISPUTED)

        response = home(editor_client)

        panel = response.context["home"].editing
        assert [(row["profile_id"], row["disputed"]) for row in panel.disputes] == [(mine.pk, 2)]
        assert (panel.disputed_count, panel.disputed_profile_count) == (2, 1)
        page = response.content.decode()
        assert f'href="{DISPUTES}?profile={mine.pk}"' in page
        assert "2 disputed" in words(page)

    def test_an_editor_sees_the_readers_new_correction_requests(self, editor_client):
        profile = make_profile_with("Aland")
        for state in ["new", "new", "declined"]:
            CorrectionRequest.objects.create(
                profile=profile, edition=1, what_is_wrong="A wrong date.", state=state
            )

        response = home(editor_client)

        assert response.context["home"].editing.new_corrections == 2
        page = response.content.decode()
        assert "2 new correction requests from readers" in words(page)
        assert 'href="/admin/profiles/correctionrequest/?state__exact=new"' in page

    def test_no_new_requests_is_said_so(self, editor_client):
        assert "No new correction requests from readers." in words(
            home(editor_client).content.decode()
        )

    def test_an_editor_sees_their_recent_edits_with_what_changed(self, editor_client, editor):
        profile = make_profile_with("Aland")
        edit(profile, editor)

        response = home(editor_client)

        [recent] = response.context["home"].editing.recent
        assert recent.profile == profile
        assert f'href="{recent.compare_url}"' in response.content.decode()
        assert recent.compare_url.startswith(
            reverse("admin:profiles_profile_timeline", args=[profile.pk])
        )


# Fact-checkers ----------------------------------------------------------------------------------


class FactCheckerHomeTests:
    def test_a_fact_checker_sees_what_awaits_review_by_profile_most_first(
        self, checker_client, checker
    ):
        few = make_profile_with("Aland", citations=2)
        review(few, checker, ReviewState.VERIFIED)
        many = make_profile_with("Borduria", citations=3)
        done = make_profile_with("Carpania", citations=1)
        review(done, checker, ReviewState.VERIFIED)

        response = home(checker_client)

        panel = response.context["home"].fact_checking
        assert [(row["profile_id"], row["unreviewed"]) for row in panel.awaiting] == [
            (many.pk, 3),
            (few.pk, 1),
        ]
        assert (panel.awaiting_count, panel.awaiting_profile_count) == (4, 2)
        page = response.content.decode()
        assert "4 citations in 2 profiles await your review" in words(page)
        assert f'href="{QUEUE}?profile={many.pk}"' in page and "3 to review" in words(page)

    def test_a_fact_checker_sees_their_recent_reviews(self, checker_client, checker):
        profile = make_profile_with("Aland", citations=2)
        review(profile, checker, ReviewState.DISPUTED, note="Wrong year.")
        review(profile, make_member("other-checker", FACT_CHECKERS), ReviewState.VERIFIED)

        response = home(checker_client)

        [recent] = response.context["home"].fact_checking.recent
        assert recent.review_state == ReviewState.DISPUTED
        page = response.content.decode()
        assert "your note: Wrong year." in page
        assert 'class="state-badge state-badge--disputed">Disputed' in page
        yours = f"{QUEUE}?profile={profile.pk}&amp;reviewer={checker.pk}&amp;state=all"
        assert f'href="{yours}"' in page


# Publishers -------------------------------------------------------------------------------------


class PublisherHomeTests:
    def test_a_publisher_sees_what_is_ready_and_what_is_blocked_and_why(
        self, publisher_client, publisher, checker
    ):
        ready = make_profile_with("Aland", citations=2)
        review(ready, checker, ReviewState.VERIFIED, count=2)
        blocked = make_profile_with("Borduria", citations=8)
        review(blocked, checker, ReviewState.DISPUTED, count=2)
        review(blocked, checker, ReviewState.VERIFIED, count=1)
        unchanged = make_profile_with("Carpania")
        review(unchanged, checker, ReviewState.VERIFIED)
        profile_publish(profile=unchanged, user=publisher)

        response = home(publisher_client)

        panel = response.context["home"].publishing
        assert (panel.ready, panel.ready_count) == ([ready], 1)
        assert (panel.blocked, panel.blocked_count) == ([blocked], 1)
        page = response.content.decode()
        assert f'href="{publish_page(ready)}"' in page
        assert f'href="{publish_page(blocked)}"' in page
        assert f'href="{publish_page(unchanged)}"' not in page
        assert f'href="{DISPUTES}?profile={blocked.pk}">2 disputed</a>' in page
        assert f'href="{QUEUE}?profile={blocked.pk}">5 unreviewed</a>' in page

    def test_a_published_profile_changed_since_is_ready_again(
        self, publisher_client, publisher, checker, editor
    ):
        profile = make_profile_with("Aland")
        review(profile, checker, ReviewState.VERIFIED)
        profile_publish(profile=profile, user=publisher)
        with change_set(action="edit", user=editor):
            profile.notes = "Check the 2024 statement."
            profile.save()

        panel = home(publisher_client).context["home"].publishing

        assert panel.ready == [profile]
        assert panel.ready[0].state_label == "Published edition 1 + unpublished changes"

    def test_a_profile_in_an_open_release_is_left_to_its_launch(
        self, publisher_client, publisher, checker
    ):
        from profiles.releases import release_add_profiles, release_cancel
        from tests.profiles.test_releases import new_release

        in_release = make_profile_with("Aland")
        review(in_release, checker, ReviewState.VERIFIED)
        release = new_release(publisher)
        release_add_profiles(release, [in_release], user=publisher)

        while_open = home(publisher_client).context["home"].publishing
        release_cancel(release, user=publisher)
        once_cancelled = home(publisher_client).context["home"].publishing

        assert (while_open.ready, while_open.ready_count) == ([], 0)
        assert once_cancelled.ready == [in_release]

    def test_a_withdrawn_profile_is_left_to_the_publisher_s_choice(
        self, publisher_client, publisher, checker
    ):
        from profiles.publishing import profile_withdraw

        profile = make_profile_with("Aland")
        review(profile, checker, ReviewState.VERIFIED)
        profile_publish(profile=profile, user=publisher)
        profile_withdraw(profile=profile, user=publisher)
        edit(profile, publisher)

        panel = home(publisher_client).context["home"].publishing

        assert (panel.ready_count, panel.blocked_count) == (0, 0)


# Roles ------------------------------------------------------------------------------------------


class RolePanelTests:
    @pytest.mark.parametrize(
        ("role", "shown"),
        [
            (EDITORS, {"editing"}),
            (FACT_CHECKERS, {"fact_checking"}),
            (PUBLISHERS, {"publishing"}),
            (SUPERUSER, set()),
        ],
    )
    def test_each_role_sees_its_own_panels(self, client_for, role, shown):
        context = home(client_for(role)).context["home"]

        panels = {"editing", "fact_checking", "publishing"}
        assert {name for name in panels if getattr(context, name) is not None} == shown

    def test_a_user_in_two_roles_sees_both_roles_panels(self, client_for):
        client = client_for(EDITORS, "editor-and-checker")
        client.user.groups.add(Group.objects.get(name=FACT_CHECKERS))

        page = home(client).content.decode()

        assert 'id="home-editing"' in page and 'id="home-fact-checking"' in page
        assert 'id="home-publishing"' not in page

    def test_staff_in_no_role_see_no_panels_and_are_told_why(self, client):
        from tests.factories import make_user

        client.force_login(make_user("newcomer"))

        response = home(client)

        assert not response.context["home"].has_panels
        page = response.content.decode()
        assert "home-panel" not in page
        assert "You are in no editorial role yet" in page


# The tables -------------------------------------------------------------------------------------


class TablesTests:
    LINK_TABLE = "/admin/citations/citationsource/"
    PUBLIC_COPY = "/admin/profiles/publictreatystatus/"

    @pytest.mark.parametrize("role", [EDITORS, FACT_CHECKERS, PUBLISHERS])
    def test_link_tables_and_internals_leave_the_index(self, client_for, role):
        client = client_for(role)

        page = home(client).content.decode()

        assert "All tables" in page and 'href="/admin/profiles/profile/"' in page
        assert f'href="{self.LINK_TABLE}"' not in page and "Citation sources" not in page
        assert f'href="{self.PUBLIC_COPY}"' not in page
        # Still there for those with permission, by address.
        assert client.get(self.LINK_TABLE).status_code == 200

    def test_superusers_still_see_every_table(self, superuser_client):
        page = home(superuser_client).content.decode()

        assert f'href="{self.LINK_TABLE}"' in page and f'href="{self.PUBLIC_COPY}"' in page

    def test_the_internals_leave_the_app_pages_too(self, editor_client):
        response = editor_client.get("/admin/citations/")

        assert response.status_code == 200
        assert "Citation sources" not in response.content.decode()

    def test_the_index_still_links_to_the_review_queue_and_disputes(self, editor_client):
        page = home(editor_client).content.decode()

        assert f'href="{QUEUE}"' in page and f'href="{DISPUTES}"' in page

    def test_the_review_queue_runs_on_the_same_site(self, checker_client):
        response = checker_client.get(QUEUE)

        assert response.status_code == 200
        assert response.context["site_header"] == "Monitor administration"


# Queries ----------------------------------------------------------------------------------------


def more_of_everything(editor, checker, publisher, start):
    """Add profiles with citations in every state, edits, reviews, editions and readers'
    correction requests."""
    for number in range(start, start + 3):
        profile = make_profile_with(f"Land {number}", citations=3, editor=editor)
        for state in CorrectionRequest.State:
            CorrectionRequest.objects.create(
                profile=profile, edition=1, what_is_wrong="A wrong date.", state=state
            )
        make_citation_source(citation=profile.sections.first().claims.first().citations.first())
        review(profile, checker, ReviewState.DISPUTED)
        review(profile, checker, ReviewState.VERIFIED)
        ready = make_profile_with(f"Ready {number}", citations=1, editor=editor)
        review(ready, checker, ReviewState.VERIFIED)
        profile_publish(profile=ready, user=publisher)
        edit(ready, editor)


@pytest.mark.parametrize("role", [EDITORS, FACT_CHECKERS, PUBLISHERS, "all three"])
def test_the_home_runs_the_same_queries_whatever_the_data(client_for, checker, publisher, role):
    client = client_for(EDITORS if role == "all three" else role, "desk")
    if role == "all three":
        client.user.groups.add(*Group.objects.filter(name__in=[FACT_CHECKERS, PUBLISHERS]))
    editor = client.user if role in (EDITORS, "all three") else make_member("ed", EDITORS)
    checker = client.user if role in (FACT_CHECKERS, "all three") else checker
    more_of_everything(editor, checker, publisher, start=1)
    few = count_queries(client, HOME)

    more_of_everything(editor, checker, publisher, start=10)

    assert count_queries(client, HOME) == few


@pytest.mark.parametrize(
    ("role", "panel_queries"),
    # Editors and fact-checkers: + their profiles in open releases, + the unresolved threads
    # on their profiles; publishers: + the open releases, their counts, and the threads.
    [(EDITORS, 10), (FACT_CHECKERS, 4), (PUBLISHERS, 4), (SUPERUSER, 0)],
)
def test_each_panel_runs_a_fixed_number_of_queries(
    client_for, django_assert_num_queries, checker, publisher, role, panel_queries
):
    user = client_for(role).user
    editor = user if role == EDITORS else make_member("ed", EDITORS)
    checker = user if role == FACT_CHECKERS else checker
    more_of_everything(editor, checker, publisher, start=1)

    with django_assert_num_queries(1 + panel_queries):  # 1: the user's roles
        home_for(user)
