"""A reader looks up a treaty's status table: recorded statuses, and "No data" where none is
published, at a desk and on a phone."""

import pytest
from playwright.sync_api import expect

from profiles.models import Country, PublicTreatyStatus
from tests.conftest import MALI
from tests.factories import import_profile_file, make_country, make_topic, make_treaty

pytestmark = pytest.mark.browser

CCM = "/treaties/convention-on-cluster-munitions/"


@pytest.fixture
def mali_published_chad_unknown(transactional_db):
    """Mali published with its status under the convention; Chad with none. Transactional
    tests flush what the data migrations load, so the countries, treaty and topic are made."""
    for name, iso3 in [("Mali", "MLI"), ("Chad", "TCD")]:
        make_country(name, iso3=iso3, region=Country.Region.AFRICA)
    treaty = make_treaty(
        "Convention on Cluster Munitions", slug="convention-on-cluster-munitions", short_name="CCM"
    )
    make_topic("Cluster Munition Ban Policy", treaty=treaty)
    return import_profile_file(MALI, publish=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_status_table_says_no_data_where_nothing_is_published(
    page, mali_published_chad_unknown, artifacts_dir, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{CCM}?region=africa")

    table = page.get_by_role("table")
    mali = table.get_by_role("row").filter(has=page.get_by_role("link", name="Mali", exact=True))
    chad = table.get_by_role("row").filter(has=page.get_by_role("link", name="Chad", exact=True))
    expect(mali).to_contain_text("State party")
    expect(chad).to_contain_text("No data")
    expect(table).not_to_contain_text("Not party")
    assert PublicTreatyStatus.objects.filter(country__slug="chad").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=artifacts_dir / f"treaty-table-{width}.png", full_page=False)
