"""Facebook Graph API responses: the restfb samples (feeds, posts, comments, odd fragments) and broken files."""

from __future__ import annotations

import json
from datetime import datetime

import orjson

from peelian.ingest import detect_format, import_file
from tests.ingest.helpers import posts

FEED = "facebook_graph_api/restfb__v2_1_feed-got.json"
NORMAL_COMMENTS = "facebook_graph_api/restfb__post-with-normal-comments.json"

# file -> (records read, posts new, notices, profile-only accounts); run in this order in one project.
EXPECTED = {
    "restfb__post-with-normal-comments.json": (2, 2, 0, 0),
    "restfb__v10_0_from-as-page.json": (0, 0, 0, 1),
    "restfb__v16_0_post-with-insight.json": (1, 0, 1, 0),
    "restfb__v2_1_feed-got.json": (73, 73, 0, 0),
    "restfb__v2_1_post-story.json": (1, 1, 0, 0),
    "restfb__v2_1_post-with-likes-totalcount.json": (1, 0, 0, 0),
    "restfb__v2_2_comment-issue286.json": (1, 1, 0, 0),
    "restfb__v2_2_comment_object.json": (1, 1, 0, 0),
    "restfb__v2_2_cursor_only_paging1.json": (0, 0, 0, 1),
    "restfb__v2_3_post-attachments.json": (1, 1, 0, 0),
    "restfb__v2_3_post-likes-summary.json": (1, 1, 0, 0),
    "restfb__v2_5_photo-comments.json": (2, 2, 0, 0),
    "restfb__v2_5_post-parent.json": (1, 1, 0, 0),
    "restfb__v2_6_post-with-reactions.json": (1, 1, 0, 0),
    "restfb__v2_8_post-multishare.json": (1, 1, 0, 0),
    "restfb__v2_9_comment-permalink.json": (1, 1, 0, 0),
    "restfb__v2_9_comment-reactions.json": (1, 1, 0, 0),
    "restfb__v5_0_post-with-comment.json": (2, 2, 0, 0),
}


def test_every_fixture_is_detected_and_reconciles_with_a_clear_result(project, shared_fixtures):
    files = sorted((shared_fixtures / "facebook_graph_api").glob("*.json"))
    assert [f.name for f in files] == sorted(EXPECTED)
    for path in files:
        assert detect_format(path).format == "facebook-graph", path.name
        report = import_file(project, path)
        assert report.reconciles and report.quarantined == 0, (path.name, report.quarantine_examples)
        got = (report.records_read, report.posts_new, report.notices, report.accounts_seen)
        assert got == EXPECTED[path.name], path.name
    # the likes-totalcount post is the same post as in the feed: a duplicate, merged
    assert project.scalar("SELECT count(*) FROM posts") == 89


def test_feed_posts_comments_and_counts(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FEED)
    rows = posts(plain)
    assert plain.scalar("SELECT count(*) FROM posts WHERE kind = 'original'") == 25
    assert plain.scalar("SELECT count(*) FROM posts WHERE kind = 'reply'") == 48
    big = rows["74133697733_10152423996287734"]
    assert (big["like_count"], big["reply_count"], big["author_id"]) == (32136, 664, "39795225543")
    assert big["created_at"] == datetime(2014, 9, 20, 5, 9, 23)
    assert big["url"] == "https://www.facebook.com/74133697733/posts/10152423996287734"
    comment = rows["10152279886765544_10152279891350544"]
    assert (comment["kind"], comment["reply_to_post_id"], comment["conversation_id"]) == (
        "reply", big["post_id"], big["post_id"])
    assert comment["reply_to_account_id"] == "39795225543" and comment["like_count"] == 273
    assert comment["text"] == "Finish the damn series already. Don't pull a Robert Jordan on me."
    assert plain.scalar("SELECT display_name FROM accounts WHERE account_id = '39795225543'") == "Comicbook.com"


def test_legacy_counts_story_share_and_standalone_comment(plain, shared_fixtures):
    for name in ("restfb__post-with-normal-comments.json", "restfb__v2_1_post-story.json",
                 "restfb__v2_5_post-parent.json", "restfb__v2_2_comment-issue286.json",
                 "restfb__v2_6_post-with-reactions.json", "restfb__v10_0_from-as-page.json"):
        import_file(plain, shared_fixtures / "facebook_graph_api" / name)
    rows = posts(plain)
    assert rows["1234"]["reply_count"] == 3 and rows["54123"]["reply_to_post_id"] == "1234"
    assert rows["987654321_678607288890643"]["text"] == "Tester shared a link."
    share = rows["299150370269_1566464073671397"]
    assert (share["kind"], share["reposted_post_id"]) == ("repost", "380528198800882_493275620859472")
    comment = rows["520586098107541_520590871440397"]
    assert (comment["reply_to_post_id"], comment["like_count"], comment["reply_count"]) == ("520586098107541", 1, 0)
    reactions = rows["100002241334695_980648432019859"]
    assert (reactions["is_partial"], reactions["like_count"]) == (True, 1)
    assert plain.scalar("SELECT display_name FROM accounts WHERE account_id = '987654321'") == "Phonefriends"


def test_partial_reactions_response_updates_a_known_post(plain, tmp_path):
    post = {"id": "1_2", "from": {"id": "1", "name": "North Police"}, "created_time": "2024-01-01T10:00:00+0000",
            "message": "Appeal", "reactions": {"data": [], "summary": {"total_count": 5}}}
    first = tmp_path / "post.json"
    first.write_text(json.dumps(post))
    import_file(plain, first)
    later = tmp_path / "reactions.json"
    later.write_text(json.dumps({"id": "1_2", "reactions": {"data": [], "summary": {"total_count": 9}}}))
    report = import_file(plain, later)
    assert report.posts_updated == 1
    row = posts(plain)["1_2"]
    assert (row["like_count"], row["text"], row["is_partial"]) == (9, "Appeal", False)


def test_replies_to_comments_and_error_bodies(plain, tmp_path):
    page = {"data": [
        {"id": "1_2", "from": {"id": "1", "name": "Police"}, "created_time": "2024-01-01T10:00:00+0100",
         "message": "Appeal", "comments": {"data": [
             {"id": "2_3", "from": {"id": "9", "name": "Jo"}, "created_time": "2024-01-01T10:05:00+0000",
              "message": "Seen it", "comments": {"data": [
                  {"id": "2_4", "from": {"id": "1", "name": "Police"}, "created_time": "2024-01-01T10:07:00+0000",
                   "message": "Thanks, DM us", "parent": {"id": "2_3"}}]}}],
             "summary": {"total_count": 2}}}],
        "paging": {"cursors": {"before": "a", "after": "b"}}}
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(page))
    error = tmp_path / "error.json"
    error.write_text('{"error": {"message": "Unsupported get request", "type": "GraphMethodException", '
                     '"code": 100, "fbtrace_id": "x"}}')
    assert detect_format(error).format == "facebook-graph"
    assert import_file(plain, path).posts_new == 3
    assert import_file(plain, error).notices == 1
    rows = posts(plain)
    assert rows["1_2"]["created_at"] == datetime(2024, 1, 1, 9)
    assert (rows["2_4"]["reply_to_post_id"], rows["2_4"]["conversation_id"]) == ("2_3", "1_2")
    assert rows["2_3"]["reply_to_account_id"] == "1"


def test_bad_input_names_the_place_and_keeps_the_rest(project, tmp_path):
    good = {"id": "1_1", "created_time": "2024-01-01T10:00:00+0000", "message": "ok", "from": {"id": "1", "name": "P"}}
    page = {"data": [good, {"id": "1_2", "created_time": "soon"}, {"message": "no id"},
                     {"id": "1_3", "created_time": "2024-01-01T10:00:00+0000", "message": {"not": "text"}},
                     {"id": "1_4", "created_time": "2024-01-01T10:00:00+0000", "message": "x" * 1_000_000,
                      "shares": {"count": "lots"}},
                     {"id": "1_5", "created_time": "2024-01-01T10:00:00+0000", "message": "y" * 1_000_000}]}
    path = tmp_path / "page.json"
    path.write_text(json.dumps(page))
    report = import_file(project, path)
    assert (report.posts_new, report.quarantined, report.reconciles) == (2, 4, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "unrecognised time" in reasons["document, data[1]"] and "without an id" in reasons["document, data[2]"]
    assert "not text" in reasons["document, data[3]"] and "not a count" in reasons["document, data[4]"]

    text = json.dumps({"data": [good, {**good, "id": "1_9"}, {**good, "id": "1_10"}]}, indent=2)
    cut = tmp_path / "cut.json"
    cut.write_text(text[: text.index('"1_10"')])
    salvaged = import_file(project, cut)
    assert (salvaged.format, salvaged.posts_new, salvaged.quarantined) == ("facebook-graph", 1, 1)
    assert salvaged.quarantine_examples[0]["location"].startswith("line ")
    assert "truncated" in salvaged.quarantine_examples[0]["reason"]

    latin = tmp_path / "latin.json"
    latin.write_bytes(orjson.dumps(good).replace(b'"ok"', b'"caf\xe9"'))
    bad = import_file(project, latin, format="facebook-graph")
    assert bad.quarantined == 1 and "UTF-8" in bad.quarantine_examples[0]["reason"]
    assert bad.quarantine_examples[0]["location"] == "line 1"


def test_empty_and_foreign_files(project, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    assert "empty" in import_file(project, empty, format="facebook-graph").quarantine_examples[0]["reason"]
    foreign = tmp_path / "foreign.json"
    foreign.write_text('[{"name": "no id here"}]')
    assert import_file(project, foreign).format == "unknown"
    forced = import_file(project, foreign, format="facebook-graph")
    assert forced.quarantine_examples[0] == {"location": "document, item 1",
                                             "reason": "Graph object without an id (found an object with keys: name)"}
