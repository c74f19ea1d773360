"""Benchmark on the hand-worked project: Wilson intervals, tied ranks, small-n marks, account types."""

from __future__ import annotations

import pytest

from peelian.assess import benchmark, parse_period
from peelian.assess.benchmark import resolve_metric
from peelian.errors import AssessmentError
from peelian.metrics.params import Filters
from tests.assess.helpers import PERIOD, SOURCES, build_from


@pytest.fixture(params=SOURCES)
def built(project, request):
    return build_from(project, request.param)


def _by_force(ranking):
    return {e.group["force"]: e for e in ranking.entries}


def test_response_rate_ties_overlapping_forces(built):
    result = benchmark(built, ["response_rate"], period=parse_period(PERIOD))
    rate = _by_force(result.rankings[0])
    # Alpha 15/20 (0.531–0.888) overlaps Beta 12/20 (0.387–0.781): tied first; Gamma 2/20 (0.028–0.301) third
    assert (rate["Alpha"].rank, rate["Alpha"].tied) == (1, True)
    assert (rate["Beta"].rank, rate["Beta"].tied) == (1, True)
    assert (rate["Gamma"].rank, rate["Gamma"].tied) == (3, False)
    assert rate["Beta"].low == pytest.approx(0.3866, abs=1e-4) and rate["Beta"].high == pytest.approx(0.7812, abs=1e-4)
    assert [e.group["force"] for e in result.rankings[0].entries] == ["Alpha", "Beta", "Gamma"]
    assert all(e.small for e in rate.values())  # 20 posts < 30
    assert not any(e.small for e in benchmark(built, ["response_rate"], small_n=20).rankings[0].entries)


def test_median_response_time_with_exact_bootstrap_interval(built):
    ranking = benchmark(built, ["median_response"]).rankings[0]
    assert ranking.spec.name == "response_time_median_s" and ranking.spec.better == "lower"
    medians = _by_force(ranking)
    # Beta and Gamma answered everything in 30 min: a point interval; Alpha's 15 delays are 5 × 30 min and
    # 10 × 3 h: the bootstrap median is 30 min with probability P(Binomial(15, 1/3) ≥ 8) = 0.088 > 2.5%
    assert (medians["Beta"].value, medians["Beta"].low, medians["Beta"].high) == (1800, 1800, 1800)
    assert (medians["Alpha"].value, medians["Alpha"].low, medians["Alpha"].high) == (10800, 1800, 10800)
    assert {f: e.rank for f, e in medians.items()} == {"Alpha": 1, "Beta": 1, "Gamma": 1}
    assert medians["Gamma"].n == 2


def test_account_types_within_force(built):
    ranking = benchmark(built, ["two_way_ratio"], ("force", "account_type"),
                        filters=Filters(force="Alpha")).rankings[0]
    cells = {e.group["account_type"]: (e.numerator, e.n, e.rank) for e in ranking.entries}
    # corporate: 15 replies to citizens of 20 posts; officer: 0 of 5 (intervals 0.53–0.89 and 0–0.43)
    assert cells == {"force_corporate": (15, 20, 1), "officer": (0, 5, 2)}


def test_account_type_filter_and_value_columns(built):
    result = benchmark(built, ["posts", "two_way_ratio"], filters=Filters(account_type="officer"))
    posts = _by_force(result.rankings[0])
    assert posts["Alpha"].value == 5 and posts["Alpha"].rank == 1
    assert result.rankings[0].method.startswith("no interval")


def test_expectations_distance_needs_a_survey(built):
    ranking = benchmark(built, ["expectations_gap"]).rankings[0]
    assert ranking.spec.name == "expectations_tvd" and all(e.value is None and e.rank is None for e in ranking.entries)


def test_unknown_metric_and_grouping_are_named(built):
    with pytest.raises(AssessmentError, match="unknown metric 'happiness'; choose a column of the common metric set"):
        resolve_metric("happiness")
    with pytest.raises(AssessmentError, match="cannot benchmark by 'platform'"):
        benchmark(built, ["posts"], "platform")
