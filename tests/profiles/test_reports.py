"""The public report pages: the latest edition, past editions, comparisons and exports."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from citations.models import Citation
from profiles.models import Claim, Profile, Publication
from profiles.publishing import profile_publish, profile_withdraw
from tests.conftest import MALI, WESTMARCH
from tests.factories import import_profile_file

pytestmark = pytest.mark.django_db

SLUGS = {"country": "mali", "topic": "cluster-munition-ban-policy"}

# Every public URL of a profile, by name and the extra URL arguments it takes.
PAGES = [
    ("profile_detail", {}),
    ("profile_json", {}),
    ("profile_text", {}),
    ("edition_list", {}),
    ("edition_detail", {"number": 1}),
    ("edition_compare", {"number": 1, "other": 1}),
]
PAGE_IDS = [name for name, _kwargs in PAGES]


def url(name: str, slugs=SLUGS, **kwargs) -> str:
    return reverse(f"profiles:{name}", kwargs={**slugs, **kwargs})


def republish_with(profile: Profile, old: str, new: str):
    """Edit one claim of the working copy and publish it as a new edition."""
    claim = Claim.objects.get(section__profile=profile, text__contains=old)
    claim.text = claim.text.replace(old, new)
    claim.save()
    return profile_publish(profile=profile).publication


def publish_editions(profile: Profile, count: int) -> None:
    """Publish `count` more editions, each with the "Last updated" year one later."""
    for _ in range(count):
        profile.refresh_from_db()
        profile.last_updated = profile.last_updated.replace(year=profile.last_updated.year + 1)
        profile.save(update_fields=["last_updated"])
        profile_publish(profile=profile)


def synthetic_profile(claims: int) -> str:
    """A profile of `claims` claims with a footnote each, as scripts/micro_benchmark.py makes."""
    blocks = ["Bigland", "Cluster Munition Ban Policy", "Last updated: 07 June 2016"]
    blocks.append("Summary: State Party Bigland ratified the convention on 1 May 2010.")
    footnotes = []
    for number in range(1, claims + 1):
        if number % 20 == 1:
            blocks.append(f"Section {number // 20 + 1}")
        blocks.append(f"Bigland made statement number {number} at a meeting.[{number}]")
        footnotes.append(f"[{number}] Statement of Bigland, Geneva, {number % 28 + 1} May 2015.")
    return "\n\n".join(blocks + footnotes) + "\n"


# The report page ---------------------------------------------------------------------------


def test_report_page_shows_the_latest_edition(client, published_mali):
    html = client.get(url("profile_detail")).content.decode()

    assert (
        '<h1 id="report-title"><a class="report-country" href="/countries/mali/">Mali</a>: '
        "Cluster Munition Ban Policy</h1>"
    ) in html
    assert "Last updated: 7 June 2016" in html
    assert "State Party Mali ratified the convention on 30 June 2010" in html
    assert (
        "State party · signed 3 December 2008 · ratified 30 June 2010 · "
        "entry into force 1 December 2010"
    ) in html
    assert "Edition 1 of 1, published" in html


def test_report_page_has_headed_sections_with_permalinks(client, published_mali):
    html = client.get(url("profile_detail")).content.decode()

    assert '<h2 id="policy">Policy<a class="permalink" href="#policy"' in html
    assert '<h2 id="use-production-transfer-and-stockpiling">' in html


def test_footnote_markers_link_to_footnotes_and_back(client, published_mali):
    html = client.get(url("profile_detail")).content.decode()

    marker = '<sup class="fn" id="fnref-6"><a href="#fn-6">6</a></sup>'
    assert f"never used or stockpiled cluster munitions.{marker} It is not known" in html
    assert '<li id="fn-6" value="6">Statement of Mali, Lomé Regional Seminar' in html
    assert '<a class="backlink" href="#fnref-6"' in html


def test_report_page_has_a_table_of_contents(client, published_mali):
    html = client.get(url("profile_detail")).content.decode()
    aside = html[html.index("<aside") : html.index("</aside>")]

    assert '<a href="#summary">Summary</a>' in aside
    assert '<a href="#policy">Policy</a>' in aside
    assert '<a href="#fn-' not in aside


def test_older_layout_shows_status_box_and_nested_sub_sections(client):
    import_profile_file(WESTMARCH, publish=True)
    slugs = {"country": "westmarch", "topic": "cluster-munition-ban-policy"}

    html = client.get(url("profile_detail", slugs)).content.decode()
    aside = html[html.index("<aside") : html.index("</aside>")]

    assert "<dt>Convention on Cluster Munitions status</dt>\n    <dd>State Party</dd>" in html
    assert '<h3 id="interoperability-and-transit">Interoperability and transit' in html
    assert '<ol class="sub">' in aside and "#interoperability-and-transit" in aside


def test_report_page_shows_the_published_text_not_later_edits(client, published_mali):
    claim = Claim.objects.get(section__profile=published_mali, text__startswith="Mali actively")
    claim.text = "An unpublished edit."
    claim.save()

    assert b"An unpublished edit." not in client.get(url("profile_detail")).content
    assert b"Mali actively participated" in client.get(url("profile_detail")).content

    profile_publish(profile=published_mali)

    assert b"An unpublished edit." in client.get(url("profile_detail")).content


def test_user_text_is_escaped(client, published_mali):
    republish_with(published_mali, "Mali actively", "<script>alert(1)</script> Mali actively")

    html = client.get(url("profile_detail")).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Mali actively" in html


# Not public: never published, withdrawn, unknown ---------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_a_draft_profile_is_not_found(client, name, kwargs):
    import_profile_file(MALI)

    assert client.get(url(name, **kwargs)).status_code == 404


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_a_withdrawn_profile_is_not_found(client, published_mali, name, kwargs):
    profile_withdraw(profile=published_mali)

    assert client.get(url(name, **kwargs)).status_code == 404


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_unknown_country_or_topic_is_not_found(client, published_mali, name, kwargs):
    assert client.get(url(name, {**SLUGS, "country": "atlantis"}, **kwargs)).status_code == 404
    assert client.get(url(name, {**SLUGS, "topic": "mine-ban-policy"}, **kwargs)).status_code == 404


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("edition_detail", {"number": 0}),
        ("edition_detail", {"number": 2}),
        ("edition_detail", {"number": 10**20}),
        ("edition_compare", {"number": 1, "other": 2}),
        ("edition_compare", {"number": 10**20, "other": 1}),
    ],
)
def test_unknown_edition_numbers_are_not_found(client, published_mali, name, kwargs):
    assert client.get(url(name, **kwargs)).status_code == 404


@pytest.mark.parametrize("page", ["0", "2", "last", "x"])
def test_unknown_pages_of_editions_are_not_found(client, published_mali, page):
    assert client.get(url("edition_list"), {"page": page}).status_code == 404


# HTTP: caching, methods, cookies -------------------------------------------------------------


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_a_repeat_visit_is_not_modified_without_rendering(
    client, published_mali, django_assert_num_queries, name, kwargs
):
    first = client.get(url(name, **kwargs))

    with django_assert_num_queries(1):
        by_etag = client.get(url(name, **kwargs), HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(url(name, **kwargs), HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert (by_etag.status_code, by_date.status_code) == (304, 304)


def test_a_new_edition_changes_the_etag_of_older_editions_too(client, published_mali):
    before = client.get(url("edition_detail", number=1))["ETag"]

    republish_with(published_mali, "Mali actively", "Mali very actively")

    after = client.get(url("edition_detail", number=1), HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert b"You are reading edition 1 of 2; the current edition is" in after.content


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_public_pages_are_cacheable_and_set_no_cookie(client, published_mali, name, kwargs):
    response = client.get(url(name, **kwargs))

    assert response.status_code == 200
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "public" in response["Cache-Control"]


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_head_works_and_post_is_not_allowed(client, published_mali, name, kwargs):
    assert client.head(url(name, **kwargs)).status_code == 200
    assert client.post(url(name, **kwargs)).status_code == 405


# Exports -----------------------------------------------------------------------------------


def test_text_export_equals_export_profile(client, published_mali):
    exported = StringIO()
    call_command("export_profile", "mali", "cluster-munition-ban-policy", stdout=exported)

    response = client.get(url("profile_text"))

    assert response.content.decode() == exported.getvalue()
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == (
        'inline; filename="mali-cluster-munition-ban-policy.txt"'
    )


def test_text_export_is_of_the_published_edition(client, published_mali):
    claim = Claim.objects.get(section__profile=published_mali, text__startswith="Mali actively")
    claim.text = "Not published."
    claim.save()

    assert b"Not published." not in client.get(url("profile_text")).content


def test_json_export_is_the_snapshot_with_its_edition(client, published_mali):
    publication = published_mali.publications.get()

    data = json.loads(client.get(url("profile_json")).content)

    assert {"country", "topic", "treaty_status", "sections", "footnotes"} <= data.keys()
    assert data["last_updated"] == "2016-06-07"
    assert data["footnotes"][5]["text"].startswith("Statement of Mali, Lomé")
    assert data["edition"] == {
        "number": 1,
        "published_at": publication.published_at.isoformat(),
        "url": "http://testserver/countries/mali/cluster-munition-ban-policy/editions/1/",
    }
    assert "edition" not in Publication.objects.get().snapshot


def test_json_export_keeps_non_ascii_text_readable(client, published_mali):
    assert "Lomé" in client.get(url("profile_json")).content.decode()


# Editions ----------------------------------------------------------------------------------


def test_edition_list_shows_every_edition_newest_first(client, published_mali):
    publish_editions(published_mali, 1)

    html = client.get(url("edition_list")).content.decode()

    assert html.index("Edition 2") < html.index("Edition 1")
    assert "7 June 2017" in html and "7 June 2016" in html
    assert 'href="/countries/mali/cluster-munition-ban-policy/editions/1/"' in html
    assert 'href="/countries/mali/cluster-munition-ban-policy/editions/1/compare/2/"' in html


def test_an_earlier_edition_says_which_is_current(client, published_mali):
    republish_with(published_mali, "Mali actively", "Mali very actively")

    html = client.get(url("edition_detail", number=1)).content.decode()

    assert "You are reading edition 1 of 2; the current edition is" in html
    assert "Mali actively participated" in html
    assert "Mali very actively" not in html


def test_the_latest_edition_page_has_no_earlier_edition_notice(client, published_mali):
    html = client.get(url("edition_detail", number=1)).content.decode()

    assert "You are reading edition" not in html
    assert "Edition 1 of 1" in html


def test_compare_shows_added_and_removed_words(client, published_mali):
    republish_with(published_mali, "in every Meeting", "in nearly every Meeting")
    citation = Citation.objects.get(
        claim__section__profile=published_mali, text__endswith="Landmine Action."
    )
    citation.text = citation.text.replace("Landmine Action.", "the CMC.")
    citation.save()
    profile_publish(profile=published_mali)

    html = client.get(url("edition_compare", number=1, other=3)).content.decode()

    assert "Mali has participated in <ins>nearly </ins>every Meeting" in html
    assert "Notes by <del>Landmine Action.</del><ins>the CMC.</ins>" in html


def test_compare_accepts_either_order(client, published_mali):
    republish_with(published_mali, "in every Meeting", "in nearly every Meeting")

    forward = client.get(url("edition_compare", number=1, other=2))
    backward = client.get(url("edition_compare", number=2, other=1))

    assert b"<ins>nearly </ins>" in forward.content
    assert forward.content == backward.content


def test_compare_an_edition_with_itself_shows_no_differences(client, published_mali):
    html = client.get(url("edition_compare", number=1, other=1)).content.decode()

    assert "no differences" in html
    assert "<ins>" not in html.split("</header>", 2)[-1]


# Query counts ------------------------------------------------------------------------------

# The first visit looks the edition up and then reads its snapshot to render the page.
QUERIES = {
    "profile_detail": 2,
    "profile_json": 2,
    "profile_text": 2,
    "edition_list": 2,
    "edition_detail": 2,
    "edition_compare": 2,
}


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_query_count(client, published_mali, django_assert_num_queries, name, kwargs):
    with django_assert_num_queries(QUERIES[name]):
        assert client.get(url(name, **kwargs)).status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_query_count_does_not_grow_with_the_profile(
    client, tmp_path, django_assert_num_queries, name, kwargs
):
    path = tmp_path / "bigland-cluster-munition-ban-policy.txt"
    path.write_text(synthetic_profile(200))
    import_profile_file(path, publish=True)
    slugs = {"country": "bigland", "topic": "cluster-munition-ban-policy"}

    with django_assert_num_queries(QUERIES[name]):
        response = client.get(url(name, slugs, **kwargs))

    assert response.status_code == 200


@pytest.mark.parametrize(("name", "kwargs"), PAGES, ids=PAGE_IDS)
def test_an_edition_is_rendered_once(
    client, published_mali, django_assert_num_queries, name, kwargs
):
    first = client.get(url(name, **kwargs))

    with django_assert_num_queries(1):
        again = client.get(url(name, **kwargs))

    assert again.content == first.content


def test_a_rendered_edition_is_not_served_once_withdrawn(client, published_mali):
    client.get(url("profile_detail"))

    profile_withdraw(profile=published_mali)

    assert client.get(url("profile_detail")).status_code == 404


def test_a_new_edition_is_rendered_afresh(client, published_mali):
    client.get(url("profile_detail"))

    republish_with(published_mali, "Mali actively", "Mali very actively")

    assert "Mali very actively" in client.get(url("profile_detail")).content.decode()


def test_edition_list_query_count_does_not_grow_with_editions(
    client, published_mali, django_assert_num_queries
):
    publish_editions(published_mali, 29)

    with django_assert_num_queries(QUERIES["edition_list"]):
        first_page = client.get(url("edition_list")).content.decode()

    assert "Edition 30" in first_page and "Edition 1<" in first_page


def test_edition_list_pages_by_fifty(client, published_mali):
    publish_editions(published_mali, 51)

    first = client.get(url("edition_list")).content.decode()
    second = client.get(url("edition_list"), {"page": 2}).content.decode()

    assert "Edition 52" in first and "Edition 3<" in first and "Edition 2<" not in first
    assert "Edition 2<" in second and "Edition 1<" in second and "Edition 3<" not in second
