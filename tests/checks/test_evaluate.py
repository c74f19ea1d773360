"""The labelled draft set and the evaluation: the scorer counts what it should, the set is what its
generator writes, and the rules keep the accuracy floor on it (personal data recall >= 0.95, precision >= 0.8)."""

from __future__ import annotations

import importlib.util

import orjson
import pytest

from peelian.checks import Finding
from peelian.checks.evaluate import evaluate, load_labelled
from peelian.errors import DraftError
from tests.conftest import ROOT

DRAFTS = ROOT / "tests" / "data" / "checks" / "drafts.jsonl"
DEV = DRAFTS.with_name("drafts_dev.jsonl")
HELDOUT = DRAFTS.with_name("drafts_heldout.jsonl")


@pytest.fixture(scope="module")
def labelled():
    return load_labelled(DRAFTS)


def test_the_set_is_large_varied_and_mostly_safe(labelled):
    assert len(labelled) >= 300
    assert len({row["text"] for row in labelled}) == len(labelled)
    safe = [row for row in labelled if not row["spans"]]
    assert 0.3 < len(safe) / len(labelled) < 0.7
    for risk in ("personal_data", "child", "sexual_offence_victim", "prejudicial", "casualty"):
        assert sum(risk in row["risks"] for row in labelled) >= 10, risk
    for row in labelled:
        for span in row["spans"]:
            assert row["text"][span["start"]:span["end"]] == span["text"]


def _generator():
    spec = importlib.util.spec_from_file_location("make_check_drafts", ROOT / "scripts" / "make_check_drafts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_set_is_what_the_generator_writes(labelled):
    assert _generator().build() == labelled


def test_the_development_set_is_what_the_generator_writes_and_its_spans_are_its_text():
    dev = load_labelled(DEV)
    assert _generator().build_dev() == dev and len(dev) >= 40
    assert not {row["text"] for row in dev} & {row["text"] for row in load_labelled(DRAFTS)}
    for row in dev:
        for span in row["spans"]:
            assert row["text"][span["start"]:span["end"]] == span["text"]
    for risk in ("personal_data", "child", "sexual_offence_victim", "prejudicial", "casualty"):
        assert sum(risk in row["risks"] for row in dev) >= 5, risk
    assert sum(not row["spans"] for row in dev) >= 15  # hard negatives


def test_scorer_counts_overlaps_per_risk_and_post():
    rows = [{"text": "call 07700 900123 now", "spans": [{"start": 5, "end": 17, "risk": "personal_data"}]},
            {"text": "nothing here", "spans": []},
            {"text": "missed one", "spans": [{"start": 0, "end": 6, "risk": "child"}]}]

    def fake(text: str) -> list[Finding]:
        if text.startswith("call"):
            return [Finding(10, 14, "0 90", "personal_data", "r", "high", "x")]
        if text.startswith("nothing"):
            return [Finding(0, 7, "nothing", "personal_data", "r", "high", "x")]
        return []

    result = evaluate(rows, fake)
    pd, child = result.spans["personal_data"], result.spans["child"]
    assert (pd.true_positives, pd.false_positives, pd.false_negatives) == (1, 1, 0)
    assert (child.true_positives, child.false_negatives, child.precision, child.recall) == (0, 1, None, 0.0)
    assert result.posts["personal_data"].precision == 0.5 and result.posts["all"].recall == 0.5
    assert [e["text"] for e in result.errors] == ["nothing here", "missed one"]


def test_a_bad_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(orjson.dumps({"text": "abc", "spans": [{"start": 2, "end": 9, "risk": "personal_data"}]}) + b"\n")
    with pytest.raises(DraftError, match="line 1"):
        load_labelled(path)


@pytest.mark.parametrize("path", [DRAFTS, DEV, HELDOUT], ids=["labelled set", "development set", "held-out set"])
def test_accuracy_floor(path):
    """The issue's targets on every set; also recall >= 0.9 over all risks, which the first round's cue-word
    rules (0.51 on the development set) and the second round's (0.71 on the held-out set) were far from, and
    precision >= 0.8 on each legal risk, so a broader rule cannot buy recall with false alarms."""
    result = evaluate(load_labelled(path))
    for level in (result.spans, result.posts):
        assert level["personal_data"].recall >= 0.95
        assert level["personal_data"].precision >= 0.8
        assert level["all"].precision >= 0.8
        assert level["all"].recall >= 0.9
        for risk in ("child", "sexual_offence_victim", "prejudicial", "casualty"):
            assert level[risk].precision is None or level[risk].precision >= 0.8, risk
