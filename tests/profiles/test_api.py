"""The read API under /api/v1/: its OpenAPI document, a walk by links from the index to an
edition, pages, filters, validators, CORS, errors, query counts, and published data only."""

import json
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection
from django.test import Client
from openapi_spec_validator import validate

from profiles.models import Claim, Publication, TreatyStatus
from profiles.publishing import profile_publish, profile_withdraw
from tests.conftest import EASTMARCH, MALI, WESTMARCH
from tests.factories import (
    import_profile_file,
    import_text,
    make_country,
    make_public_treaty_status,
    make_treaty_status,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
CCM = "convention-on-cluster-munitions"
MALI_API = f"{API}/profiles/mali/cluster-munition-ban-policy"
MALI_JSON = "/countries/mali/cluster-munition-ban-policy.json"


def get(url, headers=None):
    return Client().get(url, headers=headers)


def data(response, status=200):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# The OpenAPI document and the docs page -----------------------------------------------------


def test_the_openapi_document_validates_and_describes_every_operation(published_mali):
    document = data(get(f"{API}/openapi.json"))

    validate(document)  # raises on an invalid document
    operations = [op for item in document["paths"].values() for op in item.values()]
    assert len(operations) == 12
    assert all(op["summary"] and op["description"] for op in operations)
    assert all(schema.get("description") for schema in document["components"]["schemas"].values())
    assert document["servers"] == [{"url": "http://testserver", "description": "The Monitor"}]
    assert document["info"]["version"] == "1"


def test_the_document_names_the_configured_site_as_its_server(settings, published_mali):
    settings.SITE_URL = "https://monitor.example.org"

    document = data(get(f"{API}/openapi.json"))

    assert document["servers"][0]["url"] == "https://monitor.example.org"
    index = data(get(f"{API}/"))
    assert index["profiles"] == "https://monitor.example.org/api/v1/profiles/"


def test_the_docs_page_lists_every_operation_with_a_live_example(mali_in_two_editions):
    response = get(f"{API}/docs/")
    page = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "<script" not in page
    assert "/api/v2/" in page and "only ever gains" in page  # the versioning promise
    assert "placeholder" in page  # the licence text still to be written
    document = data(get(f"{API}/openapi.json"))
    for path in document["paths"]:
        assert f"<code>{path}</code>" in page
    examples = sorted(set(re.findall(r'<a href="(http://testserver/api/[^"]+)"', page)))
    assert len(examples) >= 12
    for example in examples:
        assert get(example.replace("&amp;", "&")).status_code == 200, example


# Walking the links ---------------------------------------------------------------------------


def test_a_client_walks_by_links_from_the_index_to_an_edition_as_exported(mali_in_two_editions):
    index = data(get(f"{API}/"))
    profiles = data(get(index["profiles"]))
    mali = next(p for p in profiles["results"] if p["country"]["slug"] == "mali")
    profile = data(get(mali["url"]))
    editions = data(get(profile["links"]["editions"]))
    latest = data(get(editions["results"][0]["url"]))

    assert [edition["number"] for edition in editions["results"]] == [2, 1]
    assert latest == data(get(profile["links"]["json"]))
    assert get(latest["edition"]["url"]).status_code == 200
    # The byte-for-byte same export.
    assert get(editions["results"][0]["url"]).content == get(MALI_JSON).content


def test_an_older_edition_is_its_snapshot_with_the_edition_key(mali_in_two_editions):
    first = Publication.objects.get(profile=mali_in_two_editions, number=1)

    snapshot = data(get(f"{MALI_API}/editions/1/"))

    assert snapshot.pop("edition") == {
        "number": 1,
        "published_at": first.published_at.isoformat(),
        "url": f"http://testserver{MALI_API.replace('/api/v1/profiles', '/countries')}/editions/1/",
    }
    assert snapshot == json.loads(json.dumps(first.snapshot))


def test_every_link_in_an_answer_is_absolute(published_mali):
    text = get(f"{MALI_API}/").content.decode()

    links = re.findall(r'"(?:url|report|json|txt|editions)": "([^"]+)"', text)
    assert links and all(link.startswith("http://testserver/") for link in links)


# Countries, topics, treaties ----------------------------------------------------------------


def test_a_country_shows_its_published_statuses(published_mali):
    mali = data(get(f"{API}/countries/mali/"))

    statuses = {entry["treaty"]["slug"]: entry for entry in mali["treaty_statuses"]}
    assert statuses[CCM]["status"] == "state-party"
    assert statuses[CCM]["status_label"] == "State party"
    assert statuses[CCM]["joined_on"] == "2010-06-30"
    assert statuses[CCM]["joined_by"] == "ratification"
    assert [p["topic"]["slug"] for p in mali["profiles"]] == ["cluster-munition-ban-policy"]
    assert mali["iso3"] == "MLI" and mali["region"] == "africa"


def test_no_published_status_is_no_data_as_null_never_not_party(published_mali):
    chad = make_country("Chad")
    make_treaty_status(country=chad, treaty=published_mali.topic.treaty, status="signatory")

    statuses = data(get(f"{API}/countries/chad/"))["treaty_statuses"]

    assert len(statuses) == 3
    for entry in statuses:
        assert entry["status"] is None and entry["status_label"] == "No data"
        assert entry["signed_on"] is None and entry["joined_by"] is None


def test_a_treaty_table_shows_every_listed_country_as_published(published_mali):
    chad = make_country("Chad")
    make_treaty_status(country=chad, treaty=published_mali.topic.treaty, status="signatory")

    table = data(get(f"{API}/treaties/{CCM}/"))

    rows = {row["country"]["slug"]: row for row in table["statuses"]}
    assert rows["mali"]["status"] == "state-party"
    assert rows["chad"]["status"] is None  # recorded, never published: "No data"
    assert rows["chad"]["status_label"] == "No data"
    assert table["count"] == len(rows) > 100
    assert table["state_party_count"] == 1 and table["signatory_count"] == 0
    assert not any(row["status"] == "not-party" for row in rows.values())


def test_a_treaty_table_filters_and_sorts_as_the_page_does(published_mali):
    make_public_treaty_status(
        country=make_country("Niger"), treaty=published_mali.topic.treaty, status="signatory"
    )

    parties = data(get(f"{API}/treaties/{CCM}/?status=state-party"))
    no_data = data(get(f"{API}/treaties/{CCM}/?status=no-data&region=africa"))
    by_status = data(get(f"{API}/treaties/{CCM}/?sort=status"))

    assert [row["country"]["slug"] for row in parties["statuses"]] == ["mali"]
    assert no_data["statuses"] and all(row["status"] is None for row in no_data["statuses"])
    assert {row["region"] for row in no_data["statuses"]} == {"africa"}
    assert [row["country"]["slug"] for row in by_status["statuses"][:2]] == ["mali", "niger"]


def test_topics_list_those_with_a_published_profile(published_mali):
    import_profile_file(EASTMARCH)  # a draft of another topic

    topics = data(get(f"{API}/topics/"))
    topic = data(get(topics["results"][0]["url"]))

    assert [t["slug"] for t in topics["results"]] == ["cluster-munition-ban-policy"]
    assert topic["treaty"]["slug"] == CCM
    assert [p["country"]["slug"] for p in topic["profiles"]] == ["mali"]
    assert data(get(f"{API}/topics/mine-ban-policy/"), 404)["detail"]


# Pages and filters ---------------------------------------------------------------------------


def test_lists_come_in_pages_with_absolute_links(published_mali):
    first = data(get(f"{API}/countries/?region=africa&page_size=20"))
    second = data(get(first["next"]))
    last = data(get(f"{API}/countries/?region=africa&page_size=20&page={first['pages']}"))

    assert first["count"] > 40 and first["page"] == 1 and first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/countries/?region=africa&page_size=20&page=2"
    assert second["previous"].endswith("page=1") and second["page"] == 2
    assert len(first["results"]) == 20
    assert {c["slug"] for c in first["results"]}.isdisjoint(c["slug"] for c in second["results"])
    assert last["next"] is None


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("page=0", 422, "page"),
        ("page=two", 422, "page"),
        ("page_size=201", 422, "page_size"),
        ("page_size=0", 422, "page_size"),
        ("region=atlantis", 422, "region"),
        ("treaty=no-such-treaty", 422, "treaty"),
        ("status=signatory", 422, "treaty"),  # a status needs its treaty
        ("page=999", 404, None),
    ],
)
def test_a_bad_parameter_is_a_json_error_naming_it(published_mali, query, status, field):
    detail = data(get(f"{API}/countries/?{query}"), status)["detail"]

    if field:
        assert [error["loc"] for error in detail] == [["query", field]]
    else:
        assert detail == "There is no page 999 of these results: there are 6 pages."


def test_profiles_filter_by_country_and_topic(published_mali):
    import_profile_file(WESTMARCH, publish=True)

    everything = data(get(f"{API}/profiles/"))
    westmarch = data(get(f"{API}/profiles/?country=westmarch"))
    topic = data(get(f"{API}/profiles/?topic=cluster-munition-ban-policy&country=mali"))
    nothing = data(get(f"{API}/profiles/?topic=mine-ban-policy"))

    assert [p["country"]["slug"] for p in everything["results"]] == ["mali", "westmarch"]
    assert [p["country"]["slug"] for p in westmarch["results"]] == ["westmarch"]
    assert [p["country"]["slug"] for p in topic["results"]] == ["mali"]
    assert nothing["count"] == 0 and nothing["results"] == []


def test_countries_filter_by_treaty_status_and_topic(published_mali):
    parties = data(get(f"{API}/countries/?treaty={CCM}&status=state-party"))
    with_profile = data(get(f"{API}/countries/?topic=cluster-munition-ban-policy"))
    named = data(get(f"{API}/countries/?q=mal"))

    assert [c["slug"] for c in parties["results"]] == ["mali"]
    assert [c["slug"] for c in with_profile["results"]] == ["mali"]
    assert {"mali", "malawi", "maldives", "malta"} <= {c["slug"] for c in named["results"]}


def test_search_finds_published_passages_by_pages(published_mali):
    found = data(get(f"{API}/search/?q=ratified"))

    assert found["count"] == 1 and found["query"] == "ratified"
    hit = found["results"][0]
    assert hit["profile"]["country"]["slug"] == "mali"
    passage = hit["passages"][0]
    assert {"text": "ratified", "match": True} in passage["segments"]
    assert passage["page_url"].startswith("http://testserver/countries/mali/")
    assert data(get(f"{API}/search/?q=ratified&page=2"), 404)["detail"]
    assert data(get(f"{API}/search/"), 422)["detail"][0]["loc"] == ["query", "q"]
    assert data(get(f"{API}/search/?q=%21%21"))["count"] == 0  # no word to look for


# Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/countries/atlantis/",
        f"{API}/topics/atlantis/",
        f"{API}/treaties/atlantis/",
        f"{API}/profiles/atlantis/cluster-munition-ban-policy/",
        f"{API}/profiles/mali/atlantis/editions/",
        f"{MALI_API}/editions/2/",
        f"{MALI_API}/editions/99999999999/",
        f"{MALI_API}/editions/first/",
        f"{API}/no-such-thing/",
    ],
)
def test_an_unknown_address_is_a_json_404(published_mali, url):
    detail = data(get(url), 404)["detail"]

    assert isinstance(detail, str) and detail


def test_an_address_without_its_slash_redirects_to_it(published_mali):
    response = get(f"{API}/countries?page=2")

    assert response.status_code == 301
    assert response["Location"] == f"{API}/countries/?page=2"


def test_writing_is_refused_with_a_json_405(published_mali):
    response = Client().post(f"{API}/profiles/", {})

    assert data(response, 405)["detail"].startswith("This API only reads")
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_a_failure_is_a_json_500_without_a_traceback(published_mali, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a secret detail")

    monkeypatch.setattr("profiles.api.endpoints.search_public", broken)

    detail = data(get(f"{API}/search/?q=mali"), 500)["detail"]

    assert "secret" not in detail and "Traceback" not in detail


# HTTP: validators, caching, CORS -------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [f"{API}/", f"{API}/countries/", f"{MALI_API}/", f"{MALI_API}/editions/1/"]
)
def test_a_repeat_request_with_its_etag_is_answered_304(published_mali, url):
    first = get(url)
    cache.clear()

    repeat = get(url, {"If-None-Match": first["ETag"]})
    since = get(url, {"If-Modified-Since": first["Last-Modified"]})

    assert first.status_code == 200
    assert repeat.status_code == 304 and repeat.content == b""
    assert since.status_code == 304
    assert repeat["ETag"] == first["ETag"]
    assert repeat["Access-Control-Allow-Origin"] == "*"


def test_a_new_edition_changes_the_etag(published_mali):
    before = get(f"{MALI_API}/")["ETag"]
    claim = Claim.objects.filter(section__profile=published_mali).first()
    claim.text += " Amended."
    claim.save()
    profile_publish(profile=published_mali, note="Amended.")

    after = get(f"{MALI_API}/", {"If-None-Match": before})

    assert after.status_code == 200
    assert data(after)["latest_edition"]["number"] == 2


@pytest.mark.parametrize(
    "url", [f"{API}/", f"{API}/treaties/", f"{MALI_API}/editions/1/", f"{API}/openapi.json"]
)
def test_answers_are_public_cacheable_open_to_any_origin_and_set_no_cookie(published_mali, url):
    response = get(url)

    assert response.status_code == 200
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=300"}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    assert not response.cookies


def test_head_answers_like_get(published_mali):
    response = Client().head(f"{MALI_API}/")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"] == get(f"{MALI_API}/")["ETag"]


def test_a_cors_preflight_for_get_is_allowed(published_mali):
    response = Client().options(
        f"{MALI_API}/editions/1/",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "POST" not in response["Access-Control-Allow-Methods"]
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_errors_are_open_to_any_origin_too(published_mali):
    response = get(f"{API}/countries/atlantis/")

    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


# Published data only -------------------------------------------------------------------------


@pytest.fixture
def drafts_and_withdrawn(published_mali):
    """Mali public; Eastmarch a draft; Westmarch published then withdrawn."""
    import_profile_file(EASTMARCH)
    westmarch = import_profile_file(WESTMARCH, publish=True)
    profile_withdraw(profile=westmarch)
    return published_mali


EVERY_LIST = [
    f"{API}/countries/?page_size=200",
    f"{API}/countries/?page_size=200&page=2",
    f"{API}/topics/",
    f"{API}/profiles/",
    f"{API}/treaties/",
    f"{API}/treaties/{CCM}/",
    f"{API}/search/?q=convention",
    f"{API}/search/?q=eastmarch",
    f"{API}/search/?q=westmarch",
    f"{API}/openapi.json",
]


@pytest.mark.parametrize("url", EVERY_LIST)
def test_drafts_and_withdrawn_profiles_appear_in_no_list(drafts_and_withdrawn, url):
    text = get(url).content.decode()

    assert "/eastmarch/mine-ban-policy" not in text
    assert "mine-ban-policy" not in text  # a topic with drafts only is not public
    assert "westmarch/cluster-munition-ban-policy" not in text


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/profiles/eastmarch/mine-ban-policy/",
        f"{API}/profiles/eastmarch/mine-ban-policy/editions/",
        f"{API}/profiles/westmarch/cluster-munition-ban-policy/",
        f"{API}/profiles/westmarch/cluster-munition-ban-policy/editions/",
        f"{API}/profiles/westmarch/cluster-munition-ban-policy/editions/1/",
        f"{API}/topics/mine-ban-policy/",
    ],
)
def test_drafts_and_withdrawn_profiles_are_404(drafts_and_withdrawn, url):
    assert data(get(url), 404)["detail"]


def test_a_country_lists_only_its_public_profiles(drafts_and_withdrawn):
    import_text(EASTMARCH.read_text().replace("Eastmarch", "Mali"), "mali-mine-ban-policy.txt")

    mali = data(get(f"{API}/countries/mali/"))

    assert [p["topic"]["slug"] for p in mali["profiles"]] == ["cluster-munition-ban-policy"]
    # Countries known only from a draft or a withdrawn profile are not listed at all.
    assert data(get(f"{API}/countries/eastmarch/"), 404)["detail"]
    assert data(get(f"{API}/countries/westmarch/"), 404)["detail"]


def test_an_unpublished_status_shows_nowhere(published_mali):
    status = TreatyStatus.objects.get(country__slug="mali", treaty__slug=CCM)
    status.joined_on = status.joined_on.replace(year=2011)
    status.save()

    everywhere = [
        get(f"{API}/countries/mali/").content,
        get(f"{API}/treaties/{CCM}/").content,
        get(f"{API}/countries/?treaty={CCM}&status=state-party").content,
    ]

    assert all(b"2010-06-30" in text and b"2011-06-30" not in text for text in everywhere)


# Query counts --------------------------------------------------------------------------------

QUERY_COUNTS = {
    f"{API}/": 1,
    f"{API}/countries/": 7,
    f"{API}/countries/?treaty={CCM}&status=state-party&topic=cluster-munition-ban-policy": 7,
    f"{API}/countries/mali/": 5,
    f"{API}/topics/": 3,
    f"{API}/topics/cluster-munition-ban-policy/": 3,
    f"{API}/profiles/": 3,
    f"{MALI_API}/": 1,
    f"{MALI_API}/editions/": 2,
    f"{MALI_API}/editions/1/": 2,
    f"{API}/treaties/": 3,
    f"{API}/treaties/{CCM}/": 3,
    f"{API}/search/?q=convention": 4,
    f"{API}/openapi.json": 0,
    f"{API}/docs/": 3,
}


def expected_queries(url: str) -> int:
    on_postgresql = connection.vendor == "postgresql" and "/search/" in url
    return QUERY_COUNTS[url] + on_postgresql  # the word forms to highlight


def grow() -> None:
    """More of everything: profiles, editions, countries, published statuses."""
    import_profile_file(WESTMARCH, publish=True)
    mali = import_profile_file(MALI)
    for note in ("Second.", "Third."):
        profile_publish(profile=mali, note=note)
    for name, iso3 in (("Northmarch", "XAA"), ("Southmarch", "XAB"), ("Farmarch", "XAC")):
        make_public_treaty_status(country=make_country(name, iso3=iso3))


@pytest.mark.parametrize("url", QUERY_COUNTS)
def test_each_address_runs_a_fixed_number_of_queries(
    published_mali, django_assert_num_queries, url
):
    for size in ("small", "grown"):
        if size == "grown":
            grow()
        cache.clear()
        ContentType.objects.clear_cache()
        with django_assert_num_queries(expected_queries(url)):
            response = get(url)
        assert response.status_code == 200, (size, response.content[:300])
