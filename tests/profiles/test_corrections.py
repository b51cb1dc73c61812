"""Readers' correction requests: the "Report an error" form (/countries/<country>/<topic>/
report-error/), its links beside every note, and the editors' desk in the admin."""

import re

import pytest
from django.contrib.auth.models import Group
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from monitor.admin_views import home_for
from profiles import corrections
from profiles.models import Claim, CorrectionRequest, Publication, Subscription
from profiles.publishing import profile_publish, profile_withdraw
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS
from tests.factories import changeform_data, make_country
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db

COUNTRY, TOPIC = "mali", "cluster-munition-ban-policy"
FORM = f"/countries/{COUNTRY}/{TOPIC}/report-error/"
REPORT = f"/countries/{COUNTRY}/{TOPIC}/"
NOTE_2 = "Statement of Mali, Convention on Cluster Munitions Fourth Meeting of States Parties"
CLAIM_CITING_NOTE_2 = "In 2013, Mali said a process to enact implementing legislation"


def report(client, **fields):
    """POST a report; `fields` are the form's (what_is_wrong filled in unless given)."""
    data = {"what_is_wrong": "The date is wrong: it was 12 September.", **fields}
    return client.post(FORM, data)


def snapshot(profile, number=1):
    return Publication.objects.get(profile=profile, number=number).snapshot


def text_of(response) -> str:
    """The page's HTML, with each run of white space as one space (as a reader reads it)."""
    return " ".join(response.content.decode().split())


# The form ---------------------------------------------------------------------------------------


class FormPageTests:
    def test_the_form_shows_the_note_being_reported(self, client, published_mali):
        response = client.get(FORM, {"note": 2})

        assert response.status_code == 200
        page = text_of(response)
        assert NOTE_2 in page
        assert "Note 2, as you read it" in page
        assert 'name="edition" value="1"' in page and 'name="note" value="2"' in page
        assert 'name="csrfmiddlewaretoken"' in page

    def test_without_a_note_the_form_reports_the_latest_edition(self, client, mali_in_two_editions):
        response = client.get(FORM)

        page = text_of(response)
        assert 'name="edition" value="2"' in page and 'name="note"' not in page
        assert "edition 2 (published" in page

    def test_an_older_edition_says_which_is_current(self, client, mali_in_two_editions):
        page = text_of(client.get(FORM, {"edition": 1, "note": 1}))

        assert "You were reading edition 1; the current edition is" in page
        assert f'href="{REPORT}editions/1/#fn-1"' in page

    def test_the_honeypot_is_hidden_from_people(self, client, published_mali):
        page = text_of(client.get(FORM))

        hidden = re.search(
            r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', page, re.S
        )
        assert hidden and 'name="website"' in hidden.group(1)
        field = re.search(r'<input[^>]*name="website"[^>]*>', page).group(0)
        assert 'tabindex="-1"' in field and 'autocomplete="off"' in field

    def test_the_page_is_private_never_cached_and_not_indexed(self, client, published_mali):
        response = client.get(FORM)

        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert '<meta name="robots" content="noindex, nofollow">' in text_of(response)

    def test_the_form_page_may_set_the_csrf_cookie_but_the_report_sets_none(
        self, client, published_mali
    ):
        assert "csrftoken" in client.get(FORM).cookies

        response = Client().get(REPORT)

        assert not response.cookies and not response.has_header("Set-Cookie")

    def test_head_works_and_other_methods_are_refused(self, client, published_mali):
        assert client.head(FORM).status_code == 200
        assert client.put(FORM).status_code == 405

    @pytest.mark.parametrize("query", [{}, {"note": 2}, {"edition": 1, "claim": 3}])
    def test_the_form_page_runs_one_query(
        self, client, mali_in_two_editions, django_assert_num_queries, query
    ):
        with django_assert_num_queries(1):
            assert client.get(FORM, query).status_code == 200

    def test_a_bigger_profile_takes_no_more_queries(
        self, client, published_mali, django_assert_num_queries
    ):
        claim = Claim.objects.filter(section__profile=published_mali).first()
        for number in range(30):
            claim.citations.create(position=100 + number, text=f"Added note {number}.")
        profile_publish(profile=published_mali)

        with django_assert_num_queries(1):
            assert client.get(FORM, {"note": 30}).status_code == 200


class WhatCannotBeReportedTests:
    def test_a_draft_is_not_found(self, client, mali):
        assert client.get(FORM).status_code == 404
        assert report(client).status_code == 404
        assert not CorrectionRequest.objects.exists()

    def test_a_withdrawn_profile_is_not_found(self, client, published_mali):
        profile_withdraw(profile=published_mali)

        assert client.get(FORM, {"note": 1}).status_code == 404
        assert report(client, edition=1, note=1).status_code == 404
        assert not CorrectionRequest.objects.exists()

    @pytest.mark.parametrize(
        ("query", "problem"),
        [
            (
                {"note": 99},
                "Edition 1 of this profile has no note 99: its notes are numbered 1 to 8.",
            ),
            ({"note": "two"}, "The note number must be a whole number from 1, not “two”."),
            ({"note": 0}, "The note number must be a whole number from 1, not “0”."),
            ({"edition": 7}, "This profile has no edition 7: its editions are numbered 1 to 1."),
            ({"claim": 999}, "has no passage 999: its passages are numbered 1 to "),
            ({"note": 1, "claim": 1}, "Report a note or a passage, not both at once."),
        ],
    )
    def test_a_bad_note_edition_or_passage_is_named(self, client, published_mali, query, problem):
        response = client.get(FORM, query)

        assert response.status_code == 400
        page = text_of(response)
        assert problem in page
        assert f'href="{FORM}">Report an error in the profile as a whole' in page

    def test_a_report_on_a_note_that_is_not_there_stores_nothing(self, client, published_mali):
        response = report(client, edition=1, note=99)

        assert response.status_code == 400
        assert not CorrectionRequest.objects.exists()


# Sending a report -------------------------------------------------------------------------------


class ReportTests:
    def test_a_report_on_a_note_keeps_what_the_reader_saw_and_links_the_claim(
        self, client, published_mali
    ):
        response = report(
            client,
            edition=1,
            note=2,
            what_is_wrong="The meeting was in Lusaka on 12 September.",
            source="Final report of the Fourth Meeting, CCM/MSP/2013/8.",
            email="reader@example.org",
        )

        assert response.status_code == 200
        assert "the editors have your report" in text_of(response)
        correction = CorrectionRequest.objects.get()
        assert (correction.profile, correction.edition, correction.footnote) == (
            published_mali,
            1,
            2,
        )
        assert correction.quoted_text == snapshot(published_mali)["footnotes"][1]["text"]
        assert correction.claim.text.startswith(CLAIM_CITING_NOTE_2)
        assert correction.claim.section.profile == published_mali
        assert correction.what_is_wrong == "The meeting was in Lusaka on 12 September."
        assert correction.source == "Final report of the Fourth Meeting, CCM/MSP/2013/8."
        assert correction.email == "reader@example.org"
        assert correction.state == CorrectionRequest.State.NEW

    def test_the_request_s_history_names_a_reader(self, client, published_mali):
        report(client, edition=1, note=2)

        record = CorrectionRequest.history.get()
        assert record.history_user is None
        assert record.history_change_reason == "Reported by a reader"

    def test_a_report_on_the_whole_profile_quotes_nothing(self, client, published_mali):
        report(client, edition=1)

        correction = CorrectionRequest.objects.get()
        assert (correction.footnote, correction.claim, correction.quoted_text) == (None, None, "")

    def test_a_report_on_a_passage_quotes_it_and_links_its_claim(self, client, published_mali):
        summary = snapshot(published_mali)["sections"][0]["claims"][0]["text"]

        report(client, edition=1, claim=1)

        correction = CorrectionRequest.objects.get()
        assert correction.footnote is None
        assert correction.quoted_text == summary
        assert correction.claim.text == summary

    def test_an_older_edition_is_quoted_as_it_was_and_links_no_claim_changed_since(
        self, client, mali_in_two_editions
    ):
        old_text = snapshot(mali_in_two_editions, 1)["sections"][0]["claims"][0]["text"]

        report(client, edition=1, claim=1)

        correction = CorrectionRequest.objects.get()
        assert (correction.edition, correction.quoted_text) == (1, old_text)
        assert correction.claim is None  # the working copy's claim was amended since

    def test_the_thanks_page_says_what_happens_next(self, client, published_mali):
        with_address = text_of(report(client, edition=1, note=2, email="reader@example.org"))
        without = text_of(report(client, edition=1, note=2))

        assert "What happens next" in with_address
        assert "They may write to you at <strong>reader@example.org</strong>" in with_address
        assert "You gave no address, so we cannot answer you" in without
        assert f'href="{REPORT}#fn-2">Back to note 2' in without

    def test_a_filled_honeypot_is_thanked_and_nothing_is_stored(self, client, published_mali):
        response = report(client, edition=1, note=2, website="http://cheap.example")

        assert response.status_code == 200
        assert "the editors have your report" in text_of(response)
        assert not CorrectionRequest.objects.exists()

    def test_an_empty_report_is_refused_with_the_error_by_its_field(self, client, published_mali):
        response = report(client, edition=1, note=2, what_is_wrong="  ")

        assert response.status_code == 400
        page = text_of(response)
        assert "Tell us what is wrong: this field is empty." in page
        assert 'aria-describedby="id_what_is_wrong-error id_what_is_wrong_helptext"' in page
        assert 'name="note" value="2"' in page  # still about the same note
        assert not CorrectionRequest.objects.exists()

    def test_a_bad_address_is_refused(self, client, published_mali):
        response = report(client, email="not an address")

        assert response.status_code == 400
        assert "This is not an email address" in text_of(response)


class LimitTests:
    @pytest.mark.parametrize("field", ["what_is_wrong", "source"])
    def test_texts_over_2000_characters_are_refused(self, client, published_mali, field):
        response = report(client, **{field: "x" * 2001})

        assert response.status_code == 400
        assert "to 2,000 characters (it has 2001 characters)" in text_of(response)
        assert not CorrectionRequest.objects.exists()

    def test_2000_characters_are_accepted(self, client, published_mali):
        report(client, what_is_wrong="x" * 2000, source="y" * 2000)

        assert len(CorrectionRequest.objects.get().what_is_wrong) == 2000

    def test_too_many_reports_from_one_client_are_refused(
        self, client, published_mali, monkeypatch
    ):
        monkeypatch.setattr(corrections, "REPORTS_PER_CLIENT", 2)
        for _ in range(2):
            assert report(client).status_code == 200

        refused = report(client)

        assert refused.status_code == 429
        assert refused["Retry-After"] == "3600"
        assert "Too many reports" in text_of(refused)
        assert CorrectionRequest.objects.count() == 2
        # Another client is not held back.
        other = Client(REMOTE_ADDR="192.0.2.99")
        assert report(other).status_code == 200

    def test_bots_filling_the_honeypot_are_limited_too(self, client, published_mali, monkeypatch):
        monkeypatch.setattr(corrections, "REPORTS_PER_CLIENT", 1)
        report(client, website="spam")

        assert report(client, website="spam").status_code == 429

    def test_a_report_without_the_csrf_token_is_refused(self, published_mali):
        client = Client(enforce_csrf_checks=True)

        assert report(client, edition=1).status_code == 403
        assert not CorrectionRequest.objects.exists()

    def test_a_report_with_the_form_s_csrf_token_is_accepted(self, published_mali):
        client = Client(enforce_csrf_checks=True)
        page = text_of(client.get(FORM))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

        response = report(client, edition=1, csrfmiddlewaretoken=token)

        assert response.status_code == 200
        assert CorrectionRequest.objects.count() == 1


# The links on the report ------------------------------------------------------------------------


class LinkTests:
    def test_every_note_of_the_report_has_a_link_to_report_an_error_in_it(
        self, client, published_mali
    ):
        page = text_of(client.get(REPORT))

        notes = len(snapshot(published_mali)["footnotes"])
        links = re.findall(rf'href="{FORM}\?edition=1&amp;note=(\d+)" rel="nofollow"', page)
        assert links == [str(number) for number in range(1, notes + 1)]
        assert "Report an error in note 3" in page

    def test_an_older_edition_s_notes_report_that_edition(self, client, mali_in_two_editions):
        page = text_of(client.get(f"{REPORT}editions/1/"))

        assert f'href="{FORM}?edition=1&amp;note=1"' in page

    def test_a_link_leads_to_a_form_about_its_note(self, client, published_mali):
        page = text_of(client.get(REPORT))
        link = re.search(rf'href="({FORM}\?edition=1&amp;note=2)"', page).group(1)

        form = client.get(link.replace("&amp;", "&"))

        assert NOTE_2 in text_of(form)

    def test_the_pdf_and_the_admin_s_as_it_stood_page_carry_no_link(self, published_mali):
        publication = Publication.objects.select_related("profile__country").get()
        notes = {"snapshot": publication.snapshot}

        printed = render_to_string(
            "profiles/_footnotes.html", {**notes, "publication": publication}
        )
        as_it_stood = render_to_string(
            "profiles/_footnotes.html", {**notes, "profile": published_mali}
        )
        public = render_to_string(
            "profiles/_footnotes.html",
            {**notes, "publication": publication, "profile": published_mali},
        )

        assert "report-error" not in printed and "report-error" not in as_it_stood
        assert "report-error" in public


# The editors' desk ------------------------------------------------------------------------------


@pytest.fixture
def correction(client, published_mali):
    report(client, edition=1, note=2, email="reader@example.org")
    return CorrectionRequest.objects.get()


class DeskTests:
    def test_the_roles_may_work_the_desk_and_publishers_may_forget_addresses(self):
        def codenames(role):
            return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))

        assert {"view_correctionrequest", "change_correctionrequest"} <= codenames(EDITORS)
        assert "view_correctionrequest" in codenames(FACT_CHECKERS)
        assert {"view_subscription", "delete_subscription"} <= codenames(PUBLISHERS)
        assert "delete_subscription" not in codenames(EDITORS)
        assert "delete_correctionrequest" not in codenames(EDITORS) | codenames(PUBLISHERS)

    def test_an_editor_lists_the_requests_by_state(self, editor_client, correction):
        CorrectionRequest.objects.create(
            profile=correction.profile, edition=1, what_is_wrong="Old news.", state="declined"
        )

        response = editor_client.get(
            admin_url(CorrectionRequest, "changelist"), {"state__exact": "new"}
        )

        assert response.status_code == 200
        page = text_of(response)
        assert "The date is wrong: it was 12 September." in page
        assert "Old news." not in page
        assert "Mali — Cluster Munition Ban Policy" in page

    def test_the_desk_takes_the_same_queries_whatever_the_requests(self, editor_client, correction):
        url = admin_url(CorrectionRequest, "changelist")
        few = count_queries(editor_client, url)

        for number in range(30):
            CorrectionRequest.objects.create(
                profile=correction.profile, edition=1, footnote=number + 1, what_is_wrong="x"
            )

        assert count_queries(editor_client, url) == few

    def test_an_editor_finds_a_request_by_its_words(self, editor_client, correction):
        url = admin_url(CorrectionRequest, "changelist")

        assert "12 September" in text_of(editor_client.get(url, {"q": "September"}))
        assert "12 September" not in text_of(editor_client.get(url, {"q": "Kinshasa"}))

    def test_the_request_links_to_the_note_and_to_the_claim_in_the_editor(
        self, editor_client, correction
    ):
        page = text_of(editor_client.get(admin_url(correction)))

        assert f'href="{REPORT}editions/1/#fn-2"' in page
        editor = reverse("admin:profiles_profile_editor", args=[correction.profile_id])
        assert f'href="{editor}#claim-{correction.claim_id}"' in page
        assert "reader@example.org" in page

    def test_an_editor_changes_the_state_and_note_only_and_history_names_them(
        self, editor_client, editor, correction
    ):
        form = editor_client.get(admin_url(correction))
        data = changeform_data(
            form,
            {
                "state": "accepted",
                "editor_note": "Corrected in edition 2.",
                "what_is_wrong": "Tampered.",
            },
        )

        response = editor_client.post(admin_url(correction), data)

        assert response.status_code == 302
        correction.refresh_from_db()
        assert (correction.state, correction.editor_note) == ("accepted", "Corrected in edition 2.")
        assert correction.what_is_wrong == "The date is wrong: it was 12 September."
        latest = correction.history.order_by("-history_id").first()
        assert latest.history_user == editor and latest.state == "accepted"
        history = text_of(editor_client.get(admin_url(correction, "history")))
        assert "editor" in history and "Accepted" in history

    def test_requests_come_from_readers_only(self, editor_client, correction):
        assert editor_client.get(admin_url(CorrectionRequest, "add")).status_code == 403

    def test_the_editors_home_counts_the_new_requests(self, client_for, correction):
        CorrectionRequest.objects.create(
            profile=correction.profile, edition=1, what_is_wrong="Another."
        )
        CorrectionRequest.objects.create(
            profile=correction.profile, edition=1, what_is_wrong="Done.", state="accepted"
        )

        response = client_for(EDITORS).get("/admin/")

        page = " ".join(text_of(response).split())
        assert response.context["home"].editing.new_corrections == 2
        assert "2</span> new correction requests" in page
        assert 'href="/admin/profiles/correctionrequest/?state__exact=new"' in page


class SubscriptionDeskTests:
    @pytest.fixture
    def subscriptions(self):
        country = make_country("Mali")
        return [
            Subscription.objects.create(email="ana@example.org"),
            Subscription.objects.create(email="bo@example.org", country=country),
        ]

    def test_a_publisher_finds_an_address_and_deletes_it(self, publisher_client, subscriptions):
        url = admin_url(Subscription, "changelist")
        found = text_of(publisher_client.get(url, {"q": "ana@"}))
        assert "ana@example.org" in found and "bo@example.org" not in found

        response = publisher_client.post(admin_url(subscriptions[0], "delete"), {"post": "yes"})

        assert response.status_code == 302
        assert list(Subscription.objects.values_list("email", flat=True)) == ["bo@example.org"]

    def test_a_subscription_is_read_only(self, publisher_client, subscriptions):
        response = publisher_client.post(
            admin_url(subscriptions[1]), {"email": "changed@example.org"}
        )

        assert response.status_code == 403
        assert Subscription.objects.filter(email="bo@example.org").exists()

    def test_editors_see_no_addresses(self, editor_client, subscriptions):
        assert editor_client.get(admin_url(Subscription, "changelist")).status_code == 403


def test_the_editors_home_takes_the_same_queries_whatever_the_requests(client_for, published_mali):
    client = client_for(EDITORS)
    CorrectionRequest.objects.create(profile=published_mali, edition=1, what_is_wrong="First.")
    few = count_queries(client, "/admin/")

    for number in range(20):
        CorrectionRequest.objects.create(
            profile=published_mali, edition=1, what_is_wrong=f"{number}"
        )

    assert count_queries(client, "/admin/") == few
    assert home_for(client.user).editing.new_corrections == 21
