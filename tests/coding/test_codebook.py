"""Codebooks: the YAML format and its schema, messages that point at lines, versions in a project."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from peelian.coding.codebook import (
    Code,
    Codebook,
    Dimension,
    activate_codebook,
    active_codebook,
    codebook_json_schema,
    codebook_markdown,
    default_codebook,
    import_codebook,
    list_codebooks,
    load_codebook,
    parse_codebook_yaml,
    save_codebook,
    stored_codebook,
)
from peelian.errors import CodebookError

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
id: mini
name: Mini
version: 1
dimensions:
  - id: tone
    label: Tone
    applies_to: {roles: [police], kinds: [reply]}
    codes:
      - {id: warm, label: Warm, key: w}
      - {id: cold, label: Cold, key: c}
"""


def test_default_codebook_has_every_dimension_and_code_of_the_design() -> None:
    book = default_codebook()
    assert book.id == "police_encounters"
    assert book.dimension_ids() == ["mode", "topic", "practice", "stance", "objective", "citizen_intent"]
    expected = {
        "mode": ["inform", "request", "engage"],
        "topic": ["appeal", "incident_update", "insight", "court_result", "traffic", "prevention_advice",
                  "online_meeting", "conversation", "recruitment", "other"],
        "practice": ["advice", "banter", "informal_warning", "reassurance", "acknowledgement", "redirection",
                     "thanks_praise", "correction", "refusal"],
        "stance": ["towards", "away", "against", "neutral"],
        "objective": ["tactical", "operational", "influence", "capacity", "unclear"],
        "citizen_intent": ["question", "report", "urgent", "request_help", "complaint", "praise", "abuse", "other"],
    }
    assert {d.id: d.code_ids() for d in book.dimensions} == expected
    assert [d.id for d in book.dimensions if d.multi_label] == ["practice", "citizen_intent"]
    for dim in book.dimensions:
        keys = [c.key for c in dim.codes]
        assert all(keys) and len(set(keys)) == len(keys), dim.id
        assert all(c.definition and c.examples for c in dim.codes), dim.id
    mode = book.dimension("mode")
    assert "Witness appeals" in mode.code("request").include
    assert "inform" in mode.code("request").exclude


@pytest.mark.parametrize(("dimension", "role", "kind", "applies"), [
    ("mode", "police", "original", True), ("mode", "police", "reply", True), ("mode", "police", "quote", True),
    ("mode", "police", "repost", False), ("mode", "citizen", "original", False),
    ("topic", "police", "original", True), ("topic", "police", "reply", False),
    ("practice", "police", "reply", True), ("practice", "police", "original", False),
    ("stance", "police", "reply", True), ("stance", "citizen", "reply", False),
    ("objective", "police", "original", True), ("objective", "police", "quote", False),
    ("citizen_intent", "citizen", "reply", True), ("citizen_intent", "citizen", "original", True),
    ("citizen_intent", "citizen", "repost", False), ("citizen_intent", "police", "reply", False),
])
def test_default_scopes(project, dimension: str, role: str, kind: str, applies: bool) -> None:
    dim = default_codebook().dimension(dimension)
    assert dim.applies_to(role, kind) is applies
    sql = f"SELECT {dim.scope_sql('p')} FROM (SELECT ? AS author_role, ? AS kind) p"
    assert project.scalar(sql, [role, kind]) is applies


def test_unknown_dimension_names_the_known_ones() -> None:
    with pytest.raises(CodebookError, match="has no dimension 'tone'.*mode, topic, practice"):
        default_codebook().dimension("tone")


def test_default_codebook_is_valid_against_the_shipped_json_schema() -> None:
    data = yaml.safe_load((ROOT / "src/peelian/coding/default_codebook.yaml").read_text())
    jsonschema.validate(data, codebook_json_schema())
    bad = {**data, "dimensions": [{**data["dimensions"][0], "multi_label": "yes"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, codebook_json_schema())


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_save_and_load_round_trip(tmp_path: Path, suffix: str) -> None:
    book = default_codebook()
    book.dimensions[0].codes.append(Code(id="sub", label="Sub", definition="line one\nline two", parent="inform",
                                         key="s", examples=["x: y", "- z"]))
    path = tmp_path / f"book{suffix}"
    save_codebook(book, path)
    assert load_codebook(path).to_dict() == book.to_dict()


def test_numbers_in_yaml_become_strings() -> None:
    book = parse_codebook_yaml(MINIMAL.replace("id: warm", "id: 1"))
    assert book.version == "1"
    assert book.dimension("tone").code_ids() == ["1", "cold"]


def _problems(text: str) -> str:
    with pytest.raises(CodebookError) as info:
        parse_codebook_yaml(text, source="mine.yaml")
    return str(info.value)


def test_schema_problems_name_line_and_field() -> None:
    text = MINIMAL.replace("      - {id: warm, label: Warm, key: w}",
                           "      - {id: warm, label: Warm, key: WW}").replace("    label: Tone\n",
                                                                                "    label: Tone\n    colr: red\n")
    message = _problems(text)
    assert message.startswith("mine.yaml: 2 problems")
    assert "line 7: dimension 'tone': unknown field 'colr'" in message
    assert "line 10: dimension 'tone' › code 'warm' › key: 'WW' must be one lower-case letter or digit" in message


def test_missing_required_field_points_at_the_object() -> None:
    message = _problems(MINIMAL.replace("      - {id: cold, label: Cold, key: c}", "      - {id: cold, key: c}"))
    assert "line 10: dimension 'tone' › code 'cold': 'label' is a required property" in message


def test_semantic_problems_name_line_and_field() -> None:
    text = MINIMAL + "      - {id: cool, label: Cool, key: c, parent: tepid}\n      - {id: warm, label: W2}\n"
    message = _problems(text)
    assert "line 11: dimension 'tone' › code 'cool': key 'c' is already used by code 'cold'" in message
    assert "line 11: dimension 'tone' › code 'cool': parent 'tepid' is not a code of this dimension" in message
    assert "line 12: dimension 'tone': code 'warm' is defined twice" in message


def test_parent_cycles_and_duplicate_dimensions_are_refused() -> None:
    cycle = MINIMAL.replace("{id: warm, label: Warm, key: w}", "{id: warm, label: Warm, key: w, parent: cold}") \
        .replace("{id: cold, label: Cold, key: c}", "{id: cold, label: Cold, key: c, parent: warm}")
    assert "parents form a cycle" in _problems(cycle)
    twice = MINIMAL + MINIMAL[MINIMAL.index("  - id: tone"):]
    assert "line 11: dimension 'tone' is defined twice" in _problems(twice)


def test_multi_label_dimension_must_be_nominal() -> None:
    text = MINIMAL.replace("    codes:", "    multi_label: true\n    level: ordinal\n    codes:")
    assert "must be nominal" in _problems(text)


def test_yaml_syntax_error_gives_line_and_column() -> None:
    message = _problems("id: x\nname: [unclosed\nversion: 1\n")
    assert message.startswith("mine.yaml, line 3, column 8: not valid YAML")


def test_unknown_file_type(tmp_path: Path) -> None:
    path = tmp_path / "book.txt"
    path.write_text(MINIMAL)
    with pytest.raises(CodebookError, match="unknown codebook file type"):
        load_codebook(path)


def test_active_codebook_stores_the_default_on_first_use(project) -> None:
    assert project.scalar("SELECT count(*) FROM codebooks") == 0
    book = active_codebook(project)
    assert book.to_dict() == default_codebook().to_dict()
    rows = list_codebooks(project)
    assert [(r["codebook_id"], r["version"], r["is_active"]) for r in rows] == [("police_encounters", "1.0", True)]
    stored = json.loads(project.scalar("SELECT definition FROM codebooks"))
    assert stored["dimensions"][0]["id"] == "mode"


def test_import_activates_and_versions_are_kept(project) -> None:
    active_codebook(project)
    mini = parse_codebook_yaml(MINIMAL)
    import_codebook(project, mini)
    assert active_codebook(project).id == "mini"
    import_codebook(project, mini)  # the same content again is fine
    changed = parse_codebook_yaml(MINIMAL.replace("label: Warm", "label: Hot"))
    with pytest.raises(CodebookError, match="already stored with different content; raise `version`"):
        import_codebook(project, changed)
    changed.version = "2"
    import_codebook(project, changed, activate=False)
    assert active_codebook(project).version == "1"
    assert stored_codebook(project, "2").dimension("tone").code("warm").label == "Hot"
    activate_codebook(project, "police_encounters", "1.0")
    assert active_codebook(project).id == "police_encounters"
    assert project.scalar("SELECT count(*) FROM codebooks WHERE is_active") == 1


def test_stored_codebook_unknown_version(project) -> None:
    active_codebook(project)
    with pytest.raises(CodebookError, match="no stored codebook with version '9'.*police_encounters@1.0"):
        stored_codebook(project, "9")


def test_validate_catches_problems_in_objects_built_in_code() -> None:
    book = Codebook(id="x", name="X", version="1", dimensions=[
        Dimension(id="d", label="D", codes=[Code(id="a", label="A", key="k"), Code(id="b", label="B", key="k")])])
    with pytest.raises(CodebookError, match="key 'k' is already used"):
        book.validate()


def test_docs_render_the_shipped_default_codebook() -> None:
    docs = (ROOT / "docs/codebook.md").read_text()
    assert codebook_markdown(default_codebook()) in docs
    assert (ROOT / "src/peelian/coding/codebook.schema.json").read_text().strip() in docs
