"""Benchmark: does the local side of a collection (parse + store) keep up with the network?

    python benchmarks/collect.py                     # 20,000 posts, median of 3 runs
    python benchmarks/collect.py --posts 50000 --runs 5

Collection is network-bound: the public APIs serve about 3 pages of 100 posts a second at the polite
rate. What this measures is everything else: Bluesky getAuthorFeed pages, recorded in the API's
documented shape, are served by httpx's MockTransport (no network, no waiting), and
`peelian collect bluesky` writes each response to the project folder, imports it and moves its
cursor. Target (issue 16): at least 2,000 posts a second.

The reference, measured in the same run on the same pages: importing the response files that the
collection wrote with `peelian import` (the library's `import_files`), one file per page, which is
how a user without the collector would get the same data in. Runs alternate between the two so
that a change in the machine's load touches both alike; the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from peelian import Project
from peelian.collect import Fetcher, collect_bluesky
from peelian.ingest import import_files

DID = "did:plc:benchpolice00000000000000"
HANDLE = "benchpolice.bsky.social"
PAGE = 100
START = datetime(2025, 1, 1, tzinfo=UTC)


def pages(posts: int) -> list[bytes]:
    """getAuthorFeed responses, newest first, each post a realistic PostView (facets, counts, langs)."""
    views = []
    for i in range(posts - 1, -1, -1):
        created = (START + timedelta(minutes=7 * i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        text = f"Update {i}: road closed on the A{i % 999} after a collision, please avoid the area @citizen{i % 50}"
        mention_at = text.index("@")
        views.append({
            "uri": f"at://{DID}/app.bsky.feed.post/3kbench{i:07d}", "cid": f"bafyreibench{i:07d}",
            "author": {"did": DID, "handle": HANDLE, "displayName": "Bench Police", "labels": [],
                       "viewer": {"muted": False, "blockedBy": False}, "createdAt": "2023-04-26T19:05:34.249Z"},
            "record": {"$type": "app.bsky.feed.post", "createdAt": created, "langs": ["en"], "text": text,
                       "facets": [{"index": {"byteStart": mention_at, "byteEnd": len(text)},
                                   "features": [{"$type": "app.bsky.richtext.facet#mention",
                                                 "did": f"did:plc:citizen{i % 50:020d}"}]}]},
            "replyCount": i % 4, "repostCount": i % 7, "likeCount": i % 31, "quoteCount": 0,
            "indexedAt": created, "viewer": {}, "labels": []})
    out = []
    for start in range(0, len(views), PAGE):
        body: dict[str, Any] = {"feed": [{"post": v} for v in views[start:start + PAGE]]}
        if start + PAGE < len(views):
            body["cursor"] = views[start + PAGE - 1]["indexedAt"]
        out.append(orjson.dumps(body))
    return out


def transport(bodies: list[bytes]) -> httpx.MockTransport:
    by_cursor = {None: bodies[0]}
    for previous, body in zip(bodies, bodies[1:], strict=False):
        by_cursor[orjson.loads(previous)["cursor"]] = body
    profile = orjson.dumps({"did": DID, "handle": HANDLE})

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getProfile"):
            return httpx.Response(200, content=profile, headers={"content-type": "application/json"})
        return httpx.Response(200, content=by_cursor[request.url.params.get("cursor")],
                              headers={"content-type": "application/json"})

    return httpx.MockTransport(handler)


def run_collect(folder: Path, bodies: list[bytes], posts: int) -> tuple[float, Path]:
    path = folder / "collect.peelian"
    with Project.init(path) as project:
        fetcher = Fetcher(rate=1e9, transport=transport(bodies))
        started = time.perf_counter()
        collect_bluesky(project, [HANDLE], fetcher=fetcher)
        seconds = time.perf_counter() - started
        stored = project.scalar("SELECT count(*) FROM posts WHERE author_id IS NOT NULL AND NOT is_partial")
    assert stored == posts, (stored, posts)
    return posts / seconds, path.with_name(path.name + ".d") / "collected"


def run_import(folder: Path, files: list[Path], posts: int) -> float:
    with Project.init(folder / "import.peelian") as project:
        started = time.perf_counter()
        import_files(project, files, format="bluesky")
        seconds = time.perf_counter() - started
        stored = project.scalar("SELECT count(*) FROM posts WHERE NOT is_partial")
    assert stored == posts, (stored, posts)
    return posts / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    bodies = pages(args.posts)
    work = Path(tempfile.mkdtemp(prefix="peelian-bench-collect-"))
    try:
        page_files = work / "pages"
        page_files.mkdir()
        files = []
        for n, body in enumerate(bodies):
            files.append(page_files / f"page-{n:05d}.json")
            files[-1].write_bytes(body)
        collected, imported = [], []
        for run in range(args.runs):
            folder = work / f"run{run}"
            folder.mkdir()
            rate, _ = run_collect(folder, bodies, args.posts)
            collected.append(rate)
            imported.append(run_import(folder, files, args.posts))
            shutil.rmtree(folder)
        c, i = statistics.median(collected), statistics.median(imported)
        print(f"{args.posts:,} posts in {len(bodies):,} getAuthorFeed pages; median of {args.runs} runs; "
              f"load average {os.getloadavg()[0]:.2f}")
        print(f"{'':48} {'posts/s':>10}")
        print(f"{'peelian collect bluesky (mock transport)':48} {c:>10,.0f}")
        print(f"{'peelian import of the same pages (reference)':48} {i:>10,.0f}")
        print(f"collect / import: {c / i:.2f}; target 2,000 posts/s: {'met' if c >= 2000 else 'NOT met'}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
