"""The role homes during a release: each editor's and fact-checker's profiles in the open
releases, with their progress, deadline and what holds them back; each open release's counts
for publishers; and the unresolved comment threads on each role's profiles."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from citations.comments import thread_resolve, thread_start
from citations.models import Citation, ReviewState
from citations.services import citations_review
from history.changesets import change_set
from monitor.admin_views import home_for
from profiles.models import Claim, ReleaseProfile
from profiles.publishing import profile_publish
from profiles.releases import (
    entry_mark_drafted,
    release_add_profiles,
    release_cancel,
    release_create,
    release_schedule,
)
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.factories import (
    make_citation,
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


def today() -> datetime.date:
    return timezone.localdate()


def new_release(publisher, name="Cluster Munition Monitor 2026", *, days_left=10, **fields):
    """A release whose drafting deadline is `days_left` days away (past when negative)."""
    values = {
        "drafting_deadline": today() + datetime.timedelta(days=days_left),
        "review_deadline": today() + datetime.timedelta(days=days_left + 10),
        "launch_at": timezone.now() + datetime.timedelta(days=days_left + 20),
        "launch_time_zone": "Europe/Zurich",
        **fields,
    }
    return release_create(name=name, user=publisher, **values)


def published_profile(name, publisher, *, citations=2):
    """A profile of country `name` with one claim and `citations` footnotes, published: in a
    release it has not been started yet."""
    with change_set(action="import", user=publisher):
        profile = make_profile(country=make_country(name))
        claim = make_claim(section=make_section(profile=profile))
        for _ in range(citations):
            make_citation(claim=claim)
    profile_publish(profile=profile, user=publisher)
    return profile


def edit(profile, user):
    with change_set(action="edit", user=user):
        claim = Claim.objects.filter(section__profile=profile).first()
        claim.text += " Updated in 2026."
        claim.save()


def review_all(profile, checker, state=ReviewState.VERIFIED, *, count=None):
    citations = list(
        Citation.objects.filter(claim__section__profile=profile, review_state="unreviewed")
    )
    citations_review(citations=citations[:count], reviewer=checker, state=state, note="No.")


def start_thread(profile, user, text="Is this the 2024 figure?"):
    return thread_start(
        about=Claim.objects.filter(section__profile=profile).first(), text=text, user=user
    )


def entry(release, profile) -> ReleaseProfile:
    return ReleaseProfile.objects.get(release=release, profile=profile)


def home(client):
    response = client.get(HOME)
    assert response.status_code == 200
    return response


def words(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def section(response, element_id: str) -> str:
    """The HTML of the home's <section> with this id (up to the next panel)."""
    page = response.content.decode()
    start = page.index(f'id="{element_id}"')
    end = page.find('<section class="home-panel', start + 1)
    return page[start : end if end != -1 else None]


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
def client_as():
    def log_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def cycle(people):
    """A release (drafting deadline in 10 days): Aland and Borduria for Ana and Cleo, Carpania
    for Ben and Dan."""
    pat = people["pat"]
    aland, borduria, carpania = (
        published_profile(n, pat) for n in ("Aland", "Borduria", "Carpania")
    )
    release = new_release(pat)
    release_add_profiles(
        release, [aland, borduria], editor=people["ana"], fact_checker=people["cleo"], user=pat
    )
    release_add_profiles(
        release, [carpania], editor=people["ben"], fact_checker=people["dan"], user=pat
    )
    return {"release": release, "aland": aland, "borduria": borduria, "carpania": carpania}


# Editors ----------------------------------------------------------------------------------------


class EditorReleaseTests:
    def test_an_editor_sees_their_profiles_in_the_release_and_no_one_else_s(
        self, client_as, people, cycle
    ):
        response = home(client_as(people["ana"]))

        [mine] = response.context["home"].editing.releases
        assert mine.release == cycle["release"]
        assert {e.profile for e in mine.entries} == {cycle["aland"], cycle["borduria"]}
        panel = section(response, f"home-release-editor-{cycle['release'].pk}")
        assert "My profiles in Cluster Munition Monitor 2026" in panel
        assert "Aland" in panel and "Borduria" in panel and "Carpania" not in panel
        assert "2 profiles assigned to you to update." in " ".join(strip_tags(panel).split())

    def test_each_profile_shows_its_state_in_words_and_the_drafting_deadline(
        self, client_as, people, cycle
    ):
        ana = people["ana"]
        edit(cycle["borduria"], ana)

        response = home(client_as(ana))

        panel = " ".join(
            strip_tags(section(response, f"home-release-editor-{cycle['release'].pk}")).split()
        )
        deadline = today() + datetime.timedelta(days=10)
        assert f"Drafting deadline: {deadline.day} {deadline:%B %Y}." in panel
        assert "Launch: " in panel and "(Europe/Zurich)" in panel
        page = response.content.decode()
        assert 'class="state-badge state-badge--unreviewed">Drafting</span>' in page
        assert 'class="state-badge state-badge--draft">Not started</span>' in page
        assert "Overdue" not in panel
        editor = reverse("admin:profiles_profile_editor", args=[cycle["aland"].pk])
        assert f'href="{editor}"' in page

    def test_past_the_drafting_deadline_an_unfinished_profile_is_marked_overdue(
        self, client_as, people
    ):
        pat, ana = people["pat"], people["ana"]
        late, done = published_profile("Aland", pat), published_profile("Borduria", pat)
        release = new_release(pat, days_left=-2)
        release_add_profiles(release, [late, done], editor=ana, user=pat)
        edit(done, ana)
        entry_mark_drafted(entry(release, done), user=ana)

        response = home(client_as(ana))

        [mine] = response.context["home"].editing.releases
        assert [(e.profile, e.overdue) for e in mine.entries] == [(late, True), (done, False)]
        panel = section(response, f"home-release-editor-{release.pk}")
        assert 'class="state-badge state-badge--withdrawn">Overdue</span>' in panel
        assert panel.count(">Overdue</span>") == 1
        assert "1 overdue</strong>" in panel and "(passed)" in panel
        assert 'state-badge--changed">In review</span>' in panel
        assert "Handed to review" in panel

    def test_each_profile_shows_what_holds_it_back(self, client_as, people, cycle):
        ana, cleo = people["ana"], people["cleo"]
        aland = cycle["aland"]
        review_all(aland, cleo, ReviewState.DISPUTED, count=1)
        start_thread(aland, cleo)
        start_thread(aland, ana, "And this one?")

        response = home(client_as(ana))

        panel = section(response, f"home-release-editor-{cycle['release'].pk}")
        assert f'href="{DISPUTES}?profile={aland.pk}">1 disputed' in panel
        assert f'href="{QUEUE}?profile={aland.pk}">1 unreviewed' in panel
        editor = reverse("admin:profiles_profile_editor", args=[aland.pk])
        assert f'href="{editor}#editor-comments-total">2 unresolved threads' in panel
        assert 'state-badge--disputed">Blocked</span>' in panel
        # Blocked comes first: the editor has to fix it.
        assert panel.index("Aland") < panel.index("Borduria")

    def test_hand_to_review_posts_to_the_board_s_act_and_comes_back_home(
        self, client_as, people, cycle
    ):
        ana = people["ana"]
        client = client_as(ana)
        aland = entry(cycle["release"], cycle["aland"])
        action = reverse(
            "admin:profiles_release_entry_drafted", args=[cycle["release"].pk, aland.pk]
        )
        page = home(client).content.decode()
        form = page[page.index(f'action="{action}"') :]
        form = form[: form.index("</form>")]
        assert '<input type="hidden" name="done" value="1">' in form
        assert f'<input type="hidden" name="next" value="{HOME}">' in form
        assert "Hand to review" in form

        response = client.post(action, {"done": "1", "next": HOME})

        assert response.status_code == 302 and response.url == HOME
        aland.refresh_from_db()
        assert aland.drafted_by == ana
        after = home(client).content.decode()
        assert f'action="{action}"' not in after

    def test_a_closed_release_leaves_the_home(self, client_as, people, cycle):
        release_cancel(cycle["release"], user=people["pat"])

        response = home(client_as(people["ana"]))

        assert response.context["home"].editing.releases == []
        assert "My profiles in" not in response.content.decode()

    def test_a_long_list_is_cut_and_says_how_many_more(self, client_as, people):
        pat, ana = people["pat"], people["ana"]
        release = new_release(pat)
        profiles = [published_profile(f"Land {n:02}", pat, citations=0) for n in range(12)]
        release_add_profiles(release, profiles, editor=ana, user=pat)

        response = home(client_as(ana))

        [mine] = response.context["home"].editing.releases
        assert (len(mine.entries), mine.count, mine.more) == (10, 12, 2)
        panel = section(response, f"home-release-editor-{release.pk}")
        board = reverse("admin:profiles_release_board", args=[release.pk])
        assert "And 2 more." in panel and f'href="{board}"' in panel


# Fact-checkers ----------------------------------------------------------------------------------


class FactCheckerReleaseTests:
    def test_a_fact_checker_sees_the_profiles_they_review_with_the_review_deadline(
        self, client_as, people, cycle
    ):
        ana, cleo = people["ana"], people["cleo"]
        edit(cycle["aland"], ana)
        entry_mark_drafted(entry(cycle["release"], cycle["aland"]), user=ana)

        response = home(client_as(cleo))

        [mine] = response.context["home"].fact_checking.releases
        assert [e.profile for e in mine.entries] == [cycle["aland"], cycle["borduria"]]
        panel = section(response, f"home-release-fact_checker-{cycle['release'].pk}")
        deadline = today() + datetime.timedelta(days=20)
        assert f"Review deadline: {deadline.day} {deadline:%B %Y}." in " ".join(
            strip_tags(panel).split()
        )
        assert "to review" in panel and "Carpania" not in panel
        assert f'href="{QUEUE}?profile={cycle["aland"].pk}&amp;state=all"' in panel
        assert 'state-badge--changed">In review</span>' in panel
        assert "Hand to review" not in panel

    def test_a_fact_checker_sees_only_their_own_assignments(self, client_as, people, cycle):
        response = home(client_as(people["dan"]))

        [mine] = response.context["home"].fact_checking.releases
        assert [e.profile for e in mine.entries] == [cycle["carpania"]]
        assert response.context["home"].editing is None


# Publishers -------------------------------------------------------------------------------------


class PublisherReleaseTests:
    def test_a_publisher_sees_each_open_release_with_its_counts(self, client_as, people, cycle):
        pat, ana, cleo = people["pat"], people["ana"], people["cleo"]
        edit(cycle["aland"], ana)
        entry_mark_drafted(entry(cycle["release"], cycle["aland"]), user=ana)
        review_all(cycle["aland"], cleo)
        review_all(cycle["borduria"], cleo, ReviewState.DISPUTED, count=1)
        release_schedule(cycle["release"], user=pat)
        late = new_release(pat, "Mine Ban Monitor 2026", days_left=-1)
        release_add_profiles(late, [published_profile("Dorland", pat)], user=pat)
        closed = new_release(pat, "Landmine Monitor 2025")
        release_cancel(closed, user=pat)

        response = home(client_as(pat))

        panel = response.context["home"].publishing
        # Soonest launch first.
        assert [s.release for s in panel.releases] == [late, cycle["release"]]
        second, first = panel.releases
        assert (first.counts["ready"], first.counts["blocked"], first.counts["not-started"]) == (
            1,
            1,
            1,
        )
        assert (first.total, first.overdue, second.overdue) == (3, 0, 1)
        html = section(response, "home-releases")
        text = " ".join(strip_tags(html).split())
        assert "3 profiles: 1 not started, 0 drafting, 0 in review, 1 ready, 1 blocked." in text
        assert "1 overdue" in text and "Landmine Monitor 2025" not in text
        assert f"Launch: {cycle['release'].launch_label}" in text
        board = reverse("admin:profiles_release_board", args=[cycle["release"].pk])
        change = reverse("admin:profiles_release_change", args=[cycle["release"].pk])
        assert f'href="{board}"' in html and f'href="{change}"' in html
        assert "Scheduled" in text and "Preparing" in text

    def test_no_open_release_is_said_so(self, client_as, people):
        response = home(client_as(people["pat"]))

        assert "No release is being prepared or scheduled." in words(response)


# Comment threads --------------------------------------------------------------------------------


class ThreadTests:
    def test_an_editor_counts_threads_on_profiles_assigned_to_them_or_they_edited(
        self, client_as, people, cycle
    ):
        pat, ana, cleo = people["pat"], people["ana"], people["cleo"]
        edited = published_profile("Edenland", pat)
        edit(edited, ana)
        start_thread(edited, cleo)
        start_thread(cycle["aland"], cleo)
        start_thread(cycle["aland"], cleo, "A second question.")
        start_thread(cycle["carpania"], cleo)  # Ben's
        thread_resolve(thread=start_thread(cycle["borduria"], cleo), user=ana)

        response = home(client_as(ana))

        threads = response.context["home"].editing.threads
        assert (threads.count, threads.profile_count) == (3, 2)
        assert [row["profile"] for row in threads.by_profile] == [cycle["aland"].pk, edited.pk]
        html = section(response, "home-threads-editing")
        text = " ".join(strip_tags(html).split())
        assert "3 unresolved comment threads on your profiles, in 2 profiles." in text
        editor = reverse("admin:profiles_profile_editor", args=[cycle["aland"].pk])
        assert f'href="{editor}#editor-comments-total">2 unresolved' in html

    def test_a_fact_checker_counts_threads_on_the_profiles_assigned_to_them(
        self, client_as, people, cycle
    ):
        ana, dan = people["ana"], people["dan"]
        start_thread(cycle["aland"], ana)
        start_thread(cycle["carpania"], ana)

        threads = home(client_as(dan)).context["home"].fact_checking.threads

        assert (threads.count, [r["profile"] for r in threads.by_profile]) == (
            1,
            [cycle["carpania"].pk],
        )

    def test_a_publisher_counts_every_unresolved_thread(self, client_as, people, cycle):
        ana = people["ana"]
        for profile in (cycle["aland"], cycle["carpania"], cycle["carpania"]):
            start_thread(profile, ana)

        response = home(client_as(people["pat"]))

        assert response.context["home"].publishing.threads.count == 3
        assert "3 unresolved comment threads in 2 profiles." in words(response)

    def test_none_is_said_so(self, client_as, people):
        assert "No unresolved comment threads on your profiles." in words(
            home(client_as(people["ana"]))
        )
        assert "No unresolved comment threads." in words(home(client_as(people["pat"])))


# Queries ----------------------------------------------------------------------------------------


def a_release_of(size, people, name):
    """A release of `size` profiles for Ana and Cleo, in every state, with threads."""
    pat, ana, cleo = people["pat"], people["ana"], people["cleo"]
    release = new_release(pat, name, days_left=-1 if size > 5 else 10)
    profiles = [published_profile(f"{name} {n}", pat) for n in range(size)]
    release_add_profiles(release, profiles, editor=ana, fact_checker=cleo, user=pat)
    for number, profile in enumerate(profiles):
        if number % 4 >= 1:
            edit(profile, ana)
        if number % 4 >= 2:
            entry_mark_drafted(entry(release, profile), user=ana)
        if number % 4 == 3:
            review_all(profile, cleo, ReviewState.DISPUTED, count=1)
        if number % 3 == 0:
            start_thread(profile, cleo)


# An assignee's panel reads the rows it shows in a query of its own: one more than with no
# assignment (tests/monitor/test_admin_home.py), whatever their number.
@pytest.mark.parametrize(
    ("role", "panel_queries"),
    [(EDITORS, 11), (FACT_CHECKERS, 5), (PUBLISHERS, 4), ("all three", 19)],
)
def test_the_home_runs_the_same_queries_with_2_or_20_profiles_in_releases(
    client_as, people, django_assert_num_queries, role, panel_queries
):
    user = {EDITORS: people["ana"], FACT_CHECKERS: people["cleo"]}.get(role, people["pat"])
    if role == "all three":
        user = people["ana"]
        user.groups.add(*Group.objects.filter(name__in=[FACT_CHECKERS, PUBLISHERS]))
    client = client_as(user)
    a_release_of(2, people, "Small")
    with django_assert_num_queries(1 + panel_queries):  # 1: the user's roles
        home_for(user)
    few = count_queries(client, HOME)

    a_release_of(18, people, "Large")
    a_release_of(2, people, "Third")

    with django_assert_num_queries(1 + panel_queries):
        home = home_for(user)
    assert count_queries(client, HOME) == few
    panel = home.editing or home.fact_checking
    if panel:  # soonest launch first: Large's is before Small's and Third's
        assert [mine.count for mine in panel.releases] == [18, 2, 2]
    if home.publishing:
        assert [summary.total for summary in home.publishing.releases] == [18, 2, 2]
