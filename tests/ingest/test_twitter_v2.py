"""X/Twitter API v2 importer: every real sample file, the fields it fills, and bad input."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from peelian.ingest import import_file, pipeline
from tests.ingest.helpers import counts, lines, post_ids, quarantine

FOLDER = "twitter_v2"
# file → (records read, new posts, duplicates, notices, quarantined), each file into an empty project
EXPECTED = {
    "twarc-csv__cotweet.jsonl": (2, 1, 1, 0, 0),
    "twarc-csv__edited.jsonl": (3, 1, 1, 1, 0),
    "twarc-csv__edited_after.jsonl": (3, 1, 1, 1, 0),
    "twarc-csv__edited_before.jsonl": (3, 2, 0, 1, 0),
    "twarc-csv__flat.jsonl": (186, 164, 22, 0, 0),
    "twarc-csv__geo_tweets.jsonl": (3, 3, 0, 0, 0),
    "twarc-csv__many_urls.jsonl": (3, 2, 1, 0, 0),
    "twarc-csv__media_tweet.jsonl": (2, 1, 1, 0, 0),
    "twarc-csv__mentions_tweet.jsonl": (3, 2, 1, 0, 0),
    "twarc-csv__noflat.jsonl": (167, 164, 2, 1, 0),
    "twarc-csv__quoted_edit.jsonl": (4, 2, 1, 1, 0),
    "twarc-csv__streaming_output_with_error.jsonl": (12, 11, 0, 0, 1),
    "twarc-csv__tweets_compliance.jsonl": (2, 0, 0, 2, 0),
    "twarc-csv__two_tweets.jsonl": (2, 2, 0, 0, 0),
    "twarc-csv__verified_type.jsonl": (2, 1, 1, 0, 0),
    "tweepy__test_client_get_home_timeline.00.GET.200.json": (98, 98, 0, 0, 0),
    "tweepy__test_client_get_quote_tweets.00.GET.200.json": (9, 9, 0, 0, 0),
    "tweepy__test_client_get_tweet.00.GET.200.json": (1, 1, 0, 0, 0),
    "tweepy__test_client_search_recent_tweets.00.GET.200.json": (10, 10, 0, 0, 0),
}


def tweet(tweet_id: str, likes: int = 0, **extra) -> dict:
    return {"id": tweet_id, "text": f"post {tweet_id}", "author_id": "7", "created_at": "2024-05-01T08:00:00.000Z",
            "conversation_id": tweet_id, "lang": "en", "edit_history_tweet_ids": [tweet_id],
            "public_metrics": {"like_count": likes, "reply_count": 0, "retweet_count": 0, "quote_count": 0}, **extra}


def page(*tweets: dict, **extra) -> dict:
    return {"data": list(tweets), "includes": {"users": [{"id": "7", "username": "someone", "name": "Some One"}]},
            "meta": {"result_count": len(tweets)}, **extra}


# ---- the real samples ------------------------------------------------------------------------

def test_the_expectations_cover_every_sample_file(shared_fixtures):
    assert {p.name for p in (shared_fixtures / FOLDER).iterdir() if p.is_file()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_file_imports_with_counts_that_reconcile(project, shared_fixtures, name):
    report = import_file(project, shared_fixtures / FOLDER / name)
    assert report.format == "twitter-v2"
    assert report.reconciles
    assert counts(report) == EXPECTED[name]
    assert project.scalar("SELECT count(*) FROM posts") == report.posts_new


def test_flattened_reply_fields(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / "twarc-csv__flat.jsonl")
    row = plain.query("SELECT * FROM posts WHERE post_id = '1380242586288328707'")[0]
    assert row["author_id"] == "1910479285" and row["author_handle"] == "PDXPapaG"
    assert row["kind"] == "reply"
    assert row["reply_to_post_id"] == "1380229267770933248"
    assert row["reply_to_account_id"] == "1142605723601264640"
    assert row["conversation_id"] == "1380220754978086917"
    assert row["created_at"] == datetime(2021, 4, 8, 19, 34, 10)
    assert row["language"] == "en" and row["like_count"] == 0 and row["author_followers"] == 458
    assert row["text"].startswith("@TalkToTheFoot @JackPosobiec ")
    assert row["url"] == "https://x.com/i/web/status/1380242586288328707"
    mentioned = {r["handle"] for r in plain.query(
        "SELECT handle FROM mentions WHERE post_id = '1380242586288328707'")}
    assert mentioned == {"TalkToTheFoot", "JackPosobiec"}


def test_a_retweet_is_a_repost_without_the_originals_metrics(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / "twarc-csv__flat.jsonl")
    row = plain.query("SELECT * FROM posts WHERE post_id = '1380242611781386245'")[0]
    assert row["kind"] == "repost" and row["reposted_post_id"] == "1380175475545362437"
    # the file says retweet_count 410, like_count 0: both describe the original, not this repost
    assert (row["like_count"], row["repost_count"], row["reply_count"], row["quote_count"]) == (None,) * 4
    assert row["conversation_id"] == "1380242611781386245" and row["language"] == "es"


def test_expansions_are_partial_posts_and_errors_are_notices(plain, shared_fixtures):
    report = import_file(plain, shared_fixtures / FOLDER / "twarc-csv__noflat.jsonl")
    assert report.posts_new == 164
    assert plain.scalar("SELECT count(*) FROM posts WHERE is_partial") == 64
    # every partial post is the target of a full one: replied to, quoted or retweeted
    orphans = plain.scalar(
        "SELECT count(*) FROM posts p WHERE is_partial AND NOT EXISTS (SELECT 1 FROM posts c WHERE NOT c.is_partial "
        "AND p.post_id IN (c.reply_to_post_id, c.quoted_post_id, c.reposted_post_id))")
    assert orphans == 0
    notice = plain.query("SELECT * FROM notices")[0]
    assert notice["notice_type"] == "forbidden" and notice["location"] == "line 1, errors[0]"
    assert notice["account_id"] == "@gatewaypundit"  # a username error: the account as the pipeline names it


def test_flat_and_page_forms_of_the_same_tweets_agree(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / "twarc-csv__flat.jsonl")
    again = import_file(plain, shared_fixtures / FOLDER / "twarc-csv__noflat.jsonl")
    assert (again.posts_new, again.posts_updated) == (0, 0)


def test_edits_become_notices_and_the_latest_version_completes(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / "twarc-csv__edited_before.jsonl")
    assert plain.query("SELECT is_partial FROM posts WHERE post_id = '1576994789110992896'") == [
        {"is_partial": True}]
    after = import_file(plain, shared_fixtures / FOLDER / "twarc-csv__edited_after.jsonl")
    assert after.posts_updated == 1
    assert plain.query("SELECT is_partial FROM posts WHERE post_id = '1576994789110992896'") == [
        {"is_partial": False}]
    notices = plain.query("SELECT post_id, notice_type, detail FROM notices")
    assert {(n["post_id"], n["notice_type"]) for n in notices} == {("1576994746135764992", "edit_version")}
    assert all(orjson.loads(n["detail"]) == {"latest_version": "1576994789110992896"} for n in notices)


def test_views_compliance_and_truncated_stream(project, shared_fixtures):
    import_file(project, shared_fixtures / FOLDER / "twarc-csv__verified_type.jsonl")
    assert project.query("SELECT view_count, like_count FROM posts") == [{"view_count": 139075, "like_count": 745}]
    import_file(project, shared_fixtures / FOLDER / "twarc-csv__tweets_compliance.jsonl")
    assert project.query("SELECT notice_type, post_id, location FROM notices ORDER BY location") == [
        {"notice_type": "delete", "post_id": "1170025343920402432", "location": "line 2"},
        {"notice_type": "delete", "post_id": "1170147183095664640", "location": "line 3"}]
    import_file(project, shared_fixtures / FOLDER / "twarc-csv__streaming_output_with_error.jsonl")
    (bad,) = quarantine(project)
    assert bad["location"] == "line 8" and "truncated" in bad["reason"]


def test_citizen_handles_are_pseudonymised_by_default(project, shared_fixtures):
    import_file(project, shared_fixtures / FOLDER / "twarc-csv__flat.jsonl")
    import_file(project, shared_fixtures / FOLDER / "twarc-csv__noflat.jsonl")
    stored = str([project.query(f"SELECT * FROM {table}") for table in ("posts", "accounts", "mentions", "notices")])
    for handle in ("PDXPapaG", "JackPosobiec", "TalkToTheFoot", "gatewaypundit"):
        assert handle.lower() not in stored.lower()
    assert project.scalar("SELECT count(*) FROM accounts WHERE display_name IS NOT NULL") == 0
    assert project.scalar("SELECT count(*) FROM posts WHERE post_id = '1380242586288328707' "
                          "AND author_handle LIKE 'c\\_%' ESCAPE '\\'") == 1


# ---- bad input -----------------------------------------------------------------------------

def test_malformed_and_latin1_lines_are_quarantined_and_the_rest_imported(project, tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(lines(page(tweet("1")), b'{"data": [{"id": "2", "text": "oops"', page(tweet("3")),
                           b'{"data": [{"id": "4", "text": "caf\xe9", "edit_history_tweet_ids": ["4"]}]}',
                           page(tweet("5"))))
    report = import_file(project, path)
    assert counts(report) == (5, 3, 0, 0, 2) and report.reconciles
    assert post_ids(project) == {"1", "3", "5"}
    first, second = quarantine(project)
    assert first["location"] == "line 2" and "malformed JSON" in first["reason"]
    assert second["location"] == "line 4" and "not valid UTF-8 (byte 0xe9" in second["reason"]


def test_bad_first_line_does_not_hide_the_rest(project, tmp_path):
    path = tmp_path / "cut.jsonl"
    path.write_bytes(lines(b'tweet", "id": "1"}]}', page(tweet("2")), page(tweet("3"))))
    report = import_file(project, path, format="twitter-v2")
    assert counts(report) == (3, 2, 0, 0, 1)
    assert quarantine(project)[0]["location"] == "line 1"


def test_truncated_file_keeps_what_came_before(project, tmp_path):
    path = tmp_path / "stream.jsonl"
    path.write_bytes(lines(page(tweet("1")), page(tweet("2"))) + b'{"data": [{"id": "3", "te')
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    (bad,) = quarantine(project)
    assert bad["location"] == "line 3" and "truncated JSON at the end of the file" in bad["reason"]


def test_truncated_array_document_keeps_the_complete_tweets(project, tmp_path):
    flat = [tweet(str(i), author={"id": "7", "username": "someone"}) for i in (1, 2, 3)]
    text = orjson.dumps(flat, option=orjson.OPT_INDENT_2)
    path = tmp_path / "data_1.json"
    path.write_bytes(text[: text.index(b'"3"') + 10])
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    (bad,) = quarantine(project)
    assert bad["location"].startswith("line ") and "truncated JSON" in bad["reason"]
    assert "2 item(s) before it were read" in bad["reason"]


def test_wrong_types_are_quarantined_with_the_field_named(project, tmp_path):
    path = tmp_path / "types.jsonl"
    path.write_bytes(lines(page(tweet("1")), page({**tweet("x"), "id": {"nested": 1}}),
                           page({**tweet("3"), "created_at": "yesterday"}), page({**tweet("4"), "lang": ["en"]}),
                           page({**tweet("5"), "public_metrics": {"like_count": "lots"}})))
    report = import_file(project, path)
    assert counts(report) == (5, 1, 0, 0, 4) and report.reconciles
    reasons = [(q["location"], q["reason"]) for q in quarantine(project)]
    assert reasons[0][0] == "line 2, data[0]" and "tweet id" in reasons[0][1] and "not numeric" in reasons[0][1]
    assert reasons[1][0] == "line 3, data[0]" and "unrecognised time 'yesterday'" in reasons[1][1]
    assert reasons[2][0] == "line 4, data[0]" and "lang is list" in reasons[2][1]
    assert reasons[3][0] == "line 5, data[0]" and "not a count: 'lots'" in reasons[3][1]


def test_twarc_empty_object_placeholders_mean_missing(plain, tmp_path):
    flat = {**tweet("9"), "author": {}, "in_reply_to_user": {}, "referenced_tweets": {}, "conversation_id": {},
            "entities": {"mentions": {}}, "__twarc": {"version": "2.0"}}
    path = tmp_path / "flat.jsonl"
    path.write_bytes(lines(flat))
    report = import_file(plain, path)
    assert counts(report) == (1, 1, 0, 0, 0)
    row = plain.query("SELECT author_id, author_handle, conversation_id, kind FROM posts")[0]
    assert row == {"author_id": "7", "author_handle": None, "conversation_id": None, "kind": "original"}


def test_withheld_stubs_compliance_events_and_request_errors_are_notices(project, tmp_path):
    path = tmp_path / "mixed.jsonl"
    withheld = {"id": "20", "withheld": {"country_codes": ["DE"], "scope": "tweet"}}
    path.write_bytes(lines(
        page(tweet("1"), withheld, errors=[{"title": "Not Found Error", "resource_type": "tweet",
                                            "resource_id": "21", "detail": "Could not find tweet"}]),
        {"data": {"delete": {"tweet": {"id": "22", "author_id": "7"}, "event_at": "2024-05-01T09:00:00.000Z"}}},
        {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
    ))
    report = import_file(project, path)
    assert counts(report) == (5, 1, 0, 4, 0)
    notices = project.query("SELECT notice_type, post_id, account_id, location FROM notices ORDER BY location")
    assert [(n["notice_type"], n["post_id"]) for n in notices] == [
        ("withheld", "20"), ("not_found", "21"), ("delete", "22"), ("unauthorized", None)]


def test_includes_of_the_wrong_shape_do_not_lose_the_page(project, tmp_path):
    path = tmp_path / "odd.jsonl"
    path.write_bytes(lines({"data": [tweet("1"), "not a tweet", tweet("2")], "includes": ["users"]}))
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    assert quarantine(project)[0]["location"] == "line 1, data[1]"


def test_pretty_printed_page_is_read_whatever_its_extension(project, tmp_path):
    path = tmp_path / "response.txt"
    path.write_bytes(orjson.dumps(page(tweet("1"), tweet("2")), option=orjson.OPT_INDENT_2))
    report = import_file(project, path)
    assert report.format == "twitter-v2" and counts(report) == (2, 2, 0, 0, 0)


def test_huge_text_field_is_imported(project, tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_bytes(lines(page({**tweet("1"), "text": "x" * 5_000_000}), page(tweet("2"))))
    report = import_file(project, path)
    assert counts(report) == (2, 2, 0, 0, 0)
    assert project.scalar("SELECT length(text) FROM posts WHERE post_id = '1'") == 5_000_000


def test_empty_and_unknown_files_are_recorded_as_one_quarantined_record(project, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"\n  \n")
    report = import_file(project, empty)
    assert (report.records_read, report.quarantined, report.error) == (1, 1, "the file is empty")
    forced = import_file(project, empty, format="twitter-v2")
    assert counts(forced) == (1, 0, 0, 0, 1) and quarantine(project)[-1]["reason"] == "the file is empty"
    other = tmp_path / "other.json"
    other.write_bytes(orjson.dumps({"rows": [{"a": 1}]}))
    report = import_file(project, other)
    assert report.format == "unknown" and "not recognised" in report.error and report.reconciles


# ---- merging and transactions ----------------------------------------------------------------

def test_reimport_changes_nothing_and_later_metrics_update(project, shared_fixtures, tmp_path):
    sample = shared_fixtures / FOLDER / "twarc-csv__noflat.jsonl"
    first = import_file(project, sample)
    before = project.query("SELECT * FROM posts ORDER BY post_id")
    assert import_file(project, sample).skipped_identical_to == first.import_id
    forced = import_file(project, sample, force=True)
    assert (forced.posts_new, forced.posts_updated, forced.duplicates) == (0, 0, first.posts_new + first.duplicates)
    after = project.query("SELECT * FROM posts ORDER BY post_id")
    assert [{**r, "last_import_id": None} for r in after] == [{**r, "last_import_id": None} for r in before]

    import_file(project, _write(tmp_path / "a.jsonl", lines(page(tweet("1", likes=1), tweet("2")))))
    later = import_file(project, _write(tmp_path / "b.jsonl", lines(page(tweet("1", likes=9), tweet("2")))))
    assert (later.posts_new, later.posts_updated, later.duplicates) == (0, 1, 1)
    assert project.scalar("SELECT like_count FROM posts WHERE post_id = '1'") == 9


def test_an_import_that_fails_midway_changes_nothing(project, tmp_path, monkeypatch):
    import_file(project, _write(tmp_path / "a.jsonl", lines(page(tweet("1")))))
    snapshot = _snapshot(project)

    def failing(self, staged):
        raise RuntimeError("disk on fire")  # after the posts of the chunk were written

    monkeypatch.setattr(pipeline._Writer, "_merge_accounts", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(project, _write(tmp_path / "b.jsonl", lines(page(tweet("2"), tweet("3"), tweet("4")))))
    assert _snapshot(project) == snapshot


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _snapshot(project) -> dict[str, int]:
    return {t: project.scalar(f"SELECT count(*) FROM {t}")
            for t in ("posts", "accounts", "mentions", "notices", "quarantine", "imports")}
