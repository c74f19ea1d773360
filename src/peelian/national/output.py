"""Writing a national metric set the way `peelian metrics export` writes a project's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from peelian.metrics.metric_set import (
    export_destination,
    metric_set_columns,
    write_export,
)
from peelian.metrics.params import MetricParams


def write_metric_set(table: pa.Table, destination: str | Path) -> dict[str, Any]:
    """The set as .parquet (with its metadata), .csv (formula-safe) or .json, and `<name>.schema.md` beside it."""
    destination = export_destination(destination)
    names = set(table.column_names)
    columns = [c for c in metric_set_columns() if c.name in names]
    schema_path = write_export(table, destination, columns, MetricParams(), "Computed from a national lake")
    return {"path": str(destination), "schema": str(schema_path), "rows": table.num_rows}
