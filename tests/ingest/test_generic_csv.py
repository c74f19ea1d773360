"""The generic CSV with a column mapping: mapping checks before import, row-level rejects, detection, CLI."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from peelian.errors import MappingError
from peelian.ingest import detect_format, import_file, import_files
from tests.ingest.helpers import posts

MAPPING = {"post_id": "id", "created_at": "time", "text": "message", "author": "user", "reply_to": "parent",
           "likes": "likes", "url": "link"}
HEADER = "id,time,message,user,parent,likes,link\n"


def test_mapped_rows_with_inferred_kinds_and_rejects_naming_row_and_column(plain, tmp_path):
    body = (
        "\ufeff" + HEADER
        + "p1,2024-03-01T09:00:00Z,\"Road closed,\nuse the B2\",@northpolice,,7,https://example.org/p1\n"  # rows 2-3
        + "p2,2024-03-01 10:30:00+01:00,Which road?,jo,p1,1.234,\n"                                        # row 4
        + "p3,yesterday,text,jo,,0,\n"                                                                      # row 5
        + "p4,1709290000,text,jo,,lots,\n"                                                                  # row 6
        + ",2024-03-01T09:00:00Z,no id,jo,,0,\n"                                                            # row 7
        + "p6,2024-03-01T09:00:00Z,no author,,,0,\n"                                                        # row 8
        + "p7,2024-03-01T09:00:00Z,too,many,cells,here,x,y\n"                                              # row 9
        + "p8,1709290000000,,sam,p2,,\n"                                                                    # row 10
    )
    path = tmp_path / "posts.csv"
    path.write_bytes(body.encode("utf-8") + "p9,2024-03-01T09:00:00Z,caf\u00e9,jo,,0,\n".encode().replace(
        "é".encode(), b"\xe9"))
    report = import_file(plain, path, options={"mapping": MAPPING, "platform": "Facebook"})
    assert (report.format, report.posts_new, report.quarantined, report.reconciles) == ("csv", 3, 6, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "column 'time' (created_at)" in reasons["row 5"] and "unrecognised time" in reasons["row 5"]
    assert "column 'likes' (likes)" in reasons["row 6"] and "not a count" in reasons["row 6"]
    assert "column 'id' (post_id)" in reasons["row 7"] and "missing" in reasons["row 7"]
    assert "column 'user' (author)" in reasons["row 8"]
    assert "8 cells" in reasons["row 9"] and "UTF-8" in reasons["row 11"]
    rows = posts(plain)
    first, reply, late = rows["p1"], rows["p2"], rows["p8"]
    assert (first["platform"], first["kind"], first["text"]) == ("facebook", "original", "Road closed,\nuse the B2")
    assert (first["author_handle"], first["like_count"], first["url"]) == ("northpolice", 7, "https://example.org/p1")
    assert (reply["kind"], reply["reply_to_post_id"], reply["like_count"]) == ("reply", "p1", 1234)
    assert reply["created_at"] == datetime(2024, 3, 1, 9, 30)
    assert (late["text"], late["created_at"]) == (None, datetime(2024, 3, 1, 10, 46, 40))  # epoch ms


def test_header_with_field_names_needs_no_mapping_and_is_detected(plain, tmp_path):
    path = tmp_path / "native.csv"
    path.write_text("post_id,created_at,text,author_id,kind,reposted,platform,views\n"
                    "1,2024-01-01T00:00:00Z,hello,42,original,,mastodon,10\n"
                    "2,2024-01-01T01:00:00Z,,43,Boost,1,mastodon,\n"
                    "3,2024-01-01T01:00:00Z,x,44,forward,,mastodon,\n")
    assert detect_format(path).format == "csv"
    report = import_file(plain, path)
    assert (report.posts_new, report.quarantined) == (2, 1)
    assert "unknown kind 'forward'" in report.quarantine_examples[0]["reason"]
    rows = posts(plain)
    assert (rows["2"]["kind"], rows["2"]["reposted_post_id"], rows["2"]["platform"]) == ("repost", "1", "mastodon")
    assert rows["1"]["view_count"] == 10 and rows["1"]["author_id"] == "42"


def test_other_csv_is_not_claimed_without_a_mapping(project, tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("id,time,message,user\n1,2024-01-01,hi,jo\n")
    report = import_file(project, path)
    assert report.format == "unknown" and "not recognised" in report.error


def test_mapping_naming_missing_columns_is_refused_before_any_import(project, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "p1,2024-03-01T09:00:00Z,hi,jo,,0,\n")
    other = tmp_path / "other.csv"
    other.write_text("id,when,body,user\np1,2024-03-01T09:00:00Z,hi,jo\n")
    with pytest.raises(MappingError) as caught:
        import_files(project, [good, other], options={"mapping": MAPPING})
    message = str(caught.value)
    assert "other.csv" in message and "'time' (for created_at)" in message and "'message' (for text)" in message
    assert "available columns: 'id', 'when', 'body', 'user'" in message
    assert project.scalar("SELECT count(*) FROM imports") == 0

    with pytest.raises(MappingError, match="unknown field"):
        import_file(project, good, options={"mapping": {**MAPPING, "txt": "message"}})
    with pytest.raises(MappingError, match="required field.*text"):
        import_file(project, good, options={"mapping": {"post_id": "id", "created_at": "time", "author": "user"}})


def test_empty_file_and_unreadable_header(project, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    report = import_file(project, empty, format="csv", options={"mapping": MAPPING})
    assert report.quarantined == 1 and "empty" in report.quarantine_examples[0]["reason"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,time,message,user,caf\u00e9\n".encode("latin-1"))
    report = import_file(project, latin, options={"mapping": {"post_id": "id", "created_at": "time",
                                                               "text": "message", "author": "user"}})
    assert report.quarantined == 1
    assert report.quarantine_examples[0]["location"] == "row 1" and "UTF-8" in report.quarantine_examples[0]["reason"]


def test_cli_map_option(cli, project_path, tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(HEADER + "p1,2024-03-01T09:00:00Z,hi,jo,,0,\n")
    bad = cli("import", project_path, path, "--map", "text=body,created_at=time,post_id=id,author=user")
    assert bad.exit_code == 2 and "'body' (for text)" in bad.output and "available columns" in bad.output
    good = cli("import", project_path, path, "--map", "text=message,created_at=time", "--map", "post_id=id,author=user",
               "--platform", "youtube", "--json")
    assert good.exit_code == 0, good.output
    (report,) = json.loads(good.output)
    assert (report["format"], report["posts_new"], report["reconciles"]) == ("csv", 1, True)


def test_huge_field_and_quote_left_open(project, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text(HEADER + "p1,2024-03-01T09:00:00Z,hi,jo,,0,\n"
                    + "p2,2024-03-01T09:00:00Z," + "x" * 200_000 + ",jo,,0,\n"
                    + "p3,2024-03-01T09:00:00Z,fine,jo,,0,\n"
                    + 'p4,2024-03-01T09:00:00Z,"never closed,jo,,0,\n')
    report = import_file(project, path, options={"mapping": MAPPING})
    assert (report.posts_new, report.quarantined, report.reconciles) == (2, 2, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "longer than" in reasons["row 3"] and "never closed" in reasons["row 5"]
