"""The reference data loaded by migrations, and matching country names from profile files."""

import datetime

import pytest

from profiles.models import Country, Topic, Treaty, normalise_name

# Uninhabited places that belong to no region of the Monitor.
WITHOUT_REGION = {"antarctica"}

pytestmark = pytest.mark.django_db


def test_every_iso_country_is_loaded_with_a_unique_slug():
    slugs = list(Country.objects.values_list("slug", flat=True))

    assert len(slugs) >= 249
    assert len(set(slugs)) == len(slugs)
    assert Country.objects.exclude(iso3="").count() == 249


def test_mali():
    mali = Country.objects.get(slug="mali")

    assert mali.name == "Mali"
    assert mali.iso3 == "MLI"
    assert mali.region == Country.Region.AFRICA
    assert not mali.is_other_area


def test_kosovo_is_an_other_area_without_iso_code():
    kosovo = Country.objects.get(name="Kosovo")

    assert kosovo.iso3 == ""
    assert kosovo.is_other_area


@pytest.mark.parametrize(
    ("name", "iso3"), [("Palestine", "PSE"), ("Taiwan", "TWN"), ("Western Sahara", "ESH")]
)
def test_other_areas_with_iso_codes_keep_them(name, iso3):
    area = Country.objects.get(name=name)

    assert area.iso3 == iso3
    assert area.is_other_area


def test_recognised_states_are_not_other_areas():
    other_areas = set(Country.objects.filter(is_other_area=True).values_list("name", flat=True))

    assert other_areas == {
        "Abkhazia",
        "Kosovo",
        "Nagorno-Karabakh",
        "Palestine",
        "Somaliland",
        "Taiwan",
        "Western Sahara",
    }


@pytest.mark.parametrize("slug", ["bolivia", "cote-divoire", "mali"])
def test_slugs_are_made_from_the_short_name(slug):
    assert Country.objects.filter(slug=slug).exists()


def test_every_country_has_a_region_except_uninhabited_places():
    without_region = set(Country.objects.filter(region="").values_list("slug", flat=True))

    assert without_region == WITHOUT_REGION


@pytest.mark.parametrize(
    ("slug", "region"),
    [
        ("turkey", Country.Region.EUROPE_CENTRAL_ASIA),
        ("iran", Country.Region.MIDDLE_EAST_NORTH_AFRICA),
        ("western-sahara", Country.Region.MIDDLE_EAST_NORTH_AFRICA),
        ("afghanistan", Country.Region.ASIA_PACIFIC),
        ("georgia", Country.Region.EUROPE_CENTRAL_ASIA),
        ("colombia", Country.Region.AMERICAS),
    ],
)
def test_regions_follow_the_monitor_grouping(slug, region):
    assert Country.objects.get(slug=slug).region == region


def test_alternative_names_are_one_per_line():
    cote_divoire = Country.objects.get(slug="cote-divoire")

    assert "Ivory Coast" in cote_divoire.alternative_names.splitlines()
    assert "|" not in "".join(Country.objects.values_list("alternative_names", flat=True))


def test_each_country_starts_with_one_history_record():
    for country in Country.objects.all():
        records = list(country.history.all())

        assert len(records) == 1, country
        assert records[0].history_type == "+"
        assert records[0].history_change_reason == "Loaded ISO 3166 country list"
        assert records[0].name == country.name


def test_folds_case_accents_quotes_spaces_and_a_leading_the():
    assert normalise_name("  The  Côte d’Ivoire ") == "cote d'ivoire"


def test_keeps_the_inside_a_name():
    assert normalise_name("Saint Vincent and the Grenadines") == (
        "saint vincent and the grenadines"
    )


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Mali", "mali"),
        ("mali", "mali"),
        ("Bolivia, Plurinational State of", "bolivia"),
        ("Plurinational State of Bolivia", "bolivia"),
        ("Ivory Coast", "cote-divoire"),
        ("Côte d’Ivoire", "cote-divoire"),
        ("Cote d'Ivoire", "cote-divoire"),
        ("the United Kingdom", "united-kingdom"),
        ("Lao People's Democratic Republic", "lao-pdr"),
        ("Laos", "lao-pdr"),
        ("Korea, Republic of", "south-korea"),
        ("Congo", "republic-of-the-congo"),
        ("DR Congo", "democratic-republic-of-the-congo"),
        ("Türkiye", "turkey"),
        ("Russian Federation", "russia"),
        ("cote-divoire", "cote-divoire"),
    ],
)
def test_finds_a_country_by_any_of_its_names(name, slug):
    country = Country.objects.match(name)

    assert country is not None
    assert country.slug == slug


@pytest.mark.parametrize("name", ["Westmarch", "", "   "])
def test_returns_none_for_an_unknown_name(name):
    assert Country.objects.match(name) is None


def test_own_name_wins_over_another_countrys_alternative_name():
    Country.objects.create(name="Westmarch", alternative_names="Mali")

    assert Country.objects.match("Mali").slug == "mali"


def test_reads_the_list_in_two_queries(django_assert_num_queries):
    with django_assert_num_queries(2):
        Country.objects.match("Ivory Coast")


@pytest.mark.parametrize(
    ("slug", "short_name", "adopted_on", "entry_into_force_on"),
    [
        (
            "convention-on-cluster-munitions",
            "CCM",
            datetime.date(2008, 5, 30),
            datetime.date(2010, 8, 1),
        ),
        ("mine-ban-treaty", "MBT", datetime.date(1997, 9, 18), datetime.date(1999, 3, 1)),
        (
            "convention-on-certain-conventional-weapons",
            "CCW",
            datetime.date(1980, 10, 10),
            datetime.date(1983, 12, 2),
        ),
    ],
)
def test_treaties_are_loaded(slug, short_name, adopted_on, entry_into_force_on):
    treaty = Treaty.objects.get(slug=slug)

    assert treaty.short_name == short_name
    assert treaty.adopted_on == adopted_on
    assert treaty.entry_into_force_on == entry_into_force_on
    assert treaty.history.get().history_type == "+"


@pytest.mark.parametrize(
    ("slug", "treaty_slug"),
    [
        ("cluster-munition-ban-policy", "convention-on-cluster-munitions"),
        ("mine-ban-policy", "mine-ban-treaty"),
    ],
)
def test_topics_are_tied_to_their_treaties(slug, treaty_slug):
    topic = Topic.objects.get(slug=slug)

    assert topic.treaty.slug == treaty_slug
    assert topic.description
    history = topic.history.get()
    assert history.history_type == "+"
    assert history.treaty_id == topic.treaty_id
