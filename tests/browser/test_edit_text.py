"""An editor pastes a text with a stray marker into "Edit as text": one error, at its line,
and a click puts the cursor there."""

import re

import pytest
from django.apps import apps
from playwright.sync_api import expect

from profiles.importing import profile_export
from profiles.roles import EDITORS, sync_roles
from tests.browser.audit import ARTIFACTS, WIDTHS, audit
from tests.browser.conftest import PASSWORD, log_in
from tests.conftest import MALI
from tests.factories import import_profile_file, make_country, make_member

pytestmark = pytest.mark.browser

# The line of the textarea's cursor, counted from 1.
CURSOR_LINE = "box => box.value.slice(0, box.selectionStart).split('\\n').length"


@pytest.fixture
def mali_for_editor(transactional_db):
    sync_roles(apps)  # transactional tests start from an empty database
    make_country("Mali", iso3="MLI")
    make_member("editor", EDITORS, password=PASSWORD)
    return import_profile_file(MALI)


def stray_text(profile) -> tuple[str, int, int]:
    """Mali's text with a stray [9] after the first [2]; its line, and that of marker [5]."""
    text = profile_export(profile=profile).replace("[2]", "[2] [9]", 1)
    lines = text.split("\n")
    stray = next(number for number, line in enumerate(lines, 1) if "[2] [9]" in line)
    five = next(number for number, line in enumerate(lines, 1) if "[5]" in line)
    return text, stray, five


def at_width(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})


def test_an_editor_clicks_the_error_and_the_cursor_lands_on_its_line(page, mali_for_editor):
    text, stray, five = stray_text(mali_for_editor)
    edit_text = f"/admin/profiles/profile/{mali_for_editor.pk}/edit-text/"
    log_in(page, "editor", f"/admin/login/?next={edit_text}")
    box = page.get_by_label("Text of Mali — Cluster Munition Ban Policy")
    for width in (390, 1280):
        at_width(page, width)
        page.reload()
        expect(page.locator(".text-editor.is-live")).to_be_visible()
        audit(page, "edit-text-open")

    box.fill(text)
    page.get_by_role("button", name="Preview changes").click()

    problems = page.locator(".text-problems__list > li")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text(f"Line {stray}: marker [9] has no footnote [9]")
    knock_ons = problems.first.locator("details")
    expect(knock_ons.locator("summary")).to_have_text(
        "6 more markers are out of order only because of this one"
    )
    expect(knock_ons.get_by_role("link").first).not_to_be_visible()  # folded
    for width in (390, 1280):
        at_width(page, width)
        audit(page, "edit-text-errors")

    problems.first.get_by_role("link", name=f"Line {stray}", exact=True).click()

    expect(box).to_be_focused()
    assert box.evaluate(CURSOR_LINE) == stray
    expect(page.locator(".text-editor__gutter span.is-current")).to_have_text(str(stray))
    expect(page.locator(".text-editor__gutter span.has-problem").first).to_have_text(str(stray))

    knock_ons.locator("summary").click()
    knock_ons.get_by_role("link", name=f"Line {five}", exact=True).click()

    assert box.evaluate(CURSOR_LINE) == five
    expect(page.locator(".text-editor__gutter span.is-current")).to_have_text(str(five))
    page.screenshot(path=ARTIFACTS / "edit-text-cursor-1280.png")


def test_the_gutter_numbers_each_wrapped_line_and_scrolls_with_the_text(page, mali_for_editor):
    log_in(
        page,
        "editor",
        f"/admin/login/?next=/admin/profiles/profile/{mali_for_editor.pk}/edit-text/",
    )
    at_width(page, 390)
    page.reload()
    box = page.locator("#id_text")
    gutter = page.locator(".text-editor__gutter")
    expect(page.locator(".text-editor.is-live")).to_be_visible()

    lines = box.evaluate("box => box.value.split('\\n').length")
    # One number a line, each as tall as its line wraps: together as tall as the text.
    expect(gutter.locator("span")).to_have_count(lines + 1)  # and room to scroll to the end
    numbered = gutter.evaluate(
        "gutter => [...gutter.children].slice(0, -1)"
        ".reduce((sum, number) => sum + number.getBoundingClientRect().height, 0)"
    )
    padding = box.evaluate(
        "box => parseFloat(getComputedStyle(box).paddingTop)"
        " + parseFloat(getComputedStyle(box).paddingBottom)"
    )
    assert abs(box.evaluate("box => box.scrollHeight") - padding - numbered) <= 2

    box.evaluate("box => { box.scrollTop = box.scrollHeight; }")

    expect(gutter).to_have_js_property("scrollTop", box.evaluate("box => box.scrollTop"))
    assert box.evaluate("box => box.scrollTop") > 0


def test_without_javascript_an_error_jumps_to_its_numbered_line(
    browser, live_server, mali_for_editor
):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        text, stray, _five = stray_text(mali_for_editor)
        log_in(
            page,
            "editor",
            f"/admin/login/?next=/admin/profiles/profile/{mali_for_editor.pk}/edit-text/",
        )
        gutter = page.locator(".text-editor__gutter")
        expect(gutter).to_contain_text("1\n2\n3")

        page.locator("#id_text").fill(text)
        page.get_by_role("button", name="Preview changes").click()
        page.get_by_role("link", name=f"Line {stray}", exact=True).first.click()

        expect(page).to_have_url(re.compile(rf"#line-{stray}$"))
        line = page.locator(f"#line-{stray}")
        expect(line).to_be_in_viewport()
        expect(line).to_contain_text("[2] [9]")
        expect(line).to_have_class("has-problem")
        # axe-core needs JavaScript: the same page with it is audited above.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=ARTIFACTS / "edit-text-no-js-1280.png", full_page=True)
    finally:
        context.close()
