"""The stock admin pages editors work in, at 1280 px and 390 px: nothing scrolls sideways and
axe-core finds no serious or critical violation (tests/browser/audit.py)."""

import pytest
from django.apps import apps

from citations.models import Citation
from profiles.models import Claim
from profiles.roles import EDITORS, sync_roles
from tests.browser.audit import audit_widths
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import MALI
from tests.factories import import_profile_file, make_country, make_member

pytestmark = pytest.mark.browser


@pytest.fixture
def mali_draft(transactional_db):
    sync_roles(apps)  # transactional tests start from an empty database
    make_country("Mali", iso3="MLI")
    return import_profile_file(MALI)


def admin_pages(profile) -> dict[str, str]:
    section = profile.sections.order_by("position").last()
    claim = Claim.objects.filter(section__profile=profile).order_by("-pk").first()
    citation = Citation.objects.filter(claim__section__profile=profile).first()
    source = citation.sources.first()
    return {
        "profile-list": "/admin/profiles/profile/",
        "profile": f"/admin/profiles/profile/{profile.pk}/change/",
        "section": f"/admin/profiles/section/{section.pk}/change/",
        "claim-list": "/admin/profiles/claim/",
        "claim": f"/admin/profiles/claim/{claim.pk}/change/",
        "citation-list": "/admin/citations/citation/",
        "citation": f"/admin/citations/citation/{citation.pk}/change/",
        "citation-history": f"/admin/citations/citation/{citation.pk}/history/",
        "profile-history": f"/admin/profiles/profile/{profile.pk}/history/",
        "source-list": "/admin/citations/source/",
        "source": f"/admin/citations/source/{source.pk}/change/" if source else None,
        "country-list": "/admin/profiles/country/",
        "treaty-statuses": "/admin/profiles/treatystatus/",
    }


def test_the_editors_admin_pages_fit_the_window_and_pass_axe(page, mali_draft):
    make_member("editor", EDITORS, password=PASSWORD)
    log_in(page, "editor")
    for name, path in admin_pages(mali_draft).items():
        if path:
            audit_widths(page, path, f"admin-{name}")
