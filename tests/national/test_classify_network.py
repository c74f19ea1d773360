"""Batch prediction and the interaction network over a lake, on Spark and on DuckDB."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from peelian import Project
from peelian.classify.models import TextClassifier
from peelian.classify.registry import load_classifier, write_model_folder
from peelian.errors import LakeError
from peelian.national import export_dataset
from peelian.national.classify import DONE, classify_lake, partitions, read_predictions
from peelian.national.lake import Lake
from peelian.national.network import edges, national_network


@pytest.fixture(scope="module")
def lake(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("classify") / "lake"
    project = Project.open(demo_path)
    try:
        export_dataset(project, path)
    finally:
        project.close()
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small linear topic model trained on hand-written texts."""
    texts = ["appeal for witnesses to the robbery", "have you seen this man, please call",
             "road closed after a collision on the A38", "traffic delays expected on the M6",
             "court: burglar jailed for four years", "sentenced today at crown court"] * 3
    labels = [["appeal"], ["appeal"], ["traffic"], ["traffic"], ["court_result"], ["court_result"]] * 3
    folder = tmp_path_factory.mktemp("model") / "topic-linear-test"
    write_model_folder(folder, TextClassifier("linear").fit(texts, labels),
                       {"model_id": "topic-linear-test", "dimension": "topic", "algorithm": "linear"})
    return folder


def _texts(lake: Path, role: str) -> dict[str, str]:
    import pyarrow.dataset as ds

    table = ds.dataset(lake / "texts", format="parquet").to_table()
    return {n: t for n, t, r in zip(*(table.column(c).to_pylist() for c in ("nid", "text", "role")), strict=True)
            if r == role}


def test_duckdb_classify_predicts_every_police_text_and_resumes_per_partition(lake, model_dir, tmp_path):
    copy = tmp_path / "lake"
    shutil.copytree(lake, copy)
    first = classify_lake(copy, model_dir, engine="duckdb")
    assert first["already_done"] == 0 and first["partitions_predicted"] == len(partitions(Lake.open(copy))) > 3
    predictions = read_predictions(copy, "topic-linear-test")
    police = _texts(copy, "police")
    assert sorted(predictions.column("nid").to_pylist()) == sorted(police)
    expected = load_classifier(model_dir).predict([police[n] for n in predictions.column("nid").to_pylist()])
    assert predictions.column("codes").to_pylist() == expected
    # an interrupted run: one partition's output is missing (no done marker); a rerun predicts only it
    done = sorted(Path(first["output"]).rglob(DONE))
    shutil.rmtree(done[1].parent)
    again = classify_lake(copy, model_dir, engine="duckdb")
    assert (again["already_done"], again["partitions_predicted"]) == (len(done) - 1, 1)
    assert read_predictions(copy, "topic-linear-test").equals(predictions)


@pytest.mark.spark
def test_spark_classify_gives_the_same_predictions(lake, model_dir, tmp_path, spark):
    local, distributed = tmp_path / "local", tmp_path / "spark"
    shutil.copytree(lake, local)
    shutil.copytree(lake, distributed)
    classify_lake(local, model_dir, engine="duckdb")
    result = classify_lake(distributed, model_dir, engine="spark", spark=spark, batch_partitions=5)
    assert result["posts_predicted"] == len(_texts(lake, "police"))
    want, got = read_predictions(local, "topic-linear-test"), read_predictions(distributed, "topic-linear-test")
    assert got.column("nid").to_pylist() == want.column("nid").to_pylist()
    assert got.column("codes").to_pylist() == want.column("codes").to_pylist()
    assert got.column("probability").to_pylist() == pytest.approx(want.column("probability").to_pylist(), abs=1e-12)
    assert classify_lake(distributed, model_dir, engine="spark", spark=spark)["partitions_predicted"] == 0


@pytest.mark.spark
def test_spark_network_equals_duckdb(lake, spark):
    duck = edges(lake, engine="duckdb")
    assert duck == edges(lake, engine="spark", spark=spark)
    assert any(e["source_role"] == "citizen" and e["target_role"] == "police" for e in duck)
    summary = national_network(lake, engine="spark", spark=spark, min_weight=1)
    assert {**summary, "engine": "duckdb"} == national_network(lake, engine="duckdb", min_weight=1)
    assert summary["nodes"] > 10 and summary["edges"] == len(duck)


def test_a_model_of_an_unknown_dimension_is_named(lake, tmp_path):
    folder = tmp_path / "m"
    write_model_folder(folder, TextClassifier("linear").fit(["a b", "c d"], [["x"], ["y"]]),
                       {"model_id": "m", "dimension": "weather"})
    with pytest.raises(Exception, match="'weather'"):
        classify_lake(lake, folder, engine="duckdb")
    with pytest.raises(LakeError, match="unknown engine 'flink'"):
        edges(lake, engine="flink")
