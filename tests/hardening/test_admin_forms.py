"""Admin forms and the editorial actions take any posted data: the answer is the form with its
errors, a redirect, or a refusal (400, 403, 404), never an error page; and whatever is not a
successful save leaves every row and every history record as it was."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from citations.filters import ReviewQueueFilter
from citations.models import Citation, CitationSource, Source
from profiles.models import ChangeSet, Claim, Section, Topic, Treaty, TreatyStatus
from tests.factories import changeform_data
from tests.hardening.conftest import database_state, examples, rolled_back

pytestmark = pytest.mark.django_db

ANSWERS = {200, 302, 400, 403, 404}

any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
values = st.one_of(
    any_text,
    st.integers(-(10**25), 10**25).map(str),
    st.sampled_from(
        [
            "",
            "\x00",
            "0",
            "-1",
            "2147483648",
            "9223372036854775808",
            "9" * 5000,
            "٣",
            "²",
            "2016-02-31",
            "0001-01-01",
            "9999-12-31",
            "on",
            "null",
            "[]",
            "{}",
            '[["a", "b"]]',
            '[["a", "\\u0000"]]',
            '"\\u0000"',
            "[[1, 2, 3]]",
            "1e999",
            "state-party",
            "africa",
        ]
    ),
    st.integers(1, 4000).map(lambda n: "x" * n),
)


@pytest.fixture
def objects(published):
    """One object of each editable model, Mali's where it has one."""
    citation = Citation.objects.filter(claim__section__profile=published).first()
    return {
        "profiles/profile": published,
        "profiles/section": Section.objects.filter(profile=published).first(),
        "profiles/claim": Claim.objects.filter(section__profile=published).first(),
        "citations/citation": citation,
        "citations/source": Source.objects.first(),
        "citations/citationsource": CitationSource.objects.first(),
        "profiles/treatystatus": TreatyStatus.objects.filter(country=published.country).first(),
        "profiles/country": published.country,
        "profiles/treaty": Treaty.objects.first(),
        "profiles/topic": Topic.objects.first(),
    }


@pytest.fixture
def forms(superuser_client, objects):
    """The add and change forms of every model, as the admin renders them, ready to post."""
    forms = {}
    for model, obj in objects.items():
        for url in (f"/admin/{model}/add/", f"/admin/{model}/{obj.pk}/change/"):
            response = superuser_client.get(url)
            assert response.status_code == 200, url
            forms[url] = changeform_data(response)
    return forms


def post_and_check(client, url, data, *, saved_answers=(302,)):
    """Post; the answer must be one of ANSWERS, and anything but a save must write nothing."""
    before = database_state()
    with rolled_back():
        response = client.post(url, data)
        assert response.status_code in ANSWERS, (url, data, response.status_code)
        if response.status_code not in saved_answers:
            assert database_state() == before, (url, data, response.status_code)
    return response


@st.composite
def garbled(draw, form: dict) -> dict:
    """The form's own data with some fields changed to anything, some removed, some added."""
    data = dict(form)
    names = sorted(data)
    for name in draw(st.lists(st.sampled_from(names), max_size=6, unique=True)):
        if draw(st.booleans()):
            data[name] = draw(st.one_of(values, st.lists(values, min_size=2, max_size=3)))
        else:
            del data[name]
    for name, value in draw(st.dictionaries(any_text, values, max_size=2)).items():
        data.setdefault(name, value)
    return data


@examples(30)
@given(data=st.data())
def test_any_post_to_an_add_or_change_form_saves_or_shows_errors(superuser_client, forms, data):
    url = data.draw(st.sampled_from(sorted(forms)), label="url")
    post_and_check(superuser_client, url, data.draw(garbled(forms[url]), label="data"))


@examples(10)
@given(data=st.data())
def test_a_fact_checker_cannot_change_anything_through_the_forms(checker_client, objects, data):
    model, obj = data.draw(st.sampled_from(sorted(objects.items())), label="object")
    url = data.draw(st.sampled_from([f"/admin/{model}/add/", f"/admin/{model}/{obj.pk}/change/"]))
    fields = data.draw(st.dictionaries(any_text, values, max_size=4), label="data")

    response = post_and_check(checker_client, url, fields, saved_answers=())

    assert response.status_code == 403


def test_an_autocomplete_field_posted_with_no_key_shows_the_form_with_its_error(
    superuser_client, objects
):
    url = f"/admin/citations/citation/{objects['citations/citation'].pk}/change/"
    form = changeform_data(superuser_client.get(url), {"claim": "²"})

    response = post_and_check(superuser_client, url, form)

    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["adminform"].form.errors)


# The profile's own pages: edit as text, publish, withdraw, revert. ---------------------------


def profile_pages(profile) -> list[str]:
    base = f"/admin/profiles/profile/{profile.pk}"
    change_set = ChangeSet.objects.order_by("pk").last()
    return [
        f"{base}/edit-text/",
        f"{base}/publish/",
        f"{base}/withdraw/",
        f"{base}/timeline/revert/",
        f"{base}/timeline/change-sets/{change_set.pk}/revert/",
    ]


when = st.one_of(
    values,
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.sampled_from(
        ["0001-01-01T00:00+01:00", "9999-12-31T23:59:59-12:00", "2016-06-07T14:30", "2016-13-01"]
    ),
)


@examples(10)
@given(data=st.data())
def test_any_post_to_the_profile_actions_answers_without_an_error(
    superuser_client, published, data
):
    url = data.draw(st.sampled_from(profile_pages(published)), label="url")
    form = {
        "text": data.draw(st.one_of(values, st.just(None)), label="text"),
        "base": data.draw(st.one_of(values, st.just(None)), label="base"),
        "version": data.draw(st.one_of(values, st.just(None)), label="version"),
        "when": data.draw(when, label="when"),
        data.draw(st.sampled_from(["edit", "apply", "preview", "post"])): "1",
    }
    post_and_check(
        superuser_client, url, {name: value for name, value in form.items() if value is not None}
    )


@pytest.fixture
def edit_text(superuser_client, published):
    """The profile's edit-as-text page, and the form it opens with."""
    url = f"/admin/profiles/profile/{published.pk}/edit-text/"
    return url, superuser_client.get(url).context["form"].initial


@examples(15)
@given(
    body=st.text(st.characters(exclude_categories=["Cs"]), max_size=200),
    button=st.sampled_from(["apply", "preview"]),
)
@example(body="A\x00B.", button="apply")
def test_any_text_posted_as_the_profile_edits_text_or_shows_its_problems(
    superuser_client, edit_text, body, button
):
    url, opened = edit_text
    header = "Mali\n\nCluster Munition Ban Policy\n\nLast updated: 07 June 2016\n\n"
    data = {"text": header + body, "base": opened["base"], "version": opened["version"]}
    post_and_check(superuser_client, url, {**data, button: "1"})


@pytest.mark.parametrize("moment", ["0001-01-01T00:00+01:00", "9999-12-31T23:59:59-12:00"])
def test_reverting_to_a_moment_the_database_cannot_hold_is_refused(
    superuser_client, published, moment
):
    url = f"/admin/profiles/profile/{published.pk}/timeline/revert/"

    confirm = superuser_client.get(url, {"when": moment})
    response = post_and_check(superuser_client, url, {"when": moment}, saved_answers=())

    assert confirm.status_code == response.status_code == 302
    assert response.url.endswith(f"/admin/profiles/profile/{published.pk}/timeline/")


# The review queue: any ids, states and notes. -----------------------------------------------

ids = st.one_of(
    st.integers(-5, 10**20).map(str),
    st.sampled_from(["", "٣", "²", "1.0", "0x1", "9" * 5000]),
    any_text,
)


@examples(20)
@given(
    target=st.one_of(ids, st.just("bulk")),
    fields=st.dictionaries(
        st.sampled_from(["state", "note", "citation", "next", "action", "other"]),
        st.lists(st.one_of(values, ids, st.sampled_from(["verified", "disputed"])), max_size=3),
    ),
)
@example(target="bulk", fields={"state": ["verified"], "citation": ["²"]})
@example(target="bulk", fields={"state": ["verified"], "citation": ["٣"]})
@example(target="bulk", fields={"state": ["verified"], "citation": ["99999999999999999999"]})
@example(target="99999999999999999999", fields={"state": ["verified"]})
@example(target="9" * 5000, fields={"state": ["verified"]})
def test_any_review_post_reviews_or_is_refused(superuser_client, published, target, fields):
    if target.isascii() and target.isdigit() and len(target) < 7:
        target = str(Citation.objects.order_by("pk").values_list("pk", flat=True)[0])
    response = superuser_client.post(f"/admin/review/{target}/", fields)
    # A review is a write that answers with a redirect whether it went through or not.
    assert response.status_code in ANSWERS


# Every parameter of the review queue's filters, and the page.
QUEUE_PARAMETERS = [*ReviewQueueFilter.Meta.fields, "page", "after", "count", "part"]


@examples(20)
@given(
    path=st.sampled_from(["/admin/review/", "/admin/review/disputes/"]),
    query=st.dictionaries(
        st.sampled_from(QUEUE_PARAMETERS),
        st.lists(st.one_of(values, ids), min_size=1, max_size=2),
    ),
)
def test_any_review_queue_filters_give_a_page(superuser_client, published, path, query):
    assert superuser_client.get(path, query).status_code in {200, 400, 404}


def test_an_inline_row_posted_without_its_key_shows_the_form_again(superuser_client, objects):
    treaty = objects["profiles/treatystatus"].treaty
    url = f"/admin/profiles/treaty/{treaty.pk}/change/"
    form = changeform_data(superuser_client.get(url))
    assert int(form["statuses-INITIAL_FORMS"]) >= 1
    form = {name: value for name, value in form.items() if not name.endswith("-0-id")}
    form.pop("statuses-0-country", None)

    response = post_and_check(superuser_client, url, form)

    assert response.status_code == 200
