"""Intervals and tied ranks, checked against published values and a brute-force bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from peelian.assess.stats import median_interval, tied_ranks, tvd_interval, wilson


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:857–872, Table I, method 3 (Wilson score)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_newcombe_1998(k, n, low, high):
    got = wilson(k, n)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_wilson_undefined_without_posts_and_refuses_impossible_counts():
    assert wilson(0, 0) is None
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_median_interval_is_the_bootstrap_percentile_interval():
    rng = np.random.default_rng(7)
    x = rng.exponential(3600, size=101)
    low, high = median_interval(x)
    medians = np.median(x[rng.integers(0, len(x), size=(20000, len(x)))], axis=1)
    sorted_x = np.sort(x)
    # the exact interval's ends are order statistics within one step of the resampled percentiles
    for exact, simulated in ((low, np.quantile(medians, 0.025)), (high, np.quantile(medians, 0.975))):
        i, j = np.searchsorted(sorted_x, exact), np.searchsorted(sorted_x, simulated)
        assert abs(int(i) - int(j)) <= 1
    assert low <= np.median(x) <= high


def test_median_interval_edge_cases():
    assert median_interval([]) is None
    assert median_interval([5.0]) == (5.0, 5.0)
    assert median_interval([1800.0] * 12) == (1800.0, 1800.0)


def test_tvd_interval_contains_the_figure_and_is_repeatable():
    expected, counts = [0.5, 0.3, 0.2], [20, 20, 60]
    low, high = tvd_interval(expected, counts)
    assert low <= 0.4 <= high  # |0.5-0.2| + |0.3-0.2| + |0.2-0.6| = 0.8 → 0.4
    assert tvd_interval(expected, counts) == (low, high)
    assert tvd_interval(expected, [0, 0, 0]) is None


def test_overlapping_intervals_tie_and_the_next_rank_skips():
    ranks = tied_ranks([(0.75, 0.53, 0.89), (0.6, 0.39, 0.78), (0.1, 0.03, 0.30), (None, None, None)])
    assert [(r.rank, r.tied) for r in ranks] == [(1, True), (1, True), (3, False), (None, False)]


def test_overlap_is_transitive_and_lower_is_better_reverses():
    # a overlaps b, b overlaps c, a does not overlap c: one tie group of three
    items = [(1.0, 0.9, 1.1), (1.25, 1.05, 1.45), (1.5, 1.4, 1.6), (3.0, 2.9, 3.1)]
    assert [r.rank for r in tied_ranks(items, "lower")] == [1, 1, 1, 4]
    assert [r.rank for r in tied_ranks(items, "higher")] == [2, 2, 2, 1]


def test_points_without_intervals_tie_only_when_equal():
    assert [r.rank for r in tied_ranks([(3, None, None), (5, None, None), (3, None, None)])] == [2, 1, 2]
