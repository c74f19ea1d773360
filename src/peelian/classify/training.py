"""Training and evaluating a project's classifiers on its gold labels.

`train_model` reads the gold labels of one dimension (`peelian.coding.gold.gold_labels`),
chooses a model by cross-validation over a small candidate set, fits it on every gold post and
registers it with its evaluation.

The candidates (`candidate_set`) are the three feature sets (word + character n-grams,
sentence embeddings, both) crossed with how hard the logistic regression is regularised
(C = 1, 10, 100: a few hundred labels want more regularisation than a few thousand) and, at
C = 10, with and without balanced class weights; every candidate is the full calibrated model.
All candidates see the same folds, the same per-fold n-gram features and embeddings computed
once. The one with the best cross-validated macro-F1 wins (ties go to the earlier, simpler one).

Choosing the best of several candidates on the same folds flatters the winner: its
cross-validated figures are "CV-on-selection". The evaluation says so and adds the
Tibshirani & Tibshirani (2009) estimate of that optimism, the mean over folds of how far the
winner falls short of the best candidate of each fold, with the macro-F1 less that estimate.
Only a held-out set (`benchmarks/classify.py --data`) or gold labels added after training
(`evaluate_model`'s `unseen_gold`) measure the chosen model on posts selection never saw. `evaluate_model`
shows that evaluation next to the human–human agreement of the coders
(`peelian.coding.reliability`), and scores the model on gold labels added since it was trained
(posts it has never seen: with active learning, the random share of each new sample).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from peelian.classify.embeddings import embeddings_available
from peelian.classify.evaluation import (
    CrossValidation,
    FoldFeatures,
    Progress,
    check_training_set,
    n_folds,
    score_predictions,
)
from peelian.classify.models import ALGORITHMS, TextClassifier, uses_embeddings
from peelian.classify.normalise import normalise
from peelian.classify.registry import (
    TRAINING_POSTS_FILE,
    ModelInfo,
    current_model,
    get_model,
    load_classifier,
    register_model,
)
from peelian.coding.codebook import Dimension, active_codebook
from peelian.errors import ModelError, NotFoundError
from peelian.store.project import Project

AUTO = "auto"
PostKey = tuple[str, str]


@dataclass
class TrainingSet:
    """Gold-labelled posts of one dimension with their texts, and what was left out and why."""

    keys: list[PostKey]
    texts: list[str | None]
    labels: list[list[str]]
    excluded: dict[str, int] = field(default_factory=dict)

    def sha256(self) -> str:
        """Fingerprint of posts, labels and normalised texts: equal hashes mean equal training data."""
        digest = hashlib.sha256()
        for (platform, post_id), text, codes in sorted(zip(self.keys, self.texts, self.labels, strict=True)):
            digest.update(f"{platform}\t{post_id}\t{'|'.join(sorted(codes))}\t{normalise(text)}\n".encode())
        return digest.hexdigest()


def texts_for(project: Project, keys: list[PostKey]) -> dict[PostKey, str | None]:
    """Post texts by (platform, post_id), in one query."""
    if not keys:
        return {}
    cur = project.cursor()
    try:
        rows = cur.execute(
            "SELECT p.platform, p.post_id, p.text FROM posts p JOIN "
            "(SELECT unnest(?) AS platform, unnest(?) AS post_id) k USING (platform, post_id)",
            [[k[0] for k in keys], [k[1] for k in keys]]).fetchall()
    finally:
        cur.close()
    return {(r[0], r[1]): r[2] for r in rows}


def training_set(project: Project, dim: Dimension) -> TrainingSet:
    """The latest gold label of every post on `dim` that can be trained on."""
    from peelian.coding.gold import gold_labels

    gold = gold_labels(project, dim.id)
    texts = texts_for(project, [(g[0], g[1]) for g in gold])
    known = set(dim.code_ids())
    out = TrainingSet([], [], [])
    for platform, post_id, codes in gold:
        reason = None
        if (platform, post_id) not in texts:
            reason = "post not in the project"
        elif not (texts[(platform, post_id)] or "").strip():
            reason = "post has no text"
        elif any(c not in known for c in codes):
            reason = "code not in the active codebook"
        elif not dim.multi_label and len(codes) != 1:
            reason = "single-label dimension without exactly one code"
        if reason:
            out.excluded[reason] = out.excluded.get(reason, 0) + 1
            continue
        out.keys.append((platform, post_id))
        out.texts.append(texts[(platform, post_id)])
        out.labels.append(list(codes))
    return out


def human_agreement(project: Project, dim: Dimension) -> dict[str, Any] | None:
    """Mean pairwise Cohen's kappa of the human coders on posts two or more of them coded.

    For multi-label dimensions it is the mean of the per-code yes/no kappas, as for the model.
    None when no post was coded by two coders.
    """
    from peelian.coding.codings import effective_codings
    from peelian.coding.reliability import LongRecord, analyse_long

    latest: dict[tuple[str, str, str], Any] = {}
    for c in effective_codings(project, dimension=dim.id):
        if c.is_value:
            key = (c.platform, c.post_id, c.coder)
            if key not in latest or c.coding_id > latest[key].coding_id:
                latest[key] = c
    known = set(dim.code_ids())
    records: list[LongRecord] = []
    for (platform, post_id, coder), c in latest.items():
        unit = f"{platform}:{post_id}"
        codes = [code for code in c.codes if code in known]
        if codes:
            records += [LongRecord(unit, coder, dim.id, code) for code in (codes if dim.multi_label else codes[:1])]
        elif dim.multi_label:
            records.append(LongRecord(unit, coder, dim.id, None))
    if not records:
        return None
    result = analyse_long(records, multi_label=[dim.id] if dim.multi_label else None,
                          categories={dim.id: dim.code_ids()}, n_bootstrap=0)[0]
    if not result["n_units"]:
        return None
    per_code = {r["code"]: r["coefficients"]["cohen_kappa"]["value"] for r in result["per_code"]}
    if dim.multi_label:
        values = [v for v in per_code.values() if v is not None]
        kappa = float(np.mean(values)) if values else None
    else:
        kappa = result["coefficients"]["cohen_kappa"]["value"]
    return {"kappa": kappa, "n_units": result["n_units"], "n_coders": result["n_coders"], "per_code": per_code,
            "percent_agreement": result["coefficients"]["percent_agreement"]["value"],
            "source": "peelian.coding.reliability: mean pairwise Cohen's kappa over posts coded by two or more "
                      "coders" + ("; mean of per-code yes/no kappas" if dim.multi_label else "")}


@dataclass
class TrainResult:
    """A newly registered model and how the candidates did."""

    model: ModelInfo
    evaluation: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model.to_dict(), "evaluation": self.evaluation}


def candidate_algorithms(algorithm: str) -> list[str]:
    if algorithm == AUTO:
        return list(ALGORITHMS) if embeddings_available() else ["linear"]
    if algorithm not in ALGORITHMS:
        raise ModelError(f"unknown algorithm {algorithm!r}; choose {AUTO} or one of {', '.join(ALGORITHMS)}")
    return [algorithm]


C_VALUES = (1.0, 10.0, 100.0)
UNWEIGHTED_C = 10.0


@dataclass(frozen=True)
class Candidate:
    """One model of the selection: feature set, regularisation and class weights."""

    algorithm: str
    C: float
    class_weight: str | None = "balanced"

    @property
    def name(self) -> str:
        return f"{self.algorithm} C={self.C:g}" + ("" if self.class_weight == "balanced" else " unweighted")

    def to_dict(self) -> dict[str, Any]:
        return {"algorithm": self.algorithm, "C": self.C, "class_weight": self.class_weight}


def candidate_set(algorithm: str = AUTO, C: float | None = None) -> list[Candidate]:
    """The candidates, simplest first: per feature set, C ascending, then the unweighted one.

    A named `algorithm` or `C` fixes that part of the choice."""
    c_values = C_VALUES if C is None else (C,)
    unweighted_c = UNWEIGHTED_C if C is None else C
    out = []
    for name in candidate_algorithms(algorithm):
        out += [Candidate(name, c) for c in c_values]
        out.append(Candidate(name, unweighted_c, None))
    return out


@dataclass
class Selection:
    """The outcome of `cross_validate_candidates`."""

    cv: CrossValidation
    chosen: Candidate
    candidates: dict[str, float | None]
    selection_bias: float | None
    embeddings: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        """What the evaluation stores about the choice."""
        macro_f1 = self.cv.scores_["macro_f1"]
        corrected = None if macro_f1 is None or self.selection_bias is None else macro_f1 - self.selection_bias
        return {
            "chosen": {"name": self.chosen.name, **self.chosen.to_dict()},
            "n_candidates": len(self.candidates),
            "macro_f1_is": "CV-on-selection" if len(self.candidates) > 1 else "cross-validated (no selection)",
            "selection_bias": self.selection_bias,
            "macro_f1_corrected": corrected,
            "note": ("the best of several candidates on the same folds: its cross-validated figures are "
                     "optimistic; selection_bias is the Tibshirani & Tibshirani (2009) estimate of by how much, "
                     "macro_f1_corrected the macro-F1 less it" if len(self.candidates) > 1 else
                     "a single candidate: the cross-validated figures involve no selection"),
        }


def selection_bias(fold_scores: dict[str, list[float | None]], chosen: str) -> float | None:
    """Tibshirani & Tibshirani (2009): the mean over folds of (best candidate's score on the fold −
    the chosen candidate's score on it). Zero when one candidate only; None without fold scores."""
    rows = [[s if s is not None else 0.0 for s in scores] for scores in fold_scores.values()]
    if not rows or any(len(r) != len(rows[0]) for r in rows) or not rows[0]:
        return None
    matrix = np.asarray(rows)
    best_per_fold = matrix.max(axis=0)
    return float(np.mean(best_per_fold - matrix[list(fold_scores).index(chosen)]))


def cross_validate_candidates(texts: list[str | None], labels: list[list[str]], *, multi_label: bool,
                              algorithm: str = AUTO, n_splits: int = 5, C: float | None = None, seed: int = 0,
                              learning_curve: bool = True, progress: Progress | None = None,
                              embeddings: np.ndarray | None = None) -> Selection:
    """Cross-validate every candidate on shared folds and features; the best macro-F1 wins.

    `embeddings` (one row per text, as `TextClassifier.embed` gives them) saves encoding the texts
    again when the caller already has them; otherwise they are computed here, once."""
    candidates = candidate_set(algorithm, C)
    if embeddings is not None and len(embeddings) != len(texts):
        raise ValueError("embeddings and texts differ in length")
    if embeddings is None and any(uses_embeddings(c.algorithm) for c in candidates):
        if progress:
            progress("embedding the labelled posts", 0, 1)
        embeddings = TextClassifier("embedding").embed(texts)
        if progress:
            progress("embedding the labelled posts", 1, 1)
    features = FoldFeatures(texts, embeddings)
    folds = n_folds(labels, multi_label, n_splits)
    stage = f"cross-validating {len(candidates)} candidate{'s' if len(candidates) > 1 else ''}"
    results: dict[str, CrossValidation] = {}
    for number, candidate in enumerate(candidates):
        def step(_label: str, done: int, _total: int | None, number: int = number) -> None:
            if progress:
                progress(stage, number * folds + done, len(candidates) * folds)

        cv = CrossValidation(candidate.algorithm, multi_label=multi_label, n_splits=n_splits, learning_curve=False,
                             C=candidate.C, class_weight=candidate.class_weight, random_state=seed)
        results[candidate.name] = cv.fit(texts, labels, features=features, progress=step)
    names = [c.name for c in candidates]
    best = max(range(len(candidates)), key=lambda i: (results[names[i]].scores_["macro_f1"] or 0.0, -i))
    chosen = candidates[best]
    if learning_curve:
        results[chosen.name].add_learning_curve(texts, labels, embeddings=embeddings, progress=progress)
    bias = selection_bias({n: results[n].fold_scores_ for n in names}, chosen.name)
    return Selection(results[chosen.name], chosen, {n: results[n].scores_["macro_f1"] for n in names}, bias,
                     embeddings)


def evaluation_record(selection: Selection, algorithm: str, classifier: TextClassifier) -> dict[str, Any]:
    """The evaluation stored with a model (`models.evaluation`); the per-code figures are top level."""
    cv = selection.cv
    info = selection.to_dict()
    method = (f"{'shuffled' if cv.multi_label else 'stratified'} {cv.n_splits_}-fold cross-validation "
              "on the gold labels")
    if info["n_candidates"] > 1:
        corrected = info["macro_f1_corrected"]
        method += (f"; the best of {info['n_candidates']} candidates on these folds ({selection.chosen.name}), "
                   "so the figures are CV-on-selection"
                   + ("" if corrected is None else f"; selection-corrected macro-F1 {corrected:.3f}"))
    return {
        "validated": True,
        "method": method,
        **cv.scores_,
        "learning_curve": cv.learning_curve_,
        "candidates": selection.candidates,
        "selection": info,
        "chosen_by": "cross-validated macro-F1" + ("" if algorithm == AUTO else " (algorithm named by the user)"),
        "calibration": classifier.calibration_,
        "skipped_codes": classifier.skipped_codes_,
    }


def select_and_fit(texts: list[str | None], labels: list[list[str]], *, multi_label: bool, algorithm: str = AUTO,
                   n_splits: int = 5, C: float | None = None, seed: int = 0, learning_curve: bool = True,
                   progress: Progress | None = None, embeddings: np.ndarray | None = None
                   ) -> tuple[TextClassifier, dict[str, Any]]:
    """Choose a model by cross-validation, fit it on every labelled post; the model and its evaluation.

    What `train_model` and `train_file` do with their labels, and what the benchmark measures."""
    selection = cross_validate_candidates(texts, labels, multi_label=multi_label, algorithm=algorithm,
                                          n_splits=n_splits, C=C, seed=seed, learning_curve=learning_curve,
                                          progress=progress, embeddings=embeddings)
    chosen = selection.chosen
    stage = f"fitting {chosen.name} on all {len(labels)} labelled posts"
    if progress:
        progress(stage, 0, 1)
    classifier = TextClassifier(chosen.algorithm, multi_label=multi_label, C=chosen.C,
                                class_weight=chosen.class_weight, random_state=seed)
    classifier.fit(texts, labels, embeddings=selection.embeddings if uses_embeddings(chosen.algorithm) else None)
    if progress:
        progress(stage, 1, 1)
    return classifier, evaluation_record(selection, algorithm, classifier)


def _not_yet_gold(project: Project, dimension: str) -> str:
    """What to do when coders' codings are there but are not gold labels yet: classifiers train on gold,
    and a newcomer who has coded a sample reads "0 labelled posts" as a fault; "" when there are none."""
    row = project.query("""
        SELECT count(DISTINCT (c.platform, c.post_id)) AS posts, min(c.sample_name) AS sample FROM codings c
        WHERE c.dimension = ? AND c.status = 'coded' AND NOT EXISTS (
            SELECT 1 FROM gold g WHERE g.platform = c.platform AND g.post_id = c.post_id AND g.dimension = c.dimension)
        """, [dimension])[0]
    if not row["posts"]:
        return ""
    sample = row["sample"] or "SAMPLE"
    return (f" ({row['posts']:,} coded post(s) have no gold label yet: make them gold with peelian adjudicate "
            f"PROJECT {sample} --majority [--include-single], or decide them with --adjudicator NAME)")


def train_model(project: Project, dimension: str, *, algorithm: str = AUTO, n_splits: int = 5,
                C: float | None = None,
                seed: int = 0, learning_curve: bool = True, progress: Progress | None = None) -> TrainResult:
    """Cross-validate, fit on all gold labels of `dimension` and register the model."""
    codebook = active_codebook(project)
    dim = codebook.dimension(dimension)
    data = training_set(project, dim)
    try:
        check_training_set(data.labels, dim.multi_label, f"dimension {dim.id!r}")
    except ModelError as exc:
        raise ModelError(f"{exc}{_not_yet_gold(project, dim.id)}") from None
    classifier, evaluation = select_and_fit(data.texts, data.labels, multi_label=dim.multi_label,
                                            algorithm=algorithm, n_splits=n_splits, C=C, seed=seed,
                                            learning_curve=learning_curve, progress=progress)
    evaluation["excluded"] = data.excluded
    evaluation["human_agreement"] = human_agreement(project, dim)
    info = register_model(
        project, classifier, dimension=dim.id, codebook_id=codebook.id, codebook_version=codebook.version,
        algorithm=classifier.algorithm, validated=True, training_posts=data.keys, training_set_sha256=data.sha256(),
        evaluation=evaluation, params=classifier.describe())
    return TrainResult(info, evaluation)


def resolve_model(project: Project, dimension: str, model_id: str | None) -> ModelInfo:
    """The named model (which must be for `dimension`), or the current one for the active codebook."""
    if model_id:
        info = get_model(project, model_id)
        if info.dimension != dimension:
            raise ModelError(f"model {model_id} classifies dimension {info.dimension!r}, not {dimension!r}")
        return info
    codebook = active_codebook(project)
    codebook.dimension(dimension)
    try:
        return current_model(project, dimension, codebook_version=codebook.version)
    except NotFoundError:
        return current_model(project, dimension)  # refused later, with the versions named


def evaluate_model(project: Project, dimension: str, *, model_id: str | None = None) -> dict[str, Any]:
    """The model's stored evaluation, the coders' agreement now, and its score on gold it never saw."""
    info = resolve_model(project, dimension, model_id)
    dim = active_codebook(project).dimension(dimension)
    data = training_set(project, dim)
    trained_on: set[PostKey] = set()
    path = info.path / TRAINING_POSTS_FILE
    if path.exists():
        trained_on = {(k[0], k[1]) for k in orjson.loads(path.read_bytes())}
    unseen = [i for i, k in enumerate(data.keys) if k not in trained_on]
    new_gold = None
    if unseen:
        classifier = load_classifier(info.path)
        predicted = classifier.predict([data.texts[i] for i in unseen])
        new_gold = score_predictions([data.labels[i] for i in unseen], predicted, classifier.classes_.tolist(),
                                     multi_label=classifier.multi_label)
    stored = info.evaluation or {}
    return {
        "model": info.to_dict(),
        "validated": info.validated,
        "cross_validation": stored if info.validated else None,
        "starter": None if info.validated else stored,
        "human_agreement": human_agreement(project, dim),
        "unseen_gold": new_gold,
        "unseen_gold_note": ("gold labels the model was not trained on" if info.validated
                             else "every gold label: a starter model is not trained on any"),
    }

