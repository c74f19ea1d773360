"""Organisations and agreements: importers that reject bad rows, multilayer measures on a network whose
values are worked out by hand, and the fixed-effects panel model against a hand-built panel."""

from __future__ import annotations

import random

import numpy as np
import pytest

from peelian.errors import NetworkDataError
from peelian.network.multilayer import MultilayerNetworks
from peelian.network.orgdata import import_agreements, import_organisations
from peelian.network.panel import panel_model, read_outcomes

ORGS = """id,name,sector,county,lat,lon,area
A,Alpha Police Department,Police,X,41.0,-93.0,
B,Beta Police Department,police,X,41.0,-92.0,
C,County Sheriff,police,X,,,
D,Alpha Fire,fire,X,,,
E,County EMS,ems,X,,,
F,Far Hospital,health,Y,,,
"""
# By hand (county X): 2018 mutual aid A-B, A-C; 2019 adds contract A-D, sharing A-B, working group E-F (filed
# under X although F sits in Y); 2020 loses A-B mutual aid and E-F. The data end in 2020.
AGREEMENTS = """org_a,org_b,layer,start,end,sector_a,sector_b,county,value,source
A,B,mutual aid,2018-03-01,2019-12-31,police,police,,,
C,A,mutual_aid,2018,,,,,,
A,D,contract,2019-01-01,2020-06-30,police,fire,,"12,500",county minutes
B,A,sharing,2019-05-01,,,,,,
E,F,working_group,2019-01-01,2019-12-31,,,X,,
"""


@pytest.fixture
def org_project(project, tmp_path):
    (tmp_path / "orgs.csv").write_text(ORGS)
    (tmp_path / "agreements.csv").write_text(AGREEMENTS)
    import_organisations(project, tmp_path / "orgs.csv")
    import_agreements(project, tmp_path / "agreements.csv")
    return project


def test_import_stores_every_row(org_project):
    assert org_project.scalar("SELECT count(*) FROM organisations") == 6
    assert org_project.scalar("SELECT sector FROM organisations WHERE org_id = 'A'") == "police"
    rows = org_project.query("SELECT org_a, org_b, layer, start_date, end_date, value FROM agreements ORDER BY 1, 2, 3")
    assert [(r["org_a"], r["org_b"], r["layer"]) for r in rows] == [
        ("A", "B", "mutual_aid"), ("A", "D", "contract"), ("B", "A", "sharing"), ("C", "A", "mutual_aid"),
        ("E", "F", "working_group")]
    assert rows[1]["value"] == 12500.0
    assert str(rows[3]["start_date"]) == "2018-01-01" and rows[3]["end_date"] is None


@pytest.mark.parametrize(("row", "reason"), [
    ("A,Z,contract,2019-01-01,,,,,,", "org_b 'Z' is not a known organisation id"),
    ("A,B,contract,2019-01-01,2018-12-31,,,,,", "end 2018-12-31 is before start 2019-01-01"),
    ("A,B,friendship,2019-01-01,,,,,,", "unknown layer 'friendship'"),
    ("A,A,contract,2019-01-01,,,,,,", "a self-tie"),
    ("A,B,contract,01/02/2019,,,,,,", "start '01/02/2019' is not a date"),
    ("A,D,contract,2019-01-01,,police,police,,,", "sector_b 'police' disagrees"),
    ("A,B,contract,,,,,,,", "start is empty"),
    ("A,B,contract,2019,,,,,lots,", "value 'lots' is not a number"),
])
def test_bad_agreement_rows_are_rejected_with_file_row_and_reason(org_project, tmp_path, row, reason):
    bad = tmp_path / "bad.csv"
    bad.write_text(AGREEMENTS + row + "\n")
    with pytest.raises(NetworkDataError) as info:
        import_agreements(org_project, bad)
    assert str(bad) in str(info.value) and "row 7: " in str(info.value) and reason in str(info.value)
    assert org_project.scalar("SELECT count(*) FROM agreements") == 5  # the earlier import is untouched


def test_agreements_need_their_columns_and_organisations(project, tmp_path):
    (tmp_path / "a.csv").write_text(AGREEMENTS)
    with pytest.raises(NetworkDataError, match="import them first"):
        import_agreements(project, tmp_path / "a.csv")
    (tmp_path / "o.csv").write_text(ORGS)
    import_organisations(project, tmp_path / "o.csv")
    (tmp_path / "b.csv").write_text("org_a,org_b,start\nA,B,2019\n")
    with pytest.raises(NetworkDataError, match="header: missing required column.*layer"):
        import_agreements(project, tmp_path / "b.csv")


@pytest.mark.parametrize(("row", "reason"), [
    ("A,Again,police,X,,,", "id 'A' already on row 2"),
    ("G,Gamma,,X,,,", "sector is empty"),
    ("G,Gamma,police,X,95,10,", "lat '95' is outside -90…90"),
    ("G,Gamma,police,X,41,,", "lat and lon must be given together"),
    ("G,Gamma,police,X,north,10,", "lat 'north' is not a number"),
])
def test_bad_organisation_rows_are_rejected_with_file_row_and_reason(project, tmp_path, row, reason):
    bad = tmp_path / "orgs.csv"
    bad.write_text(ORGS + row + "\n")
    with pytest.raises(NetworkDataError) as info:
        import_organisations(project, bad)
    assert str(bad) in str(info.value) and "row 8: " in str(info.value) and reason in str(info.value)
    assert project.scalar("SELECT count(*) FROM organisations") == 0


def test_organisations_still_used_by_agreements_cannot_be_dropped(org_project, tmp_path):
    (tmp_path / "fewer.csv").write_text("\n".join(ORGS.splitlines()[:-1]) + "\n")
    with pytest.raises(NetworkDataError, match="missing from this file: F"):
        import_organisations(org_project, tmp_path / "fewer.csv")


def _row(net, county, year, layer):
    return next(r for r in net.measures_ if r["county"] == county and r["year"] == year and r["layer"] == layer)


def test_measures_of_the_hand_worked_network(org_project):
    net = MultilayerNetworks().fit(org_project)
    assert {(r["county"], r["year"]) for r in net.measures_} == {("X", 2018), ("X", 2019), ("X", 2020)}
    agg = _row(net, "X", 2019, "all")
    assert (agg["nodes"], agg["ties"]) == (6, 4)
    assert agg["degree_centralization"] == pytest.approx(10 / 20)  # degrees 3,1,1,1,1,1
    assert agg["components"] == 2 and agg["largest_component_share"] == pytest.approx(4 / 6)
    assert agg["multiplexity"] == pytest.approx(5 / 4)  # A-B shares mutual aid and sharing
    assert agg["stability"] == pytest.approx(1.0)
    assert agg["blau"] == pytest.approx(1 - ((3 / 6) ** 2 + 3 * (1 / 6) ** 2))
    aid = _row(net, "X", 2019, "mutual_aid")
    assert aid["nodes"] == 6 and aid["ties"] == 2  # every layer shares the group's node set
    assert aid["jaccard"] == pytest.approx(1 / 4)  # {AB, AC} against {AB, AD, EF}
    assert aid["mean_distance_km"] == pytest.approx(83.9, abs=0.2)  # A-B, one degree of longitude at 41°N
    assert _row(net, "X", 2018, "all")["stability"] is None
    assert _row(net, "X", 2020, "mutual_aid")["stability"] == pytest.approx(1 / 2)
    assert _row(net, "X", 2020, "all")["stability"] == pytest.approx(3 / 4)
    assert net.overlap(("X", 2019))["mutual_aid|sharing"] == pytest.approx(1 / 2)


def test_cross_county_agreements_without_a_county_belong_to_both(org_project, tmp_path):
    (tmp_path / "more.csv").write_text(AGREEMENTS + "D,F,mutual_aid,2020,,,,,,\n")
    import_agreements(org_project, tmp_path / "more.csv")
    net = MultilayerNetworks(by="county,year", layers="mutual_aid").fit(org_project)
    assert _row(net, "Y", 2020, "mutual_aid")["ties"] == 1
    assert _row(net, "X", 2020, "mutual_aid")["ties"] == 2
    by_year = MultilayerNetworks(by="year").fit(org_project)
    assert {r["year"] for r in by_year.measures_} == {2018, 2019, 2020}


def test_robustness_curve_names_the_removed_organisations(org_project):
    net = MultilayerNetworks().fit(org_project)
    result = net.robustness(("X", 2019), "degree")
    assert result["curve"][1]["organisation"] == "A" and result["curve"][1]["name"] == "Alpha Police Department"
    assert [step["largest_component"] for step in result["curve"]] == [4, 2, 2, 2, 2, 1, 0]
    assert result["auc"] == pytest.approx((2 + 2 + 2 + 2 + 1 + 0) / 36)


def test_bad_parameters(org_project):
    with pytest.raises(NetworkDataError, match="--by takes"):
        MultilayerNetworks(by="county,month")
    with pytest.raises(NetworkDataError, match="unknown layer"):
        MultilayerNetworks(layers="contract,friendship")
    with pytest.raises(NetworkDataError, match="no agreements for"):
        MultilayerNetworks().fit(org_project).robustness(("X", 1990))


def test_measures_are_written_as_parquet(org_project, tmp_path):
    import pyarrow.parquet as pq

    net = MultilayerNetworks().fit(org_project)
    net.write(tmp_path / "m.parquet")
    table = pq.read_table(tmp_path / "m.parquet")
    assert table.num_rows == len(net.measures_) == 3 * 5


def _two_way_within(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """OLS after removing county and year means from a balanced panel (rows county-major)."""
    def demean(a):
        return a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean(axis=(0, 1), keepdims=True)
    yd = demean(y).ravel()
    xd = np.column_stack([demean(x[..., k]).ravel() for k in range(x.shape[-1])])
    return np.linalg.lstsq(xd, yd, rcond=None)[0]


def test_panel_model_recovers_known_coefficients(tmp_path):
    rng = random.Random(4)
    counties, years = [f"c{i}" for i in range(12)], list(range(2005, 2015))
    alpha = {c: rng.uniform(100, 400) for c in counties}
    gamma = {t: rng.uniform(-20, 20) for t in years}
    measures, lines = [], ["county,year,rate,population"]
    ys, xs = np.zeros((len(counties), len(years))), np.zeros((len(counties), len(years), 3))
    for i, c in enumerate(counties):
        for j, t in enumerate(years):
            cent, trans, pop = rng.random(), rng.random(), rng.uniform(1, 5)
            rate = 40 * cent - 15 * trans + 2 * pop + alpha[c] + gamma[t] + rng.gauss(0, 0.5)
            measures.append({"county": c, "year": t, "layer": "mutual_aid", "degree_centralization": cent,
                             "transitivity": trans})
            measures.append({"county": c, "year": t, "layer": "all", "degree_centralization": None,
                             "transitivity": None})
            lines.append(f"{c},{t},{rate},{pop}")
            ys[i, j], xs[i, j] = rate, (cent, trans, pop)
    (tmp_path / "outcomes.csv").write_text("\n".join(lines) + "\n")
    outcomes = read_outcomes(tmp_path / "outcomes.csv", ["rate", "population"])
    result = panel_model(measures, outcomes, y="rate", x=["degree_centralization", "transitivity", "population"],
                         layer="mutual_aid")
    estimates = {c["term"]: c["estimate"] for c in result["coefficients"]}
    assert estimates["degree_centralization"] == pytest.approx(40, abs=0.5)
    assert estimates["transitivity"] == pytest.approx(-15, abs=0.5)
    within = _two_way_within(ys, xs)
    assert [estimates[t] for t in ("degree_centralization", "transitivity", "population")] == pytest.approx(within)
    assert (result["nobs"], result["entities"], result["periods"]) == (120, 12, 10)
    assert all(c["std_error"] > 0 and c["ci_low"] < c["estimate"] < c["ci_high"] for c in result["coefficients"])
    with pytest.raises(NetworkDataError, match="no county-year has"):
        panel_model(measures, outcomes, y="rate", x=["transitivity"], layer="all")


def test_bad_outcome_rows(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("county,year,rate\nA,2019,1.5\nA,twenty,2\nB,2019,n/a\nA,2019,3\n")
    with pytest.raises(NetworkDataError) as info:
        read_outcomes(path, ["rate"])
    text = str(info.value)
    assert "row 3: year 'twenty'" in text and "row 4: rate 'n/a'" in text and "row 5: a second row for A 2019" in text
    with pytest.raises(NetworkDataError, match="missing column.*crime"):
        read_outcomes(path, ["crime"])


def test_organisations_and_agreements_saved_with_semicolons_are_read(project, tmp_path):
    import csv
    import io

    for name, text in (("o.csv", ORGS), ("a.csv", AGREEMENTS)):
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(csv.reader(io.StringIO(text)))
        (tmp_path / name).write_text(out.getvalue())
    import_organisations(project, tmp_path / "o.csv")
    import_agreements(project, tmp_path / "a.csv")
    assert project.scalar("SELECT count(*) FROM organisations") == 6
    assert project.scalar("SELECT count(*) FROM agreements") == 5


def test_outcomes_saved_with_semicolons_are_read(tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("county;year;violent_crime_rate\nX;2019;4.5\n")
    assert read_outcomes(path, ["violent_crime_rate"]) == {("X", 2019): {"violent_crime_rate": 4.5}}
