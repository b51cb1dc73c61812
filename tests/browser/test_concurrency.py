"""No lost edits, in a real browser: two editors open the same profile; the second to save is
refused with the first one's change shown, and saving again keeps both edits."""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.roles import EDITORS, sync_roles
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_member, make_section

pytestmark = pytest.mark.browser


@pytest.fixture
def other_page(browser, live_server):
    """A second browser, for a second editor."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_second_editor_is_refused_then_saves_both_edits(
    page, other_page, transactional_db, artifacts_dir
):
    sync_roles(apps)  # transactional tests start from an empty database
    section = make_section(heading="Policy")
    profile = section.profile
    url = f"/admin/profiles/profile/{profile.pk}/change/"
    ana, ben = page, other_page
    make_member("ana", EDITORS, password=PASSWORD)
    log_in(ana, "ana")
    make_member("ben", EDITORS, password=PASSWORD)
    log_in(ben, "ben")
    ana.goto(url)
    ben.goto(url)

    ana.fill("#id_sections-0-heading", "Ban policy")
    ana.click("input[name=_continue]")
    expect(ana.locator(".messagelist")).to_contain_text("was changed successfully")
    ben.fill("#id_notes", "Figures checked.")
    ben.click("input[name=_continue]")

    expect(ben.locator(".messagelist")).to_contain_text(
        "Someone else changed the sections after you opened this page"
    )
    errors = ben.locator(".errorlist.nonform")
    expect(errors).to_contain_text("ana on")
    expect(errors).to_contain_text("Heading: “Policy” → “Ban policy”")
    expect(ben.locator("#id_sections-0-heading")).to_have_value("Ban policy")
    expect(ben.locator("#id_notes")).to_have_value("Figures checked.")
    ben.screenshot(path=artifacts_dir / "edit-conflict.png", full_page=True)
    ben.click("input[name=_continue]")

    expect(ben.locator(".messagelist")).to_contain_text("was changed successfully")
    profile.refresh_from_db()
    section.refresh_from_db()
    assert (profile.notes, section.heading) == ("Figures checked.", "Ban policy")
