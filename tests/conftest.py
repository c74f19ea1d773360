"""Shared test fixtures: a fresh project, the shared real-format fixtures, a CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("COLUMNS", "200")  # CLI output checked by tests must not wrap

import pytest
from typer.testing import CliRunner

from peelian import Project
from peelian.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def shared_fixtures() -> Path:
    if not SHARED_FIXTURES.exists():
        pytest.skip("../shared/fixtures is not present")
    return SHARED_FIXTURES


@pytest.fixture
def project(tmp_path: Path) -> Project:
    proj = Project.init(tmp_path / "test.peelian")
    yield proj
    proj.close()


@pytest.fixture
def project_path(tmp_path: Path) -> Path:
    path = tmp_path / "cli.peelian"
    Project.init(path).close()
    return path


@pytest.fixture
def cli():
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke
