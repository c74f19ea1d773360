"""How well a classifier agrees with the human gold labels.

`score_predictions` computes the figures shown to users from two label lists: per-code
precision, recall, F1 and support, macro-F1, accuracy, Cohen's kappa and the confusion matrix
(for multi-label dimensions each code is a yes/no decision with its own 2×2 matrix and kappa;
the dimension's kappa is their mean; single-label codes also get the kappa of "is it this code",
comparable with the per-code figures of the reliability report). `CrossValidation` produces
those lists without testing a model on its own training data: stratified k-fold (plain
shuffled k-fold for multi-label, where strata of label sets are too thin), every gold post
predicted once by a model that never saw it, plus a learning curve (macro-F1 at growing
numbers of labels) that tells whether coding more posts is still paying off.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold

import scipy.sparse as sp

from peelian.classify.features import HashedTfidf
from peelian.classify.models import TextClassifier, uses_embeddings
from peelian.classify.normalise import normalise_all
from peelian.errors import ModelError

LEARNING_CURVE_FRACTIONS = (0.2, 0.4, 0.6, 0.8)
MIN_TRAINING_POSTS = 10

Progress = Callable[[str, int, int], None]


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float | None:
    """Cohen's kappa of two raters' labels: (observed − chance agreement) / (1 − chance agreement).

    None when there is nothing to compare; 1.0 when both raters used one and the same category.
    """
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    categories = set(a) | set(b)
    expected = sum((list(a).count(c) / n) * (list(b).count(c) / n) for c in categories)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_predictions(true: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], classes: Sequence[str],
                      *, multi_label: bool) -> dict[str, Any]:
    """Agreement figures of predicted against true codes (see the module docstring)."""
    if len(true) != len(pred):
        raise ValueError("true and predicted labels differ in length")
    classes = list(classes)
    per_code: dict[str, dict[str, Any]] = {}
    if multi_label:
        kappas = []
        confusion: dict[str, list[list[int]]] = {}
        for code in classes:
            t = [code in codes for codes in true]
            p = [code in codes for codes in pred]
            tp = sum(a and b for a, b in zip(t, p, strict=True))
            fp = sum(b and not a for a, b in zip(t, p, strict=True))
            fn = sum(a and not b for a, b in zip(t, p, strict=True))
            tn = len(t) - tp - fp - fn
            precision, recall, f1 = _prf(tp, fp, fn)
            kappa = cohen_kappa(t, p)
            kappas.append(kappa)
            per_code[code] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn,
                              "predicted": tp + fp, "kappa": kappa}
            confusion[code] = [[tn, fp], [fn, tp]]
        exact = sum(set(a) == set(b) for a, b in zip(true, pred, strict=True))
        valid_kappas = [k for k in kappas if k is not None]
        result: dict[str, Any] = {
            "kappa": float(np.mean(valid_kappas)) if valid_kappas else None,
            "kappa_note": "mean of per-code yes/no kappas",
            "accuracy": exact / len(true) if true else None,
            "accuracy_note": "exact match of the whole label set",
            "confusion": {"kind": "per_code", "layout": "[[tn, fp], [fn, tp]]", "matrices": confusion},
        }
    else:
        t1 = [codes[0] if codes else None for codes in true]
        p1 = [codes[0] if codes else None for codes in pred]
        index = {c: i for i, c in enumerate(classes)}
        matrix = np.zeros((len(classes), len(classes)), dtype=int)
        for a, b in zip(t1, p1, strict=True):
            if a in index and b in index:
                matrix[index[a], index[b]] += 1
        for code, i in index.items():
            tp = int(matrix[i, i])
            fp = int(matrix[:, i].sum()) - tp
            fn = int(matrix[i, :].sum()) - tp
            precision, recall, f1 = _prf(tp, fp, fn)
            per_code[code] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn,
                              "predicted": tp + fp,
                              "kappa": cohen_kappa([a == code for a in t1], [b == code for b in p1])}
        result = {
            "kappa": cohen_kappa(t1, p1),
            "accuracy": sum(a == b for a, b in zip(t1, p1, strict=True)) / len(t1) if t1 else None,
            "confusion": {"kind": "matrix", "rows": "gold", "columns": "predicted", "labels": classes,
                          "matrix": matrix.tolist()},
        }
    with_support = [s["f1"] for s in per_code.values() if s["support"] > 0]
    return {"n": len(true), "macro_f1": float(np.mean(with_support)) if with_support else None,
            "macro_f1_note": "unweighted mean of F1 over codes with gold examples",
            "per_code": per_code, **result}


def n_folds(labels: Sequence[Sequence[str]], multi_label: bool, wanted: int = 5) -> int:
    """As many folds as asked, but not more than the rarest single-label code has examples (≥ 2)."""
    if multi_label:
        return max(2, min(wanted, len(labels) // 2))
    counts: dict[str, int] = {}
    for codes in labels:
        counts[codes[0]] = counts.get(codes[0], 0) + 1
    return max(2, min(wanted, min(counts.values())))


def check_training_set(labels: Sequence[Sequence[str]], multi_label: bool, what: str) -> None:
    """Enough posts and at least two codes; the message says what is missing."""
    if len(labels) < MIN_TRAINING_POSTS:
        raise ModelError(f"{what} has {len(labels)} labelled posts; at least {MIN_TRAINING_POSTS} are needed "
                         "to train and cross-validate a classifier")
    used = {code for codes in labels for code in codes}
    if not multi_label and len(used) < 2:
        raise ModelError(f"every labelled post in {what} has the same code ({next(iter(used), None)!r}); "
                         "a classifier needs examples of at least two codes")


class FoldFeatures:
    """Feature matrices of each cross-validation fold, computed once and shared by every candidate.

    Model selection cross-validates several heads (C, class weights) on the same feature sets
    and the same folds; the n-gram vocabulary and idf are fitted on each training fold alone
    (so no test post leaks into them) and the sentence embeddings of all posts are computed once.
    """

    def __init__(self, texts: Sequence[str | None], embeddings: np.ndarray | None = None):
        self.normalised = normalise_all(texts)
        self.embeddings = embeddings
        self._cache: dict[tuple[int, str], tuple[np.ndarray, Any, Any]] = {}

    def matrices(self, fold: int, train: np.ndarray, test: np.ndarray, algorithm: str) -> tuple[Any, Any]:
        """(training rows, test rows) of fold `fold` for `algorithm`'s features."""
        key = (fold, algorithm)  # only the n-grams are kept: the rest is cheap to slice or stack
        if key in self._cache and np.array_equal(self._cache[key][0], train):
            return self._cache[key][1], self._cache[key][2]
        if algorithm == "linear":
            vectorizer = HashedTfidf().fit([self.normalised[i] for i in train])
            X_train = vectorizer.transform([self.normalised[i] for i in train])
            X_test = vectorizer.transform([self.normalised[i] for i in test])
        elif self.embeddings is None:
            raise ValueError(f"{algorithm} needs the posts' embeddings")
        elif algorithm == "embedding":
            return self.embeddings[train], self.embeddings[test]
        else:  # built again for each candidate: a copy of the n-grams per fold would double the memory
            ngrams_train, ngrams_test = self.matrices(fold, train, test, "linear")
            return (sp.hstack([ngrams_train, sp.csr_matrix(self.embeddings[train])], format="csr"),
                    sp.hstack([ngrams_test, sp.csr_matrix(self.embeddings[test])], format="csr"))
        self._cache[key] = (train, X_train, X_test)
        return X_train, X_test


class CrossValidation:
    """Out-of-fold predictions and agreement figures for one algorithm.

    Parameters
    ----------
    algorithm, multi_label, C, class_weight, encoder : passed to each fold's `TextClassifier`.
    n_splits : folds (fewer when the rarest code has fewer examples; never below 2).
    learning_curve : also fit on 20–80 % of each training fold.
    random_state : seeds the folds and the models.

    Attributes
    ----------
    n_splits_ : folds used.
    classes_ : every code seen in the labels.
    oof_proba_ : out-of-fold probabilities (columns `classes_`).
    oof_pred_ : out-of-fold predicted codes, one list per post.
    scores_ : `score_predictions` of `oof_pred_` against the labels.
    fold_scores_ : macro-F1 on each fold's test posts (model selection's bias estimate uses them).
    learning_curve_ : list of {"fraction", "n_labels", "macro_f1"}.
    """

    def __init__(self, algorithm: str = "linear", *, multi_label: bool = False, n_splits: int = 5,
                 learning_curve: bool = True, C: float = 10.0, class_weight: str | None = "balanced",
                 encoder: Any = None, random_state: int = 0):
        self.algorithm = algorithm
        self.multi_label = multi_label
        self.n_splits = n_splits
        self.learning_curve = learning_curve
        self.C = C
        self.class_weight = class_weight
        self.encoder = encoder
        self.random_state = random_state

    def _model(self) -> TextClassifier:
        return TextClassifier(self.algorithm, multi_label=self.multi_label, C=self.C, class_weight=self.class_weight,
                              encoder=self.encoder, random_state=self.random_state)

    def _splits(self, labels: Sequence[Sequence[str]]) -> list[tuple[np.ndarray, np.ndarray]]:
        n = len(labels)
        if self.multi_label:
            splitter = KFold(self.n_splits_, shuffle=True, random_state=self.random_state)
            return list(splitter.split(np.zeros(n)))
        splitter = StratifiedKFold(self.n_splits_, shuffle=True, random_state=self.random_state)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*least populated class.*")
            return list(splitter.split(np.zeros(n), [codes[0] for codes in labels]))

    def _fit_predict(self, texts: Sequence[str | None], labels: Sequence[Sequence[str]], train: np.ndarray,
                     test: np.ndarray, embeddings: np.ndarray | None, shared: tuple[FoldFeatures, int] | None = None
                     ) -> tuple[np.ndarray, list[list[str]]] | None:
        """Probabilities (columns `classes_`) and codes for `test`, or None when `train` cannot be learnt from.

        With `shared` (the fold features and the fold's number) the features come from there."""
        train_labels = [labels[i] for i in train]
        if len({c for codes in train_labels for c in codes}) < 2 and not self.multi_label:
            return None
        model = self._model()
        try:
            if shared is None:
                model.fit([texts[i] for i in train], train_labels,
                          embeddings=None if embeddings is None else embeddings[train])
            else:
                X_train, X_test = shared[0].matrices(shared[1], train, test, self.algorithm)
                model.fit_matrix(X_train, train_labels)
        except ModelError:
            return None
        if shared is None:
            proba = model.predict_proba([texts[i] for i in test],
                                        embeddings=None if embeddings is None else embeddings[test])
        else:
            proba = model.predict_proba_matrix(X_test)
        out = np.zeros((len(test), len(self.classes_)))
        column = {c: j for j, c in enumerate(self.classes_)}
        for j, code in enumerate(model.classes_):
            out[:, column[code]] = proba[:, j]
        return out, model.decide(proba)

    def fit(self, texts: Sequence[str | None], labels: Sequence[Sequence[str]], *,
            embeddings: np.ndarray | None = None, progress: Progress | None = None,
            features: FoldFeatures | None = None) -> CrossValidation:
        """Cross-validate; `features` shares fold matrices with other candidates (it holds the embeddings)."""
        check_training_set(labels, self.multi_label, "the training set")
        if features is not None:
            embeddings = features.embeddings
        if uses_embeddings(self.algorithm) and embeddings is None:
            embeddings = self._model().embed(texts)
        self.n_splits_ = n_folds(labels, self.multi_label, self.n_splits)
        self.classes_ = np.asarray(sorted({c for codes in labels for c in codes}), dtype=object)
        folds = self._splits(labels)
        self._folds = folds
        label = f"cross-validating {self.algorithm}"
        self.oof_proba_ = np.zeros((len(labels), len(self.classes_)))
        self.oof_pred_: list[list[str]] = [[] for _ in labels]
        for step, (train, test) in enumerate(folds, start=1):
            fitted = self._fit_predict(texts, labels, train, test, embeddings,
                                       None if features is None else (features, step))
            if fitted is not None:
                self.oof_proba_[test] = fitted[0]
                for i, codes in zip(test, fitted[1], strict=True):
                    self.oof_pred_[i] = codes
            if progress:
                progress(label, step, len(folds))
        self.scores_ = score_predictions(labels, self.oof_pred_, self.classes_.tolist(), multi_label=self.multi_label)
        self.scores_["folds"] = self.n_splits_
        self.fold_scores_ = [score_predictions([labels[i] for i in test], [self.oof_pred_[i] for i in test],
                                               self.classes_.tolist(), multi_label=self.multi_label)["macro_f1"]
                             for _, test in folds]
        self.learning_curve_: list[dict[str, Any]] = []
        if self.learning_curve:
            self.add_learning_curve(texts, labels, embeddings=embeddings, progress=progress)
        return self

    def add_learning_curve(self, texts: Sequence[str | None], labels: Sequence[Sequence[str]], *,
                           embeddings: np.ndarray | None = None, progress: Progress | None = None) -> CrossValidation:
        """Macro-F1 when each training fold is cut to 20, 40, 60 and 80 % (same folds, same test posts)."""
        if uses_embeddings(self.algorithm) and embeddings is None:
            embeddings = self._model().embed(texts)
        rng = np.random.default_rng(self.random_state)
        total = len(self._folds) * len(LEARNING_CURVE_FRACTIONS)
        step = 0
        curve = []
        for fraction in LEARNING_CURVE_FRACTIONS:
            pred: list[list[str]] = [[] for _ in labels]
            sizes = []
            for train, test in self._folds:
                keep = np.sort(rng.permutation(train)[:max(2, round(fraction * len(train)))])
                sizes.append(len(keep))
                fitted = self._fit_predict(texts, labels, keep, test, embeddings)
                if fitted is not None:
                    for i, codes in zip(test, fitted[1], strict=True):
                        pred[i] = codes
                step += 1
                if progress:
                    progress(f"learning curve of {self.algorithm}", step, total)
            scored = score_predictions(labels, pred, self.classes_.tolist(), multi_label=self.multi_label)
            curve.append({"fraction": fraction, "n_labels": round(float(np.mean(sizes))),
                          "macro_f1": scored["macro_f1"]})
        curve.append({"fraction": 1.0, "n_labels": round(float(np.mean([len(t) for t, _ in self._folds]))),
                      "macro_f1": self.scores_["macro_f1"]})
        self.learning_curve_ = curve
        return self
