import pytest

from citations.models import Citation, CitationSource, Source
from citations.services import citation_review
from tests.factories import (
    changeform_data,
    make_citation,
    make_citation_source,
    make_claim,
    make_country,
    make_profile,
    make_section,
    make_source,
    make_tree,
)
from tests.helpers import admin_url, count_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def link():
    """A footnote citing a source, on a claim in a profile."""
    citation = make_citation(text="Statement of Testland, Geneva, 13 September 2011.")
    return make_citation_source(
        citation=citation,
        source=make_source(author="Testland", title="Statement on the convention"),
        pinpoint="p. 4",
    )


class PagesTests:
    @pytest.mark.parametrize("model", [Citation, Source, CitationSource])
    def test_changelist_and_add_pages_load(self, admin_client, link, model):
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200
        assert admin_client.get(admin_url(model, "add")).status_code == 200

    def test_change_and_history_pages_load(self, admin_client, link):
        for obj in [link, link.citation, link.source]:
            assert admin_client.get(admin_url(obj)).status_code == 200, obj
            assert admin_client.get(admin_url(obj, "history")).status_code == 200, obj

    @pytest.mark.parametrize("model", [Citation, Source, CitationSource])
    def test_changelist_queries_do_not_grow_with_rows(self, admin_client, link, model):
        url = admin_url(model, "changelist")
        few = count_queries(admin_client, url)
        for number in range(3):
            make_tree(number)

        assert count_queries(admin_client, url) == few

    @pytest.mark.parametrize("model", [Citation, Source, CitationSource])
    def test_history_queries_do_not_grow_with_records(self, admin_client, link, model):
        obj = model.objects.first()
        url = admin_url(obj, "history")
        few = count_queries(admin_client, url)
        for _ in range(3):
            obj.save()

        assert count_queries(admin_client, url) == few

    def test_citation_list_shows_the_claims_profile_and_searches_text(self, admin_client, link):
        make_citation(text="Interview with a Testland official.")

        response = admin_client.get(admin_url(Citation, "changelist"), {"q": "Geneva"})

        assert list(response.context["cl"].result_list) == [link.citation]
        assert str(link.citation.claim.section.profile) in response.content.decode()

    def test_citation_list_shows_reviews_and_sorts_by_profile(self, admin_client, link, checker):
        other = make_citation(
            claim=make_claim(
                section=make_section(profile=make_profile(country=make_country("Alphaland")))
            )
        )
        citation_review(citation=link.citation, reviewer=checker, state="disputed", note="n" * 70)
        url = admin_url(Citation, "changelist")

        page = admin_client.get(url).content.decode()
        by_profile = list(admin_client.get(url, {"o": "2"}).context["cl"].result_list)

        assert f'<td class="field-short_review_note">{"n" * 59}…</td>' in page
        assert '<td class="field-reviewed_by nowrap">checker</td>' in page
        assert by_profile == [other, link.citation]

    def test_source_list_filters_by_kind(self, admin_client, link):
        make_source(kind=Source.Kind.EMAIL, author="Someone else")

        response = admin_client.get(admin_url(Source, "changelist"), {"kind__exact": "statement"})

        assert list(response.context["cl"].result_list) == [link.source]


class CitationPageTests:
    def test_change_page_lists_sources_and_links_back(self, admin_client, link):
        page = admin_client.get(admin_url(link.citation)).content.decode()

        assert f'<option value="{link.source.pk}" selected>{link.source}</option>' in page
        assert f'href="{admin_url(link.citation.claim)}"' in page
        assert f'href="{admin_url(link.citation.claim.section.profile)}"' in page

    def test_editing_a_citation_records_the_user_and_keeps_marker_spacing(
        self, admin_client, admin_user
    ):
        citation = make_citation(marker_spacing=" ")
        form = admin_client.get(admin_url(citation))
        assert "marker_spacing" not in form.context["adminform"].form.fields
        data = changeform_data(form, {"text": "Ibid."})

        assert admin_client.post(admin_url(citation), data).status_code == 302

        citation.refresh_from_db()
        assert (citation.text, citation.marker_spacing) == ("Ibid.", " ")
        assert citation.history.latest().history_user == admin_user
        page = admin_client.get(admin_url(citation, "history")).content.decode()
        assert "Text" in page
        assert "Ibid." in page

    def test_sources_swap_inside_a_citation(self, admin_client, link):
        citation = link.citation
        second = make_citation_source(citation=citation, source=make_source(title="Letter"))
        form = admin_client.get(admin_url(citation))
        data = changeform_data(form, {"source_links-0-position": 2, "source_links-1-position": 1})

        assert admin_client.post(admin_url(citation), data).status_code == 302

        assert list(citation.source_links.all()) == [second, link]
        assert link.history.count() == second.history.count() == 2

    def test_change_page_queries_do_not_grow_with_sources(self, admin_client, link):
        url = admin_url(link.citation)
        few = count_queries(admin_client, url)
        for _ in range(4):
            make_citation_source(citation=link.citation)

        assert count_queries(admin_client, url) == few


class ClaimCitationsTests:
    def test_citations_swap_inside_a_claim(self, admin_client, admin_user):
        claim = make_claim()
        first = make_citation(claim=claim, text="First footnote.")
        second = make_citation(claim=claim, text="Second footnote.")
        form = admin_client.get(admin_url(claim))
        data = changeform_data(form, {"citations-0-position": 2, "citations-1-position": 1})

        assert admin_client.post(admin_url(claim), data).status_code == 302

        assert list(claim.citations.all()) == [second, first]
        for citation in (first, second):
            assert citation.history.count() == 2
            assert citation.history.latest().history_user == admin_user

    def test_duplicate_citation_positions_are_a_form_error(self, admin_client):
        claim = make_claim()
        make_citation(claim=claim)
        make_citation(claim=claim)
        form = admin_client.get(admin_url(claim))
        data = changeform_data(form, {"citations-1-position": 1})

        response = admin_client.post(admin_url(claim), data)

        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        assert "Two citations have the same position" in str(formset.non_form_errors())


def test_source_autocomplete_for_citation_sources(admin_client, link):
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "citations",
            "model_name": "citationsource",
            "field_name": "source",
            "term": "Statement on",
        },
    )

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(link.source.pk)]
