"""The transparent intent rules and the immediate-risk layer: the accuracy floor on the labelled set
of tests/data/triage/urgent.csv (its tuning split: the rules were written against it), hard negatives,
and the SQL form agreeing with the Python one. The held-out split was written after the rules and never
used to change them; its floors, with the semantic layer's, are in tests/triage/test_semantic.py."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from peelian.triage.rules import (
    classify_text,
    evaluate_urgent,
    intents_sql,
    risk_text,
    urgent_sql,
)

DATA = Path(__file__).parents[1] / "data" / "triage" / "urgent.csv"


def labelled(split: str | None = None) -> list[dict[str, str]]:
    with DATA.open(newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if split in (None, r["split"])]


def test_the_labelled_set_is_large_with_many_hard_negatives():
    rows = labelled()
    kinds = [r["kind"] for r in rows]
    assert len(rows) >= 300 and kinds.count("hard_negative") >= 100 and kinds.count("positive") >= 150
    assert len(labelled("held_out")) >= 40 and len(labelled("tuning")) + len(labelled("held_out")) == len(rows)
    assert {r["category"] for r in rows if r["urgent"] == "1"} == {
        "weapon", "inprogress", "threat", "missing", "selfharm"}


def test_urgent_accuracy_floor():
    result = evaluate_urgent((r["text"], r["urgent"] == "1", r["category"]) for r in labelled("tuning"))
    assert result["recall"] >= 0.95, result["misses"]
    assert result["precision"] >= 0.8, result["false_alarms"]
    assert min(result["recall_by_category"].values()) >= 0.9


@pytest.mark.parametrize("text", [
    "@WMPolice this road is a death trap",
    "@GMPolice killing it today officers!",
    "@merseypolice knife crime is out of control, what are you doing about it",
    "@LancsPolice missing my old beat officer, hope he's enjoying retirement",
    "@metpoliceuk your social media team are killing it with the memes",
    "@KentPolice the potholes on the A2 are going to kill someone one day",
])
def test_hard_negatives_are_not_urgent(text):
    assert not classify_text(text).urgent


@pytest.mark.parametrize("text", [
    "@CheshirePolice any update on the stabbing by the canal? the family still haven't heard anything",
    "@GMPolice was the man with the knife at the Arndale ever caught?",
    "@LancsPolice watching Line of Duty, could a hostage siege really happen like that?",
    "@KentPolice my lad got lost at the fair but we found him, home safe now, false alarm",
    "@WMPolice not urgent, but someone keeps leaving a baseball bat by the bins",
    "RT @PCNwosuWMP: UPDATE: we're still looking for Jamie, 16, missing from Coventry since Sunday. Call 999",
])
def test_a_post_about_the_past_fiction_or_a_safe_outcome_is_not_flagged_by_the_rules(text):
    """The post-level suppressor (SUPPRESS) applies to the rules as well as the semantic layer."""
    assert risk_text(text) == "" and not classify_text(text).urgent


@pytest.mark.parametrize(("text", "category"), [
    ("@WMPolice there's a man with a knife outside the shop on King Street right now", "weapon"),
    ("@GMPolice someone is breaking into my neighbour's house right now", "in_progress"),
    ("@metpoliceuk my ex says he's going to kill me tonight", "threat_to_life"),
    ("@merseypolice my mum has dementia and has wandered off", "missing_vulnerable"),
    ("@LancsPolice my friend says she's going to kill herself tonight", "self_harm"),
])
def test_each_risk_category_is_named(text, category):
    result = classify_text(text)
    assert result.urgent and category in result.risks and result.intents[0] == "urgent"


def test_other_intents_and_the_fallback():
    assert classify_text("@wmp thank you officers, brilliant work").intents == ("praise",)
    assert classify_text("@wmp What time does the front counter open?").intents == ("question",)
    assert classify_text("@wmp ACAB").intents == ("abuse",)
    assert classify_text("@wmp lol").intents == ("other",)
    assert set(classify_text("@wmp useless, I reported a theft and nobody has called me back").intents) == {
        "report", "complaint"}


def test_sql_rules_agree_with_python_on_every_labelled_post():
    rows = labelled()
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, text VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, r["text"]) for i, r in enumerate(rows)])
    con.execute("INSERT INTO t VALUES (-1, 'It\u2019s a man with a KNIFE'), (-2, NULL), "
                "(-3, 'any update on the man with a knife?'), (-4, 'RT @wmp: man with a knife seen in Aston')")
    found = {i: (u, tuple(x)) for i, u, x in con.execute(
        f"SELECT i, {urgent_sql('text')}, {intents_sql('text')} FROM t").fetchall()}
    for i, r in enumerate(rows):
        expected = classify_text(r["text"])
        assert found[i] == (expected.urgent, expected.intents), r["text"]
    assert found[-1][0] and found[-2] == (False, ("other",)) and not found[-3][0] and not found[-4][0]
