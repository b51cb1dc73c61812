"""Every public page at 1280 px and 390 px: nothing scrolls sideways, and axe-core finds no
serious or critical accessibility violation (tests/browser/audit.py)."""

import pytest

from profiles.models import Country
from profiles.publishing import profile_publish
from tests.browser.audit import audit_widths
from tests.conftest import MALI as MALI_FILE
from tests.factories import import_profile_file, make_country, make_topic, make_treaty

pytestmark = pytest.mark.browser

MALI = "/countries/mali/cluster-munition-ban-policy"
PUBLIC_PAGES = {
    "home": "/",
    "countries": "/countries/",
    "country": "/countries/mali/",
    "report": f"{MALI}/",
    "editions": f"{MALI}/editions/",
    "edition": f"{MALI}/editions/1/",
    "edition-compare": f"{MALI}/editions/1/compare/2/",
    "treaties": "/treaties/",
    "treaty": "/treaties/convention-on-cluster-munitions/",
    "search": "/search/?q=Mali",
    "not-found": "/countries/nowhere/",
}


@pytest.fixture
def mali_in_two_editions(transactional_db):
    treaty = make_treaty("Convention on Cluster Munitions")
    make_topic("Cluster Munition Ban Policy", treaty=treaty)
    make_country("Mali", iso3="MLI", region=Country.Region.AFRICA)
    published_mali = import_profile_file(MALI_FILE, publish=True)
    profile = published_mali
    profile.last_updated = profile.last_updated.replace(year=2017)
    profile.save()
    profile_publish(profile=profile, user=None)
    return profile


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_fits_the_window_and_passes_axe(page, mali_in_two_editions, name):
    status = 404 if name == "not-found" else 200
    audit_widths(page, PUBLIC_PAGES[name], f"audit-{name}", status=status)
