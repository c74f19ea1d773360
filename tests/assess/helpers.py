"""A hand-worked three-force project whose every assessed figure can be checked by hand.

Period 2025-Q1. Times are minutes after T0 (Monday 2025-03-03 10:00 UTC = 10:00 London).

Alpha: 20 citizen questions to @alpha, 16 in office hours (10:00 + 20 min each) and 4 out of hours
(20:00 + 20 min each). Answered by the corporate account: office questions 0–3 after 30 min,
4–13 after 3 h; 14–15 never; out of hours the first after 30 min, the rest never.
  needs_response 20, responded 15: response rate 0.75 (level 4); within 1 h 5/20 = 0.25 (level 2);
  median response 3 h = 10800 s (level 3, ≤ 14400); contact channel = min(4, 3) = 3.
  Police posts: 15 replies + 5 corporate originals + 5 officer originals = 25: two-way 15/25 = 0.6
  (level 5); urgent (gold-coded) aq0–aq3 answered, aq14 not: 4/5 = 0.8 (level 3); officer/team share
  5/25 = 0.2 (level 2). Three citizens reply "thanks" after their
  answer: reciprocity 3/15 = 0.2 (level 3). One platform (level 1). No codes: coded share 0 (level 1).
Beta: 20 office-hours questions, 12 answered after 30 min (rate 0.6). Gamma: 20, 2 answered (0.1).
"""

from __future__ import annotations

from peelian import Project
from peelian.metrics.engine import clear_cache
from peelian.metrics.rollup import refresh_rollup
from tests.metrics.helpers import Corpus

PERIOD = "2025-Q1"
SOURCES = ("fit", "rollup")  # where the figures come from: computed from the fit, or read from the stored rollup


def _force(c: Corpus, name: str, handle: str, answered: int, prefix: str) -> str:
    police = c.police(handle, name)
    for i in range(20):
        who = c.citizen(f"{prefix}c{i}")
        q = c.post(f"{prefix}q{i}", who, 20 * i, f"@{handle} where is the station?", mentions=[handle])
        if i < answered:
            c.post(f"{prefix}r{i}", police, 20 * i + 30, "Here", reply_to=q)
    c.post(f"{prefix}late", police, 5 * 24 * 60, "Weekend update")
    return police


def build(project: Project) -> Project:
    c = Corpus(project)
    alpha = c.police("alpha", "Alpha")
    officer = c.police("alpha_pc", "Alpha", "officer")
    times = [20 * i for i in range(16)] + [600 + 20 * i for i in range(4)]  # 10:00.. and 20:00..
    delays = [30] * 4 + [180] * 10 + [None] * 2 + [30] + [None] * 3
    for i, (t, delay) in enumerate(zip(times, delays, strict=True)):
        who = c.citizen(f"a{i}")
        q = c.post(f"aq{i}", who, t, "@alpha where is the station?", mentions=["alpha"])
        if delay is not None:
            r = c.post(f"ar{i}", alpha, t + delay, "It is on Main Street", reply_to=q)
            if i < 3:
                c.post(f"at{i}", who, t + delay + 5, "thanks", reply_to=r)
    for i in range(4):
        c.post(f"ao{i}", alpha, 1000 + i, f"Appeal {i}")
    c.post("alate", alpha, 5 * 24 * 60, "Weekend update")
    for i in range(5):
        c.post(f"pc{i}", officer, 1100 + i, f"On patrol {i}")
    for q in ("aq0", "aq1", "aq2", "aq3", "aq14"):  # urgent: four answered, one not: 4/5 = 0.8 (level 3)
        c.gold(q, "citizen_intent", "urgent")
    _force(c, "Beta", "beta", 12, "b")
    _force(c, "Gamma", "gamma", 2, "g")
    return c.save()


def build_from(project: Project, source: str) -> Project:
    """The hand-worked project, its figures to be computed from the fit or (`rollup`) read from the
    refreshed rollup, with no fit held, so every hand-worked figure is checked on both paths."""
    build(project)
    if source == "rollup":
        assert refresh_rollup(project)["fresh"]
        clear_cache(project)
    return project
