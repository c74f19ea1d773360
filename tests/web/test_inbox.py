"""The web queue is an inbox: a question asked two hours before the newest post is listed by default as
pending, with the time left in its window, beside the overdue ones; the dashboard shows the pending
count beside the response rate."""

from __future__ import annotations

import re

from peelian.metrics import Filters, MetricParams, compute_metrics
from tests.web.conftest import reply_to_kent


def _ask_late(project) -> str:
    """A citizen question to Kent, two hours old at as_of."""
    return reply_to_kent(project, "late-q", "c_00000000000000aa", "Is the road still shut?", hours_before_newest=2)


def test_the_queue_lists_pending_posts_by_default(client_for, web_project) -> None:
    late = _ask_late(web_project)
    client = client_for("analyst")
    page = client.get("/unanswered?force=Kent").text
    rows = list(dict.fromkeys(re.findall(r"/unanswered/twitter/([\w-]+)/handled", page)))
    kent = compute_metrics(web_project, MetricParams(), (), None, Filters(force="Kent"), mixes=()).rows[0]
    assert (kent["unanswered"], kent["pending"]) == (20, 1)
    assert rows[-1] == late and len(rows) == 21  # oldest first: the new question comes last
    row = page[page.index(f"/thread/twitter/{late}") - 2000:page.index(f"/thread/twitter/{late}")]
    assert 'class="tag">pending<' in row and "2d 22h left" in row
    assert page.count('class="tag">overdue<') == 20
    assert "21 posts awaiting a response: 1 pending (inside the 72h window), 20 overdue." in page
    only_overdue = client.get("/unanswered?force=Kent&older_than=72h").text
    assert f"/unanswered/twitter/{late}/handled" not in only_overdue
    assert "20 posts awaiting a response at least 72h old: 0 pending" in only_overdue


def test_the_dashboard_shows_pending_beside_the_response_rate(client_for, web_project) -> None:
    _ask_late(web_project)
    client = client_for("viewer")
    page = client.get("/?force=Kent&date_from=2025-05-01&date_to=2025-06-30").text
    assert "1 pending (no response yet, inside the 72h window; left out of the rate until their window closes)" \
        in page


def test_a_bad_age_is_named(client_for, web_project) -> None:
    bad = client_for("analyst").get("/unanswered?force=Kent&older_than=a+while")
    assert bad.status_code == 400 and "older_than" in bad.text and "a while" in bad.text


def test_both_queues_page_with_their_filters_kept(client_for, web_project, monkeypatch) -> None:
    """The inbox and the unanswered queue share one pager: Next keeps the filters, Previous comes back."""
    import peelian.web.routes.inbox as inbox_route
    import peelian.web.routes.unanswered as unanswered_route

    monkeypatch.setattr(inbox_route, "PAGE_SIZE", 2)
    real = unanswered_route.unanswered_queue
    monkeypatch.setattr(unanswered_route, "unanswered_queue", lambda *a, **k: real(*a, **{**k, "page_size": 2}))
    client = client_for("analyst")
    for path, query in (("/inbox", "since=all&force=Kent"), ("/unanswered", "force=Kent")):
        shown = query.replace("&", "&amp;")
        first = client.get(f"{path}?{query}").text
        assert f'href="{path}?{shown}&amp;page=2" rel="next"' in first and 'rel="prev"' not in first, path
        second = client.get(f"{path}?{query}&page=2").text
        assert f'href="{path}?{shown}&amp;page=1" rel="prev"' in second, path
