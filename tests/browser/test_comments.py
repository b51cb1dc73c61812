"""A comment thread from start to resolution in a real browser: an editor starts it on a claim
in the profile editor, a fact-checker replies from the review queue, the editor resolves it.
Each opens the thread in place (static/monitor/comments.js); without JavaScript the same links
open the thread's page, whose forms come back to the claim."""

import re

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from citations.models import Comment
from profiles.models import Claim
from profiles.roles import EDITORS, FACT_CHECKERS, sync_roles
from tests.browser.audit import WIDTHS, audit, audit_widths
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_member

pytestmark = pytest.mark.browser

QUESTION = "Is 22 May 2013 the date of the statement, or of the notes?"
ANSWER = "The notes are dated 22 May 2013; the statement was made that day too."


def first_claim(profile) -> Claim:
    return Claim.objects.filter(section__profile=profile, citations__isnull=False).order_by(
        "section__position", "position"
    )[0]


def at_width(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})


def window(page, artifacts_dir, name: str) -> None:
    """Save what the user sees (the window, with the dialog) at the current width."""
    page.screenshot(path=artifacts_dir / f"{name}-{page.viewport_size['width']}.png")


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def big_enough(locator) -> None:
    box = locator.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box


def test_a_thread_from_start_to_resolution(
    page, browser, live_server, published_mali, artifacts_dir
):
    sync_roles(apps)  # transactional tests start from an empty database
    make_member("edith", EDITORS, password=PASSWORD)
    make_member("ana", FACT_CHECKERS, password=PASSWORD)
    claim = first_claim(published_mali)
    editor_path = reverse("admin:profiles_profile_editor", args=[published_mali.pk])

    # The editor starts a thread on the claim, in the editor, without leaving it.
    at_width(page, 1280)
    log_in(page, "edith", f"/admin/login/?next={editor_path}")
    expect(page.locator("#editor-comments-total")).to_have_text("No open comment threads.")
    box = page.locator(f"#claim-{claim.pk}-text")
    box.fill(f"{box.input_value()} (draft, not saved)")  # unsaved work stays on the page
    link = page.locator(f"#claim-{claim.pk} .editor-claim__main a.comment-link")
    expect(link).to_have_text(re.compile(r"^Start a thread"))
    big_enough(link)
    link.click()
    dialog = page.locator("dialog.comment-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#new-thread").fill(QUESTION)
    dialog.get_by_role("button", name="Start thread").click()
    expect(dialog.locator(".comment-panel__title")).to_have_text(re.compile("^1 open thread"))
    expect(dialog.locator(".comment__text")).to_have_text(QUESTION)
    expect(link).to_have_text(re.compile(r"^Comments 1 open"))
    expect(page.locator("#editor-comments-total")).to_have_text("1 open comment thread")
    big_enough(dialog.get_by_role("button", name="Resolve thread"))
    for width in (1280, 390):
        at_width(page, width)
        no_sideways_scroll(page)
        window(page, artifacts_dir, "comments-editor")
    at_width(page, 1280)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    assert box.input_value().endswith("(draft, not saved)")
    thread = Comment.objects.get()
    assert (thread.claim_id, thread.author.username) == (claim.pk, "edith")

    # The fact-checker sees the open thread in the review queue and replies there.
    checker_context = browser.new_context(base_url=live_server.url)
    checker = checker_context.new_page()
    checker.set_default_timeout(10_000)
    at_width(checker, 1280)
    log_in(checker, "ana", "/admin/login/?next=/admin/review/%3Fstate%3Dall")
    row = checker.locator(f"#citation-{claim.citations.first().pk}")
    queue_link = row.locator(".claim-text a.comment-link")
    expect(queue_link).to_have_text(re.compile(r"^Comments 1 open"))
    queue_link.click()
    queue_dialog = checker.locator("dialog.comment-dialog")
    expect(queue_dialog.locator(".comment__text")).to_have_text(QUESTION)
    queue_dialog.locator(f"#reply-{thread.pk}").fill(ANSWER)
    queue_dialog.get_by_role("button", name="Reply").click()
    expect(queue_dialog.locator(".comment--reply .comment__text")).to_have_text(ANSWER)
    expect(queue_dialog.locator(".comment--reply .comment__meta strong")).to_have_text("ana")
    for width in (1280, 390):
        at_width(checker, width)
        no_sideways_scroll(checker)
        window(checker, artifacts_dir, "comments-queue")
    at_width(checker, 1280)
    queue_dialog.get_by_role("button", name="Close").click()
    audit(checker)  # the queue, with its comment links, passes axe
    checker_context.close()

    # The editor reads the reply and resolves the thread.
    page.goto(editor_path)
    link.click()
    expect(dialog.locator(".comment--reply .comment__text")).to_have_text(ANSWER)
    dialog.get_by_role("button", name="Resolve thread").click()
    expect(dialog.locator(".comment-panel__title")).to_have_text(re.compile("^No open threads"))
    expect(dialog.get_by_role("button", name="Reopen thread")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(link).to_have_text(re.compile(r"^Comments \(1 resolved\)"))
    expect(page.locator("#editor-comments-total")).to_have_text("No open comment threads.")
    thread.refresh_from_db()
    assert thread.resolved_by.username == "edith"

    # The thread's own page (where the link goes without JavaScript) fits both widths.
    audit_widths(page, link.get_attribute("href"), "comments-page")


def test_without_javascript_the_links_open_the_threads_page_and_come_back(
    browser, live_server, published_mali, artifacts_dir
):
    sync_roles(apps)
    make_member("ana", FACT_CHECKERS, password=PASSWORD)
    claim = first_claim(published_mali)
    citation = claim.citations.first()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    at_width(page, 390)
    log_in(page, "ana", "/admin/login/?next=/admin/review/%3Fstate%3Dall")

    page.locator(f"#citation-{citation.pk} .footnote-text a.comment-link").click()
    expect(page).to_have_url(re.compile(r"/admin/review/comments/footnote/\d+/\?next="))
    page.locator("#new-thread").fill(QUESTION)
    page.get_by_role("button", name="Start thread").click()

    expect(page).to_have_url(re.compile(rf"/admin/review/\?state=all#citation-{citation.pk}$"))
    expect(page.locator(f"#citation-{citation.pk} .footnote-text a.comment-link")).to_have_text(
        re.compile(r"^Comments 1 open")
    )
    page.locator(f"#citation-{citation.pk} .footnote-text a.comment-link").click()
    expect(page.locator(".comment__text")).to_have_text(QUESTION)
    # (No audit here: axe and the overflow check run scripts; the first test audits the page.)
    page.screenshot(path=artifacts_dir / "comments-page-nojs-390.png", full_page=True)
    context.close()
