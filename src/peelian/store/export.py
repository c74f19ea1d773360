"""Export any project table (or the posts of a query) to Parquet, CSV or JSON Lines via DuckDB.

CSV is written for people to open in a spreadsheet, so its text cells are neutralised against formula
injection (see `peelian.store.safe_text`); Parquet and JSON keep the exact text.
"""

from __future__ import annotations

from pathlib import Path

from peelian.errors import InputError
from peelian.store.names import EXPORTABLE
from peelian.store.project import Project
from peelian.store.safe_text import neutralise_sql

FORMATS = {".parquet": "(FORMAT PARQUET)", ".csv": "(FORMAT CSV, HEADER)", ".jsonl": "(FORMAT JSON)",
           ".ndjson": "(FORMAT JSON)", ".json": "(FORMAT JSON, ARRAY true)"}


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
    if destination.suffix.lower() == ".csv":
        source = _neutralised(project, source)
    project.con.execute(f"COPY {source} TO '{_quote(destination)}' {options}")
    return int(project.scalar(f"SELECT count(*) FROM {table}"))


def _neutralised(project: Project, source: str) -> str:
    """The source with every text column passed through the spreadsheet-formula rule."""
    columns = project.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    cells = []
    for name, column_type, *_ in columns:
        quoted = '"' + name.replace('"', '""') + '"'
        cells.append(f"{neutralise_sql(quoted)} AS {quoted}" if column_type == "VARCHAR" else quoted)
    return f"(SELECT {', '.join(cells)} FROM {source})"


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
