"""Generate the demo corpus: platform files, a registry, an expectations survey and the ground truth.

`generate` only writes files; `peelian.demo.build.build_demo` imports them. Posts are made
conversation by conversation and written in blocks, so memory stays flat whatever the
size (10 M posts for benchmarks is fine). The manifest records the parameters, what was
written (including the deliberate mess) and the reply delays actually drawn.
"""

from __future__ import annotations

import csv
import gc
import multiprocessing
import os
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from peelian.demo.formats import MastodonStream, XStream
from peelian.demo.simulate import DelayStats, Item, Simulator, delay_model
from peelian.demo.texts import TOPICS
from peelian.demo.world import FORCES, Clock, World

if TYPE_CHECKING:
    from peelian.ingest.pipeline import FileReport

BLOCK_POSTS = 20_000
PARALLEL_FROM = 200_000  # posts; smaller corpora are generated in-process
MASTODON_MAX_POSTS = 1_000_000  # above this only X files are written (benchmark corpora)
DAY_WEIGHTS = (1.05, 1.05, 1.05, 1.05, 1.1, 0.9, 0.85)  # Monday first
SURVEY = "Demo public expectations survey 2025"
# What followers say they want to see (after the national survey of followers' categories).
EXPECTED_SHARES = {"appeal": 0.24, "incident_update": 0.2, "traffic": 0.1, "prevention_advice": 0.12,
                   "court_result": 0.1, "insight": 0.08, "online_meeting": 0.03, "conversation": 0.05,
                   "recruitment": 0.03, "other": 0.05}
ProgressCallback = Callable[[int, int], None]


@dataclass
class DemoManifest:
    """What `generate` wrote and how: files, parameters, counts, the reply-delay model and what it drew."""

    out_dir: Path
    x_files: list[Path]
    mastodon_files: list[Path]
    registry_csv: Path
    expectations_csv: Path
    truth_csv: Path | None
    params: dict[str, Any]
    counts: dict[str, Any]
    reply_delay: dict[str, Any]
    mess: dict[str, Any]
    reports: list[FileReport] = field(default_factory=list)
    networks: dict[str, Any] = field(default_factory=dict)  # the organisations and agreements (demo/orgs.py)

    @property
    def files(self) -> list[Path]:
        """The platform files, in import order."""
        return [*self.x_files, *self.mastodon_files]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reports"] = [r.to_dict() for r in self.reports]
        return data


def _add_months(start: date, months: int) -> date:
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1 if start.day == 1 else start.day)


class _Counts:
    """Running tallies of what was generated, for the manifest and the tests."""

    def __init__(self) -> None:
        self.platform: Counter[str] = Counter()
        self.account_type: Counter[str] = Counter()
        self.kind: Counter[str] = Counter()
        self.conversations = 0
        self.max_depth = 0
        self.deep_threads = 0  # conversations with a post at depth >= 4
        self.deep_in_block: set[str] = set()

    def add(self, it: Item) -> None:
        self.platform[it.platform] += 1
        self.account_type[it.author.account_type or "citizen"] += 1
        self.kind[it.kind] += 1
        if it.depth >= 4:
            self.max_depth = max(self.max_depth, it.depth)
            if it.depth == 4:
                self.deep_in_block.add(it.root.id if it.root is not None else it.id)

    def end_block(self) -> None:
        """Conversations never span blocks, so deep ones are counted per block in flat memory."""
        self.deep_threads += len(self.deep_in_block)
        self.deep_in_block.clear()

    def merge(self, other: _Counts) -> None:
        self.platform.update(other.platform)
        self.account_type.update(other.account_type)
        self.kind.update(other.kind)
        self.conversations += other.conversations
        self.max_depth = max(self.max_depth, other.max_depth)
        self.deep_threads += other.deep_threads

    def summary(self) -> dict[str, Any]:
        police = sum(n for acct, n in self.account_type.items() if acct != "citizen")
        return {"by_platform": dict(self.platform), "by_role": {"police": police, "citizen": self.account_type["citizen"]},
                "by_account_type": dict(self.account_type), "by_kind": dict(self.kind),
                "conversations": self.conversations, "max_depth": self.max_depth, "deep_threads": self.deep_threads}


@dataclass
class _ForceJob:
    """One force's share of the corpus: forces are simulated independently, possibly in parallel."""

    out: Path
    fi: int
    posts: int
    seed: int
    forces: int
    citizens: int
    first: date
    days: int
    mastodon: bool
    truth: bool
    mess: bool
    tweets_per_file: int


@dataclass
class _ForceResult:
    fi: int
    produced: int
    counts: _Counts
    delays: DelayStats
    needs_response: int
    unanswered: int
    x_files: list[Path]
    mastodon_files: list[Path]
    truth_part: Path | None
    duplicates: int
    police_accounts: int
    orphan: tuple[str, str] | None


_progress_counter: Any = None  # a shared multiprocessing.Value in pool workers


def _init_worker(counter: Any) -> None:
    global _progress_counter
    _progress_counter = counter
    gc.disable()  # see _run_jobs


def _run_job(job: _ForceJob) -> _ForceResult:
    def report(n: int) -> None:
        with _progress_counter.get_lock():
            _progress_counter.value += n

    return _simulate_force(job, report if _progress_counter is not None else None)


def _simulate_force(job: _ForceJob, progress: Callable[[int], None] | None) -> _ForceResult:
    """Simulate one force day by day, writing its files block by block (flat memory)."""
    world = World(random.Random(job.seed), forces=job.forces, citizens=job.citizens,
                  start=datetime(job.first.year, job.first.month, job.first.day), mastodon=job.mastodon)
    spec = world.forces[job.fi]
    rng = random.Random(f"{job.seed}/{spec.name}")
    clock = Clock()
    sim = Simulator(world, rng, clock, mastodon=job.mastodon, serial_start=job.fi, serial_step=job.forces)
    x_stream = XStream(job.out, spec, [a.handle for a in world.police if a.force is spec], clock,
                       tweets_per_file=job.tweets_per_file, duplicates=job.mess)
    m_stream = MastodonStream(job.out, spec, clock) if job.mastodon and spec.mastodon_instance else None
    truth_part = job.out / f"truth-{spec.short.lower()}.csv.part" if job.truth else None
    truth_fh = open(truth_part, "w", encoding="utf-8", newline="") if truth_part else None  # noqa: SIM115
    counts = _Counts()
    weights = [DAY_WEIGHTS[(job.first.weekday() + d) % 7] for d in range(job.days)]
    total_weight = sum(weights)
    orphan_day = job.days // 2 if job.mess and job.fi == min(1, job.forces - 1) else -1
    orphan: Item | None = None
    produced, cumulative, reported = 0, 0.0, 0
    block: list[Item] = []

    def flush() -> None:
        nonlocal reported
        x_items, m_items, rows = [], [], []
        for it in block:
            counts.add(it)
            (x_items if it.platform == "twitter" else m_items).append(it)
            for dimension, code in it.codes:
                rows.append(f"{it.platform},{it.id},{dimension},{code}\n")
        counts.end_block()
        if truth_fh:
            truth_fh.write("".join(rows))
        x_stream.write(x_items)
        if m_stream is not None:
            m_stream.write(m_items)
        block.clear()
        if progress:
            progress(produced - reported)
            reported = produced

    for d in range(job.days):
        midnight = int(datetime.fromordinal(job.first.toordinal() + d).replace(tzinfo=UTC).timestamp())
        day_start = midnight - clock.offset(midnight + 43200)
        cumulative += weights[d]
        target = job.posts * cumulative / total_weight
        while produced < target:
            items = sim.conversation(day_start, job.fi)
            counts.conversations += 1
            block.extend(items)
            produced += len(items)
            if len(block) >= BLOCK_POSTS:
                flush()
        if d == orphan_day:
            orphan = sim.orphan(day_start, job.fi)
            counts.conversations += 1
            block.append(orphan)
            produced += 1
    flush()
    x_stream.close(truncate_last_line=job.mess and job.fi == 0)
    if m_stream is not None:
        m_stream.close()
    if truth_fh:
        truth_fh.close()
    return _ForceResult(
        fi=job.fi, produced=produced, counts=counts, delays=sim.delays, needs_response=sim.needs_response,
        unanswered=sim.unanswered, x_files=x_stream.files, mastodon_files=m_stream.files if m_stream else [],
        truth_part=truth_part, duplicates=x_stream.duplicates_written, police_accounts=len(world.police),
        orphan=(orphan.id, orphan.missing_parent[0]) if orphan is not None and orphan.missing_parent else None,
    )


def generate(
    out_dir: str | Path,
    *,
    posts: int = 20_000,
    seed: int = 7,
    forces: int = 4,
    months: int = 4,
    start: str = "2025-02-01",
    mastodon: bool | None = None,
    truth: bool = True,
    mess: bool = True,
    tweets_per_file: int = 500_000,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> DemoManifest:
    """Write a seeded synthetic corpus of about `posts` posts into `out_dir` and describe it.

    `mastodon=None` writes Mastodon files for forces on Mastodon when `posts` is at most 1 M;
    `mess=False` leaves out the duplicates, the truncated line and the orphan (benchmarks).
    Forces are simulated independently with their own seeded random streams, so the output
    is the same whatever `workers` is (default: one process per force, up to the CPU count,
    from 200,000 posts; in-process below that).
    """
    if posts < 1:
        raise ValueError("posts must be at least 1")
    if not 1 <= forces <= len(FORCES):
        raise ValueError(f"forces must be between 1 and {len(FORCES)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    first = date.fromisoformat(start)
    last = _add_months(first, months)
    use_mastodon = posts <= MASTODON_MAX_POSTS if mastodon is None else mastodon
    specs = FORCES[:forces]
    total_weight = sum(s.weight for s in specs)
    jobs = [_ForceJob(out, fi, max(1, round(posts * spec.weight / total_weight)), seed, forces, max(300, posts // 5),
                      first, (last - first).days, use_mastodon, truth, mess, tweets_per_file)
            for fi, spec in enumerate(specs)]
    if workers is None:
        workers = 1 if posts < PARALLEL_FROM else min(forces, os.cpu_count() or 1)
    results = _run_jobs(jobs, workers, posts, progress)

    truth_path = out / "truth.csv" if truth else None
    if truth_path:
        with open(truth_path, "wb") as fh:
            fh.write(b"platform,post_id,dimension,code\n")
            for result in results:
                assert result.truth_part is not None
                with open(result.truth_part, "rb") as part:
                    shutil.copyfileobj(part, fh, 1 << 20)
                result.truth_part.unlink()
    registry = out / "registry.csv"
    world = World(random.Random(seed), forces=forces, citizens=0, start=datetime(first.year, first.month, 1),
                  mastodon=use_mastodon)
    _write_registry(registry, world)
    expectations = out / "expectations.csv"
    _write_expectations(expectations)
    counts, delays = _Counts(), DelayStats()
    for result in results:
        counts.merge(result.counts)
        delays.merge(result.delays)
    orphan = next((r.orphan for r in results if r.orphan), None)
    manifest = DemoManifest(
        out_dir=out,
        x_files=[p for r in results for p in r.x_files],
        mastodon_files=[p for r in results for p in r.mastodon_files],
        registry_csv=registry,
        expectations_csv=expectations,
        truth_csv=truth_path,
        params={"posts": posts, "seed": seed, "forces": forces, "months": months, "start": first.isoformat(),
                "end": last.isoformat(), "mastodon": use_mastodon, "truth": truth, "mess": mess,
                "tweets_per_file": tweets_per_file, "force_names": [s.name for s in specs], "topics": list(TOPICS)},
        counts={"posts": sum(r.produced for r in results), **counts.summary(),
                "police_accounts": len(world.police), "needs_response": sum(r.needs_response for r in results),
                "unanswered": sum(r.unanswered for r in results)},
        reply_delay={"model": delay_model(), "observed": delays.summary()},
        mess={"duplicate_tweets": sum(r.duplicates for r in results),
              "truncated_file": str(results[0].x_files[-1]) if mess and results[0].x_files else None,
              "orphan_post_id": orphan[0] if orphan else None,
              "missing_parent_id": orphan[1] if orphan else None},
    )
    (out / "manifest.json").write_bytes(orjson.dumps(
        {k: v for k, v in manifest.to_dict().items() if k != "reports"}, option=orjson.OPT_INDENT_2, default=str))
    return manifest


def _run_jobs(jobs: list[_ForceJob], workers: int, posts: int, progress: ProgressCallback | None) -> list[_ForceResult]:
    """Run the force jobs in this process or in a pool; garbage collection is paused meanwhile
    (the generator makes no reference cycles, and collections of large blocks cost a fifth of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if workers <= 1:
            done = 0

            def report(n: int) -> None:
                nonlocal done
                done += n
                if progress:
                    progress(done, posts)

            return [_simulate_force(job, report) for job in jobs]
        context = multiprocessing.get_context("spawn")  # never fork a process holding DuckDB threads
        counter = context.Value("q", 0)
        with context.Pool(min(workers, len(jobs)), initializer=_init_worker, initargs=(counter,)) as pool:
            pending = pool.map_async(_run_job, jobs)
            while not pending.ready():
                pending.wait(0.25)
                if progress:
                    progress(counter.value, posts)
            return pending.get()
    finally:
        if was_enabled:
            gc.enable()


def _write_registry(path: Path, world: World) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "handle", "account_id", "force", "account_type", "unit", "time_zone", "notes"])
        for actor in world.police:
            assert actor.force is not None and actor.account_type is not None
            writer.writerow(["twitter", actor.handle, actor.x_id, actor.force.name, actor.account_type,
                             actor.unit or "", "Europe/London", actor.name])
            if actor.mastodon_id and world.mastodon:
                writer.writerow(["mastodon", actor.mastodon_acct, actor.mastodon_id, actor.force.name,
                                 actor.account_type, actor.unit or "", "Europe/London",
                                 f"{actor.name} ({actor.force.mastodon_instance})"])


def _write_expectations(path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["survey", "topic", "expected_share"])
        for topic in TOPICS:
            writer.writerow([SURVEY, topic, EXPECTED_SHARES[topic]])
