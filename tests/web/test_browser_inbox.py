"""The Inbox in a real browser: an analyst opens it from the nav, marks the first post handled elsewhere
with a reason, sees it leave the list, finds it among the handled ones and puts it back."""

from __future__ import annotations

import re

import pytest

from tests.web.test_browser import browser, browser_project, page_as, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def test_open_the_inbox_and_mark_a_post_handled(page_as, server) -> None:
    page = page_as("analyst")
    page.click("nav a:has-text('Inbox')")
    page.wait_for_url(server + "/inbox")
    page.select_option("#f-since", "all")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"[?&]since=all"))
    rows = page.locator("#inbox tbody tr[id^=post-]")
    expect(rows.first).to_be_attached()
    total = rows.count()
    first = rows.first.get_attribute("id")
    counts = page.locator("#inbox-counts")
    expect(counts).to_contain_text(f"{total} awaiting a response")
    rows.first.locator("select[name=outcome]").select_option("handled_elsewhere")
    rows.first.locator("input[name=reason]").fill("rang them back")
    rows.first.locator("button:has-text('Mark handled')").click()
    expect(page.locator(f"#{first}")).to_have_count(0)
    expect(counts).to_contain_text(f"{total - 1} awaiting a response")
    page.select_option("#f-show_handled", "1")
    page.click("form.filters button[type=submit]")
    handled = page.locator(f"#{first}")
    expect(handled).to_contain_text("handled elsewhere")
    expect(handled).to_contain_text("rang them back")
    handled.locator("button:has-text('Put back')").click()
    expect(page.locator(f"#{first} button:has-text('Mark handled')")).to_be_visible()
