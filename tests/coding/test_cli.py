"""The coding commands end to end, including the published reliability values through `reliability-file`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from peelian import Project
from peelian.coding.codings import effective_codings, record_coding

from .conftest import add_posts, corpus


@pytest.fixture
def cli_project(project_path: Path) -> Path:
    with Project.open(project_path) as proj:
        add_posts(proj, corpus())
    return project_path


def test_codebook_show_export_import(cli, cli_project: Path, tmp_path: Path, data_dir: Path) -> None:
    shown = cli("codebook", "show", cli_project)
    assert shown.exit_code == 0
    assert "Police–public encounters" in shown.stdout and "informal_warning" in shown.stdout
    data = json.loads(cli("codebook", "show", cli_project, "--json").stdout)
    assert data["id"] == "police_encounters" and len(data["dimensions"]) == 6
    only = cli("codebook", "show", cli_project, "-d", "stance")
    assert "towards" in only.stdout and "appeal" not in only.stdout

    yaml_path, qdc_path = tmp_path / "book.yaml", tmp_path / "book.qdc"
    assert cli("codebook", "export", cli_project, "--to", yaml_path).exit_code == 0
    assert cli("codebook", "export", cli_project, "--to", qdc_path).exit_code == 0
    assert "version: '1.0'" in yaml_path.read_text() and qdc_path.read_bytes().startswith(b"<?xml")

    edited = yaml_path.read_text().replace("version: '1.0'", "version: '1.1'").replace("label: Inform", "label: Tell")
    yaml_path.write_text(edited)
    result = cli("codebook", "import", cli_project, yaml_path)
    assert result.exit_code == 0 and "version 1.1" in result.stdout and "(now active)" in result.stdout
    assert json.loads(cli("codebook", "show", cli_project, "--json").stdout)["version"] == "1.1"

    imported = cli("codebook", "import", cli_project, data_dir / "refi_qda" / "atlasti.qdc", "--version", "3")
    assert imported.exit_code == 0 and "atlasti version 3: 3 dimensions" in imported.stdout
    assert "set 'Communication'" in imported.stderr
    listed = json.loads(cli("codebook", "list", cli_project, "--json").stdout)
    assert [(r["codebook_id"], r["version"], r["is_active"]) for r in listed] == [
        ("police_encounters", "1.0", False), ("police_encounters", "1.1", False), ("atlasti", "3", True)]


def test_malformed_codebook_is_reported_with_lines(cli, cli_project: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nname: X\nversion: 1\ndimensions:\n  - id: d\n    label: D\n    codes:\n"
                   "      - {id: a, label: A, key: AB}\n")
    result = cli("codebook", "validate", bad)
    assert result.exit_code == 2
    assert "line 8: dimension 'd' › code 'a' › key: 'AB' must be one lower-case letter or digit" in result.stderr
    assert cli("codebook", "import", cli_project, bad).exit_code == 2
    good = tmp_path / "good.yaml"
    good.write_text(bad.read_text().replace("AB", "a"))
    assert "valid" in cli("codebook", "validate", good).stdout


def test_sample_sheet_and_reliability_workflow(cli, cli_project: Path, tmp_path: Path) -> None:
    created = cli("sample", "create", cli_project, "--name", "round1", "--size", "24", "--stratify",
                  "force,account_type,month", "--overlap", "0.5", "--coders", "ana,ben", "--seed", "9", "--json")
    assert created.exit_code == 0, created.stderr
    design = json.loads(created.stdout)
    assert (design["strategy"], design["size"], design["n_overlap"], design["coders"]) == \
        ("stratified", 24, 12, ["ana", "ben"])
    assert "round1" in cli("sample", "list", cli_project).stdout
    assert len(json.loads(cli("sample", "show", cli_project, "round1", "--coder", "ana", "--json").stdout)["items"]) \
        == 18

    sheets = {}
    for coder in ("ana", "ben"):
        path = tmp_path / f"{coder}.csv"
        result = cli("sample", "export", cli_project, "round1", "--coder", coder, "--to", path)
        assert result.exit_code == 0 and "wrote 18 posts" in result.stdout
        sheets[coder] = path

    def fill(path: Path, coder: str) -> None:
        reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
        rows = list(reader)
        for row in rows:
            number = int("".join(ch for ch in row["post_id"] if ch.isdigit()))
            if row["mode"] != "n/a":
                row["mode"] = "inform" if row["kind"] == "original" else "engage"
            if row["topic"] != "n/a":
                row["topic"] = "appeal" if coder == "ana" or number % 3 else "insight"
            if row["objective"] != "n/a":
                row["objective"] = "tactical"
            if row["stance"] != "n/a":
                row["stance"] = "neutral" if coder == "ana" or number % 2 else "towards"
            if row["practice"] != "n/a":
                row["practice"] = "redirection" + ("; advice" if coder == "ben" and number % 2 else "")
            if row["citizen_intent"] != "n/a":
                row["citizen_intent"] = "question"
        out = io.StringIO()
        writer = csv.DictWriter(out, reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")

    for coder, path in sheets.items():
        fill(path, coder)
        result = cli("codings", "import", cli_project, path, "--json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["blank"] == 0

    report = json.loads(cli("reliability", cli_project, "round1", "--bootstrap", "100", "--json").stdout)
    dims = {d["dimension"]: d for d in report["dimensions"]}
    assert dims["mode"]["coefficients"]["percent_agreement"]["value"] == 1.0
    assert dims["citizen_intent"]["n_units"] > 0
    assert dims["practice"]["multi_label"]
    html = tmp_path / "rel.html"
    shown = cli("reliability", cli_project, "round1", "--bootstrap", "50", "--html", html)
    assert shown.exit_code == 0 and "Kripp. α" in shown.stdout and html.read_text().startswith("<!doctype html>")

    history = json.loads(cli("codings", "list", cli_project, "--coder", "ana", "--limit", "0", "--json").stdout)
    assert history and all(r["source"] == "sheet" for r in history)
    undone = cli("codings", "undo", cli_project, "--coder", "ana")
    assert undone.exit_code == 0 and "retracted coding" in undone.stdout


def test_bad_sheet_is_rejected_with_every_problem(cli, cli_project: Path, tmp_path: Path) -> None:
    assert cli("sample", "create", cli_project, "--name", "s", "--size", "6", "--coders", "ana",
               "--seed", "1").exit_code == 0
    path = tmp_path / "ana.csv"
    cli("sample", "export", cli_project, "s", "--coder", "ana", "--to", path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header = list(rows[0])
    for row in rows:
        for dim in ("mode", "topic", "practice", "stance", "objective", "citizen_intent"):
            if row[dim] != "n/a":
                row[dim] = "nonsense"
    rows[1]["coder"] = "zed"
    out = io.StringIO()
    writer = csv.DictWriter(out, header)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())
    result = cli("codings", "import", cli_project, path)
    assert result.exit_code == 2
    assert "nothing was imported" in result.stderr
    assert "row 3, column B (coder): 'zed' is not a coder of sample 's'" in result.stderr
    assert result.stderr.count("unknown code 'nonsense'") >= 5
    with Project.open(cli_project) as proj:
        assert proj.scalar("SELECT count(*) FROM codings") == 0


def _reliability_file(cli, path: Path, *args: str) -> dict:
    result = cli("reliability-file", path, "--bootstrap", "0", "--json", *args)
    assert result.exit_code == 0, result.stderr
    (dim,) = json.loads(result.stdout)["dimensions"]
    return dim


@pytest.mark.parametrize(("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                                                  ("ratio", 0.797)])
def test_reliability_file_krippendorff_2011(cli, data_dir: Path, level: str, published: float) -> None:
    dim = _reliability_file(cli, data_dir / "reliability" / "krippendorff_2011.csv", "--level", level)
    assert round(dim["coefficients"]["krippendorff_alpha"]["value"], 3) == published
    assert (dim["n_units"], dim["n_coders"], dim["n_values"]) == (11, 4, 40)


def test_reliability_file_fleiss_gwet_cohen(cli, data_dir: Path) -> None:
    fleiss = _reliability_file(cli, data_dir / "reliability" / "fleiss_1971.csv")
    assert round(fleiss["coefficients"]["fleiss_kappa"]["value"], 3) == 0.430
    assert fleiss["n_units"] == 30 and fleiss["n_coders"] == 6
    gwet = _reliability_file(cli, data_dir / "reliability" / "gwet_2014_abstractors.csv")
    assert round(gwet["coefficients"]["gwet_ac1"]["value"], 4) == 0.8493
    assert round(gwet["coefficients"]["cohen_kappa"]["value"], 4) == 0.7964
    assert round(gwet["coefficients"]["brennan_prediger"]["value"], 3) == 0.835
    cohen = _reliability_file(cli, data_dir / "reliability" / "cohen_1960.csv")
    assert round(cohen["coefficients"]["cohen_kappa"]["value"], 3) == 0.492
    assert round(cohen["coefficients"]["percent_agreement"]["value"], 2) == 0.70
    assert cohen["pairwise"][0]["confusion"]["matrix"] == [[88, 14, 18], [10, 40, 10], [2, 6, 12]]


def test_reliability_file_table_output_and_errors(cli, data_dir: Path, tmp_path: Path) -> None:
    shown = cli("reliability-file", data_dir / "reliability" / "krippendorff_2011.csv", "--bootstrap", "200")
    assert shown.exit_code == 0 and "0.743" in shown.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    result = cli("reliability-file", bad)
    assert result.exit_code == 2 and "missing column(s) unit, coder, code" in result.stderr


@pytest.fixture
def disputed(cli_project: Path) -> Path:
    with Project.open(cli_project) as proj:
        from peelian.coding.samples import create_sample

        create_sample(proj, "s1", post_ids=["r1", "r2", "r3"], coders=["ana", "ben"], overlap=1.0, shuffle=False)
        for post_id, a, b in (("r1", "towards", "away"), ("r2", "neutral", "neutral"), ("r3", "away", "against")):
            record_coding(proj, "ana", "twitter", post_id, "stance", [a], note=f"ana thinks {a}")
            record_coding(proj, "ben", "twitter", post_id, "stance", [b])
    return cli_project


def test_adjudicate_interactively(cli, disputed: Path) -> None:
    result = cli("adjudicate", disputed, "s1", "--adjudicator", "dee", input="x\nt\nclear help\n\n")
    assert result.exit_code == 0, result.stderr
    assert "ana thinks towards" in result.stdout and "unknown code 'x'" in result.stderr
    assert "1 of 2 disagreements decided" in result.stdout
    with Project.open(disputed) as proj:
        rows = proj.query("SELECT post_id, codes, method, decided_by, reason FROM gold")
    assert rows == [{"post_id": "r1", "codes": ["towards"], "method": "adjudication", "decided_by": "dee",
                     "reason": "clear help"}]
    quit_early = cli("adjudicate", disputed, "s1", "--adjudicator", "dee", input="q\n")
    assert quit_early.exit_code == 0 and "stopped" in quit_early.stdout


def test_adjudicate_majority_list_and_decisions(cli, disputed: Path, tmp_path: Path) -> None:
    majority = cli("adjudicate", disputed, "s1", "--majority", "--json")
    assert json.loads(majority.stdout)["decided"] == 1
    listed = json.loads(cli("adjudicate", disputed, "s1", "--adjudicator", "dee", "--json").stdout)
    assert [d["post_id"] for d in listed] == ["r1", "r3"]
    open_csv = tmp_path / "open.csv"
    assert "wrote 2 open disagreements" in cli("adjudicate", disputed, "s1", "--to", open_csv).stdout
    rows = list(csv.DictReader(io.StringIO(open_csv.read_text(encoding="utf-8-sig"))))
    rows[0]["codes"], rows[0]["reason"] = "towards", "offers help"
    rows[1]["codes"] = "against"
    out = io.StringIO()
    writer = csv.DictWriter(out, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    open_csv.write_text(out.getvalue())
    assert cli("adjudicate", disputed, "s1", "--decisions", open_csv).exit_code == 2  # no adjudicator
    done = cli("adjudicate", disputed, "s1", "--adjudicator", "dee", "--decisions", open_csv)
    assert done.exit_code == 0 and "2 decisions recorded as gold" in done.stdout
    with Project.open(disputed) as proj:
        from peelian.coding.gold import gold_labels

        assert gold_labels(proj, "stance") == [("twitter", "r2", ["neutral"]), ("twitter", "r1", ["towards"]),
                                               ("twitter", "r3", ["against"])]
        assert len(effective_codings(proj, sample="s1")) == 6


def test_adjudicate_stops_cleanly_when_input_ends(cli, disputed: Path) -> None:
    result = cli("adjudicate", disputed, "s1", "--adjudicator", "dee", "-d", "stance", input="a\n")
    assert result.exit_code == 0 and "stopped; the decisions so far are saved" in result.stdout
    with Project.open(disputed) as proj:
        assert proj.scalar("SELECT count(*) FROM gold") == 0
