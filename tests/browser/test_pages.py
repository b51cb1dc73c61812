"""What a reader does on the public pages, in a real browser: follow footnotes, filter the
countries, search, and compare editions."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.models import Claim
from profiles.publishing import profile_publish
from profiles.roles import FACT_CHECKERS, sync_roles
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

MALI = "/countries/mali/cluster-munition-ban-policy/"


def test_footnote_markers_lead_to_their_notes_and_back(page, published_mali, artifacts_dir):
    page.goto(MALI)

    expect(page).to_have_title("Mali: Cluster Munition Ban Policy · Monitor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mali: Cluster Munition Ban Policy")
    expect(page.get_by_text("Last updated: 7 June 2016")).to_be_visible()
    page.screenshot(path=artifacts_dir / "profile-mali.png", full_page=True)
    # WCAG 2.2 target size: markers, back links and permalinks are at least 24 × 24 px.
    for target in ["sup.fn a", ".footnotes .backlink", ".footnotes .permalink"]:
        box = page.locator(target).first.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, (target, box)

    page.get_by_role("link", name="6", exact=True).click()
    expect(page).to_have_url(re.compile(r"#fn-6$"))
    note = page.locator("#fn-6")
    expect(note).to_be_in_viewport()
    expect(note).to_contain_text("Lomé Regional Seminar")
    expect(page.locator(":target")).to_have_id("fn-6")

    note.get_by_role("link", name="Back to the text of note 6").click()
    expect(page).to_have_url(re.compile(r"#fnref-6$"))
    expect(page.locator("#fnref-6")).to_be_in_viewport()
    expect(page.locator(":target")).to_have_id("fnref-6")


def test_region_filter_lists_only_that_regions_countries(page, published_mali, westmarch):
    page.goto("/countries/")
    filters = page.get_by_role("form", name="Filter the countries")
    region = filters.get_by_label("Region", exact=True)
    countries = page.get_by_role("table")

    region.select_option(label="Africa")
    filters.get_by_role("button", name="Show countries").click()
    expect(page).to_have_url(re.compile(r"[?&]region=africa(&|$)"))
    expect(countries.get_by_role("link", name="Mali", exact=True)).to_be_visible()
    expect(countries.get_by_role("link", name="Westmarch", exact=True)).to_have_count(0)
    expect(region).to_have_value("africa")

    region.select_option(label="Europe, the Caucasus and Central Asia")
    filters.get_by_role("button", name="Show countries").click()
    expect(page).to_have_url(re.compile(r"[?&]region=europe-central-asia(&|$)"))
    expect(countries.get_by_role("link", name="Westmarch", exact=True)).to_be_visible()
    expect(countries.get_by_role("link", name="Mali", exact=True)).to_have_count(0)
    expect(region).to_have_value("europe-central-asia")


def test_header_search_finds_and_highlights_a_footnote(page, published_mali):
    page.goto(MALI)
    header_search = page.get_by_role("banner").get_by_role("search")

    header_search.get_by_role("searchbox").fill("Lomé Regional Seminar")
    header_search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"/search/\?q=Lom"))
    result = page.locator(".search-result").filter(
        has=page.get_by_role("link", name="Mali — Cluster Munition Ban Policy")
    )
    expect(result).to_be_visible()
    expect(result.locator("mark").filter(has_text="Lomé").first).to_be_visible()


def test_comparing_two_editions_marks_the_changed_word(page, published_mali):
    claim = Claim.objects.filter(text__startswith="Mali has stated several times").first()
    claim.text = claim.text.replace("several times", "repeatedly")
    claim.save()
    profile_publish(profile=published_mali)

    page.goto(f"{MALI}editions/")
    page.get_by_role("link", name="Compare with edition 1").click()

    expect(page).to_have_url(re.compile(r"/editions/1/compare/2/$"))
    changes = page.get_by_role("region", name="Text")
    expect(changes.locator("ins").filter(has_text="repeatedly")).to_be_visible()
    expect(changes.locator("del").filter(has_text="several")).to_be_visible()


def test_a_fact_checker_reviews_every_footnote_from_the_queue(page, published_mali):
    sync_roles(apps)  # transactional tests start from an empty database
    make_member("factchecker", FACT_CHECKERS, password=PASSWORD)
    log_in(page, "factchecker", "/admin/login/?next=/admin/review/")

    for _ in range(8):
        page.get_by_role("button", name="Verify").first.click()
        page.wait_for_load_state()

    expect(page.get_by_text("0 unreviewed, 0 disputed of 8 citations")).to_be_visible()
    page.goto(f"/admin/profiles/profile/{published_mali.pk}/change/")
    expect(page.locator(".readiness__state--verified td")).to_have_text("8")
    expect(page.locator(".readiness__state--unreviewed td")).to_have_text("0")
