"""Intervals and honest rankings: Wilson intervals for proportions, the exact bootstrap interval
of a median, a bootstrap interval of the expectations distance, and ranks that tie groups whose
intervals overlap instead of ranking them apart on noise."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile
ALPHA = 0.05
BOOTSTRAP_SAMPLES = 2000


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of successes/n (Newcombe 1998, method 3); None when n is 0.

    It stays inside [0, 1] and keeps close to its nominal coverage for small n and for
    proportions near 0 or 1, where the textbook Wald interval fails."""
    if n <= 0:
        return None
    if not 0 <= successes <= n:
        raise ValueError(f"successes {successes} outside 0..{n}")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _first_rank(n: int, order_stat: int, target: float) -> int:
    """The smallest k (1..n) with P(the `order_stat`-th value of a bootstrap resample ≤ x_(k)) ≥ target.

    A resample's `order_stat`-th value is ≤ x_(k) exactly when at least `order_stat` of its n draws
    are among x_(1..k): a Binomial(n, k/n) count (Maritz & Jarrett 1978; Efron 1982, §10.3)."""
    from scipy.special import bdtrc  # binom.sf's own kernel, without the second scipy.stats takes to import

    lo, hi = 1, n
    while lo < hi:
        mid = (lo + hi) // 2
        if bdtrc(order_stat - 1, n, mid / n) >= target:
            hi = mid
        else:
            lo = mid + 1
    return lo


def median_interval(values: Sequence[float] | np.ndarray, alpha: float = ALPHA) -> tuple[float, float] | None:
    """The percentile bootstrap interval of the median, computed exactly (no resampling noise).

    For odd n the sample median is the middle order statistic and the interval is the exact
    bootstrap percentile interval. For even n the median averages the two middle values; the
    lower end uses the lower middle value and the upper end the upper one, which makes the
    interval at least as wide as the bootstrap's."""
    x = np.sort(np.asarray(values, dtype=float))
    ranks = median_interval_ranks(len(x), alpha)
    if ranks is None:
        return None
    return float(x[ranks[0] - 1]), float(x[ranks[1] - 1])


def median_interval_ranks(n: int, alpha: float = ALPHA) -> tuple[int, int] | None:
    """The 1-based ranks, among n sorted values, of `median_interval`'s ends (so a database can
    fetch just those two values instead of every value)."""
    if n <= 0:
        return None
    return _first_rank(n, (n + 1) // 2, alpha / 2), _first_rank(n, n // 2 + 1, 1 - alpha / 2)


def tvd(expected: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Total variation distance between expected shares and the shares of each row of counts."""
    totals = counts.sum(axis=-1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros_like(counts, dtype=float), where=totals > 0)
    return 0.5 * np.abs(shares - expected).sum(axis=-1)


def tvd_interval(expected: Sequence[float], counts: Sequence[int], alpha: float = ALPHA,
                 samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> tuple[float, float] | None:
    """A percentile bootstrap interval of the total variation distance: posts' topics resampled
    (multinomially, with a fixed seed so a figure never changes between runs)."""
    counts_ = np.asarray(counts, dtype=float)
    n = int(counts_.sum())
    if n == 0:
        return None
    expected_ = np.asarray(expected, dtype=float)
    expected_ = expected_ / expected_.sum() if expected_.sum() > 0 else expected_
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts_ / n, size=samples).astype(float)
    values = tvd(expected_, draws)
    return float(np.quantile(values, alpha / 2)), float(np.quantile(values, 1 - alpha / 2))


@dataclass
class Ranked:
    """A rank and whether it is shared (tied) with another group."""

    rank: int | None
    tied: bool
    ties: int  # how many groups share the rank (1 = alone)


def tied_ranks(items: Sequence[tuple[float | None, float | None, float | None]],
               better: str = "higher") -> list[Ranked]:
    """Ranks for (value, low, high) items; groups whose intervals overlap share a rank.

    Overlap is made transitive: items whose intervals chain into one overlapping run form one
    tie group (the connected parts of the overlap graph). Groups are ordered by their values;
    ranks are competition ranks (1, 1, 3). An item without a value is not ranked; one without
    an interval counts as the point (value, value), so only equal values tie."""
    spans = []
    for index, (value, low, high) in enumerate(items):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        lo = value if low is None else min(low, value)
        hi = value if high is None else max(high, value)
        spans.append((lo, hi, value, index))
    spans.sort()
    groups: list[list[tuple[float, float, float, int]]] = []
    reach = -math.inf
    for span in spans:
        if groups and span[0] <= reach:
            groups[-1].append(span)
            reach = max(reach, span[1])
        else:
            groups.append([span])
            reach = span[1]
    if better == "higher":
        groups.reverse()
    out = [Ranked(None, False, 0) for _ in items]
    rank = 1
    for group in groups:
        for *_, index in group:
            out[index] = Ranked(rank, len(group) > 1, len(group))
        rank += len(group)
    return out
