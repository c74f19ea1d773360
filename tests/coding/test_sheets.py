"""The spreadsheet route: export a coder's sheet, import it filled, refuse bad sheets whole."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from peelian.coding.codings import effective_codings, record_coding
from peelian.coding.samples import create_sample
from peelian.coding.sheets import SheetError, export_sheet, import_sheet, parse_cell
from peelian.coding.codebook import default_codebook
from peelian.errors import CodingError


@pytest.fixture
def sampled(posts_project):
    create_sample(posts_project, "s1", post_ids=["p1", "c1", "r1"], coders=["ana", "ben"], overlap=1.0, shuffle=False)
    create_sample(posts_project, "s2", post_ids=["p2"], coders=["cy"], shuffle=False)
    return posts_project


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")))
    return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]], delimiter: str = ",") -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def test_export_layout(sampled, tmp_path: Path) -> None:
    record_coding(sampled, "ben", "twitter", "r1", "practice", ["advice", "redirection"], note="see 101")
    path = tmp_path / "ben.csv"
    assert export_sheet(sampled, "s1", "ben", path) == 3
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel opens UTF-8 with a BOM correctly
    header, rows = _read(path)
    assert header == ["sample", "coder", "position", "platform", "post_id", "author", "author_role", "kind",
                      "created_at", "context", "text", "mode", "topic", "practice", "stance", "objective",
                      "citizen_intent", "note"]
    by_id = {r["post_id"]: r for r in rows}
    assert by_id["p1"]["practice"] == "n/a" and by_id["p1"]["topic"] == ""
    assert by_id["r1"]["practice"] == "advice; redirection" and by_id["r1"]["note"] == "see 101"
    assert by_id["r1"]["context"] == ("thread start (@bravo_force_corporate): Appeal number 1: have you seen this "
                                      "person?"
                                      "\nin reply to (@pseud1): @bravo_force_corporate is the road still closed? (1)")
    assert by_id["c1"]["citizen_intent"] == "" and by_id["c1"]["mode"] == "n/a"
    with pytest.raises(CodingError, match="'cy' is not a coder of sample 's1'"):
        export_sheet(sampled, "s1", "cy", tmp_path / "x.csv")


def test_filled_sheet_round_trip(sampled, tmp_path: Path) -> None:
    path = tmp_path / "ana.csv"
    export_sheet(sampled, "s1", "ana", path)
    header, rows = _read(path)
    by_id = {r["post_id"]: r for r in rows}
    by_id["p1"].update(mode="Inform", topic="appeal", objective="skip", note="clear")
    by_id["c1"].update(citizen_intent="question;REPORT")
    by_id["r1"].update(mode="engage", practice="-", stance="")
    _write(path, header, rows, delimiter=";")
    report = import_sheet(sampled, path)
    assert (report.rows, report.recorded, report.unchanged, report.blank) == (3, 6, 0, 1)
    state = {(c.post_id, c.dimension): (c.status, c.codes, c.note, c.source)
             for c in effective_codings(sampled, coder="ana")}
    assert state == {
        ("p1", "mode"): ("coded", ["inform"], "clear", "sheet"),
        ("p1", "topic"): ("coded", ["appeal"], "clear", "sheet"),
        ("p1", "objective"): ("skipped", [], "clear", "sheet"),
        ("c1", "citizen_intent"): ("coded", ["question", "report"], None, "sheet"),
        ("r1", "mode"): ("coded", ["engage"], None, "sheet"), ("r1", "practice"): ("coded", [], None, "sheet"),
    }
    again = import_sheet(sampled, path)
    assert (again.recorded, again.unchanged) == (0, 6)
    export_sheet(sampled, "s1", "ana", path)
    _, rows = _read(path)
    assert {r["post_id"]: r["practice"] for r in rows} == {"p1": "n/a", "c1": "n/a", "r1": "-"}


def test_every_problem_is_listed_and_nothing_is_applied(sampled, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    export_sheet(sampled, "s1", "ben", path)
    header, rows = _read(path)
    by_id = {r["post_id"]: r for r in rows}
    by_id["p1"].update(mode="inform", topic="gossip")                 # row 2: unknown code
    by_id["c1"].update(citizen_intent="question", mode="inform")      # row 3: dimension does not apply
    by_id["r1"].update(stance="towards; away", practice="advice")     # row 4: two codes for a single-label dimension
    extra = [
        {**by_id["r1"], "coder": "cy", "stance": "away"},                   # row 5: coder not in the sample
        {**by_id["p1"], "post_id": "", "mode": "inform", "topic": ""},      # row 6: missing id
        {**by_id["p1"], "mode": "request", "topic": ""},                    # row 7: duplicate of row 2
        {**by_id["p1"], "post_id": "p2", "topic": ""},                      # row 8: post not in the sample
        {**by_id["p1"], "sample": "s9", "topic": ""},                       # row 9: unknown sample
        {**by_id["p1"], "post_id": "zz", "topic": ""},                      # row 10: post not in the project
        {**by_id["p1"], "post_id": "p1", "coder": "ben", "topic": "n/a", "sample": "s1", "mode": "-"},  # row 11
    ]
    _write(path, header, rows + extra)
    with pytest.raises(SheetError) as info:
        import_sheet(sampled, path)
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        "row 2, column M (topic): unknown code 'gossip' for 'topic' (codes: appeal, incident_update, insight, "
        "court_result, traffic, prevention_advice, online_meeting, conversation, recruitment, other)",
        "row 3, column L (mode): 'mode' applies only to police posts (all but reposts); leave this cell blank or n/a",
        "row 4, column O (stance): 'stance' takes one code, got 2 (towards; away)",
        "row 5, column B (coder): 'cy' is not a coder of sample 's1' (its coders: ana, ben)",
        "row 6, column E (post_id): post_id is empty",
        "row 7, column E (post_id): duplicate row: post 'p1' is already on row 2",
        "row 8, column E (post_id): post 'p2' is not in sample 's1' for coder 'ben'",
        "row 9, column A (sample): no sample named 's9'",
        "row 10, column E (post_id): post 'zz' on 'twitter' is not in the project",
        "row 11, column E (post_id): duplicate row: post 'p1' is already on row 2",
    ]
    assert str(info.value).startswith(f"{path}: 10 problems, nothing was imported:")
    assert sampled.scalar("SELECT count(*) FROM codings") == 0


def test_header_problems(sampled, tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    _write(path, ["sample", "coder", "post_id", "stance2", "Stance"],
           [{"sample": "s1", "coder": "ana", "post_id": "r1", "stance2": "x", "Stance": "away"}])
    with pytest.raises(SheetError) as info:
        import_sheet(sampled, path)
    assert [str(p) for p in info.value.problems] == [
        "row 1, column D (stance2): unknown column 'stance2'; dimension columns are mode, topic, practice, stance, "
        "objective, citizen_intent",
        "row 1: missing required column(s): platform",
    ]


def test_case_insensitive_columns_and_labels(sampled, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    _write(path, ["Sample", "Coder", "Platform", "Post_ID", "Stance", "Practice"],
           [{"Sample": "s1", "Coder": "ana", "Platform": "twitter", "Post_ID": "r1", "Stance": "Moving towards",
             "Practice": "Advice | banter"}])
    assert import_sheet(sampled, path).recorded == 2
    assert {c.dimension: c.codes for c in effective_codings(sampled, coder="ana")} == \
        {"stance": ["towards"], "practice": ["advice", "banter"]}


@pytest.mark.parametrize(("dimension", "cell", "in_scope", "expected"), [
    ("stance", "", True, None), ("stance", "n/a", False, None), ("stance", " SKIP ", True, ("skipped", [])),
    ("practice", "-", True, ("coded", [])), ("practice", "advice,banter,advice", True, ("coded", ["advice", "banter"])),
])
def test_parse_cell(dimension: str, cell: str, in_scope: bool, expected) -> None:
    assert parse_cell(default_codebook().dimension(dimension), cell, in_scope=in_scope) == expected


@pytest.mark.parametrize(("dimension", "cell", "message"), [
    ("stance", "n/a", "applies to this post"), ("stance", "-", "only for multi-label"),
    ("stance", "towards", None),
])
def test_parse_cell_errors(dimension: str, cell: str, message: str | None) -> None:
    dim = default_codebook().dimension(dimension)
    if message is None:
        with pytest.raises(CodingError, match="applies only to police posts"):
            parse_cell(dim, cell, in_scope=False)
    else:
        with pytest.raises(CodingError, match=message):
            parse_cell(dim, cell)


def test_unreadable_sheets(sampled, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("sample,coder\ns1,jos\xe9\n".encode("latin-1"))
    with pytest.raises(CodingError, match="not valid UTF-8"):
        import_sheet(sampled, latin)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CodingError, match="empty"):
        import_sheet(sampled, empty)
