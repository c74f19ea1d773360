"""Batch prediction over a national lake, resumable per partition.

A trained model folder (`peelian classify train`) is applied to the lake's texts of the role its
dimension codes (police posts for mode and topic, citizen posts for citizen_intent), partition
by partition (force × platform × month). On Spark the model travels to the executors once
(a broadcast of its file) and each task predicts Arrow batches (`mapInArrow`); on DuckDB the
driver predicts each partition itself. Every finished partition is written under
`predictions/model_id=<id>/<partition>/` and marked done, so an interrupted run, rerun, predicts
only the partitions still missing.
"""

from __future__ import annotations

import io
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from peelian.errors import LakeError, ModelError
from peelian.national.lake import PARTITION_KEYS, SCHEMAS, Lake

DONE = "_DONE"
PREDICTIONS = pa.schema([("nid", pa.string()), ("force", pa.string()), ("platform", pa.string()),
                         ("created_at", pa.timestamp("us")), ("dimension", pa.string()), ("model_id", pa.string()),
                         ("codes", pa.list_(pa.string())), ("probability", pa.float64())])
_MODELS: dict[str, Any] = {}  # per Python worker: the unpickled classifier, by the run's key


def _role(dimension: str) -> str:
    from peelian.metrics.columns import CODE_SCOPES

    if dimension not in CODE_SCOPES:
        raise ModelError(f"the model codes {dimension!r}, which has no scope in a lake "
                         f"(one of {', '.join(CODE_SCOPES)})")
    return "citizen" if CODE_SCOPES[dimension][0] == "inbound" else "police"


def _predict(classifier: Any, batch: pa.RecordBatch | pa.Table, dimension: str, model_id: str) -> pa.Table:
    """Codes and confidence of one batch of texts, with the post's keys."""
    texts = batch.column("text").to_pylist()
    proba = classifier.predict_proba(texts)
    n = len(texts)
    return pa.table({
        "nid": batch.column("nid"), "force": batch.column("force"), "platform": batch.column("platform"),
        "created_at": batch.column("created_at"), "dimension": pa.array([dimension] * n, pa.string()),
        "model_id": pa.array([model_id] * n, pa.string()),
        "codes": pa.array(classifier.decide(proba), pa.list_(pa.string())),
        "probability": pa.array(classifier.confidence(proba), pa.float64())}, schema=PREDICTIONS)


def partitions(lake: Lake) -> list[str]:
    """The texts table's partitions, as relative paths force_key=…/platform_key=…/month_key=…."""
    folder = lake.path / "texts"
    found = {str(f.parent.relative_to(folder)) for f in folder.rglob("*.parquet")} if folder.is_dir() else set()
    return sorted(found)


def classify_lake(lake: str | Path | Lake, model_dir: str | Path, *, engine: str = "spark", spark: Any = None,
                  master: str = "local[2]", batch_partitions: int = 64) -> dict[str, Any]:
    """Predict every text in scope that has no prediction from this model yet. Returns the
    partitions done before, predicted now, and the posts predicted now."""
    from peelian.classify.registry import MODEL_FILE, load_classifier, read_metadata

    lake = lake if isinstance(lake, Lake) else Lake.open(lake)
    root = lake.path  # finished partitions are published by renaming folders: a local or mounted lake
    model_dir = Path(model_dir)
    meta = read_metadata(model_dir)
    dimension = meta.get("dimension")
    model_id = str(meta.get("model_id") or model_dir.name)
    if not dimension:
        raise ModelError(f"{model_dir}: the model's metadata names no dimension")
    role = _role(dimension)
    out = root / "predictions" / f"model_id={re.sub(r'[^A-Za-z0-9_.-]+', '-', model_id)}"
    every = partitions(lake)
    pending = [p for p in every if not (out / p / DONE).exists()]
    predicted = 0
    if engine == "duckdb":
        classifier = load_classifier(model_dir)
        for part in pending:
            table = ds.dataset(lake.path / "texts" / part, format="parquet", schema=SCHEMAS["texts"]).to_table(
                filter=ds.field("role") == role)
            result = _predict(classifier, table, dimension, model_id) if table.num_rows else PREDICTIONS.empty_table()
            _publish(out / part, lambda tmp, r=result: pq.write_table(r, tmp / "part-0.parquet"))
            predicted += result.num_rows
    elif engine == "spark":
        from peelian.national.engine import spark_ddl, spark_session

        spark = spark if spark is not None else spark_session(master)
        model_bytes = (model_dir / MODEL_FILE).read_bytes()
        load_classifier(model_dir)  # a model that cannot load here is named before any task starts
        for start in range(0, len(pending), max(1, batch_partitions)):
            chunk = pending[start:start + max(1, batch_partitions)]
            predicted += _spark_batch(spark, lake, out, chunk, model_bytes, dimension, model_id, role,
                                      spark_ddl(SCHEMAS["texts"]), spark_ddl(PREDICTIONS))
    else:
        raise LakeError(f"unknown engine {engine!r}; choose duckdb or spark")
    return {"model_id": model_id, "dimension": dimension, "role": role, "output": str(out),
            "partitions": len(every), "already_done": len(every) - len(pending), "partitions_predicted": len(pending),
            "posts_predicted": predicted}


def _publish(target: Path, write: Any) -> None:
    """Write a partition's output into a fresh folder, then move it into place and mark it done."""
    tmp = target.parent / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    write(tmp)
    (tmp / DONE).write_text("")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)


def _spark_batch(spark: Any, lake: Lake, out: Path, chunk: list[str], model_bytes: bytes, dimension: str,
                 model_id: str, role: str, texts_ddl: str, out_ddl: str) -> int:
    from pyspark.sql import functions as F

    frames = []
    for part in chunk:
        frame = spark.read.schema(texts_ddl).parquet(str(lake.path / "texts" / part)).where(F.col("role") == role)
        frames.append(frame.withColumn("part_path", F.lit(part)))
    texts = frames[0]
    for frame in frames[1:]:
        texts = texts.unionByName(frame)
    shipped = spark.sparkContext.broadcast(model_bytes)
    key = uuid.uuid4().hex

    def predict(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import joblib

        classifier = _MODELS.get(key)
        if classifier is None:
            classifier = _MODELS[key] = joblib.load(io.BytesIO(shipped.value))
        for batch in batches:
            if batch.num_rows:
                result = _predict(classifier, batch, dimension, model_id)
                yield from result.append_column("part_path", batch.column("part_path")).to_batches()

    staging = out / f".staging-{uuid.uuid4().hex}"
    result = texts.mapInArrow(predict, f"{out_ddl}, `part_path` STRING")
    result.write.partitionBy("part_path").parquet(str(staging))
    count = 0
    try:
        for part in chunk:
            written = [f for f in staging.glob("part_path=*/*.parquet")
                       if _unescape(f.parent.name.split("=", 1)[1]) == part]

            def move(tmp: Path, files: list[Path] = written) -> None:
                for i, file in enumerate(files):
                    shutil.move(str(file), tmp / f"part-{i}.parquet")

            count += sum(pq.read_metadata(f).num_rows for f in written)
            _publish(out / part, move)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return count


def _unescape(value: str) -> str:
    """Spark's escaping of a partition value in a folder name (%XX)."""
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def read_predictions(lake: str | Path | Lake, model_id: str) -> pa.Table:
    """Every prediction of one model over the lake, sorted by post."""
    lake = lake if isinstance(lake, Lake) else Lake.open(lake)
    folder = lake.path / "predictions" / f"model_id={re.sub(r'[^A-Za-z0-9_.-]+', '-', model_id)}"
    files = sorted(folder.rglob("*.parquet")) if folder.is_dir() else []
    if not files:
        return PREDICTIONS.empty_table()
    table = pa.concat_tables([pq.read_table(f, schema=PREDICTIONS) for f in files])
    return table.sort_by("nid")


__all__ = ["DONE", "PARTITION_KEYS", "classify_lake", "partitions", "read_predictions"]
