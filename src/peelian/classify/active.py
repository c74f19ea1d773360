"""Active learning: which posts to code next so the classifier improves fastest.

`propose_uncertain` picks the posts the current model is least sure about (uncertainty
sampling) and keeps a random share: the uncertain posts teach the model most, while the
random ones stay an unbiased sample of the population, so gold labels from them can still
measure the model's error honestly (`peelian classify evaluate` scores a model on gold it has
not seen). Two measures of uncertainty:

- `least_confidence` (default): lowest stored `predictions.probability` — the probability of
  the predicted code, or for multi-label the least sure per-code decision;
- `margin`: smallest gap between the two most probable codes (multi-label: the smallest
  distance of any code's probability from its threshold).

Eligible posts are in the dimension's scope, have text, have no gold label and no coding on
the dimension, and are in no sample yet (they are waiting to be coded already). The model's
predictions are brought up to date first (resumable, see `apply_model`).

The `uncertainty` strategy is registered with `peelian.coding.samples`, so
`peelian sample create PROJECT --name round2 --size 200 --strategy uncertainty --dimension mode`
uses it; the sample's params record the model and which posts were the random share.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson

from peelian.classify.apply import apply_model, usable_model
from peelian.classify.registry import load_classifier
from peelian.coding.samples import SamplingContext
from peelian.errors import ModelError, SampleError
from peelian.store.project import Project

MEASURES = ("least_confidence", "margin")
PostKey = tuple[str, str]
_CHUNK = 50_000


class UncertaintySampler:
    """Uncertain posts plus a random share, from one model's predictions.

    Parameters
    ----------
    size : posts to propose.
    random_share : share of `size` drawn at random from the eligible posts (0 to 1).
    measure : "least_confidence" or "margin".
    seed : seeds the random share and the final order.
    model_id : the model to use (default: the dimension's current model).

    Attributes
    ----------
    model_id_, validated_ : the model used.
    uncertain_ : the uncertainty-sampled posts, most uncertain first.
    random_ : the random share.
    selected_ : both, shuffled together (so a sample's overlap mixes them).
    """

    def __init__(self, size: int, *, random_share: float = 0.2, measure: str = "least_confidence", seed: int = 0,
                 model_id: str | None = None):
        self.size = size
        self.random_share = random_share
        self.measure = measure
        self.seed = seed
        self.model_id = model_id

    def fit(self, project: Project, dimension: str, *, population_sql: str | None = None,
            progress: Callable[[int, int], None] | None = None) -> UncertaintySampler:
        """`population_sql` (selecting platform, post_id) narrows the eligible posts further."""
        if self.size < 1:
            raise SampleError("the sample size must be at least 1")
        if not 0.0 <= self.random_share <= 1.0:
            raise SampleError(f"the random share must lie between 0 and 1, got {self.random_share}")
        if self.measure not in MEASURES:
            raise SampleError(f"unknown uncertainty measure {self.measure!r} (use {' or '.join(MEASURES)})")
        info, dim = usable_model(project, dimension, self.model_id)
        apply_model(project, dimension, model_id=info.model_id, progress=progress)
        self.model_id_ = info.model_id
        self.validated_ = info.validated
        eligible = (
            f"FROM predictions r JOIN posts p USING (platform, post_id) WHERE r.model_id = $model "
            f"AND {dim.scope_sql('p')} AND coalesce(trim(p.text), '') <> '' "
            "AND NOT EXISTS (SELECT 1 FROM gold g WHERE g.dimension = $dim AND g.platform = p.platform "
            "AND g.post_id = p.post_id) "
            "AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.dimension = $dim AND c.platform = p.platform "
            "AND c.post_id = p.post_id) "
            "AND NOT EXISTS (SELECT 1 FROM sample_items s WHERE s.platform = p.platform AND s.post_id = p.post_id)"
        )
        if population_sql:
            eligible += (f" AND EXISTS (SELECT 1 FROM ({population_sql}) pop WHERE pop.platform = p.platform "
                         "AND pop.post_id = p.post_id)")
        params = {"model": info.model_id, "dim": dim.id}
        available = project.scalar(f"SELECT count(*) {eligible}", params)
        if available < self.size:
            raise SampleError(f"only {available:,} posts are eligible (in scope, with text, not yet coded or "
                              f"sampled); ask for at most {available:,}")
        n_random = round(self.size * self.random_share)
        n_uncertain = self.size - n_random
        if self.measure == "least_confidence":
            rows = project.query(f"SELECT r.platform, r.post_id {eligible} ORDER BY r.probability ASC, "
                                 "hash(r.platform || ':' || r.post_id) LIMIT $n", {**params, "n": n_uncertain})
            self.uncertain_ = [(r["platform"], r["post_id"]) for r in rows]
        else:
            self.uncertain_ = self._smallest_margins(project, eligible, params, n_uncertain, load_classifier(info.path))
        taken = set(self.uncertain_)
        rng = np.random.default_rng(self.seed)
        self.random_ = []
        if n_random:
            rows = project.query(f"SELECT r.platform, r.post_id {eligible} ORDER BY "
                                 "hash(r.platform || ':' || r.post_id || ':' || $seed) LIMIT $n",
                                 {**params, "seed": str(self.seed), "n": n_random + len(taken)})
            self.random_ = [k for k in ((r["platform"], r["post_id"]) for r in rows) if k not in taken][:n_random]
        selected = self.uncertain_ + self.random_
        self.selected_ = [selected[i] for i in rng.permutation(len(selected))]
        return self

    @staticmethod
    def _smallest_margins(project: Project, eligible: str, params: dict[str, Any], n: int, classifier: Any
                          ) -> list[PostKey]:
        """Stream the stored probabilities and keep the n smallest margins (bounded memory)."""
        classes = classifier.classes_.tolist()
        best: list[tuple[float, int, PostKey]] = []  # max-heap by margin via negation
        counter = 0
        cur = project.cursor()
        try:
            reader = cur.sql(f"SELECT r.platform, r.post_id, r.probabilities {eligible} ORDER BY r.platform, r.post_id",
                             params=params).to_arrow_reader(_CHUNK)
            for batch in reader:
                keys = list(zip(batch.column(0).to_pylist(), batch.column(1).to_pylist(), strict=True))
                probabilities = [orjson.loads(p) for p in batch.column(2).to_pylist()]
                proba = np.array([[p.get(c, 0.0) for c in classes] for p in probabilities])
                margins = classifier.margin(proba)
                for key, margin in zip(keys, margins.tolist(), strict=True):
                    counter += 1
                    item = (-margin, -counter, key)
                    if len(best) < n:
                        heapq.heappush(best, item)
                    elif item > best[0]:
                        heapq.heapreplace(best, item)
        finally:
            cur.close()
        return [key for _, _, key in sorted(best, reverse=True)]


def propose_uncertain(project: Project, dimension: str, size: int, random_share: float = 0.2, seed: int = 0, *,
                      measure: str = "least_confidence", model_id: str | None = None) -> list[PostKey]:
    """(platform, post_id) of `size` posts to code next: the most uncertain plus a random share."""
    return UncertaintySampler(size, random_share=random_share, measure=measure, seed=seed,
                              model_id=model_id).fit(project, dimension).selected_


def uncertainty_strategy(ctx: SamplingContext) -> list[PostKey]:
    """The `uncertainty` sampling strategy of `create_sample` (needs a dimension)."""
    if ctx.dimension is None:
        raise SampleError("uncertainty sampling needs a dimension (--dimension), whose model measures uncertainty")
    try:
        sampler = UncertaintySampler(ctx.size, seed=ctx.seed).fit(ctx.project, ctx.dimension.id,
                                                                  population_sql=ctx.population_sql)
    except ModelError as exc:
        raise SampleError(str(exc)) from exc
    ctx.details.update({"model_id": sampler.model_id_, "model_validated": sampler.validated_,
                        "uncertainty_measure": sampler.measure, "random_share": sampler.random_share,
                        "random_posts": [list(k) for k in sampler.random_]})
    return sampler.selected_
