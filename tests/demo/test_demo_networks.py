"""`peelian demo` builds the inter-organisational networks too: organisations of several sectors across
counties, twenty years of agreements with churn, and an outcomes file with a known mutual-aid effect."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from peelian import Project
from peelian.demo.orgs import FIRST_YEAR, LAST_YEAR, generate_networks


def test_generation_is_seeded_and_valid(tmp_path: Path) -> None:
    one = generate_networks(tmp_path / "a", seed=3)
    two = generate_networks(tmp_path / "b", seed=3)
    assert one.agreements_csv.read_text() == two.agreements_csv.read_text()
    assert generate_networks(tmp_path / "c", seed=4).agreements_csv.read_text() != one.agreements_csv.read_text()


def test_demo_project_has_networks_the_commands_measure(cli, tmp_path: Path) -> None:
    path = tmp_path / "demo.peelian"
    result = cli("demo", path, "--posts", "300", "--seed", "5", "--json")
    assert result.exit_code == 0, result.output
    networks = orjson.loads(result.stdout)["networks"]
    with Project.open(path, read_only=True) as project:
        assert project.scalar("SELECT count(*) FROM agreements") == networks["agreements"] > 500
        assert project.scalar("SELECT count(DISTINCT sector) FROM organisations") >= 6
        assert project.scalar("SELECT count(DISTINCT county) FROM organisations") == 8
        years = project.query("SELECT min(year(start_date)) AS a, max(year(start_date)) AS b, "
                              "count(*) FILTER (WHERE end_date IS NOT NULL) AS ended FROM agreements")[0]
        assert (years["a"], years["b"]) == (FIRST_YEAR, LAST_YEAR) and years["ended"] > 100  # churn
    rows = json.loads(cli("multilayer", path, "--json").output)
    assert {r["year"] for r in rows} == set(range(FIRST_YEAR, LAST_YEAR + 1))
    assert any(r["stability"] is not None and r["stability"] < 1 for r in rows)
    panel = cli("multilayer", "panel", path, "--outcome", networks["outcomes_csv"], "--y", "violent_crime_rate",
                "--x", "ties", "--layer", "mutual_aid", "--json")
    estimate = json.loads(panel.output)["coefficients"][0]
    assert estimate["ci_low"] < -0.8 < estimate["ci_high"] and estimate["estimate"] < 0
    attack = cli("multilayer", "robustness", path, "--county", "Polk", "--year", "2020", "--json")
    assert json.loads(attack.output)["curve"][0]["share"] == 1.0
