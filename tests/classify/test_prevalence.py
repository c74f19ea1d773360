from __future__ import annotations

import pytest

from peelian.classify import apply_model, estimate_prevalence, train_model
from peelian.classify.prevalence import AdjustedClassifyCount


def test_single_label_correction_by_hand() -> None:
    # P(pred | true): A → (0.8, 0.2), B → (0.1, 0.9). True shares (0.3, 0.7) give
    # predicted shares (0.8·0.3 + 0.1·0.7, 0.2·0.3 + 0.9·0.7) = (0.31, 0.69).
    confusion = {"labels": ["A", "B"], "matrix": [[80, 20], [10, 90]]}
    est = AdjustedClassifyCount(n_boot=300, random_state=1).fit(confusion, {"A": 310, "B": 690}, 1000,
                                                                multi_label=False)
    assert est.raw_.tolist() == pytest.approx([0.31, 0.69])
    assert est.adjusted_.tolist() == pytest.approx([0.3, 0.7])
    assert est.ci_low_[0] < 0.3 < est.ci_high_[0]
    assert est.ci_high_[0] - est.ci_low_[0] < 0.2


def test_single_label_clips_and_renormalises() -> None:
    confusion = {"labels": ["A", "B"], "matrix": [[80, 20], [10, 90]]}
    est = AdjustedClassifyCount(n_boot=0).fit(confusion, {"A": 50, "B": 950}, 1000, multi_label=False)
    # the exact solution has a negative share for A: clipped to 0, B renormalised to 1
    assert est.adjusted_.tolist() == pytest.approx([0.0, 1.0])


def test_multi_label_correction_by_hand() -> None:
    # tpr 0.9, fpr 0.1: q = 0.1 + 0.8 p, so q = 0.3 means p = 0.25
    confusion = {"matrices": {"x": [[90, 10], [10, 90]], "y": [[50, 50], [50, 50]]}}
    est = AdjustedClassifyCount(n_boot=200).fit(confusion, {"x": 300, "y": 400}, 1000, multi_label=True)
    assert est.adjusted_[0] == pytest.approx(0.25)
    assert est.adjusted_[1] == pytest.approx(0.4)
    assert "unadjusted" in est.notes_["y"]


def test_project_prevalence_counts_gold_as_it_is(mode_project) -> None:
    train_model(mode_project, "mode", algorithm="linear", learning_curve=False)
    apply_model(mode_project, "mode")
    report = estimate_prevalence(mode_project, "mode", n_boot=100)
    assert report["validated"] and report["adjusted"]
    assert (report["n_gold"], report["n_predicted"], report["n_without_label"]) == (60, 90, 0)
    by_code = {c["code"]: c for c in report["codes"]}
    assert sum(c["gold_count"] for c in report["codes"]) == 60
    assert sum(c["share"] for c in report["codes"]) == pytest.approx(1.0)
    for c in report["codes"]:
        assert c["ci_low"] <= c["share"] <= c["ci_high"]
        assert c["share"] >= c["gold_count"] / 150
    assert by_code["inform"]["raw_share"] == pytest.approx(
        (by_code["inform"]["gold_count"] + by_code["inform"]["predicted_count"]) / 150)
