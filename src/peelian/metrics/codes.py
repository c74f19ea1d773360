"""Codes behind the shares: codebook codes, source labels and the classifier's error.

A share computed from model predictions is biased by the model's errors: with
precision p and recall r for a code, the predicted count overstates the true count by
p/r on average. The misclassification-adjusted share corrects the predicted part by
p/r and carries the uncertainty of p, r (from the evaluation's support) and of the
sample into a 95% interval. The classifier's evaluation is read from
`models.evaluation` as `{"per_code": {code: {"precision", "recall", "support",
"predicted"?}}}` (support: gold items with the code in the test set; predicted: test
items predicted as the code, derived from support × recall ÷ precision when absent).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from peelian.store.project import Project

Z95 = 1.959963984540054


@lru_cache(maxsize=1)
def _default_codebook() -> Any:
    from peelian.coding.codebook import default_codebook

    return default_codebook()


def codebook(project: Project) -> Any:
    """The project's active codebook, or the default one; never writes to the project."""
    from peelian.coding.codebook import active_codebook

    if project.scalar("SELECT count(*) FROM codebooks WHERE is_active"):
        return active_codebook(project)
    return _default_codebook()


def code_ids(project: Project, dimension: str) -> list[str]:
    """The dimension's codes in codebook order; empty when the codebook lacks the dimension."""
    from peelian.errors import CodebookError

    try:
        return codebook(project).dimension(dimension).code_ids()
    except CodebookError:
        return []


def source_label(counts: Mapping[str, int]) -> str:
    """gold | predicted | heuristic when one source decided every coded post, mixed when several
    did, none when no post had a code."""
    used = [s for s in ("gold", "predicted", "heuristic") if counts.get(s)]
    if not used:
        return "all" if counts.get("all") else "none"
    return used[0] if len(used) == 1 else "mixed"


def code_error(evaluation: Mapping[str, Any] | None, code: str) -> tuple[float, float, float, float] | None:
    """(precision, recall, support, predicted) of one code from a model evaluation, if usable."""
    if not evaluation:
        return None
    entry = (evaluation.get("per_code") or {}).get(code)
    if not isinstance(entry, Mapping):
        return None
    try:
        precision, recall, support = float(entry["precision"]), float(entry["recall"]), float(entry["support"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (0 < precision <= 1 and 0 < recall <= 1 and support > 0):
        return None
    predicted = entry.get("predicted")
    predicted = float(predicted) if isinstance(predicted, int | float) and predicted > 0 else \
        support * recall / precision
    return precision, recall, support, predicted


def adjusted_share(n_scope: int, n_code: int, n_code_predicted: int, n_predicted: int,
                   error: tuple[float, float, float, float] | None) -> tuple[float, float, float] | None:
    """(adjusted share, low, high): the predicted part of the count scaled by precision ÷ recall.

    Var(adjusted count) ≈ k²·Var(P) + P²·Var(k), k = p/r, P the predicted count with the
    code, Var(P) = P(1 − P/N_pred) and Var(k)/k² = (1−p)/(p·n_pred_test) + (1−r)/(r·support).
    None when there is nothing predicted or no usable evaluation.
    """
    if error is None or n_scope <= 0 or n_predicted <= 0:
        return None
    precision, recall, support, predicted_test = error
    k = precision / recall
    other = n_code - n_code_predicted
    adjusted = other + n_code_predicted * k
    var_p = n_code_predicted * (1 - n_code_predicted / n_predicted)
    rel_var_k = (1 - precision) / (precision * predicted_test) + (1 - recall) / (recall * support)
    var = k * k * var_p + (n_code_predicted * k) ** 2 * rel_var_k
    share = adjusted / n_scope
    half = Z95 * math.sqrt(max(var, 0.0)) / n_scope
    return share, max(0.0, share - half), min(1.0, share + half)
