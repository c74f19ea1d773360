"""Benchmark: the common metric set over a national lake on Spark local[1], local[2] and DuckDB.

    python benchmarks/national.py                        # 1 M posts, 44 forces (a few minutes on 2 cores)
    python benchmarks/national.py --posts 10000000 --base-posts 90909 --build-only   # the 10 M lake, untimed
    python benchmarks/national.py --posts 10000000 --base-posts 90909 --engines spark2,duckdb

The lake is built once into bench-data/national-<posts>/: a demo project (real platform
formats through the real import) is exported with `export_dataset`, then its lake is
replicated 11 times with renamed forces and ids (each copy a new source, no id shared between
copies); 11 copies of a demo of 4 forces and --posts/11 posts make 44 forces, about the 43 of
England and Wales. (A demo post that no force's facts hold is not in the lake, so the lake holds
slightly fewer posts than --posts; the figure printed is the lake's own.)

`--base-posts B` builds a larger lake from a smaller demo (e.g. the 1 M lake's 90,909 posts for
10 M, instead of generating and importing a 909,000-post demo): each of the 11 force copies
stacks s = posts / (11 B) copies of the base (rounded; 10 for 10 M), each with fresh ids and nids
(copy k + 11 j, so stacked copy 0 is the default lake's copy k) under the SAME force names,
concatenated before writing, so each partition (force x platform x month) is one file s times
larger, as a national lake's partitions are large. What that changes: every force, month and
account type has s times the rows, the police accounts, citizens and conversations (s disjoint
copies of its conversations), while the groups of the metric set are the same, so each count is
exactly s times the base lake's, medians and rates are unchanged, and only interpolated p90s and
top-N concentration differ. What it does not change: the number of forces, months, partitions
and result rows, nor the data's variety (the same conversations, repeated), so per-group sorting
and percentile work grows with s while compression and skew are the base's. bench-data/
national-<posts>/bench-build.json records how a lake was built; a cached lake built otherwise is
refused. `--engines` chooses the runs (spark1, spark2, duckdb; all by default) and `--build-only`
only builds the lake. Each measurement runs in its own process, so its peak
memory is its own: VmHWM of the Python process, plus for Spark that of the JVM it started
(the driver and, in local mode, the executors); so is its CPU time (user + system of both), which
shows how many cores a run really had on a shared machine. Starting the engine (for Spark the JVM
and its session) is timed apart from the job, and the local[1] -> local[2] speed-up is the job's;
`uptime` before and after shows what else the machine was running.

Each run is pinned to as many CPUs as its cores (`sched_setaffinity`, inherited by the JVM): Spark's
local[N] bounds only the task threads, while the driver's planning, code generation and the JVM's
compiler and collector run beside them, so an unpinned local[1] already keeps two cores busy (1.8 on
this machine) and no speed-up from local[1] to local[2] could show on two cores. Pinned, local[1] is
Spark on one CPU and local[2] on two. `--no-pin` runs them unpinned.

The national plan (43 forces, 300 M posts) is extrapolated from the job's CPU seconds per post and per
lake partition (force × platform × month) measured on local[1] (on local[2] when only that ran).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"
COPIES, BASE_FORCES = 11, 4  # 44 forces, about the 43 of England and Wales
ID_COLUMNS = ("author", "account_h", "conv", "citizen", "resp_account")
NID_COLUMNS = ("nid", "resp_nid", "source", "target")
# The runs --engines chooses from: (engine, cores).
ENGINE_RUNS = {"spark1": ("spark", 1), "spark2": ("spark", 2), "duckdb": ("duckdb", 2)}
RECIPE = "bench-build.json"  # how the cached lake was built (posts, base posts, stack)


def build(posts: int, base_posts: int | None = None) -> Path:
    """The benchmark lake (cached): the demo's lake replicated to `posts` posts, as 11 renamed force
    copies, each stacking `stack` copies of the base with fresh ids under the same force names."""
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from peelian import Project
    from peelian.demo.build import build_demo
    from peelian.national.lake import MANIFEST, PARTITION_KEYS, SCHEMAS, TIME_COLUMN, Lake, export_dataset

    base_posts = base_posts or posts // COPIES
    stack = max(1, round(posts / (COPIES * base_posts)))
    recipe = {"posts": posts, "base_posts": base_posts, "stack": stack}
    target = DATA / f"national-{posts}"
    if (target / MANIFEST).exists():
        # A lake from before --base-posts holds no recipe: it was built the default way.
        built = (orjson.loads((target / RECIPE).read_bytes()) if (target / RECIPE).exists()
                 else {"posts": posts, "base_posts": posts // COPIES, "stack": 1})
        if built != recipe:
            raise SystemExit(f"{target} was built as {built}, not {recipe}: remove it to rebuild it")
        return target
    base = DATA / f"national-base-{base_posts}"
    if not (base / "lake" / MANIFEST).exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        build_demo(base / "demo.peelian", posts=base_posts, seed=17, forces=BASE_FORCES, months=6,
                   start="2025-01-01")
        project = Project.open(base / "demo.peelian")
        try:
            _predict_everything(project)
            export_dataset(project, base / "lake")
        finally:
            project.close()
    lake = Lake.open(base / "lake")
    tables = {t: ds.dataset(base / "lake" / t, format="parquet", schema=SCHEMAS[t]).to_table()
              if (base / "lake" / t).is_dir() else SCHEMAS[t].empty_table() for t in SCHEMAS}
    for name in ("police", "inbound", "recip", "codes", "texts"):
        # The copies' nids are `<nid>#<copy>`: unique only if no base nid holds a '#'.
        if pc.any(pc.match_substring(tables[name].column("nid"), "#")).as_py():
            raise SystemExit(f"a base nid in {name} holds '#': the copies' nids would not be unique")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (source_id, source), = lake.sources.items()
    manifest = dict(lake.manifest, sources={}, forces={})
    partitioning = ds.partitioning(pa.schema([(p, pa.string()) for p in PARTITION_KEYS]), flavor="hive")
    for k in range(COPIES):
        suffix = f" {k:02d}"
        for name, table in tables.items():
            # Stacked copy j of force copy k is copy number k + 11 j: copy j = 0 is the default lake's copy k.
            out = pa.concat_tables([_copy(table, SCHEMAS[name], suffix, k + COPIES * j) for j in range(stack)])
            force_key = pc.replace_substring_regex(pc.utf8_lower(out.column("force")), "[^a-z0-9]+", "-")
            month = pc.strftime(out.column(TIME_COLUMN[name]), "%Y-%m")
            keyed = out.append_column(PARTITION_KEYS[0], force_key).append_column(PARTITION_KEYS[1], out.column(
                "platform")).append_column(PARTITION_KEYS[2], month)
            ds.write_dataset(keyed, target / name, format="parquet", basename_template=f"copy{k:02d}-{{i}}.parquet",
                             partitioning=partitioning, existing_data_behavior="overwrite_or_ignore",
                             max_rows_per_group=1 << 20)
        forces = [f + suffix for f in source["forces"]]
        rows = {t: n * stack for t, n in source["rows"].items()}
        threads = {t: n if t == "jump_rounds" else n * stack for t, n in (source.get("threads") or {}).items()}
        manifest["sources"][f"{source_id}-copy{k:02d}"] = dict(source, forces=forces, rows=rows, threads=threads)
        manifest["forces"].update({f: f"{source_id}-copy{k:02d}" for f in forces})
    (target / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    (target / RECIPE).write_bytes(orjson.dumps(recipe))
    return target


def _copy(table: Any, schema: Any, suffix: str, copy: int) -> Any:
    """One copy of a base lake table: forces renamed with `suffix`, nids suffixed `#<copy>` and
    int64 ids xor-ed with a per-copy mask, so no id or nid is shared between two copies."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = {}
    for field in schema:
        col = table.column(field.name)
        if field.name in ("force", "source_force", "target_force"):
            col = pc.if_else(pc.is_null(col), col, pc.binary_join_element_wise(col, pa.scalar(suffix), ""))
        elif field.name in NID_COLUMNS:
            col = pc.if_else(pc.is_null(col), col, pc.binary_join_element_wise(col, pa.scalar(f"#{copy}"), ""))
        elif field.name in ID_COLUMNS:
            col = pc.bit_wise_xor(col, pa.scalar(copy * 0x9E3779B97F4A7C15 % (1 << 63), pa.int64()))
        columns[field.name] = col
    return pa.table(columns, schema=schema)


def _predict_everything(project: Any) -> None:
    """Mode and topic predictions for every police post, as after a classifier run, so the code
    path (the codes table and the share columns) is measured too."""
    with project.transaction() as con:
        for dim in ("mode", "topic"):
            con.execute("INSERT INTO models VALUES (?, ?, '1', 'bench', TRUE, now(), 'x', NULL, 0, NULL, NULL)",
                        [f"bench_{dim}", dim])
        con.execute("""
            INSERT INTO predictions
            SELECT platform, post_id, 'mode', 'bench_mode',
                   [['inform', 'request', 'engage'][1 + CAST(hash(post_id) % 3 AS INTEGER)]], 0.9, NULL, now()
            FROM posts WHERE author_role = 'police'
            UNION ALL
            SELECT platform, post_id, 'topic', 'bench_topic',
                   [['appeal', 'traffic', 'insight', 'other'][1 + CAST(hash(post_id) % 4 AS INTEGER)]], 0.9, NULL, now()
            FROM posts WHERE author_role = 'police'""")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _uptime() -> str:
    """The machine's load (other work shares its cores), as `uptime` prints it."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def _hwm_kb(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_one(lake: str, engine: str, cores: int, pin: bool) -> dict[str, Any]:
    """One measurement, in this (fresh) process: the engine's start (for Spark, the JVM and its
    session) apart from the job, so the job's own scaling shows."""
    if pin:
        os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:cores])
    from peelian.national import national_metric_set
    from peelian.national.engine import spark_session

    started, cpu_started = time.perf_counter(), _cpu_s(os.getpid())
    spark, jvm_pid = None, None
    if engine == "spark":
        spark = spark_session(f"local[{cores}]", config={"spark.driver.memory": "4g"})
        jvm_pid = spark.sparkContext._gateway.proc.pid

    def cpu() -> float:
        return _cpu_s(os.getpid()) + (_cpu_s(jvm_pid) if jvm_pid else 0.0)

    job_started, cpu_job = time.perf_counter(), cpu()
    table = national_metric_set(lake, engine=engine, spark=spark, threads=cores)
    finished, cpu_end = time.perf_counter(), cpu()
    jvm = _hwm_kb(jvm_pid) if jvm_pid else 0
    if spark is not None:
        spark.stop()
    return {"engine": engine, "cores": cores, "start_s": job_started - started, "job_s": finished - job_started,
            "start_cpu_s": cpu_job - cpu_started, "job_cpu_s": cpu_end - cpu_job, "rows": table.num_rows,
            "peak_mb": (_hwm_kb() + jvm) / 1024, "load": os.getloadavg()}


def measure(lake: Path, engine: str, cores: int, pin: bool) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--one", str(lake), engine, str(cores), str(int(pin))],
                         capture_output=True, text=True, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode:
        raise SystemExit(f"the {engine} run on {cores} core(s) failed (exit {out.returncode}):\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--base-posts", type=int, default=None,
                        help="posts of the demo the lake is built from (default posts/11: one copy per force "
                             "copy); a smaller base is stacked posts/(11 x base) times within each force copy")
    parser.add_argument("--engines", default=",".join(ENGINE_RUNS),
                        help=f"comma-separated runs, of {', '.join(ENGINE_RUNS)} (default all)")
    parser.add_argument("--build-only", action="store_true", help="build (or find) the lake, print it, and stop")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="do not pin each run to as many CPUs as its cores")
    parser.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], int(args.one[2]), args.one[3] == "1")))
        return
    runs = [r.strip() for r in args.engines.split(",") if r.strip()]
    unknown = [r for r in runs if r not in ENGINE_RUNS]
    if unknown or not runs:
        parser.error(f"--engines takes {', '.join(ENGINE_RUNS)}, not {args.engines!r}")
    uptime_before = _uptime()
    started = time.perf_counter()
    lake = build(args.posts, args.base_posts)
    import pyarrow.dataset as ds

    from peelian.national.lake import Lake

    posts = ds.dataset(lake / "texts", format="parquet").count_rows()
    facts = {t: ds.dataset(lake / t, format="parquet").count_rows() for t in ("police", "inbound", "dialog", "recip")}
    partitions = len({f.parent for f in (lake / "texts").rglob("*.parquet")})
    forces = len(Lake.open(lake).forces)
    recipe = json.loads((lake / RECIPE).read_text()) if (lake / RECIPE).exists() else {"stack": 1}
    size = sum(f.stat().st_size for f in lake.rglob("*") if f.is_file())
    print(f"lake: {lake}, {posts:,} posts, {forces} forces, {partitions:,} partitions "
          f"({posts / partitions:,.0f} posts each), {size / 1e9:.2f} GB; each force's conversations "
          f"stacked {recipe['stack']}x; facts {facts} (built or found in {time.perf_counter() - started:.0f} s)",
          flush=True)
    if args.build_only:
        return
    results = [measure(lake, *ENGINE_RUNS[r], args.pin) for r in runs]
    print("each run pinned to as many CPUs as its cores" if args.pin else "runs not pinned to CPUs")
    print("\n| engine | cores | job s | posts/s (job) | start s (JVM + session) | job CPU s | cores used in the job "
          "(CPU ÷ wall) | peak memory, GB | load average 1/5/15 min after |\n"
          "|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(f"| {r['engine']} | {r['cores']} | {r['job_s']:.1f} | {posts / r['job_s']:,.0f} | {r['start_s']:.1f} | "
              f"{r['job_cpu_s']:.1f} | {r['job_cpu_s'] / r['job_s']:.2f} | {r['peak_mb'] / 1024:.2f} | "
              f"{' / '.join(f'{x:.1f}' for x in r['load'])} |")
    measured = dict(zip(runs, results, strict=True))
    one, two = measured.get("spark1"), measured.get("spark2")
    if one and two:
        print(f"\nSpark job speed-up local[1] -> local[2]: {one['job_s'] / two['job_s']:.2f}x wall; cores actually "
              f"used {one['job_cpu_s'] / one['job_s']:.2f} -> {two['job_cpu_s'] / two['job_s']:.2f}; "
              f"CPU-s {one['job_cpu_s']:.1f} -> {two['job_cpu_s']:.1f}")
    # The paper plan: the job's CPU seconds per post and per lake partition on local[1] (the JVM's start
    # excluded: an executor starts once per run), for 300 M posts over 43 forces, 3 platforms, 36 months.
    # Without a local[1] run, local[2]'s CPU stands in (it includes the second task thread's overhead).
    basis = one or two
    if basis is None:
        print(f"uptime before: {uptime_before}\nuptime after: {_uptime()}")
        return
    national_posts, national_partitions = 300_000_000, 43 * 3 * 36
    per_post = basis["job_cpu_s"] / posts
    per_partition = basis["job_cpu_s"] / partitions
    core_hours = per_post * national_posts / 3600
    print(f"measured on Spark local[{basis['cores']}]: {per_post * 1e6:.1f} core-µs per post, "
          f"{per_partition * 1000:.0f} core-ms per partition ({posts / partitions:,.0f} posts per partition)")
    print(f"300 M posts ({national_partitions:,} partitions of ~{national_posts // national_partitions:,} posts): "
          f"{core_hours:.1f} core-hours; a one-hour run needs {max(1, -(-core_hours * 1.5 // 4)):.0f} executors "
          f"of 4 cores (x1.5 for shuffle and skew)")
    print(f"uptime before: {uptime_before}\nuptime after: {_uptime()}")
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}")


if __name__ == "__main__":
    main()
