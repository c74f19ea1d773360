"""Inter-coder reliability statistics, numpy only, usable without a project.

Reliability data follow Krippendorff's layout: a coders × units matrix of values, with
`None` (or NaN) where a coder did not code a unit. Every coefficient is computed from the
units × categories count matrix ("how many coders put unit u in category k"), which
handles missing data, any number of coders, and vectorises the bootstrap over units.

Coefficients (formulas and references in docs/coding.md):

- percent agreement: share of agreeing coder pairs per unit, averaged over units coded by two or more;
- Cohen's kappa (Cohen 1960) for two coders, and the mean over coder pairs (Light 1971);
- Fleiss' kappa (Fleiss 1971), generalised to units coded by different numbers of coders;
- Krippendorff's alpha (Krippendorff 2011) at the nominal, ordinal, interval and ratio levels;
- Gwet's AC1 (Gwet 2008; Gwet 2014) for two or more coders with missing data;
- Brennan–Prediger's kappa (Brennan & Prediger 1981), chance agreement 1/q.

`Reliability` is the analysis object (parameters in `__init__`, work in `fit`, results in
attributes ending in `_`); `analyse_long` runs it per dimension and per code on long data
(unit, coder, dimension, code), treating a multi-label dimension as one yes/no decision per code.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")
COEFFICIENTS = ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1",
                "brennan_prediger")
COEFFICIENT_LABELS = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa (mean of coder pairs)",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "brennan_prediger": "Brennan–Prediger kappa",
}
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667
LANDIS_KOCH = ((0.0, "poor"), (0.20, "slight"), (0.40, "fair"), (0.60, "moderate"), (0.80, "substantial"),
               (1.0, "almost perfect"))


# ---- data preparation -------------------------------------------------------------------------

def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def encode(data: Any, categories: Sequence[Hashable] | None = None) -> tuple[np.ndarray, list[Hashable]]:
    """A coders × units array of category indices (-1 = missing) and the category list.

    Categories default to the observed values, sorted (numerically when all are numbers),
    which is the order the ordinal, interval and ratio levels use.
    """
    rows = [list(r) for r in data]
    if not rows:
        raise ValueError("reliability data need at least one coder")
    width = len(rows[0])
    if any(len(r) != width for r in rows):
        raise ValueError("every coder's row must have one value per unit (None where missing)")
    observed = {v for r in rows for v in r if not _is_missing(v)}
    if categories is None:
        categories = _sorted_categories(observed)
    else:
        categories = list(categories)
        unknown = observed - set(categories)
        if unknown:
            raise ValueError(f"values not among the categories: {sorted(map(str, unknown))}")
    index = {c: i for i, c in enumerate(categories)}
    codes = np.array([[-1 if _is_missing(v) else index[v] for v in r] for r in rows], dtype=np.int64)
    return codes.reshape(len(rows), width), list(categories)


def _sorted_categories(values: Iterable[Hashable]) -> list[Hashable]:
    values = list(values)
    try:
        return sorted(values, key=lambda v: float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return sorted(values, key=str)


def unit_counts(codes: np.ndarray, n_categories: int) -> np.ndarray:
    """Units × categories: how many coders put each unit in each category."""
    n_units = codes.shape[1]
    counts = np.zeros((n_units, n_categories), dtype=np.float64)
    coder_idx, unit_idx = np.nonzero(codes >= 0)
    np.add.at(counts, (unit_idx, codes[coder_idx, unit_idx]), 1.0)
    return counts


def table_to_data(table: Sequence[Sequence[int]], categories: Sequence[Hashable] | None = None) -> list[list]:
    """Two coders' contingency table (rows: coder 1, columns: coder 2) as a 2 × units data matrix."""
    arr = np.asarray(table, dtype=int)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError("a contingency table must be square")
    cats = list(categories) if categories is not None else list(range(arr.shape[0]))
    first: list = []
    second: list = []
    for i in range(arr.shape[0]):
        for j in range(arr.shape[1]):
            first += [cats[i]] * int(arr[i, j])
            second += [cats[j]] * int(arr[i, j])
    return [first, second]


def counts_to_data(counts: Sequence[Sequence[int]], categories: Sequence[Hashable] | None = None) -> list[list]:
    """Fleiss-style subjects × categories counts as a coders × units data matrix (NaN-padded)."""
    arr = np.asarray(counts, dtype=int)
    cats = list(categories) if categories is not None else list(range(arr.shape[1]))
    per_unit = [[cats[k] for k in range(arr.shape[1]) for _ in range(int(arr[u, k]))] for u in range(arr.shape[0])]
    width = max(len(v) for v in per_unit)
    return [[v[i] if i < len(v) else None for v in per_unit] for i in range(width)]


# ---- coefficients from counts (vectorised over leading batch axes) -----------------------------

def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    return np.where(np.abs(den) < 1e-12, np.nan, out)


def _pairable(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = counts.sum(axis=-1)
    return m, (m >= 2)


def _observed_agreement(counts: np.ndarray) -> np.ndarray:
    m, ok = _pairable(counts)
    per_unit = _safe_ratio((counts * (counts - 1)).sum(axis=-1), m * (m - 1))
    per_unit = np.where(ok, per_unit, 0.0)
    return _safe_ratio(per_unit.sum(axis=-1), ok.sum(axis=-1).astype(float))


def _percent_agreement(counts: np.ndarray) -> np.ndarray:
    return _observed_agreement(counts)


def _fleiss(counts: np.ndarray) -> np.ndarray:
    _, ok = _pairable(counts)
    pa = _observed_agreement(counts)
    used = counts * ok[..., None]
    p = _safe_ratio(used.sum(axis=-2), used.sum(axis=(-2, -1))[..., None])
    pe = (p**2).sum(axis=-1)
    return _safe_ratio(pa - pe, 1.0 - pe)


def _gwet_ac1(counts: np.ndarray, q: int) -> np.ndarray:
    m = counts.sum(axis=-1)
    rated = m >= 1
    pa = _observed_agreement(counts)
    shares = np.where(rated[..., None], _safe_ratio(counts, np.where(rated, m, 1.0)[..., None]), 0.0)
    pi = _safe_ratio(shares.sum(axis=-2), rated.sum(axis=-1)[..., None].astype(float))
    pe = (pi * (1 - pi)).sum(axis=-1) / max(q - 1, 1)
    return _safe_ratio(pa - pe, 1.0 - pe)


def _brennan_prediger(counts: np.ndarray, q: int) -> np.ndarray:
    pa = _observed_agreement(counts)
    return (pa - 1.0 / q) / (1.0 - 1.0 / q) if q > 1 else np.full_like(pa, np.nan)


def _nanmean(arrays: list[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """Mean over coder pairs, ignoring pairs whose kappa is undefined."""
    if not arrays:
        return np.full(shape, np.nan)
    stacked = np.stack(arrays)
    finite = np.isfinite(stacked)
    total = np.where(finite, stacked, 0.0).sum(axis=0)
    return _safe_ratio(total, finite.sum(axis=0).astype(float))


def _delta2(level: str, values: np.ndarray, marginals: np.ndarray) -> np.ndarray:
    """Squared difference functions of Krippendorff (2011); `marginals` are the n_c (batched)."""
    q = values.shape[0]
    if level == "nominal":
        return 1.0 - np.eye(q)
    if level == "interval":
        return (values[:, None] - values[None, :]) ** 2
    if level == "ratio":
        total = values[:, None] + values[None, :]
        return np.nan_to_num(_safe_ratio(values[:, None] - values[None, :], total)) ** 2
    if level == "ordinal":
        cum = np.cumsum(marginals, axis=-1)
        lo = np.minimum(np.arange(q)[:, None], np.arange(q)[None, :])
        hi = np.maximum(np.arange(q)[:, None], np.arange(q)[None, :])
        before = np.where(lo > 0, np.take(cum, np.clip(lo - 1, 0, q - 1), axis=-1), 0.0)
        span = np.take(cum, hi, axis=-1) - before
        nc = marginals[..., :, None]
        nk = marginals[..., None, :]
        return (span - (nc + nk) / 2.0) ** 2
    raise ValueError(f"unknown level {level!r} (use one of {', '.join(LEVELS)})")


def _alpha(counts: np.ndarray, level: str, values: np.ndarray) -> np.ndarray:
    m, ok = _pairable(counts)
    weights = np.where(ok, 1.0 / np.where(ok, m - 1, 1.0), 0.0)
    outer = np.einsum("...uc,...uk,...u->...ck", counts, counts, weights)
    diag = np.einsum("...uc,...u->...c", counts, weights)
    q = counts.shape[-1]
    o = outer - diag[..., :, None] * np.eye(q)
    nc = o.sum(axis=-1)
    n = nc.sum(axis=-1)
    delta = _delta2(level, values, nc)
    d_o = (o * delta).sum(axis=(-2, -1))
    d_e = (nc[..., :, None] * nc[..., None, :] * delta).sum(axis=(-2, -1))
    return 1.0 - _safe_ratio((n - 1) * d_o, d_e)


def _cohen_from_tables(tables: np.ndarray) -> np.ndarray:
    """Cohen's kappa from (batched) q × q contingency tables."""
    n = tables.sum(axis=(-2, -1))
    po = _safe_ratio(np.trace(tables, axis1=-2, axis2=-1), n)
    rows = _safe_ratio(tables.sum(axis=-1), n[..., None])
    cols = _safe_ratio(tables.sum(axis=-2), n[..., None])
    pe = (rows * cols).sum(axis=-1)
    return _safe_ratio(po - pe, 1.0 - pe)


# ---- public functions -----------------------------------------------------------------------

def _prepare(data: Any, categories: Sequence[Hashable] | None) -> tuple[np.ndarray, list[Hashable], np.ndarray]:
    codes, cats = encode(data, categories)
    return codes, cats, unit_counts(codes, len(cats))


def percent_agreement(data: Any) -> float:
    """Share of agreeing coder pairs, averaged over the units coded by two or more coders."""
    return float(_percent_agreement(_prepare(data, None)[2]))


def cohen_kappa(first: Sequence[Any], second: Sequence[Any] | None = None, *,
                categories: Sequence[Hashable] | None = None) -> float:
    """Cohen's kappa of two coders over the units both coded (`cohen_kappa(a, b)` or `cohen_kappa([a, b])`)."""
    data = [first, second] if second is not None else first
    codes, cats = encode(data, categories)
    if codes.shape[0] != 2:
        raise ValueError("Cohen's kappa compares exactly two coders; use cohen_kappa_pairs for more")
    return float(_cohen_from_tables(confusion_matrix(codes[0], codes[1], len(cats))))


def cohen_kappa_pairs(data: Any, *, categories: Sequence[Hashable] | None = None) -> dict[tuple[int, int], float]:
    """Cohen's kappa for every pair of coders (row indices); their mean is Light's kappa."""
    codes, cats = encode(data, categories)
    return {(i, j): float(_cohen_from_tables(confusion_matrix(codes[i], codes[j], len(cats))))
            for i, j in combinations(range(codes.shape[0]), 2)}


def fleiss_kappa(data: Any, *, categories: Sequence[Hashable] | None = None) -> float:
    """Fleiss' kappa; units with fewer coders count with their own pair totals."""
    return float(_fleiss(_prepare(data, categories)[2]))


def krippendorff_alpha(data: Any, level: str = "nominal", *, categories: Sequence[Hashable] | None = None) -> float:
    """Krippendorff's alpha; ordinal uses the category order, interval and ratio their numeric values."""
    _, cats, counts = _prepare(data, categories)
    return float(_alpha(counts, level, _category_values(cats, level)))


def gwet_ac1(data: Any, *, categories: Sequence[Hashable] | None = None) -> float:
    """Gwet's AC1; q is the number of categories (pass `categories` to count unused ones)."""
    _, cats, counts = _prepare(data, categories)
    return float(_gwet_ac1(counts, len(cats)))


def brennan_prediger(data: Any, *, categories: Sequence[Hashable] | None = None) -> float:
    """Brennan–Prediger kappa with chance agreement 1/q (pass `categories` to count unused ones)."""
    _, cats, counts = _prepare(data, categories)
    return float(_brennan_prediger(counts, len(cats)))


def confusion_matrix(first: np.ndarray, second: np.ndarray, n_categories: int) -> np.ndarray:
    """q × q counts of the units both coders coded (rows: first coder)."""
    first = np.asarray(first)
    second = np.asarray(second)
    both = (first >= 0) & (second >= 0)
    flat = np.bincount(first[both] * n_categories + second[both], minlength=n_categories * n_categories)
    return flat.reshape(n_categories, n_categories).astype(np.float64)


def _category_values(categories: Sequence[Hashable], level: str) -> np.ndarray:
    if level in ("interval", "ratio"):
        try:
            values = np.array([float(c) for c in categories])  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the {level} level needs numeric values; got {list(categories)!r}") from exc
        if level == "ratio" and np.any(values < 0):
            raise ValueError("the ratio level needs values of zero or more")
        return values
    return np.arange(len(categories), dtype=np.float64)


def interpret(coefficient: str, value: float | None) -> str:
    """Guidance: Krippendorff's 0.800 / 0.667 for alpha, Landis & Koch (1977) bands for the kappas."""
    if value is None or not np.isfinite(value):
        return "not defined (no variation)"
    if coefficient == "krippendorff_alpha":
        if value >= ALPHA_RELIABLE:
            return "reliable (≥ 0.800)"
        if value >= ALPHA_TENTATIVE:
            return "tentative (≥ 0.667)"
        return "unreliable (< 0.667)"
    if coefficient == "percent_agreement":
        return "not chance-corrected"
    if value < 0:
        return "poor (< 0)"
    for upper, label in LANDIS_KOCH[1:]:
        if value <= upper + 1e-12:
            return f"{label} (Landis & Koch)"
    return "almost perfect (Landis & Koch)"


# ---- the analysis object --------------------------------------------------------------------

def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


@dataclass
class PairResult:
    """Agreement of one pair of coders."""

    coders: tuple[str, str]
    n_units: int
    percent_agreement: float | None
    cohen_kappa: float | None
    confusion: np.ndarray

    def to_dict(self, labels: list[str]) -> dict[str, Any]:
        return {"coders": list(self.coders), "n_units": self.n_units, "percent_agreement": self.percent_agreement,
                "cohen_kappa": self.cohen_kappa,
                "confusion": {"labels": labels, "rows": self.coders[0], "columns": self.coders[1],
                              "matrix": self.confusion.astype(int).tolist()}}


class Reliability:
    """All coefficients for one coding decision, with bootstrap confidence intervals.

    Parameters: the measurement `level` (used by Krippendorff's alpha), the `categories`
    (their number is q for AC1 and Brennan–Prediger; their order matters for ordinal), and the
    bootstrap: `n_bootstrap` resamples of units (0 for none), `confidence`, `seed`.

    `fit(data)` takes a coders × units matrix, or a units × decisions × coders array of
    category indices through `fit_codes` (used for multi-label dimensions, where the decisions
    of one unit are resampled together). Results: `coefficients_`, `intervals_`, `n_units_`
    (units coded by two or more coders), `n_units_total_`, `n_coders_`, `n_values_`,
    `categories_`, `pairwise_`.
    """

    def __init__(self, level: str = "nominal", categories: Sequence[Hashable] | None = None, *,
                 n_bootstrap: int = 1000, confidence: float = 0.95, seed: int = 0):
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r} (use one of {', '.join(LEVELS)})")
        if not 0 < confidence < 1:
            raise ValueError("confidence must lie between 0 and 1")
        self.level = level
        self.categories = list(categories) if categories is not None else None
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.seed = seed

    def fit(self, data: Any, coders: Sequence[str] | None = None) -> Reliability:
        codes, cats = encode(data, self.categories)
        return self.fit_codes(codes.T[:, None, :], cats, coders=coders)

    def fit_codes(self, codes: np.ndarray, categories: Sequence[Hashable],
                  coders: Sequence[str] | None = None) -> Reliability:
        """`codes`: units × decisions × coders category indices (-1 missing)."""
        codes = np.asarray(codes, dtype=np.int64)
        n_units, n_decisions, n_coders = codes.shape
        cats = list(categories)
        q = len(cats)
        self.categories_ = cats
        self.coders_ = list(coders) if coders is not None else [f"coder {i + 1}" for i in range(n_coders)]
        values = _category_values(cats, self.level)

        # units × decisions × categories
        counts = np.zeros((n_units, n_decisions, q))
        u, d, c = np.nonzero(codes >= 0)
        np.add.at(counts, (u, d, codes[u, d, c]), 1.0)
        m = counts.sum(axis=-1)
        self.n_units_total_ = int((m >= 1).any(axis=1).sum())
        self.n_units_ = int((m >= 2).any(axis=1).sum())
        self.n_values_ = int(m[m >= 2].sum())
        self.n_coders_ = int(((codes >= 0).any(axis=(0, 1))).sum())

        pairs = list(combinations(range(n_coders), 2))
        pair_codes = []
        for i, j in pairs:
            a, b = codes[:, :, i], codes[:, :, j]
            pair_codes.append(np.where((a >= 0) & (b >= 0), a * q + b, -1))

        def compute(flat_counts: np.ndarray, pair_flat: list[np.ndarray]) -> dict[str, np.ndarray]:
            tables = []
            for pc in pair_flat:
                ok = pc >= 0
                if pc.ndim == 1:
                    tables.append(np.bincount(pc[ok], minlength=q * q).reshape(q, q).astype(float))
                else:
                    batch = pc.shape[0]
                    offsets = np.arange(batch)[:, None] * (q * q)
                    flat = np.bincount((pc + offsets)[ok], minlength=batch * q * q)
                    tables.append(flat.reshape(batch, q, q).astype(float))
            mean_kappa = _nanmean([_cohen_from_tables(t) for t in tables], flat_counts.shape[:-2])
            return {
                "percent_agreement": _percent_agreement(flat_counts),
                "cohen_kappa": mean_kappa,
                "fleiss_kappa": _fleiss(flat_counts),
                "krippendorff_alpha": _alpha(flat_counts, self.level, values),
                "gwet_ac1": _gwet_ac1(flat_counts, q),
                "brennan_prediger": _brennan_prediger(flat_counts, q),
            }

        flat_counts = counts.reshape(n_units * n_decisions, q)
        point = compute(flat_counts, [pc.reshape(-1) for pc in pair_codes])
        self.coefficients_ = {k: _finite(v) for k, v in point.items()}
        if n_coders < 2:
            self.coefficients_ = dict.fromkeys(point, None)

        self.intervals_: dict[str, tuple[float | None, float | None]] = dict.fromkeys(point, (None, None))
        resample_units = np.nonzero((m >= 1).any(axis=1))[0]
        if self.n_bootstrap > 0 and self.n_units_ >= 2 and n_coders >= 2:
            rng = np.random.default_rng(self.seed)
            tail = (1 - self.confidence) / 2
            draws: dict[str, list[np.ndarray]] = {k: [] for k in point}
            for start in range(0, self.n_bootstrap, 250):
                size = min(250, self.n_bootstrap - start)
                idx = rng.choice(resample_units, size=(size, len(resample_units)), replace=True)
                b_counts = counts[idx].reshape(size, -1, q)
                b_pairs = [pc[idx].reshape(size, -1) for pc in pair_codes]
                for k, v in compute(b_counts, b_pairs).items():
                    draws[k].append(v)
            for k, parts in draws.items():
                sample = np.concatenate(parts)
                sample = sample[np.isfinite(sample)]
                if len(sample) >= max(20, self.n_bootstrap // 10) and self.coefficients_[k] is not None:
                    lo, hi = np.quantile(sample, [tail, 1 - tail])
                    self.intervals_[k] = (float(lo), float(hi))

        self.pairwise_: list[PairResult] = []
        for (i, j), pc in zip(pairs, pair_codes, strict=True):
            ok = pc.reshape(-1) >= 0
            table = np.bincount(pc.reshape(-1)[ok], minlength=q * q).reshape(q, q).astype(float)
            n_pair_units = int(((pc >= 0).any(axis=1)).sum())
            agree = _finite(np.trace(table) / table.sum()) if table.sum() else None
            self.pairwise_.append(PairResult(
                coders=(self.coders_[i], self.coders_[j]), n_units=n_pair_units, percent_agreement=agree,
                cohen_kappa=_finite(_cohen_from_tables(table)), confusion=table))
        return self

    def summary(self) -> dict[str, Any]:
        """Plain data: every figure with its CI, interpretation, and the n behind it."""
        labels = [str(c) for c in self.categories_]
        return {
            "level": self.level,
            "categories": labels,
            "n_units": self.n_units_,
            "n_units_total": self.n_units_total_,
            "n_coders": self.n_coders_,
            "coders": self.coders_,
            "n_values": self.n_values_,
            "coefficients": {
                k: {"value": v, "ci_low": self.intervals_[k][0], "ci_high": self.intervals_[k][1],
                    "interpretation": interpret(k, v)}
                for k, v in self.coefficients_.items()
            },
            "bootstrap": {"resamples": self.n_bootstrap, "confidence": self.confidence, "seed": self.seed,
                          "over": "units"},
            "pairwise": [p.to_dict(labels) for p in self.pairwise_],
        }


# ---- long data: per dimension and per code ---------------------------------------------------

@dataclass
class LongRecord:
    """One row of long reliability data; `code` None means the coder coded the unit with no code."""

    unit: Hashable
    coder: str
    dimension: str
    code: Hashable | None


def analyse_long(records: Iterable[LongRecord | tuple], *, multi_label: Iterable[str] | None = None,
                 levels: dict[str, str] | None = None, categories: dict[str, Sequence[Hashable]] | None = None,
                 coders: Sequence[str] | None = None, n_bootstrap: int = 1000, confidence: float = 0.95,
                 seed: int = 0) -> list[dict[str, Any]]:
    """Reliability per dimension and per code from long rows (unit, coder, dimension, code).

    A dimension is multi-label when named in `multi_label` or when any coder gave a unit more
    than one code; it is then analysed as one yes/no decision per code (the dimension figures
    pool those decisions, resampling whole units). A single-label dimension gets the figures at
    its `levels` entry (default nominal) and, per code, the yes/no decision "is it this code".
    """
    forced = set(multi_label or ())
    levels = levels or {}
    categories = categories or {}
    by_dim: dict[str, dict[tuple[Hashable, str], list[Hashable]]] = {}
    for rec in records:
        r = rec if isinstance(rec, LongRecord) else LongRecord(*rec)
        values = by_dim.setdefault(r.dimension, {}).setdefault((r.unit, r.coder), [])
        if r.code is not None and not _is_missing(r.code) and r.code not in values:
            values.append(r.code)
    results = []
    for dim, cells in by_dim.items():
        units = list(dict.fromkeys(u for u, _ in cells))
        dim_coders = list(coders) if coders is not None else list(dict.fromkeys(c for _, c in cells))
        unit_index = {u: i for i, u in enumerate(units)}
        coder_index = {c: i for i, c in enumerate(dim_coders)}
        is_multi = dim in forced or any(len(v) > 1 for v in cells.values())
        observed = {v for vals in cells.values() for v in vals}
        cats = list(categories[dim]) if dim in categories else _sorted_categories(observed)
        unknown = observed - set(cats)
        if unknown:
            raise ValueError(f"dimension {dim!r}: codes not among its categories: {sorted(map(str, unknown))}")
        level = "nominal" if is_multi else levels.get(dim, "nominal")
        cat_index = {c: i for i, c in enumerate(cats)}
        present = np.full((len(units), len(cats), len(dim_coders)), -1, dtype=np.int64)
        single = np.full((len(units), 1, len(dim_coders)), -1, dtype=np.int64)
        for (unit, coder), vals in cells.items():
            if coder not in coder_index:
                continue
            if not vals and not is_multi:
                continue
            u, c = unit_index[unit], coder_index[coder]
            present[u, :, c] = 0
            for v in vals:
                present[u, cat_index[v], c] = 1
            if vals and not is_multi:
                single[u, 0, c] = cat_index[vals[0]]
        params = {"n_bootstrap": n_bootstrap, "confidence": confidence, "seed": seed}
        if is_multi:
            overall = Reliability("nominal", ["no", "yes"], **params).fit_codes(present, ["no", "yes"], dim_coders)
        else:
            overall = Reliability(level, cats, **params).fit_codes(single, cats, dim_coders)
        summary = overall.summary()
        summary.update({"dimension": dim, "multi_label": is_multi, "level": level,
                        "categories": [str(c) for c in cats]})
        if is_multi:
            summary["pooled"] = "yes/no decisions per code, pooled over codes"
        per_code = []
        for k, cat in enumerate(cats):
            decision = present[:, k:k + 1, :]
            if not is_multi:
                decision = np.where(single >= 0, (single == k).astype(np.int64), -1)
            fitted = Reliability("nominal", ["no", "yes"], **params).fit_codes(decision, ["no", "yes"], dim_coders)
            code_summary = fitted.summary()
            values = decision[decision >= 0]
            code_summary.update({"code": str(cat), "prevalence": _finite(values.mean()) if values.size else None,
                                 "times_used": int((values == 1).sum())})
            per_code.append(code_summary)
        summary["per_code"] = per_code
        results.append(summary)
    return results
