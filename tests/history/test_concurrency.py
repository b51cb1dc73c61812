"""No lost edits: two editors open the same page and both save; the second save is refused,
shows what the first changed, and saving again keeps both edits."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from history.forms import VERSION_FIELD
from profiles.models import Claim, Section, TreatyStatus
from profiles.roles import EDITORS, FACT_CHECKERS
from tests.factories import (
    changeform_data,
    make_citation,
    make_claim,
    make_member,
    make_profile,
    make_section,
    make_treaty_status,
)
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(client_for) -> Client:
    return client_for(EDITORS, "ana")


@pytest.fixture
def ben(client_for) -> Client:
    return client_for(EDITORS, "ben")


def errors(response) -> str:
    """Return the errors of the re-rendered form and its inlines, as the page shows them."""
    parts = [str(response.context["adminform"].form.non_field_errors())]
    for inline in response.context["inline_admin_formsets"]:
        parts.append(str(inline.formset.non_form_errors()))
    return "\n".join(parts)


def row_prefix(response, obj) -> str:
    """Return the prefix of obj's row in the first inline of the change form in response."""
    formset = response.context["inline_admin_formsets"][0].formset
    (form,) = [form for form in formset.forms if form.instance.pk == obj.pk]
    return form.prefix


def shown(response, name: str):
    """Return the value a field of the main form shows on the re-rendered page."""
    return response.context["adminform"].form[name].value()


class ClaimTests:
    def test_a_stale_save_is_refused_and_shows_the_other_change(self, ana, ben):
        claim = make_claim(text="Testland signed the convention.")
        ana_form, ben_form = ana.get(admin_url(claim)), ben.get(admin_url(claim))
        ana_data = changeform_data(ana_form, {"text": "Testland ratified the convention."})
        assert ana.post(admin_url(claim), ana_data).status_code == 302

        ben_data = changeform_data(ben_form, {"text": "Testland acceded to the convention."})
        response = ben.post(admin_url(claim), ben_data)

        assert response.status_code == 200
        message = errors(response)
        assert "ana on " in message
        assert "changed this claim after you opened this page" in message
        assert "Text: “Testland signed the convention.” → “Testland ratified the convention.”" in (
            message
        )
        assert "You both changed Text: the form keeps yours." in message
        assert "Nothing was saved" in message
        claim.refresh_from_db()
        assert claim.text == "Testland ratified the convention."
        assert shown(response, "text") == "Testland acceded to the convention."
        assert "Testland acceded to the convention." in response.content.decode()

    def test_saving_again_after_a_refusal_keeps_both_edits(self, ana, ben):
        claim = make_claim(text="Testland signed the convention.", paragraph=1)
        ana_form, ben_form = ana.get(admin_url(claim)), ben.get(admin_url(claim))
        ana_data = changeform_data(ana_form, {"text": "Testland ratified the convention."})
        assert ana.post(admin_url(claim), ana_data).status_code == 302
        refused = ben.post(admin_url(claim), changeform_data(ben_form, {"paragraph": 2}))
        assert refused.status_code == 200

        # The form now shows ana's text with ben's paragraph, at the current version.
        assert shown(refused, "text") == "Testland ratified the convention."
        assert str(shown(refused, "paragraph")) == "2"
        assert shown(refused, VERSION_FIELD) == claim.history.latest().history_id
        response = ben.post(admin_url(claim), changeform_data(refused))

        assert response.status_code == 302
        claim.refresh_from_db()
        assert (claim.text, claim.paragraph) == ("Testland ratified the convention.", 2)
        assert [record.history_user.username for record in claim.history.all()[:2]] == [
            "ben",
            "ana",
        ]

    def test_a_change_to_a_field_the_form_does_not_edit_is_no_conflict(self, ben):
        claim = make_claim(separator=" ")
        form = ben.get(admin_url(claim))
        claim.separator = "  "  # the importer's layout white space; not on the form
        claim.save()

        response = ben.post(admin_url(claim), changeform_data(form, {"paragraph": 3}))

        assert response.status_code == 302
        claim.refresh_from_db()
        assert (claim.paragraph, claim.separator) == (3, "  ")

    def test_a_stale_citation_row_is_refused(self, ana, ben):
        claim = make_claim()
        citation = make_citation(claim=claim, text="Statement of Testland, 2013.")
        ana_form, ben_form = ana.get(admin_url(claim)), ben.get(admin_url(claim))
        prefix = row_prefix(ana_form, citation)
        ana_data = changeform_data(ana_form, {f"{prefix}-text": "Statement of Testland, 2014."})
        assert ana.post(admin_url(claim), ana_data).status_code == 302

        ben_data = changeform_data(ben_form, {f"{prefix}-text": "Letter from Testland, 2013."})
        response = ben.post(admin_url(claim), ben_data)

        assert response.status_code == 200
        assert "“Statement of Testland, 2013.” → “Statement of Testland, 2014.”" in errors(response)
        citation.refresh_from_db()
        assert citation.text == "Statement of Testland, 2014."


class ProfileSectionsTests:
    @pytest.fixture
    def profile(self):
        profile = make_profile()
        make_section(profile=profile, heading="Policy")
        make_section(profile=profile, heading="Use")
        return profile

    def test_a_stale_row_edit_is_refused_and_shows_the_other_change(self, ana, ben, profile):
        use = profile.sections.get(heading="Use")
        ana_form, ben_form = ana.get(admin_url(profile)), ben.get(admin_url(profile))
        prefix = row_prefix(ana_form, use)
        ana_data = changeform_data(ana_form, {f"{prefix}-heading": "Use of cluster munitions"})
        assert ana.post(admin_url(profile), ana_data).status_code == 302

        ben_data = changeform_data(ben_form, {f"{prefix}-heading": "Use and production"})
        response = ben.post(admin_url(profile), ben_data)

        assert response.status_code == 200
        message = errors(response)
        assert "Section “Use”: ana on " in message
        assert "Heading: “Use” → “Use of cluster munitions”" in message
        assert "You both changed Heading" in message
        assert "Someone else changed the sections after you opened this page" in (
            response.content.decode()
        )
        use.refresh_from_db()
        assert use.heading == "Use of cluster munitions"
        assert 'value="Use and production"' in response.content.decode()

    def test_a_row_changed_by_another_is_merged_into_the_form(self, ana, ben, profile):
        policy, use = profile.sections.order_by("position")
        ana_form, ben_form = ana.get(admin_url(profile)), ben.get(admin_url(profile))
        use_prefix, policy_prefix = row_prefix(ana_form, use), row_prefix(ben_form, policy)
        ana_data = changeform_data(ana_form, {f"{use_prefix}-heading": "Use of munitions"})
        assert ana.post(admin_url(profile), ana_data).status_code == 302

        # ben edited another row, but his page still shows ana's row as it was.
        ben_data = changeform_data(ben_form, {f"{policy_prefix}-heading": "Ban policy"})
        refused = ben.post(admin_url(profile), ben_data)
        assert refused.status_code == 200
        assert "Heading: “Use” → “Use of munitions”" in errors(refused)
        response = ben.post(admin_url(profile), changeform_data(refused))

        assert response.status_code == 302
        assert list(profile.sections.values_list("heading", flat=True)) == [
            "Ban policy",
            "Use of munitions",
        ]

    def test_editing_a_row_deleted_by_another_is_refused(self, ana, ben, profile):
        policy, use = profile.sections.order_by("position")
        ana_form, ben_form = ana.get(admin_url(profile)), ben.get(admin_url(profile))
        ana_data = changeform_data(ana_form, {f"{row_prefix(ana_form, use)}-DELETE": "on"})
        assert ana.post(admin_url(profile), ana_data).status_code == 302

        ben_data = changeform_data(
            ben_form,
            {
                f"{row_prefix(ben_form, use)}-heading": "Use and production",
                f"{row_prefix(ben_form, policy)}-heading": "Ban policy",
            },
        )
        refused = ben.post(admin_url(profile), ben_data)

        assert refused.status_code == 200
        assert "Section “Use”: ana on " in errors(refused)
        assert "deleted it after you opened this page" in errors(refused)
        assert list(profile.sections.values_list("heading", flat=True)) == ["Policy"]
        # Saving again accepts the deletion and keeps ben's other edit.
        formset = refused.context["inline_admin_formsets"][0].formset
        assert [form["DELETE"].value() for form in formset.initial_forms] == [False, True]
        assert 'value="Use and production"' in refused.content.decode()
        response = ben.post(admin_url(profile), changeform_data(refused))
        assert response.status_code == 302
        assert list(profile.sections.values_list("heading", flat=True)) == ["Ban policy"]

    def test_a_row_added_by_another_is_shown_and_kept(self, ana, ben, profile):
        policy = profile.sections.get(heading="Policy")
        ana_form, ben_form = ana.get(admin_url(profile)), ben.get(admin_url(profile))
        ana_data = changeform_data(ana_form, {"sections-2-heading": "Stockpiling"})
        assert ana.post(admin_url(profile), ana_data).status_code == 302

        ben_data = changeform_data(
            ben_form,
            {f"{row_prefix(ben_form, policy)}-heading": "Ban policy", "sections-2-heading": "Use"},
        )
        refused = ben.post(admin_url(profile), ben_data)

        assert refused.status_code == 200
        assert "Section “Stockpiling”: ana on " in errors(refused)
        assert "added it after you opened this page" in errors(refused)
        response = ben.post(admin_url(profile), changeform_data(refused))
        assert response.status_code == 302
        # ben's new row goes after ana's.
        assert list(profile.sections.values_list("heading", "position")) == [
            ("Ban policy", 1),
            ("Use", 2),
            ("Stockpiling", 3),
            ("Use", 4),
        ]

    def test_a_position_taken_by_a_row_added_since_is_a_form_error(self, ana, ben, profile):
        ana_form, ben_form = ana.get(admin_url(profile)), ben.get(admin_url(profile))
        ana_data = changeform_data(ana_form, {"sections-2-heading": "Stockpiling"})
        assert ana.post(admin_url(profile), ana_data).status_code == 302
        ben_data = changeform_data(ben_form, {"sections-2-heading": "Transfer"})
        refused = ben.post(admin_url(profile), ben_data)
        assert refused.status_code == 200

        data = changeform_data(refused, {"sections-2-position": 3})
        response = ben.post(admin_url(profile), data)

        assert response.status_code == 200
        assert "Position 3 is taken by section “Stockpiling”" in errors(response)

    def test_a_stale_profile_save_is_refused(self, ana, ben, profile):
        ana_form, ben_form = ana.get(admin_url(profile)), ben.get(admin_url(profile))
        ana_data = changeform_data(ana_form, {"notes": "Check the 2014 figures."})
        assert ana.post(admin_url(profile), ana_data).status_code == 302

        response = ben.post(admin_url(profile), changeform_data(ben_form, {"notes": "Done."}))

        assert response.status_code == 200
        assert "Notes: — → “Check the 2014 figures.”" in errors(response)
        profile.refresh_from_db()
        assert profile.notes == "Check the 2014 figures."


class NoOpSaveTests:
    def test_saving_an_unchanged_claim_writes_no_history_record(self, ben):
        claim = make_claim()
        records = claim.history.count()

        response = ben.post(admin_url(claim), changeform_data(ben.get(admin_url(claim))))

        assert response.status_code == 302
        assert claim.history.count() == records

    def test_saving_an_unchanged_profile_writes_no_history_record(self, ben):
        profile = make_profile()
        section = make_section(profile=profile)
        records = profile.history.count(), section.history.count()

        response = ben.post(admin_url(profile), changeform_data(ben.get(admin_url(profile))))

        assert response.status_code == 302
        assert (profile.history.count(), section.history.count()) == records

    def test_reverting_to_the_current_version_writes_no_history_record(self, admin_client):
        claim = make_claim()
        url = reverse(
            "admin:profiles_claim_simple_history", args=[claim.pk, claim.history.get().pk]
        )

        response = admin_client.post(url, changeform_data(admin_client.get(url)))

        assert response.status_code == 302
        assert claim.history.count() == 1


class RevertTests:
    def test_a_stale_revert_is_refused_then_done_when_asked_again(self, admin_client, ana):
        claim = make_claim(text="First.")
        first = claim.history.get()
        claim.text = "Second."
        claim.save()
        url = reverse("admin:profiles_claim_simple_history", args=[claim.pk, first.pk])
        revert_form = admin_client.get(url)
        ana_form = ana.get(admin_url(claim))
        assert (
            ana.post(admin_url(claim), changeform_data(ana_form, {"text": "Third."})).status_code
            == 302
        )

        refused = admin_client.post(url, changeform_data(revert_form))

        assert refused.status_code == 200
        assert "“Second.” → “Third.”" in str(refused.context["adminform"].form.non_field_errors())
        assert Claim.objects.get().text == "Third."
        response = admin_client.post(url, changeform_data(refused))
        assert response.status_code == 302
        assert Claim.objects.get().text == "First."


def test_the_version_field_is_not_shown_to_those_who_only_view(client):
    viewer = make_member("viewer", FACT_CHECKERS)
    client.force_login(viewer)
    section = make_section()

    page = client.get(admin_url(section)).content.decode()

    assert "Opened version" not in page
    assert VERSION_FIELD not in page
    assert Section.objects.count() == 1


def test_rows_keep_their_own_objects_when_one_before_them_was_deleted(ana, ben):
    profile = make_profile()
    policy = make_section(profile=profile, heading="Policy")
    use = make_section(profile=profile, heading="Use")
    ana_form, ben_form = ana.get(admin_url(profile)), ben.get(admin_url(profile))
    ana_data = changeform_data(ana_form, {f"{row_prefix(ana_form, policy)}-DELETE": "on"})
    assert ana.post(admin_url(profile), ana_data).status_code == 302

    data = changeform_data(ben_form, {f"{row_prefix(ben_form, use)}-heading": "Use of munitions"})
    refused = ben.post(admin_url(profile), data)

    assert refused.status_code == 200
    rows = list(refused.context["inline_admin_formsets"][0])
    assert [(row.original.pk, row.form["heading"].value()) for row in rows[:2]] == [
        (policy.pk, "Policy"),
        (use.pk, "Use of munitions"),
    ]
    deleted = re.search(f'<input [^>]*name="{rows[0].form.prefix}-DELETE"[^>]*>', refused.text)
    assert deleted is not None and " checked" in deleted.group()


def test_a_stale_treaty_status_row_is_refused(ana, ben):
    status = make_treaty_status(status=TreatyStatus.Status.SIGNATORY)
    country = status.country
    ana_form, ben_form = ana.get(admin_url(country)), ben.get(admin_url(country))
    prefix = row_prefix(ana_form, status)
    ana_data = changeform_data(ana_form, {f"{prefix}-status": "state-party"})
    assert ana.post(admin_url(country), ana_data).status_code == 302

    response = ben.post(admin_url(country), changeform_data(ben_form, {"official_name": "X"}))

    assert response.status_code == 200
    assert "Status: Signatory → State party" in errors(response)
    status.refresh_from_db()
    assert status.status == "state-party"
    assert ben.post(admin_url(country), changeform_data(response)).status_code == 302
    country.refresh_from_db()
    status.refresh_from_db()
    assert (country.official_name, status.status) == ("X", "state-party")
