import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from profiles.admin import CountryAdmin
from profiles.models import Claim, Country, Profile, Section, Topic, Treaty, TreatyStatus
from profiles.publishing import profile_publish
from tests.factories import (
    changeform_data,
    make_citation,
    make_citation_source,
    make_claim,
    make_country,
    make_profile,
    make_section,
    make_topic,
    make_treaty,
    make_treaty_status,
    make_tree,
)
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    """A claim in a profile's section, with a footnote citing a source."""
    claim = make_claim(text="Testland ratified the convention.")
    make_citation_source(citation=make_citation(claim=claim, text="Statement of Testland."))
    make_treaty_status(country=claim.section.profile.country)
    return claim


def objects_of_every_model(claim):
    profile = claim.section.profile
    return [
        profile.country,
        TreatyStatus.objects.get(),
        TreatyStatus.objects.get().treaty,
        profile.topic,
        profile,
        claim.section,
        claim,
    ]


class PagesTests:
    @pytest.mark.parametrize(
        "model", [Country, Treaty, TreatyStatus, Topic, Profile, Section, Claim]
    )
    def test_changelist_and_add_pages_load(self, admin_client, claim, model):
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        assert admin_client.get(admin_url(model, "add")).status_code == 200

    def test_change_and_history_pages_load(self, admin_client, claim):
        for obj in objects_of_every_model(claim):
            assert admin_client.get(admin_url(obj)).status_code == 200, obj
            assert admin_client.get(admin_url(obj, "history")).status_code == 200, obj

    @pytest.mark.parametrize(
        "model", [Country, Treaty, TreatyStatus, Topic, Profile, Section, Claim]
    )
    def test_changelist_queries_do_not_grow_with_rows(self, admin_client, claim, model):
        url = admin_url(model, "changelist")
        few = count_queries(admin_client, url)
        for number in range(3):
            make_tree(number)

        assert count_queries(admin_client, url) == few

    @pytest.mark.parametrize("model", [Country, TreatyStatus, Profile, Section, Claim])
    def test_history_queries_do_not_grow_with_records(self, admin_client, claim, model):
        obj = model.objects.first()
        url = admin_url(obj, "history")
        few = count_queries(admin_client, url)
        for _ in range(3):
            obj.save()

        assert count_queries(admin_client, url) == few

    def test_changelist_search_and_filters_work(self, admin_client, claim):
        url = admin_url(Profile, "changelist")
        response = admin_client.get(url, {"q": "Testland", "country__region__exact": ""})
        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [claim.section.profile]

    def test_profile_list_counts_sections_and_claims(self, admin_client, claim):
        make_claim(section=make_section(profile=claim.section.profile))

        response = admin_client.get(admin_url(Profile, "changelist"))

        profile = response.context["cl"].result_list[0]
        assert (profile.section_count, profile.claim_count) == (2, 2)

    def test_profile_list_links_each_profile_to_its_editor(self, admin_client, claim):
        profile = claim.section.profile

        page = admin_client.get(admin_url(Profile, "changelist")).content.decode()

        editor = reverse("admin:profiles_profile_editor", args=[profile.pk])
        assert f'<a href="{editor}">Open the editor</a>' in page
        assert f'<a href="{admin_url(profile)}">{profile.country}</a>' in page

    def test_claim_and_section_lists_name_each_rows_profile(self, admin_client, claim):
        profile = claim.section.profile
        for model in (Claim, Section):
            response = admin_client.get(admin_url(model, "changelist"))

            assert '<td class="field-profile' in response.content.decode()
            assert str(profile) in response.content.decode(), model

    def test_sections_are_listed_by_profile_then_position_unless_sorted(self, admin_client):
        first = make_section(profile=make_profile(country=make_country("Zetaland")))
        second = make_section(profile=first.profile)
        third = make_section(profile=make_profile(country=make_country("Alphaland")))
        url = admin_url(Section, "changelist")

        listed = list(admin_client.get(url).context["cl"].result_list)
        by_profile = list(admin_client.get(url, {"o": "2"}).context["cl"].result_list)

        assert listed == [first, second, third]  # the (profile, position) index's order
        assert by_profile[0] == third  # Alphaland's, sorted by the profile column


class HistoryTests:
    def test_admin_edit_records_the_user_and_the_changed_fields(self, admin_client, admin_user):
        country = make_country(region=Country.Region.AFRICA)
        form = admin_client.get(admin_url(country))
        data = changeform_data(
            form, {"official_name": "Republic of Testland", "region": "americas"}
        )

        response = admin_client.post(admin_url(country), data)

        assert response.status_code == 302
        record = country.history.latest()
        assert record.history_user == admin_user
        assert record.history_change_reason == "Edited in the admin"
        assert record.official_name == "Republic of Testland"
        page = admin_client.get(admin_url(country, "history")).content.decode()
        assert admin_user.username in page
        assert "Official name" in page
        assert "Republic of Testland" in page
        # Choices are shown by their labels.
        assert "Africa" in page
        assert "Americas" in page

    def test_reverting_to_an_earlier_version(self, admin_client, admin_user):
        country = make_country(official_name="Republic of Testland")
        first = country.history.get()
        country.official_name = "Kingdom of Testland"
        country.save()
        url = reverse("admin:profiles_country_simple_history", args=[country.pk, first.pk])

        response = admin_client.post(url, changeform_data(admin_client.get(url)))

        assert response.status_code == 302
        country.refresh_from_db()
        assert country.official_name == "Republic of Testland"
        record = country.history.latest()
        assert (record.history_user, record.history_change_reason) == (
            admin_user,
            "Reverted in the admin",
        )

    def test_profile_edit_shows_in_its_history(self, admin_client, admin_user, claim):
        profile = claim.section.profile
        data = changeform_data(admin_client.get(admin_url(profile)), {"last_updated": "2017-01-05"})

        assert admin_client.post(admin_url(profile), data).status_code == 302

        assert profile.history.latest().history_user == admin_user
        page = admin_client.get(admin_url(profile, "history")).content.decode()
        assert "Last updated" in page
        assert "5 January 2017" in page

    def test_every_row_shows_its_changes_even_the_last_on_a_page(self, admin_client, monkeypatch):
        monkeypatch.setattr(CountryAdmin, "history_list_per_page", 2)
        country = make_country()
        for name in ["Republic of Testland", "Kingdom of Testland"]:
            country.official_name = name
            country.save()

        response = admin_client.get(admin_url(country, "history"))

        records = list(response.context["page_obj"])
        assert len(records) == 2
        assert [change["field"] for change in records[1].history_delta_changes] == ["Official name"]

    def test_history_page_queries_do_not_grow_with_records(self, admin_client, claim):
        profile = claim.section.profile
        url = admin_url(profile, "history")
        few = count_queries(admin_client, url)
        for day in range(1, 6):
            profile.last_updated = datetime.date(2020, 1, day)
            profile.save()

        assert count_queries(admin_client, url) == few

    def test_history_page_names_editions_without_reading_their_snapshots(
        self, admin_client, admin_user, claim
    ):
        profile = claim.section.profile
        profile_publish(profile=profile, user=admin_user)

        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get(admin_url(profile, "history")).content.decode()

        assert "Latest publication:</strong> — → edition 1" in " ".join(page.split())
        assert not [query for query in queries if '"snapshot"' in query["sql"]]


def section_form(response, section):
    """Return the prefix of section's row in the profile change form."""
    formset = response.context["inline_admin_formsets"][0].formset
    (form,) = [form for form in formset.forms if form.instance.pk == section.pk]
    return form.prefix


class SectionOrderTests:
    def test_swapping_two_positions_saves_one_history_record_per_section(
        self, admin_client, admin_user
    ):
        profile = make_profile()
        policy = make_section(profile=profile, heading="Policy")
        use = make_section(profile=profile, heading="Use")
        form = admin_client.get(admin_url(profile))
        data = changeform_data(
            form,
            {
                f"{section_form(form, policy)}-position": 2,
                f"{section_form(form, use)}-position": 1,
            },
        )

        response = admin_client.post(admin_url(profile), data)

        assert response.status_code == 302
        assert list(profile.sections.order_by("position")) == [use, policy]
        for section, position in [(policy, 2), (use, 1)]:
            records = section.history.all()
            assert len(records) == 2  # created, then moved once
            assert records[0].position == position
            assert records[0].history_user == admin_user
            assert (
                records[0].history_change_reason == f"Edited in the admin from profile “{profile}”"
            )

    def test_duplicate_positions_are_a_form_error(self, admin_client):
        profile = make_profile()
        policy = make_section(profile=profile, heading="Policy")
        make_section(profile=profile, heading="Use")
        form = admin_client.get(admin_url(profile))
        data = changeform_data(form, {f"{section_form(form, policy)}-position": 2})

        response = admin_client.post(admin_url(profile), data)

        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        assert "Two sections have the same position" in str(formset.non_form_errors())
        assert list(profile.sections.values_list("heading", "position")) == [
            ("Policy", 1),
            ("Use", 2),
        ]

    def test_shifting_every_row_to_insert_one_at_the_top(self, admin_client):
        profile = make_profile()
        sections = [make_section(profile=profile, heading=h) for h in ["A", "B", "C"]]
        form = admin_client.get(admin_url(profile))
        changes = {f"{section_form(form, s)}-position": s.position + 1 for s in sections}
        changes.update({"sections-3-heading": "New", "sections-3-position": 1})

        response = admin_client.post(admin_url(profile), changeform_data(form, changes))

        assert response.status_code == 302
        assert list(profile.sections.values_list("heading", flat=True)) == ["New", "A", "B", "C"]

    def test_a_new_row_without_position_goes_last(self, admin_client):
        profile = make_profile()
        make_section(profile=profile, heading="Policy")
        form = admin_client.get(admin_url(profile))
        data = changeform_data(form, {"sections-1-heading": "Stockpiling"})

        assert admin_client.post(admin_url(profile), data).status_code == 302

        assert list(profile.sections.values_list("heading", "position")) == [
            ("Policy", 1),
            ("Stockpiling", 2),
        ]

    def test_adding_a_profile_with_sections_numbers_them(self, admin_client):
        form = admin_client.get(admin_url(Profile, "add"))
        data = changeform_data(
            form,
            {
                "country": make_country().pk,
                "topic": make_topic().pk,
                "last_updated": "2016-06-07",
                "sections-TOTAL_FORMS": 2,
                "sections-0-kind": "summary",
                "sections-1-heading": "Policy",
                "sections-1-kind": "body",
                "sections-1-level": 1,
            },
        )

        assert admin_client.post(admin_url(Profile, "add"), data).status_code == 302

        profile = Profile.objects.get(country=make_country(), topic=make_topic())
        assert list(profile.sections.values_list("kind", "heading", "position")) == [
            ("summary", "", 1),
            ("body", "Policy", 2),
        ]

    def test_a_row_may_take_the_position_of_a_deleted_one(self, admin_client):
        profile = make_profile()
        policy = make_section(profile=profile, heading="Policy")
        use = make_section(profile=profile, heading="Use")
        form = admin_client.get(admin_url(profile))
        data = changeform_data(
            form,
            {
                f"{section_form(form, use)}-position": 1,
                f"{section_form(form, policy)}-DELETE": "on",
            },
        )

        assert admin_client.post(admin_url(profile), data).status_code == 302

        assert list(profile.sections.values_list("heading", "position")) == [("Use", 1)]

    def test_claims_swap_inside_a_section(self, admin_client):
        section = make_section()
        first = make_claim(section=section, text="First.")
        second = make_claim(section=section, text="Second.")
        form = admin_client.get(admin_url(section))
        data = changeform_data(form, {"claims-0-position": 2, "claims-1-position": 1})

        assert admin_client.post(admin_url(section), data).status_code == 302

        assert list(section.claims.all()) == [second, first]
        assert first.history.count() == second.history.count() == 2


class ProfilePageTests:
    def test_view_on_site_links_to_the_draft_preview_until_published(self, admin_client):
        profile = make_profile(
            country=make_country("Testland"), topic=make_topic("Test Topic Policy")
        )
        make_section(profile=profile)

        draft = admin_client.get(admin_url(profile)).content.decode()
        profile_publish(profile=profile)
        public = admin_client.get(admin_url(profile)).content.decode()

        assert 'href="/countries/testland/test-topic-policy/draft/"' in draft
        assert 'href="/countries/testland/test-topic-policy/"' in public

    def test_sections_are_listed_in_order_with_claim_counts_and_links(self, admin_client):
        profile = make_profile()
        later = make_section(profile=profile, heading="Use", position=2)
        make_claim(section=later)
        earlier = make_section(profile=profile, heading="Policy", position=1)

        response = admin_client.get(admin_url(profile))

        formset = response.context["inline_admin_formsets"][0].formset
        assert [form.instance for form in formset.initial_forms] == [earlier, later]
        page = response.content.decode()
        assert f'href="{admin_url(later)}">Edit section →' in page

    def test_status_box_must_be_label_value_pairs(self, admin_client):
        profile = make_profile()
        form = admin_client.get(admin_url(profile))
        data = changeform_data(form, {"status_box": '["State Party"]'})

        response = admin_client.post(admin_url(profile), data)

        assert response.status_code == 200
        assert "status_box" in response.context["adminform"].form.errors

    def test_status_box_is_shown_one_pair_a_line_and_saved_back(self, admin_client):
        rows = [["Convention status", "State Party"], ["Key developments", "Report, 2012"]]
        profile = make_profile(status_box=rows)
        form = admin_client.get(admin_url(profile))

        assert admin_client.post(admin_url(profile), changeform_data(form)).status_code == 302

        profile.refresh_from_db()
        assert profile.status_box == rows

    def test_change_page_queries_do_not_grow_with_sections(self, admin_client):
        profile = make_profile()
        make_claim(section=make_section(profile=profile))
        few = count_queries(admin_client, admin_url(profile))
        for _ in range(5):
            make_claim(section=make_section(profile=profile))

        assert count_queries(admin_client, admin_url(profile)) == few

    def test_changelist_queries_do_not_grow_with_profiles(self, admin_client):
        make_claim()
        url = admin_url(Profile, "changelist")
        few = count_queries(admin_client, url)
        for number in range(5):
            make_claim(section=make_section(profile=make_profile(topic=make_topic(f"T{number}"))))

        assert count_queries(admin_client, url) == few


class SectionPageTests:
    def test_claims_are_listed_in_order_with_their_footnotes(self, admin_client):
        section = make_section()
        second = make_claim(section=section, position=2, text="It never used them.")
        make_citation(claim=second, text="Interview with the Testland army, 2014.")
        first = make_claim(section=section, position=1, text="Testland signed it.")
        make_citation(claim=first, text="Statement of Testland, 2013.")

        page = admin_client.get(admin_url(section)).content.decode()

        positions = [
            page.index(text)
            for text in [
                "Testland signed it.",
                "Statement of Testland, 2013.",
                "It never used them.",
                "Interview with the Testland army, 2014.",
            ]
        ]
        assert positions == sorted(positions)
        assert f'href="{admin_url(section.profile)}"' in page

    def test_change_page_queries_do_not_grow_with_claims(self, admin_client):
        section = make_section()
        make_citation(claim=make_claim(section=section))
        few = count_queries(admin_client, admin_url(section))
        for _ in range(5):
            claim = make_claim(section=section)
            make_citation(claim=claim)
            make_citation(claim=claim)

        assert count_queries(admin_client, admin_url(section)) == few


class ClaimPageTests:
    def test_change_page_shows_citations_and_their_sources(self, admin_client, claim):
        page = admin_client.get(admin_url(claim)).content.decode()

        assert "Statement of Testland." in page
        assert "Opening statement" in page  # the source's title
        assert f'href="{admin_url(claim.section)}"' in page

    def test_editing_a_claim_keeps_its_layout_white_space(self, admin_client):
        claim = make_claim(separator="  ")
        form = admin_client.get(admin_url(claim))
        assert "separator" not in form.context["adminform"].form.fields

        data = changeform_data(form, {"text": "Testland acceded to the convention."})
        assert admin_client.post(admin_url(claim), data).status_code == 302

        claim.refresh_from_db()
        assert (claim.text, claim.separator) == ("Testland acceded to the convention.", "  ")

    def test_change_page_queries_do_not_grow_with_citations(self, admin_client, claim):
        few = count_queries(admin_client, admin_url(claim))
        for _ in range(4):
            make_citation_source(citation=make_citation(claim=claim))

        assert count_queries(admin_client, admin_url(claim)) == few


class TreatyPageTests:
    def test_treaty_page_queries_do_not_grow_with_countries(self, admin_client):
        treaty = make_treaty()
        make_treaty_status(treaty=treaty, country=make_country("Testland"))
        few = count_queries(admin_client, admin_url(treaty))
        for number in range(5):
            make_treaty_status(treaty=treaty, country=make_country(f"Testland {number}"))

        assert count_queries(admin_client, admin_url(treaty)) == few

    def test_treaty_page_shows_each_rows_country(self, admin_client):
        treaty = make_treaty()
        country = make_country("Testland")
        make_treaty_status(treaty=treaty, country=country)

        page = admin_client.get(admin_url(treaty)).content.decode()

        assert f'<option value="{country.pk}" selected>Testland</option>' in page


def test_profile_country_autocomplete(admin_client):
    country = make_country("Maravia")

    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "profiles", "model_name": "profile", "field_name": "country", "term": "Ma"},
    )

    assert response.status_code == 200
    assert {"id": str(country.pk), "text": "Maravia"} in response.json()["results"]
