"""Payloads in every text field stay text in a real browser: no page of the report, its
comparison, search or the admin ever opens a JavaScript dialog, and the payloads read as text."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from profiles.models import Claim
from tests.factories import make_user
from tests.hardening.payloads import PAYLOADS, WORD, publish_payload_profile

pytestmark = pytest.mark.browser


@pytest.fixture
def profile(transactional_db):
    return publish_payload_profile()


@pytest.fixture
def dialogs(page) -> list[str]:
    """The message of every dialog the page opens (each is dismissed)."""
    opened = []

    def dismiss(dialog):
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


def visit(page, path: str) -> str:
    """Open a page, give any injected handler time to fire, and return its visible text."""
    response = page.goto(path)
    assert response.status == 200, path
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)
    return page.locator("body").inner_text()


def test_the_report_and_its_comparison_show_payloads_as_text(page, dialogs, profile):
    report = profile.get_absolute_url()

    text = visit(page, report)
    compared = visit(page, f"{report}editions/1/compare/2/")

    assert dialogs == []
    for payload in PAYLOADS:
        assert f"says {payload} in the text." in text
        assert payload in compared
    expect(page.locator("ins").filter(has_text="alert(1)").first).to_be_visible()


def test_search_results_show_payloads_as_text(page, dialogs, profile):
    text = visit(page, f"/search/?q={WORD}")

    assert dialogs == []
    assert "<script>alert(1)</script>" in text or "<script>alert('summary')</script>" in text
    expect(page.locator("mark").filter(has_text=WORD).first).to_be_visible()


def test_the_admin_shows_payloads_as_text_in_its_forms_and_lists(
    page, dialogs, profile, live_server
):
    # Signed in by session cookie: the login form is not what this test is about.
    client = Client()
    client.force_login(make_user("root", superuser=True))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    claim = Claim.objects.filter(text__contains=PAYLOADS[4]).first()

    visit(page, f"/admin/profiles/claim/{claim.pk}/change/")
    text_field = page.locator("#id_text").input_value()
    listed = visit(page, f"/admin/profiles/claim/?q={WORD}")
    visit(page, f"/admin/profiles/profile/{profile.pk}/change/")
    queue = visit(page, "/admin/review/?state=all")

    assert dialogs == []
    assert text_field == claim.text
    assert "alert(" in listed
    assert "<script>alert(1)</script>" in queue


def test_the_dialog_watch_sees_a_payload_that_runs(page, dialogs):
    page.set_content(f"<p>{PAYLOADS[1]}</p>")  # as a page would be with the payload unescaped
    page.wait_for_timeout(100)

    assert dialogs == ["2"]
