"""Damaged files lose only what is damaged: a bad byte or a broken record in a JSON document,
a line too long to read safely. The rest of the file is read, and every record is counted."""

from __future__ import annotations

import orjson
import pytest

from peelian.ingest import import_file
from peelian.ingest.base import iter_json_values
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
