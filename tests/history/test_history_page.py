"""The per-object History pages (simple-history's, through HistoryAdmin): who changed an
object, when, and what changed, for every field its history keeps."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

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


def edited(claim, editor, times: int) -> Claim:
    for number in range(times):
        with change_set(action="edit", user=editor):
            claim.text = f"Edit number {number}."
            claim.save()
    return claim


class PagingTests:
    """A history of thousands of records is paged with Newer and Older links, without
    counting the records: one query reads a page's records and the one after them."""

    @pytest.fixture
    def claim(self, published_mali, editor, monkeypatch):
        monkeypatch.setattr(admin.site.get_model_admin(Claim), "history_list_per_page", 3)
        return edited(first_claim(published_mali), editor, 4)  # 5 records with the import's

    def path(self, claim, page=None) -> str:
        path = f"/admin/profiles/claim/{claim.pk}/history/"
        return f"{path}?p={page}" if page else path

    def test_the_first_page_links_to_older_versions_without_counting(self, claim, editor_client):
        with CaptureQueriesContext(connection) as queries:
            html = history_page(editor_client, claim)

        assert len(changed_by(html)) == 3
        assert 'href="?p=2" rel="next">Older →' in html
        assert "Newer" not in html
        assert "Versions 1–3, newest first" in html
        assert not [query for query in queries if "COUNT(" in query["sql"]]

    def test_the_last_page_says_how_many_versions_there_are(self, claim, editor_client):
        html = editor_client.get(self.path(claim, 2)).content.decode()

        assert changed_by(html) == ["editor", "The system (an import or a command)"]
        assert "Versions 4–5 of 5, newest first" in html
        assert 'href="?p=1" rel="prev">← Newer' in html
        assert "Older" not in html

    def test_the_last_row_of_a_page_shows_its_changes(self, claim, editor_client):
        html = history_page(editor_client, claim)

        # The page's last record (edit 1) against the one after the page (edit 0).
        assert changes(html)[-1] == "Text: Edit number 0.1."
        assert "Edit number <del>0.</del><ins>1.</ins>" in html

    def test_a_page_past_the_oldest_version_leads_back_to_the_newest(self, claim, editor_client):
        response = editor_client.get(self.path(claim, 9))

        assert response.status_code == 302
        assert response["Location"] == self.path(claim)

    def test_a_short_history_says_how_many_versions_it_has(self, published_mali, editor_client):
        html = history_page(editor_client, first_claim(published_mali))

        assert "1 version\n" in html
        assert "Older" not in html

    def test_each_version_shows_its_date_and_links_to_it(self, claim, editor_client):
        html = history_page(editor_client, claim)

        record = claim.history.order_by("-history_date", "-history_id").first()
        when = date_format(timezone.localtime(record.history_date), "DATETIME_FORMAT")
        version = f"/admin/profiles/claim/{claim.pk}/history/{record.pk}/"
        assert f'<a href="{version}" title="This version of {claim.text}">{when}</a>' in html
        assert "/admin/auth/user/" not in html  # an editor may not see users

    def test_who_may_see_users_finds_a_link_to_the_author(self, claim, editor, superuser_client):
        html = history_page(superuser_client, claim)

        assert f'<a href="/admin/auth/user/{editor.pk}/change/">editor</a>' in html
