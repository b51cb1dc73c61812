"""The public search: what is indexed, what is found, how it is shown, and odd input.

Run on SQLite and on PostgreSQL (scripts/with-postgres): the two databases search differently
(see profiles/search.py) and these tests hold for both.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from profiles import search as search_module
from profiles.models import Claim, Profile, SearchEntry
from profiles.publishing import profile_publish, profile_withdraw
from profiles.search import (
    MAX_QUERY_LENGTH,
    Term,
    clean_query,
    fold,
    highlight,
    parse_query,
    search_public,
)
from tests.conftest import MALI, WESTMARCH
from tests.factories import (
    import_profiles,
    make_citation,
    make_claim,
    make_country,
    make_profile,
    make_section,
)

pytestmark = pytest.mark.django_db

MALI_URL = "/countries/mali/cluster-munition-ban-policy/"


def profile(country: str) -> Profile:
    return Profile.objects.get(country__slug=country, topic__slug="cluster-munition-ban-policy")


def search(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return response


def found(query: str) -> list[str]:
    """Return the slugs of the countries whose profiles match, best first."""
    results = search_public(query)
    return [result.profile.country.slug for result in results.page] if results.page else []


def marked(passage) -> list[str]:
    return [text for text, is_marked in passage.segments if is_marked]


def publish_profile_saying(text: str, *, country: str, claims: int = 1) -> Profile:
    """Create and publish a profile whose claims all say `text`."""
    new = make_profile(country=make_country(country))
    section = make_section(profile=new, heading="Policy")
    for _ in range(claims):
        make_citation(claim=make_claim(section=section, text=text))
    profile_publish(profile=new)
    new.refresh_from_db()
    return new


class FindingTests:
    def test_a_phrase_from_a_published_claim_is_found_and_highlighted(self, client, published_mali):
        response = search(client, '"violently interrupted"')

        (result,) = response.context["results"].page
        assert result.profile == published_mali
        (passage,) = result.passages
        assert marked(passage) == ["violently interrupted"]
        assert passage.url == f"{MALI_URL}#policy"
        assert b"<mark>violently interrupted</mark>" in response.content
        assert f'href="{MALI_URL}#policy"'.encode() in response.content

    def test_a_footnote_is_found_and_linked_by_its_number(self, client, published_mali):
        response = search(client, "Lomé Regional Seminar")

        (result,) = response.context["results"].page
        assert [passage.url for passage in result.passages] == [
            f"{MALI_URL}#fn-2",
            f"{MALI_URL}#fn-6",
            f"{MALI_URL}#fn-8",
        ]
        assert all(passage.is_footnote for passage in result.passages)
        assert "Lomé Regional Seminar" in marked(result.passages[0])
        assert "<mark>Lomé Regional Seminar</mark>".encode() in response.content
        assert b"Footnote 2" in response.content

    def test_accents_case_and_curly_quotes_do_not_matter(self, published_mali):
        assert found("lome regional") == ["mali"]
        assert found("LOMÉ") == ["mali"]
        assert found("“lome regional seminar”") == ["mali"]

    def test_a_word_finds_its_plural(self, published_mali):
        results = search_public("stockpile")

        (result,) = results.page
        assert any("stockpile" in fold(" ".join(marked(p))) for p in result.passages)

    def test_results_are_grouped_by_profile(self, client):
        import_profiles(MALI, WESTMARCH, publish=True)

        response = search(client, '"Convention on Cluster Munitions" Geneva')

        results = list(response.context["results"].page)
        assert {result.profile.country.slug for result in results} == {"mali", "westmarch"}
        for result in results:
            prefix = result.profile.get_absolute_url() + "#"
            assert all(passage.url.startswith(prefix) for passage in result.passages)
            assert result.hits >= len(result.passages) > 0
        content = response.content.decode()
        assert content.count("Mali — Cluster Munition Ban Policy</a></h2>") == 1
        assert content.count("Westmarch — Cluster Munition Ban Policy</a></h2>") == 1

    def test_a_profile_shows_its_best_passages_and_counts_the_rest(self):
        publish_profile_saying("Testland holds quokka festivals.", country="Testland", claims=7)

        (result,) = search_public("quokka").page

        assert result.hits == 7
        assert len(result.passages) == search_module.PASSAGES_PER_PROFILE
        assert result.more == 7 - search_module.PASSAGES_PER_PROFILE

    def test_excluded_words_and_alternatives(self):
        import_profiles(MALI, WESTMARCH, publish=True)

        assert found("Beirut") == ["westmarch"]
        assert sorted(found("Lusaka or Beirut")) == ["mali", "westmarch"]
        assert found("Lusaka -Beirut") == ["mali"]
        assert found('statement -"Lomé Regional Seminar" Lusaka') == []

    def test_a_profile_matching_more_ranks_first(self):
        publish_profile_saying("One wombat.", country="Onewombat", claims=1)
        publish_profile_saying("Wombat after wombat.", country="Manywombats", claims=4)

        assert found("wombat") == ["manywombats", "onewombat"]

    def test_passages_are_html_escaped_around_the_marks(self, client):
        publish_profile_saying("<script>alert(1)</script> & the narwhal", country="Escapia")

        response = search(client, "narwhal")

        assert b"&lt;script&gt;alert(1)&lt;/script&gt; &amp; the <mark>narwhal</mark>" in (
            response.content
        )
        assert b"<script>alert" not in response.content


class WhatIsPublicTests:
    def test_a_draft_is_never_found(self, client, published_mali):
        draft = make_profile(country=make_country("Draftland"))
        make_claim(section=make_section(profile=draft), text="Draftland loves pangolins.")

        assert found("pangolins") == []
        assert not SearchEntry.objects.filter(profile=draft).exists()

    def test_a_withdrawn_profile_is_not_found_until_published_again(self, published_mali):
        profile_withdraw(profile=published_mali)

        assert found("Lusaka") == []
        assert not SearchEntry.objects.exists()

        profile_publish(profile=published_mali)

        assert found("Lusaka") == ["mali"]

    def test_a_kept_results_page_is_not_served_once_the_profile_is_withdrawn(
        self, client, published_mali
    ):
        assert MALI_URL in search(client, "Lusaka").content.decode()

        profile_withdraw(profile=published_mali)

        assert MALI_URL not in search(client, "Lusaka").content.decode()

    def test_working_copy_edits_are_found_only_once_published(self, published_mali):
        claim = Claim.objects.get(
            section__profile=published_mali, text__startswith="Mali has stated several"
        )
        claim.text = "Mali has said that it never used zeppelins."
        claim.save()

        assert found("zeppelins") == []
        assert found('"stated several times"') == ["mali"]

        profile_publish(profile=published_mali)

        assert found("zeppelins") == ["mali"]
        assert found('"stated several times"') == []

    def test_only_the_latest_edition_is_indexed(self, published_mali):
        claim = Claim.objects.get(
            section__profile=published_mali, text__startswith="Mali has stated several"
        )
        claim.text = "Mali has said that it never used zeppelins."
        claim.save()

        publication = profile_publish(profile=published_mali).publication

        assert set(SearchEntry.objects.values_list("publication", flat=True)) == {publication.pk}
        assert SearchEntry.objects.filter(kind="claim").count() == 14
        assert SearchEntry.objects.filter(kind="footnote").count() == 8

    def test_rebuild_search_index_indexes_the_public_profiles_only(self):
        import_profiles(MALI, WESTMARCH, publish=True)
        profile_withdraw(profile=profile("westmarch"))
        SearchEntry.objects.all().delete()
        out = StringIO()

        call_command("rebuild_search_index", stdout=out)

        assert out.getvalue().strip() == "Indexed 1 public profile."
        assert set(SearchEntry.objects.values_list("profile__country__slug", flat=True)) == {"mali"}
        assert found("Lusaka") == ["mali"]


ODD_QUERIES = [
    " ",
    "\t\n",
    '"',
    '""',
    "-",
    "--",
    "OR",
    "or or",
    "-OR",
    "&|!:*()",
    "'",
    "\\",
    "%",
    "_",
    "!(mali & lome):*",
    "mali <-> lome",
    "'; DROP TABLE profiles_searchentry; --",
    "1' OR '1'='1",
    "mali\x00lome",
    "\x00",
    "“Lomé” ‘Regional’",
    "Lomé",
    "日本語",
    "💣 cluster",
    "mali OR",
    "OR mali",
    '-"mali',
    'mali "lome',
    "a" * 5000,
    "cluster " * 100,
]


class OddInputTests:
    @pytest.mark.parametrize("query", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
    def test_any_search_string_gives_a_page(self, client, published_mali, query):
        response = search(client, query)

        assert b"<h1>Search the profiles</h1>" in response.content

    def test_no_query_asks_for_one(self, client, published_mali):
        response = client.get("/search/")

        assert response.status_code == 200
        assert b"Type a word or a phrase" in response.content
        assert response.context["results"].page is None

    def test_a_query_without_words_says_so(self, client, published_mali):
        response = search(client, "&|!:*() -- OR")

        assert b"has no words to look for" in response.content

    def test_no_match_says_so(self, client, published_mali):
        response = search(client, "xylophone")

        assert b"No published profile matches <strong>xylophone</strong>" in response.content

    def test_a_long_query_is_cut_with_a_message(self, client, published_mali):
        response = search(client, "Lusaka " + "x" * 500)

        assert len(response.context["query"]) == MAX_QUERY_LENGTH
        assert b"only its first 200 characters were used" in response.content

    def test_null_bytes_are_removed(self, client, published_mali):
        response = client.get("/search/?q=Lus%00aka%00")

        assert response.status_code == 200
        assert response.context["query"] == "Lusaka"
        assert [r.profile for r in response.context["results"].page] == [published_mali]

    def test_search_box_shows_the_query_escaped(self, client, published_mali):
        response = search(client, '"><b>bold</b>')

        assert b'value="&quot;&gt;&lt;b&gt;bold&lt;/b&gt;"' in response.content


class PaginationTests:
    @pytest.fixture
    def five_profiles(self, monkeypatch):
        monkeypatch.setattr(search_module, "PROFILES_PER_PAGE", 2)
        for name in ["Aland", "Bland", "Cland", "Dland", "Eland"]:
            publish_profile_saying(f"{name} reports an okapi.", country=name)

    def test_profiles_come_by_pages(self, client, five_profiles):
        first = search(client, "okapi")
        third = search(client, "okapi", page="3")

        assert first.context["results"].profile_count == 5
        assert [r.profile.country.name for r in first.context["results"].page] == [
            "Aland",
            "Bland",
        ]
        assert [r.profile.country.name for r in third.context["results"].page] == ["Eland"]
        assert b'href="?q=okapi&amp;page=2"' in first.content

    @pytest.mark.parametrize("page", ["0", "-1", "4", "abc", "1.5", "9" * 5000, ""])
    def test_a_bad_page_number_shows_the_first_page(self, client, five_profiles, page):
        response = search(client, "okapi", page=page)

        assert response.context["results"].page.number == 1
        if page:
            assert b"There is no page" in response.content


class QueryCountTests:
    # Last-modified check, count the profiles, a page of profiles, their passages; and on
    # PostgreSQL the word forms to highlight.
    def expected(self) -> int:
        return 5 if connection.vendor == "postgresql" else 4

    def test_one_matching_profile(self, client, django_assert_num_queries):
        publish_profile_saying("Testland spotted a dugong.", country="Testland")

        with django_assert_num_queries(self.expected()):
            response = search(client, "dugong")

        assert response.context["results"].profile_count == 1

    def test_many_matching_profiles_and_passages(self, client, django_assert_num_queries):
        for index in range(8):
            publish_profile_saying(
                f"Dugong number {index} met another dugong.", country=f"Land{index}", claims=6
            )

        with django_assert_num_queries(self.expected()):
            response = search(client, "dugong met")

        assert response.context["results"].profile_count == 8

    def profile_expected(self) -> int:
        # Last-modified check, count the passages, a page of them; on PostgreSQL the word forms.
        return self.expected() - 1

    def test_one_profiles_matches(self, client, django_assert_num_queries):
        one = publish_profile_saying("Testland spotted a dugong.", country="Testland")
        address = f"testland/{one.topic.slug}"

        with django_assert_num_queries(self.profile_expected()):
            response = search(client, "dugong", profile=address)

        assert response.context["results"].hits == 1

    def test_a_profile_with_many_matches(self, client, django_assert_num_queries):
        many = publish_profile_saying(
            "Dugong met another dugong.",
            country="Testland",
            claims=search_module.PASSAGES_PER_PAGE + 5,
        )
        address = f"testland/{many.topic.slug}"

        with django_assert_num_queries(self.profile_expected()):
            response = search(client, "dugong met", profile=address)

        assert response.context["results"].hits == search_module.PASSAGES_PER_PAGE + 5
        assert len(response.context["results"].page) == search_module.PASSAGES_PER_PAGE

    def test_publishing_indexes_in_a_fixed_number_of_queries(self, published_mali):
        small = publish_profile_saying("A dugong.", country="Smalland").latest_publication
        large = published_mali.latest_publication

        with CaptureQueriesContext(connection) as small_queries:
            search_module.search_index_publication(publication=small)
        with CaptureQueriesContext(connection) as mali_queries:
            search_module.search_index_publication(publication=large)

        assert len(small_queries) == len(mali_queries) <= 3


def publish_profile_with(texts: list[str], *, country: str) -> Profile:
    """Create and publish a profile with one claim, citing one footnote, for each text."""
    new = make_profile(country=make_country(country))
    section = make_section(profile=new, heading="Policy")
    for text in texts:
        make_citation(claim=make_claim(section=section, text=text))
    profile_publish(profile=new)
    new.refresh_from_db()
    return new


def text_of(passage) -> str:
    return "".join(text for text, _marked in passage.segments)


QUOKKAS = [f"Sighting {number}: a quokka in the park." for number in range(1, 8)]


class ProfileMatchesTests:
    """ "N more in this profile" leads to every match of that profile, highlighted."""

    @pytest.fixture
    def testland(self):
        publish_profile_with(["Otherland saw a quokka too."], country="Otherland")
        return publish_profile_with(QUOKKAS, country="Testland")

    def follow_more(self, client, testland):
        results = search(client, "quokka")
        (result,) = [r for r in results.context["results"].page if r.profile == testland]
        return results, result, client.get(f"/search/{result.more_url}")

    def test_n_more_links_to_the_search_in_that_profile(self, client, testland):
        results, result, _matches = self.follow_more(client, testland)

        address = f"testland/{testland.topic.slug}"
        assert result.more == len(QUOKKAS) - search_module.PASSAGES_PER_PROFILE
        assert result.more_url == f"?q=quokka&profile={address}"
        assert (
            f'<a class="search-result__more" href="?q=quokka&amp;profile={address}">'
            f"{result.more} more in this profile"
        ) in results.content.decode()

    def test_it_lists_every_match_of_that_profile_and_the_remaining_ones(self, client, testland):
        _results, result, response = self.follow_more(client, testland)

        matches = response.context["results"]
        listed = [text_of(passage) for passage in matches.page]
        remaining = set(QUOKKAS) - {text_of(passage) for passage in result.passages}
        assert len(remaining) == result.more
        assert remaining <= set(listed)
        assert listed == QUOKKAS  # every match of Testland, in reading order, and no other
        assert matches.profile == testland
        assert matches.hits == len(QUOKKAS)

    def test_the_matches_are_highlighted_and_lead_to_their_anchors(self, client, testland):
        _results, _result, response = self.follow_more(client, testland)

        content = response.content.decode()
        url = testland.get_absolute_url()
        for passage in response.context["results"].page:
            assert marked(passage) == ["quokka"]
            assert passage.url == f"{url}#policy"
        assert content.count("<mark>quokka</mark>") == len(QUOKKAS)
        assert content.count(f'href="{url}#policy"') == len(QUOKKAS)
        assert 'id="match-1"' in content and f'id="match-{len(QUOKKAS)}"' in content
        assert '<meta name="robots" content="noindex">' in content
        assert "7 passages of this profile match <strong>quokka</strong>" in content
        assert 'href="?q=quokka">← Every profile that matches' in content

    def test_footnotes_lead_to_their_numbers(self, client, published_mali):
        response = search(client, "Lomé Regional Seminar", profile=MALI_URL[11:-1])

        passages = list(response.context["results"].page)
        assert [passage.url for passage in passages] == [
            f"{MALI_URL}#fn-2",
            f"{MALI_URL}#fn-6",
            f"{MALI_URL}#fn-8",
        ]
        assert "<mark>Lomé Regional Seminar</mark>" in response.content.decode()

    def test_the_search_box_keeps_to_the_profile(self, client, testland):
        response = search(client, "quokka", profile=f"testland/{testland.topic.slug}")

        assert (
            f'<input type="checkbox" name="profile" value="testland/{testland.topic.slug}" '
            "checked> Only in Testland"
        ) in response.content.decode()

    def test_the_matches_come_by_pages(self, client, testland, monkeypatch):
        monkeypatch.setattr(search_module, "PASSAGES_PER_PAGE", 3)
        address = f"testland/{testland.topic.slug}"

        first = search(client, "quokka", profile=address)
        third = search(client, "quokka", profile=address, page="3")

        assert [text_of(p) for p in first.context["results"].page] == QUOKKAS[:3]
        assert [text_of(p) for p in third.context["results"].page] == QUOKKAS[6:]
        assert 'id="match-7"' in third.content.decode()
        next_page = f"?q=quokka&amp;profile={address.replace('/', '%2F')}&amp;page=2"
        assert f'href="{next_page}"' in first.content.decode()

    def test_a_draft_change_is_not_found_until_published(self, client, published_mali):
        claim = Claim.objects.get(
            section__profile=published_mali, text__startswith="Mali has stated several"
        )
        claim.text = "Mali has said that it never used zeppelins."
        claim.save()
        address = MALI_URL[11:-1]

        response = search(client, "zeppelins", profile=address)

        assert response.context["results"].profile is None
        assert "No passage of a published profile" in response.content.decode()
        assert search(client, '"stated several times"', profile=address).context["results"].hits

    def test_a_withdrawn_profile_has_no_matches(self, client, published_mali):
        profile_withdraw(profile=published_mali)

        response = search(client, "Lusaka", profile=MALI_URL[11:-1])

        assert response.context["results"].hits == 0
        assert MALI_URL not in response.content.decode()

    @pytest.mark.parametrize(
        "address", ["nowhere/cluster-munition-ban-policy", "mali", "/", "x" * 5000, "mali/../"]
    )
    def test_an_unknown_profile_says_so(self, client, published_mali, address):
        response = search(client, "Lusaka", profile=address)

        assert response.context["results"].hits == 0
        assert b"No passage of a published profile at" in response.content


class PageTests:
    def test_the_page_is_public_cacheable_and_sets_no_cookie(self, client, published_mali):
        response = search(client, "Lusaka")

        assert not response.cookies
        assert "public" in response["Cache-Control"]
        assert response.has_header("Last-Modified")

    def test_an_unchanged_site_answers_not_modified(self, client, published_mali):
        last_modified = search(client, "Lusaka")["Last-Modified"]

        response = client.get("/search/", {"q": "Lusaka"}, HTTP_IF_MODIFIED_SINCE=last_modified)

        assert response.status_code == 304

    def test_post_is_not_allowed(self, client):
        assert client.post("/search/", {"q": "Lusaka"}).status_code == 405


class IndexTests:
    def test_the_gin_index_exists_on_postgresql_only(self):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, "profiles_searchentry")

        has_gin = "profiles_searchentry_search_vector_gin" in constraints
        assert has_gin == (connection.vendor == "postgresql")

    def test_the_vector_is_filled_on_postgresql_only(self, published_mali):
        filled = SearchEntry.objects.filter(search_vector__isnull=False).count()

        assert filled == (SearchEntry.objects.count() if connection.vendor == "postgresql" else 0)


class QueryParsingTests:
    def test_words_phrases_exclusions_and_alternatives(self):
        parsed = parse_query("Lomé “regional seminar” -Togo oslo OR dublin")

        assert parsed.groups == [
            [Term(("lome",))],
            [Term(("regional", "seminar"))],
            [Term(("togo",), negated=True)],
            [Term(("oslo",)), Term(("dublin",))],
        ]
        assert parsed.websearch() == '"lome" "regional seminar" -"togo" "oslo" or "dublin"'

    @pytest.mark.parametrize("query", ["", "&|!:*()", '"" -', "or OR", "-- _ %"])
    def test_strings_without_words_have_nothing_to_find(self, query):
        assert not parse_query(query).positive_words

    def test_clean_query_removes_control_characters_and_cuts(self):
        assert clean_query("a\x00b\x1fc \t\n d") == ("abc d", False)
        assert clean_query("x" * 300) == ("x" * MAX_QUERY_LENGTH, True)

    def test_highlight_joins_neighbouring_matching_words(self):
        segments = highlight("The Lomé  Regional seminar.", lambda word: word != "the")

        assert segments == [("The ", False), ("Lomé  Regional seminar", True), (".", False)]

    def test_highlight_cuts_a_long_passage_around_the_first_match(self):
        text = "word " * 200 + "target " + "word " * 200

        segments = highlight(text, lambda word: word == "target")

        assert segments[0] == ("…", False) and segments[-1] == ("…", False)
        assert ("target", True) in segments
        assert len("".join(text for text, _marked in segments)) <= search_module.EXCERPT_LENGTH + 2
