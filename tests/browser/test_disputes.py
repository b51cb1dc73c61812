"""A fact-checker reads the disputes page: each dispute's heading names its profile legibly."""

import pytest
from playwright.sync_api import expect

from citations.models import Citation
from citations.services import citation_review
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

# WCAG 2.2 AA: text needs a contrast of at least 4.5:1 with its background.
CONTRAST_JS = """(link) => {
  const rgb = (value) => value.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const luminance = ([r, g, b]) => {
    const [R, G, B] = [r, g, b].map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * R + 0.7152 * G + 0.0722 * B;
  };
  let element = link, background = [0, 0, 0, 0];
  while (element && (background.length === 4 && background[3] === 0)) {
    background = rgb(getComputedStyle(element).backgroundColor);
    element = element.parentElement;
  }
  const [light, dark] = [luminance(rgb(getComputedStyle(link).color)), luminance(background)]
    .sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


def test_a_disputes_heading_names_its_profile_legibly(page, published_mali, artifacts_dir):
    checker = make_user("checker", superuser=True, password=PASSWORD)
    citation = Citation.objects.filter(claim__section__profile=published_mali).first()
    citation_review(citation=citation, reviewer=checker, state="disputed", note="Wrong date.")
    log_in(page, "checker")

    page.goto("/admin/review/disputes/")

    link = page.locator(".dispute h2 a").first
    expect(link).to_have_text("Mali — Cluster Munition Ban Policy")
    assert link.evaluate(CONTRAST_JS) >= 4.5
    page.screenshot(path=artifacts_dir / "disputes-1280.png")
