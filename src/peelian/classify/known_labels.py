"""From known labels to coded corpus in one step: gold from a file, then a linear model per dimension.

For a team that brings an earlier study's gold standard, and for the demo, whose generator
knows the true code of every post: the labels become gold (method `import`), a linear model is
cross-validated and trained on them, and applied to every post in scope, so the metrics have
coded shares (with the classifier's measured error) from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peelian.classify.apply import apply_model
from peelian.classify.training import train_model
from peelian.coding.gold import GoldImportReport, import_gold
from peelian.store.project import Project


@dataclass
class KnownLabelsResult:
    gold: GoldImportReport
    models: list[dict[str, Any]]


def code_from_known_labels(project: Project, labels_csv: str | Path, *, dimensions: tuple[str, ...],
                           per_dimension: int | None = None, seed: int = 0,
                           decided_by: str | None = None) -> KnownLabelsResult:
    gold = import_gold(project, labels_csv, per_dimension=per_dimension, seed=seed, decided_by=decided_by,
                       reason="known label imported from " + Path(labels_csv).name)
    models = []
    for dimension in dimensions:
        if not gold.per_dimension.get(dimension):
            continue
        trained = train_model(project, dimension, algorithm="linear", seed=seed, learning_curve=False)
        applied = apply_model(project, dimension, model_id=trained.model.model_id)
        models.append({"dimension": dimension, "model_id": trained.model.model_id,
                       "gold_labels": gold.per_dimension[dimension],
                       "macro_f1": trained.evaluation.get("macro_f1"), "kappa": trained.evaluation.get("kappa"),
                       "predicted": applied.predicted})
    return KnownLabelsResult(gold=gold, models=models)
