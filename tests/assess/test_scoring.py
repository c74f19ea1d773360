"""Assessments on the hand-worked project of helpers.py: every measured rule's level, the evidence
behind each level, the contradiction flag, append-only answers and the messages for bad input."""

from __future__ import annotations

import pytest

from peelian.assess import assess, compare, history, measure, parse_period, read_answers_file, record_answers
from peelian.assess.scoring import answer_history, start_assessment
from peelian.errors import AssessmentError
from tests.assess.helpers import PERIOD, SOURCES, build_from


@pytest.fixture(params=SOURCES)
def built(project, request):
    return build_from(project, request.param)


def _levels(result):
    return {i.indicator.id: (i.level, i.source) for i in result.indicators}


def test_each_measured_rule_reaches_its_hand_worked_level(built):
    levels = _levels(assess(built, "Alpha", PERIOD))
    assert levels["contact_channel"] == (3, "measured")  # rate 0.75 → 4, median 3 h → 3: the lower
    assert levels["answered_within_hour"] == (2, "measured")  # 5/20 = 0.25
    assert levels["urgent_answered"] == (3, "measured")  # 4/5 = 0.8
    assert levels["two_way"] == (5, "measured")  # 15/25 = 0.6
    assert levels["local_accounts"] == (2, "measured")  # 5/25 = 0.2
    assert levels["reciprocity"] == (3, "measured")  # 3/15 = 0.2
    assert levels["coded_coverage"] == (1, "measured")  # 0/25
    assert levels["platforms"] == (1, "measured")
    assert levels["out_of_hours"] == (None, None)  # 1/4: too few posts to set a level
    assert levels["expectations_match"] == (None, None)  # no survey imported


def test_measured_figures_carry_counts_intervals_and_posts_behind(built):
    m = measure(built, parse_period(PERIOD))["Alpha"]
    rate = m["response_rate"]
    assert (rate.value, rate.numerator, rate.n) == (0.75, 15, 20)
    assert rate.low == pytest.approx(0.5313, abs=1e-4) and rate.high == pytest.approx(0.8881, abs=1e-4)
    assert rate.behind() == {"metric": "needs_response", "force": "Alpha", "date_from": "2025-01-01",
                             "date_to": "2025-03-31"}
    assert m["response_time_median_s"].value == 10800
    out = assess(built, "Alpha", PERIOD).indicators
    assert next(i for i in out if i.indicator.id == "out_of_hours").note == (
        "response rate outside office hours 25% (2025-Q1, n=4): fewer than 10, too few to set a level")


def test_scores_without_answers_and_after_answers(built):
    before = assess(built, "Alpha", PERIOD)
    # pillars: (3+2+3)/3, (5+2+3)/3, 1, 1
    assert [p.score for p in before.pillars] == [2.67, 3.33, 1.0, 1.0]
    assert before.score == 2.0 and before.level == 2
    assert before.notes and "no assessment started" in before.notes[0]
    record_answers(built, "Alpha", {"strategy": 5, "training": {"level": 4, "note": "annual course"}},
                   period=PERIOD, user="dana")
    after = assess(built, "Alpha", PERIOD)
    assert [p.score for p in after.pillars] == [3.25, 3.5, 1.0, 1.0]  # (3+2+3+5)/4, (5+2+3+4)/4
    assert after.score == 2.19 and after.level == 2
    strategy = next(i for i in after.indicators if i.indicator.id == "strategy")
    assert strategy.source == "answer" and strategy.evidence().startswith("answered level 5 'Social media is a "
                                                                          "channel of choice")
    assert "(dana, " in strategy.evidence()


def test_an_answer_contradicting_the_measurement_is_flagged(built):
    record_answers(built, "Alpha", {"answered_within_hour": 4, "contact_channel": 3}, period=PERIOD, user="dana")
    result = assess(built, "Alpha", PERIOD)
    flagged = {i.indicator.id: i.contradiction for i in result.contradictions}
    assert list(flagged) == ["answered_within_hour"]  # contact_channel answered as measured
    assert flagged["answered_within_hour"].startswith(
        "answered level 4 'We respond to most questions within an hour.' (dana, ")
    assert flagged["answered_within_hour"].endswith("measured level 2: answered within 1 h 25% (2025-Q1, n=20)")
    hour = next(i for i in result.indicators if i.indicator.id == "answered_within_hour")
    assert (hour.level, hour.source) == (2, "measured")  # the evidence sets the level, not the claim
    record_answers(built, "Alpha", {"answered_within_hour": 3}, period=PERIOD, user="dana")
    assert not assess(built, "Alpha", PERIOD).contradictions  # one level apart: not a contradiction


def test_answers_are_append_only_history_and_audited(built):
    record_answers(built, "Alpha", {"strategy": 2}, period=PERIOD, user="dana")
    record_answers(built, "Alpha", {"strategy": 4}, period=PERIOD, user="eve")
    assessment = assess(built, "Alpha", PERIOD).assessment
    rows = answer_history(built, assessment["assessment_id"])
    assert [(r["level"], r["answered_by"]) for r in rows] == [(2, "dana"), (4, "eve")]
    strategy = next(i for i in assess(built, "Alpha", PERIOD).indicators if i.indicator.id == "strategy")
    assert strategy.level == 4 and strategy.answer.answered_by == "eve"
    actions = built.query("SELECT action, username FROM audit_log WHERE action LIKE 'assessment%' ORDER BY audit_id")
    assert [(a["action"], a["username"]) for a in actions] == [
        ("assessment_start", "dana"), ("assessment_answer", "dana"), ("assessment_answer", "eve")]


def test_start_is_idempotent_per_force_and_period(built):
    first, created = start_assessment(built, "Beta", PERIOD, user="dana")
    again, created_again = start_assessment(built, "Beta", PERIOD, user="dana")
    assert created and not created_again and first["assessment_id"] == again["assessment_id"]
    default, _ = start_assessment(built, "Gamma")
    assert default["period"] == "2025-Q1"  # the quarter of the newest post


def test_bad_answers_name_the_file_the_key_and_the_problem(built, tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("answers:\n  strategy: 3\n  happiness: 4\n")
    with pytest.raises(AssessmentError) as err:
        record_answers(built, "Alpha", read_answers_file(path), period=PERIOD, source=str(path))
    assert str(err.value).startswith(f"{path}, answers.happiness: unknown indicator 'happiness'")
    assert not built.query("SELECT * FROM assessment_answers")  # nothing written: all checked first
    path.write_text("strategy: 7\n")
    with pytest.raises(AssessmentError, match=r"answers.strategy: level must be a whole number 1–5 \(got 7\)"):
        record_answers(built, "Alpha", read_answers_file(path), period=PERIOD, source=str(path))
    path.write_text("reciprocity: 3\n")
    with pytest.raises(AssessmentError,
                       match="answers.reciprocity: indicator .reciprocity. is measured from the posts"):
        record_answers(built, "Alpha", read_answers_file(path), period=PERIOD, source=str(path))
    path.write_text("strategy: [3\n")
    with pytest.raises(AssessmentError, match=r"answers.yaml, line \d+: not valid YAML"):
        read_answers_file(path)


def test_unknown_force_and_period_are_named(built):
    with pytest.raises(AssessmentError, match="unknown force 'Delta'; the project's forces are: Alpha, Beta, Gamma"):
        assess(built, "Delta", PERIOD)
    with pytest.raises(AssessmentError, match="unknown period '2025-Q5'"):
        assess(built, "Alpha", "2025-Q5")


def test_compare_ranks_forces_ties_equal_scores_and_shows_change(built):
    record_answers(built, "Alpha", {"strategy": 5}, period=PERIOD, user="dana")
    result = compare(built, PERIOD)
    assert result["period"] == "2025-Q1" and result["previous_period"] == "2024-Q4"
    rows = {r["force"]: r for r in result["forces"]}
    assert rows["Alpha"]["rank"] == 1 and rows["Alpha"]["assessed"]
    # Beta and Gamma: no answers, the same measured levels except contact and the hour → compare by score
    assert rows["Alpha"]["score"] > rows["Beta"]["score"] > rows["Gamma"]["score"]
    assert rows["Alpha"]["change"] is None  # nothing measured in 2024-Q4
    assert history(built, "Alpha") == [{"period": "2025-Q1", "score": rows["Alpha"]["score"],
                                        "level": rows["Alpha"]["level"], "pillars": {
                                            p: v["score"] for p, v in rows["Alpha"]["pillars"].items()}}]
