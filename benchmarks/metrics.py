"""Benchmark: the full metric set on a large corpus, against a plain pandas reference.

    python benchmarks/metrics.py                       # 10 M posts, demo corpus (built once, cached)
    python benchmarks/metrics.py --posts 1000000 --source sql --runs 5

The corpus is built once into bench-data/ and reused: `--source demo` (default) generates
the demo corpus in real platform formats and imports it through the real pipeline (slow
for 10 M posts: the import is the product's own, not the thing measured here); `--source
sql` synthesises the same tables directly with DuckDB SQL (seeded hashes over range()),
in minutes. Predictions for mode, topic and citizen_intent are added for every post in
scope, as after a classifier run, so the code path is measured too.

Each measurement runs in its own process, so its peak memory (VmHWM from /proc/self/status:
DuckDB allocates outside Python, so tracemalloc would miss it) is its own. One run of the
metric set = a fresh process-level fit (conversations, inbound posts, responses, codes)
plus the common metric set (force × account type × month), the metrics by force and
account type with every code mix, the headline, the unanswered list, the activity clock
and the response-time histogram. The reference is a plain pandas implementation of one of
those figures — the median time to first response per force over all inbound posts, with
the same definitions — on the same data, checked against the DuckDB figure.
Targets (docs/metrics.md): full metric set under 60 s and 4 GB on the 2-core, 24 GB machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"
FORCES, ACCOUNTS_PER_FORCE, SLOTS = 20, 15, 10
TOPICS = ("appeal", "incident_update", "insight", "court_result", "traffic", "prevention_advice", "online_meeting",
          "conversation", "recruitment", "other")


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# ---- building the corpus -----------------------------------------------------------------------

def synthesise(project: Any, posts: int, seed: int) -> None:
    """Posts in conversations of up to 10 slots: a police or citizen root, replies by citizens and
    by police (2% by another force), some standalone police broadcasts and reposts, 0.5% replies
    to missing parents; every fifth conversation on a platform without conversation ids."""
    con = project.con
    citizens = max(1000, posts // 20)
    u = [f"(hash(i, {n}, {seed}) % 1000000) / 1000000.0" for n in range(10)]
    con.execute(f"""
        CREATE TEMP TABLE g AS
        WITH s AS (
            SELECT i, i // {SLOTS} AS k, i % {SLOTS} AS j, {", ".join(f"{e} AS u{n}" for n, e in enumerate(u))},
                   CAST((i // {SLOTS}) % {FORCES} AS INTEGER) AS f
            FROM range({posts}) t(i)),
        r AS (
            SELECT *, j > 0 AND u2 < 0.15 AS standalone,
                   CASE WHEN j = 0 THEN (CASE WHEN u1 < 0.7 THEN 'police' ELSE 'citizen' END)
                        WHEN u2 < 0.15 OR u1 >= 0.62 THEN 'police' ELSE 'citizen' END AS role,
                   CASE WHEN j > 0 AND u2 >= 0.15 AND u1 >= 0.98 THEN (f + 1) % {FORCES} ELSE f END AS pf,
                   CASE WHEN u1 < 0.62 THEN 60 + u7 * u7 * 7200 ELSE 60 + u7 * u7 * u7 * 259200 END AS delay,
                   TIMESTAMP '2024-07-01' + to_seconds(CAST(hash(i // {SLOTS}, 99, {seed}) % 31536000 AS BIGINT))
                     AS t0
            FROM s),
        w AS (
            SELECT *, max(CASE WHEN NOT standalone THEN j END) OVER (PARTITION BY k ORDER BY j
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_j,
                   sum(CASE WHEN standalone OR j = 0 THEN 0 ELSE delay END) OVER (PARTITION BY k ORDER BY j) AS elapsed
            FROM r)
        SELECT i, k, j, f, pf, role, standalone, u3, u4, u6, u8,
               CASE WHEN k % 5 = 0 THEN 'mastodon' ELSE 'twitter' END AS platform,
               CAST(1000000000000 + i AS VARCHAR) AS post_id,
               CASE WHEN standalone THEN t0 + to_seconds(CAST(u4 * 2592000 AS BIGINT))
                    ELSE t0 + to_seconds(CAST(elapsed AS BIGINT)) END AS created_at,
               CASE WHEN j = 0 OR standalone THEN NULL WHEN u6 < 0.005 THEN -1
                    WHEN u5 < 0.55 THEN k * {SLOTS} + coalesce(prev_j, 0) ELSE k * {SLOTS} END AS parent_i,
               CASE WHEN role = 'police' THEN 'p' || pf || '_' || CAST(floor(u8 * {ACCOUNTS_PER_FORCE}) AS INTEGER)
                    ELSE 'c' || CAST(floor({citizens} * u8 * u8) AS BIGINT) END AS author_id
        FROM w""")
    con.execute(f"""
        INSERT INTO posts (platform, post_id, author_id, author_handle, author_role, author_force, author_account_type,
                           created_at, text, kind, reply_to_post_id, reply_to_account_id, conversation_id, like_count,
                           reply_count, repost_count, quote_count, author_followers, url)
        SELECT g.platform, g.post_id, g.author_id, g.author_id, g.role,
               CASE WHEN g.role = 'police' THEN 'Force ' || lpad(CAST(g.pf + 1 AS VARCHAR), 2, '0') END,
               CASE WHEN g.role = 'police' THEN CASE CAST(floor(g.u8 * {ACCOUNTS_PER_FORCE}) AS INTEGER)
                    WHEN 0 THEN 'force_corporate' WHEN 1 THEN 'team' WHEN 2 THEN 'team' WHEN 3 THEN 'team'
                    WHEN 4 THEN 'team' WHEN 14 THEN 'unit' ELSE 'officer' END END,
               g.created_at,
               CASE WHEN g.role = 'police' THEN (CASE WHEN g.u3 < 0.5 THEN 'Update from the team' ELSE
                    'Thanks, we are looking into it' END)
                    WHEN g.j = 0 THEN '@p' || g.f || '_0 is the road open?'
                    WHEN g.u3 < 0.35 THEN 'Is the road open yet?' WHEN g.u3 < 0.45 THEN 'what about the A38'
                    ELSE 'thanks for the update' END,
               CASE WHEN g.standalone AND g.u3 < 0.2 THEN 'repost' WHEN g.parent_i IS NULL THEN 'original'
                    ELSE 'reply' END,
               CASE WHEN g.parent_i = -1 THEN 'missing' || g.i ELSE CAST(1000000000000 + g.parent_i AS VARCHAR) END,
               p.author_id,
               CASE WHEN g.platform = 'mastodon' THEN NULL WHEN g.standalone THEN g.post_id
                    ELSE CAST(1000000000000 + g.k * {SLOTS} AS VARCHAR) END,
               CASE WHEN g.role = 'police' THEN CAST(g.u3 * 40 AS INTEGER) END,
               CASE WHEN g.role = 'police' THEN CAST(g.u4 * 8 AS INTEGER) END,
               CASE WHEN g.role = 'police' THEN CAST(g.u6 * 10 AS INTEGER) END,
               CASE WHEN g.role = 'police' THEN CAST(g.u4 * g.u3 * 3 AS INTEGER) END,
               CASE WHEN g.role = 'police' THEN 5000 + (hash(g.author_id) % 200000) END,
               'https://example.org/' || g.post_id
        FROM g LEFT JOIN g p ON p.i = g.parent_i""")
    con.execute("""
        INSERT INTO mentions
        SELECT platform, post_id, 'p' || f || CASE WHEN j = 0 THEN '_0' ELSE '_1' END,
               'p' || f || CASE WHEN j = 0 THEN '_0' ELSE '_1' END
        FROM g WHERE role = 'citizen' AND (j = 0 OR u4 < 0.05)""")
    accounts = [(f"p{f}_{a}", f"Force {f + 1:02d}", "force_corporate" if a == 0 else "team" if a <= 4
                 else "unit" if a == 14 else "officer") for f in range(FORCES) for a in range(ACCOUNTS_PER_FORCE)]
    for plat in ("twitter", "mastodon"):
        con.executemany("INSERT INTO registry VALUES (?, ?, ?, ?, ?, NULL, 'Europe/London', NULL, 'bench', 0, now())",
                        [(plat, a, a, force, kind) for a, force, kind in accounts])
        con.executemany("INSERT INTO accounts (platform, account_id, handle, role, force, account_type) "
                        "VALUES (?, ?, ?, 'police', ?, ?)", [(plat, a, a, force, kind) for a, force, kind in accounts])
    con.execute("DROP TABLE g")


def add_codes(project: Any, seed: int) -> None:
    """Predictions for every post in scope (as after applying classifiers), gold for 0.2%,
    the models with a per-code evaluation, and a national expectations survey."""
    con = project.con
    topics = "[" + ", ".join(f"'{t}'" for t in TOPICS) + "]"
    evaluation = {"per_code": {c: {"precision": 0.8, "recall": 0.75, "support": 120, "predicted": 112}
                               for c in ("inform", "request", "engage", *TOPICS, "question", "report", "praise",
                                         "other", "complaint")}}
    for model, dim in (("bench-mode", "mode"), ("bench-topic", "topic"), ("bench-intent", "citizen_intent")):
        con.execute("INSERT INTO models VALUES (?, ?, '1', 'bench', TRUE, now(), 'none', NULL, 1000, ?, NULL)",
                    [model, dim, json.dumps(evaluation)])
    con.execute(f"""
        INSERT INTO predictions
        SELECT platform, post_id, 'mode', 'bench-mode',
               [CASE WHEN kind = 'reply' THEN 'engage' WHEN hash(post_id, {seed}) % 4 = 0 THEN 'request'
                     ELSE 'inform' END], 0.8, NULL, now()
        FROM posts WHERE author_role = 'police' AND kind <> 'repost'""")
    con.execute(f"""
        INSERT INTO predictions
        SELECT platform, post_id, 'topic', 'bench-topic', [{topics}[CAST(1 + hash(post_id, {seed}) % 10 AS BIGINT)]],
               0.7, NULL, now()
        FROM posts WHERE author_role = 'police' AND kind = 'original'""")
    con.execute(f"""
        INSERT INTO predictions
        SELECT platform, post_id, 'citizen_intent', 'bench-intent',
               [CASE WHEN contains(text, '?') THEN 'question' WHEN hash(post_id, {seed}) % 3 = 0 THEN 'report'
                     ELSE 'praise' END], 0.7, NULL, now()
        FROM posts WHERE author_role = 'citizen'""")
    con.execute("""
        INSERT INTO gold
        SELECT nextval('gold_seq'), platform, post_id, dimension, codes, 'bench', NULL, NULL, NULL, '1', now()
        FROM predictions WHERE hash(post_id) % 500 = 0""")
    con.executemany("INSERT INTO expectations VALUES ('bench survey', NULL, ?, ?, NULL, now())",
                    [(t, 0.1) for t in TOPICS])


def build(path: Path, posts: int, source: str, seed: int) -> dict[str, Any]:
    from peelian import Project

    started = time.perf_counter()
    if source == "demo":
        from peelian.demo import build_demo

        build_demo(path, posts=posts, seed=seed, forces=8, months=12, start="2024-07-01")
        project = Project.open(path)
    else:
        project = Project.init(path)
        with project.transaction():
            synthesise(project, posts, seed)
    with project.transaction():
        add_codes(project, seed)
    project.set_setting("benchmark_corpus", json.dumps({"posts": posts, "source": source, "seed": seed}))
    project.con.execute("CHECKPOINT")
    count = project.scalar("SELECT count(*) FROM posts")
    project.close()
    return {"seconds": time.perf_counter() - started, "posts": count}


# ---- the measured work --------------------------------------------------------------------------

def run_metrics(path: Path, runs: int) -> dict[str, Any]:
    from peelian import Project
    from peelian.metrics import (
        MetricParams,
        activity_clock,
        clear_cache,
        common_metric_set,
        compute_metrics,
        headline,
        prepared,
        response_time_distribution,
        unanswered,
    )

    project = Project.open(path, read_only=True)
    params = MetricParams()
    timings: list[dict[str, float]] = []
    for _ in range(runs):
        clear_cache()
        steps: dict[str, float] = {}
        cpu = time.process_time()
        start = last = time.perf_counter()
        for name, work in (
            ("fit", lambda: prepared(project, params)),
            ("metric set", lambda: common_metric_set(project, params)),
            ("by force, type (all mixes)", lambda: compute_metrics(project, params)),
            ("headline", lambda: headline(project, params)),
            ("unanswered", lambda: unanswered(project, params, limit=100)),
            ("clock + histogram", lambda: (activity_clock(project, params),
                                           response_time_distribution(project, params))),
        ):
            work()
            now = time.perf_counter()
            steps[name] = now - last
            last = now
        steps["total"] = last - start
        steps["total CPU (all threads)"] = time.process_time() - cpu
        timings.append(steps)
    reference = compute_metrics(project, MetricParams(needs_response="all"), by=("force",))
    medians = {r["force"]: r["response_time_median_s"] for r in reference.rows}
    fit = prepared(project, params)
    info = {"threads": fit.threads_, "rows_metric_set": common_metric_set(project, params).num_rows}
    project.close()
    return {"timings": timings, "peak_mb": peak_rss_mb(), "medians": medians, **info}


def run_pandas(path: Path) -> dict[str, Any]:
    """The same figure in plain pandas: median time to first response per force, all inbound posts."""
    import duckdb
    import numpy as np
    import pandas as pd

    started = time.perf_counter()
    con = duckdb.connect(str(path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    posts = con.execute("""SELECT platform, post_id, author_id, author_role, author_force, created_at, kind,
                                  reply_to_post_id, reply_to_account_id, conversation_id
                           FROM posts WHERE created_at IS NOT NULL""").df()
    mentions = con.execute("SELECT platform, post_id, account_id FROM mentions").df()
    police = con.execute("SELECT DISTINCT platform, account_id, force FROM accounts WHERE role = 'police'").df()
    con.close()
    loaded = time.perf_counter()

    posts["row"] = np.arange(len(posts))
    key = posts[["platform", "post_id", "row", "created_at", "author_role", "author_force", "author_id"]]
    child = posts[posts["reply_to_post_id"].notna() & (posts["reply_to_post_id"] != posts["post_id"])]
    link = child[["row", "platform", "reply_to_post_id", "created_at", "post_id"]].merge(
        key.rename(columns={"post_id": "reply_to_post_id", "row": "parent", "created_at": "p_at",
                            "author_role": "p_role", "author_force": "p_force", "author_id": "p_author"}),
        on=["platform", "reply_to_post_id"])
    p_id, c_id = link["reply_to_post_id"], link["post_id"]
    forward = (link["p_at"] < link["created_at"]) | ((link["p_at"] == link["created_at"]) & (
        (p_id.str.len() < c_id.str.len()) | ((p_id.str.len() == c_id.str.len()) & (p_id < c_id))))
    link = link[forward]
    parent = pd.Series(-1, index=posts.index)
    parent.iloc[link["row"].to_numpy()] = link["parent"].to_numpy()
    # conversations: the platform's id, else climb to the first ancestor with one (pointer jumping)
    has_conv = posts["conversation_id"].notna().to_numpy()
    anc = parent.to_numpy().copy()
    todo = (~has_conv) & (anc >= 0)
    anc[~todo] = -1
    while True:
        nxt = np.where(anc >= 0, anc, 0)
        moving = (anc >= 0) & (anc[nxt] >= 0)
        if not moving.any():
            break
        anc = np.where(moving, anc[nxt], anc)
    top = np.where(anc >= 0, anc, np.arange(len(posts)))
    conv_id = posts["conversation_id"].where(posts["conversation_id"].notna(), posts["post_id"]).to_numpy()
    posts["conv"] = posts["platform"].to_numpy() + "|" + np.where(has_conv, conv_id, conv_id[top])
    posts["p_role"] = None
    posts.loc[link["row"], "p_role"] = link["p_role"].to_numpy()
    posts.loc[link["row"], "p_force"] = link["p_force"].to_numpy()
    posts.loc[link["row"], "p_author"] = link["p_author"].to_numpy()
    posts.loc[link["row"], "p_at"] = link["p_at"].to_numpy()
    # inbound: citizen replies to police posts (or to a police account whose post is missing), and mentions
    citizen = posts[(posts["author_role"] == "citizen") & (posts["kind"] != "repost")]
    by_reply = citizen[citizen["p_role"] == "police"][["row", "p_force"]].rename(columns={"p_force": "force"})
    orphans = citizen[citizen["p_role"].isna() & citizen["reply_to_post_id"].notna()]
    by_account = orphans.merge(police, left_on=["platform", "reply_to_account_id"],
                               right_on=["platform", "account_id"])[["row", "force"]]
    by_mention = citizen.merge(mentions, on=["platform", "post_id"]).merge(
        police, on=["platform", "account_id"])[["row", "force"]]
    inbound = pd.concat([by_reply, by_account, by_mention]).drop_duplicates()
    inbound = inbound.merge(posts[["row", "platform", "author_id", "conv", "created_at"]], on="row")
    # police replies to citizen posts, matched to earlier inbound posts of the same citizen and conversation
    replies = posts[(posts["author_role"] == "police") & (posts["p_role"] == "citizen")][
        ["platform", "author_force", "p_author", "conv", "p_at", "created_at"]].rename(
        columns={"author_force": "force", "p_author": "author_id", "created_at": "r_at"})
    pairs = inbound.merge(replies, on=["platform", "force", "author_id", "conv"])
    pairs = pairs[(pairs["p_at"] >= pairs["created_at"]) & (pairs["r_at"] >= pairs["created_at"])]
    first = pairs.groupby(["row", "force"], as_index=False).agg(resp=("r_at", "min"), at=("created_at", "first"))
    first["delay"] = (first["resp"] - first["at"]).dt.total_seconds()
    medians = first.groupby("force")["delay"].median().to_dict()
    done = time.perf_counter()
    return {"seconds": done - started, "load_seconds": loaded - started, "compute_seconds": done - loaded,
            "peak_mb": peak_rss_mb(), "medians": medians}


def worker(kind: str, path: Path, runs: int) -> dict[str, Any]:
    return run_metrics(path, runs) if kind == "metrics" else run_pandas(path)


def in_child(kind: str, path: Path, runs: int = 1) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, "--project", str(path), "--runs", str(runs)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--source", choices=("demo", "sql"), default="demo")
    parser.add_argument("--runs", type=int, default=3, help="runs of the metric set; the median is reported")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--project", type=Path, help="use this corpus instead of bench-data/metrics-…")
    parser.add_argument("--rebuild", action="store_true", help="build the corpus again")
    parser.add_argument("--worker", choices=("metrics", "pandas"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.project, args.runs), default=str))
        return
    path = args.project or DATA / f"metrics-{args.source}-{args.posts}.peelian"
    if args.rebuild and path.exists():
        path.unlink()
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            wal.unlink()
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        print(f"building {args.posts:,} posts ({args.source}) into {path} …", flush=True)
        built = build(path, args.posts, args.source, args.seed)
        print(f"built {built['posts']:,} posts in {built['seconds']:.0f} s", flush=True)
    load_before = os.getloadavg()[0]
    metrics = in_child("metrics", path, args.runs)
    reference = in_child("pandas", path)
    load_after = os.getloadavg()[0]
    totals = [t["total"] for t in metrics["timings"]]
    steps = {k: statistics.median(t[k] for t in metrics["timings"]) for k in metrics["timings"][0]}
    agree = all(abs((metrics["medians"].get(f) or 0) - v) < 1e-6 for f, v in reference["medians"].items()) \
        and len(reference["medians"]) == len([v for v in metrics["medians"].values() if v is not None])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, " + next(
        (f"{int(line.split()[1]) / 1048576:.0f} GB" for line in Path("/proc/meminfo").read_text().splitlines()
         if line.startswith("MemTotal")), "?")
    print(f"\nmetrics benchmark — {path.name}, {machine}; {metrics['threads']['conversations']:,} conversations, "
          f"{metrics['threads']['orphan_branches']:,} orphan branches; metric set {metrics['rows_metric_set']:,} rows")
    print(f"{'step':<34}{'median s':>10}")
    for name, seconds in steps.items():
        print(f"{name:<34}{seconds:>10.2f}")
    print(f"\n{'':<34}{'seconds':>10}{'peak MB':>10}{'target':>16}")
    print(f"{'full metric set (median of ' + str(len(totals)) + ')':<34}{statistics.median(totals):>10.2f}"
          f"{metrics['peak_mb']:>10.0f}{'< 60 s, < 4 GB':>16}")
    print(f"{'pandas: response time only':<34}{reference['seconds']:>10.2f}{reference['peak_mb']:>10.0f}"
          f"{'reference':>16}")
    print(f"{'  of which loading the posts':<34}{reference['load_seconds']:>10.2f}")
    print(f"\nruns of the full metric set: {', '.join(f'{t:.1f}' for t in totals)} s")
    print(f"\nmedian response time per force: DuckDB and pandas {'agree' if agree else 'DISAGREE'} "
          f"({len(reference['medians'])} forces)")
    print(f"load average (1 min) before {load_before:.1f}, after {load_after:.1f}: on a shared machine, wall "
          "times above CPU ÷ cores are waiting for the processor")


if __name__ == "__main__":
    main()
