"""Run an importer over a file and merge what it yields into the project, all or nothing.

Records are staged as Arrow batches outside the database; every MERGE_ROWS posts a set-based
merge moves them into the project tables and decides what is new, updated or a duplicate
(counted once at the end), so the stage never holds more than a chunk.
The whole import is one transaction: a failure or a killed process leaves the project
exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import blake3
import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from peelian import __version__
from peelian.errors import FormatError, InputError, UnknownFormatError
from peelian.ingest.base import MERGE_ROWS, Importer, as_str, excerpt
from peelian.ingest.formats import check_named_format, detect_format, get_importer
from peelian.ingest.records import Account, MetricSnapshot, Notice, Post, Reject
from peelian.store.arrowsql import arrow_with, execute_with
from peelian.store.identity import IdentityResolver, stored_options
from peelian.store.project import Project, utcnow

BATCH_ROWS = 50_000


def _import_memory(share: int = 1536 << 20) -> int:
    """DuckDB's share of an import's memory: `share`, or a quarter of the machine's memory where that is
    less (and where it can be told: Windows has no `sysconf`).

    Without a limit DuckDB's cache of the blocks it writes would grow with the file (to 80% of the
    machine). Not much less than 1.5 GiB: under 512 MiB the chunks' tables were evicted and spilled as
    the written blocks piled up, and each chunk cost more CPU the further the import went (+12% by the
    end of 3M posts; the whole import 7% more CPU at 1M, 11% at 3M)."""
    try:
        return min(share, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4)
    except (AttributeError, ValueError, OSError):
        return share


IMPORT_DUCKDB_MEMORY = _import_memory()
FULL_RANK = 1 << 62  # added to a full record's seq so it outranks any partial one (seq < 2**62)
ProgressCallback = Callable[[int], None]

POST_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("platform", pa.string()), ("post_id", pa.string()), ("author_id", pa.string()),
    ("author_handle", pa.string()), ("author_role", pa.string()), ("author_force", pa.string()),
    ("author_account_type", pa.string()), ("created_at", pa.timestamp("us")), ("text", pa.string()),
    ("language", pa.string()), ("kind", pa.string()), ("reply_to_post_id", pa.string()),
    ("reply_to_account_id", pa.string()), ("conversation_id", pa.string()), ("quoted_post_id", pa.string()),
    ("reposted_post_id", pa.string()), ("like_count", pa.int64()), ("reply_count", pa.int64()),
    ("repost_count", pa.int64()), ("quote_count", pa.int64()), ("view_count", pa.int64()),
    ("author_followers", pa.int64()), ("url", pa.string()), ("is_partial", pa.bool_()),
    ("source_location", pa.string()), ("seq", pa.int64()),
]
ACCOUNT_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("platform", pa.string()), ("account_id", pa.string()), ("handle", pa.string()),
    ("display_name", pa.string()), ("pseudonymised", pa.bool_()), ("role", pa.string()),
    ("force", pa.string()), ("account_type", pa.string()), ("unit", pa.string()),
    ("followers_count", pa.int64()), ("seq", pa.int64()),
]
MENTION_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("platform", pa.string()), ("post_id", pa.string()), ("account_id", pa.string()), ("handle", pa.string()),
]
SNAPSHOT_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("platform", pa.string()), ("post_id", pa.string()), ("observed_at", pa.timestamp("us")),
    ("metric", pa.string()), ("value", pa.int64()), ("source", pa.string()), ("seq", pa.int64()),
]
# Columns a later record may update on an existing post (identity columns never change).
MUTABLE_POST_COLUMNS = [
    "author_id", "author_handle", "created_at", "text", "language", "reply_to_post_id",
    "reply_to_account_id", "conversation_id", "quoted_post_id", "reposted_post_id", "like_count",
    "reply_count", "repost_count", "quote_count", "view_count", "author_followers", "url",
]
# Counts change over time, so a later partial record (an expansion, an analytics export) updates
# them; what a post is (its author, time, text, links) is never overwritten by a partial record
# once a full one has said it.
# What a staged post's columns become in the merge: each picked from the best copy that has it.
DEDUP_PICKED = ["platform", "post_id", "author_role", "author_force", "author_account_type", "kind",
                "source_location", *MUTABLE_POST_COLUMNS]
DEDUP_COLUMNS = [name for name, _ in POST_COLUMNS if name != "seq"]
COUNT_COLUMNS = {"like_count", "reply_count", "repost_count", "quote_count", "view_count", "author_followers"}


@dataclass
class FileReport:
    """What one import of one file did. records_read = new + updated + duplicates + notices + quarantined."""

    path: str
    format: str
    import_id: int | None = None
    records_read: int = 0
    posts_new: int = 0
    posts_updated: int = 0
    duplicates: int = 0
    notices: int = 0
    quarantined: int = 0
    accounts_seen: int = 0
    seconds: float = 0.0
    skipped_identical_to: int | None = None
    skipped: str | None = None  # why a file found in a folder was not imported (no format recognises it)
    error: str | None = None
    quarantine_examples: list[dict[str, str]] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.records_read == (
            self.posts_new + self.posts_updated + self.duplicates + self.notices + self.quarantined
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "reconciles": self.reconciles}


class _Columns:
    """Staged rows of one kind, kept as Arrow tables outside the database until the next merge.

    Rows read in Python are buffered as tuples (one list append each) and turned into an Arrow
    batch every BATCH_ROWS rows, in C (`zip(*rows)`); bulk readers add Arrow tables directly.
    Nothing is written to DuckDB before the merge: rows written to a table and then deleted would
    be kept by the import's transaction until its commit, and memory would grow with the file.
    """

    def __init__(self, schema: list[tuple[str, pa.DataType]]):
        self.schema = pa.schema(schema)
        self.pending: list[tuple[Any, ...]] = []
        self.tables: list[pa.Table] = []
        self.rows = 0

    def append(self, values: tuple[Any, ...]) -> None:
        self.pending.append(values)
        self.rows += 1
        if len(self.pending) >= BATCH_ROWS:
            self.flush()

    def extend(self, table: pa.Table) -> None:
        self.tables.append(table.select(self.schema.names).cast(self.schema))
        self.rows += table.num_rows

    def flush(self) -> None:
        if not self.pending:
            return
        columns = zip(*self.pending, strict=True)
        arrays = [pa.array(col, type=field.type) for col, field in zip(columns, self.schema, strict=True)]
        self.tables.append(pa.Table.from_arrays(arrays, schema=self.schema))
        self.pending = []

    def take(self) -> pa.Table:
        """Everything staged since the last merge, as one table (and the stage emptied)."""
        self.flush()
        table = pa.concat_tables(self.tables) if self.tables else self.schema.empty_table()
        self.tables = []
        return table


class _HashStopped(Exception):
    """The import the hash was for failed; nobody will wait for it."""


def file_digest(path: Path, stop: threading.Event | None = None, *, algorithm: str = "blake3") -> str:
    """The file's BLAKE3 (or, for comparing with imports recorded before, SHA-256) digest, in hex;
    stops (raising _HashStopped) once `stop` is set."""
    digest = blake3.blake3() if algorithm == "blake3" else hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            if stop is not None and stop.is_set():
                raise _HashStopped(str(path))
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _set_on_failure(event: threading.Event) -> Iterator[None]:
    try:
        yield
    except BaseException:
        event.set()
        raise


@contextlib.contextmanager
def _checkpoint_at_commit(con: duckdb.DuckDBPyConnection) -> Iterator[Callable[[], None]]:
    """A function that makes the import's commit a checkpoint (its rows written into the project
    file) rather than a write-ahead log entry; DuckDB's usual threshold is set back afterwards, from
    outside the transaction (which an error may have aborted).

    DuckDB writes a large transaction's rows into the file as it goes, and its commit then logs only
    where they are; but once a statement updates a row in one of those written row groups (a post seen
    again, changed, a merge or more later), the commit writes every row the import added to that table
    into the log, and a checkpoint later writes them again: 350 MB and 1.8 s for a 1M-post file whose
    first page comes back at its end, against 0.6 s for a checkpoint at commit (docs/architecture.md,
    "Round 6b"). Only an import merged more than once can do that; a small one keeps the log (a
    checkpoint would add about 6 ms to each)."""
    asked = False

    def checkpoint() -> None:
        nonlocal asked
        con.execute("SET checkpoint_threshold = '0B'")
        asked = True

    try:
        yield checkpoint
    finally:
        if asked:
            con.execute("RESET checkpoint_threshold")


def import_files(
    project: Project,
    paths: Iterable[str | Path],
    *,
    format: str | None = None,
    options: dict[str, Any] | None = None,
    force: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> list[FileReport]:
    """Import several files and folders; one file's failure never stops the others.

    A folder stands for every file in it (`files_to_import`). A file found in a folder that
    no format recognises is reported as skipped, with the reason, and not imported; a file
    named on its own is recorded as unreadable (one quarantined record). Options that cannot
    work for a file (a column mapping naming columns it lacks) are refused for all files
    before any is imported.
    """
    found = files_to_import(project, paths)
    unrecognised: dict[Path, str] = {}
    for path, in_folder in found:
        try:
            importer_cls = _importer_class(path, format, options)
        except UnknownFormatError as exc:
            if in_folder:
                unrecognised[path] = exc.reason
            continue  # import_file records a file named on its own as unreadable
        importer_cls(options).check(path)
    reports = []
    for path, _ in found:
        if path in unrecognised:
            reports.append(FileReport(path=str(path), format="unknown", skipped=unrecognised[path]))
            continue
        callback = (lambda n, p=str(path): progress(p, n)) if progress else None
        reports.append(import_file(project, path, format=format, options=options, force=force, progress=callback))
    return reports


def files_to_import(project: Project, paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """(file, found in a folder) for each path: a file as it is, a folder as every file under it,
    recursively, in sorted order, leaving out hidden files and folders (`.name`) and the
    project's own files. Raises InputError for a path that does not exist or a folder without files."""
    found: dict[Path, bool] = {}
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden_or_own(project, path, p))
            if not inside:
                raise InputError("the folder holds no files to import", path=str(path))
            for file in inside:
                found.setdefault(file, True)
        elif path.is_file():
            found[path] = False
        else:
            raise InputError("no such file or folder", path=str(path))
    return list(found.items())


def _hidden_or_own(project: Project, folder: Path, path: Path) -> bool:
    """A hidden file (or one in a hidden folder) under `folder`, or the project's database, its
    write-ahead log or a file in its sibling folder."""
    if any(part.startswith(".") for part in path.relative_to(folder).parts):
        return True
    own, resolved = project.path.resolve(), path.resolve()
    return (resolved.parent == own.parent and resolved.name.startswith(own.name)) \
        or project.folder.resolve() in resolved.parents


def import_file(
    project: Project,
    path: str | Path,
    *,
    format: str | None = None,
    options: dict[str, Any] | None = None,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> FileReport:
    """Import one file. Bad records are quarantined; a file that cannot be read at all is
    recorded as one quarantined record with the reason, so nothing goes unaccounted."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path=str(path))
    try:
        importer_cls = _importer_class(path, format, options)
    except UnknownFormatError as exc:
        return _record_unreadable(project, path, file_digest(path), "unknown", exc.reason, options)

    size, fmt, options_json = path.stat().st_size, importer_cls.format, _options_json(project, importer_cls, options)
    digest: str | None = None
    # Only a file of the same size can be identical to one imported before: others are hashed
    # while they import, so a large new file starts importing at once.
    same_size = [] if force else project.query(
        "SELECT import_id, blake3, sha256 FROM imports WHERE size_bytes = ? AND format = ? "
        "AND options IS NOT DISTINCT FROM ?", [size, fmt, options_json])
    if same_size:
        digest = file_digest(path)
        previous = [row["import_id"] for row in same_size if row["blake3"] == digest]
        if not previous and any(row["blake3"] is None for row in same_size):  # recorded before BLAKE3
            sha256 = file_digest(path, algorithm="sha256")
            previous = [row["import_id"] for row in same_size if row["blake3"] is None and row["sha256"] == sha256]
        if previous:
            return FileReport(path=str(path), format=fmt, skipped_identical_to=max(previous))

    importer = importer_cls(options)
    importer.check(path)
    started, started_at = time.perf_counter(), utcnow()
    failed = threading.Event()  # a failed or interrupted import stops hashing its file rather than wait for it
    # DuckDB writes each full row group of the import's tables out at once, rather than buffering five (its
    # default) and compressing what is left of them in the commit, on one core after every chunk is read:
    # the 1M import 11.8-11.9 s against 12.4-12.6, the same CPU time (docs/architecture.md, round 7).
    # Settings are set back from outside the transaction, which an error may have aborted.
    with ThreadPoolExecutor(max_workers=1) as hasher, _set_on_failure(failed), \
            project.memory_limit(IMPORT_DUCKDB_MEMORY), project.setting("write_buffer_row_group_count", 1), \
            _checkpoint_at_commit(project.con) as checkpoint, project.transaction() as con:
        hashed = hasher.submit(file_digest, path, failed) if digest is None else None
        import_id = con.execute("SELECT nextval('imports_seq')").fetchall()[0][0]
        report = FileReport(path=str(path), format=fmt, import_id=import_id)
        writer = _Writer(project, con, import_id, str(path), progress)
        try:
            if not importer.stage_bulk(path, writer):
                for record in importer.read(path):
                    writer.add(record)
                    if progress and writer.seen % 10_000 == 0:
                        progress(writer.seen)
        except FormatError as exc:  # the file is unreadable as a whole; say what it was read as
            reason = exc.reason if format else f"looks like {fmt} but cannot be read: {exc.reason}"
            writer.add(Reject(exc.location or "file", reason, None))
        writer.finish(report)
        if writer.merges > 1:
            checkpoint()
        report.seconds = time.perf_counter() - started
        con.execute(  # written once the import is whole (the same transaction as its rows)
            "INSERT INTO imports (import_id, path, format, blake3, size_bytes, started_at, finished_at, seconds, "
            "records_read, posts_new, posts_updated, duplicates, notices, quarantined, peelian_version, options) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, str(path), fmt, hashed.result() if hashed else digest, size, started_at, utcnow(),
             report.seconds, report.records_read, report.posts_new, report.posts_updated, report.duplicates,
             report.notices, report.quarantined, __version__, options_json],
        )
    if progress:
        progress(writer.seen)
    report.quarantine_examples = [
        {"location": r["location"], "reason": r["reason"]}
        for r in project.query(
            "SELECT location, reason FROM quarantine WHERE import_id = ? ORDER BY rowid LIMIT 20", [import_id]
        )
    ]
    return report


def _importer_class(path: Path, format: str | None, options: dict[str, Any] | None) -> type[Importer]:
    """The named format, else the generic CSV when a column mapping is given (a mapping means
    nothing to any other format), else the format detected from the content."""
    if format is None and options and options.get("mapping"):
        format = "csv"
    if not format:
        return detect_format(path)
    importer_cls = get_importer(format)
    check_named_format(path, importer_cls)
    return importer_cls


def _options_json(project: Project, importer_cls: type[Importer] | None, options: dict[str, Any] | None
                  ) -> str | None:
    """The options as the imports table keeps them: an account they name is stored as its posts are."""
    if not options:
        return None
    platforms = [p.strip() for p in importer_cls.platform.split(",")] if importer_cls else []
    return orjson.dumps(stored_options(project, platforms, options), option=orjson.OPT_SORT_KEYS).decode()


def _record_unreadable(project: Project, path: Path, digest: str, fmt: str, reason: str,
                       options: dict[str, Any] | None) -> FileReport:
    with project.transaction() as con:
        import_id = con.execute("SELECT nextval('imports_seq')").fetchall()[0][0]
        now = utcnow()
        con.execute(
            "INSERT INTO imports (import_id, path, format, blake3, size_bytes, started_at, finished_at, seconds, "
            "records_read, quarantined, peelian_version, options) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, 1, ?, ?)",
            [import_id, str(path), fmt, digest, path.stat().st_size, now, now, __version__,
             _options_json(project, None, options)],
        )
        head = None
        if not project.pseudonymise_citizens:  # raw text of an unread file could name citizens
            with open(path, "rb") as fh:
                head = excerpt(fh.read(300))
        con.execute("INSERT INTO quarantine VALUES (?, ?, 'file', ?, ?)", [import_id, str(path), reason, head])
    return FileReport(path=str(path), format=fmt, import_id=import_id, records_read=1, quarantined=1, error=reason,
                      quarantine_examples=[{"location": "file", "reason": reason}])


class _Writer:
    """Stages records, then merges them into the project tables with set-based SQL."""

    def __init__(self, project: Project, con: Any, import_id: int, path: str,
                 progress: ProgressCallback | None = None):
        self.con, self.import_id, self.path, self.progress = con, import_id, path, progress
        self.identity = IdentityResolver.for_project(project)
        self.seen = 0
        self.accounts_seen = 0
        self.posts = _Columns(POST_COLUMNS)
        self.accounts = _Columns(ACCOUNT_COLUMNS)
        self.mentions = _Columns(MENTION_COLUMNS)
        self.snapshots = _Columns(SNAPSHOT_COLUMNS)
        self.rejects: list[tuple[Any, ...]] = []
        self.notice_rows: list[tuple[Any, ...]] = []
        # Accounts repeat on every post that names them: each batch stages one row per account, merged
        # as the SQL merge would (latest non-null handle, name and followers; latest role; any pseudonym).
        self.account_rows: dict[tuple[str, str], list[Any]] = {}
        self.account_seq = 0
        self.post_seq = 0
        self.staged_since_merge = 0
        self.merges = 0
        self.auto_merge = True  # a bulk reader turns it off: it merges between its chunks

    def add(self, record: Post | Account | Notice | MetricSnapshot | Reject) -> None:
        if isinstance(record, Post):
            self.seen += 1
            self._add_post(record)
        elif isinstance(record, MetricSnapshot):  # rides along with its post's record: not counted
            post_id = self.identity.post_ref(record.platform, record.post_id) if self.identity.pseudonymise \
                else record.post_id
            self.snapshots.append((record.platform, post_id, record.observed_at, record.metric, record.value,
                                   record.source, self.snapshots.rows))
        elif isinstance(record, Account):
            self.accounts_seen += 1
            self._add_account(record.platform, record.account_id, record.handle, record.display_name,
                              record.followers_count)
        elif isinstance(record, Notice):
            self.seen += 1
            account_id = self.identity.account_id(record.platform, record.account_id, None)
            post_id, detail = record.post_id, record.detail
            if self.identity.pseudonymise:
                post_id = self.identity.post_ref(record.platform, post_id)
                detail = self.identity.scrub_detail(record.platform, detail) if detail else detail
            self.notice_rows.append((self.import_id, record.location, record.platform, record.notice_type,
                                     post_id, account_id, orjson.dumps(detail).decode() if detail else None))
        else:
            self.seen += 1
            reason, raw = record.reason, excerpt(record.raw)
            if self.identity.pseudonymise:  # a record that could not be read cannot be pseudonymised: no raw text
                reason, raw = self.identity.pseudonymise_text("", reason), None
            self.rejects.append((self.import_id, self.path, record.location, reason, raw))

    def _add_account(self, platform: str, account_id: str | None, handle: str | None, name: str | None,
                     followers: int | None) -> tuple[str | None, str | None, Any]:
        ident = self.identity.resolve(platform, account_id, handle, name)
        if ident.account_id is not None:
            self.account_seq += 1
            key = (platform, ident.account_id)
            row = self.account_rows.get(key)
            if row is None:
                self.account_rows[key] = [
                    platform, ident.account_id, ident.handle, ident.display_name, ident.pseudonymised, ident.role,
                    ident.force, ident.account_type, ident.unit, followers, self.account_seq]
                if len(self.account_rows) >= BATCH_ROWS:
                    self._flush_accounts()
            else:
                if ident.handle is not None:
                    row[2] = ident.handle
                if ident.display_name is not None:
                    row[3] = ident.display_name
                row[4] = row[4] or ident.pseudonymised
                row[5:9] = ident.role, ident.force, ident.account_type, ident.unit
                if followers is not None:
                    row[9] = followers
                row[10] = self.account_seq
        return ident.account_id, ident.handle, ident

    def _flush_accounts(self) -> None:
        for row in self.account_rows.values():
            self.accounts.append(tuple(row))
        self.account_rows.clear()

    def _add_post(self, p: Post) -> None:
        author_id, author_handle, ident = self._add_account(
            p.platform, _id_str(p.author_id), p.author_handle, p.author_name, p.author_followers)
        reply_account = None
        if p.reply_to_account_id or p.reply_to_handle:
            reply_account, _, _ = self._add_account(p.platform, _id_str(p.reply_to_account_id), p.reply_to_handle,
                                                    None, None)
        text, url = p.text, p.url
        post_id, reply_to, conversation, quoted, reposted = (
            p.post_id, p.reply_to_post_id, p.conversation_id, p.quoted_post_id, p.reposted_post_id)
        identity = self.identity
        if identity.pseudonymise:  # nothing that names a citizen may stay beside the pseudonym
            if url and ident.role == "citizen":
                url = identity.post_url(p.platform, p.post_id, url, _id_str(p.author_id), p.author_handle)
            if text and identity.text_needs_pass(text):
                text = identity.pseudonymise_text(p.platform, text)
            ref = identity.post_ref
            post_id, reply_to, conversation = ref(p.platform, post_id), ref(p.platform, reply_to), ref(
                p.platform, conversation)
            quoted, reposted = ref(p.platform, quoted), ref(p.platform, reposted)
        for mention_id, mention_handle in p.mentions:
            m_id, m_handle, _ = self._add_account(p.platform, _id_str(mention_id), mention_handle, None, None)
            self.mentions.append((p.platform, post_id, m_id, m_handle))
        self.posts.append((
            p.platform, post_id, author_id, author_handle, ident.role, ident.force, ident.account_type,
            p.created_at, text, p.language, p.kind, reply_to, reply_account, conversation,
            quoted, reposted, p.like_count, p.reply_count, p.repost_count, p.quote_count,
            p.view_count, p.author_followers, url, p.is_partial, p.location, self.post_seq,
        ))
        self.post_seq += 1
        self.staged_since_merge += 1
        if self.auto_merge and self.staged_since_merge >= MERGE_ROWS:
            self.merge_chunk()

    # ---- for bulk readers (`BulkSink`) -------------------------------------------------------------
    def begin_line(self, seq: int) -> None:
        self.post_seq = self.account_seq = seq

    def stage(self, table: str, rows: pa.Table) -> None:
        {"posts": self.posts, "accounts": self.accounts, "mentions": self.mentions}[table].extend(rows)
        if table == "posts":
            self.staged_since_merge += rows.num_rows

    def count_bulk(self, *, records: int, accounts: int) -> None:
        self.seen += records
        self.accounts_seen += accounts

    def report_progress(self) -> None:
        if self.progress:
            self.progress(self.seen)

    def finish(self, report: FileReport) -> None:
        con = self.con
        self.merge_chunk()
        if self.rejects:
            con.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)", self.rejects)
        if self.notice_rows:
            con.executemany("INSERT INTO notices VALUES (?, ?, ?, ?, ?, ?, ?)", self.notice_rows)
        report.posts_new, report.posts_updated = con.execute(
            f"SELECT count(*) FILTER (WHERE first_import_id = {self.import_id}), "
            f"count(*) FILTER (WHERE first_import_id <> {self.import_id}) FROM posts "
            f"WHERE last_import_id = {self.import_id}"
        ).fetchone()
        report.records_read = self.seen
        report.quarantined = len(self.rejects)
        report.notices = len(self.notice_rows)
        report.accounts_seen = self.accounts_seen
        report.duplicates = self.posts.rows - report.posts_new - report.posts_updated

    def merge_chunk(self) -> None:
        """Merge what is staged into the project tables and empty the stage.

        Called every MERGE_ROWS posts and at the end, so staging never holds more than a
        chunk: memory stays flat however large the file. New and updated posts are
        counted at the end from first_import_id / last_import_id, so a post seen in two
        chunks is still counted once.
        """
        self._flush_accounts()
        stored = self._merge_posts(self.posts.take())
        self._merge_accounts(self.accounts.take())
        self._merge_mentions(self.mentions.take(), stored)
        self._merge_snapshots(self.snapshots.take())
        self.staged_since_merge = 0
        self.merges += 1

    def _merge_snapshots(self, staged: pa.Table) -> None:
        """One row per (post, time, metric, source): a later value replaces an earlier one, so
        importing the same export again (or an overlapping one) never doubles a snapshot."""
        if not staged.num_rows:
            return
        dedup = arrow_with(
            self.con,
            """SELECT platform, post_id, observed_at, metric, source, arg_max(value, seq) AS value
            FROM stage_snapshots GROUP BY platform, post_id, observed_at, metric, source""",
            stage_snapshots=staged,
        )
        keys = ("m.platform = s.platform AND m.post_id = s.post_id AND m.observed_at = s.observed_at "
                "AND m.metric = s.metric AND m.source = s.source")
        execute_with(
            self.con,
            f"UPDATE metric_snapshots m SET value = s.value, import_id = {self.import_id} "
            f"FROM stage_snapshots_dedup s WHERE {keys} AND m.value <> s.value",
            stage_snapshots_dedup=dedup,
        )
        execute_with(
            self.con,
            f"""INSERT INTO metric_snapshots SELECT s.platform, s.post_id, s.observed_at, s.metric, s.value,
                s.source, {self.import_id} FROM stage_snapshots_dedup s
            WHERE NOT EXISTS (SELECT 1 FROM metric_snapshots m WHERE {keys})""",
            stage_snapshots_dedup=dedup,
        )

    def _merge_mentions(self, staged: pa.Table, stored: pa.Table) -> None:
        """Insert the staged mentions the project lacks. Mentions are only ever written with their
        posts, so only those of posts stored before this merge (`stored`, from `_write_posts`) can be
        there already: only they are looked up, among the mentions of those posts, instead of every
        staged mention against the whole mentions table (which grows with the file)."""
        if not staged.num_rows:
            return
        insert = ("INSERT INTO mentions SELECT DISTINCT s.platform, s.post_id, s.account_id, s.handle "
                  "FROM stage_mentions s")
        if not stored.num_rows:
            execute_with(self.con, insert, stage_mentions=staged)
            return
        execute_with(
            self.con,
            f"""{insert} WHERE NOT EXISTS (SELECT 1 FROM (SELECT m.* FROM mentions m SEMI JOIN stored p
                    ON m.platform = p.platform AND m.post_id = p.post_id) m
                WHERE m.platform = s.platform AND m.post_id = s.post_id AND m.handle IS NOT DISTINCT FROM s.handle)""",
            stage_mentions=staged, stored=stored,
        )

    def _merge_posts(self, staged: pa.Table) -> pa.Table:
        """Merge the staged posts; the keys of those that were stored before (`_write_posts`)."""
        # One row per post: a full record beats a partial one (from an expansion); later beats earlier.
        # Columns the winner lacks are filled from the other copies. The location is where the post was
        # first read in full (first seen, if only in expansions), whichever merge that was in.
        # The aggregate picks row numbers (integers), not values: arg_max over strings copies each one
        # into its state, and the values are then gathered in Arrow (`take`), a column at a time. A copy
        # that lacks a column ranks 0 for it (k >= 1), which a copy that has it always beats; ranking it
        # by multiplying is several times cheaper than a FILTER or a CASE per column. Columns that lack
        # values in the same rows share one rank (DuckDB computes an aggregate written twice once); a
        # column no copy lacks takes the winner's row.
        if not staged.num_rows:
            return pa.table({"platform": pa.array([], pa.string()), "post_id": pa.array([], pa.string())})
        if pc.count_distinct(staged["post_id"]).as_py() == staged.num_rows:
            # Each post staged once (a file without expansions, or new posts only): the dedup would
            # keep every row as it is, so it is skipped (about 5% of such an import's CPU time).
            return self._write_posts(staged.select(DEDUP_COLUMNS))
        picked = [c for c in DEDUP_PICKED if c != "source_location"]
        ranks: dict[str, str] = {}
        present: list[tuple[str, pa.ChunkedArray]] = []  # a column for each distinct pattern of absent values
        for c in picked:
            if not staged[c].null_count:
                ranks[c] = "k"
                continue
            valid = staged[c].is_valid()
            like = next((name for name, other in present if other.equals(valid)), None)
            if like is None:
                present.append((c, valid))
            ranks[c] = f"k * CAST({like or c} IS NOT NULL AS BIGINT)"
        rows = arrow_with(
            self.con,
            f"""SELECT bool_and(is_partial) AS is_partial,
                   arg_min(i, CASE WHEN source_location IS NOT NULL
                       THEN CAST(is_partial AS BIGINT) * {FULL_RANK} + seq END) AS source_location,
                   {", ".join(f"arg_max(i, {ranks[c]}) AS {c}" for c in picked)}
            FROM (SELECT *, CAST(NOT is_partial AS BIGINT) * {FULL_RANK} + seq + 1 AS k FROM stage_posts)
            GROUP BY platform, post_id""",
            stage_posts=staged.select([*DEDUP_PICKED, "is_partial", "seq"]).append_column(
                "i", pa.array(np.arange(staged.num_rows, dtype=np.int64))),
        )
        dedup = pa.table({c: pc.take(staged[c], rows[c]) if c in DEDUP_PICKED else rows[c] for c in DEDUP_COLUMNS})
        return self._write_posts(dedup)

    def _write_posts(self, dedup: pa.Table) -> pa.Table:
        """Update the stored posts the staged ones change, insert the new ones; the keys of the
        staged posts that were stored before.

        One join on the keys alone finds the staged posts already stored, with their row ids; only
        those take part in the update, which finds its rows by row id (a join on the keys would read
        every stored post's columns, a cost that grows with the project), and the rest are inserted
        without another look at the posts table."""
        con = self.con
        keys = "p.platform = s.platform AND p.post_id = s.post_id"
        found = arrow_with(con, f"SELECT s.platform, s.post_id, p.rowid AS row_id FROM stage_dedup s "
                                f"JOIN posts p ON {keys}", stage_dedup=dedup.select(["platform", "post_id"]))
        stored = found.select(["platform", "post_id"])
        columns = [name for name, _ in POST_COLUMNS if name not in ("seq", "source_location")]
        insert = (f"""INSERT INTO posts ({", ".join(columns)}, first_import_id, last_import_id, source_location)
            SELECT {", ".join(f"s.{c}" for c in columns)}, {self.import_id}, {self.import_id}, s.source_location
            FROM stage_dedup s""")
        if not stored.num_rows:
            execute_with(con, insert, stage_dedup=dedup)
            return stored
        old = arrow_with(con, "SELECT s.*, p.row_id FROM stage_dedup s JOIN found p ON " + keys,
                         stage_dedup=dedup, found=found)

        def merged(c: str) -> str:
            """The value column c takes when a staged copy meets the stored post."""
            # Within one import a partial copy never overrides what a full record said; across imports
            # the newer counts win (a later reactions-only response still updates them), but never
            # a partial copy's author, time or text over a full record's (`COUNT_COLUMNS`).
            same_import = "" if c not in COUNT_COLUMNS else f" AND p.last_import_id = {self.import_id}"
            return (f"CASE WHEN s.is_partial AND NOT p.is_partial{same_import} "
                    f"THEN coalesce(p.{c}, s.{c}) ELSE coalesce(s.{c}, p.{c}) END")

        changed = " OR ".join(f"({merged(c)}) IS DISTINCT FROM p.{c}" for c in MUTABLE_POST_COLUMNS)
        changed += " OR (p.is_partial AND NOT s.is_partial) OR (p.kind <> s.kind AND NOT s.is_partial)"
        assignments = ", ".join(f"{c} = {merged(c)}" for c in MUTABLE_POST_COLUMNS)
        execute_with(
            con,
            f"""UPDATE posts p SET {assignments},
                kind = CASE WHEN s.is_partial THEN p.kind ELSE s.kind END,
                is_partial = p.is_partial AND s.is_partial,
                source_location = CASE WHEN p.first_import_id = {self.import_id} AND p.is_partial AND NOT s.is_partial
                    THEN s.source_location ELSE p.source_location END,
                author_role = s.author_role, author_force = s.author_force,
                author_account_type = s.author_account_type,
                last_import_id = {self.import_id}
            FROM stage_old s
            WHERE p.rowid = s.row_id AND ({changed})""",
            stage_old=old,
        )
        execute_with(con, insert + f" ANTI JOIN stored p ON {keys}", stage_dedup=dedup, stored=stored)
        return stored

    def _merge_accounts(self, staged: pa.Table) -> None:
        """Update the stored accounts the staged ones change (an account already seen in this import and
        unchanged is not written again: each merge stages every account its posts name), insert the new."""
        con = self.con
        dedup = arrow_with(
            con,
            """SELECT platform, account_id,
                arg_max(handle, seq) FILTER (WHERE handle IS NOT NULL) AS handle,
                arg_max(display_name, seq) FILTER (WHERE display_name IS NOT NULL) AS display_name,
                bool_or(pseudonymised) AS pseudonymised,
                arg_max(role, seq) AS role, arg_max(force, seq) AS force,
                arg_max(account_type, seq) AS account_type, arg_max(unit, seq) AS unit,
                arg_max(followers_count, seq) FILTER (WHERE followers_count IS NOT NULL) AS followers_count
            FROM stage_accounts GROUP BY platform, account_id""",
            stage_accounts=staged,
        )
        execute_with(
            con,
            f"""UPDATE accounts a SET handle = coalesce(s.handle, a.handle),
                display_name = coalesce(s.display_name, a.display_name),
                followers_count = coalesce(s.followers_count, a.followers_count),
                last_seen_import = {self.import_id}
            FROM stage_accounts_dedup s WHERE a.platform = s.platform AND a.account_id = s.account_id
                AND (a.last_seen_import IS DISTINCT FROM {self.import_id}
                     OR coalesce(s.handle, a.handle) IS DISTINCT FROM a.handle
                     OR coalesce(s.display_name, a.display_name) IS DISTINCT FROM a.display_name
                     OR coalesce(s.followers_count, a.followers_count) IS DISTINCT FROM a.followers_count)""",
            stage_accounts_dedup=dedup,
        )
        execute_with(
            con,
            f"""INSERT INTO accounts SELECT s.platform, s.account_id, s.handle, s.display_name, s.pseudonymised,
                s.role, s.force, s.account_type, s.unit, s.followers_count, {self.import_id}, {self.import_id}
            FROM stage_accounts_dedup s
            WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.platform = s.platform AND a.account_id = s.account_id)""",
            stage_accounts_dedup=dedup,
        )


def _id_str(value: Any) -> str | None:
    """`as_str` with the common case (an id that is already a non-empty string) first."""
    return value if value.__class__ is str and value else as_str(value)
