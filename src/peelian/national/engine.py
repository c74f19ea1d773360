"""The metric set over a national lake, on DuckDB (one machine) or Apache Spark (a cluster).

Both engines serve compute.py the same tables a project's fitted `Dialogue` does (m_police,
m_inbound, m_dialog, m_recip and one code table per dimension), read from the lake's Parquet,
and run compute.py's SQL: one definition of every figure, spelled for each dialect by
`peelian.metrics.dialect`. Only the aggregates (one row per force × account type × month and
the like) come back to the driver, where the rates and the expectations gap are derived by
the same Python as for a project.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa

from peelian.errors import EngineUnavailableError, LakeError
from peelian.metrics.dialect import DUCKDB, SPARK, Dialect
from peelian.metrics.params import MetricParams
from peelian.national.lake import SCHEMAS, Lake

ENGINES = ("duckdb", "spark")
OBJECT_AGG_GROUPS = 65536
# The lake table behind each table name compute.py reads.
VIEWS = {"m_police": "police", "m_inbound": "inbound", "m_dialog": "dialog", "m_recip": "recip", "lake_codes": "codes",
         "lake_edges": "edges", "lake_texts": "texts"}


class LakeDialogue:
    """What compute.py reads from a fitted dialogue, served from a lake by one engine."""

    dialect: Dialect = DUCKDB

    def __init__(self, lake: Lake):
        self.lake = lake
        self.data_start_, self.data_end_ = lake.data_span()
        self.models_ = lake.models()
        self.accounts_: dict[int, tuple[str, str | None]] = {}
        self.threads_: dict[str, int] = {}
        for source in lake.sources.values():
            for key, value in (source.get("threads") or {}).items():
                self.threads_[key] = self.threads_.get(key, 0) + int(value)

    def codes(self, dimension: str) -> str:
        return f"(SELECT nid, codes, source FROM lake_codes WHERE dimension = '{dimension}')"

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the engine's resources (a DuckDB connection; a Spark session is the caller's)."""


class DuckDBLake(LakeDialogue):
    """The lake read by an in-process DuckDB."""

    dialect = DUCKDB

    def __init__(self, lake: Lake, *, threads: int | None = None, memory_limit: str | None = None):
        import duckdb

        super().__init__(lake)
        self.con_ = duckdb.connect()
        self.con_.execute("SET TimeZone = 'UTC'")
        if threads:
            self.con_.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con_.execute(f"SET memory_limit = '{memory_limit}'")
        for view, table in VIEWS.items():
            files = lake.files(table)
            if files and lake.location.local:
                listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
                self.con_.execute(f"CREATE VIEW {view} AS SELECT {_columns(table)} "
                                  f"FROM read_parquet([{listed}], hive_partitioning = false)")
            elif files:  # an object store: PyArrow reads it (DuckDB's httpfs is an extension to download)
                import pyarrow.dataset as ds

                self.con_.register(f"{view}_arrow", ds.dataset(files, schema=SCHEMAS[table], format="parquet",
                                                               filesystem=lake.location.fs))
                self.con_.execute(f"CREATE VIEW {view} AS SELECT {_columns(table)} FROM {view}_arrow")
            else:
                self.con_.register(f"{view}_empty", SCHEMAS[table].empty_table())
                self.con_.execute(f"CREATE VIEW {view} AS SELECT * FROM {view}_empty")

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        result = self.con_.execute(sql, params) if params is not None else self.con_.execute(sql)
        columns = [d[0] for d in result.description or []]
        return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    def close(self) -> None:
        self.con_.close()


def _columns(table: str) -> str:
    return ", ".join(f.name for f in SCHEMAS[table])


# ---- Spark ---------------------------------------------------------------------------------------

_SPARK_TYPES = {"string": "STRING", "int64": "BIGINT", "int32": "INT", "int16": "SMALLINT", "int8": "TINYINT",
                "bool": "BOOLEAN", "double": "DOUBLE", "timestamp[us]": "TIMESTAMP_NTZ", "date32[day]": "DATE",
                "list<item: string>": "ARRAY<STRING>"}


def spark_ddl(schema: pa.Schema) -> str:
    """The lake schema as a Spark DDL string (timestamps are naive UTC: TIMESTAMP_NTZ)."""
    return ", ".join(f"`{f.name}` {_SPARK_TYPES[str(f.type)]}" for f in schema)


def java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(home and (Path(home) / "bin" / "java").exists()) or shutil.which("java") is not None


def spark_session(master: str = "local[2]", *, shuffle_partitions: int | None = None,
                  config: dict[str, str] | None = None) -> Any:
    """A SparkSession: the active one (a Databricks job or notebook, spark-submit), else a new one
    on `master`. Raises EngineUnavailableError naming what is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineUnavailableError("PySpark is not installed: install the national extra "
                                     "(pip install 'peelian[national]'), or run on a Spark cluster") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # under spark-submit: its --master and JVM govern
    if not submitted and not java_available():
        raise EngineUnavailableError("Java is not installed, and Spark runs on it: install a Java 17 or 21 "
                                     "runtime (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME")
    builder = (SparkSession.builder.appName("peelian-national")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
               .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC")
               .config("spark.ui.showConsoleProgress", "false")
               # exact percentiles are object aggregates: past this many groups in a task Spark falls back
               # to sorting every row; a national set has thousands of groups (force x account type x month)
               .config("spark.sql.objectHashAggregate.sortBased.fallbackThreshold", str(OBJECT_AGG_GROUPS)))
    partitions = shuffle_partitions or _local_cores(master)
    if partitions:  # the aggregates are small: one shuffle partition per core (a cluster keeps AQE's coalescing)
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions))
    if not submitted:
        builder = builder.master(master)
    if not submitted and master.startswith("local"):
        # Python workers run this interpreter (Peelian and its model libraries); no UI, no network
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (builder.config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1"))
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: the gateway's message says why
        raise EngineUnavailableError(f"Spark could not start on {master}: {exc}") from exc
    session.sparkContext.setLogLevel("ERROR")
    return session


def _local_cores(master: str) -> int | None:
    """The cores of a local master (local, local[N], local[*], local[N,F]); None for a cluster."""
    match = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\s*\d+)?\])?", master.strip())
    if not match:
        return None
    if match.group(1) in (None, ""):
        return 1
    return (os.cpu_count() or 1) if match.group(1) == "*" else int(match.group(1))


class SparkLake(LakeDialogue):
    """The lake read by Spark: each table a temporary view over its Parquet folder. (Caching the
    fact tables, which the metric set reads once per family, measured slower at 1 M posts: the
    cache is built on the first read and each family reads few columns.)"""

    dialect = SPARK

    def __init__(self, lake: Lake, spark: Any):
        super().__init__(lake)
        self.spark = spark
        for view, table in VIEWS.items():
            ddl = spark_ddl(SCHEMAS[table])
            if lake.files(table):
                frame = (spark.read.schema(ddl).option("recursiveFileLookup", "true")
                         .parquet(lake.location.spark_path(table)))
            else:
                frame = spark.createDataFrame([], ddl)
            frame.createOrReplaceTempView(view)

    def query(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        return [row.asDict() for row in self.spark.sql(sql).collect()]


# ---- the metric set --------------------------------------------------------------------------------

def open_engine(lake: Lake, engine: str = "duckdb", *, master: str = "local[2]", spark: Any = None,
                threads: int | None = None) -> LakeDialogue:
    """The lake's tables on DuckDB or Spark (an existing `spark` session, else one on `master`)."""
    if engine == "duckdb":
        return DuckDBLake(lake, threads=threads)
    if engine == "spark":
        return SparkLake(lake, spark if spark is not None else spark_session(master))
    raise LakeError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def national_metric_set(lake: str | Path | Lake, *, engine: str = "duckdb", params: MetricParams | None = None,
                        master: str = "local[2]", spark: Any = None, threads: int | None = None) -> pa.Table:
    """The common metric set of every force in the lake, with the columns and metadata of
    `peelian metrics export` (docs/metric-set.md)."""
    from peelian.metrics.columns import METRIC_SET_MIXES
    from peelian.metrics.compute import metrics_from_dialogue
    from peelian.metrics.metric_set import metric_set_columns, metric_set_table

    lake = lake if isinstance(lake, Lake) else Lake.open(lake)
    lake.check_schemas()
    params = params or MetricParams()
    fit = lake.manifest["fit"]
    if (params.use_predictions, params.default_time_zone) != (fit["use_predictions"], fit["default_time_zone"]):
        raise LakeError(f"the lake's facts were fitted with {fit}; these parameters need a re-export "
                        f"(use_predictions={params.use_predictions}, default_time_zone={params.default_time_zone})",
                        path=lake.uri)
    codes = {dim: lake.codes()[dim] for dim in METRIC_SET_MIXES}
    dialogue = open_engine(lake, engine, master=master, spark=spark, threads=threads)
    try:
        table = metrics_from_dialogue(dialogue, params, ("force", "account_type"), "month", codes=codes,
                                      survey=lake.survey())
    finally:
        dialogue.close()
    return metric_set_table(table, metric_set_columns(codes_by_dimension=codes), params)
