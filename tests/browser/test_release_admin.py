"""A publisher prepares a release in a real browser: creates it with a launch in Zurich time,
assigns an editor and a fact-checker, and schedules it; the change page passes the audit
(no sideways scroll, no serious accessibility violation) at 1280 and 390 px."""

import datetime

import pytest
from django.apps import apps
from django.urls import reverse
from playwright.sync_api import expect

from profiles.models import Release
from profiles.roles import EDITORS, FACT_CHECKERS, PUBLISHERS, sync_roles
from tests.browser.audit import audit_widths
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_country, make_member, make_profile, make_topic

pytestmark = pytest.mark.browser


def test_a_publisher_prepares_and_schedules_a_release(page, live_server):
    sync_roles(apps)  # transactional tests start from an empty database
    make_member("pat", PUBLISHERS, password=PASSWORD)
    ana = make_member("ana", EDITORS)
    cleo = make_member("cleo", FACT_CHECKERS)
    topic = make_topic("Cluster Munition Ban Policy")
    for name in ("Arland", "Borduria", "Carpania Federal Democratic Republic"):
        make_profile(country=make_country(name), topic=topic)
    year = datetime.date.today().year + 1

    log_in(page, "pat", f"/admin/login/?next={reverse('admin:profiles_release_add')}")
    page.fill("#id_name", f"Cluster Munition Monitor {year}")
    page.select_option("#id_topic", label=topic.name)
    page.fill("#id_drafting_deadline", f"{year}-06-01")
    page.fill("#id_review_deadline", f"{year}-07-01")
    page.fill("#id_launch_date", f"{year}-09-04")
    page.fill("#id_launch_time", "09:00")
    page.select_option("#id_launch_time_zone", "Europe/Zurich")
    page.click("input[name=_continue]")

    expect(page.locator("#release-profiles h2")).to_have_text("Profiles in this release (3)")
    release = Release.objects.get()
    assert release.launch_at == datetime.datetime(year, 9, 4, 7, 0, tzinfo=datetime.UTC)
    entry = release.entries.get(profile__country__name="Arland")
    page.select_option(f"select[name=editor-{entry.pk}]", label="ana")
    page.select_option(f"select[name=fact_checker-{entry.pk}]", label="cleo")
    page.click("input[value='Save assignments']")
    expect(page.locator(".messagelist")).to_contain_text("Saved the assignments of 1 profile.")
    entry.refresh_from_db()
    assert (entry.editor, entry.fact_checker) == (ana, cleo)

    audit_widths(page, None, "release-change")

    page.click("text=Schedule…")
    audit_widths(page, None, "release-schedule")
    page.click("input[value='Schedule the release']")
    expect(page.locator(".messagelist")).to_contain_text("Scheduled")
    release.refresh_from_db()
    assert release.state == Release.State.SCHEDULED
    audit_widths(page, None, "release-scheduled")
