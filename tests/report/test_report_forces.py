"""`peelian report PROJECT` without --force lists the forces a report can be written for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peelian import Project
from peelian.report.forces import report_forces
from tests.web.conftest import build_project


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    project = build_project(tmp_path / "forces.peelian")
    project.con.execute("INSERT INTO registry VALUES ('twitter', 'newpol', '999', 'Newshire', 'force_corporate', "
                        "NULL, 'Europe/London', NULL, 'registry.csv', 9, now())")
    project.close()
    return tmp_path / "forces.peelian"


def test_report_forces_lists_every_registered_force_with_its_months(project_path: Path) -> None:
    with Project.open(project_path, read_only=True) as project:
        forces = {f["force"]: f for f in report_forces(project)}
        police = project.scalar("SELECT count(*) FROM posts WHERE author_role = 'police' AND author_force = 'Kent'")
    assert list(forces) == ["Kent", "Newshire", "West Midlands"]
    kent = forces["Kent"]
    assert (kent["accounts"], kent["account_types"], kent["police_posts"]) == (2, ["force_corporate", "officer"],
                                                                              police)
    assert kent["months"] == ["2025-04", "2025-05"]
    assert (forces["Newshire"]["police_posts"], forces["Newshire"]["months"]) == (0, [])


def test_cli_report_without_force_lists_the_forces(cli, project_path: Path) -> None:
    result = cli("report", project_path)
    assert result.exit_code == 0, result.output
    assert "forces a report can be written for" in result.output
    assert "Kent" in result.output and "Newshire" in result.output and "2025-04 to 2025-05" in result.output
    assert f'peelian report {project_path} --force "Kent" --month 2025-04 --to report.html' in result.output
    listed = json.loads(cli("report", project_path, "--json").stdout)
    assert [f["force"] for f in listed] == ["Kent", "Newshire", "West Midlands"]
    half = cli("report", project_path, "--force", "Kent", "--month", "2025-05")
    assert half.exit_code == 2 and "a report needs --to" in half.output


def test_the_example_command_names_a_month_the_named_force_has_posts_in(cli, project_path: Path) -> None:
    """The hint took the month from the newest post of any force: a force whose posts end years
    earlier got a month without a post of its own, and its report would be empty."""
    with Project.open(project_path) as project:
        project.con.execute("UPDATE posts SET created_at = created_at - INTERVAL 4 YEAR "
                            "WHERE author_role = 'police' AND author_force = 'Kent'")
    result = cli("report", project_path)
    assert result.exit_code == 0, result.output
    assert "2021-04 to 2021-05" in result.output
    assert f'peelian report {project_path} --force "Kent" --month 2021-04 --to report.html' in result.output
