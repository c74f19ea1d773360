"""Benchmark: web pages on a large project, timed through the real app (TestClient) after login.

    python benchmarks/web.py                          # 10 M posts (SQL corpus, built once into bench-data/)
    python benchmarks/web.py --posts 200000 --repeat 7
    python benchmarks/web.py --project my.peelian     # any existing project (users are added if missing)

The corpus is the metrics benchmark's (`benchmarks/metrics.py`: posts in conversations, 20
forces, predictions, gold, models, an expectations survey), built with `--source sql`
unless `--source demo`. Each page is requested once cold (empty cache: the dashboard then
fits the metric tables) and `--repeat` times warm; the medians are printed. The target
(docs/product.md) is a page under 300 ms on a 10 M-post project, and the coding UI's next
item under 50 ms.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
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


def timed(client: Any, url: str, repeat: int) -> dict[str, Any]:
    started = time.perf_counter()
    first = client.get(url)
    cold = time.perf_counter() - started
    if first.status_code != 200:
        raise SystemExit(f"{url} answered {first.status_code}: {first.text[:300]}")
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        warm.append(time.perf_counter() - started)
    return {"url": url, "cold_ms": round(cold * 1000, 1), "warm_median_ms": round(statistics.median(warm) * 1000, 1),
            "warm_max_ms": round(max(warm) * 1000, 1), "bytes": len(first.content)}


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
    app = create_app(path, project=project)
    results = []
    with TestClient(app) as analyst:
        login(analyst, "bench-analyst")
        for url in ("/", f"/?force={force}", "/?period=week", "/explorer", f"/explorer?force={force}&kind=reply",
                    f"/explorer?q={word}", f"/explorer?q={word}&force={force}",
                    f"/explorer?metric=response_rate&force={force}", "/explorer?page=200",
                    f"/thread/{platform}/{conversation}", "/inbox", f"/inbox?force={force}", "/unanswered",
                    f"/unanswered?force={force}", "/models"):
            results.append(timed(analyst, url, repeat))
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
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    path = args.project or DATA / f"web-{args.source}-{args.posts}.peelian"
    prepare(path, args.posts, args.source, args.seed)
    results = run(path, args.repeat)
    from peelian import Project

    with Project.open(path, read_only=True) as project:
        posts = project.scalar("SELECT count(*) FROM posts")
    width = max(len(r["url"]) for r in results)
    print(f"\n{posts:,} posts in {path.name}; {args.repeat} warm requests per page (target: under 300 ms)")
    print(f"{'page':<{width}}  {'cold ms':>9}  {'warm median ms':>15}  {'warm max ms':>12}")
    for r in results:
        print(f"{r['url']:<{width}}  {r['cold_ms']:>9.1f}  {r['warm_median_ms']:>15.1f}  {r['warm_max_ms']:>12.1f}")
    slow = [r["url"] for r in results if r["warm_median_ms"] > 300]
    print("all pages under 300 ms warm" if not slow else f"over 300 ms warm: {', '.join(slow)}")


if __name__ == "__main__":
    sys.exit(main())
