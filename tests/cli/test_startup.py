"""Start-up stays light: the CLI imports the heavy libraries only in the commands that use them, so
`peelian --help` and light commands answer at once (timings: benchmarks/cli.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

from peelian.cli.app import HELP_PANELS
from peelian.cli.main import app

HEAVY = ("sklearn", "torch", "fastapi", "sentence_transformers", "uvicorn", "scipy", "pandas", "networkx", "jinja2",
         "click",  # Typer brings its own copy; the standalone package would load for nothing
         "linearmodels",
         "starlette", "zxcvbn")
DATA = ("duckdb", "pyarrow", "numpy", "pandas", "argon2")
PEELIAN = Path(sys.executable).with_name("peelian")


def _fresh(code: str, stderr: bool = False) -> str:
    """Run code in a new interpreter, where nothing has been imported yet (unlike this test process)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return (done.stderr if stderr else done.stdout).strip()


def test_importing_the_cli_imports_no_heavy_library():
    loaded = _fresh(f"import peelian.cli.main, sys; print(sorted(m for m in {HEAVY + DATA!r} if m in sys.modules))")
    assert loaded == "[]"


def test_help_loads_no_data_library():
    """`--help` builds every command's options, whose help names the store's values (tables, roles); those
    come from a module that imports nothing, so listing the commands loads no DuckDB or Arrow stack."""
    loaded = _fresh("import sys\nfrom peelian.cli.main import app\ntry:\n    app(['--help'])\n"
                    "except SystemExit:\n    pass\n"
                    f"print(sorted(m for m in {DATA!r} if m in sys.modules), file=sys.stderr)", stderr=True)
    assert loaded.splitlines()[-1] == "[]"


def test_importing_peelian_does_not_load_duckdb_until_project_is_used():
    assert _fresh("import peelian, sys; print('duckdb' in sys.modules); peelian.Project; "
                  "print('duckdb' in sys.modules)").split() == ["False", "True"]


def test_classify_and_demo_packages_load_their_modules_on_first_use():
    """Like the other layers, `peelian.classify` and `peelian.demo` re-export lazily: importing them (or one
    light module in them) loads no scikit-learn, torch or import pipeline, and `uncertainty` sampling is still
    offered because importing the package registers it."""
    out = _fresh("import sys, peelian.classify, peelian.demo, peelian.classify.normalise\n"
                 "from peelian.coding.samples import available_strategies\n"
                 "print(sorted(m for m in ('sklearn', 'torch', 'sentence_transformers', 'peelian.ingest', "
                 "'peelian.classify.models') if m in sys.modules), 'uncertainty' in available_strategies())\n"
                 "print(peelian.classify.train_model.__module__, peelian.demo.build_demo.__module__, "
                 "peelian.demo.generate.__module__)")
    assert out.splitlines() == ["[] True", "peelian.classify.training peelian.demo.build peelian.demo.generate"]


def test_help_lists_every_command_in_workflow_panels():
    done = subprocess.run([str(PEELIAN), "--help"], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    positions = [done.stdout.find(f"─ {panel} ") for panel in HELP_PANELS]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "─ Commands " not in done.stdout  # every command is in a workflow panel
    for name in ("init", "import", "status", "classify", "metrics", "serve", "users"):
        assert f"│ {name} " in done.stdout


def test_every_top_level_command_has_a_workflow_panel():
    root = typer.main.get_command(app)
    for name, command in root.commands.items():
        assert getattr(command, "rich_help_panel", None) in HELP_PANELS, name


def test_a_fresh_cli_knows_the_classifier_sampling_strategy(tmp_path):
    """The classifier registers `uncertainty` with the coding layer when imported; a CLI that no longer
    imports it at start must still offer it to `sample create`."""
    path = tmp_path / "fresh.peelian"
    assert subprocess.run([str(PEELIAN), "init", str(path)], capture_output=True, timeout=120).returncode == 0
    done = subprocess.run([str(PEELIAN), "sample", "create", str(path), "--name", "s", "--size", "5", "--coders", "a",
                           "--strategy", "no-such-strategy"], capture_output=True, text=True, timeout=300)
    assert "unknown sampling strategy 'no-such-strategy'" in done.stderr
    assert "uncertainty" in done.stderr.split("known:")[1]
