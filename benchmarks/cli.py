"""Benchmark: how long the CLI takes to answer, against the interpreter's own start-up.

    python benchmarks/cli.py                       # median of 10 runs each
    python benchmarks/cli.py --runs 20 --project demo.peelian

Each command runs in a fresh process, as a user or a script runs it, and its wall time is taken
from outside. The floors are measured in the same run: `python -c pass` (the interpreter) and
`python -c "import duckdb"` (what any command that opens a project pays); the CLI framework's own
import (Typer, which checks values with pydantic, and Rich) is shown beside them. Runs are interleaved
(one of each command per round) so that a change in the machine's load touches every row alike;
the load average is printed with the table. Target (issue 12): `peelian --help` and `peelian status`
under 0.3 s on the 2-core development machine.

`peelian status` needs a project: `--project` (e.g. the one `make demo` builds), else a small demo
project is built once into bench-data/ and reused.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"
PEELIAN = str(Path(sys.executable).with_name("peelian"))


def demo_project(posts: int) -> Path:
    """A demo project to run `status` on, built once (its size barely matters: status reads counts)."""
    path = DATA / f"cli-demo-{posts}.peelian"
    if not path.exists():
        from peelian.demo import build_demo

        DATA.mkdir(exist_ok=True)
        print(f"building {path} ({posts:,} posts, once) ...", file=sys.stderr)
        build_demo(path, posts=posts)
    return path


def cases(project: Path) -> list[tuple[str, list[str]]]:
    py = sys.executable
    return [
        ("python -c pass (floor)", [py, "-c", "pass"]),
        ("python -c 'import duckdb' (floor)", [py, "-c", "import duckdb"]),
        # what Typer and Rich cost any Typer CLI before it runs a command (Typer checks values with pydantic)
        ("import typer, rich (framework)", [py, "-c", "import typer, typer._adapters, rich.console, rich.table"]),
        ("peelian --help", [PEELIAN, "--help"]),
        ("peelian status PROJECT", [PEELIAN, "status", str(project)]),
        ("peelian formats", [PEELIAN, "formats"]),
    ]


def wall(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "COLUMNS": "100"})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="Runs of each command (default 10).")
    parser.add_argument("--project", type=Path, help="The project for `peelian status` (default: a demo, built once).")
    parser.add_argument("--demo-posts", type=int, default=2_000, help="Posts in the demo project built for status.")
    args = parser.parse_args()

    project = args.project or demo_project(args.demo_posts)
    from peelian.store.project import Project

    Project.open(project).close()  # a schema upgrade after a Peelian update is done once here, not timed
    todo = cases(project)
    for _, argv in todo:  # warm the file cache and fail early
        wall(argv)
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {name: [] for name, _ in todo}
    for _ in range(args.runs):
        for name, argv in todo:
            times[name].append(wall(argv))
    load_after = os.getloadavg()

    floor = statistics.median(times[todo[0][0]])
    print(f"CLI start-up: median of {args.runs} runs, {os.cpu_count()} CPUs, load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after; project {project}")
    print(f"{'command':<36} {'median s':>9} {'min s':>7} {'max s':>7} {'- floor s':>10}")
    for name, _ in todo:
        values = times[name]
        median = statistics.median(values)
        print(f"{name:<36} {median:>9.3f} {min(values):>7.3f} {max(values):>7.3f} {median - floor:>10.3f}")


if __name__ == "__main__":
    main()
