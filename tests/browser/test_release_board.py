"""The progress board and a comment thread in a real browser: a publisher reads the board of a
release of three profiles, filters it to those in review and follows a profile's open threads
to its editor; a fact-checker starts a thread on a claim in the review queue, the editor
replies in the editor, the
fact-checker resolves it, and once the citations are reviewed the board shows the profile
ready. Screenshots at 1280 px and 390 px go to test-artifacts/."""

import datetime
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from citations.models import Citation, Comment, ReviewState
from citations.services import citations_review
from profiles.models import Country, ReleaseProfile
from profiles.releases import entry_mark_drafted, release_add_profiles, release_create
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS, sync_roles
from tests.browser.audit import audit, audit_widths
from tests.browser.conftest import PASSWORD, log_in
from tests.browser.test_comments import (
    at_width,
    big_enough,
    first_claim,
    no_sideways_scroll,
    window,
)
from tests.conftest import EASTMARCH
from tests.factories import import_profile_file, make_country, make_member
from tests.profiles.test_releases import edit_a_claim

pytestmark = pytest.mark.browser

QUESTION = "Was the 2013 statement made at the Oslo meeting or in Lomé?"
ANSWER = "In Lomé: the notes say so on their first page."


def new_page(browser, live_server, username: str, path: str, width: int = 1280):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    at_width(page, width)
    log_in(page, username, f"/admin/login/?next={path}")
    return page


def row(page, entry):
    return page.locator(f"#entry-{entry.pk}")


def test_the_board_and_a_thread_from_start_to_ready(
    page, browser, live_server, published_mali, westmarch, artifacts_dir
):
    sync_roles(apps)  # transactional tests start from an empty database
    pat = make_member("pat", PUBLISHERS, password=PASSWORD)
    edith = make_member("edith", EDITORS, password=PASSWORD)
    ana = make_member("ana", FACT_CHECKERS, password=PASSWORD)
    make_country("Eastmarch", region=Country.Region.EUROPE_CENTRAL_ASIA)
    eastmarch = import_profile_file(EASTMARCH, publish=True)
    today = timezone.localdate()
    release = release_create(
        name="Landmine and Cluster Munition Monitor 2026",
        drafting_deadline=today + datetime.timedelta(days=7),
        review_deadline=today + datetime.timedelta(days=14),
        launch_at=timezone.now() + datetime.timedelta(days=21),
        launch_time_zone="Europe/Zurich",
        user=pat,
    )
    release_add_profiles(
        release, [published_mali, westmarch, eastmarch], editor=edith, fact_checker=ana, user=pat
    )
    entries = {entry.profile.country.slug: entry for entry in release.entries.all()}
    # Mali's update is drafted and awaits review; Westmarch is being drafted; Eastmarch waits.
    edit_a_claim(published_mali, edith)
    entry_mark_drafted(entries["mali"], user=edith)
    edit_a_claim(westmarch, edith)
    mali = entries["mali"]
    board_path = reverse("admin:profiles_release_board", args=[release.pk])

    # The publisher reads the board: the counts, and a row for each profile.
    log_in(page, "pat", f"/admin/login/?next={board_path}")
    counts = page.locator(".board-counts")
    expect(counts.get_by_role("link", name="1 In review")).to_be_visible()
    expect(counts.get_by_role("link", name="1 Drafting")).to_be_visible()
    expect(counts.get_by_role("link", name="1 Not started")).to_be_visible()
    expect(counts.get_by_role("link", name="0 Ready")).to_be_visible()
    expect(page.locator(".board-row")).to_have_count(3)
    expect(row(page, mali).locator(".board-state")).to_have_text("In review")
    audit_widths(page, None, "release-board")
    for width in (1280, 390):
        at_width(page, width)
        window(page, artifacts_dir, "release-board-window")
        big_enough(counts.get_by_role("link", name="1 In review"))
        big_enough(row(page, mali).locator("a.board-threads"))
    at_width(page, 1280)

    # Filtered to what is in review: Mali alone.
    counts.get_by_role("link", name="1 In review").click()
    expect(page).to_have_url(re.compile(r"\?state=in-review$"))
    expect(page.locator(".board-row")).to_have_count(1)
    expect(page.locator("#id_state")).to_have_value("in-review")
    audit_widths(page, None, "release-board-in-review")

    # Mali's open threads: none yet; the link opens its editor at the count of threads.
    threads = row(page, mali).locator("a.board-threads")
    expect(threads).to_have_text(re.compile(r"^0 open"))
    threads_url = threads.get_attribute("href")
    threads.click()
    expect(page).to_have_url(
        re.compile(rf"/admin/profiles/profile/{mali.profile_id}/editor/#editor-comments-total$")
    )

    # The fact-checker starts a thread on a claim of Mali from the review queue.
    claim = first_claim(published_mali)
    citation = Citation.objects.filter(claim=claim).order_by("position").first()
    queue_url = f"/admin/review/?profile={mali.profile_id}%26state=all"
    checker = new_page(browser, live_server, "ana", queue_url)
    expect(checker).to_have_url(re.compile(r"/admin/review/\?profile="))
    link = checker.locator(f"#citation-{citation.pk} .claim-text a.comment-link")
    expect(link).to_have_text(re.compile(r"^Start a thread"))
    link.click()
    dialog = checker.locator("dialog.comment-dialog")
    dialog.locator("#new-thread").fill(QUESTION)
    dialog.get_by_role("button", name="Start thread").click()
    expect(dialog.locator(".comment__text")).to_have_text(QUESTION)
    dialog.get_by_role("button", name="Close").click()
    thread = Comment.objects.get()

    # The board counts it against Mali.
    page.goto(f"{board_path}?state=in-review")
    expect(row(page, mali).locator("a.board-threads")).to_have_text(re.compile(r"^1 open"))

    # The editor replies in the editor, where the board's link leads.
    editor = new_page(browser, live_server, "edith", threads_url.split("#")[0])
    editor.locator(f"#claim-{claim.pk} .editor-claim__main a.comment-link").click()
    editor_dialog = editor.locator("dialog.comment-dialog")
    editor_dialog.locator(f"#reply-{thread.pk}").fill(ANSWER)
    editor_dialog.get_by_role("button", name="Reply").click()
    expect(editor_dialog.locator(".comment--reply .comment__text")).to_have_text(ANSWER)
    # Westmarch's draft is done: the editor says so on the board, where their rows have the
    # button.
    editor.goto(board_path)
    westmarch_row = row(editor, entries["westmarch"])
    done = westmarch_row.get_by_role("button", name=re.compile("^Hand to review"))
    big_enough(done)
    done.click()
    expect(editor.locator(".messagelist")).to_contain_text("the draft is done")
    expect(row(editor, entries["westmarch"]).locator(".board-state")).to_have_text("In review")
    editor.context.close()

    # The fact-checker reads the reply and resolves the thread; the thread, at both widths.
    checker.reload()
    checker.locator(f"#citation-{citation.pk} .claim-text a.comment-link").click()
    expect(dialog.locator(".comment--reply .comment__text")).to_have_text(ANSWER)
    for width in (1280, 390):
        at_width(checker, width)
        no_sideways_scroll(checker)
        window(checker, artifacts_dir, "release-board-thread")
    at_width(checker, 1280)
    dialog.get_by_role("button", name="Resolve thread").click()
    expect(dialog.locator(".comment-panel__title")).to_have_text(re.compile("^No open threads"))
    dialog.get_by_role("button", name="Close").click()
    checker.context.close()

    # With its citations reviewed (the review queue's own tests walk that), Mali is ready.
    citations_review(
        citations=list(Citation.objects.filter(claim__section__profile=published_mali)),
        reviewer=ana,
        state=ReviewState.VERIFIED,
    )
    page.goto(board_path)
    expect(row(page, mali).locator(".board-state")).to_have_text("Ready")
    expect(row(page, mali).locator("a.board-threads")).to_have_text(re.compile(r"^0 open"))
    expect(page.locator(".board-counts").get_by_role("link", name="1 Ready")).to_be_visible()
    assert ReleaseProfile.objects.for_board().get(pk=mali.pk).progress == "ready"
    audit(page, "release-board-ready")
