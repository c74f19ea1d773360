"""The central Project object: one DuckDB file plus a sibling folder.

Shared by the library, the CLI, the web app and the tests. It owns the
connection, the schema migrations, project settings and the per-project
secret used for pseudonyms (kept in the sibling folder, never in the DuckDB
file, so a shared database file does not carry the key).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson

from peelian import __version__
from peelian.errors import (
    ProjectError,
    ProjectExistsError,
    ProjectLockedError,
    ProjectReadOnlyError,
    SchemaVersionError,
    StorageError,
)
from peelian.store.hooks import ON_OPEN_FOR_WRITING
from peelian.store.privacy import Pseudonymiser
from peelian.store.schema import MIGRATIONS, SCHEMA_VERSION

FOLDER_SUFFIX = ".d"
SECRET_FILE = "secret.key"
DEFAULT_SETTINGS = {"pseudonymise_citizens": "true"}
COMMIT_MARKER = "last_commit"  # meta key every transaction rewrites, so a commit can be told from a rollback
DUCKDB_HEADER_BYTES = 3 * 4096  # DuckDB's file header before its first block
DUCKDB_MAGIC = b"DUCK"  # at byte 8 of a DuckDB database file, after the header checksum

# The operating system's causes that mean "cannot be written", as errnos; DuckDB reports them in words.
WRITE_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
READ_ONLY_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_QUOTED_PATH = re.compile(r'"([^"]+)"')


def storage_error(exc: BaseException, project_path: Path) -> StorageError | None:
    """The StorageError an OS or DuckDB error stands for when it is about writing the project (its
    file, its write-ahead log or its folder), else None: an unreadable input file is not a storage
    failure of the project."""
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError) and exc.errno in WRITE_ERRNOS:
        code, where = exc.errno, str(exc.filename) if exc.filename else None
    elif isinstance(exc, duckdb.Error):
        text = str(exc)
        code = next((c for c in WRITE_ERRNOS if os.strerror(c) in text), None)
        if code is None:
            return None
        quoted = _QUOTED_PATH.search(text)
        where = quoted.group(1) if quoted else None
    else:
        return None
    if where is not None and not os.path.abspath(where).startswith(os.path.abspath(project_path)):
        return None
    where = where or str(project_path)
    cause = os.strerror(code)
    cls = ProjectReadOnlyError if code in READ_ONLY_ERRNOS else StorageError
    return cls(f"cannot write {where}: {cause}", path=where, cause=cause)


def utcnow() -> datetime:
    """Naive UTC now: every TIMESTAMP column in a project holds UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def is_duckdb_file(path: Path) -> bool:
    """Whether `path` starts as a DuckDB database file does (its magic bytes after the checksum); True
    when it cannot be read, so that DuckDB's own error (permissions, a lock) is the one reported."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(DUCKDB_MAGIC) + 8)[8:] == DUCKDB_MAGIC
    except OSError:
        return True


def check_writable(path: Path) -> None:
    """Fail before any work when the project cannot be written: DuckDB writes its log beside the
    file and spills into the project's folder only when it commits or runs out of memory, so a
    read-only folder, a full disk or a file-size limit would otherwise surface after a whole import."""
    folder = path.with_name(path.name + FOLDER_SUFFIX)
    place = path
    try:
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        place = folder
        folder.mkdir(exist_ok=True)
        for place in (path.parent, folder):
            with tempfile.TemporaryFile(dir=place) as probe:
                probe.write(b"\0" * 4096)
                probe.flush()
    except OSError as exc:
        cause = exc.strerror or str(exc)
        if exc.errno not in READ_ONLY_ERRNOS:
            raise StorageError(f"cannot write {place}: {cause}", path=str(place), cause=cause) from exc
        if place == path:
            message = f"{path} is read-only ({cause}); make it writable to change the project"
        else:
            message = f"{path} cannot be changed: the folder {place} is read-only ({cause})"
        raise ProjectReadOnlyError(message, path=str(place), cause=cause) from exc
    try:
        import resource
    except ImportError:  # not on Windows
        return
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY and path.exists() and path.stat().st_size >= limit:
        raise StorageError(f"cannot write {path}: it is as large as the file-size limit (ulimit -f, "
                           f"{limit:,} bytes) allows", path=str(path), cause=os.strerror(errno.EFBIG))


class Project:
    """An open Peelian project. Use `Project.init(path)` or `Project.open(path)`."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, *, read_only: bool = False):
        self.path = path
        self.con = con
        self.read_only = read_only
        self._lock = threading.RLock()
        self._pseudonymiser: Pseudonymiser | None = None

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def init(cls, path: str | Path, *, pseudonymise_citizens: bool = True) -> Project:
        path = Path(path)
        if path.exists():
            raise ProjectExistsError(f"{path} already exists; open it instead of creating it")
        if not path.parent.exists():
            raise ProjectError(f"cannot create {path}: folder {path.parent} does not exist")
        folder = path.with_name(path.name + FOLDER_SUFFIX)
        try:
            folder.mkdir(exist_ok=True)
            secret_path = folder / SECRET_FILE
            if not secret_path.exists():
                secret_path.write_text(secrets.token_hex(32))
                secret_path.chmod(0o600)
        except OSError as exc:
            raise (storage_error(exc, path) or ProjectError(f"cannot create {path}: {exc}")) from exc
        project = cls._connect(path, read_only=False)
        project._opened_for_writing(created=True)
        project.set_setting("pseudonymise_citizens", "true" if pseudonymise_citizens else "false")
        project.set_setting("created_at", utcnow().isoformat())
        project.set_setting("created_by_version", __version__)
        return project

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False) -> Project:
        path = Path(path)
        if not path.exists():
            raise ProjectError(f"no project at {path} (create one with: peelian init {path})")
        if path.is_file() and not is_duckdb_file(path):
            # DuckDB would open a JSON or CSV file as an in-memory database viewing it, and
            # check_writable would make a folder beside it: an export named where the project goes.
            raise ProjectError(f"{path} is not a Peelian project: it is not a DuckDB database (a project is "
                               "the file peelian init made; commands take it first: peelian import PROJECT FILES...)")
        if not read_only:
            check_writable(path)
        project = cls._connect(path, read_only=read_only)
        if not read_only:
            project.reclaim_space()  # a killed import's blocks stay in the file until a checkpoint
            project._opened_for_writing(created=False)
        return project

    def _opened_for_writing(self, *, created: bool) -> None:
        hook = ON_OPEN_FOR_WRITING.get()
        if hook is not None:
            hook(self, created)

    @classmethod
    def _connect(cls, path: Path, *, read_only: bool) -> Project:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise ProjectLockedError(
                    f"{path} is open in another process (a running `peelian serve` or import?); "
                    "close it and try again"
                ) from exc
            error = storage_error(exc, path)
            if isinstance(error, ProjectReadOnlyError):
                raise ProjectReadOnlyError(
                    f"{path} is read-only ({error.cause}); make it writable, or open it read-only",
                    path=str(path), cause=error.cause) from exc
            raise ProjectError(f"{path} is not a Peelian project or cannot be read: {exc}") from exc
        except duckdb.Error as exc:
            raise ProjectError(f"{path} is not a Peelian project or cannot be read: {exc}") from exc
        con.execute("SET TimeZone = 'UTC'")
        project = cls(path, con, read_only=read_only)
        if project.folder.is_dir():  # what DuckDB spills goes with the project, not beside it
            spill = str(project.folder / "tmp").replace("'", "''")
            con.execute(f"SET temp_directory = '{spill}'")
        project._migrate()
        return project

    def _migrate(self) -> None:
        # The version is read straight from `meta`: the catalogue is listed only when there is no `meta`
        # (a new or foreign file), because a first catalogue query costs more than `peelian status` itself.
        try:
            rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        except duckdb.CatalogException:
            if self.con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0]:
                raise ProjectError(f"{self.path} is a DuckDB file but not a Peelian project") from None
            rows = []
        current = int(rows[0][0]) if rows else 0
        if current > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"{self.path} uses schema version {current}, but this Peelian ({__version__}) "
                f"knows only up to {SCHEMA_VERSION}; upgrade Peelian to open it"
            )
        if current == SCHEMA_VERSION:
            return
        if self.read_only:
            raise ProjectError(f"{self.path} needs a schema upgrade; open it once without read-only")
        with self.transaction():
            for sql in MIGRATIONS[current:]:
                self.con.execute(sql)
            self.con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )
            for key, value in DEFAULT_SETTINGS.items():
                self.con.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)", [key, value])

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.con.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Project {self.path}>"

    # ---- places --------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        folder = self.path.with_name(self.path.name + FOLDER_SUFFIX)
        folder.mkdir(exist_ok=True)
        return folder

    def subfolder(self, name: str) -> Path:
        """A folder next to the project for models, reports and exports."""
        path = self.folder / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    # ---- settings and secret -------------------------------------------------------------
    def get_setting(self, key: str, default: str | None = None) -> str | None:
        # fetchall, not fetchone: fetchone leaves the result open on the shared connection, and DuckDB
        # refuses some later calls on a connection with an open result
        rows = self.con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else default

    def set_setting(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    @property
    def schema_version(self) -> int:
        return int(self.get_setting("schema_version", "0") or 0)

    @property
    def pseudonymise_citizens(self) -> bool:
        return (self.get_setting("pseudonymise_citizens", "true") or "true") == "true"

    @property
    def pseudonymiser(self) -> Pseudonymiser:
        if self._pseudonymiser is None:
            secret_path = self.folder / SECRET_FILE
            if not secret_path.exists():
                raise ProjectError(
                    f"the project's secret {secret_path} is missing; citizen pseudonyms cannot be "
                    "computed without it (restore it from a backup)"
                )
            self._pseudonymiser = Pseudonymiser(bytes.fromhex(secret_path.read_text().strip()))
        return self._pseudonymiser

    # ---- queries -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: a failure (or a killed process) leaves the project as it was.

        Every commit rewrites the commit marker in the same transaction, so a caller interrupted
        during COMMIT can tell whether it went in (`commit_marker`). After a failure the space the
        transaction took in the file is given back; a failure to write the project (full disk,
        file-size limit, read-only file or folder) is raised as a `StorageError`."""
        with self._lock:
            size_before = self._file_size()
            self.con.execute("BEGIN TRANSACTION")
            try:
                yield self.con
                self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [COMMIT_MARKER, secrets.token_hex(8)])
                self.con.execute("COMMIT")
            except BaseException as exc:
                # RuntimeError: DuckDB's "Query interrupted"; after a COMMIT that went in, ROLLBACK fails harmlessly
                with contextlib.suppress(duckdb.Error, RuntimeError):
                    self.con.execute("ROLLBACK")
                if self._file_size() > size_before:
                    self.reclaim_space(force=True)
                error = storage_error(exc, self.path)
                if error is not None and error is not exc:
                    raise error from exc
                raise

    @property
    def commit_marker(self) -> str | None:
        """Changes with every committed `transaction()`; compare before and after to tell if one went in."""
        return self.get_setting(COMMIT_MARKER)

    def _file_size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def reclaim_space(self, *, force: bool = False) -> None:
        """Give back the file space a failed or killed write left behind.

        DuckDB writes a large transaction's blocks into the file before it commits. After a
        rollback, or a killed process, they are free, but the file keeps its size until a
        checkpoint with something to write; so write a trivial change and checkpoint. Without
        `force`, only when the file is larger than the blocks DuckDB accounts for (a killed write)."""
        if self.read_only:
            return
        with contextlib.suppress(duckdb.Error, RuntimeError, OSError):
            if not force:
                row = self.con.execute(
                    "SELECT block_size, total_blocks FROM pragma_database_size() "
                    "WHERE database_name = current_database()").fetchall()
                if not row or self._file_size() <= DUCKDB_HEADER_BYTES + (row[0][1] + 1) * row[0][0]:
                    return
            self.con.execute("CREATE OR REPLACE TABLE _peelian_reclaim (x INTEGER)")
            self.con.execute("DROP TABLE _peelian_reclaim")
            self.con.execute("CHECKPOINT")

    @contextlib.contextmanager
    def setting(self, name: str, value: str | int) -> Iterator[None]:
        """DuckDB's setting `name` (one of Peelian's own choosing, never a user's) set to `value` for the
        block, then back to its default, also when the block fails."""
        self.con.execute(f"SET {name} = '{value}'")
        try:
            yield
        finally:
            self.con.execute(f"RESET {name}")

    def memory_limit(self, limit_bytes: int) -> contextlib.AbstractContextManager[None]:
        """DuckDB's memory limit set to `limit_bytes` for the block, then back to its default.

        DuckDB keeps the blocks it reads and writes cached up to its limit (80% of the machine's
        memory by default), so a long import's memory would grow with the data it writes; under a
        lower limit DuckDB evicts them (or spills them to its temporary folder) instead."""
        return self.setting("memory_limit", f"{int(limit_bytes)}B")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the same database, for use from another thread (web server workers)."""
        cur = self.con.cursor()
        cur.execute("SET TimeZone = 'UTC'")
        return cur

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run SQL and return rows as dicts; handy for the CLI, the web app and tests."""
        cur = self.cursor()
        try:
            result = cur.execute(sql, params) if params is not None else cur.execute(sql)
            columns = [d[0] for d in result.description or []]
            return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
        finally:
            cur.close()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        cur = self.cursor()
        try:
            row = (cur.execute(sql, params) if params is not None else cur.execute(sql)).fetchone()
            return row[0] if row else None
        finally:
            cur.close()

    def audit(self, action: str, *, username: str | None = None, target: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        """Append to the audit log (logins, exports, codings, adjudications)."""
        self.con.execute(
            "INSERT INTO audit_log VALUES (nextval('audit_seq'), ?, ?, ?, ?, ?)",
            [utcnow(), username, action, target, orjson.dumps(detail).decode() if detail else None],
        )
