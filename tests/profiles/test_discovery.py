"""/robots.txt and /sitemap.xml: published pages only, cacheable, a fixed number of queries."""

import json
import re

import pytest
from django.core.cache import cache
from django.test import Client

from profiles.publishing import profile_withdraw
from tests.conftest import MALI, WESTMARCH
from tests.factories import import_profile_file
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

MALI_URL = "/countries/mali/cluster-munition-ban-policy/"


def locations(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return re.findall(r"<loc>(.*?)</loc>", response.content.decode())


def test_robots_names_the_sitemap_and_keeps_crawlers_out_of_search_and_the_admin(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    for path in ("/search/", "/admin/", "/countries/*/draft/"):
        assert f"Disallow: {path}" in lines
    assert "public" in response["Cache-Control"]


def test_the_sitemap_lists_public_profiles_and_their_editions_with_lastmod(client):
    mali = import_profile_file(MALI, publish=True)

    response = client.get("/sitemap.xml")

    found = locations(response)
    assert f"http://testserver{MALI_URL}" in found
    assert f"http://testserver{MALI_URL}editions/" in found
    assert "http://testserver/countries/mali/" in found
    assert "http://testserver/treaties/convention-on-cluster-munitions/" in found
    assert "http://testserver/" in found
    mali.refresh_from_db()
    assert f"<lastmod>{mali.public_changed_at.date().isoformat()}</lastmod>" in (
        response.content.decode()
    )


def test_drafts_and_withdrawn_profiles_are_never_in_the_sitemap(client):
    import_profile_file(MALI)  # a draft
    westmarch = import_profile_file(WESTMARCH, publish=True)
    profile_withdraw(profile=westmarch)

    found = " ".join(locations(client.get("/sitemap.xml")))

    assert "cluster-munition-ban-policy" not in found
    assert "/countries/westmarch/" not in found  # not a listed country without a public profile
    assert "/search/" not in found and "/draft/" not in found


def test_a_withdrawal_takes_the_profile_out_of_a_kept_sitemap(client):
    mali = import_profile_file(MALI, publish=True)
    assert f"http://testserver{MALI_URL}" in locations(client.get("/sitemap.xml"))

    profile_withdraw(profile=mali)

    assert f"http://testserver{MALI_URL}" not in locations(Client().get("/sitemap.xml"))


def test_the_sitemap_runs_a_fixed_number_of_queries():
    import_profile_file(MALI, publish=True)
    few = count_queries(Client(), "/sitemap.xml")
    import_profile_file(WESTMARCH, publish=True)
    cache.clear()

    assert count_queries(Client(), "/sitemap.xml") == few


# The site's public address, Open Graph and JSON-LD ------------------------------------------

SITE = "https://monitor.example.org"


def json_ld_of(html: str) -> dict:
    [block] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def meta(html: str, name: str) -> str:
    [content] = re.findall(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)">', html)
    return content


def test_links_that_leave_the_page_go_to_the_site_url_when_it_is_set(client, settings):
    import_profile_file(MALI, publish=True)
    settings.SITE_URL = SITE

    report = client.get(MALI_URL).content.decode()
    sitemap = locations(client.get("/sitemap.xml"))
    robots = client.get("/robots.txt").content.decode()
    feed = client.get("/feeds/editions.atom").content.decode()
    country = client.get("/countries/mali/?region=africa").content.decode()

    assert f'<link rel="canonical" href="{SITE}{MALI_URL}">' in report
    assert meta(report, "og:url") == f"{SITE}{MALI_URL}"
    assert f"{SITE}{MALI_URL}" in sitemap
    assert all(location.startswith(f"{SITE}/") for location in sitemap)
    assert f"Sitemap: {SITE}/sitemap.xml" in robots
    assert f'href="{SITE}{MALI_URL}editions/1/"' in feed
    assert "testserver" not in feed
    assert f'<link rel="canonical" href="{SITE}/countries/mali/">' in country


def test_without_a_site_url_links_go_to_the_host_asked_for(client):
    import_profile_file(MALI, publish=True)

    report = client.get(MALI_URL).content.decode()

    assert f'<link rel="canonical" href="http://testserver{MALI_URL}">' in report


def test_an_old_edition_names_itself_as_canonical(client, mali_in_two_editions):
    html = client.get(f"{MALI_URL}editions/1/").content.decode()

    assert f'<link rel="canonical" href="http://testserver{MALI_URL}editions/1/">' in html
    assert json_ld_of(html)["version"] == "1"


def test_the_report_describes_itself_as_a_schema_org_report(client):
    mali = import_profile_file(MALI, publish=True)
    snapshot = mali.latest_publication.snapshot

    data = json_ld_of(client.get(MALI_URL).content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Report"
    assert data["url"] == f"http://testserver{MALI_URL}"
    assert data["dateModified"] == snapshot["last_updated"] == "2016-06-07"
    assert data["about"] == {"@type": "Country", "name": "Mali", "identifier": "MLI"}
    assert [note["text"] for note in data["citation"]] == [
        note["text"] for note in snapshot["footnotes"]
    ]
    assert data["citation"][0] == {
        "@type": "CreativeWork",
        "position": 1,
        "text": snapshot["footnotes"][0]["text"],
    }


def test_the_report_has_open_graph_tags(client):
    import_profile_file(MALI, publish=True)

    html = client.get(MALI_URL).content.decode()

    assert meta(html, "og:type") == "article"
    assert meta(html, "og:title") == "Mali: Cluster Munition Ban Policy"
    assert meta(html, "og:description").startswith("Mali: Cluster Munition Ban Policy. State party")
    assert meta(html, "article:modified_time") == "2016-06-07"


def test_a_draft_preview_tells_machines_nothing(editor_client, mali):
    html = editor_client.get(f"{MALI_URL}draft/").content.decode()

    assert "application/ld+json" not in html
    assert 'property="og:' not in html
    assert 'name="robots" content="noindex, nofollow"' in html
