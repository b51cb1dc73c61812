"""The Content Security Policy in a real browser: no page, public or admin, breaks it, and the
admin's scripts (actions, inlines, select2 autocomplete, the review queue's) still run."""

import pytest
from playwright.sync_api import expect

from citations.models import Citation
from profiles.models import ChangeSet, Claim
from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

# Chromium fires `securitypolicyviolation` for every blocked script, style, image, frame or
# form; the init script records them before any of the page's own code runs.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it meets collected from events and the console."""
    console = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def visit(path: str):
        response = page.goto(path)
        assert response.status < 400, (path, response.status)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        violations = page.evaluate("window.__violations")
        assert violations == [], (path, violations)
        assert console == [], (path, console)

    page.visit = visit
    return page


def log_in_as_superuser(page, username: str = "boss") -> None:
    make_user(username, superuser=True, password=PASSWORD)
    log_in(page, username)
    expect(page.locator("#user-tools")).to_contain_text(username)


def test_public_pages_raise_no_csp_violation(watched, published_mali):
    report = f"/countries/mali/{published_mali.topic.slug}"
    for path in ["/", "/countries/?region=africa", "/countries/mali/", f"{report}/"]:
        watched.visit(path)
    watched.visit(f"{report}/editions/")
    watched.visit("/search/?q=convention")
    watched.visit("/treaties/")


def test_admin_pages_raise_no_csp_violation_and_their_scripts_run(watched, published_mali):
    watched.visit("/admin/login/")
    log_in_as_superuser(watched)
    profile = f"/admin/profiles/profile/{published_mali.pk}"
    claim = Claim.objects.filter(section__profile=published_mali).first()

    watched.visit("/admin/")
    watched.visit("/admin/profiles/profile/")
    watched.locator("#action-toggle").check()  # actions.js: ticks every row
    expect(watched.locator(".action-counter")).to_contain_text("1 of 1 selected")

    watched.visit(f"{profile}/change/")
    watched.locator("#select2-id_country-container").click()  # select2 autocomplete
    expect(watched.locator(".select2-results__option").first).to_be_visible()
    watched.keyboard.press("Escape")
    watched.visit(f"/admin/profiles/claim/{claim.pk}/change/")
    watched.locator(".add-row a").first.click()  # inlines.js: adds a citation form
    watched.visit(f"{profile}/history/")
    watched.visit(f"{profile}/timeline/")
    watched.visit(f"{profile}/edit-text/")
    watched.visit(f"{profile}/publish/")
    watched.visit(f"{profile}/timeline/change-sets/{ChangeSet.objects.latest('pk').pk}/revert/")
    watched.visit("/admin/review/disputes/")
    watched.visit("/admin/citations/citation/")


def test_the_review_queue_select_all_box_works_from_its_script_file(watched, published_mali):
    log_in_as_superuser(watched)

    watched.visit("/admin/review/?state=unreviewed")

    boxes = watched.locator(".select-citation")
    assert boxes.count() == Citation.objects.count() > 1
    watched.locator("#select-all").check()
    for index in range(boxes.count()):
        expect(boxes.nth(index)).to_be_checked()
    watched.locator("#select-all").uncheck()
    expect(boxes.first).not_to_be_checked()
