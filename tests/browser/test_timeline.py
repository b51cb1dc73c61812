"""An editor reads a profile's timeline in a real browser, picks two change sets and
compares them, then opens an object's own History page."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from playwright.sync_api import expect

from citations.models import Citation
from citations.services import citation_review
from history.changesets import change_set
from history.writer import HistoryWriter
from profiles.models import ChangeSet, Claim
from profiles.roles import EDITORS, FACT_CHECKERS, sync_roles
from tests.browser.audit import audit
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import MALI
from tests.factories import import_profile_file, make_country, make_member

pytestmark = pytest.mark.browser


@pytest.fixture
def reviewed_mali(transactional_db):
    """Mali imported and published, then a footnote verified, another disputed, and two
    claims edited."""
    sync_roles(apps)  # transactional tests start from an empty database
    make_country("Mali", iso3="MLI")
    profile = import_profile_file(MALI, publish=True)
    editor = make_member("editor", EDITORS, password=PASSWORD)
    checker = make_member("checker", FACT_CHECKERS, password=PASSWORD)
    footnotes = Citation.objects.filter(claim__section__profile=profile).order_by(
        "claim__section__position", "claim__position", "position"
    )
    citation_review(citation=footnotes[3], reviewer=checker, state="verified")
    citation_review(
        citation=footnotes[2], reviewer=checker, state="disputed", note="The date is 2013."
    )
    claims = Claim.objects.filter(section__profile=profile, section__heading="Policy")
    with change_set(action="edit", user=editor):
        for claim in claims.order_by("position")[:2]:
            claim.text += " Amended."
            HistoryWriter(user=editor, reason="Edited in the admin").save(claim)
    return profile


def test_an_editor_reads_the_timeline_and_compares_two_change_sets(page, reviewed_mali):
    timeline = f"/admin/profiles/profile/{reviewed_mali.pk}/timeline/"
    imported = ChangeSet.objects.get(action=ChangeSet.Action.IMPORT)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "editor")

    page.goto(timeline)
    entries = page.locator(".change-set__headline")
    expect(entries).to_have_text(
        [
            "Edited 2 claims in Policy",
            "Disputed footnote [3]: ‘The date is 2013.’",
            "Verified footnote [4]",
            "Imported mali-cluster-munition-ban-policy.txt",
        ]
    )
    title = page.locator("#content h1")
    tools = page.locator(".history-tools")
    assert title.bounding_box()["y"] + title.bounding_box()["height"] <= tools.bounding_box()["y"]
    audit(page, "timeline")

    # An entry's records, field by field, are read when its details are opened.
    newest = page.locator(".change-set").first
    assert newest.locator("ins").count() == 0
    newest.locator("summary").click()
    expect(newest.locator(".field-changes ins", has_text="Amended.").first).to_be_visible()
    expect(newest.locator(".change-set__records td").first).to_contain_text("changed")
    audit(page, "timeline-details")

    page.locator(f"#change-set-{imported.pk}").get_by_label("From").check()
    page.get_by_role("button", name="Compare").first.click()
    expect(page).to_have_url(re.compile(r"/timeline/compare/\?"))
    newest = ChangeSet.objects.order_by("pk").last()
    picked = parse_qs(urlsplit(page.url).query)
    assert picked == {"from": [str(imported.pk)], "to": [str(newest.pk)]}
    expect(page.get_by_role("heading", level=1)).to_contain_text("what changed")
    expect(page.locator("ins", has_text="Amended.").first).to_be_visible()
    audit(page, "timeline-compare")

    page.goto(timeline)
    page.locator(".change-set").first.get_by_role("link", name="What it changed").click()
    expect(page.locator("#content-main strong").first).to_have_text("Edited 2 claims in Policy")
    audit(page, "timeline-change-set")

    page.goto(f"/admin/profiles/profile/{reviewed_mali.pk}/history/")
    audit(page, "timeline-profile-history")

    # Without JavaScript, the details hold a link to the same records on a page of their own.
    page.goto(timeline)
    link = page.locator(".change-set").first.locator(".change-set__records-body a")
    page.goto(link.get_attribute("href"))
    expect(page).to_have_url(re.compile(r"/change-sets/[0-9]+/records/$"))
    expect(page.locator(".field-changes ins", has_text="Amended.").first).to_be_visible()
    audit(page, "timeline-records")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(timeline)
    audit(page, "timeline")
    newest = page.locator(".change-set").first
    newest.locator("summary").click()
    expect(newest.locator(".field-changes ins", has_text="Amended.").first).to_be_visible()
    audit(page, "timeline-details")
