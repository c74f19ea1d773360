"""The common metric set: one tidy table per force × account type × month, with stable columns.

So that every force and the inspectorate compute the same numbers the same way, the
set has a fixed list of snake_case columns (docs/metric-set.md, generated from
columns.py and checked by a test), is exported as CSV, Parquet or JSON, and every
export carries its parameters: in the Parquet schema metadata and in a schema
document written next to the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from peelian import __version__
from peelian.errors import InputError
from peelian.metrics.codes import code_ids
from peelian.metrics.columns import (
    EXPECTATION_COLUMNS,
    KEY_COLUMNS,
    METRIC_COLUMNS,
    METRIC_SET_MIXES,
    Column,
    gap_columns,
    mix_columns,
)
from peelian.metrics.compute import UNKNOWN, compute_metrics
from peelian.metrics.params import Filters, MetricParams
from peelian.store.project import Project, utcnow

EXPORT_FORMATS = (".csv", ".parquet", ".json")


def metric_set_columns(project: Project) -> list[Column]:
    """The columns of the set, in order; the code columns follow the project's codebook."""
    columns = [KEY_COLUMNS["force"], KEY_COLUMNS["account_type"], KEY_COLUMNS["month"], *METRIC_COLUMNS]
    for dim in METRIC_SET_MIXES:
        columns += mix_columns(dim, [*code_ids(project, dim), UNKNOWN])
    return columns + EXPECTATION_COLUMNS + gap_columns(code_ids(project, "topic"))


def common_metric_set(project: Project, params: MetricParams | None = None,
                      filters: Filters | None = None) -> pa.Table:
    """The set as an Arrow table; its schema metadata holds the parameters."""
    params = params or MetricParams()
    table = compute_metrics(project, params, ("force", "account_type"), "month", filters, mixes=METRIC_SET_MIXES)
    columns = metric_set_columns(project)
    rows = [{**r, "month": r["period"]} for r in table.rows]
    schema = pa.schema([pa.field(c.name, c.arrow_type) for c in columns], metadata={
        b"peelian.metric_set.params": orjson.dumps(params.describe()),
        b"peelian.metric_set.filters": orjson.dumps((filters or Filters()).describe()),
        b"peelian.metric_set.sources": orjson.dumps(table.sources),
        b"peelian.version": __version__.encode(),
    })
    return pa.Table.from_pylist([{c.name: r.get(c.name) for c in columns} for r in rows], schema=schema)


def schema_markdown(columns: list[Column], params: MetricParams | None = None, *,
                    title: str = "The common metric set") -> str:
    """A schema document: every column with its type, unit and definition (and the parameters)."""
    lines = [f"# {title}", "",
             "One row per force × account type × month. Counts are whole numbers; shares and ratios lie in "
             "[0, 1]; times are in seconds. An empty cell means the figure is undefined (e.g. a rate with "
             "nothing to divide by), never zero.", ""]
    if params is not None:
        lines += ["## Parameters", "", "| parameter | value |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in params.describe().items()]
        lines += [""]
    lines += ["## Columns", "", "| column | type | unit | definition |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {c.unit} | {c.definition} |" for c in columns]
    return "\n".join(lines) + "\n"


def export_metric_set(project: Project, destination: str | Path, params: MetricParams | None = None,
                      filters: Filters | None = None) -> dict[str, Any]:
    """Write the set (format from the suffix: .csv, .parquet, .json) and `<name>.schema.md` beside it."""
    destination = Path(destination)
    suffix = destination.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {destination.suffix!r}; use one of {', '.join(EXPORT_FORMATS)}",
                         path=str(destination))
    if not destination.parent.exists():
        raise InputError("the folder does not exist", path=str(destination.parent))
    params = params or MetricParams()
    table = common_metric_set(project, params, filters)
    if suffix == ".parquet":
        pq.write_table(table, destination)
    elif suffix == ".csv":
        pacsv.write_csv(table, destination)
    else:
        destination.write_bytes(orjson.dumps(table.to_pylist(), option=orjson.OPT_INDENT_2))
    schema_path = destination.with_name(destination.stem + ".schema.md")
    schema_path.write_text(schema_markdown(metric_set_columns(project), params) +
                           f"\nExported from {project.path} on {utcnow():%Y-%m-%d %H:%M} UTC by Peelian "
                           f"{__version__}.\n", encoding="utf-8")
    if not project.read_only:
        project.audit("metrics_export", target=str(destination), detail={"rows": table.num_rows})
    return {"path": str(destination), "schema": str(schema_path), "rows": table.num_rows,
            "columns": table.num_columns}
