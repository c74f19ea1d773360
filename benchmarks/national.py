"""Benchmark: the common metric set over a national lake on Spark local[1], local[2] and DuckDB.

    python benchmarks/national.py                        # 1 M posts, 44 forces (a few minutes on 2 cores)
    python benchmarks/national.py --posts 10000000       # the issue's 10 M posts (needs ~20 min here)

The lake is built once into bench-data/national-<posts>/: a demo project (real platform
formats through the real import) is exported with `export_dataset`, then its lake is
replicated 11 times with renamed forces and ids (each copy a new source, no id shared between
copies); 11 copies of a demo of 4 forces and --posts/11 posts make 44 forces, about the 43 of
England and Wales. (A demo post that no force's facts hold is not in the lake, so the lake holds
slightly fewer posts than --posts; the figure printed is the lake's own.) Each measurement runs in its own process, so its peak
memory is its own: VmHWM of the Python process, plus for Spark that of the JVM it started
(the driver and, in local mode, the executors); so is its CPU time (user + system of both), which
shows how many cores a run really had on a shared machine. Spark time includes starting the session.

The national plan (43 forces, 300 M posts) is extrapolated from the CPU seconds per post and per
lake partition (force × platform × month) measured on local[1].
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


def build(posts: int) -> Path:
    """The benchmark lake (cached): the demo's lake replicated to `posts` posts."""
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    from peelian import Project
    from peelian.demo.build import build_demo
    from peelian.national.lake import MANIFEST, PARTITION_KEYS, SCHEMAS, TIME_COLUMN, Lake, export_dataset

    target = DATA / f"national-{posts}"
    if (target / MANIFEST).exists():
        return target
    base = DATA / f"national-base-{posts // COPIES}"
    if not (base / "lake" / MANIFEST).exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        build_demo(base / "demo.peelian", posts=posts // COPIES, seed=17, forces=BASE_FORCES, months=6,
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
    copies = COPIES
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    (source_id, source), = lake.sources.items()
    manifest = dict(lake.manifest, sources={}, forces={})
    for k in range(copies):
        suffix = f" {k:02d}"
        for name, table in tables.items():
            columns = {}
            for field in SCHEMAS[name]:
                col = table.column(field.name)
                if field.name in ("force", "source_force", "target_force"):
                    col = pc.if_else(pc.is_null(col), col, pc.binary_join_element_wise(col, pa.scalar(suffix), ""))
                elif field.name in NID_COLUMNS:
                    col = pc.if_else(pc.is_null(col), col, pc.binary_join_element_wise(col, pa.scalar(f"#{k}"), ""))
                elif field.name in ID_COLUMNS:
                    col = pc.bit_wise_xor(col, pa.scalar(k * 0x9E3779B97F4A7C15 % (1 << 63), pa.int64()))
                columns[field.name] = col
            out = pa.table(columns, schema=SCHEMAS[name])
            force_key = pc.replace_substring_regex(pc.utf8_lower(out.column("force")), "[^a-z0-9]+", "-")
            month = pc.strftime(out.column(TIME_COLUMN[name]), "%Y-%m")
            keyed = out.append_column(PARTITION_KEYS[0], force_key).append_column(PARTITION_KEYS[1], out.column(
                "platform")).append_column(PARTITION_KEYS[2], month)
            ds.write_dataset(keyed, target / name, format="parquet", basename_template=f"copy{k:02d}-{{i}}.parquet",
                             partitioning=ds.partitioning(pa.schema([(p, pa.string()) for p in PARTITION_KEYS]),
                                                          flavor="hive"),
                             existing_data_behavior="overwrite_or_ignore")
        forces = [f + suffix for f in source["forces"]]
        manifest["sources"][f"{source_id}-copy{k:02d}"] = dict(source, forces=forces)
        manifest["forces"].update({f: f"{source_id}-copy{k:02d}" for f in forces})
    (target / MANIFEST).write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return target


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


def _hwm_kb(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def run_one(lake: str, engine: str, cores: int) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    from peelian.national import national_metric_set
    from peelian.national.engine import spark_session

    started, cpu_started = time.perf_counter(), _cpu_s(os.getpid())
    spark = None
    if engine == "spark":
        spark = spark_session(f"local[{cores}]", shuffle_partitions=4 * cores,
                              config={"spark.driver.memory": "4g"})
    table = national_metric_set(lake, engine=engine, spark=spark, threads=cores)
    seconds = time.perf_counter() - started
    jvm, cpu = 0, _cpu_s(os.getpid()) - cpu_started
    if spark is not None:
        pid = spark.sparkContext._gateway.proc.pid
        jvm, cpu = _hwm_kb(pid), cpu + _cpu_s(pid)
        spark.stop()
    return {"engine": engine, "cores": cores, "seconds": seconds, "cpu_seconds": cpu, "rows": table.num_rows,
            "peak_mb": (_hwm_kb() + jvm) / 1024, "load": os.getloadavg()[0]}


def measure(lake: Path, engine: str, cores: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--one", str(lake), engine, str(cores)], check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], int(args.one[2]))))
        return
    started = time.perf_counter()
    lake = build(args.posts)
    import pyarrow.dataset as ds

    from peelian.national.lake import Lake

    posts = ds.dataset(lake / "texts", format="parquet").count_rows()
    facts = {t: ds.dataset(lake / t, format="parquet").count_rows() for t in ("police", "inbound", "dialog", "recip")}
    partitions = len({f.parent for f in (lake / "texts").rglob("*.parquet")})
    forces = len(Lake.open(lake).forces)
    print(f"lake: {posts:,} posts, {forces} forces, {partitions:,} partitions, facts {facts} "
          f"(built in {time.perf_counter() - started:.0f} s)", flush=True)
    results = [measure(lake, "spark", 1), measure(lake, "spark", 2), measure(lake, "duckdb", 2)]
    print("\n| engine | cores | seconds | posts/s | CPU seconds | cores used (CPU ÷ wall) | peak memory, MB "
          "| load average after |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['engine']} | {r['cores']} | {r['seconds']:.1f} | {posts / r['seconds']:,.0f} | "
              f"{r['cpu_seconds']:.1f} | {r['cpu_seconds'] / r['seconds']:.2f} | {r['peak_mb']:,.0f} | "
              f"{r['load']:.1f} |")
    one, two = results[0]["seconds"], results[1]["seconds"]
    print(f"\nSpark speed-up local[1] -> local[2]: {one / two:.2f}x")
    # The paper plan: CPU seconds per post of the local[1] run (start-up included, so an upper bound), for
    # 300 M posts over 43 forces, 3 platforms, 36 months.
    national_posts, national_partitions = 300_000_000, 43 * 3 * 36
    per_post = results[0]["cpu_seconds"] / posts
    per_partition = results[0]["cpu_seconds"] / partitions
    core_hours = per_post * national_posts / 3600
    print(f"measured: {per_post * 1e6:.1f} core-µs per post, {per_partition * 1000:.0f} core-ms per partition "
          f"({posts / partitions:,.0f} posts per partition)")
    print(f"300 M posts ({national_partitions:,} partitions of ~{national_posts // national_partitions:,} posts): "
          f"{core_hours:.1f} core-hours; a one-hour run needs {max(1, -(-core_hours * 1.5 // 4)):.0f} executors "
          f"of 4 cores (x1.5 for shuffle and skew)")
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python {platform.python_version()}")


if __name__ == "__main__":
    main()
