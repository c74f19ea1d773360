"""The unanswered queue as an inbox, and how the response rate treats posts still inside their window.

West Midlands (wmp). Monday 3 March 2025 10:00 UTC = T0; the newest post (as_of) is at T0 + 80 h:

  P1     T0            wmp    original "Road closed"
  OLD    T0 + 5 min    dave   → P1 "Is the road open?"      never answered: overdue (79 h 55 min old)
  Q1     T0 + 10 min   alice  → P1 "When will it reopen?"  answered by R1 after 30 min
  LATE   T0 + 20 min   erin   → P1 "Which way round?"      answered by RL at T0 + 75 h (74 h 40 min): overdue
  MID    T0 + 50 h     carol  → P1 "Why?"                  answered by RM after 2 h, inside its window
  NEW    T0 + 79 h     bob    → P1 "Is anyone hurt?"       no answer yet, 1 h old: pending, 71 h left
  P2     T0 + 80 h     wmp    original "Road open again"   (the newest post)

needs a response: OLD Q1 LATE MID NEW = 5; responded: Q1 MID LATE = 3; answered within the
window: Q1 MID = 2; unanswered (window passed): OLD LATE = 2; pending: NEW = 1.
Response rate, pending excluded (default): 3 ÷ (5 − 1) = 0.75; pending counted: 3 ÷ 5 = 0.6.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from peelian import Project
from peelian.metrics import (
    Filters,
    MetricParams,
    compute_metrics,
    headline,
    response_time_distribution,
    unanswered,
    unanswered_counts,
)
from peelian.report.force_report import build_force_report, render_force_report
from tests.metrics.helpers import Corpus

H = timedelta(hours=1)
MARCH = Filters(date_from="2025-03-01", date_to="2025-03-31")


def build(project: Project) -> Project:
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    alice, bob, carol, dave, erin = (c.citizen(n) for n in ("alice", "bob", "carol", "dave", "erin"))
    c.post("P1", wmp, 0, "Road closed")
    c.post("OLD", dave, 5, "Is the road open?", reply_to="P1")
    c.post("Q1", alice, 10, "When will it reopen?", reply_to="P1")
    c.post("LATE", erin, 20, "Which way round?", reply_to="P1")
    c.post("R1", wmp, 40, "About an hour", reply_to="Q1")
    c.post("MID", carol, 50 * H, "Why?", reply_to="P1")
    c.post("RM", wmp, 52 * H, "A burst main", reply_to="MID")
    c.post("RL", wmp, 75 * H, "Via the ring road", reply_to="LATE")
    c.post("NEW", bob, 79 * H, "Is anyone hurt?", reply_to="P1")
    c.post("P2", wmp, 80 * H, "Road open again")
    return c.save()


@pytest.fixture
def inbox(project):
    return build(project)


def wm(project, **params):
    return compute_metrics(project, MetricParams(**params), by=("force",)).rows[0]


def test_a_post_inside_its_window_is_listed_as_pending(inbox):
    listed = {r["post_id"]: r for r in unanswered(inbox)}
    new = listed["NEW"]
    assert new["status"] == "pending" and new["age_s"] == 3600
    assert new["time_left_s"] == 71 * 3600 and new["time_left"] == "2d 23h"
    assert new["late_response_at"] is None


def test_a_post_past_its_window_is_listed_as_overdue(inbox):
    listed = unanswered(inbox)
    # oldest first; Q1 and MID were answered inside their windows and are not listed
    assert [(r["post_id"], r["status"]) for r in listed] == [("OLD", "overdue"), ("LATE", "overdue"),
                                                              ("NEW", "pending")]
    old, late = listed[0], listed[1]
    assert old["time_left_s"] is None and old["age"] == "3d 7h"
    assert late["late_response_at"] is not None  # answered, but after the window
    assert unanswered_counts(inbox) == {"pending": 1, "overdue": 2, "total": 3}


def test_older_than_filters_the_inbox(inbox):
    assert [r["post_id"] for r in unanswered(inbox, older_than="72h")] == ["OLD", "LATE"]
    assert [r["post_id"] for r in unanswered(inbox, older_than="30m")] == ["OLD", "LATE", "NEW"]
    assert unanswered_counts(inbox, older_than="2h") == {"pending": 0, "overdue": 2, "total": 2}
    # a longer window: LATE's answer came in time; OLD (79 h 55 min old) is still pending
    longer = MetricParams(window="90h")
    assert [(r["post_id"], r["status"]) for r in unanswered(inbox, longer)] == [("OLD", "pending"),
                                                                                ("NEW", "pending")]


def test_the_response_rate_leaves_pending_posts_out_by_default(inbox):
    row = wm(inbox)
    assert (row["needs_response"], row["responded"], row["answered_within_window"], row["unanswered"],
            row["pending"]) == (5, 3, 2, 2, 1)
    assert MetricParams().pending == "exclude"
    # 3 ÷ (5 − 1); within 1 h only Q1, within 24 h Q1 and MID, over the same 4 posts
    assert row["response_rate"] == pytest.approx(0.75)
    assert row["response_rate_1h"] == pytest.approx(1 / 4)
    assert row["response_rate_24h"] == pytest.approx(2 / 4)
    # a 90 h window: OLD and NEW pending, the three answered posts are the whole denominator
    assert wm(inbox, window="90h")["response_rate"] == pytest.approx(1.0)


def test_the_response_rate_counts_pending_posts_as_not_responded_when_asked(inbox):
    row = wm(inbox, pending="count")
    assert row["pending"] == 1
    assert row["response_rate"] == pytest.approx(3 / 5)
    assert row["response_rate_1h"] == pytest.approx(1 / 5)
    assert row["response_rate_24h"] == pytest.approx(2 / 5)
    assert MetricParams(pending="count").describe()["pending"] == "counted as not responded in the response rates"


def test_once_every_window_has_closed_both_treatments_agree(inbox):
    later = "2025-03-10T00:00:00"  # NEW (6 March 17:00) has waited 79 h
    excluded, counted = wm(inbox, as_of=later), wm(inbox, as_of=later, pending="count")
    assert excluded["pending"] == 0 and excluded["unanswered"] == 3
    assert excluded["response_rate"] == counted["response_rate"] == pytest.approx(3 / 5)


def test_headline_and_distribution_carry_the_pending_posts(inbox):
    figures = headline(inbox, filters=MARCH)["figures"]
    assert figures["pending"]["value"] == 1 and figures["response_rate"]["value"] == pytest.approx(0.75)
    bins = {b["bin"]: b["posts"] for b in response_time_distribution(inbox)}
    # OLD had no response; LATE's came after 74 h; NEW has none yet
    assert (bins["no response"], bins["≥ 72h"], bins["pending"]) == (1, 1, 1)


def test_force_report_shows_pending_beside_the_rate_and_in_the_list(inbox):
    report = build_force_report(inbox, "West Midlands", "2025-03")
    rate = next(f for f in report.figures if f.key == "response_rate")
    assert rate.value == pytest.approx(0.75)
    assert rate.note.startswith("1 pending (no response yet, inside the 72h window; left out of the rate")
    assert (report.unanswered_total, report.unanswered_pending) == (2, 1)
    assert [r["status"] for r in report.unanswered] == ["overdue", "overdue", "pending"]
    assert [r["pending"] for r in report.forces] == [r["pending"] for r in report.accounts] == [1]
    page = render_force_report(report)
    assert "1 pending (no response yet" in page and "pending, 2d 23h left" in page
    assert "and 1 more has no response yet but is still inside it (pending)" in page


@pytest.fixture
def inbox_path(project_path):
    project = Project.open(project_path)
    build(project)
    project.close()
    return project_path


def test_cli_unanswered_lists_pending_and_overdue_posts(cli, inbox_path):
    result = cli("unanswered", inbox_path)
    assert result.exit_code == 0, result.output
    assert "3 awaiting a response: 1 pending (inside the 72h window), 2 overdue" in result.output
    assert "NEW" in result.output and "2d 23h left" in result.output
    assert result.output.count("overdue") >= 3  # two rows and the summary
    rows = json.loads(cli("unanswered", inbox_path, "--json").output)
    assert [(r["post_id"], r["status"], r["time_left_s"]) for r in rows] == [
        ("OLD", "overdue", None), ("LATE", "overdue", None), ("NEW", "pending", 71 * 3600)]
    overdue = json.loads(cli("unanswered", inbox_path, "--older-than", "72h", "--json").output)
    assert [r["post_id"] for r in overdue] == ["OLD", "LATE"]


def test_cli_metrics_shows_pending_beside_the_rate(cli, inbox_path):
    args = ("metrics", inbox_path, "--by", "force", "--from", "2025-03-01", "--to", "2025-03-31")
    table = cli(*args)
    assert table.exit_code == 0, table.output
    header = next(line for line in table.output.splitlines() if "resp. rate" in line)
    assert header.index("resp. rate") < header.index("pending") < header.index("≤1h")
    assert "pending: left out of the response rates until their window closes" in table.output
    data = json.loads(cli(*args, "--json").output)
    assert (data["rows"][0]["response_rate"], data["rows"][0]["pending"]) == (0.75, 1)
    counted = json.loads(cli(*args, "--pending", "count", "--json").output)
    assert counted["rows"][0]["response_rate"] == pytest.approx(0.6)
    assert counted["params"]["pending"] == "counted as not responded in the response rates"
    bad = cli(*args, "--pending", "maybe")
    assert bad.exit_code == 2 and "pending" in bad.output
