"""Public pages with a shared cache (settings.SHARED_CACHE): a kept page or a repeat visit
needs no database, and every act that changes public pages is seen on the next request, once
its transaction commits.

These run in one process on the local-memory cache, which stands in for Redis here;
tests/load/test_shared_cache.py runs two app servers on one Redis.
"""

import pytest
from django.core.cache import cache
from django.test import Client

from profiles.caching import GENERATION_KEY
from profiles.models import Country, Topic, Treaty, TreatyStatus
from profiles.publishing import profile_publish, profile_withdraw, treaty_statuses_publish
from tests.conftest import MALI
from tests.factories import import_profile_file, make_treaty_status

pytestmark = pytest.mark.django_db

MALI_URL = "/countries/mali/cluster-munition-ban-policy/"
PAGES = [
    MALI_URL,
    f"{MALI_URL}editions/",
    f"{MALI_URL}editions/1/",
    "/countries/mali/cluster-munition-ban-policy.json",
    "/countries/mali/cluster-munition-ban-policy.txt",
    "/",
    "/countries/",
    "/countries/mali/",
    "/treaties/convention-on-cluster-munitions/",
    "/search/?q=Lusaka",
]


@pytest.fixture(autouse=True)
def shared_cache(settings):
    settings.SHARED_CACHE = True


@pytest.fixture
def published(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return import_profile_file(MALI, publish=True)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the acts inside as a committed transaction would: with their on-commit work."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.parametrize("url", PAGES)
def test_a_kept_page_and_a_repeat_visit_need_no_database(published, url, django_assert_num_queries):
    first = Client().get(url)
    assert first.status_code == 200

    with django_assert_num_queries(0):
        again = Client().get(url)
        validators = {"If-None-Match": first["ETag"]} if first.has_header("ETag") else {}
        validators["If-Modified-Since"] = first["Last-Modified"]
        revisit = Client().get(url, headers=validators)

    assert (again.status_code, again.content) == (200, first.content)
    assert revisit.status_code == 304


def test_without_a_shared_cache_each_request_looks_the_page_up(
    published, settings, django_assert_num_queries
):
    settings.SHARED_CACHE = False
    Client().get(MALI_URL)

    with django_assert_num_queries(1):
        assert Client().get(MALI_URL).status_code == 200


def test_a_withdrawal_is_seen_on_the_next_request(published, commit):
    assert Client().get(MALI_URL).status_code == 200

    with commit():
        profile_withdraw(profile=published)

    assert Client().get(MALI_URL).status_code == 404
    assert MALI_URL not in Client().get("/search/?q=Lusaka").content.decode()
    assert MALI_URL not in Client().get("/countries/mali/").content.decode()


def test_an_act_is_seen_only_once_its_transaction_commits(
    published, django_capture_on_commit_callbacks, django_assert_num_queries
):
    Client().get(MALI_URL)

    with django_capture_on_commit_callbacks(execute=False) as pending:
        profile_withdraw(profile=published)

    assert pending, "the withdrawal asks for a new generation on commit"
    with django_assert_num_queries(0):
        assert Client().get(MALI_URL).status_code == 200  # not committed yet
    pending[0]()  # the commit
    assert Client().get(MALI_URL).status_code == 404


def test_a_new_edition_is_seen_on_the_next_request(published, commit):
    Client().get(MALI_URL)
    section = published.sections.order_by("position").last()
    section.heading = "Newly written heading"
    section.save()

    assert "Newly written heading" not in Client().get(MALI_URL).content.decode()
    with commit():
        profile_publish(profile=published)

    assert "Newly written heading" in Client().get(MALI_URL).content.decode()
    assert Client().get(f"{MALI_URL}editions/2/").status_code == 200


def test_a_missing_page_is_kept_missing_until_it_is_published(commit, django_assert_num_queries):
    with commit():
        profile = import_profile_file(MALI)
    assert Client().get(MALI_URL).status_code == 404

    with django_assert_num_queries(0):
        assert Client().get(MALI_URL).status_code == 404
    with commit():
        profile_publish(profile=profile)

    assert Client().get(MALI_URL).status_code == 200


def test_a_treaty_status_publication_is_seen_on_the_next_request(published, commit):
    url = "/treaties/convention-on-cluster-munitions.csv"
    status = TreatyStatus.objects.get(country__slug="mali", treaty__short_name="CCM")
    assert ",Signatory," not in mali_row(Client().get(url))

    with commit():
        status.status = TreatyStatus.Status.SIGNATORY
        status.save()
        treaty_statuses_publish(statuses=[status])

    assert ",Signatory," in mali_row(Client().get(url))


def mali_row(response) -> str:
    return next(line for line in response.content.decode().splitlines() if line.startswith("Mali,"))


def test_a_country_rename_is_seen_on_the_next_request(published, commit):
    assert "Republic of Mali" not in Client().get("/countries/").content.decode()

    with commit():
        mali = Country.objects.get(slug="mali")
        mali.name = "Republic of Mali"
        mali.save()

    assert "Republic of Mali" in Client().get("/countries/").content.decode()


def test_a_topic_rename_is_seen_on_the_next_request(published, commit):
    assert "Cluster Munition Policies" not in Client().get("/").content.decode()

    with commit():
        topic = Topic.objects.get(slug="cluster-munition-ban-policy")
        topic.name = "Cluster Munition Policies"
        topic.save()

    assert "Cluster Munition Policies" in Client().get("/").content.decode()


def test_a_cache_that_lost_its_generation_looks_pages_up_afresh(
    published, django_assert_num_queries
):
    Client().get(MALI_URL)
    cache.delete(GENERATION_KEY)

    with django_assert_num_queries(1):
        assert Client().get(MALI_URL).status_code == 200
    with django_assert_num_queries(0):
        assert Client().get(MALI_URL).status_code == 200


def test_an_unpublished_treaty_status_change_moves_nothing(published, commit):
    url = "/treaties/convention-on-cluster-munitions.csv"
    first = Client().get(url)

    with commit():
        make_treaty_status(
            country=Country.objects.get(slug="niger"),
            treaty=Treaty.objects.get(short_name="CCM"),
        )

    assert (
        Client().get(url, headers={"If-Modified-Since": first["Last-Modified"]}).status_code == 304
    )
