"""Bluesky feeds, threads and repository records: real atproto samples plus small realistic responses."""

from __future__ import annotations

import json
from datetime import datetime

import orjson

from peelian.ingest import detect_format, import_file
from tests.ingest.helpers import posts

DID_POLICE = "did:plc:police000000000000000000"
DID_JO = "did:plc:jo0000000000000000000000"
DID_SAM = "did:plc:sam000000000000000000000"
THREAD_MEDIA = "bluesky/atproto__thread_view_post_with_embed_media.json"


def uri(did: str, rkey: str) -> str:
    return f"at://{did}/app.bsky.feed.post/{rkey}"


def author(did: str, handle: str) -> dict:
    return {"did": did, "handle": handle, "displayName": handle.split(".")[0].title(), "labels": []}


def view(did: str, handle: str, rkey: str, text: str, created: str = "2024-06-01T08:00:00.000Z", **record) -> dict:
    return {"uri": uri(did, rkey), "cid": f"bafy{rkey}", "author": author(did, handle),
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": created, "langs": ["en"], **record},
            "replyCount": 1, "repostCount": 2, "likeCount": 3, "quoteCount": 0, "indexedAt": created, "labels": []}


def feed() -> dict:
    appeal = view(DID_POLICE, "northpolice.bsky.social", "3kpolice1", "Witness appeal: @jo.bsky.social saw it?",
                  facets=[{"index": {"byteStart": 16, "byteEnd": 31},
                           "features": [{"$type": "app.bsky.richtext.facet#mention", "did": DID_JO}]}])
    reply = view(DID_JO, "jo.bsky.social", "3kjo1", "I did 🚗", "2024-06-01T09:15:00+02:00",
                 reply={"root": {"uri": appeal["uri"], "cid": "bafy"}, "parent": {"uri": appeal["uri"], "cid": "bafy"}})
    quote = view(DID_SAM, "sam.bsky.social", "3ksam1", "look at this", "2024-06-01T10:00:00.000Z",
                 embed={"$type": "app.bsky.embed.record", "record": {"uri": uri(DID_JO, "3kold"), "cid": "b"}})
    quote["embed"] = {"$type": "app.bsky.embed.record#view",
                      "record": {"$type": "app.bsky.embed.record#viewNotFound", "uri": uri(DID_JO, "3kold"),
                                 "notFound": True}}
    return {"feed": [
        {"post": appeal},
        {"post": reply, "reply": {"root": appeal, "parent": appeal}},
        {"post": appeal, "reason": {"$type": "app.bsky.feed.defs#reasonRepost",
                                    "by": author(DID_SAM, "sam.bsky.social"), "indexedAt": "2024-06-01T11:00:00.000Z"}},
        {"post": appeal, "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": author(DID_JO, "jo.bsky.social"),
                                    "uri": f"at://{DID_JO}/app.bsky.feed.repost/3krp",
                                    "indexedAt": "2024-06-01T12:00:00Z"}},
        {"post": quote},
    ], "cursor": "2024-06-01T08:00:00.000Z"}


def test_every_fixture_is_detected_and_reconciles(project, shared_fixtures):
    files = sorted((shared_fixtures / "bluesky").glob("*.json"))
    assert len(files) == 4
    for path in files:
        assert detect_format(path).format == "bluesky", path.name
        report = import_file(project, path)
        assert report.reconciles and report.quarantined == 0, (path.name, report.quarantine_examples)
    assert project.scalar("SELECT count(*) FROM posts") == 4
    assert project.scalar("SELECT notice_type FROM notices") == "other_record"  # the feed generator record


def test_thread_with_record_with_media_quote(plain, shared_fixtures):
    import_file(plain, shared_fixtures / THREAD_MEDIA)
    rows = posts(plain)
    main = rows[uri("did:plc:kvwvcn5iqfooopmyzvb4qzba", "3kaheyt6vpc22")]
    quoted = uri("did:plc:kvwvcn5iqfooopmyzvb4qzba", "3kahesw26il2z")
    assert (main["kind"], main["quoted_post_id"], main["text"], main["language"]) == ("quote", quoted, None, "en")
    assert main["author_handle"] == "test.marshal.dev" and main["created_at"] == datetime(2023, 9, 28, 12, 49, 36,
                                                                                         735000)
    assert rows[quoted]["is_partial"] and rows[quoted]["text"] == "test"
    assert main["url"] == "https://bsky.app/profile/test.marshal.dev/post/3kaheyt6vpc22"


def test_repo_records_use_their_uri_and_the_did_as_author(plain, shared_fixtures):
    import_file(plain, shared_fixtures / "bluesky/atproto__post_record.json")
    (row,) = posts(plain).values()
    assert row["post_id"] == uri("did:plc:kvwvcn5iqfooopmyzvb4qzba", "3k2yihcrp6f2c")
    assert row["author_id"] == "did:plc:kvwvcn5iqfooopmyzvb4qzba" and row["text"] == "new text114"
    assert row["created_at"] == datetime(2024, 2, 22, 19, 58, 13, 903293)


def test_author_feed_reposts_replies_quotes_and_mentions(plain, tmp_path):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed(), ensure_ascii=False))
    assert detect_format(path).format == "bluesky"
    report = import_file(plain, path)
    # 5 feed posts + 2 reposts + reply.root and reply.parent expansions + 1 not-found quoted post
    assert (report.records_read, report.notices, report.quarantined, report.reconciles) == (10, 1, 0, True)
    rows = posts(plain)
    appeal, reply = rows[uri(DID_POLICE, "3kpolice1")], rows[uri(DID_JO, "3kjo1")]
    assert (appeal["like_count"], appeal["reply_count"], appeal["repost_count"]) == (3, 1, 2)
    assert (reply["kind"], reply["reply_to_post_id"], reply["conversation_id"]) == ("reply", appeal["post_id"],
                                                                                   appeal["post_id"])
    assert reply["reply_to_account_id"] == DID_POLICE and reply["text"] == "I did 🚗"
    assert reply["created_at"] == datetime(2024, 6, 1, 7, 15)
    synthetic = rows[f"repost:{DID_SAM}:{appeal['post_id']}"]
    assert (synthetic["kind"], synthetic["reposted_post_id"], synthetic["author_id"]) == ("repost", appeal["post_id"],
                                                                                          DID_SAM)
    assert synthetic["created_at"] == datetime(2024, 6, 1, 11)
    assert rows[f"at://{DID_JO}/app.bsky.feed.repost/3krp"]["kind"] == "repost"
    quote = rows[uri(DID_SAM, "3ksam1")]
    assert (quote["kind"], quote["quoted_post_id"]) == ("quote", uri(DID_JO, "3kold"))
    notice = plain.query("SELECT notice_type, post_id FROM notices")
    assert notice == [{"notice_type": "not_found", "post_id": uri(DID_JO, "3kold")}]
    mention = plain.query(f"SELECT account_id, handle FROM mentions WHERE post_id = '{appeal['post_id']}'")
    assert mention == [{"account_id": DID_JO, "handle": "jo.bsky.social"}]


def test_thread_walks_parents_and_replies_and_keeps_missing_nodes(plain, tmp_path):
    top = view(DID_POLICE, "northpolice.bsky.social", "3ka", "appeal")
    middle = view(DID_JO, "jo.bsky.social", "3kb", "answer",
                  reply={"root": {"uri": uri(DID_POLICE, "3kgone")}, "parent": {"uri": top["uri"]}})
    focus = view(DID_POLICE, "northpolice.bsky.social", "3kc", "thanks",
                 reply={"root": {"uri": uri(DID_POLICE, "3kgone")}, "parent": {"uri": middle["uri"]}})
    deep = view(DID_SAM, "sam.bsky.social", "3kd", "me too",
                reply={"root": {"uri": uri(DID_POLICE, "3kgone")}, "parent": {"uri": focus["uri"]}})
    deeper = view(DID_JO, "jo.bsky.social", "3ke", "great",
                  reply={"root": {"uri": uri(DID_POLICE, "3kgone")}, "parent": {"uri": deep["uri"]}})
    thread = {"thread": {
        "$type": "app.bsky.feed.defs#threadViewPost", "post": focus,
        "parent": {"$type": "app.bsky.feed.defs#threadViewPost", "post": middle,
                   "parent": {"$type": "app.bsky.feed.defs#threadViewPost", "post": top,
                              "parent": {"$type": "app.bsky.feed.defs#notFoundPost", "uri": uri(DID_POLICE, "3kgone"),
                                         "notFound": True}}},
        "replies": [
            {"$type": "app.bsky.feed.defs#threadViewPost", "post": deep,
             "replies": [{"$type": "app.bsky.feed.defs#threadViewPost", "post": deeper, "replies": []}]},
            {"$type": "app.bsky.feed.defs#blockedPost", "uri": uri(DID_SAM, "3kx"), "blocked": True,
             "author": {"did": DID_SAM, "viewer": {}}},
        ]}}
    path = tmp_path / "thread.json"
    path.write_text(json.dumps(thread))
    report = import_file(plain, path)
    assert (report.posts_new, report.notices, report.reconciles) == (5, 2, True)
    rows = posts(plain)
    assert rows[focus["uri"]]["reply_to_post_id"] == middle["uri"]
    assert rows[deeper["uri"]]["reply_to_post_id"] == deep["uri"]
    assert {r["conversation_id"] for r in rows.values() if r["post_id"] != top["uri"]} == {uri(DID_POLICE, "3kgone")}
    handles = {r["account_id"]: r["handle"] for r in plain.query("SELECT account_id, handle FROM accounts")}
    assert handles[DID_JO] == "jo.bsky.social"
    notices = {r["notice_type"]: r["post_id"] for r in plain.query("SELECT notice_type, post_id FROM notices")}
    assert notices == {"not_found": uri(DID_POLICE, "3kgone"), "blocked": uri(DID_SAM, "3kx")}


def test_bare_record_without_uri_is_rejected_with_the_reason(project, tmp_path):
    path = tmp_path / "record.json"
    path.write_text('{"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2024-01-01T00:00:00Z"}')
    assert detect_format(path).format == "bluesky"
    report = import_file(project, path)
    assert report.quarantined == 1 and "has no uri" in report.quarantine_examples[0]["reason"]


def test_bad_lines_truncation_encoding_and_types(project, tmp_path):
    good = view(DID_JO, "jo.bsky.social", "3k1", "fine")
    listed = view(DID_JO, "jo.bsky.social", "3k3", "y")
    listed["record"]["text"] = ["not", "text"]
    lines = [
        orjson.dumps(good),
        orjson.dumps(view(DID_JO, "jo.bsky.social", "3k2", "x", createdAt="yesterday")),
        orjson.dumps(listed),
        b'{"uri": "at://did:plc:x/app.bsky.feed.post/3k4", "author": {"did": "d"}, "record": {"text": "caf\xe9"}}',
        orjson.dumps({"uri": "https://example.org", "cid": "x"}),
        orjson.dumps(view(DID_JO, "jo.bsky.social", "3k5", "z" * 1_000_000)),
        b'{"uri": "at://did:plc:x/app.bsky.feed.post/3k6", "author"',
    ]
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(lines))
    report = import_file(project, path, format="bluesky")
    assert (report.posts_new, report.quarantined, report.reconciles) == (2, 5, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "unrecognised time" in reasons["line 2"] and "text is list" in reasons["line 3"]
    assert "UTF-8" in reasons["line 4"] and "not a Bluesky" in reasons["line 5"]
    assert "truncated" in reasons["line 7"]

    cut = tmp_path / "feed.json"
    text = json.dumps(feed(), indent=1)
    cut.write_text(text[: len(text) // 2])
    salvaged = import_file(project, cut)
    assert salvaged.format == "bluesky" and salvaged.quarantined == 1 and salvaged.posts_new >= 1
    assert salvaged.quarantine_examples[0]["location"].startswith("line ")


def test_empty_and_foreign_files(project, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text(" \n")
    assert "empty" in import_file(project, empty, format="bluesky").quarantine_examples[0]["reason"]
    foreign = tmp_path / "foreign.json"
    foreign.write_text('{"statuses": [1, 2]}')
    assert import_file(project, foreign).format == "unknown"
    forced = import_file(project, foreign, format="bluesky")
    assert "not a Bluesky feed" in forced.quarantine_examples[0]["reason"]
