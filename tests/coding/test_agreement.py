"""Reliability of a project's sample and of a long CSV, and the HTML/JSON report built from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peelian.coding.agreement import file_reliability, read_long_csv, sample_reliability
from peelian.coding.codings import record_coding
from peelian.coding.reliability import krippendorff_alpha
from peelian.coding.samples import create_sample
from peelian.coding.sheets import SheetError
from peelian.errors import CodingError
from peelian.report.reliability import render_reliability_html, reliability_json, write_reliability_report


@pytest.fixture
def coded(posts_project):
    create_sample(posts_project, "s1", post_ids=[f"r{i}" for i in range(10)], coders=["ana", "ben"], overlap=0.6,
                  shuffle=False, seed=4)
    ana = ["towards", "away", "away", "neutral", "towards", "against", "neutral", "away", "towards", "away"]
    ben = ["towards", "away", "neutral", "neutral", "towards", "against", "neutral", "towards", "towards", "away"]
    overlap = {r["post_id"] for r in posts_project.query("SELECT post_id FROM sample_items WHERE is_overlap")}
    for i in range(10):
        post_id = f"r{i}"
        for coder, codes in (("ana", ana), ("ben", ben)):
            assigned = posts_project.scalar("SELECT count(*) FROM sample_items WHERE coder = ? AND post_id = ?",
                                            [coder, post_id])
            if assigned:
                record_coding(posts_project, coder, "twitter", post_id, "stance", [codes[i]])
    record_coding(posts_project, "ana", "twitter", "r0", "practice", ["advice", "banter"])
    record_coding(posts_project, "ben", "twitter", "r0", "practice", ["advice"])
    record_coding(posts_project, "ana", "twitter", "r1", "practice", [])
    record_coding(posts_project, "ben", "twitter", "r1", "practice", [])
    return posts_project, sorted(overlap)


def test_sample_reliability_uses_the_overlap_and_the_codebook(coded) -> None:
    coded, overlap_ids = coded
    report = sample_reliability(coded, "s1", n_bootstrap=200, seed=1)
    dims = {d["dimension"]: d for d in report["dimensions"]}
    assert list(dims) == ["mode", "topic", "practice", "stance", "objective", "citizen_intent"]
    stance = dims["stance"]
    overlap = [int(p[1:]) for p in overlap_ids]
    assert stance["n_units"] == len(overlap) == 6 and stance["n_coders"] == 2
    assert stance["categories"] == ["towards", "away", "against", "neutral"]
    ana = ["towards", "away", "away", "neutral", "towards", "against", "neutral", "away", "towards", "away"]
    ben = ["towards", "away", "neutral", "neutral", "towards", "against", "neutral", "towards", "towards", "away"]
    expected = krippendorff_alpha([[ana[i] for i in overlap], [ben[i] for i in overlap]])
    assert stance["coefficients"]["krippendorff_alpha"]["value"] == pytest.approx(expected)
    assert stance["coefficients"]["krippendorff_alpha"]["ci_low"] is not None
    assert {pc["code"] for pc in stance["per_code"]} == {"towards", "away", "against", "neutral"}
    assert stance["pairwise"][0]["coders"] == ["ana", "ben"]
    assert sum(map(sum, stance["pairwise"][0]["confusion"]["matrix"])) == 6
    practice = dims["practice"]
    assert practice["multi_label"] and practice["n_units"] == 2 and len(practice["per_code"]) == 9
    assert dims["mode"]["n_units"] == 0 and dims["mode"]["coefficients"] == {}
    assert report["sample"]["n_overlap"] == 6 and report["sample"]["coders"] == ["ana", "ben"]
    assert "6 posts (60%) were coded independently by every coder" in report["methods_text"]
    assert "For stance (nominal level; 6 units, 2 coders), Krippendorff's α = " in report["methods_text"]
    everything = sample_reliability(coded, "s1", overlap_only=False, n_bootstrap=0)
    assert {d["dimension"]: d["n_units"] for d in everything["dimensions"]}["stance"] == 6
    assert everything["sample"]["n_units_available"] == 10
    with pytest.raises(Exception, match="has no dimension 'tone'"):
        sample_reliability(coded, "s1", dimensions=["tone"])


def test_report_html_and_json(coded, tmp_path: Path) -> None:
    coded, _ = coded
    report = sample_reliability(coded, "s1", dimensions=["stance", "practice"], n_bootstrap=100)
    html = render_reliability_html(report)
    assert html.startswith("<!doctype html>") and "<script" not in html and "http" not in html.split("<body>")[1]
    alpha = report["dimensions"][0]["coefficients"]["krippendorff_alpha"]["value"]
    assert f"{alpha:.3f}" in html
    assert "Methods paragraph" in html and "Sample design" in html and "ana (rows) × ben (columns)" in html
    assert "Per code (each code as a yes/no decision)" in html and "Landis &amp; Koch" in html
    data = json.loads(reliability_json(report))
    assert data["dimensions"][0]["dimension"] == "stance"
    out = write_reliability_report(report, tmp_path / "r.json")
    assert json.loads(out.read_text())["sample"]["name"] == "s1"


def test_file_reliability_and_its_checks(tmp_path: Path, data_dir: Path) -> None:
    report = file_reliability(data_dir / "reliability" / "krippendorff_2011.csv", levels={"*": "interval"},
                              n_bootstrap=0)
    (dim,) = report["dimensions"]
    assert dim["level"] == "interval"
    assert dim["coefficients"]["krippendorff_alpha"]["value"] == pytest.approx(0.849, abs=5e-4)
    assert "source" in report and render_reliability_html(report).count("<table") >= 3
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,coder,code\n1,,a\n,b,a\n")
    with pytest.raises(SheetError, match="2 problems"):
        read_long_csv(bad)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("item,rater,value\n1,a,x\n")
    with pytest.raises(CodingError, match="missing column\\(s\\) unit, coder, code"):
        read_long_csv(wrong)
    letters = tmp_path / "letters.csv"
    letters.write_text("unit,coder,code\n1,a,x\n1,b,y\n")
    with pytest.raises(CodingError, match="interval level needs numeric values"):
        file_reliability(letters, levels={"*": "interval"})
    with pytest.raises(CodingError, match="unknown level 'fancy'"):
        file_reliability(letters, levels={"value": "fancy"})
