"""The per-object History pages (simple-history's, through HistoryAdmin): who changed an
object, when, and what changed, for every field its history keeps."""

import re

import pytest

from citations.models import Citation
from citations.services import citation_review
from history.changesets import change_set
from profiles.models import Claim
from profiles.publishing import profile_publish
from tests.factories import changeform_data
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def history_page(client, obj) -> str:
    opts = obj._meta
    response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/")
    assert response.status_code == 200
    return response.content.decode()


def changed_by(html: str) -> list[str]:
    """The names in the Changes by column, newest first."""
    cells = re.findall(r'data-label="Changed by">(.*?)</td>', html, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def changes(html: str) -> list[str]:
    """Each line of the What changed column, its tags and runs of white space dropped."""
    items = re.findall(r"<li><strong>(.*?)</li>", html, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


def first_claim(profile) -> Claim:
    return Claim.objects.filter(section__profile=profile).order_by("section__position", "position")[
        1
    ]


def test_an_editors_save_shows_the_editor_and_the_words_changed(published_mali, editor_client):
    claim = first_claim(published_mali)
    page = f"/admin/profiles/claim/{claim.pk}/change/"
    text = claim.text.replace("Malisigned", "Mali signed")
    assert editor_client.post(page, changeform_data(editor_client.get(page), {"text": text}))

    html = history_page(editor_client, claim)

    assert changed_by(html) == ["editor", "The system (an import or a command)"]
    assert "<strong>Text:</strong>" in html
    assert "<del>Malisigned</del><ins>Mali signed</ins>" in html


def test_a_review_shows_the_fact_checker_and_the_verdict(published_mali, editor_client, checker):
    citation = Citation.objects.filter(claim__section__profile=published_mali).first()
    citation_review(citation=citation, reviewer=checker, state="disputed", note="Wrong date.")

    html = history_page(editor_client, citation)

    assert changed_by(html)[0] == "checker"
    assert "Review state: Unreviewed → Disputed" in changes(html)
    assert "Review note: Wrong date." in changes(html)
    assert "<ins>Wrong date.</ins>" in html


def test_a_publication_shows_the_publisher_and_the_edition(
    published_mali, editor_client, publisher_client
):
    claim = first_claim(published_mali)
    claim.text += " Amended."
    claim.save()
    profile_publish(profile=published_mali, user=publisher_client.user)

    html = history_page(editor_client, published_mali)

    assert changed_by(html)[0] == "publisher"
    assert "Latest publication: edition 1 → edition 2" in changes(html)


def test_an_import_by_command_is_the_systems_not_none(published_mali, editor_client):
    html = history_page(editor_client, first_claim(published_mali))

    assert "The system (an import or a command)" in html
    assert "None" not in html


def test_the_history_page_runs_a_fixed_number_of_queries(published_mali, editor_client, editor):
    claim = first_claim(published_mali)
    path = f"/admin/profiles/claim/{claim.pk}/history/"

    def edit(times: int):
        for number in range(times):
            with change_set(action="edit", user=editor):
                claim.text = f"Edit number {number}."
                claim.save()

    edit(3)
    few = count_queries(editor_client, path)
    edit(30)

    assert count_queries(editor_client, path) == few
