"""The README's tour runs as written on the project `make demo` builds, so it cannot drift.

The tour's `sh` blocks are run in order, in a folder holding the demo project built with the
same command as `make demo` (without `--serve`): the same seed and size, so the conversation
ids and months the tour names exist. Commands that start a web server (`serve`, `code`) are
not run. A line `echo "TEXT" | peelian ...` runs with TEXT on standard input. Every `$ peelian ...`
(or `$ echo ... | peelian ...`) whose output the README shows must be one of the tour's commands.
"""

from __future__ import annotations

import glob
import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SERVERS = {"serve", "code"}  # they serve the web app until stopped
PROJECTS = {"demo.peelian", "mine.peelian"}  # the demo, and the project the tour creates from its files
NO_PROJECT = {"check"}  # reads a draft, not a project
PIPED = re.compile(r"^echo (.+?) \| (peelian .*)$")


def tour() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("\n## A tour\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:end if end > 0 else None]


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """(info string, lines) of each fenced code block."""
    return [(m.group(1).strip(), m.group(2).splitlines())
            for m in re.finditer(r"^```([^\n]*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)]


def command(line: str) -> tuple[list[str], str | None] | None:
    """A `peelian ...` or `echo "TEXT" | peelian ...` line as (argv, standard input); None otherwise."""
    if line.startswith("peelian "):
        return shlex.split(line, comments=True), None
    piped = PIPED.match(line)
    if piped:
        return shlex.split(piped.group(2), comments=True), shlex.split(piped.group(1))[0] + "\n"
    return None


def commands(text: str) -> list[tuple[list[str], str | None]]:
    """The commands of the `sh` blocks, in order, as (argv, standard input) (comments dropped)."""
    return [found for info, lines in blocks(text) if info == "sh"
            for found in map(command, lines) if found]


def shown(text: str) -> list[list[str]]:
    """The commands (`$ peelian ...`, `$ echo ... | peelian ...`) whose output the tour shows."""
    return [found[0] for info, lines in blocks(text) if info != "sh"
            for line in lines if line.startswith("$ ") and (found := command(line[2:]))]


def make_demo_args() -> list[str]:
    """The arguments `make demo` gives `peelian demo`, less --serve."""
    line = next(line for line in (ROOT / "Makefile").read_text().splitlines() if "peelian demo " in line)
    return [a for a in shlex.split(line.split("peelian", 1)[1]) if a != "--serve"]


def test_the_tour_uses_only_the_demo_and_shows_only_its_own_commands() -> None:
    text = tour()
    run = [argv for argv, _ in commands(text)]
    assert len(run) >= 15, "the tour has lost its commands"
    for argv in run:
        projects = {a for a in argv if a.endswith(".peelian")}
        assert projects <= PROJECTS, f"{shlex.join(argv)} names a project the tour does not have"
        assert projects or argv[1] in NO_PROJECT, f"{shlex.join(argv)} names no project"
    for argv in shown(text):
        assert argv in run, f"the README shows the output of {shlex.join(argv)}, which the tour does not run"
    assert make_demo_args()[:2] == ["demo", "demo.peelian"], "make demo no longer builds demo.peelian"


def test_every_tour_command_runs_as_written_on_the_demo(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    built = cli(*make_demo_args())
    assert built.exit_code == 0, built.output
    ran = 0
    for argv, stdin in commands(tour()):
        assert argv[0] == "peelian"
        if argv[1] in SERVERS:
            continue
        args = [match for a in argv[1:] for match in (sorted(glob.glob(a)) if "*" in a else [a])]
        assert len(args) >= len(argv) - 1, f"{shlex.join(argv)}: a pattern matched no file"
        result = cli(*args, input=stdin)
        assert result.exit_code in (0, 1), f"{shlex.join(argv)} exited {result.exit_code}:\n{result.output}"
        assert "Traceback" not in result.output, shlex.join(argv)
        ran += 1
    assert ran >= 13
    assert Path("report.html").read_text(encoding="utf-8").startswith("<!doctype html>")
