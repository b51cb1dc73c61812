"""Comment threads on claims and footnotes (citations/comments.py): who may comment, what a
comment may say, resolving and reopening with history, the counts the editor and the queue
show in a fixed number of queries, the pages that work without JavaScript, and that no
comment ever reaches a public page, a snapshot, an export or the API."""

import json
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citations.comments import (
    CommentRefused,
    can_comment,
    comment_reply,
    profile_thread_counts,
    thread_reopen,
    thread_resolve,
    thread_start,
)
from citations.models import Citation, Comment, ReviewState
from citations.services import citation_review
from profiles.archive import archived_models
from profiles.models import ChangeSet, Claim, Profile, Publication
from profiles.publishing import profile_publish
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.conftest import SUPERUSER
from tests.factories import make_member, make_section, make_user
from tests.helpers import count_queries, export
from tests.profiles.test_public_facts import PUBLIC_URLS

pytestmark = pytest.mark.django_db

SECRET = "Internal only: the date in this claim looks wrong to me"


def claim_of(profile) -> Claim:
    return Claim.objects.filter(section__profile=profile).order_by("section__position", "position")[
        0
    ]


def footnote_of(profile) -> Citation:
    return Citation.objects.filter(claim__section__profile=profile).order_by("pk")[0]


def editor_url(profile) -> str:
    return reverse("admin:profiles_profile_editor", args=[profile.pk])


def claim_page(claim) -> str:
    return reverse("citations:claim_comments", args=[claim.pk])


def footnote_page(citation) -> str:
    return reverse("citations:footnote_comments", args=[citation.pk])


def act_url(thread, act) -> str:
    return reverse("citations:comment_act", args=[thread.pk, act])


# The services ----------------------------------------------------------------------------------


class StartTests:
    def test_an_editor_starts_a_thread_on_a_claim_in_its_profile(self, mali, editor):
        claim = claim_of(mali)

        thread = thread_start(about=claim, text=f"  {SECRET}  \n", user=editor)

        thread.refresh_from_db()
        assert (thread.profile, thread.claim, thread.citation) == (mali, claim, None)
        assert thread.text == SECRET
        assert thread.author == editor
        assert thread.resolved_at is None

    def test_a_thread_on_a_footnote_names_its_claim_too(self, mali, checker):
        citation = footnote_of(mali)

        thread = thread_start(about=citation, text="Which page?", user=checker)

        assert (thread.claim_id, thread.citation_id, thread.profile_id) == (
            citation.claim_id,
            citation.pk,
            mali.pk,
        )

    def test_history_records_who_started_it_in_one_change_set(self, mali, editor):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)

        record = Comment.history.get(id=thread.pk)
        assert record.history_user == editor
        assert record.history_change_reason == "Started a thread on a claim"
        assert record.change_set.user == editor
        assert record.change_set.action == ChangeSet.Action.EDIT

    @pytest.mark.parametrize("text", ["", "   \n\t "])
    def test_an_empty_comment_is_refused_and_nothing_written(self, mali, editor, text):
        with pytest.raises(ValidationError, match="empty"):
            thread_start(about=claim_of(mali), text=text, user=editor)

        assert not Comment.objects.exists()
        assert not Comment.history.exists()

    def test_a_comment_of_4000_characters_is_kept_and_one_more_refused(self, mali, editor):
        claim = claim_of(mali)

        thread_start(about=claim, text="x" * 4000, user=editor)
        with pytest.raises(ValidationError, match="at most 4,000 characters; this one has 4,001"):
            thread_start(about=claim, text="x" * 4001, user=editor)

        assert Comment.objects.count() == 1

    def test_something_else_than_a_claim_or_footnote_is_refused(self, mali, editor):
        with pytest.raises(TypeError):
            thread_start(about=mali, text=SECRET, user=editor)


class PermissionTests:
    @pytest.mark.parametrize("role", [EDITORS, FACT_CHECKERS, PUBLISHERS])
    def test_each_role_may_comment(self, mali, role):
        user = make_member(f"member-{role}", role)

        assert can_comment(user)
        thread_start(about=claim_of(mali), text=SECRET, user=user)

    def test_a_superuser_in_no_role_may_not(self, mali):
        root = make_user("root", superuser=True)

        with pytest.raises(CommentRefused, match="editors, fact-checkers and publishers"):
            thread_start(about=claim_of(mali), text=SECRET, user=root)

    def test_a_staff_user_in_no_role_may_not(self, mali):
        with pytest.raises(CommentRefused):
            thread_start(about=claim_of(mali), text=SECRET, user=make_user("nobody"))

    def test_an_inactive_member_may_not(self, mali):
        user = make_member("gone", EDITORS, is_active=False)

        assert not can_comment(user)

    def test_no_one_outside_the_roles_replies_or_resolves(self, mali, editor):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)
        nobody = make_user("nobody")

        with pytest.raises(CommentRefused):
            comment_reply(thread=thread, text="Me too.", user=nobody)
        with pytest.raises(CommentRefused):
            thread_resolve(thread=thread, user=nobody)
        assert Comment.objects.count() == 1
        assert Comment.objects.unresolved().count() == 1


class ReplyAndResolveTests:
    def test_a_reply_hangs_from_the_thread(self, mali, editor, checker):
        thread = thread_start(about=footnote_of(mali), text=SECRET, user=editor)

        reply = comment_reply(thread=thread, text=" Checked: page 12. ", user=checker)

        assert (reply.thread, reply.citation_id, reply.profile_id) == (
            thread,
            thread.citation_id,
            mali.pk,
        )
        assert reply.text == "Checked: page 12."
        assert list(Comment.objects.threads()) == [thread]
        assert Comment.history.get(id=reply.pk).history_user == checker

    def test_a_reply_to_a_reply_is_refused(self, mali, editor, checker):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)
        reply = comment_reply(thread=thread, text="Yes.", user=checker)

        with pytest.raises(ValidationError, match="not one of its replies"):
            comment_reply(thread=reply, text="No.", user=editor)

    def test_resolve_then_reopen_records_who_and_when(self, mali, editor, checker):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)

        thread_resolve(thread=thread, user=checker)
        thread.refresh_from_db()
        assert thread.resolved_by == checker
        assert thread.resolved_at is not None
        assert not Comment.objects.unresolved().exists()

        thread_reopen(thread=thread, user=editor)
        thread.refresh_from_db()
        assert (thread.resolved_at, thread.resolved_by) == (None, None)
        records = list(Comment.history.filter(id=thread.pk).order_by("history_id"))
        assert [(r.history_user, r.history_change_reason) for r in records] == [
            (editor, "Started a thread on a claim"),
            (checker, "Resolved a thread"),
            (editor, "Reopened a thread"),
        ]

    def test_resolving_a_resolved_thread_writes_nothing(self, mali, editor):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)
        thread_resolve(thread=thread, user=editor)
        records = Comment.history.count()

        thread_resolve(thread=thread, user=editor)

        assert Comment.history.count() == records

    def test_a_reply_reopens_a_resolved_thread_in_one_change_set(self, mali, editor, checker):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)
        thread_resolve(thread=thread, user=editor)

        reply = comment_reply(thread=thread, text="Not fixed yet.", user=checker)

        thread.refresh_from_db()
        assert thread.resolved_at is None
        reopened = Comment.history.filter(id=thread.pk).latest()
        assert reopened.history_change_reason == "Reopened by a reply"
        assert reopened.change_set_id == Comment.history.get(id=reply.pk).change_set_id


# Counts ----------------------------------------------------------------------------------------


def some_threads(profile, user, *, claims=2, footnotes=2):
    claim_list = list(Claim.objects.filter(section__profile=profile).order_by("pk")[:claims])
    citation_list = list(
        Citation.objects.filter(claim__section__profile=profile).order_by("pk")[:footnotes]
    )
    for about in [*claim_list, *citation_list]:
        thread_start(about=about, text="Open.", user=user)
        done = thread_start(about=about, text="Done.", user=user)
        comment_reply(thread=done, text="Fixed.", user=user)
        thread_resolve(thread=done, user=user)
    return claim_list, citation_list


class CountTests:
    def test_counts_open_and_all_threads_by_claim_and_footnote(self, mali, editor):
        claims, citations = some_threads(mali, editor)

        counts = profile_thread_counts(mali.pk)

        assert counts.claim(claims[0].pk) == (1, 2)
        assert counts.footnote(citations[1].pk) == (1, 2)
        assert counts.claim(-1) == (0, 0)
        assert counts.open == 4

    def test_counts_in_one_query_however_many_threads(self, mali, editor):
        some_threads(mali, editor, claims=1, footnotes=1)
        with CaptureQueriesContext(connection) as few:
            profile_thread_counts(mali.pk)
        some_threads(mali, editor, claims=6, footnotes=6)
        with CaptureQueriesContext(connection) as many:
            counts = profile_thread_counts(mali.pk)

        assert len(few) == len(many) == 1
        assert counts.open == 14

    def test_profiles_open_threads_for_homes_and_board(self, mali, editor):
        some_threads(mali, editor)
        quiet = make_section(heading="Other").profile

        by_profile = list(Comment.objects.open_by_profile())
        annotated = dict(
            Profile.objects.annotate(open=Comment.objects.open_in_profile()).values_list(
                "pk", "open"
            )
        )

        assert by_profile == [{"profile": mali.pk, "open_threads": 4}]
        assert annotated == {mali.pk: 4, quiet.pk: 0}


# The pages, without JavaScript -----------------------------------------------------------------


class PageTests:
    def test_the_editor_links_each_claim_and_footnote_with_its_open_count(
        self, editor_client, mali, editor
    ):
        claims, citations = some_threads(mali, editor, claims=1, footnotes=1)

        page = editor_client.get(editor_url(mali)).content.decode()

        assert '<span class="comment-badge">2</span> open comment threads' in page
        assert (
            f'<a class="comment-link has-open" href="{claim_page(claims[0])}">Comments'
            ' <span class="comment-badge">1 open</span>'
        ) in page
        assert f'href="{footnote_page(citations[0])}">Comments' in page
        assert page.count("Start a thread<span") == (
            Claim.objects.filter(section__profile=mali).count()
            + Citation.objects.filter(claim__section__profile=mali).count()
            - 2
        )

    def test_a_fact_checker_reading_the_editor_gets_the_links_too(
        self, checker_client, mali, editor
    ):
        claims, _ = some_threads(mali, editor, claims=1, footnotes=0)

        page = checker_client.get(editor_url(mali)).content.decode()

        assert f'href="{claim_page(claims[0])}">Comments' in page

    def test_the_queue_shows_each_rows_threads(self, checker_client, mali, editor):
        _, citations = some_threads(mali, editor, claims=0, footnotes=1)

        page = checker_client.get(reverse("citations:review_queue")).content.decode()

        link = f'href="{footnote_page(citations[0])}?next='
        assert link in page
        start = page.index(link)
        assert '<span class="comment-badge">1 open</span>' in page[start : start + 400]

    def test_the_threads_page_shows_author_time_and_text(self, checker_client, mali, editor):
        thread = thread_start(about=claim_of(mali), text=f"{SECRET}\nSecond line.", user=editor)
        comment_reply(thread=thread, text="Agreed.", user=editor)

        page = checker_client.get(claim_page(claim_of(mali))).content.decode()

        assert "1 open thread" in page
        assert f"{SECRET}<br>Second line." in page
        assert "<strong>editor</strong>" in page
        assert act_url(thread, "reply") in page
        assert act_url(thread, "resolve") in page
        assert f'<a href="{editor_url(mali)}#claim-{claim_of(mali).pk}">' in page

    def test_starting_a_thread_goes_back_to_the_claim_in_the_editor(self, editor_client, mali):
        claim = claim_of(mali)

        response = editor_client.post(claim_page(claim), {"text": SECRET})

        assert response.status_code == 302
        assert response["Location"] == f"{editor_url(mali)}#claim-{claim.pk}"
        assert Comment.objects.get().text == SECRET

    def test_a_reply_from_the_queue_goes_back_to_its_row(self, checker_client, mali, editor):
        citation = footnote_of(mali)
        thread = thread_start(about=citation, text=SECRET, user=editor)
        back = f"{reverse('citations:review_queue')}?state=all#citation-{citation.pk}"

        response = checker_client.post(act_url(thread, "reply"), {"text": "OK", "next": back})

        assert response.status_code == 302
        assert response["Location"] == back
        assert thread.replies.get().author.username == "checker"

    def test_a_link_from_the_queue_carries_the_row_to_come_back_to(self, checker_client, mali):
        citation = footnote_of(mali)
        back = f"/admin/review/?state=all#citation-{citation.pk}"

        page = checker_client.get(f"{footnote_page(citation)}?next={quote(back)}")

        assert f'name="next" value="{back}"' in page.content.decode()

    def test_another_site_is_never_where_the_form_goes_back_to(self, editor_client, mali):
        claim = claim_of(mali)

        response = editor_client.post(
            claim_page(claim), {"text": SECRET, "next": "https://evil.example/"}
        )

        assert response["Location"] == f"{editor_url(mali)}#claim-{claim.pk}"

    def test_resolve_and_reopen_buttons(self, editor_client, mali, editor):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)

        editor_client.post(act_url(thread, "resolve"))
        thread.refresh_from_db()
        assert thread.resolved_at is not None
        page = editor_client.get(claim_page(claim_of(mali))).content.decode()
        assert "No open threads" in page and "Reopen thread" in page

        editor_client.post(act_url(thread, "reopen"))
        thread.refresh_from_db()
        assert thread.resolved_at is None

    def test_an_empty_comment_comes_back_with_the_error_beside_it(self, editor_client, mali):
        response = editor_client.post(claim_page(claim_of(mali)), {"text": "  "})

        assert response.status_code == 400
        assert "Write your comment first: it is empty." in response.content.decode()
        assert 'aria-invalid="true" aria-describedby="new-thread-error"' in (
            response.content.decode()
        )
        assert not Comment.objects.exists()

    def test_a_too_long_reply_keeps_its_text(self, editor_client, mali, editor):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)

        response = editor_client.post(act_url(thread, "reply"), {"text": "y" * 4001})

        assert response.status_code == 400
        assert "y" * 4001 in response.content.decode()
        assert not thread.replies.exists()

    def test_the_threads_alone_for_the_script(self, editor_client, mali):
        claim = claim_of(mali)

        alone = editor_client.get(f"{claim_page(claim)}?part=threads")
        posted = editor_client.post(claim_page(claim), {"text": SECRET, "part": "threads"})

        assert alone.content.decode().lstrip().startswith("<section")
        assert posted.status_code == 200
        assert 'data-open="1"' in posted.content.decode()

    def test_those_outside_the_roles_read_but_cannot_post(self, client_for, mali, editor):
        root = client_for(SUPERUSER)
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)

        page = root.get(claim_page(claim_of(mali))).content.decode()

        assert SECRET in page and "<textarea" not in page
        assert root.post(claim_page(claim_of(mali)), {"text": "Hi"}).status_code == 403
        assert root.post(act_url(thread, "resolve")).status_code == 403
        assert Comment.objects.count() == 1

    def test_visitors_are_sent_to_log_in(self, mali):
        response = Client().get(claim_page(claim_of(mali)))

        assert response.status_code == 302
        assert "/login/" in response["Location"]

    def test_an_unknown_action_is_not_found(self, editor_client, mali, editor):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)

        assert editor_client.post(act_url(thread, "delete")).status_code == 404

    def test_the_threads_page_runs_the_same_queries_however_many_comments(
        self, editor_client, mali, editor
    ):
        claim = claim_of(mali)
        thread = thread_start(about=claim, text=SECRET, user=editor)
        before = count_queries(editor_client, claim_page(claim))
        for number in range(5):
            comment_reply(
                thread=thread, text=f"Reply {number}", user=make_member(f"e{number}", EDITORS)
            )
            thread_start(about=claim, text=f"Thread {number}", user=editor)

        assert count_queries(editor_client, claim_page(claim)) == before


# Internal only ---------------------------------------------------------------------------------


class InternalTests:
    def test_no_public_address_export_or_snapshot_shows_a_comment(self, mali, editor, checker):
        thread = thread_start(about=claim_of(mali), text=SECRET, user=editor)
        thread_start(about=footnote_of(mali), text=f"{SECRET} (footnote)", user=checker)
        comment_reply(thread=thread, text=f"{SECRET} (reply)", user=checker)
        profile_publish(profile=mali, user=make_member("publisher", PUBLISHERS))

        statuses = {}
        for url in PUBLIC_URLS:
            response = Client().get(url)
            content = b"".join(response) if response.streaming else response.content
            statuses[url] = response.status_code
            assert SECRET.encode() not in content, url
        # The profile's pages, exports and API were there to be read (and read the claims).
        report = "/countries/mali/cluster-munition-ban-policy"
        for url in (f"{report}/", f"{report}.json", f"{report}.txt", "/api/v1/profiles/"):
            assert statuses[url] == 200, url
        assert SECRET not in json.dumps(Publication.objects.get(profile=mali).snapshot)
        assert SECRET not in export("mali", "cluster-munition-ban-policy")

    def test_the_archive_keeps_comments_and_their_history(self):
        assert Comment in archived_models()
        assert Comment.history.model in archived_models()


def test_the_disputes_page_links_each_disputed_footnotes_threads(editor_client, mali, checker):
    citation = footnote_of(mali)
    citation_review(citation=citation, reviewer=checker, state=ReviewState.DISPUTED, note="No.")
    thread_start(about=citation, text=SECRET, user=checker)

    page = editor_client.get(reverse("citations:disputes")).content.decode()

    start = page.index(f'href="{footnote_page(citation)}?next=')
    assert '<span class="comment-badge">1 open</span>' in page[start : start + 300]
