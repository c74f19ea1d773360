"""Training and evaluating a project's classifiers on its gold labels.

`train_model` reads the gold labels of one dimension (`peelian.coding.gold.gold_labels`),
cross-validates each candidate algorithm, keeps the one with the best macro-F1 (or the one the
user named), fits it on every gold post and registers it with its evaluation. `evaluate_model`
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
from peelian.classify.evaluation import CrossValidation, Progress, check_training_set, score_predictions
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


def cross_validate_candidates(texts: list[str | None], labels: list[list[str]], *, multi_label: bool,
                              algorithm: str = AUTO, n_splits: int = 5, C: float = 10.0, seed: int = 0,
                              learning_curve: bool = True, progress: Progress | None = None
                              ) -> tuple[CrossValidation, dict[str, float | None]]:
    """Cross-validate every candidate and return the best (by macro-F1; ties go to the simpler)."""
    candidates = candidate_algorithms(algorithm)
    embeddings = None
    if any(uses_embeddings(a) for a in candidates):
        if progress:
            progress("embedding the labelled posts", 0, 1)
        embeddings = TextClassifier("embedding").embed(texts)
        if progress:
            progress("embedding the labelled posts", 1, 1)
    results = {}
    for name in candidates:
        cv = CrossValidation(name, multi_label=multi_label, n_splits=n_splits, learning_curve=False, C=C,
                             random_state=seed)
        results[name] = cv.fit(texts, labels, embeddings=embeddings, progress=progress)
    best = max(candidates, key=lambda a: (results[a].scores_["macro_f1"] or 0.0, -candidates.index(a)))
    if learning_curve:
        results[best].add_learning_curve(texts, labels, embeddings=embeddings, progress=progress)
    return results[best], {a: results[a].scores_["macro_f1"] for a in candidates}


def evaluation_record(cv: CrossValidation, candidates: dict[str, float | None], algorithm: str,
                      classifier: TextClassifier) -> dict[str, Any]:
    """The evaluation stored with a model (`models.evaluation`); the per-code figures are top level."""
    return {
        "validated": True,
        "method": f"{'shuffled' if cv.multi_label else 'stratified'} {cv.n_splits_}-fold cross-validation "
                  "on the gold labels",
        **cv.scores_,
        "learning_curve": cv.learning_curve_,
        "candidates": candidates,
        "chosen_by": "cross-validated macro-F1" if algorithm == AUTO else "named by the user",
        "calibration": classifier.calibration_,
        "skipped_codes": classifier.skipped_codes_,
    }


def train_model(project: Project, dimension: str, *, algorithm: str = AUTO, n_splits: int = 5, C: float = 10.0,
                seed: int = 0, learning_curve: bool = True, progress: Progress | None = None) -> TrainResult:
    """Cross-validate, fit on all gold labels of `dimension` and register the model."""
    codebook = active_codebook(project)
    dim = codebook.dimension(dimension)
    data = training_set(project, dim)
    check_training_set(data.labels, dim.multi_label, f"dimension {dim.id!r}")
    cv, candidates = cross_validate_candidates(data.texts, data.labels, multi_label=dim.multi_label,
                                               algorithm=algorithm, n_splits=n_splits, C=C, seed=seed,
                                               learning_curve=learning_curve, progress=progress)
    chosen = cv.algorithm
    if progress:
        progress(f"fitting {chosen} on all {len(data.labels)} gold posts", 0, 1)
    classifier = TextClassifier(chosen, multi_label=dim.multi_label, C=C, random_state=seed)
    classifier.fit(data.texts, data.labels)
    if progress:
        progress(f"fitting {chosen} on all {len(data.labels)} gold posts", 1, 1)
    evaluation = evaluation_record(cv, candidates, algorithm, classifier)
    evaluation["excluded"] = data.excluded
    evaluation["human_agreement"] = human_agreement(project, dim)
    info = register_model(
        project, classifier, dimension=dim.id, codebook_id=codebook.id, codebook_version=codebook.version,
        algorithm=chosen, validated=True, training_posts=data.keys, training_set_sha256=data.sha256(),
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

