"""Each role's admin home in a real browser, at 1280 px and 390 px: where things stand and what
to do next, with no sideways scroll and no serious accessibility violation."""

import datetime
import re

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from citations.comments import thread_start
from citations.models import Citation, ReviewState
from citations.services import citation_review
from history.changesets import change_set
from profiles.models import Claim, ReleaseProfile
from profiles.publishing import profile_publish
from profiles.releases import entry_mark_drafted, release_add_profiles, release_create
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS, sync_roles
from tests.browser.audit import audit_widths
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import WESTMARCH
from tests.factories import (
    import_profile_file,
    make_citation,
    make_claim,
    make_country,
    make_member,
    make_profile,
    make_section,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def desk(published_mali):
    """A working day: Mali published and edited since, Westmarch a draft with disputes, and a
    small profile every citation of which is verified."""
    sync_roles(apps)  # transactional tests start from an empty database
    editor = make_member("editor", EDITORS, password=PASSWORD)
    checker = make_member("checker", FACT_CHECKERS, password=PASSWORD)
    publisher = make_member("publisher", PUBLISHERS, password=PASSWORD)

    make_country("Westmarch")
    with change_set(action="import", user=editor):
        westmarch = import_profile_file(WESTMARCH)
    with change_set(action="edit", user=editor):
        claim = published_mali.sections.first().claims.first()
        claim.text += " Amended."
        claim.save()
        ready = make_profile(country=make_country("Aland"))
        footnote = make_citation(claim=make_claim(section=make_section(profile=ready)))

    citation_review(citation=footnote, reviewer=checker, state=ReviewState.VERIFIED)
    disputed = Citation.objects.filter(claim__section__profile=westmarch)[:2]
    for citation in disputed:
        citation_review(
            citation=citation,
            reviewer=checker,
            state=ReviewState.DISPUTED,
            note="The statement was made in 2013, not 2012.",
        )
    for citation in Citation.objects.filter(claim__section__profile=published_mali)[:3]:
        citation_review(citation=citation, reviewer=checker, state=ReviewState.VERIFIED)
    return {"editor": editor, "checker": checker, "publisher": publisher, "ready": ready}


def test_an_editor_sees_their_unpublished_changes_and_disputes(page, desk):
    log_in(page, "editor")

    audit_widths(page, "/admin/", "home-editor")

    unpublished = page.locator("#home-unpublished")
    expect(unpublished).to_contain_text("Mali — Cluster Munition Ban Policy")
    expect(unpublished).to_contain_text("Published edition 1 + unpublished changes")
    expect(unpublished).to_contain_text("Westmarch")
    expect(page.locator("#home-disputes")).to_contain_text("2 disputed")
    expect(
        page.locator("#home-edits").get_by_role("link", name="What changed").first
    ).to_be_visible()
    expect(page.get_by_text("Citation sources")).to_have_count(0)


def test_a_fact_checker_sees_what_awaits_review_by_profile(page, desk):
    log_in(page, "checker")

    audit_widths(page, "/admin/", "home-checker")

    awaiting = page.locator("#home-awaiting")
    expect(awaiting).to_contain_text("await your review")
    awaiting.get_by_role("link", name="to review").first.click()
    expect(page).to_have_url(re.compile(r"/admin/review/\?profile=\d+$"))


def test_a_publisher_sees_what_is_ready_and_what_is_blocked(page, desk):
    log_in(page, "publisher")

    audit_widths(page, "/admin/", "home-publisher")

    ready = page.locator("#home-ready")
    expect(ready).to_contain_text("Aland")
    blocked = page.locator("#home-blocked")
    expect(blocked).to_contain_text("2 disputed")
    expect(blocked).to_contain_text("unreviewed")
    ready.get_by_role("link", name="Publish…").first.click()
    publish = f"/admin/profiles/profile/{desk['ready'].pk}/publish/"
    expect(page).to_have_url(re.compile(f"{publish}$"))


def test_a_publisher_s_profile_list_shows_each_state(page, desk):
    profile_publish(profile=desk["ready"], user=desk["publisher"])
    log_in(page, "publisher")

    audit_widths(page, "/admin/profiles/profile/", "profile-list-states")

    expect(page.get_by_text("Published edition 1 + unpublished changes")).to_be_visible()
    expect(page.locator(".state-badge--draft")).to_have_text("Draft")


@pytest.fixture
def release_desk(desk, published_mali):
    """Desk's profiles in a release for "editor" and "checker", its drafting deadline passed:
    Mali (edited, a thread open), Westmarch (disputed), Aland (handed to review)."""
    today = timezone.localdate()
    publisher, editor, checker = desk["publisher"], desk["editor"], desk["checker"]
    release = release_create(
        name="Cluster Munition Monitor 2026",
        drafting_deadline=today - datetime.timedelta(days=1),
        review_deadline=today + datetime.timedelta(days=9),
        launch_at=timezone.now() + datetime.timedelta(days=20),
        launch_time_zone="Europe/Zurich",
        user=publisher,
    )
    westmarch = Claim.objects.filter(section__profile__country__name="Westmarch").first()
    profiles = [published_mali, westmarch.section.profile, desk["ready"]]
    release_add_profiles(release, profiles, editor=editor, fact_checker=checker, user=publisher)
    entry_mark_drafted(ReleaseProfile.objects.get(profile=desk["ready"]), user=editor)
    thread_start(
        about=published_mali.sections.first().claims.first(),
        text="Is this the 2024 figure?",
        user=checker,
    )
    return {**desk, "release": release, "mali": published_mali}


def test_an_editor_sees_their_profiles_in_the_release_and_hands_one_to_review(page, release_desk):
    log_in(page, "editor")

    audit_widths(page, "/admin/", "home-editor-release")

    release = release_desk["release"]
    mine = page.locator(f"#home-release-editor-{release.pk}")
    expect(mine).to_contain_text("My profiles in Cluster Munition Monitor 2026")
    expect(mine).to_contain_text("Overdue")
    expect(mine).to_contain_text("Blocked")
    expect(mine).to_contain_text("1 unresolved thread")
    expect(page.locator("#home-threads-editing")).to_contain_text("1 unresolved comment thread")
    mine.get_by_role("button", name=re.compile("Hand to review.*Mali")).click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".messagelist")).to_contain_text("handed to review")
    expect(mine.get_by_role("button", name=re.compile("Hand to review.*Mali"))).to_have_count(0)


def test_a_publisher_sees_each_open_release_s_progress(page, release_desk):
    log_in(page, "publisher")

    audit_widths(page, "/admin/", "home-publisher-release")

    releases = page.locator("#home-releases")
    expect(releases).to_contain_text("Cluster Munition Monitor 2026")
    expect(releases).to_contain_text("3 profiles: 0 not started, 1 drafting")
    expect(releases).to_contain_text("1 overdue")
    releases.get_by_role("link", name=re.compile("Progress board")).click()
    board = f"/admin/profiles/release/{release_desk['release'].pk}/board/"
    expect(page).to_have_url(re.compile(f"{board}$"))
