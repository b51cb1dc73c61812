"""/robots.txt and /sitemap.xml: published pages only, cacheable, a fixed number of queries."""

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
