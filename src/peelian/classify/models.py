"""The classifiers: a linear model on n-grams, a linear head on sentence embeddings, and both together.

All three share one design: features → logistic regression → calibrated probabilities.

- `linear`: `HashedTfidf` word 1–2-grams + char_wb 2–5-grams (see `features.py`).
- `embedding`: all-MiniLM-L6-v2 sentence embeddings (see `embeddings.py`).
- `combined`: both feature sets side by side (each block has unit length, so neither swamps
  the other) under one logistic regression; simpler than stacking and as good on small data.

Single-label dimensions use a multinomial logistic regression (balanced class weights unless
model selection chose otherwise, see `peelian.classify.training`), calibrated by Platt
scaling on 3-fold out-of-fold scores (`CalibratedClassifierCV`, `ensemble=False`, so
prediction costs one model). Multi-label dimensions are one-vs-rest:
one calibrated binary model per code and a per-code threshold that maximises F1 on the
out-of-fold probabilities. When a code has fewer than 3 examples (or 3 non-examples) there is
too little data to calibrate on; the logistic regression's own probabilities are used then
(a proper scoring rule keeps them reasonable) and `calibration_` says so.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from peelian.classify.embeddings import EncoderSpec, SentenceEncoder
from peelian.classify.features import HashedTfidf
from peelian.classify.normalise import NORMALISE_VERSION, normalise_all
from peelian.errors import ModelError

ALGORITHMS = ("linear", "embedding", "combined")
CALIBRATION_FOLDS = 3

Labels = Sequence[Sequence[str]]


def uses_embeddings(algorithm: str) -> bool:
    return algorithm in ("embedding", "combined")


class Decisions:
    """Turning probabilities into codes, shared by trained and starter classifiers."""

    classes_: np.ndarray
    multi_label: bool
    thresholds_: np.ndarray | None = None

    def decide(self, proba: np.ndarray) -> list[list[str]]:
        """Single-label: the most probable code. Multi-label: every code at or above its threshold."""
        if not self.multi_label:
            return [[c] for c in self.classes_[np.argmax(proba, axis=1)].tolist()]
        hits = proba >= self.thresholds_
        return [self.classes_[row].tolist() for row in hits]

    def confidence(self, proba: np.ndarray) -> np.ndarray:
        """How sure the decision is: the top probability, or for multi-label the least sure code
        (its probability if assigned, one minus it if not). Stored as `predictions.probability`."""
        if not self.multi_label:
            return proba.max(axis=1)
        return np.where(proba >= self.thresholds_, proba, 1.0 - proba).min(axis=1)

    def margin(self, proba: np.ndarray) -> np.ndarray:
        """Distance to the decision boundary, for margin sampling (small = uncertain)."""
        if not self.multi_label:
            if proba.shape[1] < 2:
                return np.ones(len(proba))
            top2 = np.sort(proba, axis=1)[:, -2:]
            return top2[:, 1] - top2[:, 0]
        return np.abs(proba - self.thresholds_).min(axis=1)


class _BinaryHead:
    """One code of a multi-label dimension: logistic regression + Platt scaling + F1 threshold."""

    def __init__(self, C: float, random_state: int, class_weight: str | None = "balanced"):
        self.C = C
        self.random_state = random_state
        self.class_weight = class_weight

    def fit(self, X: Any, y: np.ndarray) -> _BinaryHead:
        self.model_ = _logistic(self.C, self.random_state, self.class_weight)
        n_pos = int(y.sum())
        n_neg = len(y) - n_pos
        self.platt_: LogisticRegression | None = None
        self.threshold_ = 0.5
        if min(n_pos, n_neg) >= CALIBRATION_FOLDS:
            cv = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=self.random_state)
            scores = cross_val_predict(self.model_, X, y, cv=cv, method="decision_function")
            self.platt_ = platt_scaling(scores, y)
            oof = self.platt_.predict_proba(scores.reshape(-1, 1))[:, 1]
            self.threshold_ = best_f1_threshold(y, oof)
            self.calibration_ = f"sigmoid ({CALIBRATION_FOLDS}-fold), threshold {self.threshold_:.3f}"
        else:
            self.calibration_ = (f"none: {min(n_pos, n_neg)} {'examples' if n_pos < n_neg else 'non-examples'} "
                                 f"(needs {CALIBRATION_FOLDS}); threshold 0.5")
        self.model_.fit(X, y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        if self.platt_ is None:
            return self.model_.predict_proba(X)[:, 1]
        return self.platt_.predict_proba(self.model_.decision_function(X).reshape(-1, 1))[:, 1]


def platt_scaling(scores: np.ndarray, y: np.ndarray) -> LogisticRegression:
    """Platt's sigmoid on decision scores, with his smoothed targets ((n₊+1)/(n₊+2), 1/(n₋+2)) so
    that separable training data does not give probabilities of exactly 0 and 1."""
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    target = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    X = np.r_[scores, scores].reshape(-1, 1)
    labels = np.r_[np.ones(len(y)), np.zeros(len(y))]
    return LogisticRegression(C=1e6, max_iter=1000).fit(X, labels, sample_weight=np.r_[target, 1 - target])


def best_f1_threshold(y: np.ndarray, proba: np.ndarray) -> float:
    """The probability cut that maximises F1 on out-of-fold probabilities.

    A cut falls midway between two neighbouring distinct probabilities, so a new post just
    outside the training range is not thrown to the other side; among equally good cuts the
    one closest to 0.5 wins.
    """
    order = np.argsort(-proba, kind="stable")
    p_sorted, y_sorted = proba[order], y[order].astype(float)
    tp = np.cumsum(y_sorted)
    fp = np.cumsum(1.0 - y_sorted)
    fn = y_sorted.sum() - tp
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12)
    last_of_value = np.r_[p_sorted[1:] != p_sorted[:-1], True]  # cut only between distinct values
    f1 = np.where(last_of_value, f1, -1.0)
    cuts = (p_sorted + np.r_[p_sorted[1:], 0.0]) / 2
    candidates = cuts[f1 >= f1.max() - 1e-12]
    return float(candidates[np.argmin(np.abs(candidates - 0.5))])


def _logistic(C: float, random_state: int, class_weight: str | None = "balanced") -> LogisticRegression:
    return LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, random_state=random_state)


class TextClassifier(Decisions):
    """A classifier of posts for one dimension, trained on human codes.

    Parameters
    ----------
    algorithm : "linear", "embedding" or "combined".
    multi_label : one-vs-rest with per-code thresholds instead of one code per post.
    C : inverse regularisation strength of the logistic regressions.
    class_weight : "balanced" (each code weighs as much as the others, whatever its count) or None.
    encoder : sentence-encoder settings for the embedding algorithms.
    random_state : seeds every split, so training twice gives the same model.

    Attributes
    ----------
    classes_ : the codes the model can predict, in column order of `predict_proba`.
    thresholds_ : per-code probability thresholds (multi-label only).
    calibration_ : how the probabilities were calibrated, in words (per code for multi-label).
    skipped_codes_ : multi-label codes left out because they had fewer than 2 examples.
    label_counts_ : training examples per code.
    n_train_ : number of training posts.
    """

    def __init__(self, algorithm: str = "linear", *, multi_label: bool = False, C: float = 10.0,
                 class_weight: str | None = "balanced", encoder: EncoderSpec | None = None, random_state: int = 0):
        if algorithm not in ALGORITHMS:
            raise ModelError(f"unknown algorithm {algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
        if class_weight not in ("balanced", None):
            raise ModelError(f"unknown class weight {class_weight!r}; choose 'balanced' or None")
        self.algorithm = algorithm
        self.multi_label = multi_label
        self.C = C
        self.class_weight = class_weight
        self.encoder = encoder or EncoderSpec()
        self.random_state = random_state

    # ---- features ------------------------------------------------------------------------------
    def embed(self, texts: Sequence[str | None]) -> np.ndarray:
        """Sentence embeddings of raw texts, as this model computes them (precompute once for CV)."""
        return SentenceEncoder(self.encoder).encode(normalise_all(texts))

    def _features(self, texts: Sequence[str | None], embeddings: np.ndarray | None, *, fit: bool) -> Any:
        n_grams = self.algorithm in ("linear", "combined")
        normalised = normalise_all(texts) if n_grams or embeddings is None else []
        parts = []
        if n_grams:
            if fit:
                self.vectorizer_ = HashedTfidf().fit(normalised)
            parts.append(self.vectorizer_.transform(normalised))
        if uses_embeddings(self.algorithm):
            vectors = SentenceEncoder(self.encoder).encode(normalised) if embeddings is None else embeddings
            if len(vectors) != len(texts):
                raise ValueError("embeddings and texts differ in length")
            parts.append(vectors)
        if len(parts) == 1:
            return parts[0]
        return sp.hstack([parts[0], sp.csr_matrix(parts[1])], format="csr")

    # ---- fitting -------------------------------------------------------------------------------
    def fit(self, texts: Sequence[str | None], labels: Labels, *, embeddings: np.ndarray | None = None
            ) -> TextClassifier:
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        return self.fit_matrix(self._features(texts, embeddings, fit=True), labels)

    def fit_matrix(self, X: Any, labels: Labels) -> TextClassifier:
        """Fit the heads on features already computed (model selection shares one matrix per fold
        among candidates); `predict_proba_matrix` is its counterpart."""
        if X.shape[0] != len(labels):
            raise ValueError("features and labels differ in length")
        counts = Counter(code for codes in labels for code in codes)
        self.label_counts_ = dict(sorted(counts.items()))
        self.n_train_ = len(labels)
        # L-BFGS on a few thousand weights gains nothing from BLAS threads, and on a busy machine
        # their spinning made fits 10x slower
        with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.filterwarnings("ignore", message=".*least populated class.*")
            if self.multi_label:
                self._fit_multi(X, labels, counts)
            else:
                self._fit_single(X, [codes[0] for codes in labels], counts)
        return self

    def _fit_single(self, X: Any, y: list[str], counts: Counter[str]) -> None:
        if len(counts) < 2:
            only = next(iter(counts), None)
            raise ModelError(f"all {len(y)} training posts have the same code ({only!r}); "
                             "a classifier needs examples of at least two codes")
        rarest, n_rarest = min(counts.items(), key=lambda kv: (kv[1], kv[0]))
        base = _logistic(self.C, self.random_state, self.class_weight)
        if n_rarest >= CALIBRATION_FOLDS:
            cv = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=self.random_state)
            self.head_ = CalibratedClassifierCV(base, method="sigmoid", cv=cv, ensemble=False)
            self.calibration_: Any = f"sigmoid ({CALIBRATION_FOLDS}-fold out-of-fold Platt scaling)"
        else:
            self.head_ = base
            self.calibration_ = (f"none: code {rarest!r} has {n_rarest} example(s), {CALIBRATION_FOLDS} are needed; "
                                 "logistic-regression probabilities are used as they are")
        self.head_.fit(X, np.asarray(y))
        self.classes_ = np.asarray(self.head_.classes_, dtype=object)
        self.thresholds_ = None
        self.skipped_codes_: dict[str, str] = {}

    def _fit_multi(self, X: Any, labels: Labels, counts: Counter[str]) -> None:
        n = len(labels)
        self.skipped_codes_ = {}
        heads, classes, thresholds, calibration = [], [], [], {}
        for code in sorted(counts):
            y = np.fromiter((code in codes for codes in labels), dtype=bool, count=n).astype(int)
            n_pos = int(y.sum())
            if n_pos < 2 or n - n_pos < 2:
                self.skipped_codes_[code] = (f"{n_pos} of {n} training posts have it; "
                                             "at least 2 with and 2 without are needed")
                continue
            head = _BinaryHead(self.C, self.random_state, self.class_weight).fit(X, y)
            heads.append(head)
            classes.append(code)
            thresholds.append(head.threshold_)
            calibration[code] = head.calibration_
        if not heads:
            raise ModelError("no code has enough examples to train on: "
                             + "; ".join(f"{c}: {why}" for c, why in self.skipped_codes_.items()))
        self.heads_ = heads
        self.classes_ = np.asarray(classes, dtype=object)
        self.thresholds_ = np.asarray(thresholds)
        self.calibration_ = calibration

    # ---- prediction ----------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str | None], *, embeddings: np.ndarray | None = None) -> np.ndarray:
        """Calibrated probability of each code (columns: `classes_`)."""
        if not hasattr(self, "classes_"):
            raise ModelError("the classifier has not been trained")
        if not len(texts):
            return np.zeros((0, len(self.classes_)))
        return self.predict_proba_matrix(self._features(texts, embeddings, fit=False))

    def predict_proba_matrix(self, X: Any) -> np.ndarray:
        """Calibrated probabilities from features computed as in `fit_matrix`."""
        if self.multi_label:
            return np.column_stack([head.predict_proba(X) for head in self.heads_])
        return self.head_.predict_proba(X)

    def predict(self, texts: Sequence[str | None], *, embeddings: np.ndarray | None = None) -> list[list[str]]:
        return self.decide(self.predict_proba(texts, embeddings=embeddings))

    def describe(self) -> dict[str, Any]:
        """Parameters and fitted facts for the model's metadata."""
        return {
            "algorithm": self.algorithm, "multi_label": self.multi_label, "C": self.C,
            "class_weight": getattr(self, "class_weight", "balanced"), "normalise_version": NORMALISE_VERSION,
            "classes": self.classes_.tolist(), "n_train": self.n_train_, "label_counts": self.label_counts_,
            "thresholds": None if self.thresholds_ is None else dict(zip(self.classes_.tolist(),
                                                                          self.thresholds_.round(4).tolist(),
                                                                          strict=True)),
            "calibration": self.calibration_, "skipped_codes": self.skipped_codes_,
            "features": ({"word_ngrams": list(self.vectorizer_.word_ngrams),
                          "char_wb_ngrams": list(self.vectorizer_.char_ngrams),
                          "hash_bits": self.vectorizer_.n_features_log2, "n_features": self.vectorizer_.n_features_out_}
                         if self.algorithm != "embedding" else None),
            "encoder": self.encoder.to_dict() if uses_embeddings(self.algorithm) else None,
            "random_state": self.random_state,
        }
