"""Benchmark: web pages on a large project, timed through the real app (TestClient) after login.

    python benchmarks/web.py                          # 10 M posts (SQL corpus, built once into bench-data/)
    python benchmarks/web.py --posts 200000 --repeat 7
    python benchmarks/web.py --project my.peelian     # any existing project (users are added if missing)

The corpus is the metrics benchmark's (`benchmarks/metrics.py`: posts in conversations, 20
forces, predictions, gold, models, an expectations survey), built with `--source sql`
unless `--source demo`. Each page is requested once cold (empty cache: the dashboard then
fits the metric tables) and `--repeat` times warm; the medians are printed. The target
(docs/product.md, issue 12) is a page under 1 s uncached and 300 ms cached on a 10 M-post
project, and the coding UI's next item under 50 ms.

Before the pages, the dashboard rollup (`peelian.metrics.rollup`) is refreshed from scratch
and timed (the fit plus the monthly aggregates: what a server does in the background after
an import); the metric fit is then dropped, so the pages run as in a freshly started server
whose rollup is current (the app warms up as `peelian serve` does: it keeps the rollup and the
explorer's filter lists current, and fits in the background once no page has been asked for a while;
a page that needs the fit starts it). A page that answers with a progress indicator (its figures are computed in
the background) is timed twice: its first answer, and the time until the real page is there
("ready"), which is the one the targets are about.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"
PASSWORD = "benchmark-password"


def _metrics_benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("bench_metrics", ROOT / "benchmarks" / "metrics.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare(path: Path, posts: int, source: str, seed: int) -> None:
    """Build the corpus if needed, then users and a coding sample for the coder."""
    from peelian import Project
    from peelian.coding.samples import create_sample
    from peelian.store.users import add_user, list_users

    if not path.exists():
        print(f"building {posts:,} posts ({source}) into {path} ...", flush=True)
        print(json.dumps(_metrics_benchmark().build(path, posts, source, seed)), flush=True)
    with Project.open(path) as project:
        existing = {u.username for u in list_users(project)}
        for name, role in (("bench-admin", "admin"), ("bench-analyst", "analyst"), ("bench-coder", "coder")):
            if name not in existing:
                add_user(project, name, PASSWORD, role)
        if not project.scalar("SELECT count(*) FROM samples WHERE sample_name = 'bench'"):
            create_sample(project, "bench", 200, coders=["bench-coder"], seed=seed, overlap=0.0)


def login(client: Any, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


PROGRESS = ('id="dashboard-progress"', 'id="computing-progress"')


def timed(client: Any, url: str, repeat: int, work: Any = None) -> dict[str, Any]:
    started = time.perf_counter()
    first = client.get(url)
    answered = time.perf_counter() - started
    while any(marker in first.text for marker in PROGRESS) and work is not None:
        work.wait(1.0)
        time.sleep(0.05)
        first = client.get(url)
    cold = time.perf_counter() - started
    if first.status_code != 200:
        raise SystemExit(f"{url} answered {first.status_code}: {first.text[:300]}")
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        warm.append(time.perf_counter() - started)
    return {"url": url, "first_answer_ms": round(answered * 1000, 1), "cold_ms": round(cold * 1000, 1), "warm_median_ms": round(statistics.median(warm) * 1000, 1),
            "warm_max_ms": round(max(warm) * 1000, 1), "bytes": len(first.content)}


def refresh(path: Path) -> dict[str, Any]:
    """Time the dashboard rollup's refresh from scratch (fit + every month's aggregates, and the inbox's
    rows that the triage layer keeps with it, as in the server, which imports triage)."""
    from peelian import Project
    from peelian.metrics import clear_cache
    from peelian.metrics.rollup import STATE_KEY, refresh_rollup

    importlib.import_module("peelian.triage.inbox")  # registers the inbox rows kept with the rollup
    with Project.open(path) as project:
        project.con.execute("DELETE FROM meta WHERE key = ?", [STATE_KEY])
        clear_cache()
        started = time.perf_counter()
        report = refresh_rollup(project)
        seconds = time.perf_counter() - started
        clear_cache()
    return {"rollup_refresh_s": round(seconds, 2), "months": report["months"],
            "months_rewritten": len(report["months_rewritten"])}


def refresh_after_import(path: Path) -> dict[str, Any]:
    """Time the incremental refresh after an import that wrote the newest month's posts again: the
    posts are marked as an import marks what it writes (a new `imports` row, their last_import_id), so
    this WRITES to the project (use a copy of a shared one). The same refresh refitting everything
    is timed after it, as the reference."""
    from peelian import Project
    from peelian.metrics import clear_cache
    from peelian.metrics.rollup import STATE_KEY, refresh_rollup

    with Project.open(path) as project:
        refresh_rollup(project)
        newest = project.scalar("SELECT max(created_at) FROM posts")
        marker = int(project.scalar("SELECT coalesce(max(import_id), 0) + 1 FROM imports"))
        with project.transaction() as con:
            con.execute("INSERT INTO imports (import_id, path, format, sha256, started_at, peelian_version) "
                        "VALUES (?, 'benchmarks/web.py', 'benchmark', '-', now(), 'benchmark')", [marker])
            con.execute("UPDATE posts SET last_import_id = ? WHERE created_at >= ?",
                        [marker, newest.replace(day=1, hour=0, minute=0, second=0, microsecond=0)])
        clear_cache()
        started = time.perf_counter()
        report = refresh_rollup(project)
        incremental = time.perf_counter() - started
        clear_cache()
        project.con.execute("DELETE FROM meta WHERE key = ?", [STATE_KEY])
        started = time.perf_counter()
        whole = refresh_rollup(project, full=True)
        full = time.perf_counter() - started
        clear_cache()
    return {"incremental_refresh_s": round(incremental, 2), "full_refresh_s": round(full, 2),
            "months": whole["months"],
            "incremental": report["incremental"], "months_recomputed": len(report["months_recomputed"]),
            "posts_fitted": report["posts_fitted"]}


def run(path: Path, repeat: int) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from peelian import Project
    from peelian.web.app import create_app

    project = Project.open(path)
    force = project.scalar("SELECT force FROM registry ORDER BY force LIMIT 1")
    conversation = project.scalar(
        "SELECT conversation_id FROM posts WHERE conversation_id IS NOT NULL AND kind = 'reply' "
        "AND author_role = 'police' LIMIT 1")
    platform = project.scalar("SELECT platform FROM posts WHERE conversation_id = ? LIMIT 1", [conversation])
    word = "A38" if project.scalar("SELECT count(*) FROM posts WHERE text ILIKE '%A38%' LIMIT 1") else "police"
    app = create_app(path, project=project, warm=True)  # as `peelian serve`: rollup and fit kept current
    work = app.state.peelian.work
    results = []
    with TestClient(app) as analyst:
        login(analyst, "bench-analyst")
        for url in ("/", f"/?force={force}", "/?period=week", "/explorer", f"/explorer?force={force}&kind=reply",
                    f"/explorer?q={word}", f"/explorer?q={word}&force={force}",
                    f"/explorer?metric=response_rate&force={force}", "/explorer?metric=response_rate",
                    "/explorer?metric=posts", "/explorer?metric=dialogue_conversations",
                    "/explorer?metric=reciprocated", "/explorer?metric=mode_share_engage", "/explorer?page=200",
                    f"/thread/{platform}/{conversation}", "/inbox", f"/inbox?force={force}", "/inbox?since=all",
                    "/unanswered",
                    f"/unanswered?force={force}", "/models"):
            results.append(timed(analyst, url, repeat, work))
            print(json.dumps(results[-1]), flush=True)
    with TestClient(app) as coder:
        login(coder, "bench-coder")
        results.append(timed(coder, "/code?sample=bench", repeat))
        print(json.dumps(results[-1]), flush=True)
        item = re.search(r'id="first-item">(.*?)</script>', coder.get("/code?sample=bench").text, re.S)
        post = json.loads(item.group(1))["post"] if item else None
        if post:
            results.append(timed(coder, f"/code/api/next?sample=bench&after={post['platform']}:{post['post_id']}",
                                 repeat))
            print(json.dumps(results[-1]), flush=True)
    project.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--source", choices=("sql", "demo"), default="sql")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--project", type=Path, help="use this project instead of bench-data/web-…")
    parser.add_argument("--after-import", action="store_true",
                        help="also time the incremental refresh after an import of the newest month (writes a "
                             "marker import to the project: use a copy)")
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    path = args.project or DATA / f"web-{args.source}-{args.posts}.peelian"
    prepare(path, args.posts, args.source, args.seed)
    after = refresh_after_import(path) if args.after_import else None
    if after:
        print(json.dumps(after), flush=True)
    rollup = refresh(path) if after is None else {  # the full refit after the import was one from scratch
        "rollup_refresh_s": after["full_refresh_s"], "months": after["months"], "months_rewritten": 0}
    print(json.dumps(rollup), flush=True)
    load = os.getloadavg()
    results = run(path, args.repeat)
    from peelian import Project

    with Project.open(path, read_only=True) as project:
        posts = project.scalar("SELECT count(*) FROM posts")
    width = max(len(r["url"]) for r in results)
    print(f"\n{posts:,} posts in {path.name}; {args.repeat} warm requests per page; load average "
          f"{load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} CPUs)")
    print(f"dashboard rollup refreshed from scratch (fit + {rollup['months']} months) in {rollup['rollup_refresh_s']} s "
          "(in the background after an import; the dashboard shows a progress indicator meanwhile)")
    if after:
        print(f"after an import of the newest month: incremental refresh {after['incremental_refresh_s']} s "
              f"({after['months_recomputed']} months, {after['posts_fitted']:,} posts fitted), full refit "
              f"{after['full_refresh_s']} s")
    print(f"{'page':<{width}}  {'first answer ms':>15}  {'ready (cold) ms':>15}  {'warm median ms':>15}  "
          f"{'warm max ms':>12}")
    for r in results:
        print(f"{r['url']:<{width}}  {r['first_answer_ms']:>15.1f}  {r['cold_ms']:>15.1f}  "
              f"{r['warm_median_ms']:>15.1f}  {r['warm_max_ms']:>12.1f}")
    slow = [r["url"] for r in results if r["warm_median_ms"] > 300]
    print("all pages under 300 ms warm" if not slow else f"over 300 ms warm: {', '.join(slow)}")
    cold = [r["url"] for r in results if r["cold_ms"] > 1000]
    print("all pages under 1 s cold" if not cold else f"over 1 s cold: {', '.join(cold)}")


if __name__ == "__main__":
    sys.exit(main())
