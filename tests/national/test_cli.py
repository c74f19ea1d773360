"""`peelian export PROJECT dataset` and `peelian national metrics|classify|network`."""

from __future__ import annotations

import shutil

import orjson
import pyarrow.parquet as pq
import pytest

from peelian.national import national_metric_set
from tests.national.test_metric_set import assert_same_set


@pytest.mark.spark
def test_export_then_national_metrics_on_spark_and_duckdb(cli, demo_path, tmp_path, spark):
    project = tmp_path / "p.peelian"
    shutil.copy(demo_path, project)
    shutil.copytree(demo_path.parent / "demo.peelian.d", tmp_path / "p.peelian.d")
    lake = tmp_path / "lake"
    result = cli("export", project, "dataset", "--to", lake)
    assert result.exit_code == 0, result.output
    assert "exported 3 force(s) to the lake" in result.output and "pseudonym key fingerprint" in result.output
    result = cli("national", "metrics", lake, "--engine", "spark", "--to", tmp_path / "set.parquet", "--json")
    assert result.exit_code == 0, result.output
    summary = orjson.loads(result.output)
    assert summary["forces"] == 3 and summary["engine"] == "spark"
    written = pq.read_table(tmp_path / "set.parquet")
    assert_same_set(national_metric_set(lake, engine="duckdb"), written)  # floats to 1e-9
    assert (tmp_path / "set.schema.md").read_text().startswith("# The common metric set")
    result = cli("national", "network", lake, "--engine", "duckdb", "--json")
    assert result.exit_code == 0 and orjson.loads(result.output)["edges"] > 0


def test_export_of_one_force_and_messages_for_bad_lakes(cli, demo_path, tmp_path):
    project = tmp_path / "p.peelian"
    shutil.copy(demo_path, project)
    shutil.copytree(demo_path.parent / "demo.peelian.d", tmp_path / "p.peelian.d")
    result = cli("export", project, "dataset", "--to", tmp_path / "lake", "--force", "No Such Police")
    assert result.exit_code == 2 and "no data for force(s) 'No Such Police' in this project" in result.output
    (tmp_path / "empty").mkdir()
    result = cli("national", "metrics", tmp_path / "empty")
    assert result.exit_code == 2
    assert "no manifest.json: this is not a Peelian lake" in result.output
    result = cli("national", "metrics", tmp_path / "empty", "--engine", "flink")
    assert result.exit_code == 2


def test_the_metric_set_is_not_written_to_a_uri(cli, tmp_path):
    """`--to s3a://…` is refused before any work, not written as a local folder named `s3a:`."""
    (tmp_path / "empty").mkdir()
    result = cli("national", "metrics", tmp_path / "empty", "--to", "s3a://bucket/set.parquet")
    assert result.exit_code == 2
    assert "--to s3a://bucket/set.parquet: the metric set is written to a local or mounted path" in result.output
    assert not (tmp_path / "s3a:").exists()
