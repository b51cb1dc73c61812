"""A publisher reads what will change, writes an edition note and publishes; readers see the
note on the edition's page and on the list of editions."""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.models import Claim
from profiles.roles import PUBLISHERS, sync_roles
from tests.browser.audit import ARTIFACTS, WIDTHS, audit
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

NOTE = "Corrected the account of Mali's part in the Oslo Process."
REPORT = "/countries/mali/cluster-munition-ban-policy/"


def narrow(page):
    page.set_viewport_size({"width": 390, "height": WIDTHS[390]})


def wide(page):
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})


def test_a_publisher_reads_the_changes_writes_a_note_and_publishes(page, published_mali):
    sync_roles(apps)  # transactional tests start from an empty database
    make_member("publisher", PUBLISHERS, password=PASSWORD)
    claim = Claim.objects.get(section__profile=published_mali, text__contains="Mali actively")
    claim.text = claim.text.replace("Mali actively", "Mali eagerly")
    claim.save()
    wide(page)
    log_in(page, "publisher")

    page.goto(f"/admin/profiles/profile/{published_mali.pk}/publish/")
    status = page.locator(".publish-status")
    expect(status.get_by_role("heading")).to_have_text("Ready to publish as edition 2")
    expect(page.locator(".history-diff del", has_text="actively")).to_be_visible()
    expect(page.locator(".history-diff ins", has_text="eagerly")).to_be_visible()
    audit(page, "publish-page")
    narrow(page)
    audit(page, "publish-page")
    wide(page)

    page.get_by_label("What changed in this edition").fill(NOTE)
    page.locator("#publish-form").scroll_into_view_if_needed()
    audit(page, "publish-note")
    page.get_by_role("button", name="Publish edition 2").click()

    expect(page.locator(".messagelist")).to_contain_text("as edition 2 with its edition note")
    # The profile's change form belongs to the one-page editor's work; it is audited there.
    page.screenshot(path=ARTIFACTS / "publish-done-1280.png", full_page=True)

    page.goto(REPORT)
    expect(page.locator(".edition-what-changed")).to_have_text(
        f"What changed in this edition: {NOTE}"
    )
    audit(page, "publish-public-page")

    page.goto(f"{REPORT}editions/")
    latest = page.get_by_role("row").filter(has=page.get_by_role("link", name="Edition 2"))
    first = page.get_by_role("row").filter(
        has=page.get_by_role("link", name="Edition 1", exact=True)
    )
    expect(latest).to_contain_text(NOTE)
    expect(first).not_to_contain_text(NOTE)
    audit(page, "publish-editions")
    narrow(page)
    audit(page, "publish-editions")
