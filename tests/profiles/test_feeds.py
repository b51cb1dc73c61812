"""Atom feeds of new editions: every profile's, a country's, a topic's; published editions only."""

import re

import pytest
from django.test import Client

from profiles.publishing import profile_publish, profile_withdraw
from tests.conftest import MALI, WESTMARCH
from tests.factories import import_profile_file
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

MALI_URL = "/countries/mali/cluster-munition-ban-policy/"
FEEDS = [
    "/feeds/editions.atom",
    "/countries/mali/feed.atom",
    "/topics/cluster-munition-ban-policy/feed.atom",
]


def entries(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return re.findall(r"<entry>(.*?)</entry>", response.content.decode(), re.DOTALL)


@pytest.fixture
def mali_twice():
    """Mali published, changed and published again with an edition note."""
    mali = import_profile_file(MALI, publish=True)
    section = mali.sections.order_by("position").last()
    section.heading = "A heading written again"
    section.save()
    profile_publish(profile=mali, note="Rewrote a heading.")
    return mali


@pytest.mark.parametrize("url", FEEDS)
def test_each_feed_lists_the_new_editions_newest_first_with_note_and_comparison(
    client, mali_twice, url
):
    found = entries(client.get(url))

    assert len(found) == 2
    newest, first = found
    assert f"http://testserver{MALI_URL}editions/2/" in newest
    assert "What changed: Rewrote a heading." in newest
    comparison = f"http://testserver{MALI_URL}editions/1/compare/2/"
    assert f'<link href="{comparison}" rel="related"' in newest
    assert f"http://testserver{MALI_URL}editions/1/" in first
    assert "compare" not in first


@pytest.mark.parametrize("url", FEEDS)
def test_a_withdrawn_profile_leaves_every_feed(client, mali_twice, url):
    profile_withdraw(profile=mali_twice)

    response = Client().get(url)

    if url.startswith("/topics/"):  # no public profile of the topic is left
        assert response.status_code == 404
    else:  # Mali stays a listed country, with no edition to show
        assert entries(response) == []


def test_drafts_are_in_no_feed(client):
    import_profile_file(MALI)
    import_profile_file(WESTMARCH, publish=True)

    everything = " ".join(entries(client.get("/feeds/editions.atom")))

    assert "westmarch" in everything
    assert "/countries/mali/" not in everything
    assert entries(client.get("/countries/mali/feed.atom")) == []


def test_a_topic_with_drafts_only_has_no_feed(client):
    import_profile_file(MALI)

    assert client.get("/topics/cluster-munition-ban-policy/feed.atom").status_code == 404
    assert client.get("/countries/atlantis/feed.atom").status_code == 404


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_answer_a_revisit_with_304_and_a_fixed_number_of_queries(mali_twice, url):
    first = Client().get(url)
    revisit = Client().get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert revisit.status_code == 304
    few = count_queries(Client(), url + "?fresh")
    import_profile_file(WESTMARCH, publish=True)

    assert count_queries(Client(), url + "?fresher") == few
