"""Mastodon REST statuses and the archive outbox: real Mastodon.py responses, and broken files."""

from __future__ import annotations

import json
from datetime import datetime

import orjson

from peelian.ingest import detect_format, import_file
from tests.ingest.helpers import posts

FOLDER = "mastodon"
STATUS = "mastodon/Mastodon.py__test_entity_status.00.GET.200.json"
MEDIA = "mastodon/Mastodon.py__test_entity_mediaattachment.00.GET.200.json"
QUOTE = "mastodon/Mastodon.py__test_entity_quote.00.GET.200.json"
CONTEXT = "mastodon/Mastodon.py__test_entity_context.00.GET.200.json"
REBLOG = "mastodon/Mastodon.py__test_status_reblog_unreblog.01.POST.200.json"
REPLY = "mastodon/Mastodon.py__test_status_reply.02.POST.200.json"
HOME = "mastodon/Mastodon.py__test_home_tl.01.GET.200.json"


def test_every_fixture_is_detected_and_reconciles(project, shared_fixtures):
    files = sorted((shared_fixtures / FOLDER).glob("*.json"))
    assert len(files) >= 13
    for path in files:
        assert detect_format(path).format == "mastodon", path.name
        report = import_file(project, path)
        assert report.reconciles and report.quarantined == 0, (path.name, report.quarantine_examples)
    assert project.scalar("SELECT count(*) FROM posts WHERE platform = 'mastodon'") == 23


def test_status_html_content_warning_author_and_metrics(plain, shared_fixtures):
    import_file(plain, shared_fixtures / STATUS)
    post = posts(plain)["110446223051565765"]
    assert post["text"] == ("test post for mastodon.py stuff\n\n@halcy you're a doo-doo head\n\n"
                            "edit: editing this to have the maximum amount of fields filled :trans_heart: "
                            "#ThisIsAHashtag")
    assert post["author_handle"] == "halcy@icosahedron.website" and post["author_id"] == "23972"
    assert post["created_at"] == datetime(2023, 5, 28, 12, 6, 50)
    assert (post["kind"], post["language"], post["like_count"], post["author_followers"]) == ("original", "de", 1,
                                                                                             3553)
    assert post["conversation_id"] == "110446223051565765"
    assert post["url"] == "https://icosahedron.website/@halcy/110446222386355655"
    mentions = plain.query("SELECT handle FROM mentions WHERE post_id = '110446223051565765'")
    assert mentions == [{"handle": "halcy@icosahedron.website"}]


def test_reply_keeps_the_missing_parent_and_its_authors_handle(plain, shared_fixtures):
    import_file(plain, shared_fixtures / MEDIA)
    import_file(plain, shared_fixtures / REPLY)
    rows = posts(plain)
    remote = rows["110447012773105565"]
    assert (remote["kind"], remote["reply_to_post_id"], remote["reply_to_account_id"]) == (
        "reply", "110447003454258227", "43")
    assert remote["text"] == "@halcy@mastodon.social audio post, but remote"
    assert remote["created_at"] == datetime(2023, 5, 28, 15, 27, 44)
    local = rows["117020583258292382"]
    assert local["reply_to_post_id"] == "117020583245459824"
    handles = {r["account_id"]: r["handle"] for r in plain.query("SELECT account_id, handle FROM accounts")}
    assert handles["43"] == "halcy" and handles["117020566092212359"] == "mastodonpy_test_2"
    assert "110447003454258227" not in rows  # the parent is a reference only


def test_reblog_is_a_repost_plus_the_partial_original(plain, shared_fixtures):
    report = import_file(plain, shared_fixtures / REBLOG)
    assert (report.records_read, report.posts_new) == (2, 2)
    rows = posts(plain)
    wrapper, original = rows["117020586027094262"], rows["117020586019094258"]
    assert (wrapper["kind"], wrapper["reposted_post_id"], wrapper["text"]) == ("repost", "117020586019094258", None)
    assert (original["is_partial"], original["text"], original["repost_count"]) == (True, "Toot!", 1)


def test_quote_chain_and_quote_inline_fallback_dropped(plain, shared_fixtures):
    import_file(plain, shared_fixtures / QUOTE)
    rows = posts(plain)
    top, middle = rows["115044073088181107"], rows["115044070560414080"]
    assert top["quoted_post_id"] == "115044070560414080" and top["kind"] == "reply"
    assert top["text"] == "actual reply that quotes a post that quotes a post bsky.app/profile/h4lc..."
    assert middle["is_partial"] and middle["quoted_post_id"] == "115044056977193502"
    name = plain.scalar("SELECT display_name FROM accounts WHERE account_id = '115043949422165680'")
    assert name is None  # display_name "" is no name


def test_context_gives_the_root_as_conversation(plain, shared_fixtures):
    import_file(plain, shared_fixtures / CONTEXT)
    rows = posts(plain)
    assert {r["conversation_id"] for r in rows.values()} == {"110446983178245440"}
    assert rows["110446984249325790"]["reply_to_post_id"] == "110446983926957470"


def test_error_edit_history_and_account_bodies(plain, shared_fixtures):
    missing = import_file(plain, shared_fixtures / "mastodon/Mastodon.py__test_status_missing.00.GET.404.json")
    edits = import_file(plain, shared_fixtures / "mastodon/Mastodon.py__test_entity_statusedit.00.GET.200.json")
    account = import_file(plain, shared_fixtures / "mastodon/Mastodon.py__test_status_reply.01.GET.200.json")
    assert (missing.notices, edits.notices, account.accounts_seen, account.records_read) == (1, 2, 1, 0)
    types = [r["notice_type"] for r in plain.query("SELECT notice_type FROM notices ORDER BY location")]
    assert sorted(types) == ["edit_version", "edit_version", "not_found"]
    assert plain.scalar("SELECT handle FROM accounts WHERE account_id = '117020565693913441'") == "admin"


def test_citizen_handles_are_pseudonymised_by_default(project, shared_fixtures):
    import_file(project, shared_fixtures / HOME)
    handles = {r["author_handle"] for r in project.query("SELECT author_handle FROM posts")}
    assert "admin" not in handles and "mastodonpy_test" not in handles
    texts = " ".join(r["text"] for r in project.query("SELECT text FROM posts WHERE text LIKE '%@%'"))
    assert "@mastodonpy_test " not in texts


OUTBOX = """{"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json",
 "type": "OrderedCollection", "totalItems": 2, "orderedItems": [], "orderedItems": [
  {"id": "https://police.example/users/northpolice/statuses/1001/activity", "type": "Create",
   "actor": "https://police.example/users/northpolice", "published": "2024-03-01T09:00:00Z",
   "object": {"id": "https://police.example/users/northpolice/statuses/1001", "type": "Note",
     "summary": null, "inReplyTo": null, "published": "2024-03-01T09:00:00Z",
     "url": "https://police.example/@northpolice/1001",
     "attributedTo": "https://police.example/users/northpolice",
     "conversation": "tag:police.example,2024-03-01:objectId=1001:objectType=Conversation",
     "content": "<p>Road closed on the A1.<br>Please avoid the area.</p>", "contentMap": {"en": "<p>x</p>"},
     "tag": [], "attachment": []}},
  {"id": "https://police.example/users/northpolice/statuses/1002/activity", "type": "Create",
   "actor": "https://police.example/users/northpolice", "published": "2024-03-01T10:30:00Z",
   "object": {"id": "https://police.example/users/northpolice/statuses/1002", "type": "Note",
     "summary": "traffic", "inReplyTo": "https://social.example/users/jo/statuses/555",
     "published": "2024-03-01T10:30:00Z", "attributedTo": "https://police.example/users/northpolice",
     "content": "<p><a href=\\"https://social.example/@jo\\" class=\\"mention\\">@<span>jo</span></a> open again</p>",
     "contentMap": {"en": "..."},
     "tag": [{"type": "Mention", "href": "https://social.example/users/jo", "name": "@jo@social.example"}]}},
  {"id": "https://police.example/users/northpolice/statuses/1003/activity", "type": "Announce",
   "actor": "https://police.example/users/northpolice", "published": "2024-03-02T08:00:00Z",
   "object": "https://social.example/users/jo/statuses/777"},
  {"id": "https://police.example/users/northpolice#likes/1", "type": "Like",
   "actor": "https://police.example/users/northpolice", "object": "https://social.example/users/jo/statuses/9"}
 ]}"""


def test_archive_outbox_with_duplicate_ordered_items_key(plain, tmp_path):
    path = tmp_path / "outbox.json"
    path.write_text(OUTBOX)
    assert detect_format(path).format == "mastodon"
    report = import_file(plain, path)
    assert (report.posts_new, report.notices, report.quarantined, report.reconciles) == (3, 1, 0, True)
    rows = posts(plain)
    assert rows["1001"]["text"] == "Road closed on the A1.\nPlease avoid the area."
    assert rows["1001"]["language"] == "en" and rows["1001"]["created_at"] == datetime(2024, 3, 1, 9)
    assert rows["1001"]["author_handle"] == "northpolice"
    reply = rows["1002"]
    assert (reply["kind"], reply["reply_to_post_id"]) == ("reply", "https://social.example/users/jo/statuses/555")
    assert reply["text"] == "traffic\n\n@jo open again"
    boost = rows["1003"]
    assert (boost["kind"], boost["reposted_post_id"]) == ("repost", "https://social.example/users/jo/statuses/777")


def _status(status_id: str, text: str = "hello", **extra) -> dict:
    return {"id": status_id, "created_at": "2024-05-01T12:00:00.000Z", "in_reply_to_id": None,
            "in_reply_to_account_id": None, "uri": f"https://m.example/users/a/statuses/{status_id}",
            "url": f"https://m.example/@a/{status_id}", "content": f"<p>{text}</p>", "spoiler_text": "",
            "language": "en", "favourites_count": 0, "replies_count": 0, "reblogs_count": 0,
            "account": {"id": "7", "acct": "a", "username": "a", "display_name": "A", "followers_count": 3},
            "mentions": [], "reblog": None, **extra}


def test_truncated_timeline_keeps_the_statuses_before_the_cut(project, tmp_path):
    text = json.dumps([_status("1"), _status("2"), _status("3")], indent=1)
    path = tmp_path / "timeline.json"
    path.write_text(text[: text.index('"id": "3"') + 12])
    report = import_file(project, path)
    assert (report.format, report.posts_new, report.quarantined, report.reconciles) == ("mastodon", 2, 1, True)
    (problem,) = report.quarantine_examples
    assert problem["location"].startswith("line ") and "truncated" in problem["reason"]


def test_bad_lines_are_quarantined_by_line_and_the_rest_imported(project, tmp_path):
    lines = [
        orjson.dumps(_status("1")),
        b'{"id": "2", "content": "<p>cut',
        orjson.dumps(_status("3", favourites_count="many")),
        orjson.dumps(_status("4", content=5)),
        orjson.dumps({"id": "5", "account": "not an object", "content": "x", "uri": "u"}),
        orjson.dumps(_status("6", text="caf\u00e9")).replace("caf\u00e9".encode(), b"caf\xe9"),
        orjson.dumps(_status("7", text="x" * 2_000_000)),
    ]
    path = tmp_path / "statuses.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = import_file(project, path, format="mastodon")
    assert (report.posts_new, report.quarantined, report.reconciles) == (2, 5, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "malformed JSON" in reasons["line 2"]
    assert "not a count" in reasons["line 3"] and "content" in reasons["line 4"]
    assert "not a Mastodon status" in reasons["line 5"] and "UTF-8" in reasons["line 6"]
    assert project.scalar("SELECT length(text) FROM posts WHERE post_id = '7'") == 2_000_000


def test_empty_and_unknown_files(project, tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    report = import_file(project, empty, format="mastodon")
    assert report.quarantined == 1 and "empty" in report.quarantine_examples[0]["reason"]
    other = tmp_path / "other.json"
    other.write_text('{"foo": 1}')
    detected = import_file(project, other)
    assert detected.format == "unknown" and "not recognised" in detected.error
    forced = import_file(project, other, format="mastodon")
    assert forced.quarantined == 1 and "not a Mastodon status" in forced.quarantine_examples[0]["reason"]
