"""`peelian assess ...` and `peelian benchmark` on the hand-worked project."""

from __future__ import annotations

import json

import pytest

from peelian import Project
from tests.assess.helpers import PERIOD, build


@pytest.fixture
def path(project_path):
    with Project.open(project_path) as proj:
        build(proj)
    return project_path


def test_init_answer_show_compare(cli, path, tmp_path):
    started = cli("assess", "init", path, "--force", "Alpha", "--period", PERIOD, "--by", "dana")
    assert started.exit_code == 0 and "started: Alpha 2025-Q1" in started.output and "strategy" in started.output
    answers = tmp_path / "answers.yaml"
    answers.write_text("answered_within_hour: 4\nstrategy: {level: 5, note: board paper 2025}\n")
    answered = cli("assess", "answer", path, "--force", "Alpha", "--file", answers, "--by", "dana")
    assert answered.exit_code == 0 and "recorded 2 answers for Alpha 2025-Q1" in answered.output
    shown = cli("assess", "show", path, "--force", "Alpha", "--json")
    data = json.loads(shown.output)
    assert data["period"] == PERIOD and data["contradictions"] == ["answered_within_hour"]
    indicators = {i["id"]: i for p in data["pillars"] for i in p["indicators"]}
    assert indicators["strategy"]["answer"]["note"] == "board paper 2025" and indicators["strategy"]["level"] == 5
    assert indicators["answered_within_hour"]["measurements"][0]["behind"]["metric"] == "needs_response"
    table = cli("assess", "show", path, "--force", "Alpha")
    assert "CONTRADICTED" in table.output and "answered within 1 h 25% (2025-Q1, n=20)" in table.output
    compared = json.loads(cli("assess", "compare", path, "--json").output)
    assert [r["force"] for r in compared["forces"]] == ["Alpha", "Beta", "Gamma"]


def test_benchmark_table_and_json(cli, path):
    out = cli("benchmark", path, "--metric", "response_rate", "--period", PERIOD)
    assert out.exit_code == 0
    lines = [line for line in out.output.splitlines() if "Alpha" in line or "Gamma" in line]
    assert "1=" in lines[0] and "75%" in lines[0] and "20 *" in lines[0] and lines[1].lstrip("│ ").startswith("3")
    data = json.loads(cli("benchmark", path, "--metric", "two_way_ratio", "--by", "account_type", "--json").output)
    types = {e["account_type"]: e for e in data["metrics"][0]["entries"]}
    assert types["officer"]["value"] == 0 and types["force_corporate"]["numerator"] == 15 + 12 + 2


def test_bad_input_names_file_key_and_problem(cli, path, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("happiness: 4\n")
    bad = cli("assess", "answer", path, "--force", "Alpha", "--file", answers)
    assert bad.exit_code == 2 and f"{answers}, answers.happiness: unknown indicator 'happiness'" in bad.output
    unknown = cli("assess", "show", path, "--force", "Delta")
    assert unknown.exit_code == 2 and "unknown force 'Delta'" in unknown.output
    framework = tmp_path / "framework.yaml"
    framework.write_text("id: x\nname: X\nversion: '1'\npillars: []\n")
    bad_framework = cli("assess", "show", path, "--force", "Alpha", "--framework", framework)
    assert bad_framework.exit_code == 2 and f"{framework}: invalid framework" in bad_framework.output
    assert "pillars: [] should be non-empty" in bad_framework.output
    metric = cli("benchmark", path, "--metric", "happiness")
    assert metric.exit_code == 2 and "unknown metric 'happiness'" in metric.output
