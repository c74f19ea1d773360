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
from peelian.metrics.compute import UNKNOWN, MetricsTable, compute_metrics
from peelian.metrics.params import Filters, MetricParams
from peelian.store.project import Project, utcnow
from peelian.store.safe_text import neutralise_arrow

EXPORT_FORMATS = (".csv", ".parquet", ".json")


def metric_set_columns(project: Project | None = None, codes_by_dimension: dict[str, list[str]] | None = None
                       ) -> list[Column]:
    """The columns of the set, in order; the code columns follow the project's codebook (or the
    given code ids per dimension, as a national lake records them; the default codebook without either)."""
    def codes(dimension: str) -> list[str]:
        if codes_by_dimension is not None:
            return list(codes_by_dimension[dimension])
        if project is not None:
            return code_ids(project, dimension)
        from peelian.metrics.codes import _default_codebook

        return _default_codebook().dimension(dimension).code_ids()

    columns = [KEY_COLUMNS["force"], KEY_COLUMNS["account_type"], KEY_COLUMNS["month"], *METRIC_COLUMNS]
    for dim in METRIC_SET_MIXES:
        columns += mix_columns(dim, [*codes(dim), UNKNOWN])
    return columns + EXPECTATION_COLUMNS + gap_columns(codes("topic"))


def common_metric_set(project: Project, params: MetricParams | None = None,
                      filters: Filters | None = None) -> pa.Table:
    """The set as an Arrow table; its schema metadata holds the parameters."""
    params = params or MetricParams()
    table = compute_metrics(project, params, ("force", "account_type"), "month", filters, mixes=METRIC_SET_MIXES)
    return metric_set_table(table, metric_set_columns(project), params, filters)


def metric_set_table(table: MetricsTable, columns: list[Column], params: MetricParams,
                     filters: Filters | None = None) -> pa.Table:
    """Metrics by force × account type × month as the set's Arrow table (shared by the project
    and the national engines, so both write the same columns and metadata)."""
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


DOCUMENT_INTRO = """\
The common metric set is one tidy table with one row per force × account type × calendar month
(UTC), so that every force and the inspectorate compute the same numbers the same way. Export it
with `peelian metrics export PROJECT --to metrics.parquet` (or `.csv`, `.json`), or
`peelian.metrics.common_metric_set(project, params)` for an Arrow table. Every export writes
`<name>.schema.md` beside the file with this table and the parameters used; the Parquet file also
carries the parameters, filters and code sources in its schema metadata
(`peelian.metric_set.params`, `peelian.metric_set.filters`, `peelian.metric_set.sources`).

Definitions are those of [metrics.md](metrics.md). Rows cover every month from the first post (or
`--from-date`) to the newest post, for every force and account type with any data, so a month
with no activity is a row of zeros, not a missing row. The code-share columns follow the
project's active codebook; the list below is for the default codebook. Police-post figures
(volume, two-way, engagement, mode and topic mix) group by the author's force and account type;
inbound and response figures by the force and account type the citizen addressed.

This file is generated (a test checks it): `python -c "from peelian.metrics import metric_set_document;
print(metric_set_document(), end='')" > docs/metric-set.md`.
"""


def metric_set_document() -> str:
    """docs/metric-set.md: the set's columns for the default codebook, with the default parameters."""
    text = schema_markdown(metric_set_columns(), MetricParams(), title="The common metric set")
    head, rest = text.split("\n\n", 1)
    return f"{head}\n\n{DOCUMENT_INTRO}\n{rest}"


def export_destination(destination: str | Path) -> Path:
    """The destination, checked before anything is computed: a known format and a folder that exists."""
    destination = Path(destination)
    if destination.suffix.lower() not in EXPORT_FORMATS:
        raise InputError(f"unknown export format {destination.suffix!r}; use one of {', '.join(EXPORT_FORMATS)}",
                         path=str(destination))
    if not destination.parent.exists():
        raise InputError("the folder does not exist", path=str(destination.parent))
    return destination


def write_export(table: pa.Table, destination: Path, columns: list[Column], params: MetricParams,
                 origin: str) -> Path:
    """Write the table in the destination's format (.parquet, formula-safe .csv, .json) and
    `<name>.schema.md` beside it, ending with `origin` and when; the schema file's path."""
    suffix = destination.suffix.lower()
    if suffix == ".parquet":
        pq.write_table(table, destination)
    elif suffix == ".csv":
        pacsv.write_csv(neutralise_arrow(table), destination)
    else:
        destination.write_bytes(orjson.dumps(table.to_pylist(), option=orjson.OPT_INDENT_2))
    schema_path = destination.with_name(destination.stem + ".schema.md")
    schema_path.write_text(schema_markdown(columns, params) +
                           f"\n{origin} on {utcnow():%Y-%m-%d %H:%M} UTC by Peelian {__version__}.\n",
                           encoding="utf-8")
    return schema_path


def export_metric_set(project: Project, destination: str | Path, params: MetricParams | None = None,
                      filters: Filters | None = None) -> dict[str, Any]:
    """Write the set (format from the suffix: .csv, .parquet, .json) and `<name>.schema.md` beside it."""
    destination = export_destination(destination)
    params = params or MetricParams()
    table = common_metric_set(project, params, filters)
    schema_path = write_export(table, destination, metric_set_columns(project), params,
                               f"Exported from {project.path}")
    if not project.read_only:
        project.audit("metrics_export", target=str(destination), detail={"rows": table.num_rows})
    return {"path": str(destination), "schema": str(schema_path), "rows": table.num_rows,
            "columns": table.num_columns}
