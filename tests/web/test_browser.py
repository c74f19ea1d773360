"""The web app in a real browser: Debian's chromium through Playwright against uvicorn on localhost.

Run with `pytest -m browser tests/web`; skipped when chromium or playwright is missing.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, ROLE_USERS, build_project

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn")
    from peelian.coding.samples import create_sample
    from peelian.web.app import create_app

    project = build_project(tmp_path_factory.mktemp("browser") / "browser.peelian")
    create_sample(project, "pilot", 6, coders=["cody"], seed=3, overlap=0.0)
    app = create_app(project.path, project=project)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    project.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_as(browser, server):
    contexts = []

    def make(role: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(8000)
        page.goto(server + "/login")
        page.fill("#username", ROLE_USERS[role])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    yield make
    for context in contexts:
        context.close()


def test_explorer_filters_update_in_place_and_open_a_thread(page_as, server) -> None:
    page = page_as("analyst")
    page.goto(server + "/explorer")
    before = page.inner_text("#results .count")
    page.select_option("#f-force", "Kent")
    page.wait_for_function("() => document.location.search.includes('force=Kent')")
    page.wait_for_selector("#results article.post")
    assert page.inner_text("#results .count") != before
    forces = page.locator("#results article.post .force").all_inner_texts()
    assert forces and set(forces) == {"Kent"}
    page.fill("#f-q", "online form")
    page.wait_for_function("() => document.location.search.includes('q=online')")
    assert "online form" in page.inner_text("#results article.post .text >> nth=0")
    page.click("#results article.post a:has-text('Open thread') >> nth=0")
    page.wait_for_url(re.compile(r"/thread/twitter/"))
    turns = page.locator("ol.thread li.turn")
    assert turns.count() >= 2
    assert page.locator("ol.thread li.turn.police").count() >= 1
    assert page.locator(".delay.response").first.inner_text().startswith("police reply after")


def test_dashboard_chart_leads_to_its_posts(page_as, server) -> None:
    page = page_as("analyst")
    page.goto(server + "/")
    page.wait_for_selector("#chart-response-times .vega[data-rendered] svg")
    bars = page.locator("#chart-response-times .vega svg path[role=graphics-symbol]")
    assert bars.count() >= 5
    bars.nth(3).click()
    page.wait_for_function("() => document.location.search.includes('metric=responded')")
    page.wait_for_selector("#results article.post")
    assert "posts behind the figure" in page.inner_text("main p.notice")
    assert page.locator("#results article.post.citizen").count() > 0


def test_code_a_post_with_the_keyboard_only(page_as, server) -> None:
    page = page_as("coder")
    assert page.url.endswith("/code")
    page.wait_for_selector("#dimensions .dimension")
    first = page.inner_text("#post-text")
    progress = page.inner_text("#progress-text")
    assert progress.startswith("Item 1 of 6")
    dims = page.evaluate("() => window.peelianCoding.item.dimensions.map(d => d.codes[0].key)")
    for key in dims:
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    page.wait_for_function("(first) => document.getElementById('post-text').textContent !== first", arg=first)
    page.wait_for_function("() => document.getElementById('progress-text').textContent.includes('(1 done)')"
                           " || window.peelianCoding.busy === 0")
    page.keyboard.press("Shift+S")
    page.wait_for_function("() => window.peelianCoding.busy === 0")
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.getElementById('status-line').textContent.startsWith('Undone')")


def test_roles_in_the_browser(page_as, server) -> None:
    viewer = page_as("viewer")
    nav = viewer.inner_text("header nav")
    assert "Dashboard" in nav and "Coding" not in nav and "Users" not in nav and "Reports" not in nav
    viewer.goto(server + "/explorer?role=citizen")
    assert not re.search(r"c_[0-9a-f]{16}", viewer.content())
    response = viewer.goto(server + "/users")
    assert response is not None and response.status == 403
    coder = page_as("coder")
    assert coder.url.endswith("/code")
    assert coder.inner_text("header nav").split() == ["Coding"]
    response = coder.goto(server + "/")
    assert response is not None and response.status == 403
