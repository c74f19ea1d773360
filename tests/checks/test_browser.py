"""Check a draft in a real browser: a viewer opens the page from the nav, pastes a draft, sees the risks
marked in it and listed, and markup in the draft stays text."""

from __future__ import annotations

import pytest

from tests.web.test_browser import browser, browser_project, page_as, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_a_viewer_checks_a_draft(page_as, server) -> None:
    page = page_as("viewer")
    page.click("nav a:has-text('Check a draft')")
    page.wait_for_url(server + "/check")
    page.fill("#c-text", "UPDATE <b>bold</b>: the thug who did this has been arrested.\n"
                         "Witnesses please ring Sarah on 07700 900123.")
    page.click("form.check button[type=submit]")
    result = page.locator("section.check-result")
    expect(result.locator("h2")).to_have_text("3 possible problems")
    expect(result.locator(".draft-marked mark.risk-personal_data")).to_have_text("07700 900123")
    expect(result.locator(".draft-marked mark.risk-prejudicial").first).to_have_text("thug")
    expect(result.locator("table.findings tr.finding")).to_have_count(3)
    expect(result.locator(".draft-marked")).to_contain_text("<b>bold</b>")
    expect(result.locator(".draft-marked b")).to_have_count(0)
    expect(page.locator("#c-text")).to_have_value(
        "UPDATE <b>bold</b>: the thug who did this has been arrested.\nWitnesses please ring Sarah on 07700 900123.")
