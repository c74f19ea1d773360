from __future__ import annotations

import joblib
import numpy as np
import pytest

from peelian.classify.models import TextClassifier
from peelian.errors import ModelError
from tests.classify.conftest import labelled_posts


def _data(n: int = 12) -> tuple[list[str], list[list[str]]]:
    data = labelled_posts(n_per_code=n)
    return [t for t, _ in data], [[c] for _, c in data]


def test_single_label_learns_and_gives_probabilities(tmp_path) -> None:
    texts, labels = _data()
    model = TextClassifier("linear").fit(texts, labels)
    assert model.classes_.tolist() == ["engage", "inform", "request"]
    assert "sigmoid" in model.calibration_
    proba = model.predict_proba(["Have you seen this woman? Please call 101", "@bob thanks, glad we could help"])
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.decide(proba) == [["request"], ["engage"]]
    assert np.array_equal(model.confidence(proba), proba.max(axis=1))
    joblib.dump(model, tmp_path / "m.joblib")
    again = joblib.load(tmp_path / "m.joblib")
    assert np.allclose(again.predict_proba(texts[:5]), model.predict_proba(texts[:5]))


def test_too_few_examples_to_calibrate_is_said() -> None:
    texts, labels = _data(6)
    texts, labels = [*texts, "@x thanks!"], [*labels, ["other"]]
    model = TextClassifier("linear").fit(texts, labels)
    assert model.calibration_.startswith("none: code 'other' has 1 example")


def test_a_single_code_cannot_be_learnt() -> None:
    with pytest.raises(ModelError, match="same code"):
        TextClassifier("linear").fit(["a b", "c d", "e f"], [["x"], ["x"], ["x"]])


def test_unknown_algorithm() -> None:
    with pytest.raises(ModelError, match="unknown algorithm"):
        TextClassifier("forest")


def test_multi_label_thresholds_and_skipped_codes() -> None:
    texts, labels = _data(12)
    multi = [codes + (["polite"] if ("thanks" in t or "please" in t.lower()) else []) for t, codes in zip(texts, labels,
                                                                                                       strict=True)]
    multi[0] = [*multi[0], "rare"]
    model = TextClassifier("linear", multi_label=True).fit(texts, multi)
    assert "rare" in model.skipped_codes_ and "rare" not in model.classes_
    assert len(model.thresholds_) == len(model.classes_)
    assert all(0.0 < t < 1.0 for t in model.thresholds_)
    predicted = model.predict(["@jo thanks for letting us know", "Have you seen missing kim in York?"])
    assert "engage" in predicted[0] and "polite" in predicted[0]
    assert "request" in predicted[1]
    proba = model.predict_proba(["@jo thanks"])
    conf = model.confidence(proba)[0]
    assert conf == pytest.approx(np.where(proba >= model.thresholds_, proba, 1 - proba).min())
