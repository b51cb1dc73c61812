"""An editor works on the one-page profile editor in a real browser: edits two claims, adds one,
saves, sees them, and previews the draft with the new text."""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.models import Claim
from profiles.roles import EDITORS, sync_roles
from tests.browser.audit import WIDTHS, audit
from tests.browser.conftest import ARTIFACTS, PASSWORD, log_in
from tests.conftest import MALI
from tests.factories import import_profile_file, make_country, make_member

pytestmark = pytest.mark.browser

DRAFT = "/countries/mali/cluster-munition-ban-policy/draft/"


def test_an_editor_edits_two_claims_adds_one_and_previews_the_draft(page, transactional_db):
    sync_roles(apps)  # transactional tests start from an empty database
    make_country("Mali", iso3="MLI")
    profile = import_profile_file(MALI)
    first, second = Claim.objects.filter(section__profile=profile).order_by(
        "section__position", "position"
    )[1:3]
    make_member("editor", EDITORS, password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
    log_in(page, "editor")

    page.goto(f"/admin/profiles/profile/{profile.pk}/editor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mali: Cluster Munition Ban Policy")
    audit(page, "editor-1-opened")

    page.fill(f"#claim-{first.pk}-text", "Mali signed the convention in Oslo in 2008.")
    page.fill(f"#claim-{second.pk}-text", "Mali says instability delayed its legislation.")
    page.get_by_role("button", name="+ Claim after").nth(2).click()

    # The page comes back with an empty claim after the second, focused, and the edits kept.
    added = page.locator("#claim-new-1-text")
    expect(added).to_be_focused()
    expect(page.locator(f"#claim-{first.pk}-text")).to_have_value(
        "Mali signed the convention in Oslo in 2008."
    )
    expect(page.get_by_role("status")).to_contain_text("You have unsaved changes")
    audit(page, "editor-2-claim-added")

    page.keyboard.type("Mali has not yet adopted national legislation.")
    page.keyboard.press("Control+S")

    expect(page.locator(".messagelist")).to_contain_text("2 claims edited, 1 claim added")
    expect(page.locator(f"#claim-{first.pk}-text")).to_have_value(
        "Mali signed the convention in Oslo in 2008."
    )
    new = Claim.objects.get(text="Mali has not yet adopted national legislation.")
    expect(page.locator(f"#claim-{new.pk}-text")).to_be_visible()
    audit(page, "editor-3-saved")

    page.set_viewport_size({"width": 390, "height": WIDTHS[390]})
    page.reload()
    audit(page, "editor-3-saved")

    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
    page.get_by_role("link", name="Preview the draft").click()
    expect(page).to_have_url(f"{page.url.split('/countries/')[0]}{DRAFT}")
    expect(page.get_by_text("Mali has not yet adopted national legislation.")).to_be_visible()
    expect(page.get_by_text("Mali signed the convention in Oslo in 2008.")).to_be_visible()
    audit(page, "editor-4-draft-preview")


def test_a_claim_form_opened_from_the_editor_comes_back_to_the_claim(page, transactional_db):
    sync_roles(apps)
    make_country("Mali", iso3="MLI")
    profile = import_profile_file(MALI)
    claim = Claim.objects.filter(section__profile=profile, citations__isnull=False).first()
    make_member("editor", EDITORS, password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
    log_in(page, "editor")
    page.goto(f"/admin/profiles/profile/{profile.pk}/editor/")

    page.locator(f"#claim-{claim.pk}").get_by_role("link", name="Footnotes and sources").click()
    page.fill("#id_text", "Edited on the claim's own form.")
    page.click("input[name=_save]")

    expect(page).to_have_url(
        f"{page.url.split('#')[0].split('/admin/')[0]}/admin/profiles/profile/{profile.pk}/editor/#claim-{claim.pk}"
    )
    expect(page.locator(f"#claim-{claim.pk}-text")).to_have_value("Edited on the claim's own form.")


def test_an_editor_adds_a_footnote_and_renames_a_heading(page, transactional_db):
    sync_roles(apps)
    make_country("Mali", iso3="MLI")
    profile = import_profile_file(MALI)
    claim = Claim.objects.filter(section__profile=profile).order_by(
        "section__position", "position"
    )[1]
    section = claim.section
    make_member("editor", EDITORS, password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
    log_in(page, "editor")
    page.goto(f"/admin/profiles/profile/{profile.pk}/editor/")

    page.fill(f"#section-{section.pk}-heading", "Policy and practice")
    page.locator(f"#claim-{claim.pk}").get_by_role("button", name="+ Footnote").click()

    # The page comes back with an empty footnote box, focused, and the heading kept.
    expect(page.locator("#footnote-new-1-text")).to_be_focused()
    expect(page.locator(f"#section-{section.pk}-heading")).to_have_value("Policy and practice")
    audit(page, "editor-5-footnote-added")

    page.keyboard.type("Statement of Mali, Oslo, 3 December 2008.")
    page.keyboard.press("Control+S")

    expect(page.locator(".messagelist")).to_contain_text("1 footnote added, 1 heading edited")
    added = claim.citations.get(text="Statement of Mali, Oslo, 3 December 2008.")
    expect(page.locator(f"#footnote-{added.pk}-text")).to_be_visible()


def test_without_javascript_the_page_comes_back_at_the_claim_a_button_acted_on(
    browser, live_server, transactional_db
):
    sync_roles(apps)
    make_country("Mali", iso3="MLI")
    profile = import_profile_file(MALI)
    claims = list(
        Claim.objects.filter(section__profile=profile).order_by("section__position", "position")
    )
    low = claims[-3]  # far down the page
    make_member("editor", EDITORS, password=PASSWORD)
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 1280, "height": WIDTHS[1280]},
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, "editor", f"/admin/login/?next=/admin/profiles/profile/{profile.pk}/editor/")
        claim = page.locator(f"#claim-{low.pk}")

        claim.get_by_role("button", name="Down").click()

        # Back at the claim, with the focus on the button pressed, to press it again.
        expect(page.get_by_role("status")).to_contain_text("You have unsaved changes")
        down = page.locator(f"#claim-{low.pk}").get_by_role("button", name="Down")
        expect(down).to_be_focused()
        expect(down).to_be_in_viewport()

        page.locator(f"#claim-{low.pk}").get_by_role("button", name="Delete").click()

        undo = page.locator(f"#claim-{low.pk}").get_by_role("button", name="Undo delete")
        expect(undo).to_be_focused()
        expect(undo).to_be_in_viewport()
        assert page.evaluate("window.scrollY") > 1000  # scrolled, not at the top
        # axe-core needs JavaScript: the same page with it is audited above.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=ARTIFACTS / "editor-no-js-deleted-1280.png")
    finally:
        context.close()
