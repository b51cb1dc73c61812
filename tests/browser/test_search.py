"""A reader follows "N more in this profile" from the search results to every match of that
profile, highlighted, and on to one of them in the report."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.audit import WIDTHS, audit

pytestmark = pytest.mark.browser

MALI = "/countries/mali/cluster-munition-ban-policy/"


def test_a_reader_follows_n_more_to_the_highlighted_matches(page, published_mali, westmarch):
    page.goto("/search/?q=Mali")
    result = page.locator(".search-result").filter(
        has=page.get_by_role("link", name="Mali — Cluster Munition Ban Policy")
    )
    more = result.locator(".search-result__more")
    expect(more).to_have_text(re.compile(r"^\d+ more in this profile"))
    remaining = int(more.inner_text().split()[0])
    shown = result.locator(".search-passages > li").count()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": WIDTHS[width]})
        audit(page, "search-results")

    more.click()

    expect(page).to_have_url(
        re.compile(r"/search/\?q=Mali&profile=mali/cluster-munition-ban-policy$")
    )
    expect(page).to_have_title(re.compile(r"^Search: Mali in Mali: Cluster Munition Ban Policy"))
    matches = page.locator(".search-matches > li")
    expect(matches).to_have_count(shown + remaining)
    expect(page.get_by_role("status")).to_contain_text(
        f"{shown + remaining} passages of this profile match Mali"
    )
    for index in range(shown + remaining):
        expect(matches.nth(index).locator("mark").first).to_have_text(re.compile("^Mali", re.I))
    expect(page.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": WIDTHS[width]})
        audit(page, "search-profile")

    last = matches.last.get_by_role("link")
    anchor = last.get_attribute("href").split("#")[1]
    last.click()

    expect(page).to_have_url(re.compile(rf"{MALI}#{anchor}$"))
    expect(page.locator(f"#{anchor}")).to_be_in_viewport()
