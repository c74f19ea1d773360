"""Twitter API v1.1 importer: every real sample file, the fields it fills, stream messages,
cassettes, and bad input."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from peelian.ingest import import_file
from peelian.ingest.formats import twitter_v1
from tests.ingest.helpers import counts, lines, post_ids, quarantine

FOLDER = "twitter_v1"
STREAM = "python-twitter__streaming_lines.json"
# file → (records read, new posts, duplicates, notices, quarantined), each file into an empty project
EXPECTED = {
    "python-twitter__3.2_extended_tweet_in_compat_mode.json": (1, 1, 0, 0, 0),
    "python-twitter__3.2_extended_tweet_in_extended_mode.json": (1, 1, 0, 0, 0),
    "python-twitter__get_replies.json": (20, 20, 0, 0, 0),
    "python-twitter__get_retweets.json": (28, 15, 13, 0, 0),
    "python-twitter__get_status_promoted_video_tweet.json": (1, 1, 0, 0, 0),
    "python-twitter__get_user_timeline.json": (21, 21, 0, 0, 0),
    "python-twitter__models_status_quoted_tweet.json": (2, 2, 0, 0, 0),
    STREAM: (80, 79, 1, 0, 0),
    "python-twitter__streaming_streaming_extended_tweet.json": (1, 1, 0, 0, 0),
    "tweepy__testgetstatus.json": (1, 1, 0, 0, 0),
    "tweepy__testusertimeline.json": (24, 24, 0, 0, 0),
}


def status(status_id: str, likes: int = 0, **extra) -> dict:
    return {"created_at": "Wed Apr 06 19:13:37 +0000 2011", "id": int(status_id), "id_str": status_id,
            "text": f"status {status_id}", "lang": "en", "favorite_count": likes, "retweet_count": 0,
            "user": {"id": 7, "id_str": "7", "screen_name": "someone", "name": "Some One", "followers_count": 3},
            "entities": {"user_mentions": []}, **extra}


def write(path, data: bytes):
    path.write_bytes(data)
    return path


# ---- the real samples ------------------------------------------------------------------------

def test_the_expectations_cover_every_sample_file(shared_fixtures):
    assert {p.name for p in (shared_fixtures / FOLDER).iterdir() if p.is_file()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_file_imports_with_counts_that_reconcile(project, shared_fixtures, name):
    report = import_file(project, shared_fixtures / FOLDER / name)
    assert report.format == "twitter-v1"
    assert report.reconciles
    assert counts(report) == EXPECTED[name]


def test_stream_reply_fields(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / STREAM)
    row = plain.query("SELECT * FROM posts WHERE post_id = '972472983775338496'")[0]
    assert row["author_id"] == "17872077" and row["author_handle"] == "virginmedia"
    assert row["author_followers"] == 243704
    assert row["kind"] == "reply"
    assert row["reply_to_post_id"] == "972467368961216512"
    assert row["reply_to_account_id"] == "797815590501097473"
    assert row["conversation_id"] is None  # v1.1 has none; threads are rebuilt from reply_to_post_id
    assert row["created_at"] == datetime(2018, 3, 10, 14, 3, 21)
    assert row["language"] == "en" and row["like_count"] == 0 and row["reply_count"] == 0
    assert row["source_location"] == "line 12"
    assert plain.query("SELECT handle FROM mentions WHERE post_id = '972472983775338496'") == [
        {"handle": "HertsGTFC"}]
    assert plain.query("SELECT handle FROM accounts WHERE account_id = '797815590501097473'") == [
        {"handle": "HertsGTFC"}]


def test_extended_text_replaces_the_truncated_one(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / STREAM)
    row = plain.query("SELECT text, language, created_at FROM posts WHERE post_id = '972472958596866048'")[0]
    assert len(row["text"]) == 237 and row["language"] == "ar"
    assert row["created_at"] == datetime(2018, 3, 10, 14, 3, 15)
    import_file(plain, shared_fixtures / FOLDER / "python-twitter__streaming_streaming_extended_tweet.json")
    text = plain.scalar("SELECT text FROM posts WHERE post_id = '971726741583605760'")
    assert "ClouData & Multiverse" in text and "&amp;" not in text  # full_text, HTML entities undone


def test_compat_then_extended_mode_completes_the_text(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / "python-twitter__3.2_extended_tweet_in_compat_mode.json")
    assert plain.scalar("SELECT text FROM posts").endswith("https://t.co/et3OTOxWSa")
    extended = shared_fixtures / FOLDER / "python-twitter__3.2_extended_tweet_in_extended_mode.json"
    later = import_file(plain, extended)
    assert (later.posts_new, later.posts_updated) == (0, 1)
    assert plain.scalar("SELECT text FROM posts").endswith("egg-info/SOURCE https://t.co/JWSPztfoyt")


def test_retweets_are_reposts_and_the_original_is_a_partial_post(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / "python-twitter__get_retweets.json")
    reposts = plain.query("SELECT * FROM posts WHERE kind = 'repost'")
    assert len(reposts) == 14 and {r["reposted_post_id"] for r in reposts} == {"397"}
    assert all(r["like_count"] is None and r["repost_count"] is None for r in reposts)
    original = plain.query("SELECT * FROM posts WHERE post_id = '397'")[0]
    assert original["is_partial"] and original["author_handle"] == "jack" and original["text"] == "getting waxed!"
    assert (original["like_count"], original["repost_count"]) == (167, 153)
    assert original["created_at"] == datetime(2006, 3, 26, 19, 17, 8)


def test_quotes_keep_the_quoted_post(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / STREAM)
    quote = plain.query("SELECT kind, quoted_post_id, conversation_id FROM posts "
                             "WHERE post_id = '972472958601056256'")[0]
    assert quote == {"kind": "quote", "quoted_post_id": "972472152447438859", "conversation_id": "972472958601056256"}
    quoted = plain.query("SELECT author_handle, is_partial, like_count, source_location FROM posts "
                              "WHERE post_id = '972472152447438859'")[0]
    assert quoted == {"author_handle": "TheGillsFC", "is_partial": True, "like_count": 15,
                      "source_location": "line 4, quoted_status"}


def test_cassette_bodies_are_read(plain, shared_fixtures):
    report = import_file(plain, shared_fixtures / FOLDER / "tweepy__testusertimeline.json")
    assert report.posts_new == 24
    row = plain.query("SELECT * FROM posts WHERE post_id = '1341793727208181762'")[0]
    assert (row["author_handle"], row["kind"], row["reply_to_post_id"]) == ("Twitter", "reply", "1341404809354760192")
    assert row["source_location"] == "interaction 2 (GET /1.1/statuses/user_timeline.json), item 1"


def test_citizen_handles_are_pseudonymised_by_default(project, shared_fixtures):
    import_file(project, shared_fixtures / FOLDER / STREAM)
    stored = str([project.query(f"SELECT * FROM {table}") for table in ("posts", "accounts", "mentions")])
    for handle in ("virginmedia", "HertsGTFC", "TheGillsFC", "Ali_Dokhikh"):
        assert handle.lower() not in stored.lower()
    assert project.scalar("SELECT count(*) FROM accounts WHERE display_name IS NOT NULL") == 0


def test_times_with_an_offset_become_utc_and_stream_times_fall_back_to_timestamp_ms(project, tmp_path):
    no_time = status("2")
    del no_time["created_at"]
    path = write(tmp_path / "stream.json", lines(status("1", created_at="Wed Apr 06 19:13:37 +0200 2011"),
                                                 {**no_time, "timestamp_ms": "1520690595660"}))
    import_file(project, path)
    assert project.query("SELECT post_id, created_at FROM posts ORDER BY post_id") == [
        {"post_id": "1", "created_at": datetime(2011, 4, 6, 17, 13, 37)},
        {"post_id": "2", "created_at": datetime(2018, 3, 10, 14, 3, 15, 660000)}]


# ---- wrappers and stream messages --------------------------------------------------------------

def test_search_and_premium_wrappers(project, tmp_path):
    search = {"statuses": [status("1"), status("2")], "search_metadata": {"count": 2}}
    premium = {"results": [status("3", reply_count=4, quote_count=5)], "next": "abc", "requestParameters": {}}
    assert counts(import_file(project, write(tmp_path / "search.json", orjson.dumps(search)))) == (2, 2, 0, 0, 0)
    assert counts(import_file(project, write(tmp_path / "premium.json", orjson.dumps(premium)))) == (1, 1, 0, 0, 0)
    assert project.query("SELECT reply_count, quote_count, source_location FROM posts WHERE post_id = '3'") == [
        {"reply_count": 4, "quote_count": 5, "source_location": "line 1, results[0]"}]


def test_stream_messages_become_notices_never_rejects(project, tmp_path):
    path = write(tmp_path / "stream.json", lines(
        status("1"),
        {"delete": {"status": {"id": 2, "id_str": "2", "user_id": 7, "user_id_str": "7"}, "timestamp_ms": "1"}},
        {"limit": {"track": 12, "timestamp_ms": "1"}},
        {"warning": {"code": "FALLING_BEHIND", "message": "behind", "percent_full": 60}},
        {"friends": [1, 2, 3]},
        {"event": "favorite", "source": {"id_str": "8"}, "target": {"id_str": "7"}, "target_object": status("1")},
        {"scrub_geo": {"user_id_str": "7", "up_to_status_id_str": "1"}},
        {"status_withheld": {"id": 4, "user_id": 7, "withheld_in_countries": ["DE"]}},
        {"direct_message": {"text": "private words", "sender_screen_name": "someone"}},
        {"disconnect": {"code": 4, "stream_name": "someone-statuses", "reason": "duplicate"}},
        status("5"),
    ))
    report = import_file(project, path)
    assert counts(report) == (11, 2, 0, 9, 0)
    notices = project.query("SELECT notice_type, post_id, detail FROM notices ORDER BY rowid")
    assert [(n["notice_type"], n["post_id"]) for n in notices] == [
        ("delete", "2"), ("limit", None), ("warning", None), ("friends", None), ("event", "1"),
        ("scrub_geo", "1"), ("withheld", "4"), ("direct_message", None), ("disconnect", None)]
    stored = str(notices)
    assert "private words" not in stored and "someone" not in stored


def test_api_errors_and_other_cassette_responses_are_notices(project, tmp_path):
    cassette = {"version": 1, "interactions": [
        {"request": {"method": "GET", "uri": "https://api.twitter.com/1.1/statuses/show.json?id=1"},
         "response": {"status": {"code": 200}, "body": {"string": orjson.dumps(status("1")).decode()}}},
        {"request": {"method": "GET", "uri": "https://api.twitter.com/1.1/users/show.json?screen_name=x"},
         "response": {"status": {"code": 200}, "body": {"string": '{"id_str": "7", "screen_name": "x"}'}}},
        {"request": {"method": "GET", "uri": "https://api.twitter.com/1.1/statuses/show.json?id=2"},
         "response": {"status": {"code": 404},
                      "body": {"string": '{"errors": [{"code": 144, "message": "No status found with that ID."}]}'}}},
        {"request": {"method": "GET", "uri": "https://api.twitter.com/1.1/statuses/show.json?id=3"},
         "response": {"status": {"code": 200}, "body": {"string": "<html>gateway timeout"}}},
    ]}
    report = import_file(project, write(tmp_path / "cassette.json", orjson.dumps(cassette, option=orjson.OPT_INDENT_2)))
    assert report.format == "twitter-v1" and counts(report) == (4, 1, 0, 2, 1)
    assert [n["notice_type"] for n in project.query("SELECT notice_type FROM notices ORDER BY rowid")] == [
        "other_response", "not_found"]
    (bad,) = quarantine(project)
    assert bad["location"] == "interaction 4 (GET /1.1/statuses/show.json)" and "not readable JSON" in bad["reason"]


# ---- bad input -----------------------------------------------------------------------------

def test_malformed_and_latin1_lines_are_quarantined_and_the_rest_imported(project, tmp_path):
    path = write(tmp_path / "stream.json", lines(
        status("1"), b'{"id_str": "2", "text": "oops", ', status("3"),
        b'{"id_str": "4", "text": "caf\xe9", "user": {}}', status("5")))
    report = import_file(project, path)
    assert counts(report) == (5, 3, 0, 0, 2) and report.reconciles
    assert post_ids(project) == {"1", "3", "5"}
    first, second = quarantine(project)
    assert first["location"] == "line 2" and "malformed JSON" in first["reason"]
    assert second["location"] == "line 4" and "not valid UTF-8 (byte 0xe9" in second["reason"]


def test_truncated_timeline_keeps_the_complete_statuses(project, tmp_path):
    text = orjson.dumps([status("1"), status("2"), status("3")], option=orjson.OPT_INDENT_2)
    path = write(tmp_path / "timeline.json", text[: text.rindex(b'"id_str"')])
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    (bad,) = quarantine(project)
    assert bad["location"].startswith("line ") and "truncated JSON" in bad["reason"]


def test_latin1_document_names_the_line_of_the_bad_byte(project, tmp_path):
    body = orjson.dumps([status("1"), status("2", text="Polizei-Einsatz in K\u00f6ln")], option=orjson.OPT_INDENT_2)
    path = write(tmp_path / "timeline.json", body.decode().encode("latin-1"))
    report = import_file(project, path)
    assert counts(report) == (2, 1, 0, 0, 1)
    (bad,) = quarantine(project)
    line = body.decode()[: body.decode().index("K\u00f6ln")].count("\n") + 1
    assert bad["location"].startswith(f"line {line},") and "not valid UTF-8 (byte 0xf6)" in bad["reason"]


def test_wrong_types_are_quarantined_with_the_field_named(project, tmp_path):
    no_id_str = status("6")
    del no_id_str["id_str"]
    path = write(tmp_path / "types.json", lines(
        status("1"), {**status("2"), "id_str": {"nested": 1}}, status("3", created_at="Someday soon"),
        status("4", user="someone"), status("5", text=["a", "list"]), no_id_str))
    report = import_file(project, path)
    assert counts(report) == (6, 1, 0, 0, 5) and report.reconciles
    reasons = {q["location"]: q["reason"] for q in quarantine(project)}
    assert "id_str" in reasons["line 2"] and "not a numeric id" in reasons["line 2"]
    assert "unrecognised time 'Someday soon'" in reasons["line 3"]
    assert "user is str" in reasons["line 4"]
    assert "text is list" in reasons["line 5"]
    assert "no id_str" in reasons["line 6"]


def test_unknown_objects_in_a_stream_are_rejected_with_their_keys(project, tmp_path):
    path = write(tmp_path / "stream.json", lines(status("1"), {"weather": "rain"}, [status("2")]))
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    (bad,) = quarantine(project)
    assert bad["location"] == "line 2" and "keys: weather" in bad["reason"]


def test_huge_text_field_is_imported(project, tmp_path):
    path = write(tmp_path / "huge.json", lines(status("1", text="y" * 5_000_000), status("2")))
    report = import_file(project, path)
    assert counts(report) == (2, 2, 0, 0, 0)
    assert project.scalar("SELECT length(text) FROM posts WHERE post_id = '1'") == 5_000_000


def test_empty_and_unknown_files_are_recorded_as_one_quarantined_record(project, tmp_path):
    report = import_file(project, write(tmp_path / "empty.json", b""))
    assert (report.records_read, report.quarantined, report.error) == (1, 1, "the file is empty")
    report = import_file(project, write(tmp_path / "other.json", orjson.dumps([{"name": "not a status"}])))
    assert report.format == "unknown" and "not recognised" in report.error and report.reconciles
    forced = import_file(project, tmp_path / "other.json", format="twitter-v1")
    assert counts(forced) == (1, 0, 0, 0, 1)
    assert "not a Twitter v1.1 status" in quarantine(project)[-1]["reason"]


# ---- merging and transactions ----------------------------------------------------------------

def test_reimport_changes_nothing_and_later_metrics_update(project, shared_fixtures, tmp_path):
    sample = shared_fixtures / FOLDER / STREAM
    first = import_file(project, sample)
    before = project.query("SELECT * EXCLUDE (last_import_id) FROM posts ORDER BY post_id")
    assert import_file(project, sample).skipped_identical_to == first.import_id
    forced = import_file(project, sample, force=True)
    assert (forced.posts_new, forced.posts_updated, forced.duplicates) == (0, 0, 80)
    assert project.query("SELECT * EXCLUDE (last_import_id) FROM posts ORDER BY post_id") == before

    import_file(project, write(tmp_path / "a.json", lines(status("1", likes=1), status("2"))))
    later = import_file(project, write(tmp_path / "b.json", lines(status("1", likes=9), status("2"))))
    assert (later.posts_new, later.posts_updated, later.duplicates) == (0, 1, 1)
    assert project.scalar("SELECT like_count FROM posts WHERE post_id = '1'") == 9


def test_an_import_that_fails_midway_changes_nothing(project, tmp_path, monkeypatch):
    import_file(project, write(tmp_path / "a.json", lines(status("1"))))
    snapshot = _snapshot(project)
    real, calls = twitter_v1.status_post, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(twitter_v1, "status_post", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(project, write(tmp_path / "b.json", lines(status("2"), status("3"), status("4"))))
    assert _snapshot(project) == snapshot


def _snapshot(project) -> dict[str, int]:
    return {t: project.scalar(f"SELECT count(*) FROM {t}")
            for t in ("posts", "accounts", "mentions", "notices", "quarantine", "imports")}
