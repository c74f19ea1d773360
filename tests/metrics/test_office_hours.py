"""Office hours in the force's own time zone: the boundaries, weekends and the clock change.

London moved to BST on Sunday 30 March 2025 (09:00 local = 08:00 UTC from then on);
New York moved to EDT on Sunday 9 March 2025. Each inbound post is answered after its own
delay, so the office / off-hours medians show which side each post fell on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from peelian.metrics import Filters, MetricParams, activity_clock, compute_metrics
from tests.metrics.helpers import Corpus

LONDON = [  # (UTC time, delay in s, office under Mon–Fri 09:00–17:00 London time?)
    ("2025-03-28 08:59:59", 100, False),  # Friday, GMT: 08:59:59 local
    ("2025-03-28 09:00:00", 200, True),  # the first second of office hours
    ("2025-03-28 16:59:59", 300, True),
    ("2025-03-28 17:00:00", 400, False),  # the end is not included
    ("2025-03-29 12:00:00", 500, False),  # Saturday
    ("2025-03-31 08:30:00", 600, True),  # Monday, BST: 09:30 local
    ("2025-03-31 16:30:00", 700, False),  # 17:30 local
    ("2025-03-31 07:59:00", 800, False),  # 08:59 local
]
NEW_YORK = [
    ("2025-03-31 13:00:00", 60, True),  # 09:00 EDT
    ("2025-03-31 12:59:00", 120, False),  # 08:59 EDT
    ("2025-03-03 13:30:00", 180, False),  # 08:30 EST, before the change
]


@pytest.fixture
def clocked(project):
    c = Corpus(project)
    accounts = {"West Midlands": c.police("wmp", "West Midlands"),
                "NYPD": c.police("nypd", "NYPD", time_zone="America/New_York")}
    citizen = c.citizen("pat")
    for force, posts in (("West Midlands", LONDON), ("NYPD", NEW_YORK)):
        account = accounts[force]
        for i, (when, delay, _) in enumerate(posts):
            asked = datetime.fromisoformat(when)
            q = c.post(f"{force[:2]}{i}q", citizen, asked, f"@{account} is the station open?", mentions=[account])
            c.post(f"{force[:2]}{i}r", account, asked + timedelta(seconds=delay), "yes", reply_to=q)
    return c.save()


def rows(project, **params):
    return {r["force"]: r for r in compute_metrics(project, MetricParams(**params), by=("force",))}


def test_default_office_hours_across_the_clock_change(clocked):
    result = rows(clocked)
    wm, ny = result["West Midlands"], result["NYPD"]
    assert (wm["needs_response_office"], wm["needs_response_off"]) == (3, 5)
    assert wm["response_time_office_median_s"] == 300  # 200, 300, 600
    assert wm["response_time_office_mean_s"] == pytest.approx(1100 / 3)
    assert wm["response_time_off_median_s"] == 500  # 100, 400, 500, 700, 800
    assert (ny["needs_response_office"], ny["needs_response_off"]) == (1, 2)
    assert ny["response_time_office_median_s"] == 60 and ny["response_time_off_median_s"] == 150


def test_office_hours_parameter(clocked):
    wm = rows(clocked, office_hours="Mon-Fri 08:00-18:00")["West Midlands"]
    # only Saturday's post is outside 08:00–18:00 on weekdays
    assert (wm["needs_response_office"], wm["needs_response_off"]) == (7, 1)
    assert wm["response_time_off_median_s"] == 500
    weekend = rows(clocked, office_hours="Sat-Sun 10:00-14:00")["West Midlands"]
    assert (weekend["needs_response_office"], weekend["response_time_office_median_s"]) == (1, 500)


def test_activity_clock_is_in_local_time(clocked):
    clock = activity_clock(clocked, filters=Filters(force="West Midlands"))
    assert len(clock) == 168 and clock[0]["day"] == "Mon" and clock[0]["hour"] == 0
    cell = {(r["day"], r["hour"]): r for r in clock}
    # Monday 31 March 08:30 UTC is 09:30 BST, answered 09:40 BST; the 08:59 BST post was answered
    # at 09:12 BST: one inbound post and two responses in Monday's 09:00 hour
    assert cell[("Mon", 9)]["inbound_posts"] == 1 and cell[("Mon", 9)]["responses"] == 2
    assert cell[("Mon", 9)]["police_posts"] == 2 and cell[("Mon", 8)]["inbound_posts"] == 1
    # Friday 28 March 08:59:59 GMT is still hour 8 locally
    assert cell[("Fri", 8)]["inbound_posts"] == 1
    assert sum(r["inbound_posts"] for r in clock) == 8 and sum(r["responses"] for r in clock) == 8
