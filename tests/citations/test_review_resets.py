"""Review resets are not silent: the queue shows what a reset review was, and the editor's save
says which reviews it reset."""

import re

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from citations.models import Citation, ReviewState
from citations.services import citation_review, citations_review
from history.changesets import change_set
from history.save_messages import add_save_messages
from history.writer import HistoryWriter
from profiles.roles import FACT_CHECKERS
from tests.factories import (
    changeform_data,
    make_citation,
    make_claim,
    make_country,
    make_member,
    make_profile,
    make_section,
)
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db

QUEUE = reverse("citations:review_queue")


@pytest.fixture
def ana():
    return make_member("ana", FACT_CHECKERS)


@pytest.fixture
def claim():
    return make_claim(text="Testland destroyed its stockpile in 2014.")


def review(citation, reviewer, state, note=""):
    return citation_review(citation=citation, reviewer=reviewer, state=state, note=note)


def rewrite(obj, text, user):
    obj.text = text
    HistoryWriter(user=user, reason="Edited").save(obj)


def row(response, citation) -> str:
    page = response.content.decode()
    match = re.search(rf'<tr id="citation-{citation.pk}"[^>]*>.*?</tr>', page, re.DOTALL)
    assert match, f"no row for citation {citation.pk}"
    return " ".join(match.group(0).split())


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def day(moment) -> str:
    return date_format(timezone.localtime(moment))


class QueueTests:
    def test_a_reset_review_shows_the_verdict_and_note_it_had(
        self, checker_client, ana, editor, claim
    ):
        citation = make_citation(claim=claim, text="Statement of Testland, 1 May 2013.")
        disputed = review(citation, ana, ReviewState.DISPUTED, "The statement is of 2012.")
        rewrite(citation, "Statement of Testland, 1 May 2012.", editor)

        html = row(checker_client.get(QUEUE), citation)

        assert "Was <span class=" in html
        assert ">Disputed</span> by ana on " + day(disputed.reviewed_at) + ":" in html
        assert "The statement is of 2012." in html
        assert "Reset because the footnote&#x27;s text changed (editor," in html

    def test_a_claim_rewritten_shows_why_its_footnotes_were_reset(
        self, checker_client, ana, editor, claim
    ):
        citation = make_citation(claim=claim)
        review(citation, ana, ReviewState.VERIFIED)
        rewrite(claim, "Testland destroyed its stockpile in 2015.", editor)

        html = row(checker_client.get(QUEUE), citation)

        assert ">Verified</span> by ana on " in html
        assert "Reset because the claim&#x27;s text changed (editor," in html

    def test_a_review_reset_by_a_fact_checker_shows_who_reset_it(
        self, checker_client, checker, ana, claim
    ):
        citation = make_citation(claim=claim)
        review(citation, ana, ReviewState.SOURCE_UNAVAILABLE, "Link is dead.")
        citations_review(citations=[citation], reviewer=checker, state=ReviewState.UNREVIEWED)

        html = row(checker_client.get(QUEUE), citation)

        assert ">Source unavailable</span> by ana on " in html
        assert "Link is dead." in html
        assert "Reset (checker," in html

    def test_never_reviewed_and_reviewed_again_show_no_earlier_verdict(
        self, checker_client, ana, editor, claim
    ):
        never = make_citation(claim=claim, text="Never reviewed.")
        again = make_citation(claim=claim, text="Reviewed twice.")
        review(again, ana, ReviewState.DISPUTED, "Which meeting?")
        rewrite(again, "Reviewed twice, the meeting named.", editor)
        review(again, ana, ReviewState.VERIFIED)

        response = checker_client.get(f"{QUEUE}?state=all")

        assert "review-previous" not in row(response, never)
        assert "review-previous" not in row(response, again)
        assert "Which meeting?" not in row(response, again)

    def test_the_latest_verdict_is_the_one_shown(self, checker_client, ana, editor, claim):
        citation = make_citation(claim=claim)
        review(citation, ana, ReviewState.DISPUTED, "First objection.")
        rewrite(citation, "Second version.", editor)
        review(citation, ana, ReviewState.DISPUTED, "Second objection.")
        rewrite(citation, "Third version.", editor)

        html = row(checker_client.get(QUEUE), citation)

        assert "Second objection." in html
        assert "First objection." not in html

    def test_queries_do_not_grow_with_reset_reviews(self, checker_client, ana, editor):
        def make_resets(count):
            profile = make_profile(country=make_country(f"Resetland {count}"))
            for number in range(count):
                citation = make_citation(claim=make_claim(section=make_section(profile=profile)))
                review(citation, ana, ReviewState.DISPUTED, f"Objection {number}.")
                rewrite(citation, f"Rewritten {number}.", editor)
            make_citation(claim=make_claim(section=make_section(profile=profile)))

        make_resets(3)
        few = count_queries(checker_client, QUEUE)
        make_resets(30)

        assert count_queries(checker_client, QUEUE) == few


class SaveMessageTests:
    def test_saving_a_footnote_says_its_review_was_reset(self, editor_client, ana, claim):
        make_citation(claim=claim, text="The first footnote.")
        citation = make_citation(claim=claim, text="Statement of Testland, 1 May 2013.")
        review(citation, ana, ReviewState.DISPUTED, "Wrong date.")
        form = editor_client.get(admin_url(citation))

        response = editor_client.post(
            admin_url(citation), changeform_data(form, {"text": "Statement, 1 May 2012."})
        )

        assert response.status_code == 302
        shown = messages_of(response)
        assert shown[-1] == (
            "1 review was reset because its text changed: footnote [2] (was Disputed). "
            "It is back in the fact-checkers' review queue."
        )
        assert [m.level for m in get_messages(response.wsgi_request)][-1] == messages.WARNING

    def test_saving_a_claim_lists_every_review_it_reset(self, editor_client, ana, claim):
        disputed = make_citation(claim=claim, text="First footnote.")
        make_citation(claim=claim, text="Second footnote, never reviewed.")
        verified = make_citation(claim=claim, text="Third footnote.")
        review(disputed, ana, ReviewState.DISPUTED, "Wrong date.")
        review(verified, ana, ReviewState.VERIFIED)
        form = editor_client.get(admin_url(claim))

        response = editor_client.post(
            admin_url(claim), changeform_data(form, {"text": "Testland destroyed it in 2015."})
        )

        assert response.status_code == 302
        assert messages_of(response)[-1] == (
            "2 reviews were reset because their text changed: footnote [1] (was Disputed), "
            "footnote [3] (was Verified). They are back in the fact-checkers' review queue."
        )

    def test_a_save_that_resets_nothing_says_nothing_of_reviews(self, editor_client, ana, claim):
        citation = make_citation(claim=claim)
        review(citation, ana, ReviewState.VERIFIED)
        form = editor_client.get(admin_url(claim))

        response = editor_client.post(admin_url(claim), changeform_data(form, {"paragraph": 2}))

        assert response.status_code == 302
        assert not any("reset" in m for m in messages_of(response))
        assert Citation.objects.get(pk=citation.pk).review_state == ReviewState.VERIFIED

    def test_another_page_adds_the_same_message_after_its_own_save(self, ana, editor, claim):
        citation = make_citation(claim=claim)
        review(citation, ana, ReviewState.VERIFIED)
        request = RequestFactory().post("/")
        request._messages = CookieStorage(request)

        with change_set(action="edit", user=editor):
            rewrite(claim, "Rewritten on another page.", editor)
            add_save_messages(request)

        assert [str(m) for m in get_messages(request)] == [
            "1 review was reset because its text changed: footnote [1] (was Verified). "
            "It is back in the fact-checkers' review queue."
        ]

    def test_without_a_change_set_nothing_is_added(self, ana, editor, claim):
        request = RequestFactory().post("/")
        request._messages = CookieStorage(request)

        add_save_messages(request)

        assert list(get_messages(request)) == []
