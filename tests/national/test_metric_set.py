"""The common metric set over a national lake: DuckDB and Spark give the project's own figures,
column by column (counts exactly, rates to 1e-9, medians identically)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from peelian import Project
from peelian.errors import EngineUnavailableError, LakeError
from peelian.metrics import common_metric_set
from peelian.national import Lake, export_dataset, national_metric_set
from peelian.national import engine as national_engine
from peelian.store.privacy import is_pseudonym


def assert_same_set(expected: pa.Table, actual: pa.Table) -> None:
    assert actual.column_names == expected.column_names
    assert actual.schema.equals(expected.schema, check_metadata=False)
    assert actual.num_rows == expected.num_rows
    for name in expected.column_names:
        want, got = expected.column(name).to_pylist(), actual.column(name).to_pylist()
        for i, (a, b) in enumerate(zip(want, got, strict=True)):
            where = f"{name} row {i} ({expected.column('force')[i]}, {expected.column('month')[i]})"
            if isinstance(a, float) and isinstance(b, float) and "median" not in name:
                assert math.isclose(a, b, rel_tol=0, abs_tol=1e-9), f"{where}: {a} != {b}"
            else:
                assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def demo_lake(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pa.Table]:
    lake = tmp_path_factory.mktemp("lake") / "lake"
    project = Project.open(demo_path)
    try:
        export_dataset(project, lake)
        reference = common_metric_set(project)
    finally:
        project.close()
    return lake, reference


@pytest.fixture(scope="module")
def merged_lake(demo_path: Path, second_demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two projects with their own pseudonym keys: the first gives two forces, the second the third."""
    lake = tmp_path_factory.mktemp("merged") / "lake"
    first, second = Project.open(demo_path), Project.open(second_demo_path)
    try:
        forces = export_dataset(first, lake)["forces"]
        shutil.rmtree(lake)
        export_dataset(first, lake, forces=forces[:2])
        export_dataset(second, lake, forces=forces[2:])
    finally:
        first.close()
        second.close()
    return lake


def test_duckdb_over_the_lake_equals_the_project(demo_lake):
    lake, reference = demo_lake
    assert reference.column("topic_predicted").to_pylist() != [0] * reference.num_rows  # codes reached the set
    assert_same_set(reference, national_metric_set(lake, engine="duckdb"))


@pytest.mark.spark
def test_spark_over_the_lake_equals_the_project(demo_lake, spark):
    lake, reference = demo_lake
    assert_same_set(reference, national_metric_set(lake, engine="spark", spark=spark))


@pytest.mark.spark
def test_spark_equals_duckdb_on_a_lake_merged_from_two_projects(merged_lake, spark):
    manifest = Lake.open(merged_lake).manifest
    assert len(manifest["sources"]) == 2 and len(manifest["forces"]) == 3
    duck = national_metric_set(merged_lake, engine="duckdb")
    assert len(set(duck.column("force").to_pylist())) == 3
    assert_same_set(duck, national_metric_set(merged_lake, engine="spark", spark=spark))


def test_the_lake_is_partitioned_parquet_with_a_manifest(demo_lake, demo_path):
    lake, _ = demo_lake
    manifest = orjson.loads((lake / "manifest.json").read_bytes())
    assert manifest["schema_version"] == 1
    (source,) = manifest["sources"].values()
    secret = (demo_path.parent / "demo.peelian.d" / "secret.key").read_text().strip()
    assert len(source["key_fingerprint"]) == 16 and source["key_fingerprint"] not in secret
    for file in lake.rglob("*"):
        if file.is_file():
            assert secret.encode() not in file.read_bytes(), file
    parts = {p.relative_to(lake / "police").parts[:3] for p in (lake / "police").rglob("*.parquet")}
    assert all(a.startswith("force_key=") and b.startswith("platform_key=") and c.startswith("month_key=")
               for a, b, c in parts) and len(parts) > 3
    # any hive reader gets full columns plus the partition keys
    police = ds.dataset(lake / "police", format="parquet", partitioning="hive").to_table()
    assert {"force", "force_key", "month_key"} <= set(police.column_names)
    edges = ds.dataset(lake / "edges", format="parquet").to_table()
    citizens = [a for a, role in zip(edges.column("source").to_pylist(), edges.column("source_role").to_pylist(),
                                     strict=True) if role == "citizen"]
    assert citizens and all(is_pseudonym(a) for a in citizens)  # citizens appear under their pseudonyms only


def test_exporting_again_replaces_the_sources_own_files(demo_path, tmp_path):
    project = Project.open(demo_path)
    try:
        first = export_dataset(project, tmp_path / "lake")
        files = sorted(p.name for p in (tmp_path / "lake").rglob("*.parquet"))
        again = export_dataset(project, tmp_path / "lake")
    finally:
        project.close()
    assert first["rows"] == again["rows"]
    assert sorted(p.name for p in (tmp_path / "lake").rglob("*.parquet")) == files


# ---- bad input ------------------------------------------------------------------------------------

def test_a_folder_without_a_manifest_is_not_a_lake(tmp_path):
    (tmp_path / "police").mkdir()
    with pytest.raises(LakeError, match="no manifest.json: this is not a Peelian lake"):
        national_metric_set(tmp_path)


def test_a_lake_of_another_schema_version_is_refused(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake[0], lake)
    manifest = orjson.loads((lake / "manifest.json").read_bytes())
    manifest["schema_version"] = 99
    (lake / "manifest.json").write_bytes(orjson.dumps(manifest))
    with pytest.raises(LakeError, match="lake schema version 99 does not match this Peelian's version 1"):
        national_metric_set(lake)


def test_a_file_with_other_columns_is_named(demo_lake, tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(demo_lake[0], lake)
    file = next((lake / "police").rglob("*.parquet"))
    table = pq.read_table(file)
    pq.write_table(table.set_column(table.schema.get_field_index("engagement"), "engagement",
                                    table.column("engagement").cast(pa.float64())), file)
    with pytest.raises(LakeError, match=r"column 'engagement' is double, lake schema version 1 has int64") as err:
        national_metric_set(lake)
    assert str(file) in str(err.value)


def test_two_projects_with_different_keys_cannot_share_a_force(demo_path, second_demo_path, tmp_path):
    first, second = Project.open(demo_path), Project.open(second_demo_path)
    try:
        export_dataset(first, tmp_path / "lake")
        with pytest.raises(LakeError, match=r"pseudonym key clash for force '.+': the lake holds it from project "
                                            r"'demo.peelian' pseudonymised with key [0-9a-f]{16}, this project's "
                                            r"key is [0-9a-f]{16}"):
            export_dataset(second, tmp_path / "lake")
    finally:
        first.close()
        second.close()


def test_a_force_comes_from_one_project_even_with_the_same_key(demo_path, tmp_path):
    copy = tmp_path / "copy.peelian"
    shutil.copy(demo_path, copy)
    shutil.copytree(demo_path.parent / "demo.peelian.d", tmp_path / "copy.peelian.d")
    first, second = Project.open(demo_path), Project.open(copy)
    try:
        export_dataset(first, tmp_path / "lake")
        with pytest.raises(LakeError, match=r"id clash for force '.+': the lake already holds it from project "
                                            r"'demo.peelian'"):
            export_dataset(second, tmp_path / "lake")
    finally:
        first.close()
        second.close()


def test_no_java_is_named(monkeypatch):
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: None))
    monkeypatch.setattr(national_engine, "java_available", lambda: False)
    with pytest.raises(EngineUnavailableError, match="Java is not installed.*openjdk-17-jre-headless"):
        national_engine.spark_session("local[1]")


def test_no_pyspark_is_named(monkeypatch, demo_lake):
    import sys

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(EngineUnavailableError, match=r"PySpark is not installed.*peelian\[national\]"):
        national_metric_set(demo_lake[0], engine="spark")


@pytest.mark.parametrize(("master", "cores"), [("local", 1), ("local[3]", 3), ("local[4,2]", 4),
                                               ("spark://host:7077", None), ("yarn", None)])
def test_a_local_master_gets_one_shuffle_partition_per_core(master, cores, monkeypatch):
    monkeypatch.setattr(national_engine.os, "cpu_count", lambda: 16)
    assert national_engine._local_cores(master) == cores
    assert national_engine._local_cores("local[*]") == 16

