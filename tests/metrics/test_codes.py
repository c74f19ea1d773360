"""Codes behind the figures: gold first, then the latest model's predictions, then heuristics;
every figure says which source it used, and predicted shares carry the classifier's error."""

from __future__ import annotations

from datetime import datetime

import pytest

from peelian.metrics import MetricParams, code_mix, compute_metrics, conversation
from peelian.metrics.codes import adjusted_share, code_error, source_label
from tests.metrics.helpers import Corpus

EVALUATION = {"per_code": {"request": {"precision": 0.8, "recall": 0.5, "support": 16, "predicted": 10}}}


@pytest.fixture
def coded(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    for i in range(10):
        c.post(f"O{i}", wmp, i, f"post {i}")
    for i in range(4):
        c.gold(f"O{i}", "mode", "inform")
    c.gold("O3", "mode", "request", decided_at=datetime(2025, 1, 1))  # older: the later 'inform' wins
    c.model("m0", "mode", created_at=datetime(2025, 1, 1))
    c.model("m1", "mode", EVALUATION, created_at=datetime(2025, 2, 1))
    c.model("m2", "mode", created_at=datetime(2025, 3, 1), validated=False)  # newer, but unvalidated
    c.predict("O9", "mode", "engage", model_id="m2")
    for i in range(4, 10):
        c.predict(f"O{i}", "mode", "engage", model_id="m0")  # an older model: ignored
    c.predict("O0", "mode", "request", model_id="m1")  # gold wins over a prediction
    for i in range(4, 7):
        c.predict(f"O{i}", "mode", "request", model_id="m1")
    c.predict("O4", "mode", "engage", model_id="m1", created_at=datetime(2025, 1, 1))  # older duplicate: ignored
    for i in range(7, 10):
        c.predict(f"O{i}", "mode", "inform", model_id="m1")
    # citizen posts to wmp: I1 gold 'abuse' despite its '?', I2 predicted 'report', I3/I4 uncoded
    people = [c.citizen(n) for n in ("ann", "ben", "cat", "dan")]
    texts = ["Is this a joke?", "my bike was stolen", "thank you", "where is the station?"]
    for i, (person, text) in enumerate(zip(people, texts, strict=True), start=1):
        c.post(f"I{i}", person, 20 + i, f"@wmp {text}", mentions=["wmp"])
    c.gold("I1", "citizen_intent", "abuse")
    c.model("mi", "citizen_intent")
    c.predict("I2", "citizen_intent", "report", model_id="mi")
    return c.save()


def test_mode_shares_with_sources_and_error(coded):
    row = compute_metrics(coded, by=("force",)).rows[0]
    # inform: O0–O3 gold + O7–O9 predicted = 7 of 10; request: O4–O6 predicted
    assert row["mode_share_inform"] == pytest.approx(0.7) and row["mode_share_request"] == pytest.approx(0.3)
    assert row["mode_share_engage"] == 0 and row["mode_share_unknown"] == 0
    assert (row["mode_n"], row["mode_gold"], row["mode_predicted"], row["mode_source"]) == (10, 4, 6, "mixed")
    # adjusted: 3 predicted × 0.8/0.5 = 4.8 of 10.
    # Var = 1.6² × 3(1 − 3/6) + 4.8² × (0.2/(0.8·10) + 0.5/(0.5·16))
    # = 3.84 + 2.016 = 5.856; half-width 1.96 × √5.856 / 10 = 0.474296
    assert row["mode_share_request_adjusted"] == pytest.approx(0.48)
    assert row["mode_share_request_low"] == pytest.approx(0.48 - 0.474296, abs=1e-5)
    assert row["mode_share_request_high"] == pytest.approx(0.48 + 0.474296, abs=1e-5)
    assert row["mode_share_inform_adjusted"] is None  # no per-code evaluation for inform


def test_code_mix_reports_source_and_model(coded):
    mix = code_mix(coded, "mode")
    assert mix["posts"] == 10 and mix["source"] == "mixed"
    assert mix["counts"] == {"gold": 4, "predicted": 6, "heuristic": 0, "none": 0}
    assert mix["model"]["model_id"] == "m1" and mix["model"]["has_error"]
    shares = {s["code"]: s for s in mix["shares"]}
    assert shares["request"]["posts"] == 3 and shares["request"]["adjusted"] == pytest.approx(0.48)
    assert sum(s["share"] for s in mix["shares"]) == pytest.approx(1)
    assert "predicted by m1 with the classifier's measured error" in mix["note"]


def test_without_predictions_uncoded_posts_fall_back(coded):
    row = compute_metrics(coded, MetricParams(use_predictions=False), by=("force",)).rows[0]
    # originals are not replies, so the mode heuristic cannot code them: unknown
    assert row["mode_share_inform"] == pytest.approx(0.4) and row["mode_share_unknown"] == pytest.approx(0.6)
    assert row["mode_source"] == "gold"
    assert row["needs_response"] == 1  # only I4's question; I2's prediction is not used
    assert row["needs_response_source"] == "mixed"  # I1 by gold, the rest by the question heuristic


def test_needs_response_follows_codes_then_the_question_fallback(coded):
    row = compute_metrics(coded, by=("force",)).rows[0]
    # I1 gold abuse (no), I2 predicted report (yes), I3 no question (no), I4 question (yes)
    assert row["needs_response"] == 2
    assert (row["needs_response_gold"], row["needs_response_predicted"], row["needs_response_heuristic"]) == (1, 1, 2)
    assert row["needs_response_source"] == "mixed"
    questions = compute_metrics(coded, MetricParams(needs_response="questions"), by=("force",)).rows[0]
    assert questions["needs_response"] == 1
    strict = compute_metrics(coded, MetricParams(question_fallback=False), by=("force",)).rows[0]
    assert strict["needs_response"] == 1
    intents = compute_metrics(coded, MetricParams(needs_response_intents="abuse"), by=("force",)).rows[0]
    assert intents["needs_response"] == 2  # I1 (gold abuse) and I4 (uncoded question)
    mix = code_mix(coded, "citizen_intent")
    shares = {s["code"]: s["posts"] for s in mix["shares"]}
    assert shares == {**{c: 0 for c in shares}, "abuse": 1, "report": 1, "question": 1, "unknown": 1}


def test_source_labels_and_adjustment_edge_cases():
    assert source_label({"gold": 3}) == "gold"
    assert source_label({"gold": 3, "heuristic": 1}) == "mixed"
    assert source_label({}) == "none" and source_label({"all": 5}) == "all"
    assert code_error(None, "x") is None
    assert code_error({"per_code": {"x": {"precision": 0, "recall": 0.5, "support": 3}}}, "x") is None
    error = code_error({"per_code": {"x": {"precision": 0.5, "recall": 1.0, "support": 10}}}, "x")
    assert error == (0.5, 1.0, 10.0, 20.0)  # predicted in the test set = support × recall ÷ precision
    assert adjusted_share(10, 4, 0, 0, error) is None  # nothing predicted: nothing to adjust
    share, low, high = adjusted_share(10, 4, 4, 10, error)
    assert share == pytest.approx(0.2) and 0 <= low < share < high <= 1


def test_thread_view_shows_codes_and_their_source(coded):
    gold = conversation(coded, "twitter", "O0").roots[0].codes
    assert gold == {"mode": {"codes": ["inform"], "source": "gold"}}
    predicted = conversation(coded, "twitter", "O5").roots[0].codes["mode"]
    assert (predicted["codes"], predicted["source"], predicted["model_id"]) == (["request"], "predicted", "m1")
