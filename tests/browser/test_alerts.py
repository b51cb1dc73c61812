"""A reader follows a country's profiles by email: subscribes in the browser, confirms through
the link in the mail a real local SMTP server received, gets one alert for a new edition, and
unsubscribes through the alert's own link."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from profiles.models import Claim, Subscription
from profiles.publishing import profile_publish
from tests.browser.audit import WIDTHS, audit
from tests.mail import links_in, smtp_server_fixture, text_of  # noqa: F401

pytestmark = pytest.mark.browser

READER = "reader@example.org"
NOTE = "Updated for the 2026 Meeting of States Parties."


def new_edition(profile, note=NOTE):
    """Amend a claim and publish the profile again, as a publisher would."""
    claim = Claim.objects.filter(section__profile=profile).order_by("pk").first()
    claim.text += " Amended."
    claim.save()
    return profile_publish(profile=profile, note=note).publication


def send_alerts() -> str:
    out = StringIO()
    call_command("send_alerts", stdout=out)
    return out.getvalue()


def audit_both_widths(page, name: str) -> None:
    """Audit the open page at 390 px, then at 1280 px (where it is left)."""
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": WIDTHS[width]})
        audit(page, name)


def test_a_reader_follows_mali_gets_one_alert_and_unsubscribes_from_it(
    page, published_mali, smtp_server, live_server, settings
):
    settings.SITE_URL = live_server.url  # the links of mails sent from the command line

    page.goto("/alerts/?country=mali")
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow updates")
    expect(page.get_by_label("What to follow")).to_have_value("country:mali")
    audit_both_widths(page, "alerts-subscribe")
    page.get_by_label("Your email address").fill(READER)
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mail")
    expect(page.get_by_role("status")).to_contain_text(f"We have sent a message to {READER}")

    confirmation = smtp_server.only_message()
    assert confirmation["Subject"] == "Confirm your Monitor alerts for Mali"
    (confirm_link,) = links_in(confirmation)
    page.goto(confirm_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your alerts")
    assert Subscription.objects.get().confirmed_at is None  # opening the link confirms nothing
    audit_both_widths(page, "alerts-confirm")
    page.get_by_role("button", name="Confirm my alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are following Mali")
    audit_both_widths(page, "alerts-confirmed")

    new_edition(published_mali)
    assert send_alerts() == "Sent 1 alert to 1 address.\n"
    (alert,) = smtp_server.to(READER)[1:]
    assert alert["Subject"] == "New edition: Mali — Cluster Munition Ban Policy"
    assert f"What changed: {NOTE}" in text_of(alert)
    assert send_alerts() == "Sent 0 alerts to 0 addresses.\n"
    assert len(smtp_server.to(READER)) == 2

    edition_link, comparison_link, unsubscribe_link, _subscribe = links_in(alert)
    page.goto(comparison_link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mali")
    page.goto(unsubscribe_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    audit_both_widths(page, "alerts-unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    audit_both_widths(page, "alerts-unsubscribed")
    assert not Subscription.objects.exists()

    new_edition(published_mali, note="Third edition.")
    assert send_alerts() == "Sent 0 alerts to 0 addresses.\n"
    assert len(smtp_server.to(READER)) == 2


def test_a_mistyped_address_is_shown_beside_the_field(page, published_mali, smtp_server):
    page.goto("/alerts/")
    page.get_by_label("Your email address").fill("reader@")
    page.get_by_role("button", name="Subscribe").click()

    expect(page.get_by_role("alert")).to_contain_text("Enter a valid email address.")
    expect(page.get_by_label("Your email address")).to_have_attribute("aria-invalid", "true")
    audit_both_widths(page, "alerts-subscribe-error")
    assert smtp_server.messages == []


def test_a_broken_link_says_so_and_leads_back_to_the_form(page, published_mali):
    response = page.goto("/alerts/confirm/1:not-a-real-signature/")

    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    audit_both_widths(page, "alerts-bad-link")
    page.get_by_role("link", name="Subscribe again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow updates")
