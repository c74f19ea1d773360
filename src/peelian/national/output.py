"""Writing a national metric set the way `peelian metrics export` writes a project's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from peelian import __version__
from peelian.errors import InputError
from peelian.metrics.metric_set import EXPORT_FORMATS, schema_markdown
from peelian.metrics.params import MetricParams
from peelian.store.project import utcnow
from peelian.store.safe_text import neutralise_arrow


def write_metric_set(table: pa.Table, destination: str | Path) -> dict[str, Any]:
    """The set as .parquet (with its metadata), .csv (formula-safe) or .json, and `<name>.schema.md` beside it."""
    from peelian.metrics.metric_set import metric_set_columns

    destination = Path(destination)
    suffix = destination.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {destination.suffix!r}; use one of {', '.join(EXPORT_FORMATS)}",
                         path=str(destination))
    if not destination.parent.exists():
        raise InputError("the folder does not exist", path=str(destination.parent))
    if suffix == ".parquet":
        pq.write_table(table, destination)
    elif suffix == ".csv":
        pacsv.write_csv(neutralise_arrow(table), destination)
    else:
        destination.write_bytes(orjson.dumps(table.to_pylist(), option=orjson.OPT_INDENT_2))
    names = set(table.column_names)
    columns = [c for c in metric_set_columns() if c.name in names]
    schema_path = destination.with_name(destination.stem + ".schema.md")
    schema_path.write_text(schema_markdown(columns, MetricParams()) +
                           f"\nComputed from a national lake on {utcnow():%Y-%m-%d %H:%M} UTC by Peelian "
                           f"{__version__}.\n", encoding="utf-8")
    return {"path": str(destination), "schema": str(schema_path), "rows": table.num_rows}
