"""Damaged files lose only what is damaged: a bad byte or a broken record in a JSON document,
a line too long to read safely. The rest of the file is read, and every record is counted."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from peelian import Project
from peelian.errors import InputError
from peelian.ingest import import_file, import_files
from peelian.ingest.base import MAX_LINE_BYTES, iter_json_values
from peelian.ingest.formats.twitter_v2 import TwitterV2Importer
from peelian.ingest.records import Reject
from tests.ingest.helpers import post_ids, quarantine

ARCHIVE = "twitter_archive/milahu__tweets.js"


@pytest.fixture
def archive_bytes(shared_fixtures) -> bytes:
    return (shared_fixtures / ARCHIVE).read_bytes()


def record_starts(data: bytes) -> list[int]:
    """Where each record of the archive's list opens (`{` of `{"tweet": ...}`)."""
    starts, pos = [], data.index(b"[") + 1
    while (found := data.find(b'\n  {\n    "tweet"', pos)) >= 0:
        starts.append(found + 3)
        pos = found + 1
    return starts


def record_id(data: bytes, start: int) -> str:
    key = b'\n      "id_str" : "'  # the tweet's own, not a mentioned user's
    at = data.index(key, start) + len(key)
    return data[at:data.index(b'"', at)].decode()


def import_damaged(project, tmp_path, data: bytes):
    path = tmp_path / "x__tweets.js"
    path.write_bytes(data)
    return import_file(project, path)


def test_one_bad_byte_in_an_archive_loses_only_its_record(project, tmp_path, archive_bytes):
    starts = record_starts(archive_bytes)
    assert len(starts) == 2045
    target = 146  # the record the bad byte fell in (0-based: the 147th)
    at = archive_bytes.index(b'"full_text" : "', starts[target]) + 20
    damaged = archive_bytes[:at] + b"\xff" + archive_bytes[at + 1:]
    report = import_damaged(project, tmp_path, damaged)
    assert report.records_read == 2045 and report.reconciles
    assert (report.posts_new, report.quarantined) == (2044, 1)
    lost = record_id(archive_bytes, starts[target])
    assert lost not in post_ids(project) and len(post_ids(project)) == 2044
    (bad,) = quarantine(project)
    line = archive_bytes[:at].count(b"\n") + 1
    assert bad["location"].startswith(f"line {line}, column ")
    assert "not valid UTF-8 (byte 0xff)" in bad["reason"] and f"item {target + 1}" in bad["reason"]


def test_a_broken_record_in_an_archive_is_quarantined_and_reading_goes_on(project, tmp_path, archive_bytes):
    starts = record_starts(archive_bytes)
    # Two records broken in different ways: a quote lost (the string swallows the next key) and a colon replaced.
    first = archive_bytes.index(b'"lang" : "', starts[10])
    second = archive_bytes.index(b'"retweeted" : ', starts[1500]) + len(b'"retweeted" ')
    damaged = (archive_bytes[:first] + archive_bytes[first + 1:second] + b";"
               + archive_bytes[second + 1:])
    report = import_damaged(project, tmp_path, damaged)
    assert report.records_read == 2045 and report.reconciles
    assert (report.posts_new, report.quarantined) == (2043, 2)
    stored = post_ids(project)
    assert record_id(archive_bytes, starts[10]) not in stored and record_id(archive_bytes, starts[1500]) not in stored
    assert record_id(archive_bytes, starts[11]) in stored and record_id(archive_bytes, starts[2044]) in stored
    reasons = [q["reason"] for q in quarantine(project)]
    assert all("malformed JSON" in r for r in reasons)
    assert "item 11" in reasons[0] and "item 1501" in reasons[1]


def test_minified_array_recovers_at_the_next_item(tmp_path):
    items = [{"id": str(i), "text": f"post {i}", "tags": [{"id": "a"}, {"id": "b"}]} for i in range(1, 6)]
    data = orjson.dumps(items)
    broken = data.replace(b'"text":"post 3"', b'"text":"post 3', 1)  # a quote lost: the string runs on
    path = tmp_path / "items.json"
    path.write_bytes(broken)
    got = list(iter_json_values(path))
    values = [v for v in got if not isinstance(v, Reject)]
    rejects = [v for v in got if isinstance(v, Reject)]
    assert [v[1]["id"] for v in values] == ["1", "2", "4", "5"]
    assert [v[0] for v in values] == ["item 1 (line 1)", "item 2 (line 1)", "item 4 (line 1)", "item 5 (line 1)"]
    assert len(rejects) == 1 and "item 3" in rejects[0].reason and "reading went on" in rejects[0].reason


# ---- lines too long to read ------------------------------------------------------------------

def page(tweet_id: str, text: str) -> bytes:
    return orjson.dumps({"data": [{"id": tweet_id, "text": text, "author_id": "7", "conversation_id": tweet_id,
                                   "created_at": "2024-05-01T10:00:00.000Z"}],
                         "includes": {"users": [{"id": "7", "username": "someone", "name": "Some One"}]}}) + b"\n"


@pytest.fixture(scope="module")
def runaway_file(tmp_path_factory):
    """twarc2 pages with a 40 MB line (longer than a bulk chunk) and a 20 MB one (inside a chunk)."""
    path = tmp_path_factory.mktemp("runaway") / "pages.jsonl"
    with open(path, "wb") as fh:
        for tweet_id, size in (("1", 5), ("2", 40_000_000), ("3", 5), ("4", 20_000_000), ("5", 5)):
            fh.write(page(tweet_id, "x" * size))
    return path


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "record-by-record"])
def test_a_line_too_long_to_read_is_quarantined_and_the_import_goes_on(project, runaway_file, monkeypatch, bulk):
    if not bulk:
        monkeypatch.setattr(TwitterV2Importer, "stage_bulk", lambda self, path, sink: False)
    report = import_file(project, runaway_file)
    assert (report.records_read, report.posts_new, report.quarantined) == (5, 3, 2) and report.reconciles
    assert post_ids(project) == {"1", "3", "5"}
    bad = quarantine(project)
    assert [q["location"] for q in bad] == ["line 2", "line 4"]
    assert "a line of 40,000," in bad[0]["reason"] and "16,777,216-byte limit" in bad[0]["reason"]
    assert "a line of 20,000," in bad[1]["reason"]


def test_ndjson_whose_first_line_is_too_long_is_still_read_as_ndjson(tmp_path):
    path = tmp_path / "first.jsonl"
    path.write_bytes(b'{"text": "' + b"y" * (MAX_LINE_BYTES + 10) + b'"}\n{"id": 2}\n')
    first, second = list(iter_json_values(path))
    assert isinstance(first, Reject) and first.location == "line 1" and "limit for one record" in first.reason
    assert second == ("line 2", {"id": 2})


def test_a_csv_line_too_long_to_read_is_quarantined(project, tmp_path):
    path = tmp_path / "posts.csv"
    with open(path, "wb") as fh:
        fh.write(b"post_id,author,created_at,text\n1,a,2024-05-01T10:00:00,hello\n")
        fh.write(b"2,b,2024-05-01T10:00:00," + b"z" * (MAX_LINE_BYTES + 1) + b"\n")
        fh.write(b"3,c,2024-05-01T10:00:00,bye\n")
    report = import_file(project, path)
    assert (report.records_read, report.posts_new, report.quarantined) == (3, 2, 1)
    (bad,) = quarantine(project)
    assert bad["location"] == "row 3" and "limit for one record" in bad["reason"]


# ---- folders -----------------------------------------------------------------------------------

def test_a_folder_imports_every_recognised_file_in_sorted_order(project, shared_fixtures, tmp_path):
    folder = tmp_path / "exports"
    (folder / "b" / "deeper").mkdir(parents=True)
    (folder / ".hidden").mkdir()
    v2 = shared_fixtures / "twitter_v2"
    (folder / "b" / "deeper" / "flat.jsonl").write_bytes((v2 / "twarc-csv__flat.jsonl").read_bytes())
    (folder / "a.jsonl").write_bytes((v2 / "twarc-csv__two_tweets.jsonl").read_bytes())
    (folder / "notes.txt").write_text("not an export\n")
    (folder / ".hidden" / "x.jsonl").write_bytes((v2 / "twarc-csv__cotweet.jsonl").read_bytes())
    reports = import_files(project, [folder])
    assert [Path(r.path).relative_to(folder).as_posix() for r in reports] == [
        "a.jsonl", "b/deeper/flat.jsonl", "notes.txt"]
    assert [r.format for r in reports] == ["twitter-v2", "twitter-v2", "unknown"]
    assert reports[0].posts_new > 0 and reports[1].posts_new > 0
    assert reports[2].skipped and "format not recognised" in reports[2].skipped
    assert reports[2].import_id is None and reports[2].quarantined == 0
    assert project.scalar("SELECT count(*) FROM imports") == 2


def test_a_folder_leaves_out_the_project_itself(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    project = Project.init(folder / "p.peelian")
    try:
        (folder / "notes.json").write_text('{"a": 1}')
        (reports,) = [import_files(project, [folder])]
        assert [Path(r.path).name for r in reports] == ["notes.json"]
    finally:
        project.close()


def test_a_missing_path_or_an_empty_folder_is_an_input_error(project, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no such file or folder"):
        import_files(project, [tmp_path / "missing.jsonl"])
    with pytest.raises(InputError, match="the folder holds no files to import"):
        import_files(project, [tmp_path / "empty"])
