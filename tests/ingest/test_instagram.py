"""Instagram Graph API comments and media: the restfb samples and broken files."""

from __future__ import annotations

import json
from datetime import datetime

from peelian.ingest import detect_format, import_file
from tests.ingest.helpers import posts


def test_every_fixture_is_detected_and_reconciles(project, shared_fixtures):
    files = sorted((shared_fixtures / "instagram_graph_api").glob("*.json"))
    assert len(files) == 2
    for path in files:
        assert detect_format(path).format == "instagram-graph", path.name
        report = import_file(project, path)
        assert report.reconciles and report.quarantined == 0, (path.name, report.quarantine_examples)
    assert project.scalar("SELECT count(*) FROM posts WHERE platform = 'instagram'") == 3


def test_comment_with_reply_and_the_comment_without_user_id(plain, shared_fixtures):
    import_file(plain, shared_fixtures / "instagram_graph_api/restfb__instagram_comment.json")
    import_file(plain, shared_fixtures / "instagram_graph_api/restfb__instagram_comment_missing_user.json")
    rows = posts(plain)
    top = rows["123456789"]
    assert (top["kind"], top["reply_to_post_id"], top["conversation_id"], top["author_id"]) == (
        "reply", "987654321", "987654321", "98765432123")
    assert top["created_at"] == datetime(2018, 2, 23, 21, 32, 16) and top["text"] == "Great!"
    reply = rows["1234567891"]
    assert (reply["reply_to_post_id"], reply["conversation_id"], reply["author_id"]) == ("123456789", "987654321",
                                                                                         None)
    assert reply["reply_to_account_id"] == "98765432123"
    named = rows["17916477187142401"]
    assert (named["author_handle"], named["reply_to_post_id"]) == ("bincyshiona", "17866467940233520")


def test_media_list_with_nested_comments(plain, tmp_path):
    page = {"data": [{"id": "1790", "caption": "Stay safe this weekend", "media_type": "IMAGE",
                      "timestamp": "2024-05-04T18:00:00+0000", "like_count": 120, "comments_count": 1,
                      "username": "northpolice", "permalink": "https://www.instagram.com/p/abc/",
                      "comments": {"data": [{"id": "1791", "text": "Thank you!",
                                             "timestamp": "2024-05-04T18:05:00+0000", "username": "jo"}]}}],
            "paging": {"cursors": {"after": "x"}}}
    path = tmp_path / "media.json"
    path.write_text(json.dumps(page))
    assert detect_format(path).format == "instagram-graph"
    assert import_file(plain, path).posts_new == 2
    rows = posts(plain)
    assert (rows["1790"]["kind"], rows["1790"]["reply_count"], rows["1790"]["like_count"]) == ("original", 1, 120)
    assert (rows["1791"]["reply_to_post_id"], rows["1791"]["author_handle"]) == ("1790", "jo")


def test_bad_input_names_the_place_and_keeps_the_rest(project, tmp_path):
    good = {"id": "1", "text": "ok", "timestamp": "2024-01-01T00:00:00+0000", "username": "jo", "like_count": 0}
    page = {"data": [good, {**good, "id": "2", "timestamp": "tomorrow"}, {**good, "id": "3", "like_count": "lots"},
                     {"text": "no id"}, {**good, "id": "5", "text": ["x"]}, {**good, "id": "6", "text": "y" * 500_000},
                     {**good, "id": "7", "replies": {"data": {"not": "a list"}}}]}
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(page))
    report = import_file(project, path)
    assert (report.format, report.posts_new, report.quarantined, report.reconciles) == ("instagram-graph", 3, 5, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "unrecognised time" in reasons["document, data[1]"] and "not a count" in reasons["document, data[2]"]
    assert "not an Instagram" in reasons["document, data[3]"] and "not a string" in reasons["document, data[4]"]
    assert "not a list" in reasons["document, data[6], replies.data"]

    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(json.dumps(good).encode() + b"\n" + json.dumps({**good, "id": "9"}).encode().replace(
        b'"ok"', b'"caf\xe9"') + b"\n")
    bad = import_file(project, latin, format="instagram-graph")
    assert (bad.duplicates, bad.quarantined) == (1, 1)
    assert bad.quarantine_examples[0]["location"] == "line 2" and "UTF-8" in bad.quarantine_examples[0]["reason"]


def test_truncated_and_empty_files(project, tmp_path):
    comments = [{"id": str(i), "text": f"c{i}", "timestamp": "2024-01-01T00:00:00+0000", "username": "jo"}
                for i in range(3)]
    text = json.dumps({"data": comments, "paging": {}}, indent=2)
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"c2"')])
    report = import_file(project, cut)
    assert (report.format, report.posts_new, report.quarantined) == ("instagram-graph", 2, 1)
    assert report.quarantine_examples[0]["location"].startswith("line ")
    assert "truncated" in report.quarantine_examples[0]["reason"]
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert "empty" in import_file(project, empty, format="instagram-graph").quarantine_examples[0]["reason"]
