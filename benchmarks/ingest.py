"""Benchmark: importing twarc2 JSONL, against DuckDB alone reading (and storing) the same fields of a file.

Target (issue 12, part 4): the import runs at >= 70% of the rate at which DuckDB alone stores the same
posts, accounts and mentions (the "DuckDB storing" reference below, measured in the same run), at 1M and
3M posts, with memory flat in file size. (It replaced ">= 50% of DuckDB scanning": storing alone reaches
less than that.)

    python benchmarks/ingest.py [--posts 1000000] [--small 100000] [--copies 3] [--runs 3] [--profile]

The corpus comes from the demo generator (four forces, one JSONL file of twarc2 pages, no deliberate
mess), cached in ./bench-data/. The largest file, for the memory comparison, is --copies copies of
the --posts corpus, each copy's tweet ids re-keyed (their first digit changed), so that its posts
are new while its accounts recur (generating 3M posts with the demo generator takes over an hour).
Every measurement runs in a fresh subprocess, so its peak memory (VmHWM in /proc/self/status) is
its own:

- import: a new project, the demo registry, then `peelian.ingest.import_files` on the file (timed:
  hashing, detection, parsing, identity resolution, pseudonymisation, staging, merge, commit);
- DuckDB: `read_json` on the same file with the fields the importer extracts declared (ids, author
  ids, times, text, language, references, reply-to user, metrics, mentions for `data` and
  `includes.tweets`; id, username, name and followers for `includes.users`), unnested into a table
  in one scan, using all of DuckDB's threads;
- DuckDB storing: the least that any import writing the project's tables must do, as plain DuckDB
  SQL in one transaction on a new project: the same scan, then the posts (one row per post, a data
  tweet's copy before its expansion), the accounts of `includes.users` and the mentions inserted.
  It skips everything else an import does (the registry, pseudonyms, line locations, checks of
  each value's shape, joins for the author's handle, merging with stored posts). It is the fastest
  way I found for DuckDB to write these tables, and so a fair ceiling for what an import, which does
  all of this and more, can reach. (It keeps the parsed file in memory; its peak is not a target.)

Rates are data tweets (the posts of the file) per second of wall-clock time; each figure is the median
of --runs runs. Rates per CPU-second (user + system, all threads) are printed too: on a shared machine
they are the steadier comparison of how much work each side does.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"

TWEET = ("STRUCT(id VARCHAR, author_id VARCHAR, created_at TIMESTAMP, text VARCHAR, lang VARCHAR, "
         "conversation_id VARCHAR, in_reply_to_user_id VARCHAR, "
         "referenced_tweets STRUCT(type VARCHAR, id VARCHAR)[], "
         "public_metrics STRUCT(retweet_count BIGINT, reply_count BIGINT, like_count BIGINT, quote_count BIGINT, "
         "impression_count BIGINT), entities STRUCT(mentions STRUCT(username VARCHAR, id VARCHAR)[]))")
USER = "STRUCT(id VARCHAR, username VARCHAR, name VARCHAR, public_metrics STRUCT(followers_count BIGINT))"
COLUMNS = {"data": f"{TWEET}[]", "includes": f"STRUCT(users {USER}[], tweets {TWEET}[])"}
# The pages of the file (its path the statement's parameter), with those fields declared.
READ_PAGES = ("read_json(?, format = 'newline_delimited', columns = {"
              + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items())
              + "}, maximum_object_size = 268435456)")


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads together."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


# ---- corpus ---------------------------------------------------------------------------------------

def corpus(posts: int) -> tuple[Path, Path, int]:
    """(JSONL file, registry CSV, data tweets in the file), generated once and cached."""
    from peelian.demo import generate

    folder = DATA / f"twarc2-{posts}"
    jsonl, registry, info = folder / "twarc2.jsonl", folder / "registry.csv", folder / "info.json"
    if info.exists():
        return jsonl, registry, json.loads(info.read_text())["data_tweets"]
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    manifest = generate(folder / "parts", posts=posts, seed=1, mastodon=False, truth=False, mess=False,
                        tweets_per_file=10 ** 9)
    seconds = time.perf_counter() - started
    data_tweets = 0
    with open(jsonl, "wb") as out:
        for part in manifest.x_files:
            with open(part, "rb") as fh:
                for line in fh:
                    data_tweets += int(line[line.rindex(b'"result_count":') + 15:].split(b"}")[0].split(b",")[0])
                    out.write(line)
    shutil.copy(manifest.registry_csv, registry)
    shutil.rmtree(folder / "parts")
    info.write_text(json.dumps({"posts": manifest.counts["posts"], "data_tweets": data_tweets,
                                "generate_seconds": seconds, "bytes": jsonl.stat().st_size}))
    print(f"generated {manifest.counts['posts']:,} posts ({data_tweets:,} data tweets, "
          f"{jsonl.stat().st_size / 1e6:,.0f} MB) in {seconds:.1f} s: {manifest.counts['posts'] / seconds:,.0f} "
          "posts/s", file=sys.stderr)
    return jsonl, registry, data_tweets


def copied_corpus(posts: int, copies: int) -> tuple[Path, Path, int]:
    """`copies` copies of the `posts` corpus, tweet ids re-keyed per copy; generated once and cached."""
    source, registry, data_tweets = corpus(posts)
    folder = DATA / f"twarc2-{posts}-x{copies}"
    jsonl = folder / "twarc2.jsonl"
    if not jsonl.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tweet_id = re.compile(rb'"1([0-9]{18})"')  # the demo's tweet ids; its user ids are shorter
        with open(jsonl.with_suffix(".partial"), "wb") as out:
            for copy in range(copies):
                prefix = b'"%d' % (copy + 1)
                with open(source, "rb") as fh:
                    for line in fh:
                        out.write(tweet_id.sub(prefix + rb'\1"', line) if copy else line)
        jsonl.with_suffix(".partial").rename(jsonl)
    return jsonl, registry, data_tweets * copies


# ---- measurements (each in its own subprocess) ---------------------------------------------------

def measure_import(jsonl: str, registry: str) -> dict[str, float]:
    from peelian import Project
    from peelian.ingest import import_files
    from peelian.store.registry import import_registry

    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        project = Project.init(Path(tmp) / "bench.peelian")
        import_registry(project, registry)
        before = peak_mb()
        started, cpu = time.perf_counter(), cpu_seconds()
        (report,) = import_files(project, [jsonl])
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        project.close()
    assert report.reconciles and report.quarantined == 0, report
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "baseline_mb": before,
            "records": report.records_read, "posts": report.posts_new}


def measure_duckdb(jsonl: str) -> dict[str, float]:
    import duckdb

    con = duckdb.connect()
    started, cpu = time.perf_counter(), cpu_seconds()
    con.execute(
        f"""CREATE TABLE scanned AS
            SELECT unnest(list_concat(data, includes.tweets)) AS tweet, unnest(includes.users) AS user
            FROM {READ_PAGES}""",
        [jsonl])
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    tweets = con.execute("SELECT count(tweet) FROM scanned").fetchone()[0]
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "tweets": tweets, "threads": threads}


def measure_duckdb_store(jsonl: str) -> dict[str, float]:
    """Plain DuckDB SQL writing the same posts, accounts and mentions (the module docstring says why)."""
    from peelian import Project

    tweets = ("(SELECT unnest(list_concat(data, includes.tweets)) AS t, "
              "generate_subscripts(list_concat(data, includes.tweets), 1) > len(data) AS partial FROM pages)")

    def full(value: str) -> str:
        return f"arg_max({value}, NOT partial)"

    reference = "list_filter(t.referenced_tweets, lambda r: r.type = '{}')[-1].id"
    types = "list_transform(t.referenced_tweets, lambda r: r.type)"
    kind = (f"CASE WHEN list_contains({types}, 'retweeted') THEN 'repost' WHEN list_contains({types}, 'replied_to') "
            f"THEN 'reply' WHEN list_contains({types}, 'quoted') THEN 'quote' ELSE 'original' END")
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        project = Project.init(Path(tmp) / "floor.peelian")
        con = project.con
        started, cpu = time.perf_counter(), cpu_seconds()
        con.execute("BEGIN")
        con.execute(f"CREATE TEMP TABLE pages AS SELECT data, includes FROM {READ_PAGES}", [jsonl])
        con.execute(f"""INSERT INTO posts (platform, post_id, author_id, created_at, text, language, kind,
                reply_to_post_id, reply_to_account_id, conversation_id, quoted_post_id, reposted_post_id,
                like_count, reply_count, repost_count, quote_count, view_count, is_partial, first_import_id,
                last_import_id)
            SELECT 'twitter', t.id, {full("t.author_id")}, {full("t.created_at")}, {full("t.text")},
                {full("t.lang")}, {full(kind)},
                {full(reference.format("replied_to"))}, {full("t.in_reply_to_user_id")},
                {full("t.conversation_id")}, {full(reference.format("quoted"))},
                {full(reference.format("retweeted"))}, {full("t.public_metrics.like_count")},
                {full("t.public_metrics.reply_count")}, {full("t.public_metrics.retweet_count")},
                {full("t.public_metrics.quote_count")}, {full("t.public_metrics.impression_count")},
                bool_and(partial), 1, 1
            FROM {tweets} GROUP BY t.id""")
        con.execute("""INSERT INTO accounts (platform, account_id, handle, display_name, followers_count,
                first_seen_import, last_seen_import)
            SELECT 'twitter', u.id, any_value(u.username), any_value(u.name),
                max(u.public_metrics.followers_count), 1, 1
            FROM (SELECT unnest(includes.users) AS u FROM pages) GROUP BY u.id""")
        con.execute("""INSERT INTO mentions SELECT DISTINCT 'twitter', t.id, m.id, m.username
            FROM (SELECT t, unnest(t.entities.mentions) AS m FROM (SELECT unnest(data) AS t FROM pages))""")
        con.execute("DROP TABLE pages")
        con.execute("COMMIT")
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
        project.close()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "posts": posts}


def in_subprocess(what: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, f"--_{what}", *args], check=True, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- report ----------------------------------------------------------------------------------------

def run(corpora: dict[str, tuple[Path, Path, int]], runs: int) -> None:
    results = {}
    for name, (jsonl, registry, data_tweets) in corpora.items():
        # Interleaved, so that a shared machine's load falls alike on the import and its references.
        imports, scans, floors = [], [], []
        for _ in range(runs):
            imports.append(in_subprocess("import", str(jsonl), str(registry)))
            scans.append(in_subprocess("duckdb", str(jsonl)))
            floors.append(in_subprocess("duckdb_store", str(jsonl)))
        assert floors[0]["posts"] == imports[0]["posts"], (floors[0], imports[0])
        results[name] = {
            "data_tweets": data_tweets,
            "records": imports[0]["records"],
            "mb": jsonl.stat().st_size / 1e6,
            "import_cpu_rate": data_tweets / statistics.median(r["cpu"] for r in imports),
            "duckdb_cpu_rate": data_tweets / statistics.median(r["cpu"] for r in scans),
            "import_rate": data_tweets / statistics.median(r["seconds"] for r in imports),
            "import_seconds": statistics.median(r["seconds"] for r in imports),
            "import_peak": statistics.median(r["peak_mb"] for r in imports),
            "import_baseline": statistics.median(r["baseline_mb"] for r in imports),
            "duckdb_rate": data_tweets / statistics.median(r["seconds"] for r in scans),
            "duckdb_seconds": statistics.median(r["seconds"] for r in scans),
            "duckdb_peak": statistics.median(r["peak_mb"] for r in scans),
            "threads": scans[0]["threads"],
            "floor_rate": data_tweets / statistics.median(r["seconds"] for r in floors),
            "floor_seconds": statistics.median(r["seconds"] for r in floors),
            "floor_cpu_rate": data_tweets / statistics.median(r["cpu"] for r in floors),
            "floor_peak": statistics.median(r["peak_mb"] for r in floors),
        }
    names = list(corpora)
    rows = [
        ("file: data tweets / records / MB", lambda r: f"{r['data_tweets']:,} / {r['records']:,} / {r['mb']:,.0f}"),
        ("import: seconds", lambda r: f"{r['import_seconds']:.1f}"),
        ("import: posts/s", lambda r: f"{r['import_rate']:,.0f}"),
        ("DuckDB read_json: seconds", lambda r: f"{r['duckdb_seconds']:.1f}"),
        (f"DuckDB read_json: posts/s ({results[names[0]]['threads']} threads)", lambda r: f"{r['duckdb_rate']:,.0f}"),
        ("import / DuckDB read_json", lambda r: f"{r['import_rate'] / r['duckdb_rate']:.0%}"),
        ("DuckDB storing posts, accounts, mentions: seconds", lambda r: f"{r['floor_seconds']:.1f}"),
        ("DuckDB storing: posts/s", lambda r: f"{r['floor_rate']:,.0f}"),
        ("DuckDB storing / DuckDB read_json", lambda r: f"{r['floor_rate'] / r['duckdb_rate']:.0%}"),
        ("import / DuckDB storing (target >= 70%)", lambda r: f"{r['import_rate'] / r['floor_rate']:.0%}"),
        ("import: posts per CPU-second", lambda r: f"{r['import_cpu_rate']:,.0f}"),
        ("DuckDB: posts per CPU-second", lambda r: f"{r['duckdb_cpu_rate']:,.0f}"),
        ("DuckDB storing: posts per CPU-second", lambda r: f"{r['floor_cpu_rate']:,.0f}"),
        ("import / DuckDB per CPU-second", lambda r: f"{r['import_cpu_rate'] / r['duckdb_cpu_rate']:.0%}"),
        ("import / DuckDB storing per CPU-second", lambda r: f"{r['import_cpu_rate'] / r['floor_cpu_rate']:.0%}"),
        ("import: peak memory MB (before import)", lambda r: f"{r['import_peak']:,.0f} ({r['import_baseline']:,.0f})"),
        ("DuckDB: peak memory MB", lambda r: f"{r['duckdb_peak']:,.0f}"),
        ("DuckDB storing: peak memory MB", lambda r: f"{r['floor_peak']:,.0f}"),
    ]
    width = max(len(label) for label, _ in rows)
    cells = [[fmt(results[n]) for n in names] for _, fmt in rows]
    col = max(max(len(c) for row in cells for c in row), *(len(n) for n in names))
    print(f"{'':{width}}  " + "  ".join(f"{n:>{col}}" for n in names))
    for (label, _), row in zip(rows, cells, strict=True):
        print(f"{label:{width}}  " + "  ".join(f"{c:>{col}}" for c in row))
    print(f"medians of {runs} run(s), each in a fresh subprocess; {os.cpu_count()} CPUs; "
          f"load average {os.getloadavg()[0]:.1f}")


def profile(posts: int, top: int) -> None:
    """cProfile one import in this process and print where the time goes."""
    from peelian import Project
    from peelian.ingest import import_files
    from peelian.store.registry import import_registry

    jsonl, registry, _ = corpus(posts)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        project = Project.init(Path(tmp) / "profile.peelian")
        import_registry(project, registry)
        profiler = cProfile.Profile(time.process_time)  # CPU time: steadier than wall time on a shared machine
        profiler.enable()
        import_files(project, [jsonl])
        profiler.disable()
        project.close()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts in the large file")
    parser.add_argument("--small", type=int, default=100_000, help="posts in the small file (memory comparison)")
    parser.add_argument("--copies", type=int, default=3,
                        help="copies of the large file in the largest (memory comparison; 1 or less: none)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (medians are reported)")
    parser.add_argument("--profile", action="store_true", help="cProfile an import of the small file instead")
    parser.add_argument("--top", type=int, default=30, help="functions to list with --profile")
    parser.add_argument("--_import", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--_duckdb", nargs=1, help=argparse.SUPPRESS)
    parser.add_argument("--_duckdb_store", nargs=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    DATA.mkdir(exist_ok=True)
    if args._import:
        print(json.dumps(measure_import(*args._import)))
    elif args._duckdb:
        print(json.dumps(measure_duckdb(*args._duckdb)))
    elif args._duckdb_store:
        print(json.dumps(measure_duckdb_store(*args._duckdb_store)))
    elif args.profile:
        profile(args.small, args.top)
    else:
        corpora = {f"{posts:,} posts": corpus(posts) for posts in sorted({args.small, args.posts})}
        if args.copies > 1:
            corpora[f"{args.copies} x {args.posts:,} posts"] = copied_corpus(args.posts, args.copies)
        run(corpora, args.runs)


if __name__ == "__main__":
    main()
