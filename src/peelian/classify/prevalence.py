"""How common each code is in the corpus, with the classifier's measured error corrected.

Counting predicted codes ("classify and count") is biased whenever the classifier errs: a
code the model over-predicts looks more common than it is. Adjusted classify-and-count
inverts the error measured in cross-validation:

- single-label: with M[i, j] = P(predicted j | true i) from the CV confusion matrix and q the
  observed shares of predicted codes, the true shares p solve q = Mᵀp; the least-squares
  solution is clipped to [0, 1] and renormalised to sum to one;
- multi-label: per code, p = (q − fpr) / (tpr − fpr), clipped to [0, 1] (left unadjusted,
  with a note, when tpr − fpr < 0.05 and the inversion would only amplify noise).

The interval is a parametric bootstrap: each resample redraws the confusion matrix (row by
row, from its own rates and support) and the predicted counts (from their shares), and solves
again; the percentiles of the resampled shares bound the interval.

Posts with a gold label count with that label (gold always wins); the correction applies to
the posts known only through predictions. Starter models have no measured error, so their
shares are reported raw and marked unvalidated.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from peelian.classify.apply import usable_model
from peelian.errors import ModelError
from peelian.store.project import Project

MIN_YOUDEN = 0.05


def _solve_single(rates: np.ndarray, observed: np.ndarray) -> np.ndarray:
    p, *_ = np.linalg.lstsq(rates.T, observed, rcond=None)
    p = np.clip(p, 0.0, 1.0)
    total = p.sum()
    return p / total if total > 0 else observed


class AdjustedClassifyCount:
    """Misclassification-corrected shares from a confusion matrix and predicted counts.

    Parameters
    ----------
    n_boot : bootstrap resamples for the interval (0: no interval).
    level : coverage of the interval.
    random_state : seed of the bootstrap.

    Attributes
    ----------
    classes_ : codes, in the order of the other attributes.
    raw_ : observed share of each predicted code.
    adjusted_ : corrected share.
    ci_low_, ci_high_ : interval bounds (NaN without bootstrap).
    notes_ : per-code remarks (e.g. left unadjusted).
    """

    def __init__(self, n_boot: int = 1000, level: float = 0.95, random_state: int = 0):
        self.n_boot = n_boot
        self.level = level
        self.random_state = random_state

    def fit(self, confusion: dict[str, Any], predicted_counts: dict[str, int], n_posts: int, *,
            multi_label: bool) -> AdjustedClassifyCount:
        """`confusion`: the evaluation's confusion entry; `predicted_counts`: posts predicted per code."""
        if n_posts <= 0:
            raise ModelError("no predicted posts to estimate shares from; apply the model first")
        rng = np.random.default_rng(self.random_state)
        tail = (1 - self.level) / 2
        self.notes_: dict[str, str] = {}
        if multi_label:
            self._fit_multi(confusion, predicted_counts, n_posts, rng)
        else:
            self._fit_single(confusion, predicted_counts, n_posts, rng)
        if self.n_boot > 0:
            self.ci_low_ = np.quantile(self._draws, tail, axis=0)
            self.ci_high_ = np.quantile(self._draws, 1 - tail, axis=0)
        else:
            self.ci_low_ = self.ci_high_ = np.full(len(self.classes_), np.nan)
        return self

    def _fit_single(self, confusion: dict[str, Any], predicted_counts: dict[str, int], n_posts: int,
                    rng: np.random.Generator) -> None:
        self.classes_ = list(confusion["labels"])
        counts = np.asarray(confusion["matrix"], dtype=float)
        support = counts.sum(axis=1)
        rates = np.divide(counts, support[:, None], out=np.eye(len(support)), where=support[:, None] > 0)
        observed = np.array([predicted_counts.get(c, 0) for c in self.classes_], dtype=float) / n_posts
        self.raw_ = observed
        self.adjusted_ = _solve_single(rates, observed)
        draws = []
        for _ in range(self.n_boot):
            boot_rates = np.array([rng.multinomial(int(n), row) / n if n > 0 else row
                                   for n, row in zip(support, rates, strict=True)])
            boot_observed = (rng.multinomial(n_posts, observed / observed.sum()) / n_posts if observed.sum()
                             else observed)
            draws.append(_solve_single(boot_rates, boot_observed))
        self._draws = np.array(draws) if draws else np.zeros((0, len(self.classes_)))

    def _fit_multi(self, confusion: dict[str, Any], predicted_counts: dict[str, int], n_posts: int,
                   rng: np.random.Generator) -> None:
        matrices = confusion["matrices"]
        self.classes_ = list(matrices)
        raw, adjusted, draws = [], [], []
        for code in self.classes_:
            (tn, fp), (fn, tp) = matrices[code]
            pos, neg = tp + fn, tn + fp
            tpr = tp / pos if pos else 1.0
            fpr = fp / neg if neg else 0.0
            q = predicted_counts.get(code, 0) / n_posts
            raw.append(q)
            adjust = tpr - fpr >= MIN_YOUDEN
            if not adjust:
                self.notes_[code] = (f"left unadjusted: the model barely separates this code "
                                     f"(true-positive rate {tpr:.2f}, false-positive rate {fpr:.2f})")
            adjusted.append(float(np.clip((q - fpr) / (tpr - fpr), 0, 1)) if adjust else q)
            boot_tpr = rng.binomial(pos, tpr, self.n_boot) / pos if pos else np.full(self.n_boot, tpr)
            boot_fpr = rng.binomial(neg, fpr, self.n_boot) / neg if neg else np.full(self.n_boot, fpr)
            boot_q = rng.binomial(n_posts, q, self.n_boot) / n_posts
            youden = boot_tpr - boot_fpr
            boot = np.where(youden >= MIN_YOUDEN, np.clip((boot_q - boot_fpr) / np.maximum(youden, MIN_YOUDEN), 0, 1),
                            boot_q) if adjust else boot_q
            draws.append(boot)
        self.raw_ = np.array(raw)
        self.adjusted_ = np.array(adjusted)
        self._draws = np.column_stack(draws) if draws else np.zeros((self.n_boot, 0))


def estimate_prevalence(project: Project, dimension: str, *, model_id: str | None = None, n_boot: int = 1000,
                        level: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """Share of each code among the posts in the dimension's scope: gold labels as they are, the
    rest from the model's stored predictions, corrected for its cross-validated error.

    Returns {"dimension", "model_id", "validated", "adjusted", "method", "level", "n_posts",
    "n_gold", "n_predicted", "n_without_label", "codes": [{"code", "gold_count",
    "predicted_count", "raw_share", "share", "ci_low", "ci_high", "note"}], "note"}.
    """
    info, dim = usable_model(project, dimension, model_id)
    scope = dim.scope_sql("p")
    cur = project.cursor()
    try:
        rows = cur.execute(f"""
            WITH g AS (SELECT platform, post_id, codes FROM gold WHERE dimension = $dim
                       QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY gold_id DESC) = 1),
                 m AS (SELECT platform, post_id, codes FROM predictions WHERE model_id = $model),
                 s AS (SELECT g.codes AS gold, m.codes AS pred FROM posts p
                       LEFT JOIN g USING (platform, post_id) LEFT JOIN m USING (platform, post_id) WHERE {scope})
            SELECT 'gold' AS source, code, count(*) FROM (SELECT unnest(gold) AS code FROM s WHERE gold IS NOT NULL)
                GROUP BY code
            UNION ALL
            SELECT 'model', code, count(*) FROM (SELECT unnest(pred) AS code FROM s WHERE gold IS NULL
                AND pred IS NOT NULL) GROUP BY code
            UNION ALL
            SELECT 'n_' || CASE WHEN gold IS NOT NULL THEN 'gold' WHEN pred IS NOT NULL THEN 'predicted'
                   ELSE 'without_label' END, NULL, count(*) FROM s GROUP BY 1""",
            {"dim": dim.id, "model": info.model_id}).fetchall()
    finally:
        cur.close()
    totals = {source: n for source, code, n in rows if code is None}
    gold_counts = {code: n for source, code, n in rows if source == "gold"}
    predicted_counts = {code: n for source, code, n in rows if source == "model"}
    n_gold = totals.get("n_gold", 0)
    n_pred = totals.get("n_predicted", 0)
    evaluation = info.evaluation or {}
    adjustable = info.validated and "confusion" in evaluation and n_pred > 0
    estimator = None
    if adjustable:
        estimator = AdjustedClassifyCount(n_boot=n_boot, level=level, random_state=seed).fit(
            evaluation["confusion"], predicted_counts, n_pred, multi_label=dim.multi_label)
    n_labelled = n_gold + n_pred
    codes = []
    for code in dim.code_ids():
        gold_n = gold_counts.get(code, 0)
        pred_n = predicted_counts.get(code, 0)
        entry: dict[str, Any] = {"code": code, "gold_count": gold_n, "predicted_count": pred_n,
                                 "raw_share": (gold_n + pred_n) / n_labelled if n_labelled else None,
                                 "share": None, "ci_low": None, "ci_high": None, "note": None}
        if estimator is not None and code in estimator.classes_:
            k = estimator.classes_.index(code)
            # gold posts count as they are; the corrected share applies to the predicted ones
            low, share, high = ((gold_n + n_pred * float(v[k])) / n_labelled
                                for v in (estimator.ci_low_, estimator.adjusted_, estimator.ci_high_))
            entry["share"] = share
            if n_boot > 0:
                entry["ci_low"], entry["ci_high"] = low, high
            entry["note"] = estimator.notes_.get(code)
        elif estimator is not None:
            entry["share"] = gold_n / n_labelled
            entry["note"] = "the model never predicts this code; only gold labels count"
        else:
            entry["share"] = entry["raw_share"]
        codes.append(entry)
    if not info.validated:
        note = "UNVALIDATED starter model: shares are raw counts of its predictions, not corrected for error"
    elif n_pred == 0:
        note = "no predictions from this model yet (run `peelian classify apply`); shares rest on gold labels only"
    else:
        note = None
    if estimator is not None:
        method = ("adjusted classify-and-count (cross-validated confusion matrix inverted; clipped and renormalised), "
                  "parametric bootstrap interval; gold labels counted as they are")
    elif n_pred == 0:
        method = "gold labels only"
    else:
        method = "classify-and-count (no correction)"
    return {
        "dimension": dim.id, "model_id": info.model_id, "validated": info.validated, "adjusted": estimator is not None,
        "method": method,
        "level": level, "n_boot": n_boot if estimator is not None else 0, "n_posts": sum(totals.values()),
        "n_gold": n_gold, "n_predicted": n_pred, "n_without_label": totals.get("n_without_label", 0),
        "multi_label": dim.multi_label, "codes": codes, "note": note,
    }
