"""Editing a footnote's text in the admin links it to the sources the new text cites, exactly
as importing the profile with that text would: on the citation's own page, in its claim's
inline, and when its history is reverted."""

import pytest
from django.urls import reverse

from citations.filters import ANY_STATE
from citations.models import Citation, CitationSource, Source
from citations.services import citations_link_sources
from tests.factories import changeform_data
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db

DUBLIN = (
    "Statement of Mali, Committee of the Whole on Article 1, Dublin Diplomatic Conference on "
    "Cluster Munitions, 27 May 2008. Notes by Landmine Action."
)
SAN_JOSE = (
    "Statement of Mali, Convention on Cluster Munitions Fifth Meeting of States Parties, "
    "San José, 4 September 2014. Notes by the CMC."
)


def footnote(profile, number: int) -> Citation:
    """The profile's footnote [number], counted in reading order."""
    citations = Citation.objects.filter(claim__section__profile=profile).order_by(
        "claim__section__position", "claim__position", "position"
    )
    return list(citations)[number - 1]


def cited(citation: Citation) -> list[Source]:
    return [link.source for link in citation.source_links.order_by("position")]


def queue(client, source: Source) -> list[Citation]:
    """The citations the review queue lists as citing `source`."""
    url = reverse("citations:review_queue")
    response = client.get(url, {"source": source.pk, "state": ANY_STATE})
    assert response.status_code == 200
    return list(response.context["page_obj"].object_list)


def source_page(client, source: Source) -> str:
    return client.get(admin_url(source)).content.decode()


def assert_linked_as_the_importer_would(citation: Citation) -> None:
    """Reading the footnote's sources again, as an import does, would change nothing."""
    assert citations_link_sources(citations=[citation]) == {}


def test_editing_a_footnote_on_its_page_links_it_to_the_sources_it_now_cites(
    admin_client, admin_user, mali
):
    email, dublin = footnote(mali, 7), footnote(mali, 5)
    [maiga] = cited(email)
    [conference] = cited(dublin)
    sources = Source.objects.count()
    form = admin_client.get(admin_url(email))

    response = admin_client.post(admin_url(email), changeform_data(form, {"text": DUBLIN}))

    assert response.status_code == 302
    assert cited(email) == [conference]
    assert Source.objects.count() == sources  # the statement is stored once, and reused
    assert_linked_as_the_importer_would(email)
    assert queue(admin_client, conference) == [dublin, email]
    assert queue(admin_client, maiga) == []
    assert "No footnote cites this source." in source_page(admin_client, maiga)
    assert f'href="{admin_url(email)}">[7]</a>' in source_page(admin_client, conference)
    link = email.source_links.get()
    assert link.history.latest().history_user == admin_user
    assert link.history.latest().change_set == email.history.latest().change_set


def test_editing_a_footnote_in_its_claims_inline_links_it_to_a_new_source(admin_client, mali):
    citation = footnote(mali, 8)
    [seminar] = cited(citation)
    form = admin_client.get(admin_url(citation.claim))
    [row] = [
        row
        for row in form.context["inline_admin_formsets"][0].formset.forms
        if row.instance.pk == citation.pk
    ]

    response = admin_client.post(
        admin_url(citation.claim), changeform_data(form, {f"{row.prefix}-text": SAN_JOSE})
    )

    assert response.status_code == 302
    [san_jose] = cited(citation)
    assert (san_jose.kind, san_jose.place, str(san_jose.date)) == (
        "statement",
        "San José",
        "2014-09-04",
    )
    assert_linked_as_the_importer_would(citation)
    assert queue(admin_client, san_jose) == [citation]
    assert citation not in queue(admin_client, seminar)
    assert seminar.citations.exists()  # footnote [6] still cites it


def test_a_footnote_added_in_its_claims_inline_is_linked(admin_client, mali):
    claim = footnote(mali, 7).claim
    form = admin_client.get(admin_url(claim))
    formset = form.context["inline_admin_formsets"][0].formset
    new = f"{formset.prefix}-{formset.total_form_count() - 1}"

    response = admin_client.post(admin_url(claim), changeform_data(form, {f"{new}-text": SAN_JOSE}))

    assert response.status_code == 302
    added = claim.citations.get(text=SAN_JOSE)
    assert [source.place for source in cited(added)] == ["San José"]
    assert_linked_as_the_importer_would(added)


def test_reverting_a_footnotes_text_links_it_back(admin_client, mali):
    email = footnote(mali, 7)
    [maiga] = cited(email)
    before = email.history.latest()
    form = admin_client.get(admin_url(email))
    admin_client.post(admin_url(email), changeform_data(form, {"text": DUBLIN}))
    assert cited(email) != [maiga]
    revert_url = reverse("admin:citations_citation_simple_history", args=[email.pk, before.pk])

    response = admin_client.post(revert_url, changeform_data(admin_client.get(revert_url)))

    assert response.status_code == 302
    email.refresh_from_db()
    assert email.text == before.text
    assert cited(email) == [maiga]


def test_saving_a_footnote_without_changing_its_text_keeps_links_made_by_hand(admin_client, mali):
    email = footnote(mali, 7)
    by_hand = Source.objects.create(kind="letter", author="A Malian official")
    CitationSource.objects.filter(citation=email).delete()
    CitationSource.objects.create(citation=email, source=by_hand, position=1)
    form = admin_client.get(admin_url(email))

    response = admin_client.post(admin_url(email), changeform_data(form, {"position": 2}))

    assert response.status_code == 302
    assert cited(email) == [by_hand]


def test_links_edited_by_hand_with_the_text_are_kept(admin_client, mali):
    """An editor who changes the text and picks its sources in the same save has said what
    it cites: the links are theirs, not read from the text."""
    email = footnote(mali, 7)
    [maiga] = cited(email)
    letter = Source.objects.create(kind="letter", author="A Malian official")
    form = admin_client.get(admin_url(email))
    data = changeform_data(form, {"text": DUBLIN, "source_links-0-source": letter.pk})

    response = admin_client.post(admin_url(email), data)

    assert response.status_code == 302
    assert cited(email) == [letter]
