"""Every public address takes any query string, path segment and conditional-GET header: the
answer is a page, a redirect, "not modified", "bad request" or "not found", never an error."""

from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.hardening.conftest import HARDENING

pytestmark = pytest.mark.django_db

ANSWERS = {200, 301, 302, 304, 400, 404}

PROFILE = "/countries/mali/cluster-munition-ban-policy"
PUBLIC_PATHS = [
    "/",
    "/countries/",
    "/countries/mali/",
    f"{PROFILE}/",
    f"{PROFILE}.json",
    f"{PROFILE}.txt",
    f"{PROFILE}/editions/",
    f"{PROFILE}/editions/1/",
    f"{PROFILE}/editions/1/compare/2/",
    "/countries/westmarch/cluster-munition-ban-policy/",
    "/treaties/",
    "/treaties/convention-on-cluster-munitions/",
    "/treaties/convention-on-cluster-munitions.csv",
    "/search/",
]
# Every parameter a public page reads (profiles/filters.py and the views), and a few it does not.
PARAMETERS = ["q", "page", "region", "treaty", "status", "topic", "sort", "format", "number"]
KNOWN_VALUES = [
    "africa",
    "convention-on-cluster-munitions",
    "state-party",
    "not-party",
    "cluster-munition-ban-policy",
    "-status",
    "signed",
    "mali",
    "cluster munitions",
    '"cluster munitions" -mali or oslo',
]

any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
numbers = st.one_of(
    st.integers(-(10**30), 10**30), st.sampled_from([0, -1, 1, 2, 2**31, 2**63])
).map(str)
values = st.one_of(
    any_text,
    numbers,
    st.sampled_from(KNOWN_VALUES),
    st.sampled_from(["", " ", "\x00", "[]", "1e9", "NaN", "%", "%ff", "1.5", "٣", "𝟙"]),
    st.integers(201, 5000).map(lambda n: "w " * n),
)
query = st.dictionaries(
    st.one_of(st.sampled_from(PARAMETERS), any_text), st.lists(values, min_size=1, max_size=3)
)
# Raw query strings too, with broken percent-encoding and bare names the test client would
# otherwise clean up.
raw_query = st.lists(
    st.one_of(
        st.builds(lambda k, v: f"{k}={v}", st.sampled_from(PARAMETERS), st.text(max_size=20)),
        st.sampled_from(["q", "page=", "q=%", "q=%zz", "q=%ff%fe", "q=%00", "page=%C0%80", "&&"]),
    ),
    max_size=4,
).map("&".join)
header = st.one_of(any_text.filter(lambda text: text.isprintable()), st.just(""))


def get(client, path, data=None, **headers):
    response = client.get(path, data, headers=headers)
    assert response.status_code in ANSWERS, (path, data, response.status_code)
    return response


@HARDENING
@given(path=st.sampled_from(PUBLIC_PATHS), data=query)
@example(path="/countries/", data={"page": ["99999999999999999999"], "status": ["not-party"]})
@example(path="/countries/", data={"q": ["\x00"], "treaty": ["\x00"]})
@example(path="/search/", data={"q": ["mali"], "page": ["-1", "0", "x"]})
@example(path=f"{PROFILE}/editions/", data={"page": ["2" * 30]})
@example(path="/treaties/convention-on-cluster-munitions/", data={"sort": ["-"], "status": [""]})
def test_any_query_parameters_give_a_page_or_a_client_error(client, published, path, data):
    get(client, path, data)


@HARDENING
@given(path=st.sampled_from(PUBLIC_PATHS), raw=raw_query)
def test_any_raw_query_string_gives_a_page_or_a_client_error(client, published, path, raw):
    get(client, f"{path}?{raw}")


@HARDENING
@given(
    path=st.sampled_from(PUBLIC_PATHS),
    if_modified_since=header,
    if_none_match=header,
)
@example(path=f"{PROFILE}/", if_modified_since="Sun, 31 Dec 9999 23:59:59 GMT", if_none_match="*")
def test_any_conditional_get_headers_give_a_page_or_not_modified(
    client, published, path, if_modified_since, if_none_match
):
    get(client, path, if_modified_since=if_modified_since, if_none_match=if_none_match)


slug = st.one_of(
    st.sampled_from(["mali", "westmarch", "cluster-munition-ban-policy", "-", "_", "a" * 500]),
    st.from_regex(r"\A[-a-zA-Z0-9_]{1,40}\Z"),
    any_text.filter(bool).map(lambda text: quote(text, safe="")),
)
edition = st.one_of(
    st.integers(0, 10**40).map(str),
    st.sampled_from(["1", "2", "-1", "01", "1.0", "٣", "9" * 5000]),
)
PATH_TEMPLATES = [
    "/countries/{country}/",
    "/countries/{country}/{topic}/",
    "/countries/{country}/{topic}.json",
    "/countries/{country}/{topic}.txt",
    "/countries/{country}/{topic}/editions/",
    "/countries/{country}/{topic}/editions/{number}/",
    "/countries/{country}/{topic}/editions/{number}/compare/{other}/",
    "/treaties/{country}/",
    "/treaties/{country}.csv",
]


@HARDENING
@given(
    template=st.sampled_from(PATH_TEMPLATES),
    country=slug,
    topic=slug,
    number=edition,
    other=edition,
)
@example(
    template=PATH_TEMPLATES[6],
    country="mali",
    topic="cluster-munition-ban-policy",
    number="2",
    other="99999999999999999999999",
)
@example(
    template=PATH_TEMPLATES[5],
    country="mali",
    topic="cluster-munition-ban-policy",
    number="9" * 5000,
    other="1",
)
def test_any_path_segments_give_a_page_or_not_found(
    client, published, template, country, topic, number, other
):
    get(client, template.format(country=country, topic=topic, number=number, other=other))


def test_the_pages_under_test_render_real_rows(client, published):
    assert b"Mali" in get(client, "/countries/", {"region": "africa"}).content
    assert b"<ins>" in get(client, f"{PROFILE}/editions/1/compare/2/").content
    assert b"search-result" in get(client, "/search/", {"q": "cluster"}).content


def test_a_search_of_many_words_uses_the_first_ones_and_says_so(client, published):
    response = get(client, "/search/", {"q": "w " * 100})

    assert response.status_code == 200
    assert "only its first 32 were used" in response.content.decode()


@pytest.mark.parametrize("suffix", ["/", ".csv"])
def test_a_treaty_table_with_an_unknown_filter_sorted_by_status_is_empty(client, published, suffix):
    url = f"/treaties/convention-on-cluster-munitions{suffix}"

    response = get(client, url, {"region": "0", "sort": "status"})

    assert response.status_code == 200
    assert "Mali" not in response.content.decode()


@pytest.mark.parametrize("name", ["_" * 25_001, "%" * 25_001, "a" * 50_001, "x" * 101])
def test_a_country_name_longer_than_any_is_refused_before_the_database(client, published, name):
    response = get(client, "/countries/", {"q": name})

    assert response.status_code == 200
    assert "Ensure this value has at most 100 characters" in response.content.decode()
    assert list(response.context["countries"]) == []


def test_wildcards_in_a_country_name_match_themselves(client, published):
    assert list(get(client, "/countries/", {"q": "_a_i"}).context["countries"]) == []
    assert [c.slug for c in get(client, "/countries/", {"q": "mali"}).context["countries"]] == [
        "mali"
    ]
