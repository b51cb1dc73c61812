"""An editor previews a draft in a real browser, from the admin's "View on site"."""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.roles import EDITORS, sync_roles
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import MALI
from tests.factories import import_profile_file, make_country, make_member

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_view_on_site_opens_the_draft_preview(page, transactional_db, artifacts_dir, width):
    sync_roles(apps)  # transactional tests start from an empty database
    make_country("Mali", iso3="MLI")
    profile = import_profile_file(MALI)
    make_member("editor", EDITORS, password=PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "editor")

    page.goto(f"/admin/profiles/profile/{profile.pk}/change/")
    page.locator("a.viewsitelink").click()

    expect(page).to_have_url(f"{page.url.split('/countries/')[0]}{DRAFT}")
    expect(page.get_by_role("status")).to_contain_text("Draft preview — not public.")
    expect(page.get_by_text("Mali has stated several times").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts_dir / f"draft-preview-{width}.png")


DRAFT = "/countries/mali/cluster-munition-ban-policy/draft/"
