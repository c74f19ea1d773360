"""The first dashboard: read from the stored monthly rollup, with a progress indicator while work runs.

A large project's figures are computed in the background; the page answers at once with a
progress indicator that asks again (HTMX) and reloads when they are ready. The rollup is
refreshed after a data change, and the figures it gives are the ones computed from scratch.
"""

from __future__ import annotations

import re

from peelian.metrics.params import Filters
from peelian.metrics.rollup import rollup_fresh
from peelian.web.dashboard import build_dashboard

POLL = {"HX-Request": "true", "HX-Trigger": "dashboard-progress"}


def _cards(page: str) -> list[str]:
    return re.findall(r'<div class="value">(.*?)</div>', page, re.DOTALL)


def test_large_project_dashboard_shows_progress_then_the_figures(app, client_for, web_project) -> None:
    state = app.state.peelian
    state.options["progress_above_posts"] = 0  # treat the test project as a large one
    client = client_for("analyst")
    assert rollup_fresh(web_project) is None
    first = client.get("/")
    assert first.status_code == 200
    assert 'id="dashboard-progress"' in first.text and 'hx-trigger="every 2s"' in first.text
    assert "<progress" in first.text and "Response rate" not in first.text
    state.work.wait(120)
    ready = client.get("/", headers=POLL)
    assert ready.status_code == 200 and ready.headers.get("HX-Refresh") == "true"
    page = client.get("/").text
    assert "dashboard-progress" not in page and "<h2>Response rate</h2>" in page
    assert rollup_fresh(web_project) is not None
    scratch = build_dashboard(web_project, Filters(), "month")
    assert state.cache.peek("dashboard", ((), "month")) == scratch


def test_progress_poll_answers_204_while_work_runs(app, client_for, web_project) -> None:
    state = app.state.peelian
    state.options["progress_above_posts"] = 0
    client = client_for("analyst")
    release = __import__("threading").Event()
    state.work.start("rollup", release.wait)  # a refresh that is still running
    try:
        response = client.get("/", headers=POLL)
        assert response.status_code == 204 and "HX-Refresh" not in response.headers
        filtered = client.get("/?date_from=2025-04-01")  # not in the rollup: the fit runs in the background
        assert 'id="dashboard-progress"' in filtered.text
    finally:
        release.set()
        state.work.wait(120)


def test_data_change_refreshes_the_rollup_before_the_next_dashboard(app, client_for, web_project) -> None:
    client = client_for("analyst")
    before = _cards(client.get("/").text)
    assert rollup_fresh(web_project) is not None
    web_project.con.execute(  # as an import that changes posts marks them (last_import_id)
        "UPDATE posts SET created_at = created_at + INTERVAL 10 MINUTE, last_import_id = 98 "
        "WHERE author_role = 'police' AND kind = 'reply'")
    web_project.con.execute("INSERT INTO imports (import_id, path, format, sha256, started_at, peelian_version) "
                            "VALUES (98, 'x', 'twitter-v2', 'abc', now(), 'test')")
    app.state.peelian.cache.invalidate()
    assert rollup_fresh(web_project) is None
    after = client.get("/").text
    assert rollup_fresh(web_project) is not None
    assert _cards(after) != before  # the median response time moved by ten minutes
    scratch = build_dashboard(web_project, Filters(), "month")
    assert [c.figure.text for c in scratch.cards] == [re.sub(r"<[^>]+>", "", c).strip() for c in _cards(after)]


def test_queue_and_posts_behind_show_progress_until_the_fit_is_ready(app, client_for, web_project) -> None:
    from peelian.metrics.engine import clear_cache

    state = app.state.peelian
    state.options["progress_above_posts"] = 0
    clear_cache(web_project)
    client = client_for("analyst")
    poll = {"HX-Request": "true", "HX-Trigger": "computing-progress"}
    for url, words in (("/unanswered", "Computing the unanswered queue"),
                       ("/explorer?metric=response_rate&force=Kent", "Computing the posts behind this figure")):
        page = client.get(url)
        assert page.status_code == 200 and words in page.text and 'id="computing-progress"' in page.text
        state.work.wait(120)
        assert client.get(url, headers=poll).headers.get("HX-Refresh") == "true"
        clear_cache(web_project)
    state.work.wait(120)
    listed = client.get("/unanswered").text
    assert "computing-progress" in listed  # the fit was dropped again: still honest
    state.work.wait(120)
    listed = client.get("/unanswered").text
    assert "awaiting a response" in listed and "computing-progress" not in listed


def test_server_keeps_the_rollup_current_after_an_import(app, web_project) -> None:
    import threading
    import time

    from peelian.metrics.engine import is_prepared
    from peelian.metrics.params import MetricParams
    from peelian.web.app import warm_dashboard

    stop = threading.Event()
    warm_dashboard(app.state.peelian, stop, interval=0.05)
    try:
        def wait_for(condition) -> bool:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if condition():
                    return True
                time.sleep(0.05)
            return False

        assert wait_for(lambda: rollup_fresh(web_project) is not None)
        assert wait_for(lambda: is_prepared(web_project, MetricParams()))
        web_project.con.execute("INSERT INTO imports (import_id, path, format, sha256, started_at, peelian_version) "
                                "VALUES (97, 'x', 'twitter-v2', 'abc', now(), 'test')")  # as a CLI import would
        assert rollup_fresh(web_project) is None
        assert wait_for(lambda: rollup_fresh(web_project) is not None)
    finally:
        stop.set()


def test_is_prepared_does_not_wait_for_a_running_fit(web_project) -> None:
    import threading

    from peelian.metrics import engine
    from peelian.metrics.params import MetricParams

    engine.prepared(web_project, MetricParams())
    answers: list[bool] = []
    with engine._CACHE_LOCK:  # as while another thread fits
        probe = threading.Thread(target=lambda: answers.append(engine.is_prepared(web_project, MetricParams())))
        probe.start()
        probe.join(10)
        assert not probe.is_alive() and answers == [False]
    assert engine.is_prepared(web_project, MetricParams())


def test_pages_with_long_figures_show_progress_then_the_page(app, client_for, web_project) -> None:
    """Every page whose figures take long on a large project (the fit, the assessment's evidence, the
    interaction network) answers at once with a progress indicator, then the page itself."""
    from peelian.metrics.engine import clear_cache

    state = app.state.peelian
    state.options["progress_above_posts"] = 0
    client = client_for("analyst")
    poll = {"HX-Request": "true", "HX-Trigger": "computing-progress"}
    for url, words, shown in (("/inbox", "Computing the inbox", "Inbox"),
                              ("/benchmark", "Computing the benchmark", "Benchmark"),
                              ("/assessment?force=Kent", "Computing the assessment", "Assessment"),
                              ("/networks?view=interactions", "Computing the interaction network", "Interaction")):
        clear_cache(web_project)
        page = client.get(url)
        assert page.status_code == 200 and words in page.text and 'id="computing-progress"' in page.text, url
        state.work.wait(120)
        assert client.get(url, headers=poll).headers.get("HX-Refresh") == "true", url
        page = client.get(url)
        assert page.status_code == 200 and "computing-progress" not in page.text and shown in page.text, url


def test_unanswered_queue_is_read_from_the_rollup_without_a_fit(app, client_for, web_project) -> None:
    from peelian.metrics.engine import clear_cache, is_prepared
    from peelian.metrics.params import MetricParams
    from peelian.metrics.rollup import refresh_rollup

    state = app.state.peelian
    state.options["progress_above_posts"] = 0  # a large project: without the kept queue this needs the fit
    refresh_rollup(web_project)
    clear_cache(web_project)
    client = client_for("analyst")
    for url in ("/unanswered", "/unanswered?force=Kent&older_than=72h"):
        page = client.get(url)
        assert page.status_code == 200 and "computing-progress" not in page.text and "awaiting a response" in page.text
    assert not is_prepared(web_project, MetricParams()) and not state.work.running("fit")


def test_inbox_and_posts_behind_are_read_from_the_rollup_without_a_fit(app, client_for, web_project) -> None:
    from peelian.metrics.engine import clear_cache, is_prepared
    from peelian.metrics.params import MetricParams
    from peelian.metrics.rollup import refresh_rollup
    from peelian.metrics.views import posts_behind

    state = app.state.peelian
    state.options["progress_above_posts"] = 0  # a large project: without the kept rows these need the fit
    state.options["inbox_wait_s"] = 60.0  # a loaded test machine: however slow, the inbox is read without a fit
    refresh_rollup(web_project)
    clear_cache(web_project)
    client = client_for("analyst")
    for url in ("/inbox", "/inbox?force=Kent&since=all"):
        page = client.get(url)
        assert page.status_code == 200 and "computing-progress" not in page.text and "Inbox" in page.text, url
    state.options["inbox_wait_s"] = 0.0  # an inbox slower than the wait (far back on a big project): progress
    assert "computing-progress" in client.get("/inbox?since=30d").text
    state.work.wait(120)
    assert "computing-progress" not in client.get("/inbox?since=30d").text
    behind = len(posts_behind(web_project, "response_rate", limit=None))
    for url in ("/explorer?metric=response_rate", "/explorer?metric=posts&force=Kent&date_from=2025-04-01",
                "/explorer?metric=dialogue_conversations", "/explorer?metric=reciprocated&force=Kent"):
        page = client.get(url)
        assert page.status_code == 200 and "computing-progress" not in page.text, url
        assert "The posts behind the figure" in page.text, url
    assert behind and f'<p class="count">\n  {behind:,} posts' in client.get("/explorer?metric=response_rate").text
    assert not is_prepared(web_project, MetricParams()) and not state.work.running("fit")


def test_inbox_reaching_back_reads_the_kept_inbox_rows_not_the_texts(app, client_for, web_project,
                                                                    monkeypatch) -> None:
    import importlib

    from peelian.metrics.engine import clear_cache, is_prepared
    from peelian.metrics.params import MetricParams
    from peelian.metrics.rollup import refresh_rollup

    triage_inbox = importlib.import_module("peelian.triage.inbox")
    state = app.state.peelian
    state.options["progress_above_posts"] = 0
    state.options["inbox_wait_s"] = 60.0
    refresh_rollup(web_project)
    clear_cache(web_project)
    box = triage_inbox.inbox(web_project, since=None, stored=False)
    assert box["rows"]
    clear_cache(web_project)
    # what the inbox derives from a text by the rules cannot be computed now: the page reads the kept rows
    monkeypatch.setattr(triage_inbox, "DERIVED", "no_such_column AS intents")
    page = client_for("analyst").get("/inbox?since=all")
    assert page.status_code == 200 and "computing-progress" not in page.text and "Inbox" in page.text
    assert f"{box['counts']['total']:,}" in page.text and box["rows"][0]["post_id"] in page.text
    assert not is_prepared(web_project, MetricParams())


def test_posts_behind_a_code_mix_are_listed_at_once_without_a_fit(app, client_for, web_project) -> None:
    from peelian.metrics.engine import clear_cache, is_prepared
    from peelian.metrics.params import MetricParams
    from peelian.metrics.rollup import refresh_rollup
    from peelian.metrics.views import posts_behind

    state = app.state.peelian
    state.options["progress_above_posts"] = 0
    refresh_rollup(web_project)
    clear_cache(web_project)
    client = client_for("analyst")
    page = client.get("/explorer?metric=mode_share_engage")  # the codes kept with the rollup: no background work
    behind = len(posts_behind(web_project, "mode_share_engage", limit=None))
    assert "computing-progress" not in page.text and "The posts behind the figure" in page.text
    assert behind and f'<p class="count">\n  {behind:,} posts' in page.text
    assert not is_prepared(web_project, MetricParams()) and not state.work.running("fit")


def test_server_fits_in_the_background_only_when_no_page_is_asked_for(app, web_project) -> None:
    import threading

    from peelian.metrics.engine import clear_cache, is_prepared
    from peelian.metrics.params import MetricParams
    from peelian.metrics.rollup import refresh_rollup
    from peelian.web.app import warm_dashboard

    state = app.state.peelian
    refresh_rollup(web_project)
    clear_cache(web_project)
    state.options["fit_when_idle_s"] = 3600.0
    state.last_request = __import__("time").monotonic()  # a page was just asked for
    stop = threading.Event()
    warm_dashboard(state, stop, interval=0.01)
    try:
        stop.wait(1.0)
        assert not is_prepared(web_project, MetricParams())  # pages first: no speculative fit
        state.last_request = 0.0  # idle since start
        for _ in range(1000):
            if is_prepared(web_project, MetricParams()):
                break
            stop.wait(0.1)
        assert is_prepared(web_project, MetricParams())
    finally:
        stop.set()


def test_server_keeps_the_explorer_filter_lists_ready(app, web_project) -> None:
    import threading

    from peelian.store.search import filter_options
    from peelian.web.app import warm_dashboard

    state = app.state.peelian
    assert state.cache.peek("filter_options", None) is None
    stop = threading.Event()
    warm_dashboard(state, stop, interval=0.01)
    try:
        for _ in range(1000):
            if state.cache.peek("filter_options", None) is not None:
                break
            stop.wait(0.1)
        assert state.cache.peek("filter_options", None) == filter_options(web_project)
    finally:
        stop.set()
