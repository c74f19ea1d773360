"""Applying a model to every post in a dimension's scope, and the labels downstream figures use.

`apply_model` streams the posts that have no prediction from the model yet, ordered by
(platform, post_id), in chunks of `chunk_size`; each chunk is predicted and committed in its
own transaction. Memory stays bounded by the chunk, and an interrupted run (Ctrl-C, a killed
process) loses at most the chunk in flight: running it again skips every post the model
already predicted. Predictions go to the `predictions` table only, with the model id (its
version) and the probability of the decision; codings and gold labels are never touched.

Gold labels always win: `effective_labels` gives each post in scope its latest gold label
where one exists and the model's prediction otherwise, with a `source` column saying which.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import orjson
import pyarrow as pa

from peelian.classify.registry import ModelInfo, check_codebook, load_classifier
from peelian.classify.training import resolve_model
from peelian.coding.codebook import Dimension, active_codebook
from peelian.errors import ModelError, NotFoundError
from peelian.store.arrowsql import execute_with
from peelian.store.project import Project, utcnow

DEFAULT_CHUNK = 5_000
ApplyProgress = Callable[[int, int], None]


@dataclass
class ApplyResult:
    """What one `apply_model` run did."""

    model_id: str
    dimension: str
    validated: bool
    in_scope: int
    already_predicted: int
    predicted: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "status": "validated" if self.validated else "UNVALIDATED",
                "posts_per_second": self.predicted / self.seconds if self.seconds else None}


def usable_model(project: Project, dimension: str, model_id: str | None) -> tuple[ModelInfo, Dimension]:
    """The model to apply and its dimension, refused if the active codebook version differs."""
    codebook = active_codebook(project)
    dim = codebook.dimension(dimension)
    info = resolve_model(project, dimension, model_id)
    check_codebook(info, codebook.id, codebook.version)
    return info, dim


def _todo_sql(dim: Dimension) -> str:
    return (f"FROM posts p WHERE {dim.scope_sql('p')} AND NOT EXISTS (SELECT 1 FROM predictions r "
            "WHERE r.model_id = $model AND r.platform = p.platform AND r.post_id = p.post_id)")


def apply_model(project: Project, dimension: str, *, model_id: str | None = None, chunk_size: int = DEFAULT_CHUNK,
                progress: ApplyProgress | None = None) -> ApplyResult:
    """Predict every post in the dimension's scope that the model has not predicted yet (resumable)."""
    if chunk_size < 1:
        raise ModelError("chunk size must be at least 1")
    info, dim = usable_model(project, dimension, model_id)
    classifier = load_classifier(info.path)
    params = {"model": info.model_id}
    in_scope = project.scalar(f"SELECT count(*) FROM posts p WHERE {dim.scope_sql('p')}")
    todo = project.scalar(f"SELECT count(*) {_todo_sql(dim)}", params)
    started = time.perf_counter()
    done = 0
    if progress:
        progress(0, todo)
    reader_cursor = project.cursor()
    try:
        relation = reader_cursor.sql(f"SELECT p.platform, p.post_id, p.text {_todo_sql(dim)} "
                                     "ORDER BY p.platform, p.post_id", params=params)
        for batch in relation.to_arrow_reader(chunk_size):
            if batch.num_rows == 0:
                continue
            _store_chunk(project, info, classifier, batch)
            done += batch.num_rows
            if progress:
                progress(done, todo)
    finally:
        reader_cursor.close()
    seconds = time.perf_counter() - started
    project.audit("model_apply", target=info.model_id,
                  detail={"dimension": dimension, "predicted": done, "already_predicted": in_scope - todo})
    return ApplyResult(info.model_id, dimension, info.validated, in_scope, in_scope - todo, done, seconds)


def _store_chunk(project: Project, info: ModelInfo, classifier: Any, batch: pa.RecordBatch) -> None:
    texts = batch.column(2).to_pylist()
    proba = classifier.predict_proba(texts)
    codes = classifier.decide(proba)
    confidence = classifier.confidence(proba)
    classes = classifier.classes_.tolist()
    rounded = proba.round(4).tolist()
    probabilities = [orjson.dumps(dict(zip(classes, row, strict=True))).decode() for row in rounded]
    n = batch.num_rows
    chunk = pa.table({
        "platform": batch.column(0), "post_id": batch.column(1),
        "dimension": pa.array([info.dimension] * n, pa.string()),
        "model_id": pa.array([info.model_id] * n, pa.string()),
        "codes": pa.array(codes, pa.list_(pa.string())),
        "probability": pa.array(confidence, pa.float64()),
        "probabilities": pa.array(probabilities, pa.string()),
        "created_at": pa.array([utcnow()] * n, pa.timestamp("us")),
    })
    with project.transaction() as con:
        execute_with(con, "INSERT INTO predictions SELECT platform, post_id, dimension, model_id, codes, probability, "
                     "probabilities::JSON, created_at FROM peelian_prediction_chunk", peelian_prediction_chunk=chunk)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def effective_labels_sql(project: Project, dimension: str, *, model_id: str | None = None) -> str:
    """A SELECT of (platform, post_id, codes, source, model_id, probability, validated) for the dimension.

    `source` is 'gold' where a gold label exists (it always wins) and 'model' otherwise; posts
    with neither are left out. Without `model_id` the current model is used (none: gold only).
    """
    dim = active_codebook(project).dimension(dimension)
    info: ModelInfo | None
    try:
        info = resolve_model(project, dimension, model_id)
    except NotFoundError:
        if model_id:
            raise
        info = None
    model = _quote(info.model_id) if info else "NULL"
    validated = ("TRUE" if info.validated else "FALSE") if info else "NULL"
    return f"""
        WITH g AS (
            SELECT platform, post_id, codes FROM gold WHERE dimension = {_quote(dim.id)}
            QUALIFY row_number() OVER (PARTITION BY platform, post_id ORDER BY gold_id DESC) = 1),
        m AS (SELECT platform, post_id, codes, probability FROM predictions
              WHERE dimension = {_quote(dim.id)} AND model_id = {model})
        SELECT p.platform, p.post_id, coalesce(g.codes, m.codes) AS codes,
               CASE WHEN g.codes IS NOT NULL THEN 'gold' ELSE 'model' END AS source,
               CASE WHEN g.codes IS NULL THEN {model} END AS model_id,
               CASE WHEN g.codes IS NULL THEN m.probability END AS probability,
               CASE WHEN g.codes IS NULL THEN {validated} END AS validated
        FROM posts p LEFT JOIN g USING (platform, post_id) LEFT JOIN m USING (platform, post_id)
        WHERE {dim.scope_sql('p')} AND (g.codes IS NOT NULL OR m.codes IS NOT NULL)"""


def effective_labels(project: Project, dimension: str, *, model_id: str | None = None) -> duckdb.DuckDBPyRelation:
    """Gold first, then predictions: a lazy DuckDB relation (`.fetchall()`, `.df()`, `.arrow()`)."""
    return project.con.sql(effective_labels_sql(project, dimension, model_id=model_id))
