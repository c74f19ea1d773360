"""Writing a national metric set the way `peelian metrics export` writes a project's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from peelian.errors import LakeError
from peelian.metrics.metric_set import (
    export_destination,
    metric_set_columns,
    write_export,
)
from peelian.metrics.params import MetricParams


def metric_set_destination(destination: str | Path) -> Path:
    """Where a metric set can be written, checked before any work is done."""
    if "://" in str(destination):
        raise LakeError(f"--to {destination}: the metric set is written to a local or mounted path, not a URI; "
                        "write it here and copy it to the object store")
    return export_destination(destination)


def write_metric_set(table: pa.Table, destination: str | Path) -> dict[str, Any]:
    """The set as .parquet (with its metadata), .csv (formula-safe) or .json, and `<name>.schema.md` beside it.

    The set is small (one row per force, account type and month), so it is written to a local or mounted
    path; a URI is refused rather than turned into a folder named after it.
    """
    destination = metric_set_destination(destination)
    names = set(table.column_names)
    columns = [c for c in metric_set_columns() if c.name in names]
    schema_path = write_export(table, destination, columns, MetricParams(), "Computed from a national lake")
    return {"path": str(destination), "schema": str(schema_path), "rows": table.num_rows}
