"""What every page a browser test visits must pass: no sideways scroll, and no serious or
critical accessibility violation found by axe-core (bundled by axe-playwright-python).

    audit(page, "review-queue")     # at the page's current width; saves a screenshot
    audit_widths(page, "/admin/", "admin-home")   # at 1280 and 390 px
"""

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDTHS = {1280: 900, 390: 844}
# axe's impact levels that fail a page; "minor" and "moderate" ones are reported, not failed.
FAILING_IMPACTS = {"serious", "critical"}

_axe = Axe()


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def widest_elements(page, limit: int = 5) -> list[str]:
    """The elements that stick out past the window's right edge, to name in a failure."""
    return page.evaluate(
        """limit => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-limit)
            .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                 + (el.className && typeof el.className === 'string'
                    ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
                 + ' right=' + Math.round(el.getBoundingClientRect().right))""",
        limit,
    )


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    results = _axe.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def audit(page, name: str | None = None) -> None:
    """Assert the page at its current width scrolls no sideways and passes axe; save a
    full-page screenshot as test-artifacts/<name>-<width>.png when named."""
    width = page.viewport_size["width"]
    if name:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
    overflow = sideways_overflow(page)
    assert overflow <= 0, (
        f"{page.url} scrolls sideways by {overflow}px at {width}px: {widest_elements(page)}"
    )
    violations = serious_violations(page)
    assert not violations, f"{page.url} at {width}px:\n" + "\n".join(violations)


def audit_widths(page, path: str | None, name: str, *, status: int = 200) -> None:
    """Open `path` (or reload the current page when None) at 1280 px and 390 px, check the
    response's status and audit the page at each width; ends at 1280 px."""
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": WIDTHS[width]})
        response = page.reload() if path is None else page.goto(path)
        assert response.status == status, f"{page.url}: {response.status}, not {status}"
        audit(page, name)
