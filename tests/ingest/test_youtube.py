"""YouTube Data API comment threads and comments: the python-youtube samples and broken files."""

from __future__ import annotations

import json
from datetime import datetime

from peelian.ingest import detect_format, import_file
from tests.ingest.helpers import posts

FOLDER = "youtube_api"
BY_VIDEO = "youtube_api/python-youtube__comment_threads_comment_threads_by_video_paged_1.json"
REPLIES = "youtube_api/python-youtube__comments_comments_by_parent_paged_1.json"
ALL_TO_ME = "youtube_api/python-youtube__comment_threads_comment_threads_all_to_me.json"


def test_every_fixture_is_detected_and_reconciles(project, shared_fixtures):
    files = sorted((shared_fixtures / FOLDER).glob("*.json"))
    assert len(files) == 6
    for path in files:
        assert detect_format(path).format == "youtube", path.name
        report = import_file(project, path)
        assert report.reconciles and report.quarantined == 0, (path.name, report.quarantine_examples)
    # page 2 repeats page 1 (a duplicate of every thread); 1 + 4 + 5 + 2 + 2 distinct comments
    assert project.scalar("SELECT count(*) FROM posts WHERE platform = 'youtube'") == 14


def test_top_level_comments_reply_to_the_video(plain, shared_fixtures):
    import_file(plain, shared_fixtures / BY_VIDEO)
    rows = posts(plain)
    first = rows["UgyZ1jqkHKYvi1-ruOZ4AaABAg"]
    assert (first["kind"], first["reply_to_post_id"], first["conversation_id"]) == (
        "reply", "F1UP7wRCPH8", "UgyZ1jqkHKYvi1-ruOZ4AaABAg")
    assert first["text"] == "Google.com"  # textOriginal, not the HTML textDisplay
    assert first["author_id"] == "UCzj-CjKYmGlZ7vTL-vOe57A" and first["created_at"] == datetime(2019, 11, 26, 15, 51,
                                                                                               44)
    assert rows["UgwI_ylXVnzPS8Q-oAV4AaABAg"]["reply_count"] == 2
    assert rows["Ugy4OzAuz5uJuFt3FH54AaABAg"]["like_count"] == 1
    assert first["url"] == "https://www.youtube.com/watch?v=F1UP7wRCPH8&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    names = {r["display_name"] for r in plain.query("SELECT display_name FROM accounts")}
    assert "himani agarwal" in names


def test_replies_point_at_their_thread(plain, shared_fixtures):
    import_file(plain, shared_fixtures / ALL_TO_ME)
    import_file(plain, shared_fixtures / REPLIES)
    rows = posts(plain)
    reply = rows["Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za6voUoRh"]
    assert (reply["kind"], reply["reply_to_post_id"], reply["conversation_id"]) == (
        "reply", "Ugw5zYU6n9pmIgAZWvN4AaABAg", "Ugw5zYU6n9pmIgAZWvN4AaABAg")
    assert reply["text"] == "this is the third reply!"
    channel_comment = rows["Ugy0FhSzKMNMT9qs6zt4AaABAg"]  # on the channel, not on a video
    assert (channel_comment["kind"], channel_comment["reply_to_post_id"]) == ("original", None)
    assert rows["UgyWeTdgc4sc1xgmbld4AaABAg"]["reply_to_account_id"] == "UCa-vrCLQHviTOVnEKDOdetQ"


def test_inline_replies_html_fallback_and_handles(plain, tmp_path):
    thread = {"kind": "youtube#commentThreadListResponse", "items": [{
        "kind": "youtube#commentThread", "id": "UgT1",
        "snippet": {"videoId": "vid1", "channelId": "UCpolice", "totalReplyCount": 1, "topLevelComment": {
            "kind": "youtube#comment", "id": "UgT1", "snippet": {
                "authorDisplayName": "@citizen42", "authorChannelId": {"value": "UCjo"}, "videoId": "vid1",
                "textDisplay": "Why was the road <b>closed</b>?<br>Thanks", "likeCount": 2,
                "publishedAt": "2024-02-01T10:00:00Z"}}},
        "replies": {"comments": [{"kind": "youtube#comment", "id": "UgT1.r1", "snippet": {
            "authorDisplayName": "@northpolice", "authorChannelId": {"value": "UCpolice"}, "parentId": "UgT1",
            "textOriginal": "A collision, now cleared.", "likeCount": 0, "publishedAt": "2024-02-01T11:00:00Z"}}]}}]}
    path = tmp_path / "threads.json"
    path.write_text(json.dumps(thread))
    report = import_file(plain, path)
    assert (report.posts_new, report.reconciles) == (2, True)
    rows = posts(plain)
    assert rows["UgT1"]["text"] == "Why was the road closed?\nThanks"
    assert rows["UgT1"]["author_handle"] == "citizen42"
    reply = rows["UgT1.r1"]
    assert (reply["reply_to_post_id"], reply["reply_to_account_id"], reply["conversation_id"]) == (
        "UgT1", "UCjo", "UgT1")


def test_bad_input_names_the_item_and_keeps_the_rest(project, tmp_path):
    def comment(cid, **snippet):
        base = {"authorDisplayName": "x", "authorChannelId": {"value": "UC1"}, "textOriginal": "ok",
                "likeCount": 0, "publishedAt": "2024-02-01T10:00:00Z"}
        return {"kind": "youtube#comment", "id": cid, "snippet": {**base, **snippet}}

    response = {"kind": "youtube#commentListResponse", "items": [
        comment("c1"), comment("c2", publishedAt="last week"), comment("c3", likeCount="many"),
        {"kind": "youtube#comment", "snippet": {}}, comment("c5", textOriginal=42), {"kind": "youtube#video"},
        comment("c7", textOriginal="z" * 1_000_000)]}
    path = tmp_path / "comments.json"
    path.write_text(json.dumps(response))
    report = import_file(project, path)
    assert (report.format, report.posts_new, report.quarantined, report.reconciles) == ("youtube", 2, 5, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "unrecognised time" in reasons["document, items[1]"] and "not a count" in reasons["document, items[2]"]
    assert "without an id" in reasons["document, items[3]"] and "not text" in reasons["document, items[4]"]
    assert "not a YouTube comment" in reasons["document, items[5]"]

    text = json.dumps(response, indent=2)
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"c3"')])
    salvaged = import_file(project, cut)
    assert (salvaged.format, salvaged.duplicates, salvaged.quarantined) == ("youtube", 1, 2)  # c1; c2, the cut
    cut_reject = salvaged.quarantine_examples[-1]
    assert "truncated" in cut_reject["reason"] and cut_reject["location"].startswith("line ")

    empty = tmp_path / "empty.json"
    empty.write_text("\n")
    assert "empty" in import_file(project, empty, format="youtube").quarantine_examples[0]["reason"]


def test_ndjson_of_responses_with_a_line_in_another_encoding(project, tmp_path):
    line = {"kind": "youtube#comment", "id": "c1", "snippet": {"textOriginal": "ok", "publishedAt": "2024-02-01T10:00Z",
                                                               "authorChannelId": {"value": "UC1"}}}
    bad = json.dumps({**line, "id": "c2", "snippet": {**line["snippet"], "textOriginal": "caf\u00e9"}},
                     ensure_ascii=False).encode().replace("é".encode(), b"\xe9")
    path = tmp_path / "comments.jsonl"
    path.write_bytes(json.dumps(line).encode() + b"\n" + bad + b"\n")
    report = import_file(project, path)
    assert (report.format, report.posts_new, report.quarantined) == ("youtube", 1, 1)
    assert report.quarantine_examples[0]["location"] == "line 2" and "UTF-8" in report.quarantine_examples[0]["reason"]
