"""Benchmark: how well and how fast the pre-publication check works.

    python benchmarks/checks.py                 # the tables, speed with 10 cold runs and 20,000 batch posts
    python benchmarks/checks.py --runs 10 --batch 5000 --json
    python benchmarks/checks.py --set other.jsonl   # also score another labelled file (e.g. a held-out set)

Accuracy: per-risk precision and recall at span level (a finding and a gold span of the same risk overlap)
and post level (the draft has the risk at all) on tests/data/checks/drafts.jsonl (whole, templated part,
hand-written part), on the development set drafts_dev.jsonl, on the first held-out set drafts_heldout.jsonl (blind
for round 2, read while generalising in round 3), and on any --set file.
Targets (issue 13): recall >= 0.95 on personal data, precision >= 0.8.

Speed: one draft checked in-process after start-up (median of many); cold processes, interleaved and
median of --runs each: `python -c pass` and `peelian --help` (the floors: the interpreter, and the CLI's
start-up), `peelian check -` on a draft without and with a phone number (the second loads libphonenumber);
what `check` adds after start-up is its time minus `peelian --help`'s. Batch posts/s through `check_texts`
and through `check_csv` (reading and writing the CSV). Targets: one draft under 300 ms after start-up, batch
>= 200 posts/s on 2 cores. The load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from peelian.checks import RISKS, check_csv, check_draft, check_texts
from peelian.checks.evaluate import Evaluation, evaluate, load_labelled

ROOT = Path(__file__).resolve().parents[1]
DRAFTS = ROOT / "tests" / "data" / "checks" / "drafts.jsonl"
DEV = DRAFTS.with_name("drafts_dev.jsonl")
HELDOUT = DRAFTS.with_name("drafts_heldout.jsonl")
PEELIAN = str(Path(sys.executable).with_name("peelian"))
SAMPLE = ("UPDATE: A 34-year-old man has been charged with burglary after a break-in on Oak Road, Leeds. He will "
          "appear at Leeds Magistrates' Court tomorrow. Anyone with information call 101 quoting log 1234.")
PHONE_SAMPLE = "Lost dog found near Roundhay Park this morning. If he's yours ring Sandra on 07700 900817 😊"


def _ratio(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def table(name: str, result: Evaluation) -> str:
    lines = [f"{name}: {result.drafts} drafts",
             f"{'risk':<24}{'span P':>8}{'span R':>8}{'gold':>6}{'post P':>8}{'post R':>8}{'posts':>6}"]
    for risk in [*RISKS, "all"]:
        s, p = result.spans[risk], result.posts[risk]
        lines.append(f"{risk:<24}{_ratio(s.precision):>8}{_ratio(s.recall):>8}"
                     f"{s.true_positives + s.false_negatives:>6}{_ratio(p.precision):>8}{_ratio(p.recall):>8}"
                     f"{p.true_positives + p.false_negatives:>6}")
    return "\n".join(lines)


def speed(runs: int, batch: int, texts: list[str]) -> dict[str, float]:
    for text in texts[:50]:
        check_draft(text)  # warm: regexes compiled, libphonenumber's metadata loaded
    timings = []
    for i in range(2000):
        started = time.perf_counter()
        check_draft(texts[i % len(texts)])
        timings.append(time.perf_counter() - started)
    many = (texts * (batch // len(texts) + 1))[:batch]
    started = time.perf_counter()
    for _ in check_texts(many):
        pass
    batch_rate = batch / (time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "posts.csv", Path(folder) / "checked.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "text"])
            writer.writerows(enumerate(many))
        started = time.perf_counter()
        check_csv(source, "text", out)
        csv_rate = batch / (time.perf_counter() - started)
    cold: dict[str, list[float]] = {name: [] for name in COLD}
    for _ in range(runs):  # interleaved, so a change in load touches all alike
        for name, (command, stdin) in COLD.items():
            started = time.perf_counter()
            subprocess.run(command, input=stdin.encode(), capture_output=True, check=True)
            cold[name].append(time.perf_counter() - started)
    medians = {f"{name}_ms_median": statistics.median(values) * 1000 for name, values in cold.items()}
    return {"draft_ms_median": statistics.median(timings) * 1000,
            "draft_ms_p95": sorted(timings)[int(len(timings) * 0.95)] * 1000,
            "batch_posts_per_s": batch_rate, "csv_posts_per_s": csv_rate, **medians,
            "check_after_startup_ms": medians["cli_one_draft_ms_median"] - medians["cli_help_ms_median"],
            "check_phone_after_startup_ms": medians["cli_phone_draft_ms_median"] - medians["cli_help_ms_median"]}


# The cold processes timed: name -> (command, standard input).
COLD = {"python_startup": ([sys.executable, "-c", "pass"], ""),
        "cli_help": ([PEELIAN, "--help"], ""),
        "cli_one_draft": ([PEELIAN, "check", "-"], SAMPLE),
        "cli_phone_draft": ([PEELIAN, "check", "-"], PHONE_SAMPLE)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh processes of each kind to time")
    parser.add_argument("--batch", type=int, default=20000, help="posts in the batch timings")
    parser.add_argument("--set", type=Path, action="append", default=[], help="another labelled JSON-lines file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = load_labelled(DRAFTS)
    parts = {"whole set": rows, "templated": [r for r in rows if r.get("template") is not None],
             "hand-written": [r for r in rows if r.get("template") is None],
             "development set": load_labelled(DEV), "held-out set (seen in round 3)": load_labelled(HELDOUT), **{str(path): load_labelled(path) for path in args.set}}
    results = {name: evaluate(part) for name, part in parts.items()}
    figures = speed(args.runs, args.batch, [r["text"] for r in rows])
    load = os.getloadavg()
    if args.json:
        print(orjson.dumps({"accuracy": {k: v.to_dict() for k, v in results.items()}, "speed": figures,
                            "load_average": load, "cpus": os.cpu_count()}, option=orjson.OPT_INDENT_2).decode())
        return
    for name, result in results.items():
        print(table(name, result), end="\n\n")
    print(f"one draft, in-process: median {figures['draft_ms_median']:.2f} ms, p95 {figures['draft_ms_p95']:.2f} ms")
    print(f"fresh processes, median of {args.runs}: python -c pass {figures['python_startup_ms_median']:.0f} ms, "
          f"peelian --help {figures['cli_help_ms_median']:.0f} ms, peelian check - "
          f"{figures['cli_one_draft_ms_median']:.0f} ms (with a phone number {figures['cli_phone_draft_ms_median']:.0f} ms)")
    print(f"check after start-up (check - minus --help): {figures['check_after_startup_ms']:.0f} ms, "
          f"{figures['check_phone_after_startup_ms']:.0f} ms with a phone number")
    print(f"batch: {figures['batch_posts_per_s']:,.0f} posts/s in-process, {figures['csv_posts_per_s']:,.0f} posts/s "
          f"CSV to CSV ({args.batch:,} posts)")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
