"""What every collector shares: its state in `collect_state`, writing each raw response to the
project folder and importing it through the pipeline, walking a newest-first feed back in time,
and the queue of threads to fetch for the feed's posts.

A page is written, then imported (one transaction), then the cursor is moved (another). A
collection killed between the two fetches the page again when it resumes; the pipeline merges
posts by id, so the project ends with exactly the posts of an uninterrupted collection.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from peelian.collect.http import Fetcher, Page
from peelian.errors import CollectError, NetworkError, RemoteAuthError
from peelian.ingest.base import parse_time
from peelian.ingest.pipeline import FileReport, import_file
from peelian.store.project import Project, utcnow

COLLECTED = "collected"
FEED, THREAD = "feed", "thread"
PENDING, DONE, RUNNING, ERROR = "pending", "done", "running", "error"
ProgressCallback = Callable[[str, int, int], None]  # (what is being fetched, pages fetched, records stored)
BATCH_PAGES = 10  # feed pages per import: the import's fixed cost is spread over ~1,000 posts
BATCH_THREADS = 25
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class SchemaDriftError(CollectError):
    """A response is JSON but not in the shape the API documents: the collection of that account stops
    (the page is kept and quarantined), the others go on."""


@dataclass
class FeedPage:
    """What a collector reads from a feed page: each item's time (newest first), the account's own posts
    that have replies (uri or id, reply count, time), and the cursor of the next (older) page."""

    times: list[datetime | None]
    roots: list[tuple[str, int, datetime | None]]
    cursor: str | None


@dataclass
class TargetState:
    """One row of `collect_state`: a feed (an account) or a thread queued from it."""

    platform: str
    kind: str
    target: str
    parent: str | None = None
    account_id: str | None = None
    cursor: str | None = None
    walk_until: datetime | None = None
    walk_newest: datetime | None = None
    newest_seen: datetime | None = None
    reply_count: int | None = None
    fetched_reply_count: int | None = None
    status: str = PENDING
    pages: int = 0
    records: int = 0
    last_fetched_at: datetime | None = None
    last_error: str | None = None
    updated_at: datetime | None = None


COLUMNS = [f.name for f in fields(TargetState)]


def load_state(project: Project, platform: str, kind: str, target: str) -> TargetState | None:
    rows = project.query(f"SELECT {', '.join(COLUMNS)} FROM collect_state WHERE platform = ? AND kind = ? "
                         "AND target = ?", [platform, kind, target])
    return TargetState(**rows[0]) if rows else None


def save_state(con: Any, state: TargetState) -> None:
    state.updated_at = utcnow()
    con.execute(f"INSERT OR REPLACE INTO collect_state ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in COLUMNS)})", [getattr(state, c) for c in COLUMNS])


def queue_threads(con: Any, platform: str, parent: str, roots: Iterable[tuple[str, int]]) -> None:
    """Queue a thread for each (root, reply count): new roots, and roots whose reply count has grown
    since their thread was fetched."""
    now = utcnow()
    rows = [(platform, THREAD, root, parent, count, PENDING, now) for root, count in roots]
    if rows:
        con.executemany(
            """INSERT INTO collect_state (platform, kind, target, parent, reply_count, status, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (platform, kind, target) DO UPDATE SET reply_count = excluded.reply_count,
                   status = CASE WHEN excluded.reply_count > coalesce(collect_state.fetched_reply_count, -1)
                                 THEN 'pending' ELSE collect_state.status END,
                   updated_at = excluded.updated_at""", rows)


def collect_status(project: Project) -> list[dict[str, Any]]:
    """Each collected account: where its feed stands and how many of its threads are fetched."""
    return project.query(
        """SELECT f.platform, f.target, f.account_id, f.status, f.cursor IS NOT NULL AS in_progress, f.cursor,
                  f.newest_seen, f.pages, f.records, f.last_fetched_at, f.last_error,
                  count(t.target) FILTER (WHERE t.status = 'done') AS threads_fetched,
                  count(t.target) FILTER (WHERE t.status = 'pending') AS threads_pending,
                  count(t.target) FILTER (WHERE t.last_error IS NOT NULL) AS thread_errors,
                  coalesce(sum(t.pages), 0) AS thread_pages, coalesce(sum(t.records), 0) AS thread_records
           FROM collect_state f
           LEFT JOIN collect_state t ON t.platform = f.platform AND t.kind <> 'feed' AND t.parent = f.target
           WHERE f.kind = 'feed'
           GROUP BY ALL ORDER BY f.platform, f.target""")


@dataclass
class TargetReport:
    """What one account's collection did in this run."""

    platform: str
    target: str
    account_id: str | None = None
    resumed: bool = False
    pages: int = 0
    threads: int = 0
    records_read: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    duplicates: int = 0
    notices: int = 0
    quarantined: int = 0
    error: str | None = None
    files: list[str] = field(default_factory=list)

    def add(self, report: FileReport) -> None:
        for name in ("records_read", "posts_new", "posts_updated", "duplicates", "notices", "quarantined"):
            setattr(self, name, getattr(self, name) + getattr(report, name))


@dataclass
class CollectReport:
    platform: str
    targets: list[TargetReport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(t, name) for t in self.targets)

    @property
    def errors(self) -> list[str]:
        return [f"{t.target}: {t.error}" for t in self.targets if t.error]

    def to_dict(self) -> dict[str, Any]:
        totals = {n: self.total(n) for n in ("pages", "threads", "records_read", "posts_new", "posts_updated",
                                             "duplicates", "notices", "quarantined")}
        return {"platform": self.platform, **totals, "errors": self.errors,
                "targets": [asdict(t) for t in self.targets]}


def run_collector(build: Callable[[Fetcher], FeedCollector], targets: Sequence[str], fetcher: Fetcher, *,
                  own: bool, keep_going: bool) -> CollectReport:
    """Collect the targets with the collector `build` makes on `fetcher`, closing the fetcher afterwards
    when it is the run's `own` (a caller's fetcher stays open for the caller to reuse)."""
    try:
        return build(fetcher).collect(targets, keep_going=keep_going)
    finally:
        if own:
            fetcher.close()


class FeedCollector:
    """A platform's collector. Subclasses say how to fetch and read a feed page and a thread."""

    platform = ""
    format = ""

    def __init__(self, project: Project, fetcher: Fetcher, *, since: datetime | None = None,
                 threads: bool = False, from_start: bool = False, progress: ProgressCallback | None = None,
                 batch_pages: int = BATCH_PAGES, batch_threads: int = BATCH_THREADS):
        self.project, self.fetcher, self.since, self.threads = project, fetcher, since, threads
        self.batch_pages, self.batch_threads = max(1, batch_pages), max(1, batch_threads)
        self.from_start, self.progress = from_start, progress
        self._files = 0
        self._stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")

    # ---- to be provided by each platform ----------------------------------------------------------
    def resolve(self, target: str) -> str:
        """The account id the platform knows the target by; UnknownAccountError if none."""
        raise NotImplementedError

    def fetch_feed(self, account_id: str, cursor: str | None) -> Page:
        raise NotImplementedError

    def read_feed(self, page: Page, account_id: str) -> FeedPage:
        """What the collector needs from a feed page; SchemaDriftError when it is not a feed page."""
        raise NotImplementedError

    def fetch_thread(self, root: str) -> Page:
        raise NotImplementedError

    # ---- the shared work ---------------------------------------------------------------------------
    def collect(self, targets: Sequence[str], *, keep_going: bool = False) -> CollectReport:
        """Collect each target's feed (and threads). With keep_going (a registry's accounts), an account
        that fails on its own (unknown, bad pages) is reported and the others are collected; network and
        authorisation failures stop the run, since they would fail every account alike."""
        report = CollectReport(self.platform)
        for target in targets:
            result = TargetReport(self.platform, target)
            report.targets.append(result)
            try:
                self.collect_one(target, result)
            except (NetworkError, RemoteAuthError):
                raise
            except CollectError as exc:
                result.error = str(exc)
                if not keep_going and not isinstance(exc, SchemaDriftError):
                    raise  # the caller reports it; nothing is written, so the project is as it was
                self._record_error(target, str(exc))
        return report

    def collect_one(self, target: str, result: TargetReport) -> None:
        state = load_state(self.project, self.platform, FEED, target) or TargetState(self.platform, FEED, target)
        if state.account_id is None or state.cursor is None:
            state.account_id = self.resolve(target)
        result.account_id = state.account_id
        if state.cursor is not None and not self.from_start:
            result.resumed = True
        else:
            bounds = [self.since] if self.from_start else [self.since, state.newest_seen]
            state.cursor, state.walk_newest = None, None
            state.walk_until = max((b for b in bounds if b is not None), default=None)
        state.status, state.last_error = RUNNING, None
        with self.project.transaction() as con:
            save_state(con, state)
        self._walk(state, result)
        if self.threads:
            self._fetch_threads(target, result)

    def _walk(self, state: TargetState, result: TargetReport) -> None:
        """Page back from the newest post until the walk's boundary or the end, storing every
        `batch_pages` pages (one import) and then moving the cursor past them."""
        cursor = state.cursor
        pages: list[Page] = []
        roots: list[tuple[str, int]] = []
        while True:
            try:
                page = self.fetch_feed(str(state.account_id), cursor)
            except CollectError:
                self._flush_feed(state, pages, roots, result)  # keep what was fetched before the failure
                raise
            self._tick(f"{state.target} feed")
            try:
                feed = self.read_feed(page, str(state.account_id))
            except SchemaDriftError as exc:
                self._flush_feed(state, pages, roots, result)
                self._store([page], state.target, FEED, result)
                raise SchemaDriftError(f"{exc}; the response is kept in {result.files[-1]} and quarantined") from exc
            pages.append(page)
            times = feed.times
            roots += [(root, count) for root, count, when in feed.roots
                      if self.since is None or when is None or when >= self.since]
            newest = max((t for t in times if t is not None), default=None)
            if newest is not None:
                state.walk_newest = max(newest, state.walk_newest) if state.walk_newest else newest
            reached = state.walk_until is not None and any(t is not None and t <= state.walk_until for t in times)
            finished = reached or not times or not feed.cursor or feed.cursor == cursor
            state.pages += 1
            state.last_fetched_at = utcnow()
            if finished:
                if state.walk_newest is not None:
                    state.newest_seen = max(state.walk_newest, state.newest_seen or state.walk_newest)
                state.cursor, state.walk_newest, state.status = None, None, DONE
            else:
                state.cursor = cursor = feed.cursor
            if finished or len(pages) >= self.batch_pages:
                self._flush_feed(state, pages, roots, result)
                pages, roots = [], []
            if finished:
                return

    def _flush_feed(self, state: TargetState, pages: list[Page], roots: list[tuple[str, int]],
                    result: TargetReport) -> None:
        """Import the pages, then (in one transaction) queue their threads and move the cursor."""
        if not pages:
            return
        state.records += sum(r.records_read for r in self._store(pages, state.target, FEED, result))
        result.pages += len(pages)
        with self.project.transaction() as con:
            if self.threads:
                queue_threads(con, self.platform, state.target, roots)
            save_state(con, state)

    def _fetch_threads(self, parent: str, result: TargetReport) -> None:
        pending = self.project.query(
            "SELECT target FROM collect_state WHERE platform = ? AND kind = ? AND parent = ? AND status = ? "
            "ORDER BY target", [self.platform, THREAD, parent, PENDING])
        batch: list[tuple[TargetState, Page]] = []
        for number, row in enumerate(pending, start=1):
            state = load_state(self.project, self.platform, THREAD, row["target"])
            if state is None:
                continue
            try:
                page = self.fetch_thread(state.target)
            except CollectError:
                self._flush_threads(parent, batch, result)
                raise
            batch.append((state, page))
            self._tick(f"{parent} threads {number}/{len(pending)}")
            if len(batch) >= self.batch_threads or number == len(pending):
                self._flush_threads(parent, batch, result)
                batch = []

    def _flush_threads(self, parent: str, batch: list[tuple[TargetState, Page]], result: TargetReport) -> None:
        if not batch:
            return
        self._store([page for _, page in batch], parent, THREAD, result)
        result.threads += len(batch)
        now = utcnow()
        with self.project.transaction() as con:
            for state, page in batch:
                state.pages += 1
                state.status, state.fetched_reply_count, state.last_fetched_at = DONE, state.reply_count, now
                state.last_error = None if page.status < 400 else _error_text(page)
                save_state(con, state)

    def _record_error(self, target: str, message: str) -> None:
        state = load_state(self.project, self.platform, FEED, target) or TargetState(self.platform, FEED, target)
        state.status, state.last_error = ERROR, message
        with self.project.transaction() as con:
            save_state(con, state)

    def _tick(self, label: str, records: int = 0, pages: int = 1) -> None:
        if self.progress:
            self.progress(f"{self.platform} {label}", pages, records)

    def _store(self, pages: list[Page], target: str, kind: str, result: TargetReport) -> list[FileReport]:
        """Write the responses as received, then import them as the platform's format."""
        reports = []
        for path in self.write_raw([p.content for p in pages], target, kind):
            report = import_file(self.project, path, format=self.format)
            result.files.append(str(path))
            result.add(report)
            reports.append(report)
            self._tick(f"{target} {kind}", report.records_read, 0)
        return reports

    def write_raw(self, contents: list[bytes], target: str, kind: str) -> list[Path]:
        """Write responses exactly as received under `<project>.d/collected/<platform>/<target>/`: one
        response as `<kind>-<run time>-<n>.json`, several as `.jsonl` with one response a line (a
        response that spans lines gets a file of its own). Each file is written whole or not at all."""
        folder = self.project.subfolder(f"{COLLECTED}/{self.platform}/{_UNSAFE.sub('_', target).strip('._') or '_'}")
        one_line = [c if c.endswith(b"\n") else c + b"\n" for c in contents if b"\n" not in c[:-1]]
        groups = [[c] for c in contents if b"\n" in c[:-1]]
        if len(one_line) > 1:
            groups.insert(0, one_line)
        elif one_line:
            groups.insert(0, [c for c in contents if b"\n" not in c[:-1]])
        paths = []
        for group in groups:
            self._files += 1
            suffix = "jsonl" if len(group) > 1 else "json"
            path = folder / f"{kind}-{self._stamp}-{self._files:05d}.{suffix}"
            temporary = path.with_name("." + path.name + ".part")
            with open(temporary, "wb") as fh:
                fh.write(b"".join(group))
            os.replace(temporary, path)
            paths.append(path)
        return paths


def item_time(*values: Any) -> datetime | None:
    """The first of the values that parses as a time."""
    for value in values:
        try:
            parsed = parse_time(value)
        except (ValueError, TypeError, OverflowError):
            continue
        if parsed is not None:
            return parsed
    return None


def _error_text(page: Page) -> str:
    data = page.data if isinstance(page.data, dict) else {}
    parts = [str(data[k]) for k in ("error", "message", "error_description") if data.get(k)]
    return f"{page.status}: {': '.join(parts) or 'error'}"
