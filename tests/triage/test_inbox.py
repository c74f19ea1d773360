"""The triage inbox on the hand-built project of tests/triage/helpers.py."""

from __future__ import annotations

import importlib
from datetime import datetime, time, timedelta

import pytest

from peelian.errors import InputError, NotFoundError
from peelian.metrics import Filters, MetricParams
from peelian.metrics.params import OfficeHours
from peelian.triage import (
    RISK_ADVICE,
    Target,
    attainment,
    deadline,
    inbox,
    list_targets,
    mark_handled,
    parse_targets,
    reopen,
    set_targets,
    summary,
)
from tests.triage.helpers import build_inbox


@pytest.fixture
def box(project):
    return build_inbox(project)


def ids(result):
    return [r["post_id"] for r in result["rows"]]


def test_immediate_risk_first_then_overdue_then_least_time_left(box):
    result = inbox(box)
    assert ids(result) == ["KNIFE", "PRED", "Q", "COMPL"]
    knife, pred, q, compl = result["rows"]
    assert knife["risk"] and knife["risk_source"] == "rules" and "weapon" in knife["risk_reasons"]
    assert knife["target_intent"] == "urgent" and knife["time_left_s"] == -95 * 60
    assert knife["status"] == "overdue" and knife["time_left"] == "1h 35m overdue"
    assert pred["time_left_s"] == -85 * 60 and pred["target"] == "1h"
    assert q["time_left_s"] == 70 * 60 and q["status"] == "pending" and q["target_source"] == "default"
    assert compl["time_left_s"] == (24 * 60 + 20 - 180) * 60
    assert result["counts"] == {"total": 4, "risk": 1, "overdue": 2, "pending": 2, "handled": 0}
    assert result["advice"] == RISK_ADVICE and "999" in RISK_ADVICE


def test_intent_source_gold_then_predicted_with_confidence_then_rules(box):
    rows = {r["post_id"]: r for r in inbox(box)["rows"]}
    assert rows["PRED"]["intents"] == ["report"] and rows["PRED"]["intent_source"] == "predicted"
    assert rows["PRED"]["confidence"] == pytest.approx(0.9)
    assert rows["Q"]["intent_source"] == "rules" and rows["Q"]["intents"] == ["question"]
    assert rows["COMPL"]["intents"] == ["complaint"]
    # gold 'praise' wins over the question mark; praise alone needs no response
    assert "GOLD" not in rows and "THANKS" not in rows and "ASKED" not in rows
    assert rows["KNIFE"]["account_handle"] == "wmp" and rows["KNIFE"]["author"] == "gina"
    assert rows["KNIFE"]["url"].endswith("/KNIFE")


def test_gold_decides_risk_over_the_rules(project):
    from tests.metrics.helpers import Corpus

    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    ann = c.citizen("ann")
    c.post("P", wmp, 0, "Knife amnesty this week")
    c.post("K", ann, 5, "@wmp someone was stabbed outside the school, where do I give a statement?", reply_to="P")
    c.post("P2", wmp, 60, "Thanks all")
    c.gold("K", "citizen_intent", "question")
    c.save()
    (row,) = inbox(project)["rows"]
    assert not row["risk"] and row["risk_source"] == "gold" and row["intent_source"] == "gold"


def test_targets_per_force_change_the_order(box):
    set_targets(box, {"question": timedelta(hours=1)}, force="West Midlands", username="ana")
    rows = inbox(box)["rows"]
    assert [r["post_id"] for r in rows] == ["KNIFE", "Q", "PRED", "COMPL"]
    assert rows[1]["time_left_s"] == -110 * 60 and rows[1]["target_source"] == "West Midlands"
    listed = {(t["force"], t["intent"]): t for t in list_targets(box)}
    assert listed[("West Midlands", "question")]["target"] == "1h"
    assert listed[("*", "urgent")]["source"] == "default"
    audit = box.query("SELECT username, action, target FROM audit_log WHERE action = 'triage_targets'")
    assert audit == [{"username": "ana", "action": "triage_targets", "target": "West Midlands"}]


def test_targets_for_an_unknown_force_are_refused(box):
    with pytest.raises(NotFoundError, match="no force 'Nowhere'"):
        set_targets(box, {"urgent": timedelta(minutes=5)}, force="Nowhere")


@pytest.mark.parametrize(("text", "message"), [
    ("urgnt=15m", "unknown intent 'urgnt'"),
    ("urgent=soon", "target for urgent: cannot read 'soon' as a duration"),
    ("urgent", "cannot read target 'urgent'"),
    ("report=0m", "not a positive duration"),
    ("", "no targets given"),
])
def test_bad_targets_name_the_problem(text, message):
    with pytest.raises(InputError, match=message):
        parse_targets(text)


def test_parse_targets_reads_every_intent():
    assert parse_targets("urgent=15m, report=1h,question=4h") == {
        "urgent": timedelta(minutes=15), "report": timedelta(hours=1), "question": timedelta(hours=4)}


def test_office_hours_deadline_skips_nights_and_weekends():
    hours = OfficeHours(days=(1, 2, 3, 4, 5), start=time(9), end=time(17))
    target = Target("question", 2 * 3600, hours, "test")
    # Friday 7 March 2025 16:00 London (GMT): one hour on Friday, the second on Monday 09:00-10:00
    assert deadline(datetime(2025, 3, 7, 16, 0), target, "Europe/London") == datetime(2025, 3, 10, 10, 0)
    # Saturday: nothing counts until Monday 09:00
    assert deadline(datetime(2025, 3, 8, 12, 0), target, "Europe/London") == datetime(2025, 3, 10, 11, 0)
    # in summer time the office opens at 08:00 UTC
    assert deadline(datetime(2025, 7, 1, 6, 0), target, "Europe/London") == datetime(2025, 7, 1, 10, 0)


def test_office_hours_targets_apply_in_the_inbox(box):
    set_targets(box, {"question": timedelta(minutes=30)}, office_hours="Mon-Fri 11:00-17:00")
    q = next(r for r in inbox(box)["rows"] if r["post_id"] == "Q")
    # made at 10:10 before the office opens at 11:00: due at 11:30; as_of 13:00 → 90 minutes overdue
    assert q["deadline"] == datetime(2025, 3, 3, 11, 30) and q["time_left_s"] == -90 * 60
    assert q["target"] == "30m office hours (Mon-Fri 11:00-17:00)" and q["target_source"] == "all forces"


def test_handled_elsewhere_leaves_the_inbox_with_user_and_reason_and_comes_back(box):
    assert mark_handled(box, "twitter", "Q", "ana", outcome="handled_elsewhere", reason="rang her back")
    assert not mark_handled(box, "twitter", "Q", "ana", outcome="handled_elsewhere", reason="again")
    assert "Q" not in ids(inbox(box))
    shown = {r["post_id"]: r for r in inbox(box, show_handled=True)["rows"]}
    assert shown["Q"]["handled_outcome"] == "handled_elsewhere" and shown["Q"]["handled_reason"] == "rang her back"
    assert shown["Q"]["handled_by"] == "ana"
    assert mark_handled(box, "twitter", "COMPL", "ben", outcome="no_response_needed", reason="duplicate of 101 call")
    assert ids(inbox(box)) == ["KNIFE", "PRED"]
    assert reopen(box, "twitter", "Q", "ana") and not reopen(box, "twitter", "Q", "ana")
    assert "Q" in ids(inbox(box))
    audit = box.query("SELECT username, action, target, detail FROM audit_log WHERE action IN ('handled', "
                      "'unhandled') ORDER BY audit_id")
    assert [(a["username"], a["action"], a["target"]) for a in audit] == [
        ("ana", "handled", "twitter:Q"), ("ben", "handled", "twitter:COMPL"), ("ana", "unhandled", "twitter:Q")]
    assert "no_response_needed" in audit[1]["detail"]


def test_mark_handled_refuses_unknown_outcomes_and_posts(box):
    with pytest.raises(InputError, match="unknown outcome 'ignored'"):
        mark_handled(box, "twitter", "Q", "ana", outcome="ignored")
    with pytest.raises(NotFoundError, match="no post 'NOPE'"):
        mark_handled(box, "twitter", "NOPE", "ana")


def test_mark_handled_refuses_posts_not_awaiting_a_response(box):
    """A police post (P1, R) or a citizen's post already answered (ASKED) is in no inbox: a mark on it was
    stored, audited and counted as if the force had handled someone's message."""
    for post_id in ("P1", "R", "ASKED"):
        with pytest.raises(InputError, match=f"post '{post_id}' on twitter is not awaiting a response"):
            mark_handled(box, "twitter", post_id, "ana", reason="x")
    assert box.scalar("SELECT count(*) FROM handled") == 0
    assert box.scalar("SELECT count(*) FROM audit_log WHERE action = 'handled'") == 0
    assert mark_handled(box, "twitter", "THANKS", "ana", outcome="no_response_needed", reason="thanks only")


def test_since_keeps_only_recent_posts(box):
    assert ids(inbox(box, since="150m")) == ["KNIFE", "PRED"]
    assert ids(inbox(box, since=None)) == ["KNIFE", "PRED", "Q", "COMPL"]


def test_filters_narrow_to_a_force_and_account(box):
    assert ids(inbox(box, filters=Filters(force="Elsewhere"))) == []
    assert ids(inbox(box, filters=Filters(account_id="id_wmp"))) == ["KNIFE", "PRED", "Q", "COMPL"]


def test_paging_keeps_the_order_and_the_counts(box):
    page = inbox(box, limit=2, offset=1)
    assert ids(page) == ["PRED", "Q"] and page["counts"]["total"] == 4


def test_attainment_per_intent(box):
    by = {r["intent"]: r for r in attainment(box)}
    # question: ASKED answered in 10 m (within 4 h); Q not yet due → pending
    assert by["question"]["due"] == 1 and by["question"]["answered_within_target"] == 1
    assert by["question"]["attainment"] == 1.0 and by["question"]["pending"] == 1
    # report: PRED unanswered past its 1h target
    assert by["report"]["due"] == 1 and by["report"]["attainment"] == 0.0
    assert by["urgent"]["due"] == 1 and by["urgent"]["attainment"] == 0.0
    assert by["complaint"]["pending"] == 1 and by["complaint"]["attainment"] is None
    mark_handled(box, "twitter", "PRED", "ana", reason="phoned")
    assert {r["intent"]: r for r in attainment(box)}["report"]["handled"] == 1


def test_attainment_counts_a_late_answer_as_missed(box):
    params = MetricParams(as_of=datetime(2025, 3, 3, 20, 0))
    by = {r["intent"]: r for r in attainment(box, params)}
    assert by["question"] == {"intent": "question", "target": "4h", "posts": 3 - 1, "due": 2,
                              "answered_within_target": 1, "attainment": 0.5, "pending": 0, "handled": 0}


def test_summary_has_the_counts_and_attainment(box):
    result = summary(box)
    assert result["inbox"]["total"] == 4 and {r["intent"] for r in result["attainment"]} >= {"urgent", "question"}


def test_attainment_in_office_hours(box):
    set_targets(box, {"question": timedelta(minutes=30)}, force="West Midlands", office_hours="Mon-Fri 11:00-17:00")
    by = {r["intent"]: r for r in attainment(box)}
    # ASKED (10:40) answered at 10:50, before its 11:30 deadline; Q (10:10) unanswered at 13:00, due at 11:30
    assert by["question"] == {"intent": "question", "target": "30m office hours (Mon-Fri 11:00-17:00)", "posts": 2,
                              "due": 2, "answered_within_target": 1, "attainment": 0.5, "pending": 0, "handled": 0}


def test_the_page_reads_the_deadlines_counted_for_every_row(box, monkeypatch):
    """The page's deadlines and time left are those counted for every row (from the rows kept with the rollup):
    `deadline` is called once per office-hours row, never again for the page, and each row's deadline is still
    `deadline` on its created_at and target; the rows equal the fit's."""
    from peelian.metrics.rollup import refresh_rollup

    inbox_module = importlib.import_module("peelian.triage.inbox")  # the package's `inbox` is the function
    set_targets(box, {"question": timedelta(minutes=30)}, office_hours="Mon-Fri 11:00-17:00")
    set_targets(box, {"complaint": timedelta(hours=2, seconds=0.25)})
    assert refresh_rollup(box)["fresh"]
    real, calls = inbox_module.deadline, []
    monkeypatch.setattr(inbox_module, "deadline", lambda *args: calls.append(args) or real(*args))
    result = inbox(box, semantic=False)
    office = [r for r in result["rows"] if r["target"].endswith("office hours (Mon-Fri 11:00-17:00)")]
    assert [r["post_id"] for r in office] == ["Q"] and len(calls) == len(office)
    targets = inbox_module.Targets.load(box)
    for r in result["rows"]:
        due = real(r["created_at"], targets.get(r["force"], r["target_intent"]), "Europe/London")
        assert r["deadline"] == due and r["time_left_s"] == (due - result["as_of"]).total_seconds(), r["post_id"]
    q, compl = next(r for r in result["rows"] if r["post_id"] == "Q"), next(
        r for r in result["rows"] if r["post_id"] == "COMPL")
    assert q["deadline"] == datetime(2025, 3, 3, 11, 30) and q["time_left_s"] == -90 * 60
    assert compl["time_left_s"] == (20 - 180 + 120) * 60 + 0.25
    monkeypatch.setattr(inbox_module, "deadline", real)
    assert result == inbox(box, semantic=False, stored=False)
