"""The multilayer commands on CSVs a user writes by hand: import, measures, robustness, panel; bad input is one
message naming file, row and reason, exit 2."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from tests.network.test_multilayer import AGREEMENTS, ORGS


def _imported(cli, project_path, tmp_path):
    (tmp_path / "orgs.csv").write_text(ORGS)
    (tmp_path / "agreements.csv").write_text(AGREEMENTS)
    assert cli("orgs", "import", project_path, tmp_path / "orgs.csv").exit_code == 0
    result = cli("agreements", "import", project_path, tmp_path / "agreements.csv", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["agreements"] == 5


def test_measures_robustness_and_parquet(cli, project_path, tmp_path):
    _imported(cli, project_path, tmp_path)
    shown = cli("multilayer", project_path, "--to", tmp_path / "m.parquet")
    assert shown.exit_code == 0 and "mutual_aid" in shown.output and "wrote 15 rows" in shown.output
    rows = json.loads(cli("multilayer", "measures", project_path, "--json").output)
    assert rows == pq.read_table(tmp_path / "m.parquet").to_pylist()
    agg = next(r for r in rows if r["year"] == 2019 and r["layer"] == "all")
    assert agg["degree_centralization"] == 0.5
    by_year = json.loads(cli("multilayer", project_path, "--by", "year", "--layers", "mutual_aid", "--json").output)
    assert {r["layer"] for r in by_year} == {"mutual_aid", "all"} and "county" not in by_year[0]
    attack = cli("multilayer", "robustness", project_path, "--county", "X", "--year", "2019", "--attack", "degree")
    assert attack.exit_code == 0 and "Alpha Police Department (A)" in attack.output
    assert "area under the curve): 0.250" in attack.output


def test_panel_command(cli, project_path, tmp_path):
    _imported(cli, project_path, tmp_path)
    (tmp_path / "outcomes.csv").write_text("county,year,rate,pop\nX,2018,10,5\nX,2019,12,6\nX,2020,9,4\n"
                                           "Y,2018,1,1\nY,2019,3,2\nY,2020,2,2\n")
    one_county = cli("multilayer", "panel", project_path, "--outcome", tmp_path / "outcomes.csv", "--y", "rate",
                     "--x", "ties", "--layer", "mutual_aid", "--no-time-effects")
    assert one_county.exit_code == 2 and "at least two clusters" in one_county.output  # Y has no network yet
    (tmp_path / "agreements.csv").write_text(AGREEMENTS + "F,E,mutual_aid,2018,,,,Y,,\n")
    cli("agreements", "import", project_path, tmp_path / "agreements.csv")
    result = cli("multilayer", "panel", project_path, "--outcome", tmp_path / "outcomes.csv", "--y", "rate",
                 "--x", "ties,pop", "--layer", "mutual_aid", "--no-time-effects", "--json")
    assert result.exit_code == 0, result.output
    model = json.loads(result.output)
    assert model["nobs"] == 6 and [c["term"] for c in model["coefficients"]] == ["ties", "pop"]
    assert model["dropped"] == {"no_outcome": 0, "missing_measure": 0}


def test_bad_input_is_one_message_and_exit_2(cli, project_path, tmp_path):
    _imported(cli, project_path, tmp_path)
    (tmp_path / "bad.csv").write_text("org_a,org_b,layer,start,end\nA,B,contract,2019,2017\nA,Q,contract,2019,\n")
    result = cli("agreements", "import", project_path, tmp_path / "bad.csv")
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "row 2: end 2017 is before start 2019" in result.output
    assert "row 3: org_b 'Q' is not a known organisation id" in result.output
    assert cli("multilayer", project_path, "--layers", "gossip").exit_code == 2
    missing = cli("multilayer", "robustness", project_path, "--county", "X")
    assert missing.exit_code == 2 and "name the year" in missing.output
    bad_by = cli("multilayer", "panel", project_path, "--outcome", tmp_path / "bad.csv", "--y", "rate", "--x", "ties",
                 "--by", "year")
    assert bad_by.exit_code == 2 and "needs --by county,year" in bad_by.output


def test_network_command_panels_communities_and_gexf(cli, project, tmp_path):
    import networkx as nx

    from tests.network.test_interactions import _thread_project

    _thread_project(project)
    path = project.path
    project.close()
    out = tmp_path / "g.gexf"
    result = cli("network", path, "--kind", "reply", "--by", "force,month", "--communities", "--to", out)
    assert result.exit_code == 0, result.output
    assert "citizen-led conversation: 50.0% of 4 replies in 1 police-started conversations" in result.output
    assert "2025-02" in result.output and "modularity" in result.output
    assert all("community" in d for _, d in nx.read_gexf(out).nodes(data=True))
    summary = json.loads(cli("network", path, "--kind", "reply", "--by", "month", "--json").output)
    assert [p["month"] for p in summary["panels"]] == ["2025-01", "2025-02"]
