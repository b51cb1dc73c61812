"""A profile's timeline: its change sets, the profile as it stood at any time, comparisons."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from citations.models import Citation
from citations.services import citation_review, citations_review
from history.changesets import change_set
from profiles.compare import ADDED, CHANGED, MOVED, REMOVED
from profiles.models import ChangeSet, Claim, Section
from profiles.publishing import profile_publish, profile_withdraw
from profiles.revert import change_set_revert
from profiles.roles import FACT_CHECKERS
from profiles.states import (
    compare_states,
    history_model,
    profile_state_at,
    profile_state_now,
    tracked_fields,
)
from profiles.timeline import (
    HISTORY_MODELS,
    RECORDS_SHOWN,
    _scopes,
    change_set_states,
    footnote_numbers,
    history_records,
    profile_change_sets,
)
from tests.factories import (
    changeform_data,
    make_citation,
    make_citation_source,
    make_claim,
    make_section,
)

pytestmark = pytest.mark.django_db

# The ids, numbers and internal fields a working copy's state adds to the snapshot format.
STATE_ONLY = {"profile_id", "notes", "id", "no_citation_needed", "claim_id", "review_state"}


def url(profile, view="", *args, **query) -> str:
    path = f"/admin/profiles/profile/{profile.pk}/timeline/{view}"
    if args:
        path += "/".join(str(arg) for arg in args) + "/"
    return f"{path}?{urlencode(query)}" if query else path


def policy_claims(profile) -> list[Claim]:
    return list(
        Claim.objects.filter(section__profile=profile, section__heading="Policy").order_by(
            "position"
        )
    )


def edit_two_claims(client, profile) -> tuple[Claim, Claim]:
    """Change the first two claims of the Policy section in one admin save."""
    section = Section.objects.get(profile=profile, heading="Policy")
    page = f"/admin/profiles/section/{section.pk}/change/"
    first, second = policy_claims(profile)[:2]
    data = changeform_data(
        client.get(page),
        {
            "claims-0-text": first.text.replace(
                "Republic of Malisigned", "Republic of Mali signed"
            ),
            "claims-1-text": second.text.replace("Since 2012", "Since early 2012"),
        },
    )
    assert client.post(page, data).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    return first, second


def without_ids(snapshot: dict) -> dict:
    """Drop what a working copy's state adds to the publication snapshot format."""

    def strip(value):
        if isinstance(value, dict):
            return {key: strip(item) for key, item in value.items() if key not in STATE_ONLY}
        if isinstance(value, list):
            return [strip(item) for item in value]
        return value

    return strip(snapshot)


def count_queries(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


class StateTests:
    def test_the_state_now_is_the_published_snapshot_with_ids(self, published_mali):
        publication = published_mali.latest_publication

        state = profile_state_at(published_mali, timezone.now())

        assert without_ids(state) == publication.snapshot
        assert state["sections"][1]["id"] == Section.objects.get(heading="Policy").pk
        assert state == profile_state_now(published_mali)

    def test_a_state_in_the_past_has_the_text_of_then(self, published_mali, editor_client):
        before = timezone.now()
        first, _second = edit_two_claims(editor_client, published_mali)

        then = profile_state_at(published_mali, before)
        now = profile_state_at(published_mali, timezone.now())

        texts_then = [claim["text"] for claim in then["sections"][1]["claims"]]
        texts_now = [claim["text"] for claim in now["sections"][1]["claims"]]
        assert "The Republic of Malisigned" in texts_then[0]
        assert texts_now[0] == first.text

    def test_deleted_objects_are_left_out_and_a_time_before_the_profile_is_none(
        self, published_mali
    ):
        claim = policy_claims(published_mali)[0]
        before_delete = timezone.now()
        claim.delete()

        assert (
            profile_state_at(published_mali, datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
            is None
        )
        ids_then = [
            c["id"]
            for c in profile_state_at(published_mali, before_delete)["sections"][1]["claims"]
        ]
        ids_now = [c["id"] for c in profile_state_now(published_mali)["sections"][1]["claims"]]
        assert ids_then[0] not in ids_now
        assert ids_then[1:] == ids_now

    def test_the_state_is_read_in_a_fixed_number_of_queries(self, published_mali):
        def queries():
            with CaptureQueriesContext(connection) as captured:
                profile_state_at(published_mali, timezone.now())
            return len(captured)

        few = queries()
        section = make_section(profile=published_mali, heading="More")
        for number in range(20):
            claim = make_claim(section=section, text=f"Claim {number}.")
            Citation.objects.create(claim=claim, position=1, text=f"Note {number}.")
            claim.text = f"Claim {number}, edited."
            claim.save()

        assert queries() == few


class CompareStatesTests:
    def test_claims_added_removed_moved_and_changed_are_named(self, published_mali):
        first, second, third, *_rest = policy_claims(published_mali)
        before, third_id = timezone.now(), third.pk
        third.delete()
        first.text = "Mali signed it."
        first.save()
        # Swap the second claim to the end of its section.
        second.position = 99
        second.save()
        added = make_claim(section=first.section, position=100, text="A new claim.")

        comparison = compare_states(
            profile_state_at(published_mali, before), profile_state_now(published_mali)
        )

        kinds = {(change.model, change.object_id): change.kind for change in comparison.objects}
        assert kinds[("claim", first.pk)] == CHANGED
        assert kinds[("claim", second.pk)] == MOVED
        assert kinds[("claim", third_id)] == REMOVED
        assert kinds[("claim", added.pk)] == ADDED
        # Its footnote moved with it: renumbered, which the text comparison tells.
        assert ("footnote", Citation.objects.get(claim=second).pk) not in kinds
        assert comparison.text.renumbered

    def test_a_footnote_moved_to_another_claim_is_named_moved(self, published_mali):
        first, second, *_rest = policy_claims(published_mali)
        note = Citation.objects.get(claim=second)
        before = timezone.now()
        note.claim = first
        note.save()

        comparison = compare_states(
            profile_state_at(published_mali, before), profile_state_now(published_mali)
        )

        changes = {(change.model, change.object_id): change for change in comparison.objects}
        assert changes[("footnote", note.pk)].kind == MOVED

    def test_a_publication_compares_as_text_only(self, published_mali):
        comparison = compare_states(
            published_mali.latest_publication.snapshot, profile_state_now(published_mali)
        )

        assert not comparison.has_changes
        assert comparison.objects == []


class TimelineTests:
    def test_one_admin_save_of_two_claims_is_one_change_set_on_the_timeline(
        self, published_mali, editor_client
    ):
        first, second = edit_two_claims(editor_client, published_mali)

        response = editor_client.get(url(published_mali))

        assert response.status_code == 200
        newest = response.context["entries"][0]
        assert newest.change_set.action == ChangeSet.Action.EDIT
        assert newest.change_set.user == editor_client.user
        assert {(record.model, record.object_id) for record in newest.records} == {
            ("claim", first.pk),
            ("claim", second.pk),
        }
        actions = [entry.change_set.action for entry in response.context["entries"]]
        assert actions == ["edit", "import"]  # the import published too
        assert newest.headline == "Edited 2 claims in Policy"

    def test_an_entrys_fields_are_read_when_its_details_are_opened(
        self, published_mali, editor_client
    ):
        edit_two_claims(editor_client, published_mali)
        newest = ChangeSet.objects.first()
        records = url(published_mali, "change-sets/", newest.pk, "records")

        timeline = editor_client.get(url(published_mali)).content.decode()
        fragment = editor_client.get(records + "?fragment=1").content.decode()
        page = editor_client.get(records).content.decode()

        # The timeline holds the words of each change set, and a link to its records (which
        # timeline.js loads into the details when they are opened); not the records.
        assert "<ins>Mali signed </ins>" not in timeline
        assert f'data-fragment="{records}?fragment=1"' in timeline
        assert f'<a href="{records}">' in timeline
        for html in (fragment, page):
            assert "<ins>Mali signed </ins>" in html
            assert "<del>Malisigned </del>" in html
        assert "<html" not in fragment
        assert "Edited 2 claims in Policy" in page

    def test_the_links_of_an_entry_are_the_admins_urls(self, published_mali, editor_client):
        response = editor_client.get(url(published_mali))

        entry = response.context["entries"][0]
        pk, change_set_id = published_mali.pk, entry.change_set.pk
        assert entry.links == {
            view: reverse(f"admin:profiles_profile_change_set_{view}", args=[pk, change_set_id])
            for view in ("compare", "records", "revert")
        }
        assert entry.after_url.startswith(reverse("admin:profiles_profile_timeline_at", args=[pk]))

    def test_the_records_of_a_change_set_of_another_profile_are_not_found(
        self, published_mali, editor_client
    ):
        other = make_claim().history.get().change_set

        response = editor_client.get(url(published_mali, "change-sets/", other.pk, "records"))

        assert response.status_code == 404

    def test_a_change_sets_records_are_read_in_a_fixed_number_of_queries(
        self, published_mali, editor_client
    ):
        edit_two_claims(editor_client, published_mali)
        few = url(published_mali, "change-sets/", ChangeSet.objects.first().pk, "records")
        claims = policy_claims(published_mali)
        with change_set(action="edit", user=editor_client.user):
            for claim in claims:
                claim.text += " Amended."
                claim.save()
            for citation in Citation.objects.filter(claim__in=claims):
                citation.text += " Amended."
                citation.save()
        many = url(published_mali, "change-sets/", ChangeSet.objects.first().pk, "records")
        imported = url(published_mali, "change-sets/", ChangeSet.objects.last().pk, "records")

        queries = count_queries(editor_client, few)
        assert count_queries(editor_client, many) == queries
        assert count_queries(editor_client, imported) == queries
        fragment = count_queries(editor_client, few + "?fragment=1")
        assert count_queries(editor_client, many + "?fragment=1") == fragment

    def test_the_change_form_links_to_the_timeline(self, published_mali, editor_client):
        page = editor_client.get(
            f"/admin/profiles/profile/{published_mali.pk}/change/"
        ).content.decode()

        assert url(published_mali) in page

    def test_the_timeline_leaves_out_other_profiles(self, published_mali):
        other = make_claim()

        change_sets = profile_change_sets(published_mali)

        assert other.history.get().change_set not in change_sets
        assert change_sets.count() == 1

    def test_the_timeline_runs_a_fixed_number_of_queries(self, published_mali, editor_client):
        def add_history(records: int):
            claim = policy_claims(published_mali)[0]
            for number in range(records):
                with change_set(action="edit", user=editor_client.user):
                    claim.text = f"Edit number {number}."
                    claim.save()

        add_history(10)
        few = count_queries(editor_client, url(published_mali))
        add_history(200)
        second = url(
            published_mali, before=editor_client.get(url(published_mali)).context["page"].older
        )
        third = url(published_mali, before=editor_client.get(second).context["page"].older)
        back = url(published_mali, after=editor_client.get(third).context["page"].newer)

        assert count_queries(editor_client, url(published_mali)) == few
        assert count_queries(editor_client, second) == few
        assert count_queries(editor_client, third) == few
        assert count_queries(editor_client, back) == few

    def test_a_change_set_compares_with_the_state_before_it(self, published_mali, editor_client):
        first, _second = edit_two_claims(editor_client, published_mali)
        change_set_row = ChangeSet.objects.first()

        response = editor_client.get(
            url(published_mali, "change-sets/", change_set_row.pk, "compare")
        )

        page = response.content.decode()
        assert response.status_code == 200
        assert "<del>Malisigned </del><ins>Mali signed </ins>" in page
        assert "<ins>early </ins>" in page
        old, new = change_set_states(published_mali, change_set_row)
        assert [change.object_id for change in compare_states(old, new).objects] == [
            first.pk,
            _second.pk,
        ]

    def test_comparison_escapes_html(self, published_mali, editor_client):
        claim = policy_claims(published_mali)[0]
        before = timezone.now()
        claim.text = "Mali <script>alert(1)</script> signed."
        claim.save()

        page = editor_client.get(
            url(published_mali, "compare/", **{"from": before.isoformat()})
        ).content.decode()

        assert "<script>alert(1)" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_two_points_in_time_compare(self, published_mali, editor_client):
        before = timezone.now()
        edit_two_claims(editor_client, published_mali)
        after = timezone.now()

        response = editor_client.get(
            url(published_mali, "compare/", **{"from": before.isoformat(), "to": after.isoformat()})
        )

        assert response.status_code == 200
        assert "<ins>early </ins>" in response.content.decode()

    def test_the_profile_as_it_stood_renders_like_the_public_page(
        self, published_mali, editor_client
    ):
        before = timezone.now()
        edit_two_claims(editor_client, published_mali)

        response = editor_client.get(url(published_mali, "at/", when=before.isoformat()))

        page = response.content.decode()
        assert response.status_code == 200
        assert "as it stood on" in page
        assert "The Republic of Malisigned the Convention" in page
        assert "Since early 2012" not in page
        assert 'id="fn-1"' in page

    def test_a_form_time_without_seconds_is_read_in_the_site_time_zone(
        self, published_mali, editor_client
    ):
        later = timezone.localtime() + datetime.timedelta(minutes=2)

        response = editor_client.get(
            url(published_mali, "at/", when=later.strftime("%Y-%m-%dT%H:%M"))
        )

        assert response.status_code == 200

    def test_a_bad_time_goes_back_to_the_timeline(self, published_mali, editor_client):
        response = editor_client.get(url(published_mali, "at/", when="yesterday"))

        assert response.status_code == 302
        assert response.url == url(published_mali)

    def test_working_copy_against_latest_publication(self, published_mali, editor_client):
        edit_two_claims(editor_client, published_mali)

        response = editor_client.get(url(published_mali, "compare-publication/"))

        page = response.content.decode()
        assert response.status_code == 200
        assert "what will change when you publish" in page
        assert "<ins>early </ins>" in page

    def test_fact_checkers_read_the_timeline_but_cannot_revert(self, published_mali, client_for):
        checker = client_for(FACT_CHECKERS)
        change_set_row = ChangeSet.objects.first()

        page = checker.get(url(published_mali))

        assert page.status_code == 200
        assert "Revert this change set" not in page.content.decode()
        revert = url(published_mali, "change-sets/", change_set_row.pk, "revert")
        assert checker.get(revert).status_code == 403
        assert checker.post(revert).status_code == 403
        assert (
            checker.post(
                url(published_mali, "revert/"), {"when": timezone.now().isoformat()}
            ).status_code
            == 403
        )

    def test_anonymous_visitors_are_sent_to_log_in(self, published_mali):
        assert Client().get(url(published_mali)).status_code == 302


def headlines(client, profile) -> list[str]:
    """The timeline's entries, newest first, as the page words them."""
    response = client.get(url(profile))
    assert response.status_code == 200
    return [entry.headline for entry in response.context["entries"]]


def numbered(profile) -> list[Citation]:
    """The profile's footnotes in reading order: numbered[0] is footnote [1]."""
    numbers = footnote_numbers(profile)
    return sorted(Citation.objects.filter(pk__in=numbers), key=lambda c: numbers[c.pk])


class EntryWordingTests:
    def test_a_verification_names_the_footnote(self, published_mali, editor_client, checker):
        citation_review(citation=numbered(published_mali)[3], reviewer=checker, state="verified")

        assert headlines(editor_client, published_mali)[0] == "Verified footnote [4]"

    def test_a_dispute_names_the_footnote_and_quotes_the_note(
        self, published_mali, editor_client, checker
    ):
        citation = numbered(published_mali)[2]
        citation_review(
            citation=citation, reviewer=checker, state="disputed", note="Wrong date: 2013."
        )

        page = editor_client.get(url(published_mali))

        assert page.context["entries"][0].headline == "Disputed footnote [3]: ‘Wrong date: 2013.’"
        assert "Disputed footnote [3]" in page.content.decode()

    def test_several_reviews_in_one_change_set_are_listed_by_verdict(
        self, published_mali, editor_client, checker
    ):
        first, second, third = numbered(published_mali)[:3]
        citations_review(citations=[first, third], reviewer=checker, state="verified")

        assert headlines(editor_client, published_mali)[0] == "Verified footnotes [1] and [3]"

    def test_a_publication_names_its_edition_and_note(
        self, published_mali, editor_client, publisher_client
    ):
        edit_two_claims(editor_client, published_mali)
        profile_publish(
            profile=published_mali, user=publisher_client.user, note="Updated for 2026."
        )

        assert headlines(editor_client, published_mali)[:2] == [
            "Published edition 2 — Updated for 2026.",
            "Edited 2 claims in Policy",
        ]

    def test_a_withdrawal_says_so(self, published_mali, editor_client, publisher_client):
        profile_withdraw(profile=published_mali, user=publisher_client.user)

        assert headlines(editor_client, published_mali)[0] == "Withdrawn from the public site"

    def test_an_import_names_its_file_and_counts_what_it_added(self, published_mali, editor_client):
        entry = editor_client.get(url(published_mali)).context["entries"][-1]

        assert entry.headline == "Imported mali-cluster-munition-ban-policy.txt"
        assert entry.details[0].startswith("Added ")
        assert f"{len(footnote_numbers(published_mali))} footnotes" in entry.details[0]
        assert entry.details[0].endswith("; published edition 1")

    def test_an_editors_save_of_a_reviewed_footnote_is_an_edit_with_the_reset_after_it(
        self, published_mali, editor_client, checker
    ):
        citation = numbered(published_mali)[3]
        citation_review(citation=citation, reviewer=checker, state="verified")
        page = f"/admin/citations/citation/{citation.pk}/change/"
        data = changeform_data(editor_client.get(page), {"text": citation.text + " Amended."})
        assert editor_client.post(page, data).status_code == 302

        newest = headlines(editor_client, published_mali)[0]

        assert newest == "Edited footnote [4]; its review was reset"

    def test_a_claims_edit_that_resets_a_review_names_both(
        self, published_mali, editor_client, checker
    ):
        claim = next(claim for claim in policy_claims(published_mali) if claim.citations.exists())
        citation = claim.citations.first()
        citation_review(citation=citation, reviewer=checker, state="verified")
        number = footnote_numbers(published_mali)[citation.pk]
        with change_set(action="edit", user=editor_client.user):
            claim.text += " Amended."
            claim.save()

        assert headlines(editor_client, published_mali)[0] == (
            f"Edited a claim in Policy; the review of footnote [{number}] was reset"
        )

    def test_a_revert_says_what_it_went_back_to_without_seconds(
        self, published_mali, editor_client, publisher_client
    ):
        edit_two_claims(editor_client, published_mali)
        mistake = ChangeSet.objects.first()
        change_set_revert(change_set=mistake, profile=published_mali, user=publisher_client.user)

        entry = editor_client.get(url(published_mali)).context["entries"][0]

        assert entry.headline.startswith(f"Reverted change set #{mistake.pk}")
        assert not re.search(r"\d\d:\d\d:\d\d", entry.headline)
        assert entry.details == ["Edited 2 claims in Policy"]

    def test_dates_are_shown_without_seconds(self, published_mali, editor_client):
        page = editor_client.get(url(published_mali, "at/", when=timezone.now().isoformat()))

        title = page.context["title"]
        assert re.search(r"as it stood on \d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d$", title)


class CompareChoiceTests:
    def test_each_change_set_offers_from_and_to_without_typed_times(
        self, published_mali, editor_client
    ):
        edit_two_claims(editor_client, published_mali)
        newer, older = ChangeSet.objects.order_by("-pk")[:2]

        page = editor_client.get(url(published_mali)).content.decode()

        assert 'type="datetime-local"' not in page
        assert f'name="to" value="{newer.pk}" checked' in page
        assert f'name="from" value="{older.pk}" checked' in page

    def test_picking_two_change_sets_compares_the_profile_just_after_each(
        self, published_mali, editor_client, checker
    ):
        imported = ChangeSet.objects.get()
        edit_two_claims(editor_client, published_mali)
        citation_review(citation=numbered(published_mali)[0], reviewer=checker, state="verified")
        reviewed = ChangeSet.objects.first()

        response = editor_client.get(
            url(published_mali, "compare/", **{"from": imported.pk, "to": reviewed.pk})
        )

        page = response.content.decode()
        assert response.status_code == 200
        assert "<ins>early </ins>" in page
        assert response.context["old_label"].startswith(
            "just after “Imported mali-cluster-munition-ban-policy.txt”"
        )
        assert response.context["new_label"].startswith("just after “Verified footnote [1]”")

    def test_picking_them_newest_first_compares_the_same_way(self, published_mali, editor_client):
        imported = ChangeSet.objects.get()
        edit_two_claims(editor_client, published_mali)
        edited = ChangeSet.objects.first()

        response = editor_client.get(
            url(published_mali, "compare/", **{"from": edited.pk, "to": imported.pk})
        )

        assert "<ins>early </ins>" in response.content.decode()

    def test_picking_one_change_set_twice_shows_what_it_changed(
        self, published_mali, editor_client
    ):
        edit_two_claims(editor_client, published_mali)
        edited = ChangeSet.objects.first()

        response = editor_client.get(
            url(published_mali, "compare/", **{"from": edited.pk, "to": edited.pk})
        )

        assert response.status_code == 302
        assert response.url == url(published_mali, "change-sets/", edited.pk, "compare")

    def test_a_change_set_of_another_profile_is_refused(self, published_mali, editor_client):
        imported = ChangeSet.objects.get()
        other = make_claim().history.get().change_set

        response = editor_client.get(
            url(published_mali, "compare/", **{"from": other.pk, "to": imported.pk})
        )

        assert response.status_code == 302
        assert response.url == url(published_mali)

    def test_comparing_without_a_choice_goes_back_with_a_message(
        self, published_mali, editor_client
    ):
        response = editor_client.get(url(published_mali, "compare/"), follow=True)

        assert response.redirect_chain[-1][0] == url(published_mali)
        assert "Choose two change sets to compare" in response.content.decode()

    def test_comparing_change_sets_runs_a_fixed_number_of_queries(
        self, published_mali, editor_client, checker
    ):
        imported = ChangeSet.objects.get()

        def compare_newest():
            newest = ChangeSet.objects.first()
            return count_queries(
                editor_client,
                url(published_mali, "compare/", **{"from": imported.pk, "to": newest.pk}),
            )

        edit_two_claims(editor_client, published_mali)
        few = compare_newest()
        for citation in numbered(published_mali)[:10]:
            citation_review(citation=citation, reviewer=checker, state="verified")
        edit_two_claims(editor_client, published_mali)

        assert compare_newest() == few


class TimelineQueryTests:
    def test_the_words_of_the_entries_cost_no_query_per_entry(
        self, published_mali, editor_client, checker, publisher_client
    ):
        edit_two_claims(editor_client, published_mali)
        few = count_queries(editor_client, url(published_mali))
        for number, citation in enumerate(numbered(published_mali)[:8]):
            state = "disputed" if number % 2 else "verified"
            citation_review(citation=citation, reviewer=checker, state=state, note="A note.")
        for citation in numbered(published_mali)[:8]:
            citation_review(citation=citation, reviewer=checker, state="verified")
        profile_publish(profile=published_mali, user=publisher_client.user, note="Again.")
        profile_withdraw(profile=published_mali, user=publisher_client.user)

        assert count_queries(editor_client, url(published_mali)) == few


def edits(profile, user, number: int) -> list[ChangeSet]:
    """Edit the profile's first claim `number` times, a change set each; return them, newest
    first."""
    claim = policy_claims(profile)[0]
    for count in range(number):
        with change_set(action="edit", user=user):
            claim.text = f"Edit number {count}."
            claim.save()
    return list(ChangeSet.objects.order_by("-created_at", "-pk")[:number])


class TimelinePagesTests:
    """The timeline is read a page at a time, by key along the ProfileChangeSet index."""

    def test_older_pages_follow_on_without_gaps_or_repeats(self, published_mali, editor_client):
        newest_first = [*edits(published_mali, editor_client.user, 44), ChangeSet.objects.last()]

        shown, address = [], url(published_mali)
        while address:
            response = editor_client.get(address)
            shown.append([entry.change_set.pk for entry in response.context["entries"]])
            address = response.context["older_url"]

        assert [len(page) for page in shown] == [20, 20, 5]
        assert [pk for page in shown for pk in page] == [cs.pk for cs in newest_first]

    def test_newer_reads_back_and_past_the_newest_goes_to_the_first_page(
        self, published_mali, editor_client
    ):
        newest_first = [*edits(published_mali, editor_client.user, 44), ChangeSet.objects.last()]
        third = editor_client.get(url(published_mali, before=newest_first[39].pk))

        second = editor_client.get(third.context["newer_url"])
        past = editor_client.get(second.context["newer_url"])

        assert [e.change_set.pk for e in third.context["entries"]] == [
            cs.pk for cs in newest_first[40:]
        ]
        assert [e.change_set.pk for e in second.context["entries"]] == [
            cs.pk for cs in newest_first[20:40]
        ]
        assert past.status_code == 302
        assert past.url == url(published_mali)

    def test_only_the_first_page_picks_two_change_sets_to_compare(
        self, published_mali, editor_client
    ):
        newest_first = edits(published_mali, editor_client.user, 24)

        first = editor_client.get(url(published_mali)).content.decode()
        second = editor_client.get(url(published_mali, before=newest_first[19].pk))

        assert f'name="to" value="{newest_first[0].pk}" checked' in first
        assert f'name="from" value="{newest_first[1].pk}" checked' in first
        assert " checked" not in second.content.decode()
        assert 'rel="prev"' in second.content.decode()

    def test_a_cursor_that_is_no_change_set_of_the_timeline_shows_none(
        self, published_mali, editor_client
    ):
        other = make_claim().history.get().change_set

        response = editor_client.get(url(published_mali, before=other.pk))

        assert response.status_code == 200
        assert response.context["entries"] == []


class TimelineRecordsTests:
    """The records of a page of change sets are read with SQL of the timeline's own
    (profiles.timeline.history_records): it finds what the ORM's conditions find."""

    def test_the_records_within_the_profile_are_those_the_orm_finds(
        self, published_mali, editor_client
    ):
        # One change set writing within Mali and within another profile, through a source
        # they share.
        mali_citation = numbered(published_mali)[0]
        source = mali_citation.sources.first()
        with change_set(action="edit", user=editor_client.user):
            other = make_citation()
            make_citation_source(citation=other, source=source)
            source.title += " (amended)"
            source.save()
            claim = policy_claims(published_mali)[0]
            claim.text += " Amended."
            claim.save()
            other.claim.text += " Amended."
            other.claim.save()
        change_sets = list(profile_change_sets(published_mali))
        scopes = _scopes(published_mali.pk)

        for name, model in HISTORY_MODELS.items():
            for change_set_row in change_sets:
                found = history_records(published_mali.pk, [change_set_row.pk])[name]
                expected = (
                    history_model(model)
                    .objects.filter(scopes[name], change_set=change_set_row)
                    .order_by("history_date", "history_id")
                )
                assert [f.record.id for f in found] == [r.id for r in expected[:RECORDS_SHOWN]], (
                    name,
                    change_set_row,
                )
                assert {f.in_set for f in found} <= {expected.count()}

    def test_the_fields_changed_are_those_that_differ_from_the_record_before(
        self, published_mali, editor_client, checker
    ):
        edit_two_claims(editor_client, published_mali)
        citation_review(citation=numbered(published_mali)[2], reviewer=checker, state="verified")
        profile_publish(profile=published_mali, note="Again.")
        ids = [change_set_row.pk for change_set_row in profile_change_sets(published_mali)]

        described = history_records(published_mali.pk, ids)
        whole = history_records(published_mali.pk, ids, whole=True)

        for name, model in HISTORY_MODELS.items():
            assert [f.record.id for f in described[name]] == [f.record.id for f in whole[name]]
            assert [f.changed for f in described[name]] == [f.changed for f in whole[name]]
            for found in whole[name]:
                if found.previous is not None:
                    assert found.changed == {
                        attname
                        for attname in tracked_fields(model)
                        if getattr(found.previous, attname) != getattr(found.record, attname)
                    }

    def test_the_records_are_read_in_a_query_a_model(self, published_mali):
        ids = [change_set_row.pk for change_set_row in profile_change_sets(published_mali)]

        with CaptureQueriesContext(connection) as queries:
            found = history_records(published_mali.pk, ids)

        assert len(queries) == len(HISTORY_MODELS)
        assert {name for name, records in found.items() if records} == set(HISTORY_MODELS)
