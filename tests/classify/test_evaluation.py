"""Agreement figures against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from peelian.classify.evaluation import CrossValidation, cohen_kappa, n_folds, score_predictions
from peelian.classify.models import best_f1_threshold
from tests.classify.conftest import labelled_posts


def test_single_label_scores_by_hand() -> None:
    true = [["a"], ["a"], ["a"], ["b"], ["b"], ["c"]]
    pred = [["a"], ["a"], ["b"], ["b"], ["c"], ["c"]]
    s = score_predictions(true, pred, ["a", "b", "c"], multi_label=False)
    # a: tp 2, fp 0, fn 1 → P 1, R 2/3, F1 0.8; b: tp 1, fp 1, fn 1 → 0.5/0.5/0.5; c: tp 1, fp 1, fn 0 → 0.5/1/(2/3)
    a = s["per_code"]["a"]
    assert (a["precision"], a["recall"], a["f1"], a["support"], a["predicted"]) == pytest.approx((1, 2 / 3, 0.8, 3, 2))
    assert (s["per_code"]["b"]["precision"], s["per_code"]["b"]["recall"], s["per_code"]["b"]["f1"]) == (0.5, 0.5, 0.5)
    assert s["per_code"]["c"]["f1"] == pytest.approx(2 / 3)
    assert s["per_code"]["c"]["support"] == 1
    assert s["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert s["accuracy"] == pytest.approx(4 / 6)
    # p_o = 4/6; p_e = (3·2 + 2·2 + 1·2) / 36 = 1/3; κ = (2/3 − 1/3) / (2/3) = 0.5
    assert s["kappa"] == pytest.approx(0.5)
    assert s["confusion"]["matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    # "is it a": p_o = 5/6, p_e = (3·2 + 3·4)/36 = 1/2 → κ = (5/6 − 1/2)/(1/2) = 2/3
    assert s["per_code"]["a"]["kappa"] == pytest.approx(2 / 3)


def test_multi_label_scores_by_hand() -> None:
    true = [["x", "y"], ["x"], [], ["y"]]
    pred = [["x"], ["x", "y"], ["y"], ["y"]]
    s = score_predictions(true, pred, ["x", "y"], multi_label=True)
    # x: tp 2, fp 0, fn 0, tn 2 → F1 1, κ 1; y: tp 1, fp 2, fn 1, tn 0 → P 1/3, R 1/2, F1 0.4
    assert s["per_code"]["x"]["f1"] == 1.0 and s["per_code"]["x"]["kappa"] == 1.0
    assert s["per_code"]["y"]["precision"] == pytest.approx(1 / 3)
    assert s["per_code"]["y"]["recall"] == pytest.approx(0.5)
    assert s["per_code"]["y"]["f1"] == pytest.approx(0.4)
    # y: p_o = 1/4, p_e = (2/4)(3/4) + (2/4)(1/4) = 1/2 → κ = −0.5
    assert s["per_code"]["y"]["kappa"] == pytest.approx(-0.5)
    assert s["kappa"] == pytest.approx((1.0 - 0.5) / 2)
    assert s["accuracy"] == pytest.approx(1 / 4)
    assert s["confusion"]["matrices"]["y"] == [[0, 2], [1, 1]]
    assert s["macro_f1"] == pytest.approx(0.7)


def test_cohen_kappa_matches_scikit_learn() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.choice(list("abc"), 40).tolist()
        b = [x if rng.random() < 0.6 else rng.choice(list("abc")) for x in a]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["a", "a"], ["a", "a"]) == 1.0


def test_best_f1_threshold_by_hand() -> None:
    y = np.array([1, 1, 0, 1, 0, 0])
    proba = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    # cutting below 0.6 predicts the top four: tp 3, fp 1, fn 0 → F1 6/7, better than below 0.8 (F1 0.8);
    # the cut lies midway between 0.6 and the next probability, 0.2
    assert best_f1_threshold(y, proba) == pytest.approx(0.4)
    separable = np.array([0.99, 0.98, 0.97, 0.02, 0.01])
    assert best_f1_threshold(np.array([1, 1, 1, 0, 0]), separable) == pytest.approx(0.495)


def test_folds_follow_the_rarest_code() -> None:
    assert n_folds([["a"]] * 10 + [["b"]] * 3, multi_label=False) == 3
    assert n_folds([["a"]] * 10 + [["b"]] * 1, multi_label=False) == 2
    assert n_folds([["a"]] * 10 + [["b"]] * 10, multi_label=False) == 5


def test_cross_validation_predicts_every_post_once_and_scores_it() -> None:
    data = labelled_posts(n_per_code=8)
    texts = [t for t, _ in data]
    labels = [[c] for _, c in data]
    cv = CrossValidation("linear", n_splits=4).fit(texts, labels)
    assert cv.n_splits_ == 4
    assert all(len(codes) == 1 for codes in cv.oof_pred_)
    assert cv.scores_ == {**score_predictions(labels, cv.oof_pred_, cv.classes_.tolist(), multi_label=False),
                          "folds": 4}
    assert np.allclose(cv.oof_proba_.sum(axis=1), 1.0)
    assert cv.scores_["macro_f1"] > 0.8
    sizes = [p["n_labels"] for p in cv.learning_curve_]
    assert sizes == sorted(sizes) and cv.learning_curve_[-1]["fraction"] == 1.0
    assert cv.learning_curve_[-1]["macro_f1"] == cv.scores_["macro_f1"]
