"""`peelian demo`: builds a project, refuses to overwrite one unless --force, never deletes a non-project."""

from __future__ import annotations

from pathlib import Path

import orjson

from peelian import Project


def test_demo_builds_then_refuses_to_overwrite_without_force(cli, tmp_path: Path) -> None:
    path = tmp_path / "demo.peelian"
    result = cli("demo", path, "--posts", "600", "--seed", "2", "--json")
    assert result.exit_code == 0, result.output
    report = orjson.loads(result.stdout)
    assert report["params"]["seed"] == 2
    assert sum(r["quarantined"] for r in report["reports"]) == 1
    assert report["expectations"]["rows"] == 10
    with Project.open(path, read_only=True) as project:
        assert project.scalar("SELECT count(*) FROM posts") == report["counts"]["posts"]
        assert project.scalar("SELECT count(*) FROM expectations") == 10
        first = project.scalar("SELECT min(post_id) FROM posts")

    again = cli("demo", path, "--posts", "600")
    assert again.exit_code == 2
    assert "already exists" in again.stderr

    replaced = cli("demo", path, "--posts", "600", "--seed", "3", "--force", "--json")
    assert replaced.exit_code == 0, replaced.output
    with Project.open(path, read_only=True) as project:
        assert project.scalar("SELECT min(post_id) FROM posts") != first


def test_force_never_deletes_a_file_that_is_not_a_project(cli, tmp_path: Path) -> None:
    path = tmp_path / "notes.peelian"
    path.write_text("not a project")
    result = cli("demo", path, "--posts", "600", "--force")
    assert result.exit_code == 2
    assert path.read_text() == "not a project"
