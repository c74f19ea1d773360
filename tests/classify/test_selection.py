"""Model selection: the candidate set, features shared among candidates, and honest figures."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from peelian.classify import train_file
from peelian.classify.evaluation import CrossValidation, FoldFeatures
from peelian.classify.models import TextClassifier
from peelian.classify.training import (
    C_VALUES,
    Candidate,
    candidate_set,
    cross_validate_candidates,
    select_and_fit,
    selection_bias,
)
from peelian.errors import ModelError
from tests.classify.conftest import labelled_posts

WORDS = ["road", "closed", "thanks", "help", "seen", "missing", "today", "officers", "call", "please", "update",
         "area", "town", "team", "night", "car", "bike", "man", "woman", "dog"]


def noisy_posts(n: int = 150, seed: int = 3) -> tuple[list[str], list[list[str]]]:
    """Posts whose code follows a cue word most of the time: with label noise and a rare code,
    the candidates really differ (unlike the templated posts, which every model gets right)."""
    rng = random.Random(seed)
    cues = {"inform": "closed", "request": "seen", "engage": "thanks"}
    codes = ["inform"] * (n // 2) + ["engage"] * (n // 3) + ["request"] * (n - n // 2 - n // 3)
    texts, labels = [], []
    for code in codes:
        words = rng.sample(WORDS, 6)
        if rng.random() < 0.7:
            words.insert(rng.randrange(6), cues[code])
        texts.append(" ".join(words))
        labels.append([code if rng.random() > 0.1 else rng.choice(list(cues))])
    return texts, labels


def test_candidate_set_is_small_and_named_choices_fix_it() -> None:
    linear = candidate_set("linear")
    assert [(c.C, c.class_weight) for c in linear] == [(c, "balanced") for c in C_VALUES] + [(10.0, None)]
    assert len({c.name for c in linear}) == len(linear)
    assert candidate_set("combined", C=3.0) == [Candidate("combined", 3.0), Candidate("combined", 3.0, None)]
    with pytest.raises(ModelError, match="unknown algorithm"):
        candidate_set("forest")


@pytest.mark.parametrize("algorithm", ["linear", "combined"])
def test_shared_fold_features_give_the_same_predictions_as_refitting_each_fold(algorithm: str) -> None:
    texts, labels = noisy_posts()
    vectors = np.random.default_rng(0).normal(size=(len(texts), 16)).astype(np.float32)  # stand-in embeddings
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    alone = CrossValidation(algorithm, C=1.0, learning_curve=False).fit(texts, labels, embeddings=vectors)
    features = FoldFeatures(texts, vectors)
    for C in (1.0, 100.0):  # the second candidate reuses the first one's fold matrices
        shared = CrossValidation(algorithm, C=C, learning_curve=False).fit(texts, labels, features=features)
    shared = CrossValidation(algorithm, C=1.0, learning_curve=False).fit(texts, labels, features=features)
    np.testing.assert_allclose(shared.oof_proba_, alone.oof_proba_, atol=1e-6)
    assert shared.oof_pred_ == alone.oof_pred_
    assert len(shared.fold_scores_) == shared.n_splits_


def test_selection_bias_by_hand() -> None:
    # fold 1: best 0.8, chosen b 0.7 → 0.1; fold 2: b is the best → 0; mean 0.05
    assert selection_bias({"a": [0.8, 0.6], "b": [0.7, 0.9]}, "b") == pytest.approx(0.05)
    assert selection_bias({"a": [0.8, 0.6]}, "a") == 0.0


def test_the_best_candidate_wins_and_its_figures_say_they_are_cv_on_selection() -> None:
    texts, labels = noisy_posts()
    selection = cross_validate_candidates(texts, labels, multi_label=False, algorithm="linear", learning_curve=False)
    scores = selection.candidates
    assert len(scores) == 4
    assert len(set(scores.values())) > 1, "the noisy posts should tell the candidates apart"
    assert scores[selection.chosen.name] == max(scores.values())
    info = selection.to_dict()
    assert info["macro_f1_is"] == "CV-on-selection"
    assert info["selection_bias"] >= 0
    assert info["macro_f1_corrected"] == pytest.approx(selection.cv.scores_["macro_f1"] - info["selection_bias"])

    model, evaluation = select_and_fit(texts, labels, multi_label=False, algorithm="linear", learning_curve=False)
    params = model.describe()
    assert (params["C"], params["class_weight"]) == (selection.chosen.C, selection.chosen.class_weight)
    assert "CV-on-selection" in evaluation["method"] and evaluation["selection"]["chosen"]["name"] in scores


def test_class_weight_reaches_the_logistic_regression() -> None:
    texts, labels = noisy_posts()
    for weight in ("balanced", None):
        model = TextClassifier("linear", class_weight=weight).fit(texts, labels)
        assert model.head_.calibrated_classifiers_[0].estimator.class_weight == weight
        assert model.describe()["class_weight"] == weight
    multi = TextClassifier("linear", multi_label=True, class_weight=None).fit(texts, labels)
    assert all(head.model_.class_weight is None for head in multi.heads_)
    with pytest.raises(ModelError, match="class weight"):
        TextClassifier("linear", class_weight="inverse")


def test_train_file_stores_the_choice(tmp_path: Path, labelled_csv: Path) -> None:
    meta = train_file(labelled_csv, text="text", label="label", model_out=tmp_path / "m", algorithm="linear",
                      learning_curve=False)
    selection = meta["evaluation"]["selection"]
    assert selection["n_candidates"] == 4
    assert meta["parameters"]["C"] == selection["chosen"]["C"]
    assert meta["parameters"]["normalise_version"] >= 2
    assert set(meta["evaluation"]["candidates"]) == {c.name for c in candidate_set("linear")}
    assert len(labelled_posts()) == meta["n_training"]
