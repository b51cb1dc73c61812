"""The public directory: home page, countries, treaties, their filters, CSV, caching and errors."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.views.defaults import server_error

from profiles.models import Country, Profile, Topic, Treaty, TreatyStatus
from profiles.publishing import profile_publish, profile_withdraw, treaty_statuses_publish
from tests.conftest import FIXTURES
from tests.factories import (
    make_country,
    make_profile,
    make_public_treaty_status,
    make_section,
    make_topic,
    make_treaty,
)

pytestmark = pytest.mark.django_db

STATE_PARTY = TreatyStatus.Status.STATE_PARTY
SIGNATORY = TreatyStatus.Status.SIGNATORY
NOT_PARTY = TreatyStatus.Status.NOT_PARTY


def country(slug):
    """Return a country of the reference list loaded by the data migration."""
    return Country.objects.get(slug=slug)


def published(country, topic, *, last_updated=datetime.date(2016, 6, 7)):
    """Create a profile with one section and publish it."""
    profile = make_profile(country=country, topic=topic, last_updated=last_updated)
    make_section(profile=profile)
    profile_publish(profile=profile)
    profile.refresh_from_db()
    return profile


def draft(country, topic):
    profile = make_profile(country=country, topic=topic)
    make_section(profile=profile)
    return profile


def withdrawn(country, topic):
    profile = published(country, topic)
    profile_withdraw(profile=profile)
    return profile


def status(country, treaty, value=STATE_PARTY, **fields):
    """A published treaty status."""
    return make_public_treaty_status(country=country, treaty=treaty, status=value, **fields)


@pytest.fixture
def topic():
    return make_topic("Test Ban Policy")


@pytest.fixture
def treaty():
    return make_treaty("Treaty on Testing", short_name="TOT")


def page_text(response) -> str:
    return response.content.decode()


# Nothing unpublished, nothing withdrawn ---------------------------------------------------------


class UnpublishedTests:
    """Drafts and withdrawn profiles appear nowhere: lists, counts, filters or pages."""

    @pytest.fixture(autouse=True)
    def profiles(self, topic):
        self.public = published(country("mali"), topic)
        self.draft = draft(country("niger"), topic)
        self.withdrawn = withdrawn(country("chad"), topic)
        self.draft_topic = make_topic("Secret Draft Topic")
        draft(country("mali"), self.draft_topic)

    def test_home_lists_public_profiles_and_counts_only_them(self, client):
        response = client.get("/")

        assert response.status_code == 200
        topics = {t.slug: t.public_profile_count for t in response.context["topics"]}
        assert topics == {"test-ban-policy": 1}
        assert list(response.context["recent_profiles"]) == [self.public]
        text = page_text(response)
        assert "Niger" not in text
        assert "Chad" not in text
        assert "Secret Draft Topic" not in text

    def test_country_list_shows_countries_with_public_profiles_only(self, client):
        response = client.get("/countries/")

        assert [c.slug for c in response.context["countries"]] == ["mali"]
        assert response.context["paginator"].count == 1
        text = page_text(response)
        assert "Niger" not in text
        assert "Chad" not in text

    def test_country_row_links_public_profiles_only(self, client):
        response = client.get("/countries/")

        (mali,) = response.context["countries"]
        assert mali.public_profiles == [self.public]
        assert "Secret Draft Topic" not in page_text(response)

    def test_topic_filter_offers_topics_with_public_profiles_only(self, client):
        response = client.get("/countries/")

        choices = dict(response.context["filter"].form.fields["topic"].choices)
        assert "test-ban-policy" in choices
        assert "secret-draft-topic" not in choices

    def test_filtering_by_a_draft_only_topic_is_refused(self, client):
        response = client.get("/countries/", {"topic": "secret-draft-topic"})

        assert response.status_code == 200
        assert list(response.context["countries"]) == []
        assert "topic" in response.context["filter"].form.errors

    def test_topic_filter_ignores_drafts_and_withdrawn(self, client):
        response = client.get("/countries/", {"topic": "test-ban-policy"})

        assert [c.slug for c in response.context["countries"]] == ["mali"]

    def test_country_page_lists_public_profiles_only(self, client):
        response = client.get("/countries/mali/")

        assert list(response.context["profiles"]) == [self.public]
        assert "Secret Draft Topic" not in page_text(response)

    @pytest.mark.parametrize("slug", ["niger", "chad"])
    def test_country_with_only_a_draft_or_withdrawn_profile_has_none_published(self, client, slug):
        response = client.get(f"/countries/{slug}/")

        assert response.status_code == 200
        assert list(response.context["profiles"]) == []
        assert "No published profiles yet" in page_text(response)

    def test_withdrawn_profile_goes_from_every_list_at_once(self, client):
        pages = ["/countries/", "/", "/countries/mali/"]
        link = self.public.get_absolute_url()
        assert all(link in client.get(page).content.decode() for page in pages)

        profile_withdraw(profile=self.public)

        home = client.get("/").context
        assert list(client.get("/countries/").context["countries"]) == []
        assert list(home["topics"]) == []
        assert list(home["recent_profiles"]) == []
        assert list(client.get("/countries/mali/").context["profiles"]) == []
        assert not any(link in client.get(page).content.decode() for page in pages)


class ImportedDraftTests:
    """A country created by importing a draft stays out of sight until it is published."""

    @pytest.fixture(autouse=True)
    def imported(self):
        call_command("import_profile", str(FIXTURES / "westmarch-cluster-munition-ban-policy.txt"))

    def test_country_page_is_not_found(self, client):
        assert client.get("/countries/westmarch/").status_code == 404

    def test_treaty_table_and_counts_leave_it_out(self, client):
        table = client.get("/treaties/convention-on-cluster-munitions/")
        treaties = client.get("/treaties/").context["treaties"]

        assert "westmarch" not in [row.slug for row in table.context["rows"]]
        ccm = next(t for t in treaties if t.slug == "convention-on-cluster-munitions")
        assert ccm.state_party_count == 0

    def test_publishing_brings_it_in(self, client):
        profile_publish(profile=Profile.objects.get(country__slug="westmarch"))

        table = client.get("/treaties/convention-on-cluster-munitions/")
        assert client.get("/countries/westmarch/").status_code == 200
        assert "westmarch" in [row.slug for row in table.context["rows"]]


def test_imported_and_published_fixtures_are_listed(client):
    paths = [str(path) for path in sorted(FIXTURES.glob("*.txt"))]
    call_command("import_profile", *paths, "--publish")

    response = client.get("/countries/")

    assert [c.slug for c in response.context["countries"]] == ["mali", "westmarch"]
    assert 'href="/countries/mali/cluster-munition-ban-policy/"' in page_text(response)


# The home page -----------------------------------------------------------------------------------


def test_home_lists_the_most_recently_updated_first(client, topic):
    older = published(country("mali"), topic, last_updated=datetime.date(2015, 1, 1))
    newer = published(country("niger"), topic, last_updated=datetime.date(2017, 1, 1))

    response = client.get("/")

    assert list(response.context["recent_profiles"]) == [newer, older]


def test_home_shows_the_last_updated_date_of_the_publication_not_the_working_copy(client, topic):
    profile = published(country("mali"), topic, last_updated=datetime.date(2016, 6, 7))
    profile.last_updated = datetime.date(2030, 1, 1)  # an unpublished edit
    profile.save()

    text = page_text(client.get("/"))

    assert "7 June 2016" in text
    assert "2030" not in text


def test_home_has_a_search_box_and_links(client):
    text = page_text(client.get("/"))

    assert 'action="/search/"' in text
    assert 'name="q"' in text
    assert 'href="/countries/"' in text
    assert 'href="/treaties/"' in text


# The countries list: filters ---------------------------------------------------------------------


class CountryFilterTests:
    @pytest.fixture(autouse=True)
    def countries(self, topic, treaty):
        self.topic, self.treaty = topic, treaty
        self.other_topic = make_topic("Other Test Policy")
        for slug in ["mali", "niger", "chad", "france", "germany"]:
            published(country(slug), topic)
        published(country("france"), self.other_topic)
        status(country("mali"), treaty, STATE_PARTY)
        status(country("niger"), treaty, SIGNATORY)
        status(country("chad"), treaty, NOT_PARTY)
        status(country("france"), treaty, STATE_PARTY)
        # Germany has no status row for the treaty: it is not party.

    def slugs(self, client, **params):
        response = client.get("/countries/", params)
        assert response.status_code == 200
        return [c.slug for c in response.context["countries"]]

    def test_region(self, client):
        assert self.slugs(client, region="africa") == ["chad", "mali", "niger"]

    def test_treaty_status(self, client):
        assert self.slugs(client, treaty=self.treaty.slug, status=STATE_PARTY) == [
            "france",
            "mali",
        ]
        assert self.slugs(client, treaty=self.treaty.slug, status=SIGNATORY) == ["niger"]

    def test_not_party_is_only_the_recorded_not_parties(self, client):
        assert self.slugs(client, treaty=self.treaty.slug, status=NOT_PARTY) == ["chad"]

    def test_no_data_is_the_countries_without_a_published_status(self, client):
        assert self.slugs(client, treaty=self.treaty.slug, status="no-data") == ["germany"]

    def test_topic(self, client):
        assert self.slugs(client, topic=self.other_topic.slug) == ["france"]

    def test_filters_combine(self, client):
        params = {"region": "africa", "treaty": self.treaty.slug, "status": STATE_PARTY}
        assert self.slugs(client, **params) == ["mali"]
        params = {"region": "europe-central-asia", "topic": self.topic.slug, "q": "ger"}
        assert self.slugs(client, **params) == ["germany"]

    def test_treaty_alone_does_not_filter(self, client):
        assert len(self.slugs(client, treaty=self.treaty.slug)) == 5

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("MALI", ["mali"]),
            ("republic of mali", ["mali"]),  # the official name
            ("french republic", ["france"]),
        ],
    )
    def test_name_search(self, client, query, expected):
        assert self.slugs(client, q=query) == expected

    def test_name_search_reads_alternative_names_and_ignores_accents(self, client, topic):
        ivory_coast = country("cote-divoire")
        ivory_coast.alternative_names = "Ivory Coast"
        ivory_coast.save()
        published(ivory_coast, topic)

        assert self.slugs(client, q="ivory") == ["cote-divoire"]
        assert self.slugs(client, q="cote d'ivoire") == ["cote-divoire"]
        assert self.slugs(client, q="Côte") == ["cote-divoire"]

    def test_form_shows_the_current_filters(self, client):
        params = {"region": "africa", "treaty": self.treaty.slug, "status": SIGNATORY, "q": "ni"}
        text = page_text(client.get("/countries/", params))

        assert '<option value="africa" selected>' in text
        assert f'<option value="{self.treaty.slug}" selected>' in text
        assert '<option value="signatory" selected>' in text
        assert 'value="ni"' in text
        assert ">Clear filters</a>" in text

    def test_no_clear_link_without_filters(self, client):
        assert "Clear filters" not in page_text(client.get("/countries/"))

    def test_no_match_says_so(self, client):
        response = client.get("/countries/", {"q": "atlantis"})

        assert list(response.context["countries"]) == []
        assert "No countries match these filters." in page_text(response)

    def test_rows_show_every_treaty_status_and_no_data_without_a_published_one(self, client):
        response = client.get("/countries/", {"q": "germany"})

        (germany,) = response.context["countries"]
        columns = dict(germany.treaty_columns)
        assert set(columns) == set(Treaty.objects.all())
        assert columns[self.treaty] is None
        assert "No data" in page_text(response)
        assert 'status--not-party">' not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"region": "mars"}, "mars is not one of the available choices"),
        ({"treaty": "nope", "status": STATE_PARTY}, "nope is not one of the available choices"),
        ({"status": "lunatic"}, "lunatic is not one of the available choices"),
        ({"topic": "nope"}, "nope is not one of the available choices"),
        ({"status": STATE_PARTY}, "Choose the treaty whose status you are filtering by."),
    ],
)
def test_unknown_filter_values_give_a_page_with_the_errors(client, topic, params, message):
    published(country("mali"), topic)

    response = client.get("/countries/", params)

    assert response.status_code == 200
    assert list(response.context["countries"]) == []
    text = page_text(response)
    assert message in text
    assert "no countries match" in text


# The countries list: pagination ---------------------------------------------------------------


@pytest.fixture
def african_countries(topic):
    countries = list(Country.objects.filter(region=Country.Region.AFRICA))
    assert 50 < len(countries) < 100
    for each in countries:
        published(each, topic)
    return countries


def test_filters_survive_pagination(client, african_countries):
    filters = {"region": "africa", "topic": "test-ban-policy"}
    response = client.get("/countries/", filters)
    page_2 = client.get("/countries/", {**filters, "page": 2})

    assert len(response.context["countries"]) == 50
    assert 'href="?region=africa&amp;topic=test-ban-policy&amp;page=2"' in page_text(response)
    assert page_2.context["page_obj"].number == 2
    assert len(page_2.context["countries"]) == len(african_countries) - 50
    assert 'href="?region=africa&amp;topic=test-ban-policy&amp;page=1"' in page_text(page_2)
    assert all(c.region == "africa" for c in page_2.context["countries"])


@pytest.mark.parametrize(("page", "shown"), [("abc", 1), ("999", 2), ("0", 2), ("-1", 2)])
def test_a_page_that_does_not_exist_shows_the_nearest_with_a_note(
    client, african_countries, page, shown
):
    response = client.get("/countries/", {"page": page})

    assert response.status_code == 200
    assert response.context["page_obj"].number == shown
    assert f"There is no page “{page}”" in page_text(response)


# A country's page --------------------------------------------------------------------------------


def test_country_page_shows_every_treaty_with_its_status(client, topic, treaty):
    mali = country("mali")
    published(mali, topic)
    status(
        mali,
        treaty,
        STATE_PARTY,
        signed_on=datetime.date(2008, 12, 3),
        joined_on=datetime.date(2010, 6, 30),
        joined_by=TreatyStatus.JoinedBy.RATIFICATION,
        in_force_on=datetime.date(2010, 12, 1),
        notes="Internal: call the ministry",
    )

    response = client.get("/countries/mali/")

    treaties = {t.slug: t for t in response.context["treaties"]}
    assert set(treaties) == set(Treaty.objects.values_list("slug", flat=True))
    assert treaties[treaty.slug].status_label == "State party"
    assert treaties["mine-ban-treaty"].status_label == "No data"
    text = page_text(response)
    assert "3 December 2008" in text
    assert "30 June 2010" in text
    assert "(ratification)" in text
    assert "1 December 2010" in text
    assert "Internal" not in text
    assert 'href="/countries/mali/test-ban-policy/"' in text
    assert "Last updated" in text


def test_country_without_public_profile_shows_its_treaty_status(client, treaty):
    status(country("france"), treaty, SIGNATORY)

    response = client.get("/countries/france/")

    assert response.status_code == 200
    assert "No published profiles yet" in page_text(response)
    assert "Signatory" in page_text(response)


def test_unknown_country_is_not_found_with_a_useful_page(client):
    response = client.get("/countries/atlantis/")

    assert response.status_code == 404
    text = page_text(response)
    assert "There is no country at the address “atlantis”." in text
    assert "/countries/atlantis/" in text
    assert 'action="/search/"' in text
    assert 'href="/countries/"' in text


def test_unknown_address_is_not_found_with_a_useful_page(client):
    response = client.get("/nowhere/at/all/")

    assert response.status_code == 404
    assert "There is no page at this address." in page_text(response)


def test_server_error_page_needs_no_context():
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


# Treaties ---------------------------------------------------------------------------------------


def test_treaty_list_counts_parties_and_signatories(client, treaty):
    for slug in ["mali", "niger", "chad"]:
        status(country(slug), treaty, STATE_PARTY)
    status(country("france"), treaty, SIGNATORY)
    status(country("germany"), treaty, NOT_PARTY)

    response = client.get("/treaties/")

    counted = {
        t.slug: (t.state_party_count, t.signatory_count) for t in response.context["treaties"]
    }
    assert counted[treaty.slug] == (3, 1)
    assert f'href="/treaties/{treaty.slug}/"' in page_text(response)


class TreatyTableTests:
    @pytest.fixture(autouse=True)
    def statuses(self, treaty):
        self.treaty = treaty
        self.url = f"/treaties/{treaty.slug}/"
        status(
            country("mali"),
            treaty,
            STATE_PARTY,
            signed_on=datetime.date(2008, 12, 3),
            joined_on=datetime.date(2010, 6, 30),
            joined_by=TreatyStatus.JoinedBy.RATIFICATION,
            in_force_on=datetime.date(2010, 12, 1),
            last_report_submitted_on=datetime.date(2020, 4, 30),
        )
        status(
            country("niger"),
            treaty,
            STATE_PARTY,
            joined_on=datetime.date(2009, 6, 2),
            joined_by=TreatyStatus.JoinedBy.ACCESSION,
        )
        status(country("france"), treaty, SIGNATORY, signed_on=datetime.date(2008, 12, 4))
        status(country("chad"), treaty, NOT_PARTY)

    def rows(self, client, **params):
        response = client.get(self.url, params)
        assert response.status_code == 200
        return list(response.context["rows"])

    def test_every_listed_country_is_in_the_table(self, client):
        rows = self.rows(client)

        assert len(rows) == Country.objects.exclude(iso3="", is_other_area=False).count()
        by_slug = {row.slug: row for row in rows}
        assert by_slug["germany"].status_label == "No data"
        assert by_slug["chad"].status_label == "Not party"
        assert by_slug["niger"].joined_by_label == "Accession"

    def test_default_order_is_by_country_name(self, client):
        names = [row.name for row in self.rows(client)]

        listed = Country.objects.exclude(iso3="", is_other_area=False).order_by("name")
        assert names == list(listed.values_list("name", flat=True))

    def test_sort_by_status_both_ways(self, client):
        ascending = [row.slug for row in self.rows(client, sort="status")]
        descending = [row.slug for row in self.rows(client, sort="-status")]

        assert ascending[:3] == ["mali", "niger", "france"]
        assert descending[-3:] == ["france", "mali", "niger"]

    def test_sort_by_date_both_ways_with_empty_dates_last(self, client):
        ascending = [row.slug for row in self.rows(client, sort="joined")]
        descending = [row.slug for row in self.rows(client, sort="-joined")]

        assert ascending[:2] == ["niger", "mali"]
        assert descending[:2] == ["mali", "niger"]

    def test_sort_by_country_descending(self, client):
        rows = self.rows(client, sort="-country")

        assert rows[0].name > rows[-1].name

    @pytest.mark.parametrize("sort", ["nonsense", "-", "--country", "notes", "status_row__notes"])
    def test_unknown_sort_falls_back_to_country(self, client, sort):
        response = client.get(self.url, {"sort": sort})

        assert response.status_code == 200
        assert response.context["sort"] == "country"

    def test_headings_toggle_the_sort_and_say_which_is_current(self, client):
        text = page_text(client.get(self.url, {"sort": "signed", "region": "africa"}))

        assert 'aria-sort="ascending"' in text
        assert 'href="?sort=-signed&amp;region=africa"' in text
        assert 'href="?sort=country&amp;region=africa"' in text
        text = page_text(client.get(self.url, {"sort": "-signed"}))
        assert 'aria-sort="descending"' in text
        assert 'href="?sort=signed"' in text

    def test_filter_by_status_and_region(self, client):
        assert [r.slug for r in self.rows(client, status=STATE_PARTY)] == ["mali", "niger"]
        not_party = self.rows(client, status=NOT_PARTY, region="africa")
        assert "chad" in [r.slug for r in not_party]
        assert {r.region for r in not_party} == {"africa"}
        assert {r.status for r in not_party} == {NOT_PARTY}

    def test_unknown_filter_values_give_a_page_with_the_errors(self, client):
        response = client.get(self.url, {"region": "mars"})

        assert response.status_code == 200
        assert list(response.context["rows"]) == []
        assert "mars is not one of the available choices" in page_text(response)

    def test_unknown_treaty_is_not_found(self, client):
        response = client.get("/treaties/nope/")

        assert response.status_code == 404
        assert "There is no treaty at the address “nope”." in page_text(response)

    def test_csv(self, client):
        response = client.get(f"/treaties/{self.treaty.slug}.csv")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            response["Content-Disposition"]
            == f'attachment; filename="{self.treaty.slug}-status.csv"'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:4] == ["Country", "ISO 3166 alpha-3", "Region", "Status"]
        by_name = {row[0]: row for row in rows[1:]}
        assert len(by_name) == Country.objects.exclude(iso3="", is_other_area=False).count()
        assert by_name["Mali"] == [
            "Mali",
            "MLI",
            "Africa",
            "State party",
            "2008-12-03",
            "2010-06-30",
            "Ratification",
            "2010-12-01",
            "",
            "2020-04-30",
        ]
        assert by_name["Germany"][3] == "No data"

    def test_csv_keeps_the_filters_and_order(self, client):
        response = client.get(f"/treaties/{self.treaty.slug}.csv", {"status": STATE_PARTY})
        rows = list(csv.reader(io.StringIO(response.content.decode())))

        assert [row[0] for row in rows[1:]] == ["Mali", "Niger"]
        response = client.get(
            f"/treaties/{self.treaty.slug}.csv", {"status": STATE_PARTY, "sort": "-country"}
        )
        assert [row[0] for row in csv.reader(io.StringIO(response.content.decode()))][1:] == [
            "Niger",
            "Mali",
        ]

    def test_csv_never_starts_a_name_with_a_formula(self, client):
        make_country('=HYPERLINK("http://evil.example")', slug="formula", iso3="ZZF")

        response = client.get(f"/treaties/{self.treaty.slug}.csv")

        names = [row[0] for row in csv.reader(io.StringIO(response.content.decode()))]
        assert '\'=HYPERLINK("http://evil.example")' in names
        assert "Mali" in names

    def test_page_links_the_csv_with_the_current_filters(self, client):
        text = page_text(client.get(self.url, {"status": STATE_PARTY}))

        assert f'href="/treaties/{self.treaty.slug}.csv?status=state-party"' in text


# HTTP: methods, caching, cookies ----------------------------------------------------------------

PAGES = [
    "/",
    "/countries/",
    "/countries/mali/",
    "/treaties/",
    "/treaties/mine-ban-treaty/",
    "/treaties/mine-ban-treaty.csv",
]


@pytest.mark.parametrize("url", PAGES)
def test_repeat_visit_is_not_modified_and_costs_one_query(
    client, topic, url, django_assert_num_queries
):
    published(country("mali"), topic)
    first = client.get(url)

    with django_assert_num_queries(1):
        again = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert first.status_code == 200
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("url", PAGES)
def test_a_new_visitor_gets_the_page_rendered_before_at_one_query(
    client, topic, url, django_assert_num_queries
):
    published(country("mali"), topic)
    first = client.get(url)

    with django_assert_num_queries(1):
        again = Client().get(url)

    assert (again.status_code, again.content) == (200, first.content)
    assert again["Content-Type"] == first["Content-Type"]


def test_a_kept_page_is_rendered_afresh_when_a_treaty_status_changes(client, treaty):
    mali = status(country("mali"), treaty, SIGNATORY)
    url = f"/treaties/{treaty.slug}.csv"
    assert ",Signatory," in page_text(client.get(url))

    mali.status = STATE_PARTY
    mali.save()
    assert ",Signatory," in page_text(client.get(url)), "a draft change is not public"

    treaty_statuses_publish(statuses=[mali])

    assert ",State party," in page_text(client.get(url))


@pytest.mark.parametrize("url", PAGES)
def test_public_pages_set_no_cookie_and_are_cacheable(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    assert "public" in response["Cache-Control"]


@pytest.mark.parametrize("url", PAGES)
def test_post_is_not_allowed(client, url):
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", PAGES)
def test_head_is_allowed(client, url):
    response = client.head(url)

    assert response.status_code == 200
    assert response.content == b""


# Speed: a fixed number of queries per page -------------------------------------------------------


def grow(*, countries: int, topics: list[Topic]):
    """Publish profiles on more reference countries, with a status for every treaty."""
    taken = Profile.objects.values("country")
    treaties = list(Treaty.objects.all())
    values = [STATE_PARTY, SIGNATORY, NOT_PARTY]
    more = Country.objects.exclude(iso3="").exclude(pk__in=taken)[:countries]
    for number, each in enumerate(more):
        for topic in topics:
            published(each, topic, last_updated=datetime.date(2015, 1, 1 + number % 28))
        for treaty in treaties:
            working, _created = TreatyStatus.objects.get_or_create(
                country=each,
                treaty=treaty,
                defaults={
                    "status": values[number % 3],
                    "signed_on": datetime.date(2008, 12, 3),
                    "joined_on": datetime.date(2010, 6, 30),
                    "joined_by": TreatyStatus.JoinedBy.RATIFICATION,
                },
            )
            treaty_statuses_publish(statuses=[working])


@pytest.fixture
def two_topics():
    return [make_topic("Test Ban Policy"), make_topic("Other Test Policy")]


QUERY_COUNTS = [
    # Last-Modified; topics with counts; recent profiles.
    ("/", {}, 3),
    # Last-Modified; treaties; topic choices; count; countries; their statuses; their profiles.
    ("/countries/", {}, 7),
    ("/countries/", {"q": "a", "treaty": "mine-ban-treaty", "status": "signatory"}, 7),
    ("/countries/", {"topic": "test-ban-policy", "q": "a", "page": "2"}, 7),
    # An invalid filter: no count and no rows to fetch.
    ("/countries/", {"region": "mars"}, 3),
    # Last-Modified; the country; treaties with its status; its profiles.
    ("/countries/mali/", {}, 4),
    # Last-Modified; treaties with counts.
    ("/treaties/", {}, 2),
    # Last-Modified; the treaty; the table.
    ("/treaties/mine-ban-treaty/", {}, 3),
    ("/treaties/mine-ban-treaty/", {"sort": "-joined", "status": "state-party"}, 3),
    ("/treaties/mine-ban-treaty.csv", {}, 3),
    # Not found: Last-Modified; the country.
    ("/countries/atlantis/", {}, 2),
]


@pytest.fixture
def some_data(two_topics):
    published(country("mali"), two_topics[0])
    grow(countries=3, topics=two_topics)


@pytest.mark.parametrize(("url", "params", "queries"), QUERY_COUNTS)
def test_query_count(client, some_data, url, params, queries, django_assert_num_queries):
    with django_assert_num_queries(queries):
        response = client.get(url, params)

    if response.context and "countries" in response.context and "region" not in params:
        assert response.context["countries"], "no rows: the per-row queries went unmeasured"


def test_query_counts_do_not_grow_with_the_data(client, some_data, two_topics):
    expected = {(url, str(params)): queries for url, params, queries in QUERY_COUNTS}

    def measure():
        counts = {}
        for url, params, _queries in QUERY_COUNTS:
            with CaptureQueriesContext(connection) as queries:
                client.get(url, params)
            counts[url, str(params)] = len(queries)
        return counts

    assert measure() == expected
    grow(countries=60, topics=two_topics)
    assert Profile.objects.public().count() > 120
    assert measure() == expected
