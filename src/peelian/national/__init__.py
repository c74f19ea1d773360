"""National scale: force projects exported into one partitioned Parquet lake, and the common
metric set, batch classification and interaction networks computed over it on DuckDB or Spark.

This layer sits above metrics, classify and network and reuses their definitions; see
docs/national.md.
"""

from peelian.national.engine import ENGINES, national_metric_set, spark_session
from peelian.national.lake import SCHEMA_VERSION, Lake, export_dataset

__all__ = ["ENGINES", "SCHEMA_VERSION", "Lake", "export_dataset", "national_metric_set", "spark_session"]
