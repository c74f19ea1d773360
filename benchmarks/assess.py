"""Benchmark: `assess show`, `benchmark` and the Assessment / Benchmark pages on a large project.

    python benchmarks/assess.py                        # 500k posts, 43 forces (SQL corpus, built once)
    python benchmarks/assess.py --posts 10000000 --repeat 7
    python benchmarks/assess.py --project bench-data/assess-sql-10000000.peelian

The corpus is the metrics benchmark's SQL corpus (`benchmarks/metrics.py --source sql`:
conversations, predictions, gold, models, an expectations survey) with 43 forces instead
of its 20, built once into bench-data/. Every force gets a started assessment with answers,
and the project's rollup is brought up to date (`refresh_rollup`, as the web app does after
an import; timed, and skipped when it is fresh already).

Measured, in this order:

- the CLI, each command a new process (`peelian assess show --json`, `peelian benchmark
  --json`): everything a user waits for, start-up and imports included;
- in this process, the project just opened (no fit, no cache): `assess show` (the force's
  measured evidence and scores), again, and `benchmark` with the CLI's default metrics
  (response rate, median response time, two-way ratio, expectations distance) by force, over
  all dates and for the quarter, with intervals and tied ranks; all read from the rollup;
- reference: the fit of the dialogue tables (`prepared`, what the same figures cost without the
  rollup before any of them), one metric table by force for the quarter, and `assess show`
  computed from the fit (`rollup=False`);
- the pages `/assessment` and `/benchmark` through the real app (TestClient, logged in):
  cold once (empty page cache), then `--repeat` warm; medians printed.

Targets (issue 14): `assess show` and `benchmark` under 2 s uncached on a 10 M-post, 43-force
project; pages under 300 ms cached.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"
PASSWORD = "benchmark-password"
FORCES = 43


def _metrics_benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("bench_metrics", ROOT / "benchmarks" / "metrics.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.FORCES = FORCES  # read by its SQL at call time: 43 forces, as in England and Wales
    return module


def prepare(path: Path, posts: int, seed: int) -> str:
    """Build the corpus if needed; a user, and an assessment with answers for every force."""
    from peelian import Project
    from peelian.assess import latest_period, record_answers
    from peelian.store.users import add_user, list_users

    if not path.exists():
        print(f"building {posts:,} posts, {FORCES} forces (sql) into {path} ...", flush=True)
        print(json.dumps(_metrics_benchmark().build(path, posts, "sql", seed)), flush=True)
    from peelian.metrics.rollup import refresh_rollup, rollup_fresh

    with Project.open(path) as project:
        if rollup_fresh(project) is None:
            print("refreshing the rollup ...", flush=True)
            took, report = seconds(lambda: refresh_rollup(project))
            print(f"rollup refreshed in {took:.1f} s (incremental: {report['incremental']})", flush=True)
        if "bench-analyst" not in {u.username for u in list_users(project)}:
            add_user(project, "bench-analyst", PASSWORD, "analyst")
        period = latest_period(project).label
        if not project.scalar("SELECT count(*) FROM assessments"):
            forces = [r["force"] for r in project.query("SELECT DISTINCT force FROM registry ORDER BY 1")]
            for i, force in enumerate(forces):
                record_answers(project, force, {"strategy": 1 + i % 5, "training": 1 + (i * 3) % 5,
                                                "answered_within_hour": 1 + (i * 2) % 5},
                               period=period, user="bench")
    return period


def seconds(work: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def cli(*args: str) -> float:
    """Seconds one `peelian` command takes in a new process (start-up and imports included)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from peelian.cli.main import main; main()", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run(path: Path, period: str, repeat: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from peelian import Project
    from peelian.assess import assess, benchmark, measure, parse_period
    from peelian.metrics import MetricParams, compute_metrics, prepared
    from peelian.metrics.engine import is_prepared
    from peelian.metrics.params import Filters
    from peelian.web.app import create_app

    with Project.open(path, read_only=True) as project:
        force = project.scalar("SELECT force FROM registry ORDER BY force LIMIT 1")
    out: dict[str, Any] = {"cli_assess_show_s": cli("assess", "show", str(path), "--force", force, "--period", period,
                                                    "--json"),
                           "cli_benchmark_s": cli("benchmark", str(path), "--json")}
    project = Project.open(path)
    quarter = parse_period(period)
    params = MetricParams()
    out.update({"posts": project.scalar("SELECT count(*) FROM posts"),
                "forces": project.scalar("SELECT count(DISTINCT force) FROM registry"), "period": period})
    out["assess_show_s"], result = seconds(lambda: assess(project, force, period))
    out["assess_show_again_s"], _ = seconds(lambda: assess(project, force, period))
    out["benchmark_s"], ranked = seconds(lambda: benchmark(
        project, ["response_rate", "median_response", "two_way_ratio", "expectations_gap"], "force"))
    out["benchmark_quarter_s"], _ = seconds(lambda: benchmark(
        project, ["response_rate", "median_response", "two_way_ratio", "expectations_gap"], "force", period=quarter))
    out["read_from_rollup"] = not is_prepared(project, params)  # nothing above needed the fit
    out["reference_fit_s"], _ = seconds(lambda: prepared(project, params))
    out["reference_metric_table_by_force_s"], _ = seconds(lambda: compute_metrics(
        project, params, ("force",), None, Filters(date_from=quarter.date_from, date_to=quarter.date_to), mixes=()))
    out["reference_assess_show_from_fit_s"], _ = seconds(lambda: assess(
        project, force, period, measured=measure(project, quarter, rollup=False)))
    out["assess_overall"] = result.score
    out["benchmark_groups"] = len(ranked.rankings[0].entries)
    app = create_app(path, project=project)
    pages = []
    with TestClient(app) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/login", data={"username": "bench-analyst", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
        for url in (f"/assessment?force={force}&period={period}", "/benchmark", f"/benchmark?period={period}"):
            cold, first = seconds(lambda url=url: client.get(url))
            if first.status_code != 200:
                raise SystemExit(f"{url} answered {first.status_code}: {first.text[:300]}")
            warm = [seconds(lambda url=url: client.get(url))[0] for _ in range(repeat)]
            pages.append({"url": url, "cold_ms": round(cold * 1000, 1),
                          "warm_median_ms": round(statistics.median(warm) * 1000, 1)})
    out["pages"] = pages
    project.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--project", type=Path, help="use this project instead of bench-data/assess-…")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    path = args.project or DATA / f"assess-sql-{args.posts}.peelian"
    period = prepare(path, args.posts, args.seed)
    result = run(path, period, args.repeat)
    print(json.dumps(result, indent=2))
    print(f"\n{result['posts']:,} posts, {result['forces']} forces, period {period}")
    print(f"reference: fit {result['reference_fit_s']:.2f} s; metric table by force "
          f"{result['reference_metric_table_by_force_s']:.2f} s; assess show from the fit "
          f"{result['reference_assess_show_from_fit_s']:.2f} s")
    print(f"figures read from the rollup without a fit: {result['read_from_rollup']}")
    for key, label in (("cli_assess_show_s", "peelian assess show (new process)"),
                       ("cli_benchmark_s", "peelian benchmark (new process)"),
                       ("assess_show_s", "assess show (uncached)"), ("assess_show_again_s", "assess show (again)"),
                       ("benchmark_s", "benchmark, all dates (uncached)"),
                       ("benchmark_quarter_s", "benchmark, one quarter (uncached)")):
        print(f"{label:<36} {result[key]:6.2f} s  (target under 2 s)")
    for p in result["pages"]:
        print(f"{p['url']:<48} cold {p['cold_ms']:8.1f} ms  warm median {p['warm_median_ms']:6.1f} ms "
              "(target under 300 ms)")


if __name__ == "__main__":
    main()
