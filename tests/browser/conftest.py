"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright downloads no browser here: it launches /usr/bin/chromium, which `make browser`
installs. One browser serves the whole session; each test gets a fresh context and page.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from profiles.models import Country, Profile
from tests.conftest import MALI, WESTMARCH
from tests.factories import import_profile_file, make_country

# Playwright's sync API keeps an asyncio event loop running in the main thread until the
# session ends, so Django would take every later ORM call (fixtures, the flush after each
# transactional test, any test that runs after a browser test) for one made from async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start.
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Without these Chromium keeps calling home, which a closed network makes slow and noisy.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The password of the users the tests log in as through the login form.
PASSWORD = "monitor-demo"
# Screenshots: the ones the tests take, and one of each page a failing test leaves behind.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

_reports = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}: run `make browser` as root, "
            "or apt-get install chromium.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(request, browser, live_server, artifacts_dir):
    """Open a page on the live server; paths such as "/countries/" are relative to it."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    call = request.node.stash.get(_reports, {}).get("call")
    if call is not None and call.failed:
        page.screenshot(path=artifacts_dir / f"failed-{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def published_mali(transactional_db) -> Profile:
    """Publish Mali's Cluster Munition Ban Policy from tests/fixtures, as tests/conftest.py's
    fixture of that name does, for the live server.

    Transactional tests flush the countries that the data migrations load, so Mali is made
    here, in Africa for the directory's region filter, before the importer looks for it.
    """
    make_country("Mali", iso3="MLI", region=Country.Region.AFRICA)
    return import_profile_file(MALI, publish=True)


@pytest.fixture
def westmarch(transactional_db) -> Profile:
    """Publish a second profile, of a (fictional) country in Europe."""
    make_country("Westmarch", region=Country.Region.EUROPE_CENTRAL_ASIA)
    return import_profile_file(WESTMARCH, publish=True)


def log_in(page, username: str, login_page: str = "/admin/login/") -> None:
    """Sign in through the admin's login form as `username`, whose password is PASSWORD."""
    page.goto(login_page)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
