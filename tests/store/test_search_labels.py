"""The explorer's predictions lookup: the same labels as a semi-join, found by the post_id index."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from peelian import Project
from peelian.store import search
from peelian.store.schema import SCHEMA_VERSION

T0 = datetime(2024, 1, 1)


def _predict(project: Project, rows: list[tuple[str, str, str, str, list[str], float, int]]) -> None:
    with project.transaction() as con:
        con.executemany("INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                        [(p, i, d, m, c, pr, T0 + timedelta(minutes=t)) for p, i, d, m, c, pr, t in rows])


def _semi_join_labels(project: Project, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """What the lookup answered before the index: a semi-join on the keys, the latest row per dimension."""
    out: dict[tuple[str, str], dict[str, Any]] = {k: {} for k in keys}
    for row in project.query(
            "SELECT pr.platform, pr.post_id, pr.dimension, pr.codes, pr.probability, pr.model_id FROM predictions pr "
            "SEMI JOIN (SELECT k[1] AS platform, k[2] AS post_id FROM (SELECT unnest(?::VARCHAR[][]) AS k)) k "
            "ON pr.platform = k.platform AND pr.post_id = k.post_id ORDER BY pr.created_at",
            [[list(k) for k in keys]]):
        out[(row["platform"], row["post_id"])][row["dimension"]] = {
            "codes": row["codes"], "probability": row["probability"], "model_id": row["model_id"]}
    return out


def test_page_predictions_equal_the_semi_join(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    _predict(project, [
        ("twitter", "1", "engage", "m1", ["inform"], 0.6, 1),
        ("twitter", "1", "engage", "m2", ["engage"], 0.7, 5),  # a later model's prediction wins
        ("twitter", "1", "tone", "m3", ["formal"], 0.9, 2),
        ("facebook", "1", "engage", "m1", ["appeal"], 0.8, 3),  # the same id on another platform
        ("twitter", "2", "engage", "m1", ["inform"], 0.5, 4),
        ("twitter", "3", "engage", "m1", ["it's"], 0.4, 4),  # not on the page
        ("twitter", "4'5", "engage", "m1", ["quote"], 0.3, 6),
    ])
    keys = [("twitter", "1"), ("facebook", "1"), ("twitter", "2"), ("twitter", "4'5"), ("twitter", "9")]
    monkeypatch.setattr(search, "_PREDICTION_IDS_PER_QUERY", 2)  # several queries, split between ids
    rows: list[dict[str, Any]] = [{"platform": p, "post_id": i} for p, i in keys]
    search.attach_labels(project, rows)
    assert {(r["platform"], r["post_id"]): r["predictions"] for r in rows} == _semi_join_labels(project, keys)
    assert rows[0]["predictions"]["engage"]["model_id"] == "m2"
    assert rows[1]["predictions"] == {"engage": {"codes": ["appeal"], "probability": 0.8, "model_id": "m1"}}
    assert rows[4]["predictions"] == {}


def test_page_predictions_are_an_index_scan(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan checked is that of the statements attach_labels runs (recorded as it runs them), not a
    hand-written one: the test fails if the lookup stops reaching the predictions' post_id index."""
    _predict(project, [("twitter", str(i), "engage", "m1", ["inform"], 0.5, i % 60) for i in range(20_000)])
    ids = ["17", "4242", "19999"]
    rows: list[dict[str, Any]] = [{"platform": "twitter", "post_id": i} for i in ids]
    executed: list[tuple[str, Any]] = []
    query = project.query

    def recording(sql: str, params: Any = None) -> list[dict[str, Any]]:
        executed.append((sql, params))
        return query(sql, params)

    monkeypatch.setattr(project, "query", recording)
    search.attach_labels(project, rows)
    monkeypatch.undo()
    assert [r["predictions"]["engage"]["codes"] for r in rows] == [["inform"]] * 3
    lookups = [(sql, params) for sql, params in executed if "FROM predictions" in sql]
    assert lookups, f"attach_labels read no predictions through Project.query: {executed}"
    for sql, params in lookups:
        plan = project.query(f"EXPLAIN ANALYZE {sql}", params)
        text = "\n".join(str(value) for row in plan for value in row.values())
        assert "Index Scan" in text, (sql, text)


def test_migration_15_indexes_an_existing_project(tmp_path: Path) -> None:
    path = tmp_path / "old.peelian"
    with Project.init(path) as project:
        _predict(project, [("twitter", "1", "engage", "m1", ["inform"], 0.5, 1)])
        project.con.execute("DROP INDEX predictions_post_id")
        project.con.execute("UPDATE meta SET value = '14' WHERE key = 'schema_version'")
    with Project.open(path) as project:
        assert project.schema_version == SCHEMA_VERSION
        names = [r["index_name"] for r in project.query("SELECT index_name FROM duckdb_indexes() "
                                                        "WHERE table_name = 'predictions'")]
        assert names == ["predictions_post_id"]
        rows: list[dict[str, Any]] = [{"platform": "twitter", "post_id": "1"}]
        search.attach_labels(project, rows)
        assert rows[0]["predictions"]["engage"]["codes"] == ["inform"]
