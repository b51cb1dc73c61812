"""The progress board of a release: who may see it, its counts, filters and order, overdue
marks, the CSV, the acts on one profile (drafting done, consistency acknowledged), and a query
count that does not grow with the release."""

import csv
import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from citations.comments import thread_start
from citations.models import ReviewState
from citations.services import citations_review
from profiles import release_board
from profiles.models import Claim, ReleaseProfile, ReleaseProgress
from profiles.publishing import profile_publish
from profiles.releases import (
    entry_mark_drafted,
    release_add_profiles,
    release_cancel,
)
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.conftest import ANONYMOUS
from tests.factories import (
    make_citation,
    make_claim,
    make_country,
    make_member,
    make_profile,
    make_section,
    make_topic,
    make_user,
)
from tests.profiles.test_consistency import PARTY_BY_RATIFICATION, profile_saying
from tests.profiles.test_releases import edit_a_claim, new_release

pytestmark = pytest.mark.django_db

P = ReleaseProgress
TODAY = timezone.localdate


def board_url(release, **query) -> str:
    url = reverse("admin:profiles_release_board", args=[release.pk])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def csv_url(release, query="") -> str:
    url = reverse("admin:profiles_release_board_csv", args=[release.pk])
    return f"{url}?{query}" if query else url


def drafted_url(entry) -> str:
    return reverse("admin:profiles_release_entry_drafted", args=[entry.release_id, entry.pk])


def acknowledge_url(entry) -> str:
    return reverse("admin:profiles_release_entry_acknowledge", args=[entry.release_id, entry.pk])


def profile_of(country: str):
    """A profile of `country` with one claim and one unreviewed footnote, published once."""
    profile = make_profile(country=make_country(country), topic=make_topic("Test Topic Policy"))
    make_citation(claim=make_claim(section=make_section(profile=profile)))
    profile_publish(profile=profile)
    return profile


def countries(response) -> list[str]:
    return [entry.profile.country.name for entry in response.context["rows"]]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


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
def board(people):
    """A release of five profiles, one in each state; the drafting deadline passed yesterday.

    Alpha has not started; Bravo is drafting (Ana, overdue, with an open thread); Charlie is in
    review (Ben and Dan); Delta is ready; Echo is blocked by a dispute."""
    ana, ben, cleo, dan, pat = (people[name] for name in ("ana", "ben", "cleo", "dan", "pat"))
    release = new_release(
        pat,
        drafting_deadline=TODAY() - datetime.timedelta(days=1),
        review_deadline=TODAY() + datetime.timedelta(days=5),
    )
    profiles = {name: profile_of(name) for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo")}
    for name, editor, checker in [
        ("Alpha", ana, cleo),
        ("Bravo", ana, cleo),
        ("Charlie", ben, dan),
        ("Delta", ana, cleo),
        ("Echo", ben, cleo),
    ]:
        release_add_profiles(
            release, [profiles[name]], editor=editor, fact_checker=checker, user=pat
        )
    entries = {
        e.profile.country.name: e for e in release.entries.select_related("profile__country")
    }
    for name in ("Bravo", "Charlie", "Delta", "Echo"):
        edit_a_claim(profiles[name], ana)
    for name in ("Charlie", "Delta", "Echo"):
        entry_mark_drafted(entries[name], user=pat)
    citations_review(
        citations=list(profiles["Delta"].sections.get().claims.get().citations.all()),
        reviewer=cleo,
        state=ReviewState.VERIFIED,
    )
    citations_review(
        citations=list(profiles["Echo"].sections.get().claims.get().citations.all()),
        reviewer=cleo,
        state=ReviewState.DISPUTED,
        note="The statement is of 2012.",
    )
    thread_start(
        about=Claim.objects.get(section__profile=profiles["Bravo"]),
        text="Which meeting?",
        user=cleo,
    )
    release.entries_by_country = entries
    return release


# Who may see it ---------------------------------------------------------------------------------


class AccessTests:
    def test_anonymous_goes_to_the_login(self, client_for, board):
        response = client_for(ANONYMOUS).get(board_url(board))

        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

    def test_staff_in_no_role_is_refused(self, client, board):
        client.force_login(make_user("nobody"))

        assert client.get(board_url(board)).status_code == 403
        assert client.get(csv_url(board)).status_code == 403
        entry = board.entries_by_country["Alpha"]
        assert client.post(drafted_url(entry), {"done": "1"}).status_code == 403

    @pytest.mark.parametrize("username", ["ana", "cleo", "pat"])
    def test_every_role_sees_it(self, client, board, people, username):
        client.force_login(people[username])

        response = client.get(board_url(board))

        assert response.status_code == 200
        assert countries(response) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]

    def test_an_unknown_release_is_not_found(self, client, board, people):
        client.force_login(people["pat"])

        url = reverse("admin:profiles_release_board", args=[board.pk + 1000])

        assert client.get(url).status_code == 404


# What it shows ----------------------------------------------------------------------------------


class BoardTests:
    def test_the_release_and_its_counts(self, client, board, people):
        client.force_login(people["pat"])

        response = client.get(board_url(board))

        assert response.context["board"].counts == {
            P.NOT_STARTED: 1,
            P.DRAFTING: 1,
            P.IN_REVIEW: 1,
            P.READY: 1,
            P.BLOCKED: 1,
            "overdue": 2,
        }
        page = " ".join(response.content.decode().split())
        assert board.name in page
        assert board.launch_label in page
        assert (
            '<a href="?state=in-review" class="board-count"><span class="board-count__number">1'
            '</span> <span class="board-state board-state--in-review">In review</span></a>'
        ) in page
        assert '<a href="?overdue=yes" class="board-count board-count--overdue">' in page

    def test_each_row_says_its_state_in_words_and_marks_the_overdue(self, client, board, people):
        client.force_login(people["pat"])

        response = client.get(board_url(board))

        rows = {entry.profile.country.name: entry for entry in response.context["rows"]}
        assert {name: rows[name].progress_label for name in rows} == {
            "Alpha": "Not started",
            "Bravo": "Drafting",
            "Charlie": "In review",
            "Delta": "Ready",
            "Echo": "Blocked",
        }
        assert [name for name in rows if rows[name].overdue] == ["Alpha", "Bravo"]
        html = response.content.decode()
        yesterday = board.drafting_deadline
        passed = f"drafting deadline, {yesterday.day} {yesterday:%B %Y} passed"
        assert html.count(passed) == 2
        assert rows["Bravo"].open_threads == 1
        assert rows["Echo"].disputed == 1 and rows["Charlie"].unreviewed == 1

    def test_the_threads_link_opens_the_profiles_editor_at_its_threads(self, client, board, people):
        client.force_login(people["cleo"])
        bravo = board.entries_by_country["Bravo"]

        response = client.get(board_url(board))

        editor = reverse("admin:profiles_profile_editor", args=[bravo.profile_id])
        link = f'href="{editor}#editor-comments-total" class="board-threads">1 open'
        assert link in response.content.decode()
        editor_page = client.get(editor).content.decode()
        assert 'id="editor-comments-total"' in editor_page
        assert '<span class="comment-badge">1</span> open comment thread<' in editor_page

    def test_a_launched_release_shows_outcomes_not_progress(self, client, board, people):
        client.force_login(people["pat"])
        ReleaseProfile.objects.filter(release=board).update(outcome="still drafting")
        release_cancel(board, user=people["pat"])

        response = client.get(board_url(board))

        assert response.context["state_counts"] is None
        assert "still drafting" in response.content.decode()
        assert "Hand to review" not in response.content.decode()


class FilterTests:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"state": "in-review"}, ["Charlie"]),
            ({"state": "ready"}, ["Delta"]),
            ({"overdue": "yes"}, ["Alpha", "Bravo"]),
            ({"country": "char"}, ["Charlie"]),
            ({"country": "  ALP "}, ["Alpha"]),
        ],
    )
    def test_by_state_overdue_and_country(self, client, board, people, query, expected):
        client.force_login(people["pat"])

        response = client.get(board_url(board), query)

        assert countries(response) == expected

    def test_by_editor_and_fact_checker(self, client, board, people):
        client.force_login(people["pat"])

        by_ben = client.get(board_url(board), {"editor": people["ben"].pk})
        by_ben_and_cleo = client.get(
            board_url(board), {"editor": people["ben"].pk, "fact_checker": people["cleo"].pk}
        )

        assert countries(by_ben) == ["Charlie", "Echo"]
        assert countries(by_ben_and_cleo) == ["Echo"]

    def test_nobody_assigned(self, client, board, people):
        client.force_login(people["pat"])
        unassigned = profile_of("Foxtrot")
        release_add_profiles(board, [unassigned], user=people["pat"])

        response = client.get(board_url(board), {"editor": "none"})

        assert countries(response) == ["Foxtrot"]

    @pytest.mark.parametrize(
        ("query", "pages"),
        [
            ({}, [["Alpha", "Bravo"], ["Charlie", "Delta"], ["Echo"]]),
            ({"sort": "-country"}, [["Echo", "Delta"], ["Charlie", "Bravo"], ["Alpha"]]),
            ({"overdue": "yes"}, [["Alpha", "Bravo"]]),
            ({"editor": "ben"}, [["Charlie", "Echo"]]),
        ],
    )
    def test_pages_in_the_filters_and_order(self, client, board, people, monkeypatch, query, pages):
        monkeypatch.setattr(release_board, "PAGE_SIZE", 2)
        client.force_login(people["pat"])
        if "editor" in query:
            query = {"editor": people["ben"].pk}

        shown = [
            countries(client.get(board_url(board), {**query, "page": page}))
            for page in range(1, len(pages) + 1)
        ]
        beyond = client.get(board_url(board), {**query, "page": len(pages) + 5})

        assert shown == pages
        assert countries(beyond) == pages[-1]  # a page past the end is the last
        assert beyond.context["board"].total == sum(map(len, pages))

    def test_a_page_says_where_it_is_and_links_the_others(self, client, board, people, monkeypatch):
        monkeypatch.setattr(release_board, "PAGE_SIZE", 2)
        client.force_login(people["pat"])

        page = client.get(board_url(board), {"page": "2", "state": ""}).content.decode()

        assert "Profiles 3–4 of 5." in page
        assert "Page 2 of 3" in page
        assert 'href="?page=1&amp;state=" rel="prev"' in page
        assert 'href="?page=3&amp;state=" rel="next"' in page

    def test_a_closed_release_pages_by_counting(self, client, board, people, monkeypatch):
        monkeypatch.setattr(release_board, "PAGE_SIZE", 2)
        release_cancel(board, user=people["pat"])
        client.force_login(people["pat"])

        response = client.get(board_url(board), {"page": "3"})

        assert countries(response) == ["Echo"]
        assert (response.context["board"].total, response.context["board"].pages) == (5, 3)

    def test_counts_follow_the_other_filters_but_not_the_state(self, client, board, people):
        client.force_login(people["pat"])

        response = client.get(board_url(board), {"editor": people["ben"].pk, "state": "ready"})

        assert countries(response) == []
        counts = response.context["board"].counts
        assert (counts[P.IN_REVIEW], counts[P.BLOCKED], counts[P.READY]) == (1, 1, 0)
        page = response.content.decode()
        assert '<option value="ready" selected>Ready</option>' in page
        assert "No profile of this release matches these filters." in response.content.decode()

    def test_an_unknown_choice_is_an_error_not_a_crash(self, client, board, people):
        client.force_login(people["pat"])

        response = client.get(board_url(board), {"state": "finished", "editor": "999999"})

        assert response.status_code == 200
        assert response.context["rows"] == []
        errors = response.context["filter"].form.errors
        assert set(errors) == {"state", "editor"}
        assert "Correct the filters above" in response.content.decode()
        assert client.get(csv_url(board, "state=finished")).status_code == 400


class SortTests:
    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
            ("-country", ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]),
            ("state", ["Alpha", "Bravo", "Charlie", "Echo", "Delta"]),
            ("-state", ["Delta", "Echo", "Charlie", "Bravo", "Alpha"]),
            ("-disputed", ["Echo", "Alpha", "Bravo", "Charlie", "Delta"]),
            ("-threads", ["Bravo", "Alpha", "Charlie", "Delta", "Echo"]),
            ("-unreviewed", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
            ("no-such-column", ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]),
        ],
    )
    def test_by_a_whitelisted_column(self, client, board, people, sort, expected):
        client.force_login(people["pat"])

        assert countries(client.get(board_url(board), {"sort": sort})) == expected

    def test_by_last_change_puts_no_change_last_either_way(self, client, board, people):
        client.force_login(people["pat"])

        newest_first = countries(client.get(board_url(board), {"sort": "-changed"}))
        oldest_first = countries(client.get(board_url(board), {"sort": "changed"}))

        assert newest_first == ["Echo", "Delta", "Charlie", "Bravo", "Alpha"]
        assert oldest_first == ["Bravo", "Charlie", "Delta", "Echo", "Alpha"]

    def test_the_current_column_says_its_direction(self, client, board, people):
        client.force_login(people["pat"])

        response = client.get(board_url(board), {"sort": "-disputed"})

        columns = {column["label"]: column for column in response.context["columns"]}
        assert columns["Disputed"]["aria_sort"] == "descending"
        assert columns["Disputed"]["next_sort"] == "disputed"
        assert columns["Country"]["next_sort"] == "country"


# The CSV ----------------------------------------------------------------------------------------


class CsvTests:
    def test_the_same_rows_filtered_and_sorted(self, client, board, people):
        client.force_login(people["pat"])

        response = client.get(csv_url(board, "overdue=yes&sort=-country"))

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="cluster-munition-monitor-2026-board.csv"'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == [
            "Country",
            "Topic",
            "State",
            "Overdue",
            "Editor",
            "Fact-checker",
            "Last change",
            "Unreviewed",
            "Disputed",
            "Open threads",
            "Outcome",
            "Profile",
        ]
        bravo = board.entries_by_country["Bravo"]
        changed = ReleaseProfile.objects.with_progress().get(pk=bravo.pk).changed_at
        profile_url = reverse("admin:profiles_profile_change", args=[bravo.profile_id])
        assert rows[1] == [
            "Bravo",
            "Test Topic Policy",
            "Drafting",
            "yes",
            "ana",
            "cleo",
            changed.isoformat(),
            "1",
            "0",
            "1",
            "",
            f"http://testserver{profile_url}",
        ]
        assert [row[0] for row in rows[1:]] == ["Bravo", "Alpha"]

    def test_no_cell_starts_a_formula(self, client, board, people):
        client.force_login(people["pat"])
        hostile = make_profile(
            country=make_country('=HYPERLINK("http://evil.example")', slug="formula")
        )
        release_add_profiles(board, [hostile], user=people["pat"])

        response = client.get(csv_url(board, "country=hyperlink"))

        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'


# Acts on one profile ----------------------------------------------------------------------------


class DraftedTests:
    def test_the_assigned_editor_marks_the_draft_done_and_returns(self, client, board, people):
        client.force_login(people["ana"])
        bravo = board.entries_by_country["Bravo"]
        back = board_url(board, state="drafting")

        response = client.post(drafted_url(bravo), {"done": "1", "next": back}, follow=True)

        assert response.redirect_chain == [(back, 302)]
        bravo.refresh_from_db()
        assert bravo.drafted_by == people["ana"]
        assert messages_of(response) == [
            "Bravo — Test Topic Policy: the draft is done and handed to review."
        ]
        assert countries(response) == []  # no longer drafting

    def test_a_publisher_takes_it_back_to_drafting(self, client, board, people):
        client.force_login(people["pat"])
        charlie = board.entries_by_country["Charlie"]

        response = client.post(drafted_url(charlie), {"done": "0"})

        assert response.url == board_url(board)
        charlie.refresh_from_db()
        assert charlie.drafted_at is None

    def test_another_editor_is_refused_with_a_message(self, client, board, people):
        client.force_login(people["ben"])
        bravo = board.entries_by_country["Bravo"]

        response = client.post(drafted_url(bravo), {"done": "1"}, follow=True)

        bravo.refresh_from_db()
        assert bravo.drafted_at is None
        assert messages_of(response) == [
            "Not done: only the editor assigned to Bravo — Test Topic Policy (ana) or a "
            "publisher can say whether its draft is done."
        ]

    def test_a_fact_checker_sees_no_button_and_is_refused(self, client, board, people):
        client.force_login(people["cleo"])
        bravo = board.entries_by_country["Bravo"]

        page = client.get(board_url(board)).content.decode()
        response = client.post(drafted_url(bravo), {"done": "1"}, follow=True)

        assert "Hand to review" not in page
        assert messages_of(response)[0].startswith("Not done: only the editor assigned")

    def test_the_assigned_editor_sees_buttons_on_their_rows_only(self, client, board, people):
        client.force_login(people["ben"])

        response = client.get(board_url(board))

        mine = [e.profile.country.name for e in response.context["rows"] if e.may_mark_drafted]
        assert mine == ["Charlie", "Echo"]
        assert response.content.decode().count("Back to drafting<span") == 2

    def test_a_closed_release_refuses_with_its_reason(self, client, board, people):
        client.force_login(people["pat"])
        release_cancel(board, user=people["pat"])
        bravo = board.entries_by_country["Bravo"]

        response = client.post(drafted_url(bravo), {"done": "1"}, follow=True)

        assert messages_of(response) == [
            f"Not done: “{board}” is cancelled: you can no longer change the drafting of "
            "profiles in it."
        ]

    def test_a_next_elsewhere_is_ignored(self, client, board, people):
        client.force_login(people["ana"])
        bravo = board.entries_by_country["Bravo"]

        response = client.post(drafted_url(bravo), {"done": "1", "next": "https://evil.example/"})

        assert response.url == board_url(board)

    def test_bad_input(self, client, board, people):
        client.force_login(people["ana"])
        bravo = board.entries_by_country["Bravo"]
        other = new_release(people["pat"], name="Another release")

        assert client.get(drafted_url(bravo)).status_code == 405
        refused = client.post(drafted_url(bravo), {"done": "yes"})
        assert refused.status_code == 400
        assert b"done=1" in refused.content
        elsewhere = reverse("admin:profiles_release_entry_drafted", args=[other.pk, bravo.pk])
        assert client.post(elsewhere, {"done": "1"}).status_code == 404


class AcknowledgeTests:
    @pytest.fixture
    def findland(self, board, people):
        profile = profile_saying(
            "Findland ratified the convention on 30 June 2009.",
            status=PARTY_BY_RATIFICATION,
            country="Findland",
        )
        other = new_release(people["pat"], name="Cluster Munition Monitor 2026 (CCM)")
        release_add_profiles(other, [profile], editor=people["ana"], user=people["pat"])
        return other.entries.get()

    def test_the_findings_come_first(self, client, findland, people):
        client.force_login(people["pat"])

        response = client.get(acknowledge_url(findland))

        page = " ".join(response.content.decode().split())
        assert "Policy, claim 1" in page
        assert "“ratified the convention on 30 June 2009”, but the treaty status" in page
        assert 'value="Acknowledge the findings"' in page
        findland.refresh_from_db()
        assert findland.consistency_acknowledged_at is None

    def test_a_publisher_acknowledges_them(self, client, findland, people):
        client.force_login(people["pat"])
        back = board_url(findland.release)

        response = client.post(acknowledge_url(findland), {"next": back}, follow=True)

        assert response.redirect_chain == [(back, 302)]
        findland.refresh_from_db()
        assert findland.consistency_acknowledged_by == people["pat"]
        assert response.context["rows"][0].consistency_acknowledged is True
        assert messages_of(response)[0].endswith("needs a new acknowledgement.")

    def test_an_editor_reads_them_but_is_refused(self, client, findland, people):
        client.force_login(people["ana"])

        page = client.get(acknowledge_url(findland)).content.decode()
        response = client.post(acknowledge_url(findland), follow=True)

        assert "Only a publisher can acknowledge the findings." in page
        assert 'value="Acknowledge the findings"' not in page
        assert messages_of(response) == [
            "Not done: Only a publisher may acknowledge the consistency findings."
        ]
        findland.refresh_from_db()
        assert findland.consistency_acknowledged_at is None

    def test_a_profile_without_findings_has_nothing_to_acknowledge(self, client, board, people):
        client.force_login(people["pat"])

        page = client.get(acknowledge_url(board.entries_by_country["Alpha"])).content.decode()

        assert "finds nothing in Alpha" in page
        assert 'value="Acknowledge the findings"' not in page


# Queries ----------------------------------------------------------------------------------------


def board_queries(client, release) -> tuple[int, int]:
    """Count the queries of the board and of its CSV, filtered and sorted."""
    counts = []
    for url in (
        board_url(release, sort="-threads", country="land"),
        csv_url(release, "sort=state&overdue=yes"),
    ):
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    return counts[0], counts[1]


def release_of(size: int, people, name: str):
    release = new_release(people["pat"], name=name)
    profiles = [profile_of(f"{name} land {number:03}") for number in range(size)]
    release_add_profiles(
        release, profiles, editor=people["ana"], fact_checker=people["cleo"], user=people["pat"]
    )
    for profile in profiles[::3]:
        edit_a_claim(profile, people["ana"])
    return release


def test_the_query_count_does_not_grow_with_the_release(client, people, django_assert_num_queries):
    client.force_login(people["pat"])
    small = release_of(3, people, "Small")
    large = release_of(30, people, "Large")

    small_counts = board_queries(client, small)
    large_counts = board_queries(client, large)

    assert small_counts == large_counts
    # The session, the user and their permissions; the release, the assignees, the rows and
    # the counts (the CSV has no counts).
    with django_assert_num_queries(8):
        client.get(board_url(large))
    with django_assert_num_queries(7):
        client.get(csv_url(large))
