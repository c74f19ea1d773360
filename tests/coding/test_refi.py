"""REFI-QDA .qdc: exports valid against the XSD, lossless round trip, the styles of five tools."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from peelian.coding.codebook import Code, default_codebook, load_codebook, save_codebook
from peelian.coding.refi import pack_blocks, parse_qdc, qdc_bytes, qdc_schema, read_qdc, unpack_blocks
from peelian.errors import CodebookError

NS = "urn:QDA-XML:codebook:1.0"


@pytest.fixture
def qdc_dir(data_dir: Path) -> Path:
    return data_dir / "refi_qda"


def test_export_is_valid_against_the_codebook_xsd(tmp_path: Path) -> None:
    path = tmp_path / "book.qdc"
    save_codebook(default_codebook(), path)
    doc = etree.parse(str(path))
    schema = qdc_schema()
    assert schema.validate(doc), schema.error_log
    root = doc.getroot()
    assert root.tag == f"{{{NS}}}CodeBook"
    dims = root.findall(f"{{{NS}}}Codes/{{{NS}}}Code")
    assert [d.get("name") for d in dims][:2] == ["Communication strategy", "Content category"]
    assert {d.get("isCodable") for d in dims} == {"false"}
    inform = dims[0].find(f"{{{NS}}}Code")
    assert (inform.get("name"), inform.get("isCodable"), inform.get("color")) == ("Inform", "true", "#4e79a7")
    assert "Definition: One-way provision" in inform.findtext(f"{{{NS}}}Description")


def test_the_xsd_rejects_what_the_standard_forbids() -> None:
    schema = qdc_schema()
    missing_codable = etree.fromstring(
        f'<CodeBook xmlns="{NS}"><Codes><Code guid="5a1c7e2f-93b4-4d1e-8f0a-2b6c9d3e4f51" name="a"/></Codes>'
        "</CodeBook>".encode())
    assert not schema.validate(missing_codable)
    bad_guid = etree.fromstring(
        f'<CodeBook xmlns="{NS}"><Codes><Code guid="nope" name="a" isCodable="true"/></Codes></CodeBook>'.encode())
    assert not schema.validate(bad_guid)
    braced = etree.fromstring(
        f'<CodeBook xmlns="{NS}"><Codes><Code guid="{{5A1C7E2F-93B4-4D1E-8F0A-2B6C9D3E4F51}}" name="a" '
        'isCodable="true" color="#abc"/></Codes></CodeBook>'.encode())
    assert schema.validate(braced), schema.error_log


def test_round_trip_through_qdc_is_lossless(tmp_path: Path) -> None:
    book = default_codebook()
    stance = book.dimension("stance")
    stance.codes.insert(1, Code(id="towards_extra", label="Extra mile", parent="towards", colour="#123456", key="x",
                             definition="First line.\nDefinition: not a label here\n\nafter a blank",
                             include="- not an example", examples=["one\ntwo lines", "Key: z"]))
    stance.level = "ordinal"
    book.description = "Line one.\nLine two: with a colon."
    path = tmp_path / "book.qdc"
    save_codebook(book, path)
    assert load_codebook(path).to_dict() == book.to_dict()


def test_labelled_blocks_round_trip() -> None:
    pairs = [("Id", "a"), ("Definition", "x\n  indented\nKey: y"), ("Examples", ["e1", "e2\ne3"])]
    text = pack_blocks(pairs)
    blocks, free = unpack_blocks(text, {"Id": "id", "Definition": "definition", "Examples": "examples",
                                        "Key": "key"})
    assert blocks == {"id": "a", "definition": "x\n  indented\nKey: y", "examples": ["e1", "e2\ne3"]}
    assert free == ""


def test_nvivo_style(qdc_dir: Path) -> None:
    result = read_qdc(qdc_dir / "nvivo.qdc")
    book = result.codebook
    assert book.id == "nvivo" and book.version == "1"
    assert result.origin.startswith("NVivo")
    assert book.dimension_ids() == ["police_communication", "public_reaction", "codes"]
    comm = book.dimension("police_communication")
    assert comm.label == "Police communication"
    assert comm.description == "How the force communicates with the public on its accounts."
    assert [(c.id, c.parent) for c in comm.codes] == [("appeals", None), ("updates", None),
                                                      ("road_closures", "updates"), ("arrests", "updates")]
    assert comm.code("appeals").definition.startswith("Requests for witnesses")
    assert comm.code("appeals").colour == "#DC3912"
    assert comm.multi_label
    assert book.dimension("codes").code_ids() == ["memorable_quotes"]
    keys = [c.key for c in comm.codes]
    assert all(keys) and len(set(keys)) == len(keys)
    assert any("Police communication" in w and "became a dimension" in w for w in result.warnings)


def test_atlasti_style(qdc_dir: Path) -> None:
    result = read_qdc(qdc_dir / "atlasti.qdc")
    book = result.codebook
    assert book.dimension_ids() == ["mode", "tone", "codes"]
    assert book.dimension("mode").code_ids() == ["inform", "request", "engage"]
    assert book.dimension("mode").code("inform").definition == "One-way information: news, updates, advice."
    assert book.dimension("codes").codes[0].label == 'in vivo: "not our job"'
    assert any("set 'Communication' (3 codes) was not imported" in w for w in result.warnings)


def test_qualcoder_style(qdc_dir: Path) -> None:
    book = read_qdc(qdc_dir / "qualcoder.qdc").codebook
    assert book.dimension_ids() == ["citizen_intent", "police_response"]
    intent = book.dimension("citizen_intent")
    assert intent.description == "Category memo: what the citizen wants from the police."
    assert intent.code("report").definition == "Reports a crime or an incident.\nSecond line of the memo."
    assert intent.code("question").colour == "#F781F3"


def test_taguette_style_old_namespace_no_iscodable_empty_sets(qdc_dir: Path) -> None:
    book = read_qdc(qdc_dir / "taguette.qdc", id="tags", version="2024-05", name="Taguette tags").codebook
    assert (book.id, book.version, book.name) == ("tags", "2024-05", "Taguette tags")
    assert book.dimension_ids() == ["codes"]
    assert book.dimension("codes").code_ids() == ["interesting", "people", "places"]


def test_maxqda_style(qdc_dir: Path) -> None:
    result = read_qdc(qdc_dir / "maxqda.qdc")
    objective = result.codebook.dimension("objective")
    assert objective.code_ids() == ["tactical", "operational", "influence"]
    assert objective.code("tactical").definition == "Serves an immediate policing task."


@pytest.mark.parametrize("name", ["nvivo", "atlasti", "qualcoder", "taguette", "maxqda"])
def test_imported_styles_export_valid_qdc(qdc_dir: Path, name: str) -> None:
    book = read_qdc(qdc_dir / f"{name}.qdc").codebook
    doc = etree.fromstring(qdc_bytes(book))
    assert qdc_schema().validate(doc)
    assert parse_qdc(qdc_bytes(book)).codebook.to_dict() == book.to_dict()


def test_codebook_inside_a_project_file() -> None:
    data = (b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook><Codes>'
            b'<Code guid="5a1c7e2f-93b4-4d1e-8f0a-2b6c9d3e4f51" name="Only" isCodable="true"/></Codes></CodeBook>'
            b'</Project>')
    assert parse_qdc(data).codebook.dimension("codes").code_ids() == ["only"]


@pytest.mark.parametrize(("xml", "message"), [
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\n<Code name="a"</Codes></CodeBook>',
     "not valid XML.*, line 2"),
    (b'<CodeBook xmlns="urn:example"><Codes/></CodeBook>', "not a REFI-QDA codebook"),
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "no codes"),
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"></CodeBook>', "no <Codes> element"),
    (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\n\n<Code guid="x" name="a" isCodable="true"/>'
     b'<Code guid="5a1c7e2f-93b4-4d1e-8f0a-2b6c9d3e4f51"/></Codes></CodeBook>',
     "2 problems:\n  line 3: <Code name='a'> has an invalid guid 'x'\n  line 3: <Code> has no name"),
])
def test_malformed_qdc_messages(xml: bytes, message: str) -> None:
    with pytest.raises(CodebookError, match=message):
        parse_qdc(xml, source="bad.qdc")
