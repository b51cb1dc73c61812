"""HistoryAdmin's change lists (history/changelist.py): the same rows as Django renders them,
one count (PostgreSQL's estimate for a whole table), and a page past the end showing the last."""

import datetime
import random
import zoneinfo

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import items_for_result
from django.db import connection
from django.db.models import F, OuterRef
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, translation

from citations.models import Citation
from history import changelist
from history.admin import HistoryAdmin, joined_names
from profiles.models import Claim, Profile
from tests.factories import make_citation, make_citation_source, make_tree
from tests.helpers import admin_url

pytestmark = pytest.mark.django_db

HISTORY_ADMINS = [
    model
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, HistoryAdmin)
]


@pytest.fixture
def rows(db):
    for number in range(3):
        make_tree(number)
    citation = make_citation(text="A <b>bold</b> & “quoted” footnote.", review_note="x" * 70)
    make_citation_source(citation=citation)


@pytest.mark.parametrize("model", HISTORY_ADMINS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("query", ["", "?o=-2.3", "?q=Test", "?p=1&o=1"])
def test_rows_are_djangos_html(rows, admin_user, model, query):
    """Every admin's rows, as Django's items_for_result renders them: the check that fails if
    Django changes what history.changelist copies (or the private names it uses)."""
    model_admin = admin.site.get_model_admin(model)
    request = RequestFactory().get(f"{admin_url(model, 'changelist')}{query}")
    request.user = admin_user
    cl = model_admin.get_changelist_instance(request)
    cl.formset = None

    ours = [row[0] for row in changelist.results(cl)]
    djangos = ["".join(items_for_result(cl, obj, None)) for obj in cl.result_list]

    assert ours == djangos


def test_datetimes_are_formatted_as_djangos_dateformat():
    shuffled = random.Random(15)
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    formats = ["j F Y, H:i", "aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ", r"\j\F jS \o\f F"]
    with translation.override("en-gb"):
        for zone in ("UTC", "Europe/London", "America/New_York"):
            for format_string in formats:
                shown = changelist.DateTimeFormat(format_string)
                for _ in range(300):
                    seconds = shuffled.randrange(10**9)
                    value = (start + datetime.timedelta(seconds=seconds)).astimezone(
                        zoneinfo.ZoneInfo(zone)
                    )
                    assert shown(value) == dateformat.format(value, format_string)


def test_addresses_with_a_key_are_reverses():
    profile = make_citation().claim.section.profile

    made = changelist.url_with_pk("admin:profiles_profile_editor", profile.pk)

    assert made == reverse("admin:profiles_profile_editor", args=[profile.pk])


def test_a_profiles_joined_names_are_its_name(rows):
    named = Claim.objects.annotate(
        name=joined_names(
            Profile, OuterRef("section__profile"), "country", "topic", separator=" — "
        )
    ).select_related("section__profile__country", "section__profile__topic")

    assert all(claim.name == str(claim.section.profile) for claim in named)


@pytest.mark.parametrize(
    ("queryset", "whole"),
    [
        (lambda: Citation.objects.annotate(profile_id=F("claim__section__profile")), True),
        (lambda: Citation.objects.select_related("reviewed_by"), True),
        (lambda: Citation.objects.filter(position=1), False),
        (lambda: Profile.objects.annotate(heading=F("sections__heading")), False),
        (lambda: Citation.objects.distinct(), False),
    ],
)
def test_what_counts_a_whole_table(queryset, whole):
    assert changelist.counts_whole_table(queryset()) is whole


class CountTests:
    def test_a_list_is_counted_once(self, rows, admin_client):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(admin_url(Citation, "changelist"))

        counts = [
            query["sql"]
            for query in queries
            if query["sql"].strip().startswith("SELECT COUNT(") or "pg_class" in query["sql"]
        ]
        assert len(counts) == 1
        assert response.context["cl"].full_result_count is None
        assert "Show all" not in response.content.decode()  # nothing narrows the list

    def test_a_search_says_how_many_it_found_and_shows_all_on_request(self, rows, admin_client):
        response = admin_client.get(admin_url(Citation, "changelist"), {"q": "bold"})

        assert response.context["cl"].result_count == 1
        assert "1 result" in response.content.decode()
        assert "Show all" in response.content.decode()

    def test_a_page_past_the_end_shows_the_last_page(self, rows, admin_client, monkeypatch):
        monkeypatch.setattr(admin.site.get_model_admin(Citation), "list_per_page", 2)
        total = Citation.objects.count()

        response = admin_client.get(admin_url(Citation, "changelist"), {"p": 999})

        cl = response.context["cl"]
        assert response.status_code == 200
        assert cl.page_num == cl.paginator.num_pages == (total + 1) // 2
        assert len(cl.result_list) == total - 2 * (cl.page_num - 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics")
class EstimateTests:
    @pytest.fixture
    def analysed(self, rows, monkeypatch):
        # Small enough to estimate: a one-row page of a table of two rows or more.
        monkeypatch.setattr(changelist, "ESTIMATE_FROM", 2)
        monkeypatch.setattr(admin.site.get_model_admin(Citation), "list_per_page", 1)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE citations_citation")
        return Citation.objects.count()

    def test_a_whole_table_is_estimated(self, analysed, admin_client):
        response = admin_client.get(admin_url(Citation, "changelist"))

        cl = response.context["cl"]
        assert cl.result_count_estimated
        assert cl.result_count == analysed  # ANALYZE read every row of this small table
        assert f"about {analysed}" in response.content.decode()

    def test_a_filtered_list_is_counted(self, analysed, admin_client):
        response = admin_client.get(admin_url(Citation, "changelist"), {"q": "bold"})

        assert not response.context["cl"].result_count_estimated
        assert response.context["cl"].result_count == 1

    def test_the_second_half_is_counted(self, analysed, admin_client):
        response = admin_client.get(admin_url(Citation, "changelist"), {"p": analysed // 2 + 1})

        assert not response.context["cl"].result_count_estimated
        assert response.context["cl"].result_count == analysed
