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

from peelian import Project
from tests.web.conftest import BROWSER_TIMEOUT_MS, PASSWORD, ROLE_USERS, build_project, wait_generously

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    from peelian.coding.samples import create_sample

    project = build_project(tmp_path_factory.mktemp("browser") / "browser.peelian")
    create_sample(project, "pilot", 6, coders=["cody"], seed=3, overlap=0.0)
    yield project
    project.close()


@pytest.fixture(scope="module")
def server(browser_project: Project) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn")
    from peelian.web.app import create_app

    app = create_app(browser_project.path, project=browser_project)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + BROWSER_TIMEOUT_MS / 1000
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS,
                                      timeout=BROWSER_TIMEOUT_MS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_as(browser, server):
    contexts = []

    def make(role: str, username: str | None = None):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        wait_generously(context)
        page = context.new_page()
        page.goto(server + "/login")
        page.fill("#username", username or ROLE_USERS[role])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
        page.wait_for_load_state("networkidle")
        return page

    yield make
    for context in contexts:
        context.close()


def test_explorer_filters_update_in_place_and_open_a_thread(page_as, server) -> None:
    page = page_as("analyst")
    page.goto(server + "/explorer")
    count = page.locator("#results .count")
    before = count.inner_text()
    page.select_option("#f-force", "Kent")
    expect(page).to_have_url(re.compile(r"[?&]force=Kent"))
    expect(count).not_to_have_text(before)
    forces = page.locator("#results article.post .force")
    expect(forces.first).to_have_text("Kent")
    expect(forces.filter(has_not_text="Kent")).to_have_count(0)
    page.fill("#f-q", "online form")
    expect(page).to_have_url(re.compile(r"[?&]q=online"))
    expect(page.locator("#results article.post .text").first).to_contain_text("online form")
    page.click("#results article.post a:has-text('Open thread') >> nth=0")
    page.wait_for_url(re.compile(r"/thread/twitter/"))
    expect(page.locator("ol.thread li.turn").nth(1)).to_be_attached()
    expect(page.locator("ol.thread li.turn.police").first).to_be_attached()
    expect(page.locator(".delay.response").first).to_have_text(re.compile(r"^\s*police reply after"))


def test_dashboard_chart_leads_to_its_posts(page_as, server) -> None:
    page = page_as("analyst")
    page.goto(server + "/")
    page.wait_for_selector("#chart-response-times .vega[data-rendered] svg")
    bars = page.locator("#chart-response-times .vega svg path[role=graphics-symbol]")
    expect(bars.nth(4)).to_be_attached()
    bars.nth(3).click()
    expect(page).to_have_url(re.compile(r"[?&]metric=responded"))
    expect(page.locator("main p.notice")).to_contain_text("posts behind the figure")
    expect(page.locator("#results article.post.citizen").first).to_be_attached()


def test_code_a_post_with_the_keyboard_only(page_as, server) -> None:
    page = page_as("coder")
    expect(page).to_have_url(re.compile(r"/code$"))
    expect(page.locator("#dimensions .dimension").first).to_be_visible()
    expect(page.locator("#progress-text")).to_have_text(re.compile(r"^Item 1 of 6"))
    page.wait_for_function("() => window.peelianCoding && window.peelianCoding.item")
    shown = "() => window.peelianCoding.item.post.post_id"
    first = page.evaluate(shown)
    dims = page.evaluate("() => window.peelianCoding.item.dimensions.map(d => d.codes[0].key)")
    for key in dims:
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    moved_on = f"(before) => ({shown})() !== before && window.peelianCoding.busy === 0"
    page.wait_for_function(moved_on, arg=first)  # the next post is shown and the decision is saved
    second = page.evaluate(shown)
    page.keyboard.press("Shift+S")
    page.wait_for_function(moved_on, arg=second)  # skipped: the third post is shown, the skip saved
    page.keyboard.press("Control+z")
    expect(page.locator("#status-line")).to_have_text(re.compile(r"^Undone"))
    assert page.evaluate(shown) == second


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


def test_a_post_that_looks_like_markup_can_be_coded(page_as, browser_project) -> None:
    """`<!--<script>` in a post once swallowed the rest of the coding page, which embeds the item as JSON."""
    from peelian.coding.samples import create_sample
    from peelian.store.users import add_user
    from tests.coding.conftest import add_posts

    hostile = "<!--<script> and </script><script>alert(1)</script>"
    add_posts(browser_project, [dict(platform="twitter", post_id="hostile1", author_id="c_00000000000000ab",
                                     author_handle="c_00000000000000ab", author_role="citizen",
                                     created_at="2025-05-02 10:00:00", text=hostile, kind="original",
                                     conversation_id="hostile1")])
    add_user(browser_project, "hana", PASSWORD, "coder")
    create_sample(browser_project, "hostile", post_ids=["hostile1"], coders=["hana"], overlap=1.0, shuffle=False)
    page = page_as("coder", "hana")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    expect(page).to_have_url(re.compile(r"/code$"))
    expect(page.locator("#post-text")).to_have_text(hostile)
    expect(page.locator("#dimensions .dimension").first).to_be_visible()
    page.wait_for_function("() => window.peelianCoding && window.peelianCoding.item")
    for key in page.evaluate("() => window.peelianCoding.item.dimensions.map(d => d.codes[0].key)"):
        page.keyboard.press(key)
    page.keyboard.press("Enter")
    expect(page.locator("#done")).to_be_visible()  # the only item is saved and the queue is finished
    page.wait_for_function("() => window.peelianCoding.busy === 0")
    assert browser_project.scalar("SELECT count(*) FROM codings WHERE coder = 'hana' AND post_id = 'hostile1'") > 0
    assert dialogs == []


def test_answer_part_of_the_assessment_and_follow_evidence_to_its_posts(page_as, server) -> None:
    page = page_as("analyst")
    page.goto(server + "/assessment?force=Kent&period=2025-Q2")
    page.wait_for_selector("#chart-pillars .vega[data-rendered] svg")
    pillar = page.locator("#pillar-prioritise_integrate")
    overall = page.locator("#overall-score")
    before_pillar, before_overall = pillar.inner_text(), overall.inner_text()
    row = page.locator("#indicator-strategy")
    row.locator("select[name=level]").select_option("5")
    row.locator("input[name=note]").fill("in the contact strategy since 2024")
    row.locator("button:has-text('Save answer')").click()
    expect(page).to_have_url(re.compile(r"/assessment\?force=Kent&period=2025-Q2#indicator-strategy$"))
    expect(pillar).not_to_have_text(before_pillar)
    expect(overall).not_to_have_text(before_overall)
    expect(page.locator("#indicator-strategy .level")).to_have_text("5")
    expect(page.locator("#indicator-strategy")).to_contain_text("in the contact strategy since 2024")
    page.locator("#indicator-contact_channel a.evidence").first.click()
    expect(page).to_have_url(re.compile(r"/explorer\?metric=needs_response&force=Kent&date_from=2025-04-01"))
    expect(page.locator("main p.notice")).to_contain_text("posts behind the figure")
    expect(page.locator("#results article.post.citizen").first).to_be_attached()


def test_benchmark_page_draws_intervals(page_as, server) -> None:
    page = page_as("viewer")
    page.goto(server + "/benchmark")
    page.wait_for_selector("#chart-bench-response_rate .vega[data-rendered] svg")
    expect(page.locator("#metric-response_rate + table tbody tr")).to_have_count(2)
    expect(page.locator("#chart-bench-response_rate svg [role=graphics-symbol]").first).to_be_attached()


def test_networks_page_draws_the_graph_and_switches_layer(page_as, server, browser_project, tmp_path) -> None:
    from peelian.network.orgdata import import_agreements, import_organisations
    from tests.network.test_multilayer import AGREEMENTS, ORGS

    (tmp_path / "orgs.csv").write_text(ORGS)
    (tmp_path / "agreements.csv").write_text(AGREEMENTS)
    import_organisations(browser_project, tmp_path / "orgs.csv")
    import_agreements(browser_project, tmp_path / "agreements.csv")
    page = page_as("viewer")
    page.click("nav[aria-label=Main] a:has-text('Networks')")
    page.wait_for_url(re.compile(r"/networks"))
    page.wait_for_selector("#chart-graph .vega[data-rendered] svg")
    # County X in 2020, all layers: A, B, C and D have agreements (E-F ended in 2019).
    expect(page.locator("#chart-graph svg g.mark-symbol.role-mark path")).to_have_count(4)
    expect(page.locator("#chart-measure-over-time svg g.mark-line path").first).to_be_attached()
    page.select_option("#f-layer", "mutual_aid")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"[?&]layer=mutual_aid"))
    expect(page.locator("#network-measures tr:has-text('ties') td").first).to_have_text("1")
    page.wait_for_selector("#chart-graph .vega[data-rendered] svg")
    page.click("nav.tabs a:has-text('Interactions')")
    page.wait_for_selector("#chart-graph .vega[data-rendered] svg")
    expect(page.locator("#chart-graph svg g.mark-symbol.role-mark path").first).to_be_attached()
    expect(page.locator("#interaction-summary")).to_contain_text("citizen-to-citizen")
