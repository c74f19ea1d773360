"""The library and the benchmarks pass ruff's checks for real faults: unused imports and variables (unpacked
ones too), names redefined before use, undefined names and bare excepts (`pip install -e '.[dev]'` for ruff)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RULES = "F,E722,RUF059"  # pyflakes, bare except, unused unpacked variables; style rules are left to the editor


def test_no_unused_names_or_bare_excepts() -> None:
    pytest.importorskip("ruff", reason="ruff is in the dev extras")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                             "--select", RULES, "src", "benchmarks"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
