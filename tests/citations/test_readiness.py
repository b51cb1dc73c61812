"""Readiness to publish: the counts, the panel on the profile's page, and the publish gate."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from citations.comments import comment_reply, thread_resolve, thread_start
from citations.models import Citation, ReviewState
from citations.readiness import Readiness
from citations.services import citation_review
from profiles.models import Claim, Publication
from profiles.roles import EDITORS, FACT_CHECKERS
from tests.factories import make_citation, make_claim, make_member, make_section
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db

QUEUE = reverse("citations:review_queue")


def footnotes(profile):
    return list(Citation.objects.filter(claim__section__profile=profile).order_by("pk"))


def dispute(citation, checker):
    citation_review(citation=citation, reviewer=checker, state=ReviewState.DISPUTED, note="No.")


def publish_url(profile):
    return reverse("admin:profiles_profile_publish", args=[profile.pk])


def compact(response) -> str:
    return " ".join(response.content.decode().split())


def threads_on(profile, user, count=1):
    """Start `count` threads on the profile's first claim and footnote, in turn."""
    claim = Claim.objects.filter(section__profile=profile).order_by("pk").first()
    subjects = [claim, *footnotes(profile)]
    return [
        thread_start(about=subjects[number % len(subjects)], text="Which year?", user=user)
        for number in range(count)
    ]


def editor_comments(profile):
    return reverse("admin:profiles_profile_editor", args=[profile.pk]) + "#editor-comments-total"


class ReadinessTests:
    def test_counts_the_mali_profile(self, mali):
        readiness = Readiness.of(mali)

        # 14 claims; footnotes [1]–[8] each back one claim; the other 6 are unsourced.
        assert (readiness.claims, readiness.cited_claims) == (14, 8)
        assert (readiness.unsourced_claims, readiness.no_citation_needed) == (6, 0)
        assert readiness.citations == 8
        assert readiness.citations_by_state == {
            "unreviewed": 8,
            "verified": 0,
            "disputed": 0,
            "source-unavailable": 0,
        }
        assert readiness.can_publish

    def test_a_claim_marked_as_needing_no_citation_is_not_unsourced(self, mali):
        claim = Claim.objects.get(section__profile=mali, text__startswith="Mali is party to")
        claim.no_citation_needed = True
        claim.save()

        readiness = Readiness.of(mali)

        assert (readiness.unsourced_claims, readiness.no_citation_needed) == (5, 1)

    def test_counts_citations_by_review_state(self, mali, checker):
        first, second, third, *_rest = footnotes(mali)
        citation_review(citation=first, reviewer=checker, state=ReviewState.VERIFIED)
        dispute(second, checker)
        citation_review(citation=third, reviewer=checker, state=ReviewState.SOURCE_UNAVAILABLE)

        readiness = Readiness.of(mali)

        assert readiness.citations_by_state == {
            "unreviewed": 5,
            "verified": 1,
            "disputed": 1,
            "source-unavailable": 1,
        }
        assert not readiness.can_publish

    def test_counts_the_unresolved_threads_not_their_replies_or_resolved_ones(self, mali, checker):
        first, second, resolved = threads_on(mali, checker, count=3)
        comment_reply(thread=first, text="2013, I think.", user=checker)
        thread_resolve(thread=resolved, user=checker)
        threads_on(make_claim(section=make_section()).section.profile, checker)

        assert Readiness.of(mali).open_threads == 2
        assert Readiness.of(mali).can_publish  # comments are internal

    def test_a_profile_without_claims_has_no_threads(self):
        assert Readiness.of(make_section().profile).open_threads == 0

    def test_counts_in_two_queries(self, mali, checker, django_assert_num_queries):
        threads_on(mali, checker, count=2)

        with django_assert_num_queries(2):
            readiness = Readiness.of(mali)

        assert (readiness.claims, readiness.open_threads) == (14, 2)

    def test_counts_only_the_profile_asked_for(self, mali):
        other = make_claim(section=make_section())
        make_citation(claim=other)

        assert Readiness.of(other.section.profile).claims == 1
        assert Readiness.of(mali).claims == 14


class PanelTests:
    def test_the_profile_page_shows_the_counts_linked_to_the_queue(self, client, mali):
        client.force_login(make_member("editor", EDITORS))

        response = client.get(admin_url(mali))

        assert response.status_code == 200
        assert response.context["readiness"] == Readiness.of(mali)
        page = compact(response)
        assert "Readiness to publish" in page
        assert '<th scope="row">Claims</th><td>14</td>' in page
        assert '<th scope="row">Unsourced claims</th> <td> 6' in page
        unreviewed = f"{QUEUE}?profile={mali.pk}&amp;state=unreviewed"
        assert f'<a href="{unreviewed}">8</a>' in page
        assert f'<a href="{QUEUE}?profile={mali.pk}&amp;state=disputed">0</a>' in page
        assert len(response.context["unsourced_claims"]) == 6

    def test_the_panel_links_lead_to_that_profiles_citations(self, client, mali):
        client.force_login(make_member("checker", FACT_CHECKERS))
        make_citation(text="Elsewhere.")

        response = client.get(QUEUE, {"profile": mali.pk, "state": "unreviewed"})

        assert len(response.context["page_obj"].object_list) == 8

    def test_the_panel_says_when_publishing_is_blocked(self, client, mali, checker):
        dispute(footnotes(mali)[0], checker)
        client.force_login(make_member("editor", EDITORS))

        page = compact(client.get(admin_url(mali)))

        assert "Publishing is blocked: 1 citation is disputed." in page
        assert f"{reverse('citations:disputes')}?profile={mali.pk}" in page

    def test_the_panel_counts_the_unresolved_threads_and_links_to_them(
        self, editor_client, mali, checker
    ):
        threads_on(mali, checker, count=2)

        response = editor_client.get(admin_url(mali))

        page = compact(response)
        link = editor_comments(mali)
        row = f'<th scope="row">Unresolved comment threads</th> <td><a href="{link}">2</a>'
        assert row in page
        assert (
            f'<a href="{editor_comments(mali)}">2 unresolved comment threads</a> on this profile'
            in page
        )
        # The link leads to the editor, which shows them.
        editor = editor_client.get(editor_comments(mali).split("#")[0])
        assert 'id="editor-comments-total"' in editor.content.decode()

    def test_no_threads_no_warning(self, editor_client, mali):
        page = compact(editor_client.get(admin_url(mali)))

        assert f'<a href="{editor_comments(mali)}">0</a>' in page
        assert "readiness-open-threads" not in page


class PublishGateTests:
    def test_the_publish_page_warns_of_unresolved_threads_but_publishes(
        self, publisher_client, mali, checker
    ):
        threads_on(mali, checker)

        page = compact(publisher_client.get(publish_url(mali)))

        assert f'<a href="{editor_comments(mali)}">1 unresolved comment thread</a>' in page
        assert "they do not stop publishing this profile on its own" in page
        assert 'value="Publish edition 1"' in page
        publisher_client.post(publish_url(mali))
        assert Publication.objects.filter(profile=mali).count() == 1

    def test_the_publish_page_shows_what_is_unsourced_and_unreviewed(self, publisher_client, mali):
        response = publisher_client.get(publish_url(mali))

        assert response.status_code == 200
        page = compact(response)
        assert "6 unsourced claims and 8 unreviewed citations" in page
        assert 'value="Publish edition 1"' in page

    def test_a_disputed_citation_blocks_publishing(self, publisher_client, mali, checker):
        dispute(footnotes(mali)[1], checker)

        page = compact(publisher_client.get(publish_url(mali)))

        assert "Publishing is blocked: 1 citation is disputed." in page
        assert 'value="Publish edition 1"' not in page
        assert 'type="submit"' not in page.split('id="content-main"')[1]

    def test_posting_while_blocked_publishes_nothing(self, publisher_client, mali, checker):
        dispute(footnotes(mali)[1], checker)

        response = publisher_client.post(publish_url(mali))

        assert response.status_code == 302
        assert not Publication.objects.exists()
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert any("1 disputed citation" in message for message in shown)

    def test_publishing_again_once_the_dispute_is_resolved(self, publisher_client, mali, checker):
        disputed = footnotes(mali)[1]
        dispute(disputed, checker)
        disputed.text = "Statement of Mali, corrected."
        disputed.save()  # a new text goes back to review

        publisher_client.post(publish_url(mali))

        assert Publication.objects.filter(profile=mali).count() == 1

    def test_the_bulk_action_reports_blocked_profiles(self, publisher_client, mali, checker):
        dispute(footnotes(mali)[0], checker)
        other = make_claim(section=make_section()).section.profile

        response = publisher_client.post(
            reverse("admin:profiles_profile_changelist"),
            {"action": "publish_selected", "_selected_action": [mali.pk, other.pk]},
        )

        assert response.status_code == 302
        assert list(Publication.objects.values_list("profile", flat=True)) == [other.pk]
        shown = [str(message) for message in get_messages(response.wsgi_request)]
        assert "Published 1 new edition(s); 0 profile(s) were unchanged." in shown
        assert any("blocked" in message and "Mali" in message for message in shown)
