"""A fact-checker works down the review queue in a real browser and never loses their place:
a dispute without a note is refused at its row, with the note field focused; each review
brings the next row into view; the three actions look different and work from the keyboard."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from citations.models import Citation, ReviewState
from citations.services import citation_review
from history.writer import HistoryWriter
from profiles.roles import EDITORS, FACT_CHECKERS, sync_roles
from tests.browser.audit import WIDTHS, audit
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

PROFILE = "Mali — Cluster Munition Ban Policy"
BUTTONS = ["Verify", "Dispute", "Source unavailable"]


def in_queue_order(profile) -> list[Citation]:
    return list(
        Citation.objects.filter(claim__section__profile=profile).order_by(
            "claim__section__position", "claim__position", "position"
        )
    )


def snapshot(page, artifacts_dir, name: str) -> None:
    """Save what the fact-checker sees (the window, not the whole page)."""
    page.screenshot(path=artifacts_dir / f"{name}-window-{page.viewport_size['width']}.png")


def background(button) -> str:
    return button.evaluate("element => getComputedStyle(element).backgroundColor")


def test_a_fact_checker_disputes_then_verifies_without_losing_their_place(
    page, published_mali, artifacts_dir
):
    sync_roles(apps)  # transactional tests start from an empty database
    make_member("ana", FACT_CHECKERS, password=PASSWORD)
    footnotes = in_queue_order(published_mali)
    # An editor fixed footnote [1] after another fact-checker disputed it: back in the queue.
    citation_review(
        citation=footnotes[0],
        reviewer=make_member("bo", FACT_CHECKERS),
        state=ReviewState.DISPUTED,
        note="The statement was made in 2012, not 2013.",
    )
    footnotes[0].text += " Corrected."
    HistoryWriter(user=make_member("edith", EDITORS), reason="Edited").save(footnotes[0])
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
    log_in(page, "ana", "/admin/login/?next=/admin/review/")

    first = page.locator(f"#citation-{footnotes[0].pk}")
    expect(first.locator(".review-previous")).to_contain_text("Was Disputed by bo on")
    expect(first.locator(".review-previous")).to_contain_text("made in 2012, not 2013")
    audit(page, "review-queue-start")

    # Dispute footnote [5] without a note: refused at its row, the note field focused.
    row = page.locator(f"#citation-{footnotes[4].pk}")
    buttons = [row.get_by_role("button", name=name, exact=True) for name in BUTTONS]
    assert len({background(button) for button in buttons}) == 3
    buttons[1].click()

    expect(page).to_have_url(re.compile(rf"#citation-{footnotes[4].pk}$"))
    expect(row).to_have_class(re.compile(r"\breview-row--error\b"))
    error = row.locator(".review-error")
    expect(error).to_contain_text("say in the note what is wrong")
    expect(error).to_be_in_viewport()
    expect(row.get_by_role("textbox", name="note")).to_be_focused()
    snapshot(page, artifacts_dir, "review-queue-dispute-without-note")
    audit(page, "review-queue-dispute-without-note")

    # With a note, by keyboard: type, Tab past Verify to Dispute, Enter.
    page.keyboard.type("The statement is dated 12 September 2012, not 2013.")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(buttons[1]).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"#citation-{footnotes[5].pk}$"))
    following = page.locator(f"#citation-{footnotes[5].pk}")
    expect(following).to_be_in_viewport()
    expect(following.get_by_role("status")).to_have_text(
        f"✓ Footnote [5] of {PROFILE} marked disputed."
    )
    snapshot(page, artifacts_dir, "review-queue-disputed")
    audit(page, "review-queue-disputed")

    # Then verify footnote [6]: footnote [7] comes into view.
    following.get_by_role("button", name="Verify", exact=True).click()

    expect(page).to_have_url(re.compile(rf"#citation-{footnotes[6].pk}$"))
    expect(page.locator(f"#citation-{footnotes[6].pk}")).to_be_in_viewport()
    snapshot(page, artifacts_dir, "review-queue-verified")
    audit(page, "review-queue-verified")
    states = dict(Citation.objects.values_list("pk", "review_state"))
    assert states[footnotes[4].pk] == ReviewState.DISPUTED
    assert states[footnotes[5].pk] == ReviewState.VERIFIED
    assert Citation.objects.get(pk=footnotes[4].pk).review_note.startswith("The statement is")

    page.set_viewport_size({"width": 390, "height": WIDTHS[390]})
    page.goto("/admin/review/?state=all")
    audit(page, "review-queue")


def test_without_javascript_a_refused_dispute_still_lands_at_its_row(
    browser, live_server, published_mali
):
    sync_roles(apps)
    make_member("ana", FACT_CHECKERS, password=PASSWORD)
    target = in_queue_order(published_mali)[4]
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport={"width": 1280, "height": WIDTHS[1280]},
    )
    page = context.new_page()
    log_in(page, "ana", "/admin/login/?next=/admin/review/")
    row = page.locator(f"#citation-{target.pk}")

    row.get_by_role("button", name="Dispute", exact=True).click()

    expect(page).to_have_url(re.compile(rf"#citation-{target.pk}$"))
    expect(row.locator(".review-error")).to_be_in_viewport()
    expect(row.get_by_role("textbox", name="note")).to_have_attribute("aria-invalid", "true")
    context.close()


def test_the_counts_follow_the_page(page, published_mali):
    """The whole queue comes uncounted (counting reads every citation); the script loads
    the counts in place of the link that asks for them."""
    sync_roles(apps)
    make_member("ana", FACT_CHECKERS, password=PASSWORD)
    unreviewed = Citation.objects.filter(review_state=ReviewState.UNREVIEWED).count()
    page.set_viewport_size({"width": 1280, "height": WIDTHS[1280]})
    log_in(page, "ana", "/admin/login/?next=/admin/review/")

    counts = page.locator("#review-counts")

    expect(counts).to_contain_text(f"{unreviewed} unreviewed, 0 disputed of {unreviewed}")
    expect(counts.get_by_role("link", name="Count them")).to_have_count(0)
    expect(counts.get_by_role("link", name=f"{unreviewed} unreviewed")).to_have_attribute(
        "href", "?state=unreviewed"
    )


def test_without_javascript_the_counts_are_a_link_away(browser, live_server, published_mali):
    sync_roles(apps)
    make_member("ana", FACT_CHECKERS, password=PASSWORD)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, "ana", "/admin/login/?next=/admin/review/")

    page.locator("#review-counts").get_by_role("link", name="Count them").click()

    expect(page).to_have_url(re.compile(r"/admin/review/\?count=1$"))
    expect(page.locator("#review-counts")).to_contain_text("unreviewed, 0 disputed of")
    context.close()
