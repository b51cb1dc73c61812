"""Text that contains HTML or script is shown as text everywhere: public pages, comparisons,
search, exports and the admin. Monitor has no rich text: every template autoescapes, and the
few format_html() calls escape their arguments; these tests hold that to a corpus of payloads."""

import json
from urllib.parse import urlencode

import pytest
from django.test import Client

from citations.models import Citation, CitationSource, Source
from profiles.models import ChangeSet, Claim, Profile, Section
from tests.factories import changeform_data
from tests.hardening.payloads import (
    COUNTRY,
    HEADING,
    JAVASCRIPT_URL,
    PAYLOADS,
    RAW_NEVER,
    TOPIC,
    WORD,
    active_payloads,
    escaped,
    publish_payload_profile,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile() -> Profile:
    return publish_payload_profile()


def html_of(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("text/html"), url
    return response.content.decode()


def assert_shown_as_text(html: str, *texts: str) -> None:
    assert active_payloads(html) == []
    for text in texts:
        assert escaped(text) in html


def public_pages(profile: Profile) -> dict[str, list[str]]:
    """Each public page, with the texts it must show."""
    report = profile.get_absolute_url()
    country = f"/countries/{profile.country.slug}/"
    editions = f"{report}editions/"
    return {
        "/": [COUNTRY, TOPIC],
        "/countries/": [COUNTRY],
        country: [COUNTRY, TOPIC],
        report: [COUNTRY, TOPIC, HEADING, *PAYLOADS],
        f"{editions}1/": [COUNTRY, TOPIC, HEADING, *PAYLOADS],
        editions: [COUNTRY, TOPIC],
        f"{editions}1/compare/2/": [COUNTRY, TOPIC, *PAYLOADS],
        f"/search/?q={WORD}": [COUNTRY, TOPIC],
        "/treaties/": [],
    }


def test_public_pages_show_every_payload_as_text(client, profile):
    for url, texts in public_pages(profile).items():
        assert_shown_as_text(html_of(client, url), *texts)


def test_the_report_shows_the_status_box_summary_and_footnotes_as_text(client, profile):
    html = html_of(client, profile.get_absolute_url())

    assert_shown_as_text(
        html,
        "<script>alert('status heading')</script>",
        "<b onclick=alert('label')>Label</b>",
        "<script>alert('value')</script>",
        "<script>alert('summary')</script>",
        "<img src=x onerror=alert('footnote')>",
        f"Statement of Xssland, {WORD} {PAYLOADS[0]}",
    )
    assert "alert('notes')" not in html  # internal notes stay internal


def test_search_passages_highlight_words_around_payloads_as_text(client, profile):
    html = html_of(client, f"/search/?q={WORD}+script")

    assert_shown_as_text(html)
    assert f"<mark>{WORD}</mark>" in html
    assert "&lt;<mark>script</mark>&gt;" in html


def test_a_search_for_a_payload_is_shown_as_text(client, profile):
    for payload in PAYLOADS:
        assert_shown_as_text(html_of(client, f"/search/?{urlencode({'q': payload})}"), payload)


def test_country_names_in_filters_and_treaty_tables_are_text(client, profile):
    html = html_of(client, f"/countries/?{urlencode({'q': COUNTRY})}")
    assert_shown_as_text(html, COUNTRY)
    for treaty in ("convention-on-cluster-munitions", "mine-ban-treaty"):
        assert_shown_as_text(html_of(client, f"/treaties/{treaty}/"))


def test_exports_are_plain_text_and_json_that_keep_the_payloads_verbatim(client, profile):
    report = profile.get_absolute_url().rstrip("/")

    text = client.get(f"{report}.txt")
    snapshot = client.get(f"{report}.json")

    assert text["Content-Type"] == "text/plain; charset=utf-8"
    assert snapshot["Content-Type"] == "application/json"
    for response in (text, snapshot):
        assert response["X-Content-Type-Options"] == "nosniff"
    for payload in PAYLOADS:
        assert f"Added {WORD} {payload} here." in text.content.decode()
    sections = json.loads(snapshot.content)["sections"]
    claims = " ".join(claim["text"] for section in sections for claim in section["claims"])
    for payload in PAYLOADS:
        assert f"Added {WORD} {payload} here." in claims


def admin_pages(profile: Profile) -> dict[str, list[str]]:
    claim = Claim.objects.filter(
        section__profile=profile, text__contains=WORD, citations__isnull=False
    ).last()
    citation = Citation.objects.filter(claim=claim).first()
    source = Source.objects.filter(title__contains="alert").first()
    link = CitationSource.objects.filter(source=source).first()
    section = Section.objects.filter(profile=profile, heading=HEADING).first()
    base = f"/admin/profiles/profile/{profile.pk}"
    change_set = ChangeSet.objects.order_by("pk").last()
    first_edition = profile.publications.get(number=1).published_at.isoformat()
    pages = {
        "/admin/profiles/profile/": [COUNTRY, TOPIC],
        "/admin/profiles/country/?q=Xssland": [COUNTRY],
        "/admin/profiles/topic/": [TOPIC],
        f"/admin/profiles/section/?q={WORD}": [],
        f"/admin/profiles/claim/?q={WORD}": [],
        f"/admin/citations/citation/?q={WORD}": [],
        "/admin/citations/source/?q=alert": [],
        "/admin/citations/citationsource/": [],
        f"{base}/change/": [COUNTRY, TOPIC, HEADING, "<script>alert('notes')</script>"],
        f"{base}/history/": [],
        f"/admin/profiles/country/{profile.country.pk}/change/": [COUNTRY],
        f"/admin/profiles/topic/{profile.topic.pk}/change/": [TOPIC],
        f"/admin/profiles/section/{section.pk}/change/": [HEADING],
        f"/admin/profiles/section/{section.pk}/history/": [HEADING],
        f"/admin/profiles/claim/{claim.pk}/change/": [claim.text],
        f"/admin/profiles/claim/{claim.pk}/history/": [],
        f"/admin/citations/citation/{citation.pk}/change/": [citation.text],
        f"/admin/citations/citation/{citation.pk}/history/": [],
        f"/admin/citations/source/{source.pk}/change/": ["title <script>alert('title')</script>"],
        f"/admin/citations/source/{source.pk}/history/": [],
        f"/admin/citations/citationsource/{link.pk}/change/": [],
        f"{base}/timeline/": [],
        f"{base}/timeline/change-sets/{change_set.pk}/compare/": [],
        f"{base}/timeline/change-sets/{change_set.pk}/records/": [],
        f"{base}/timeline/change-sets/{change_set.pk}/records/?fragment=1": [],
        f"{base}/editor/": [COUNTRY, TOPIC, HEADING, claim.text, citation.text],
        f"{base}/timeline/compare/?{urlencode({'from': first_edition})}": [*PAYLOADS],
        f"{base}/timeline/at/?when=2999-01-01T00:00": [HEADING, *PAYLOADS],
        f"{base}/edit-text/": [COUNTRY, TOPIC, HEADING, *PAYLOADS],
        f"{base}/publish/": [COUNTRY],
        "/admin/review/?state=all": [f"Statement of Xssland, {WORD} {PAYLOADS[0]}"],
        f"/admin/review/?source={source.pk}&state=all": [
            "title <script>alert('title')</script>",
            JAVASCRIPT_URL,
        ],
        "/admin/review/disputes/": ["<script>alert('review note')</script>"],
    }
    return pages


def test_admin_pages_show_every_payload_as_text(superuser_client, profile):
    for url, texts in admin_pages(profile).items():
        html = html_of(superuser_client, url)
        assert active_payloads(html) == [], url
        for text in texts:
            assert escaped(text) in html, (url, text)


def test_a_source_address_that_is_not_http_is_shown_but_never_linked(superuser_client, profile):
    source = Source.objects.get(url=JAVASCRIPT_URL)

    for url in ("/admin/review/?state=all", f"/admin/review/?source={source.pk}&state=all"):
        html = html_of(superuser_client, url)
        assert f'href="{escaped(JAVASCRIPT_URL)}"' not in html
        assert escaped(JAVASCRIPT_URL) in html


def test_the_admin_refuses_a_source_address_that_is_not_http(superuser_client, profile):
    source = Source.objects.get(url=JAVASCRIPT_URL)
    source.url = source.archived_url = "https://example.org/"
    source.save()
    response = superuser_client.get(f"/admin/citations/source/{source.pk}/change/")
    data = changeform_data(response, {"url": JAVASCRIPT_URL})
    response = superuser_client.post(f"/admin/citations/source/{source.pk}/change/", data)

    assert response.status_code == 200
    assert "Enter a valid URL." in str(response.context["adminform"].form.errors)
    source.refresh_from_db()
    assert source.url == "https://example.org/"


@pytest.mark.parametrize("payload", RAW_NEVER)
def test_the_check_finds_each_payload_left_unescaped(payload):
    assert active_payloads(f"<p>{payload}</p>") != []
    assert active_payloads(f"<p>{escaped(payload)}</p>") == []


def test_the_check_finds_a_script_address_in_a_link():
    assert active_payloads('<a href=" JavaScript:alert(1)">x</a>') != []
