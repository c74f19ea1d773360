"""A hand-built conversation whose every figure is worked out by hand in the comments.

West Midlands (WM): corporate account wmp, team account wmp_team. Greater Manchester (GM):
corporate gmp. Monday 3 March 2025, GMT (London time = UTC). Minutes after 10:00:

  P1   +0     wmp       original "Road closed on the A38"          likes 10, replies 5, reposts 2, quotes 1
  Q1   +10    alice     → P1 "When will it reopen?"                needs a response (question)
  Q2   +20    bob       → P1 "Is anyone hurt?"                     needs a response
  G1   +25    gmp       → Q2 (another force: not a response)
  Q3   +30    carol     original "@wmp can you help, my car was stolen?"  mentions wmp, needs
  R1   +40    wmp_team  → Q1 (same force, other account)         response to Q1 after 30 min; likes 2
  A2   +45    alice     → R1 "Thanks!"                            inbound (to the team account), no question
  Q4   +50    dave      → P1 "What's the diversion?"              needs
  E1   +55    erin      → P1 "cheers"                             inbound, no question
  C3b  +60    carol     → Q3 "anyone??"                            a later post by carol in her conversation
  R3   +120   wmp       → C3b                                     response to Q3 after 90 min
  R4   +50 min + 73 h   wmp → Q4                                   response to Q4 after 73 h: after the window

Newest post (as_of) = R4, so every inbound post's 72 h window has passed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from peelian.metrics import Filters, MetricParams, compute_metrics, posts_behind, unanswered
from tests.metrics.helpers import Corpus


@pytest.fixture
def dialogue(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands", followers=1000)
    team = c.police("wmp_team", "West Midlands", "team")
    gmp = c.police("gmp", "Greater Manchester")
    alice, bob, carol, dave, erin = (c.citizen(n) for n in ("alice", "bob", "carol", "dave", "erin"))
    c.post("P1", wmp, 0, "Road closed on the A38", likes=10, replies=5, reposts=2, quotes=1)
    c.post("Q1", alice, 10, "When will it reopen?", reply_to="P1")
    c.post("Q2", bob, 20, "Is anyone hurt?", reply_to="P1")
    c.post("G1", gmp, 25, "Please call 999 if so", reply_to="Q2")
    c.post("Q3", carol, 30, "@wmp can you help, my car was stolen?", mentions=["wmp"])
    c.post("R1", team, 40, "About an hour", reply_to="Q1", likes=2)
    c.post("A2", alice, 45, "Thanks!", reply_to="R1")
    c.post("Q4", dave, 50, "What's the diversion?", reply_to="P1")
    c.post("E1", erin, 55, "cheers", reply_to="P1")
    c.post("C3b", carol, 60, "anyone??", reply_to="Q3")
    c.post("R3", wmp, 120, "Please report it online", reply_to="C3b")
    c.post("R4", wmp, timedelta(minutes=50, hours=73), "Via the ring road", reply_to="Q4")
    return c.save()


def by_force(project, **kw):
    return {r["force"]: r for r in compute_metrics(project, by=("force",), **kw)}


def test_responsiveness_by_force(dialogue):
    wm = by_force(dialogue)["West Midlands"]
    # inbound: Q1 Q2 Q3 A2 Q4 E1; needs: the four questions Q1 Q2 Q3 Q4 (contains a question)
    assert (wm["inbound_posts"], wm["needs_response"]) == (6, 4)
    assert wm["needs_response_source"] == "heuristic" and wm["needs_response_heuristic"] == 6
    # Q1 by the team after 30 min; Q3 via carol's later post after 90 min; Q4 after 73 h; Q2 only by GM
    assert (wm["responded"], wm["responded_1h"], wm["responded_24h"]) == (3, 1, 2)
    assert wm["response_rate"] == pytest.approx(0.75)
    assert wm["response_rate_1h"] == pytest.approx(0.25)
    assert wm["response_rate_24h"] == pytest.approx(0.5)
    assert (wm["answered_within_window"], wm["unanswered"], wm["pending"]) == (2, 2, 0)
    # delays 1800, 5400, 262800 s: median 5400; mean 90000; p90 = 5400 + 0.8 × (262800 − 5400)
    assert wm["response_time_median_s"] == pytest.approx(5400)
    assert wm["response_time_mean_s"] == pytest.approx(90000)
    assert wm["response_time_p90_s"] == pytest.approx(211320)
    # all inbound posts were made on a Monday morning: office hours
    assert (wm["needs_response_office"], wm["responded_office"], wm["needs_response_off"]) == (4, 3, 0)
    assert wm["response_time_office_median_s"] == pytest.approx(5400)
    assert wm["response_time_off_median_s"] is None


def test_a_reply_by_another_force_is_not_a_response(dialogue):
    gm = by_force(dialogue)["Greater Manchester"]
    assert gm["inbound_posts"] == 0 and gm["needs_response"] == 0 and gm["response_rate"] is None
    assert (gm["posts"], gm["replies_to_citizens"], gm["two_way_ratio"]) == (1, 1, 1.0)
    listed = unanswered(dialogue)
    assert [r["post_id"] for r in listed] == ["Q2", "Q4"]
    assert listed[0]["force"] == "West Midlands" and listed[0]["account_handle"] == "wmp"
    assert listed[0]["url"] == "https://example.org/twitter/Q2" and listed[0]["late_response_at"] is None
    assert listed[1]["late_response_at"] is not None  # Q4 was answered, but after the window


def test_two_way_broadcast_and_engagement(dialogue):
    wm = by_force(dialogue)["West Midlands"]
    # WM posts: P1 (original), R1, R3, R4 (replies to citizens)
    assert (wm["posts"], wm["posts_original"], wm["posts_reply"], wm["replies_to_citizens"]) == (4, 1, 3, 3)
    assert wm["two_way_ratio"] == pytest.approx(0.75) and wm["one_way_share"] == pytest.approx(0.25)
    assert wm["broadcast_ratio"] == pytest.approx(1 / 3)
    # engagement known for P1 (18) and R1 (2); followers only for wmp's P1: 18/1000
    assert wm["engagement_per_post"] == pytest.approx(10)
    assert wm["engagement_rate"] == pytest.approx(0.018)
    assert wm["accounts_active"] == 2


def test_by_account_type_adds_up(dialogue):
    rows = {r["account_type"]: r for r in compute_metrics(dialogue, by=("force", "account_type"))
            if r["force"] == "West Midlands"}
    corporate, team = rows["force_corporate"], rows["team"]
    # police posts by author; inbound posts by the account addressed (A2 replied to the team's R1)
    assert (corporate["posts"], corporate["replies_to_citizens"]) == (3, 2)
    assert (team["posts"], team["replies_to_citizens"], team["two_way_ratio"]) == (1, 1, 1.0)
    assert (corporate["inbound_posts"], team["inbound_posts"]) == (5, 1)
    assert corporate["needs_response"] + team["needs_response"] == 4
    assert corporate["responded"] == 3  # the team's answer counts for the corporate account's question


def test_dialogue_depth_reciprocity_and_audience(dialogue):
    forces = by_force(dialogue)
    wm, gm = forces["West Midlands"], forces["Greater Manchester"]
    # P1's conversation for WM: P1 P, Q1 C, Q2 C, R1 P, A2 C, Q4 C, E1 C, R4 P → 4 alternations;
    # carol's conversation: Q3 C, C3b C, R3 P → 1. Mean and median 2.5.
    assert wm["dialogue_conversations"] == 2
    assert wm["dialogue_depth_mean"] == pytest.approx(2.5)
    assert wm["dialogue_depth_median"] == pytest.approx(2.5)
    # for GM the same conversation reads C C P(G1) C C C → 2 alternations
    assert (gm["dialogue_conversations"], gm["dialogue_depth_mean"]) == (1, 2)
    # WM replied to alice (she wrote again: A2), carol and dave (they did not): 1 of 3
    assert (wm["reply_recipients"], wm["reciprocated"]) == (3, 1)
    assert wm["reciprocity"] == pytest.approx(1 / 3)
    assert (gm["reply_recipients"], gm["reciprocity"]) == (1, 0)
    # citizens: alice 2 inbound posts, bob, carol, dave, erin 1 each; top 10% = ceil(0.5) = 1 citizen
    assert wm["audience_citizens"] == 5
    assert wm["concentration_top_share"] == pytest.approx(2 / 6)
    # Gini of [1, 1, 1, 1, 2]: 2 × (1+2+3+4+10) / (5 × 6) − 6/5 = 2/15
    assert wm["gini"] == pytest.approx(2 / 15)


def test_window_and_limit_parameters(dialogue):
    # a 74 h window makes Q4's answer in time, and Q2 (73 h 30 min old at as_of) still pending;
    # a 1 h limit leaves only Q1 as responded, of the 3 posts whose window has closed (Q2 is left out)
    wm = by_force(dialogue, params=MetricParams(window="74h", response_limit="1h"))["West Midlands"]
    assert (wm["answered_within_window"], wm["unanswered"], wm["pending"]) == (3, 0, 1)
    assert wm["responded"] == 1 and wm["response_rate"] == pytest.approx(1 / 3)
    counted = by_force(dialogue, params=MetricParams(window="74h", response_limit="1h", pending="count"))
    assert counted["West Midlands"]["response_rate"] == pytest.approx(0.25)
    assert wm["response_time_median_s"] == pytest.approx(1800)
    # every inbound post as denominator: 6
    wm = by_force(dialogue, params=MetricParams(needs_response="all"))["West Midlands"]
    assert wm["needs_response"] == 6 and wm["needs_response_source"] == "all"
    assert wm["response_rate"] == pytest.approx(3 / 6)


def test_as_of_before_the_window_has_passed_leaves_posts_pending(dialogue):
    # as of 12:00 on the day: R1 and R3 are in, nothing has waited 72 h yet
    wm = by_force(dialogue, params=MetricParams(as_of="2025-03-03T12:00:00"))["West Midlands"]
    assert (wm["needs_response"], wm["answered_within_window"], wm["unanswered"], wm["pending"]) == (4, 2, 0, 2)
    assert wm["responded"] == 2  # R4 lies after as_of


def test_filters(dialogue):
    rows = compute_metrics(dialogue, by=(), filters=Filters(force="West Midlands", account_type="team"))
    assert len(rows) == 1 and rows.rows[0]["posts"] == 1 and rows.rows[0]["inbound_posts"] == 1
    nothing = compute_metrics(dialogue, by=("force",), filters=Filters(date_from="2025-04-01"))
    assert len(nothing) == 0


def test_posts_behind_each_figure(dialogue):
    def ids(metric, **cell):
        return [pid for _, pid in posts_behind(dialogue, metric, **cell)]

    assert ids("needs_response", force="West Midlands") == ["Q1", "Q2", "Q3", "Q4"]
    assert ids("responded", force="West Midlands") == ["Q1", "Q3", "Q4"]
    assert ids("unanswered") == ["Q2", "Q4"]
    assert ids("responses") == ["R1", "R3", "R4"]
    assert ids("replies_to_citizens", force="West Midlands", account_type="force_corporate") == ["R3", "R4"]
    assert ids("posts_original") == ["P1"]
    assert ids("reciprocated") == ["R1"]
    assert ids("mode_share_engage", force="West Midlands") == ["R1", "R3", "R4"]
    # the posts behind a mix's total: every post the mix counts, coded or not
    assert ids("mode_n", force="West Midlands") == ids("posts", force="West Midlands")
    assert ids("citizen_intent_share_question", force="West Midlands") == ["Q1", "Q2", "Q3", "Q4"]
    assert ids("inbound_posts", force="West Midlands", account_type="team") == ["A2"]
    assert ids("needs_response", month="2025-03-01") == ["Q1", "Q2", "Q3", "Q4"]
    assert ids("needs_response", month="2025-04-01") == []
    assert len(ids("dialogue_conversations", force="West Midlands")) == 11
