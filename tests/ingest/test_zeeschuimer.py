"""Zeeschuimer / 4CAT NDJSON, on small captures written from the extension's envelope and platform objects."""

from __future__ import annotations

from datetime import datetime

import orjson

from peelian.ingest import detect_format, import_file


def envelope(platform: str, item_id: str, data: dict) -> dict:
    return {"id": 17, "nav_index": "1:2:3", "item_id": item_id, "timestamp_collected": 1717236000000,
            "last_updated": 1717236000000, "source_platform": platform,
            "source_platform_url": f"https://{platform}/", "source_url": f"https://{platform}/api/graphql",
            "user_agent": "Mozilla/5.0", "data": data}


def user(rest_id: str, screen_name: str, followers: int = 10) -> dict:
    return {"user_results": {"result": {"__typename": "User", "rest_id": rest_id,
                                        "legacy": {"screen_name": screen_name, "name": screen_name.title(),
                                                   "followers_count": followers}}}}


def tweet(rest_id: str, text: str, author: dict, **legacy) -> dict:
    return {"__typename": "Tweet", "rest_id": rest_id, "core": author, "views": {"count": "1234", "state": "Enabled"},
            "legacy": {"id_str": rest_id, "full_text": text, "created_at": "Sat Jun 01 10:00:00 +0000 2024",
                       "conversation_id_str": legacy.pop("conversation_id_str", rest_id), "lang": "en",
                       "favorite_count": 5, "reply_count": 1, "retweet_count": 2, "quote_count": 0,
                       "entities": {"user_mentions": []}, **legacy}}


POLICE = user("100", "NorthPolice", 50_000)
JO = user("200", "jo_citizen")

REPLY = tweet("1800000000000000002", "@NorthPolice which road? &amp; when?", JO,
              in_reply_to_status_id_str="1800000000000000001", in_reply_to_user_id_str="100",
              in_reply_to_screen_name="NorthPolice", conversation_id_str="1800000000000000001",
              entities={"user_mentions": [{"id_str": "100", "screen_name": "NorthPolice"}]})
ORIGINAL = tweet("1800000000000000001", "Road closed on the A1", POLICE)
RETWEET = tweet("1800000000000000003", "RT @NorthPolice: Road closed on the A1", JO,
                retweeted_status_result={"result": ORIGINAL})
INSTAGRAM = {"pk": "3300000000000000001", "id": "3300000000000000001_400", "code": "C7abcDEF",
             "taken_at": 1717236000, "caption": {"text": "Summer safety tips 🌞"}, "like_count": 321,
             "comment_count": 12, "user": {"pk": "400", "username": "northpolice", "full_name": "North Police"}}
TIKTOK = {"id": "7370000000000000001", "createTime": "1717236000", "desc": "Meet our dog unit",
          "author": {"id": "500", "uniqueId": "northpolice", "nickname": "North Police"},
          "authorStats": {"followerCount": 9000},
          "stats": {"diggCount": 1000, "commentCount": 40, "shareCount": 7, "playCount": 25000}}


def posts(project):
    return {(r["platform"], r["post_id"]): r for r in project.query("SELECT * FROM posts")}


def write(path, lines):
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines) + b"\n")
    return path


def test_x_instagram_and_tiktok_items(plain, tmp_path):
    path = write(tmp_path / "zeeschuimer-export-x.com-2024-06-01T100000.ndjson", [
        envelope("x.com", REPLY["rest_id"], REPLY),
        envelope("x.com", RETWEET["rest_id"], {"tweet_results": {"result": {
            "__typename": "TweetWithVisibilityResults", "tweet": RETWEET}}}),
        envelope("x.com", REPLY["rest_id"], REPLY),
        envelope("instagram.com", INSTAGRAM["id"], INSTAGRAM),
        envelope("tiktok.com", TIKTOK["id"], TIKTOK),
        envelope("x.com", "1800000000000000009", {"__typename": "TweetTombstone", "tombstone": {}}),
    ])
    assert detect_format(path).format == "zeeschuimer"
    report = import_file(plain, path)
    assert (report.posts_new, report.duplicates, report.notices, report.quarantined, report.reconciles) == (
        5, 1, 1, 0, True)
    rows = posts(plain)
    reply = rows[("twitter", "1800000000000000002")]
    assert reply["text"] == "@NorthPolice which road? & when?"
    assert (reply["kind"], reply["reply_to_post_id"], reply["conversation_id"]) == (
        "reply", "1800000000000000001", "1800000000000000001")
    assert (reply["author_handle"], reply["view_count"], reply["like_count"]) == ("jo_citizen", 1234, 5)
    assert reply["created_at"] == datetime(2024, 6, 1, 10)
    retweet = rows[("twitter", "1800000000000000003")]
    assert (retweet["kind"], retweet["reposted_post_id"]) == ("repost", "1800000000000000001")
    assert rows[("twitter", "1800000000000000001")]["is_partial"]
    insta = rows[("instagram", "3300000000000000001")]
    assert (insta["author_handle"], insta["text"], insta["like_count"], insta["reply_count"]) == (
        "northpolice", "Summer safety tips 🌞", 321, 12)
    assert insta["created_at"] == datetime(2024, 6, 1, 10) and insta["url"] == "https://www.instagram.com/p/C7abcDEF/"
    tiktok = rows[("tiktok", "7370000000000000001")]
    assert (tiktok["author_handle"], tiktok["view_count"], tiktok["repost_count"], tiktok["author_followers"]) == (
        "northpolice", 25000, 7, 9000)
    assert plain.scalar("SELECT notice_type FROM notices") == "unavailable"


def test_4cat_reexport_with_import_meta(plain, tmp_path):
    line = {**TIKTOK, "__import_meta": {k: v for k, v in envelope("tiktok.com", TIKTOK["id"], {}).items()
                                        if k != "data"}}
    path = write(tmp_path / "4cat.ndjson", [line])
    assert detect_format(path).format == "zeeschuimer"
    report = import_file(plain, path)
    assert (report.posts_new, report.reconciles) == (1, True)
    assert posts(plain)[("tiktok", "7370000000000000001")]["text"] == "Meet our dog unit"


def test_unsupported_platforms_and_broken_lines_are_quarantined_by_line(project, tmp_path):
    bad_tiktok = {**TIKTOK, "id": "7370000000000000002", "desc": {"not": "text"}}
    huge = {**TIKTOK, "id": "7370000000000000003", "desc": "x" * 2_000_000}
    lines = [
        envelope("tiktok.com", TIKTOK["id"], TIKTOK),
        envelope("linkedin.com", "urn:li:activity:1", {"text": "hello"}),
        b'{"item_id": "2", "source_platform": "x.com", "data": {',
        envelope("x.com", "3", {"rest_id": "3"}),
        envelope("tiktok.com", "4", bad_tiktok),
        orjson.dumps(envelope("instagram.com", "5", {**INSTAGRAM, "pk": "5", "caption": {"text": "café"}})).replace(
            "café".encode(), b"caf\xe9"),
        {"no": "envelope"},
        envelope("tiktok.com", "8", huge),
        envelope("instagram.com", "9", {**INSTAGRAM, "pk": "9", "like_count": "lots"}),
        b'{"item_id": "10", "source_platform": "x.com", "data": {"rest_id"',
    ]
    path = tmp_path / "capture.ndjson"
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines))
    report = import_file(project, path)
    assert (report.format, report.posts_new, report.quarantined, report.reconciles) == ("zeeschuimer", 2, 8, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "'linkedin.com' are not supported" in reasons["line 2"]
    assert "malformed JSON" in reasons["line 3"] and "legacy" in reasons["line 4"]
    assert "desc is dict" in reasons["line 5"] and "UTF-8" in reasons["line 6"]
    assert "not a Zeeschuimer item" in reasons["line 7"] and "not a count" in reasons["line 9"]
    assert "truncated" in reasons["line 10"]


def test_empty_file(project, tmp_path):
    empty = tmp_path / "empty.ndjson"
    empty.write_text("\n\n")
    report = import_file(project, empty, format="zeeschuimer")
    assert report.quarantined == 1 and "empty" in report.quarantine_examples[0]["reason"]
