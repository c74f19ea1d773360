"""Export any project table (or the posts of a query) to Parquet, CSV or JSON Lines via DuckDB."""

from __future__ import annotations

from pathlib import Path

from peelian.errors import InputError
from peelian.store.project import Project

FORMATS = {".parquet": "(FORMAT PARQUET)", ".csv": "(FORMAT CSV, HEADER)", ".jsonl": "(FORMAT JSON)",
           ".ndjson": "(FORMAT JSON)", ".json": "(FORMAT JSON, ARRAY true)"}
EXPORTABLE = ("posts", "accounts", "mentions", "registry", "imports", "quarantine", "notices", "codings", "gold",
              "predictions", "samples", "sample_items", "expectations", "codebooks", "models", "audit_log")


def export_table(project: Project, table: str, destination: str | Path) -> int:
    """Write a table; the format follows the file extension. Returns the number of rows written."""
    destination = Path(destination)
    if table not in EXPORTABLE:
        raise InputError(f"cannot export {table!r}; choose one of: {', '.join(EXPORTABLE)}")
    options = FORMATS.get(destination.suffix.lower())
    if options is None:
        raise InputError(f"unknown export format {destination.suffix!r}; use one of {', '.join(FORMATS)}",
                         path=str(destination))
    if not destination.parent.exists():
        raise InputError("the folder does not exist", path=str(destination.parent))
    source = "(SELECT * EXCLUDE (password_hash) FROM users)" if table == "users" else table
    project.con.execute(f"COPY {source} TO '{_quote(destination)}' {options}")
    return int(project.scalar(f"SELECT count(*) FROM {table}"))


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
