"""What a publisher sees of the consistency checker, in a real browser: the warnings on the
publish page, wide and narrow."""

import datetime

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.models import Country, TreatyStatus
from profiles.roles import PUBLISHERS, sync_roles
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import MALI
from tests.factories import import_profile_file, make_country, make_member, make_treaty

pytestmark = pytest.mark.browser

# A desktop window and a phone's.
WIDTHS = {"wide": 1280, "narrow": 390}


@pytest.fixture
def mali_ratified_a_year_later(transactional_db):
    """Mali imported (not published) with a treaty status that says it ratified on 30 June
    2011, where its text says 30 June 2010.

    Transactional tests flush what the data migrations load, so the country and the treaty
    are made here when missing, and the topic tied to the treaty after the import."""
    country = make_country("Mali", iso3="MLI", region=Country.Region.AFRICA)
    treaty = make_treaty(
        "Convention on Cluster Munitions", slug="convention-on-cluster-munitions", short_name="CCM"
    )
    profile = import_profile_file(MALI)
    profile.topic.treaty = treaty
    profile.topic.save()
    # The import fills the status in when the database still holds the topic's treaty.
    TreatyStatus.objects.update_or_create(
        country=country,
        treaty=treaty,
        defaults={
            "status": TreatyStatus.Status.STATE_PARTY,
            "joined_on": datetime.date(2011, 6, 30),
        },
    )
    return profile


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_publish_page_warns_of_disagreements(
    page, mali_ratified_a_year_later, width, artifacts_dir
):
    sync_roles(apps)  # transactional tests start from an empty database
    make_member("publisher", PUBLISHERS, password=PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "publisher")

    page.goto(f"/admin/profiles/profile/{mali_ratified_a_year_later.pk}/publish/")

    expect(page.get_by_role("heading", name="Check before you publish")).to_be_visible()
    warning = page.locator(".consistency__finding").first
    expect(warning).to_contain_text("but the treaty status has ratified or acceded on 30 June 2011")
    expect(warning.get_by_role("link", name="Summary, claim 1")).to_be_visible()
    expect(page.get_by_role("button", name="Publish edition 1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts_dir / f"publish-consistency-{width}.png", full_page=True)

    warning.get_by_role("link", name="Summary, claim 1").click()
    expect(page.get_by_role("heading", name="Change claim")).to_be_visible()
