"""No lost edits when an object is deleted while someone edits it: ana opens a change form,
ben deletes the object, ana saves. Her save is refused on the form page, which says who
deleted it and when, keeps what she typed in the fields, writes nothing, and links to the
history the object can be restored from."""

import pytest
from django.test import Client
from django.urls import reverse

from history.forms import VersionedModelForm
from profiles.models import Claim, Section
from profiles.roles import EDITORS
from tests.factories import changeform_data, make_citation, make_claim, make_section
from tests.helpers import admin_url, history_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(client_for) -> Client:
    return client_for(EDITORS, "ana")


@pytest.fixture
def ben(client_for) -> Client:
    return client_for(EDITORS, "ben")


def delete(client: Client, obj) -> None:
    response = client.post(admin_url(obj, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def errors(response) -> str:
    return str(response.context["adminform"].form.non_field_errors())


def history_url(obj) -> str:
    return admin_url(obj, "history")


class ClaimTests:
    def test_saving_a_claim_deleted_meanwhile_keeps_the_text_and_says_who_deleted_it(
        self, ana, ben
    ):
        claim = make_claim(text="Testland signed the convention.")
        form = ana.get(admin_url(claim))
        delete(ben, claim)
        records = history_count()

        response = ana.post(
            admin_url(claim), changeform_data(form, {"text": "Testland ratified it in 2010."})
        )

        assert response.status_code == 200
        assert response.templates[0].name.endswith("change_form.html")
        message = errors(response)
        assert "This claim was deleted by ben on " in message
        assert "(Deleted in the admin) while you were editing it" in message
        assert "Nothing was saved: what you typed is still in the form below." in message
        restore = f'<a href="{history_url(claim)}">restore the claim from its history</a>'
        assert restore in message
        assert response.context["adminform"].form["text"].value() == (
            "Testland ratified it in 2010."
        )
        assert "Testland ratified it in 2010." in response.content.decode()
        assert not Claim.objects.filter(pk=claim.pk).exists()
        assert history_count() == records

    def test_the_claim_can_be_restored_from_the_linked_history_then_saved(self, ana, ben):
        claim = make_claim(text="Testland signed the convention.")
        form = ana.get(admin_url(claim))
        delete(ben, claim)
        data = changeform_data(form, {"text": "Testland ratified it in 2010."})
        refused = ana.post(admin_url(claim), data)
        assert refused.status_code == 200

        assert ana.get(history_url(claim)).status_code == 200
        deletion = Claim.history.filter(id=claim.pk).latest()
        restore_url = reverse("admin:profiles_claim_simple_history", args=[claim.pk, deletion.pk])
        restored = ana.post(restore_url, changeform_data(ana.get(restore_url)))
        assert restored.status_code == 302
        assert Claim.objects.get(pk=claim.pk).text == "Testland signed the convention."

        # The refused page kept the version ana opened: her save now goes through.
        again = ana.post(admin_url(claim), changeform_data(refused))

        assert again.status_code == 302
        assert Claim.objects.get(pk=claim.pk).text == "Testland ratified it in 2010."

    def test_saving_a_claim_deleted_with_its_section_is_refused_too(self, ana, ben):
        claim = make_claim(text="Testland signed the convention.")
        form = ana.get(admin_url(claim))
        delete(ben, claim.section)

        response = ana.post(admin_url(claim), changeform_data(form, {"text": "Amended."}))

        assert response.status_code == 200
        assert "This claim was deleted by ben on " in errors(response)
        assert not Claim.objects.filter(pk=claim.pk).exists()


def test_saving_a_section_deleted_meanwhile_keeps_the_claims_typed_in_its_rows(ana, ben):
    section = make_section(heading="Policy")
    claim = make_claim(section=section, text="Testland signed the convention.")
    form = ana.get(admin_url(section))
    row = form.context["inline_admin_formsets"][0].formset.forms[0].prefix
    delete(ben, section)
    records = history_count()

    response = ana.post(
        admin_url(section),
        changeform_data(form, {"heading": "Policy and law", f"{row}-text": "Testland acceded."}),
    )

    assert response.status_code == 200
    assert "This section was deleted by ben on " in errors(response)
    page = response.content.decode()
    assert 'value="Policy and law"' in page
    assert "Testland acceded." in page
    assert not Section.objects.filter(pk=section.pk).exists()
    assert not Claim.objects.filter(pk=claim.pk).exists()
    assert history_count() == records


def test_saving_a_citation_deleted_with_its_claim_keeps_the_footnote(ana, ben):
    citation = make_citation(text="Statement of Testland, 1 May 2013.")
    form = ana.get(admin_url(citation))
    delete(ben, citation.claim)

    response = ana.post(
        admin_url(citation), changeform_data(form, {"text": "Statement of Testland, 2 May 2013."})
    )

    assert response.status_code == 200
    assert "This citation was deleted by ben on " in errors(response)
    assert "Statement of Testland, 2 May 2013." in response.content.decode()


def test_an_object_deleted_between_loading_and_checking_is_refused_too(ana, ben):
    """The admin loads the object before its form locks it to check its version: a delete
    in between is caught by that check, with the same message (saving would insert the
    object again)."""
    claim = make_claim(text="Testland signed the convention.")
    page = ana.get(admin_url(claim))
    loaded = Claim.objects.get(pk=claim.pk)
    delete(ben, claim)

    form_class = type(page.context["adminform"].form)
    form = form_class(data=changeform_data(page, {"text": "Amended."}), instance=loaded)

    assert issubclass(form_class, VersionedModelForm)
    assert not form.is_valid()
    assert "This claim was deleted by ben on " in str(form.non_field_errors())
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_opening_a_deleted_object_still_redirects(ana, ben):
    claim = make_claim()
    delete(ben, claim)

    response = ana.get(admin_url(claim))

    assert response.status_code == 302
