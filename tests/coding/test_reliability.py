"""The reliability statistics reproduce published values, handle missing data and bootstrap reproducibly."""

from __future__ import annotations

import numpy as np
import pytest

from peelian.coding.reliability import (
    LongRecord,
    Reliability,
    analyse_long,
    brennan_prediger,
    cohen_kappa,
    cohen_kappa_pairs,
    counts_to_data,
    encode,
    fleiss_kappa,
    gwet_ac1,
    interpret,
    krippendorff_alpha,
    percent_agreement,
    table_to_data,
)

N = None
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 observers x 12 units, missing data.
KRIPPENDORFF = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]
# Fleiss (1971), Table 1: 30 subjects, 6 diagnoses each, counts per category.
FLEISS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0], [2, 0, 4, 0, 0],
    [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6], [1, 0, 0, 5, 0], [1, 1, 0, 4, 0],
    [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1], [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0],
    [0, 2, 0, 4, 0], [1, 0, 2, 0, 3], [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0],
    [1, 0, 0, 4, 1], [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
]
# Gwet (2014), Handbook of Inter-Rater Reliability: two abstractors, 100 pregnancies, ectopic / AIU / NIU.
GWET_ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
# Cohen (1960), Table 1 (proportions x 200).
COHEN_1960 = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                                  ("ratio", 0.797)])
def test_krippendorff_2011(level: str, published: float) -> None:
    assert krippendorff_alpha(KRIPPENDORFF, level) == pytest.approx(published, abs=5e-4)


def test_fleiss_1971() -> None:
    data = counts_to_data(FLEISS)
    assert fleiss_kappa(data) == pytest.approx(0.430, abs=5e-4)
    per_category = []
    for k in range(5):
        binary = [[None if v is None else int(v == k) for v in row] for row in data]
        per_category.append(round(fleiss_kappa(binary), 3))
    assert per_category == [0.245, 0.245, 0.520, 0.471, 0.566]


def test_gwet_2014_two_abstractors() -> None:
    data = table_to_data(GWET_ABSTRACTORS, ["ectopic", "aiu", "niu"])
    assert gwet_ac1(data) == pytest.approx(0.8493305, abs=1e-6)
    assert cohen_kappa(data) == pytest.approx(0.7964094, abs=1e-6)
    assert brennan_prediger(data) == pytest.approx(0.835, abs=1e-9)
    assert krippendorff_alpha(data) == pytest.approx(0.7972585, abs=1e-6)
    assert percent_agreement(data) == pytest.approx(0.89)


def test_cohen_1960_and_the_two_by_two_example() -> None:
    assert cohen_kappa(table_to_data(COHEN_1960)) == pytest.approx(0.492, abs=5e-4)
    # The common 2 x 2 example: 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15 -> p_o .7, p_e .5, kappa .4.
    assert cohen_kappa(*table_to_data([[20, 5], [10, 15]])) == pytest.approx(0.4, abs=1e-12)


def test_gwet_ac1_is_high_where_kappa_is_paradoxically_low() -> None:
    data = table_to_data([[118, 5], [2, 0]], ["yes", "no"])
    assert cohen_kappa(data) == pytest.approx(-0.0234, abs=1e-3)
    assert gwet_ac1(data) == pytest.approx(0.9408, abs=1e-3)


def test_q_counts_unused_categories_for_ac1_and_brennan_prediger() -> None:
    data = [["a", "a", "b", "b"], ["a", "a", "b", "a"]]
    assert brennan_prediger(data) == pytest.approx(0.5)
    assert brennan_prediger(data, categories=["a", "b", "c", "d"]) == pytest.approx((0.75 - 0.25) / 0.75)
    assert gwet_ac1(data, categories=["a", "b", "c", "d"]) > gwet_ac1(data)


def test_perfect_and_undefined_agreement() -> None:
    perfect = [["a", "b", "c", "a"], ["a", "b", "c", "a"], ["a", "b", "c", None]]
    for f in (krippendorff_alpha, fleiss_kappa, gwet_ac1, brennan_prediger):
        assert f(perfect) == pytest.approx(1.0)
    assert all(v == pytest.approx(1.0) for v in cohen_kappa_pairs(perfect).values())
    no_variation = [["a", "a", "a"], ["a", "a", "a"]]
    assert np.isnan(krippendorff_alpha(no_variation))
    assert np.isnan(cohen_kappa(no_variation))
    assert percent_agreement(no_variation) == 1.0


def test_units_with_one_value_do_not_count_for_agreement() -> None:
    with_lonely = [["a", "b", "a", "c"], ["a", "b", "b", None]]
    without = [["a", "b", "a"], ["a", "b", "b"]]
    assert krippendorff_alpha(with_lonely) == pytest.approx(krippendorff_alpha(without))
    assert percent_agreement(with_lonely) == pytest.approx(2 / 3)


def test_encode_checks_shape_and_categories() -> None:
    codes, cats = encode([[3, 1, None], [2, None, 10]])
    assert cats == [1, 2, 3, 10]
    assert codes.tolist() == [[2, 0, -1], [1, -1, 3]]
    with pytest.raises(ValueError, match="one value per unit"):
        encode([[1, 2], [1]])
    with pytest.raises(ValueError, match="not among the categories"):
        encode([["x"]], categories=["a"])
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], "interval")


def test_reliability_object_reports_n_ci_and_pairs() -> None:
    model = Reliability(n_bootstrap=500, seed=7).fit(KRIPPENDORFF, coders=["A", "B", "C", "D"])
    assert model.coefficients_["krippendorff_alpha"] == pytest.approx(0.743, abs=5e-4)
    assert model.n_units_ == 11 and model.n_units_total_ == 12 and model.n_coders_ == 4 and model.n_values_ == 40
    low, high = model.intervals_["krippendorff_alpha"]
    assert low < model.coefficients_["krippendorff_alpha"] < high <= 1.0
    again = Reliability(n_bootstrap=500, seed=7).fit(KRIPPENDORFF)
    assert again.intervals_ == model.intervals_
    other = Reliability(n_bootstrap=500, seed=8).fit(KRIPPENDORFF)
    assert other.intervals_ != model.intervals_
    pair = next(p for p in model.pairwise_ if p.coders == ("A", "B"))
    assert pair.n_units == 9
    assert pair.confusion.sum() == 9 and np.trace(pair.confusion) == 8
    assert pair.cohen_kappa == pytest.approx(cohen_kappa(KRIPPENDORFF[0], KRIPPENDORFF[1]))
    mean = np.mean(list(cohen_kappa_pairs(KRIPPENDORFF).values()))
    assert model.coefficients_["cohen_kappa"] == pytest.approx(mean)
    summary = model.summary()
    assert summary["coefficients"]["krippendorff_alpha"]["interpretation"] == "tentative (≥ 0.667)"
    assert summary["bootstrap"] == {"resamples": 500, "confidence": 0.95, "seed": 7, "over": "units"}


def test_bootstrap_interval_covers_truth_on_simulated_coders() -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 300)
    coders = [np.where(rng.random(300) < 0.8, truth, rng.integers(0, 3, 300)) for _ in range(3)]
    model = Reliability(n_bootstrap=300, seed=1).fit(coders)
    low, high = model.intervals_["krippendorff_alpha"]
    assert 0.55 < low < model.coefficients_["krippendorff_alpha"] < high < 0.85
    assert Reliability(n_bootstrap=0).fit(coders).intervals_["krippendorff_alpha"] == (None, None)


@pytest.mark.parametrize(("value", "coefficient", "text"), [
    (0.85, "krippendorff_alpha", "reliable (≥ 0.800)"), (0.70, "krippendorff_alpha", "tentative (≥ 0.667)"),
    (0.5, "krippendorff_alpha", "unreliable (< 0.667)"), (-0.1, "cohen_kappa", "poor (< 0)"),
    (0.1, "fleiss_kappa", "slight (Landis & Koch)"), (0.3, "gwet_ac1", "fair (Landis & Koch)"),
    (0.5, "cohen_kappa", "moderate (Landis & Koch)"), (0.7, "cohen_kappa", "substantial (Landis & Koch)"),
    (0.9, "cohen_kappa", "almost perfect (Landis & Koch)"), (float("nan"), "cohen_kappa", "not defined"),
])
def test_guidance_bands(value: float, coefficient: str, text: str) -> None:
    assert interpret(coefficient, value).startswith(text)


def test_long_data_single_label_per_code_is_a_binary_decision() -> None:
    rows = [(u, c, "d", v) for c, row in zip("ABCD", KRIPPENDORFF, strict=True)
            for u, v in enumerate(row) if v is not None]
    (result,) = analyse_long(rows, n_bootstrap=0)
    assert result["dimension"] == "d" and not result["multi_label"]
    assert result["coefficients"]["krippendorff_alpha"]["value"] == pytest.approx(0.743, abs=5e-4)
    per_code = {pc["code"]: pc for pc in result["per_code"]}
    assert set(per_code) == {"1", "2", "3", "4", "5"}
    expected = [[None if v is None else int(v == 5) for v in row] for row in KRIPPENDORFF]
    assert per_code["5"]["coefficients"]["krippendorff_alpha"]["value"] == pytest.approx(
        krippendorff_alpha(expected))
    assert per_code["5"]["times_used"] == 3


def test_long_data_multi_label_pools_code_decisions() -> None:
    rows = [
        LongRecord("u1", "ana", "practice", "advice"), LongRecord("u1", "ana", "practice", "banter"),
        LongRecord("u1", "ben", "practice", "advice"),
        LongRecord("u2", "ana", "practice", None), LongRecord("u2", "ben", "practice", None),
        LongRecord("u3", "ana", "practice", "banter"), LongRecord("u3", "ben", "practice", "banter"),
        LongRecord("u4", "ana", "practice", "advice"),
    ]
    (result,) = analyse_long(rows, categories={"practice": ["advice", "banter", "thanks"]}, n_bootstrap=0)
    assert result["multi_label"] and result["categories"] == ["advice", "banter", "thanks"]
    # u1..u3 coded by both: 3 units x 3 codes = 9 decisions, one disagreement (banter on u1).
    assert result["n_units"] == 3
    assert result["coefficients"]["percent_agreement"]["value"] == pytest.approx(8 / 9)
    ana = [[1, 0, 0, 1], [1, 0, 1, 0], [0, 0, 0, 0]]
    ben = [[1, 0, 0, None], [0, 0, 1, None], [0, 0, 0, None]]
    pooled = [sum(ana, []), sum(ben, [])]
    pooled = [[v for i, v in enumerate(row) if i % 4 != 3] for row in pooled]
    assert result["coefficients"]["krippendorff_alpha"]["value"] == pytest.approx(krippendorff_alpha(pooled))
    per_code = {pc["code"]: pc for pc in result["per_code"]}
    assert per_code["advice"]["coefficients"]["percent_agreement"]["value"] == 1.0
    assert per_code["banter"]["coefficients"]["percent_agreement"]["value"] == pytest.approx(2 / 3)
    assert per_code["thanks"]["times_used"] == 0
    assert result["pairwise"][0]["confusion"]["labels"] == ["no", "yes"]
    assert result["pairwise"][0]["confusion"]["matrix"] == [[6, 0], [1, 2]]  # rows: ana
