"""Checking a CSV of drafts and reading a draft file: bad input is one typed error naming the problem."""

from __future__ import annotations

import csv

import orjson
import pytest

from peelian.checks import check_csv, check_texts, decode_draft
from peelian.errors import DraftError


def test_csv_rows_get_their_findings_and_cells_are_neutralised(tmp_path):
    source = tmp_path / "drafts.csv"
    source.write_text("id,text\n1,Call me on 07700 900123\n2,All quiet in Leeds tonight\n"
                      "3,=HYPERLINK(\"x\") the thug who did this has been arrested\n4,\n", encoding="utf-8")
    out = tmp_path / "checked.csv"
    summary = check_csv(source, "text", out)
    assert summary.to_dict() == {"rows": 4, "flagged": 2, "by_risk": {"personal_data": 1, "prejudicial": 1}}
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["check_risks"] for r in rows] == ["personal_data", "", "prejudicial", ""]
    assert rows[0]["check_severity"] == "high" and rows[0]["check_findings"] == "1"
    assert orjson.loads(rows[0]["check_details"])[0]["text"] == "07700 900123"
    assert rows[2]["text"].startswith("'=HYPERLINK")


def test_csv_without_the_text_column(tmp_path):
    source = tmp_path / "drafts.csv"
    source.write_text("id,body\n1,hello\n")
    with pytest.raises(DraftError, match="no column 'text'"):
        check_csv(source, "text", tmp_path / "out.csv")


def test_binary_and_empty_drafts_are_refused():
    with pytest.raises(DraftError, match="binary"):
        decode_draft(b"\x89PNG\r\n\x00\x00", "photo.png")
    with pytest.raises(DraftError, match="empty"):
        decode_draft(b"  \n", "draft.txt")
    with pytest.raises(DraftError, match="not UTF-8"):
        decode_draft(b"caf\xe9 \xff", "draft.txt")
    assert decode_draft("\ufeffcall 101".encode()) == "call 101"


def test_check_texts_is_lazy_and_skips_blanks():
    found = list(check_texts(["", "email me at a.b@gmail.com"]))
    assert found[0] == [] and found[1][0].risk == "personal_data"


@pytest.mark.parametrize(("content", "message"), [
    (b"id,text\n" + b"1,hello\n" * 10_000 + b"2,\x00\x01\x02\n", "is a binary file, not a CSV"),
    (b"id,text\n1,caf\xe9\n", "is not UTF-8 text"),
    (b"\xef\xbb\xbf  \n\n", "the CSV is empty"),
])
def test_a_csv_is_read_by_the_same_rules_as_a_draft(tmp_path, content, message):
    """One decoder for drafts and CSVs: a NUL anywhere (not only in the first 64 KiB) is binary, and a CSV of
    blank lines is empty rather than a CSV missing its column."""
    source = tmp_path / "drafts.csv"
    source.write_bytes(content)
    with pytest.raises(DraftError, match=message):
        check_csv(source, "text", tmp_path / "out.csv")
    with pytest.raises(DraftError, match=message.replace("CSV", "text draft").replace("the text draft", "the draft")):
        decode_draft(content, "drafts.csv")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_draft_saved_as_unicode_with_its_mark_is_read(encoding):
    """Notepad's "Unicode" save (UTF-16 with a byte-order mark) was refused as "a binary file"."""
    draft = "Jason Reed, 15, of 14 Oak Road, has been charged. Café"
    data = ("\ufeff" + draft).encode(encoding) if encoding == "utf-16-be" else draft.encode(encoding)
    assert decode_draft(data, "draft.txt") == draft


def test_a_draft_in_another_code_page_names_the_byte_and_what_to_do():
    with pytest.raises(DraftError, match=r"is not UTF-8 text \(byte 0xe9 at offset 3\); save it as UTF-8"):
        decode_draft("Café".encode("cp1252"), "draft.txt")
    with pytest.raises(DraftError, match="is a binary file"):
        decode_draft(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "draft.txt")


def test_a_csv_of_drafts_saved_with_semicolons_is_read(tmp_path):
    source = tmp_path / "drafts.csv"
    source.write_text("id;text\n1;email me at a.b@gmail.com\n2;all quiet\n", encoding="utf-8")
    result = check_csv(source, "text", tmp_path / "out.csv")
    assert result.rows == 2 and result.flagged == 1
