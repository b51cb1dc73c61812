import datetime

import pytest
from django.db.models import F

from profiles.models import Publication
from profiles.prepared import PreparedQuery
from profiles.publishing import profile_publish, profile_withdraw
from tests.factories import make_country, make_profile, make_section

pytestmark = pytest.mark.django_db

LATEST = PreparedQuery(
    lambda country, topic: (
        Publication.objects.public()
        .filter(profile__country__slug=country, profile__topic__slug=topic)
        .filter(profile__latest_publication=F("pk"))
        .values_list("pk", "number", "published_at")
    )
)


@pytest.fixture
def profile():
    profile = make_profile()
    make_section(profile=profile)
    profile_publish(profile=profile)
    return profile


def slugs(profile) -> dict:
    return {"country": profile.country.slug, "topic": profile.topic.slug}


def test_a_prepared_query_returns_what_the_orm_returns(profile, django_assert_num_queries):
    expected = (
        Publication.objects.filter(profile=profile)
        .values_list("pk", "number", "published_at")
        .get()
    )

    with django_assert_num_queries(1):
        row = LATEST.run(**slugs(profile))

    assert row == expected
    assert isinstance(row[2], datetime.datetime) and row[2].tzinfo is not None


def test_a_prepared_query_runs_with_each_call_s_values(profile):
    other = make_profile(country=make_country("Otherland"))
    make_section(profile=other)
    profile_publish(profile=other)

    assert LATEST.run(**slugs(profile))[0] != LATEST.run(**slugs(other))[0]
    assert LATEST.run(country=profile.country.slug, topic=other.topic.slug) is None


def test_a_prepared_query_keeps_the_queryset_s_conditions(profile):
    profile_withdraw(profile=profile)

    assert LATEST.run(**slugs(profile)) is None


def test_an_argument_that_does_not_reach_the_sql_is_refused():
    unused = PreparedQuery(lambda country, topic: Publication.objects.values_list("pk"))

    with pytest.raises(ValueError, match=r"\['country', 'topic'\]"):
        unused.run(country="mali", topic="x")
