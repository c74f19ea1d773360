"""X personal archive importer: every real sample file, the author from manifest.js, deleted and
long posts, edits, other archive files, and bad input."""

from __future__ import annotations

import shutil
from datetime import datetime

import orjson
import pytest

from peelian.errors import NoPostsError
from peelian.ingest import import_file
from peelian.ingest.formats import detect_format, twitter_archive
from tests.ingest.helpers import counts, post_ids

FOLDER = "twitter_archive"
TWEETS = "milahu__tweets.js"
OWNER_ID = "1964312974236991488"
# file → (records read, new posts, duplicates, notices, quarantined), each file into an empty project
EXPECTED = {
    "milahu__community-tweet.js": (3, 3, 0, 0, 0),
    "milahu__deleted-tweets.js": (47, 0, 0, 47, 0),
    "milahu__manifest.js": (1, 0, 0, 1, 0),
    "milahu__note-tweet.js": (0, 0, 0, 0, 0),
    TWEETS: (2045, 2045, 0, 0, 0),
}
MANIFEST = ('window.__THAR_CONFIG = {"userInfo": {"accountId": "42", "userName": "ArchiveOwner", '
            '"displayName": "Archive Owner"}}')


def tweet(tweet_id: str, text: str | None = None, likes: str = "0", **extra) -> dict:
    return {"tweet": {"id_str": tweet_id, "id": tweet_id, "created_at": "Fri Mar 06 13:02:05 +0000 2026",
                      "full_text": text or f"post {tweet_id}", "lang": "en", "favorite_count": likes,
                      "retweet_count": "0", "entities": {"user_mentions": [], "urls": []}, **extra}}


def archive(folder, records: list, name: str = "tweets.js", dataset: str = "tweets", manifest: bool = True):
    folder.mkdir(exist_ok=True)
    if manifest:
        (folder / "manifest.js").write_text(MANIFEST)
    path = folder / name
    path.write_bytes(f"window.YTD.{dataset}.part0 = ".encode() + orjson.dumps(records, option=orjson.OPT_INDENT_2))
    return path


def quarantine(project) -> list[dict]:
    return project.query("SELECT location, reason, raw_excerpt FROM quarantine ORDER BY rowid")


# ---- the real samples ------------------------------------------------------------------------

def test_the_expectations_cover_every_sample_file(shared_fixtures):
    assert {p.name for p in (shared_fixtures / FOLDER).iterdir() if p.is_file()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_file_imports_with_counts_that_reconcile(project, shared_fixtures, name):
    # detection turns manifest.js away (it holds no posts); named as the format, it is one notice
    report = import_file(project, shared_fixtures / FOLDER / name,
                         format="twitter-archive" if name == "milahu__manifest.js" else None)
    assert report.format == "twitter-archive"
    assert report.reconciles
    assert counts(report) == EXPECTED[name]


def test_tweets_take_their_author_from_the_manifest_beside_them(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / TWEETS)
    assert plain.query("SELECT DISTINCT author_id, author_handle FROM posts") == [
        {"author_id": OWNER_ID, "author_handle": "milahu104"}]
    assert plain.query("SELECT handle, display_name FROM accounts WHERE account_id = ?", [OWNER_ID]) == [
        {"handle": "milahu104", "display_name": "Milan Hauth"}]


def test_reply_fields_numbers_as_strings_and_quote_links(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / TWEETS)
    row = plain.query("SELECT * FROM posts WHERE post_id = '2029905358261502168'")[0]
    assert row["kind"] == "reply" and row["reply_to_post_id"] == "2029903943413772741"
    assert row["reply_to_account_id"] == OWNER_ID and row["conversation_id"] is None
    assert row["quoted_post_id"] == "2027739112069878026"  # kept only as an x.com/…/status/<id> link
    assert row["created_at"] == datetime(2026, 3, 6, 13, 2, 5) and row["language"] == "qme"
    assert plain.query("SELECT handle FROM mentions WHERE post_id = '2029905358261502168'") == [
        {"handle": "SamaHoole"}]
    liked = plain.query("SELECT like_count, repost_count FROM posts WHERE post_id = '2029542693773160652'")
    assert liked == [{"like_count": 3, "repost_count": 1}]
    quote = plain.query("SELECT kind, quoted_post_id, conversation_id FROM posts "
                             "WHERE post_id = '2029113669670334850'")
    assert quote == [{"kind": "quote", "quoted_post_id": "2029076181236994546",
                      "conversation_id": "2029113669670334850"}]
    text = plain.scalar("SELECT text FROM posts WHERE post_id = '2029612798058148140'")
    assert text.startswith("@KimDotcom > X is censored")


def test_retweets_are_known_only_by_their_prefix(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / TWEETS)
    row = plain.query("SELECT * FROM posts WHERE post_id = '2029604193200152772'")[0]
    assert row["kind"] == "repost" and row["reposted_post_id"] is None
    assert row["like_count"] is None and row["repost_count"] is None
    assert plain.scalar("SELECT count(*) FROM posts WHERE kind = 'repost'") == 239
    assert plain.scalar("SELECT count(*) FROM posts WHERE kind = 'repost' AND NOT starts_with(text, 'RT @')") == 0


def test_a_mention_without_a_parent_post_is_not_a_reply(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / TWEETS)
    row = plain.query("SELECT kind, reply_to_post_id, reply_to_account_id FROM posts "
                           "WHERE post_id = '2024767818445504644'")[0]
    assert row == {"kind": "original", "reply_to_post_id": None, "reply_to_account_id": "1720665183188922368"}


def test_deleted_tweets_are_delete_notices_without_text(plain, shared_fixtures):
    import_file(plain, shared_fixtures / FOLDER / "milahu__deleted-tweets.js")
    first = plain.query("SELECT * FROM notices ORDER BY rowid LIMIT 1")[0]
    assert (first["notice_type"], first["post_id"], first["account_id"], first["location"]) == (
        "delete", "2029583929812873669", OWNER_ID, "item 1")
    assert orjson.loads(first["detail"]) == {"created_at": "2026-03-05T15:44:51", "deleted_at": "2026-03-05T16:08:05"}
    assert "israel" not in str(plain.query("SELECT * FROM notices")).lower()  # the deleted text is not kept
    assert plain.scalar("SELECT count(*) FROM posts") == 0


def test_manifest_alone_is_refused_saying_what_to_import_or_one_notice_when_named(project, shared_fixtures):
    with pytest.raises(NoPostsError, match="manifest.js: it describes the archive and holds no posts; import "
                                           "data/tweets.js"):
        detect_format(shared_fixtures / FOLDER / "milahu__manifest.js")
    refused = import_file(project, shared_fixtures / FOLDER / "milahu__manifest.js")
    assert (refused.format, refused.quarantined) == ("unknown", 1) and "tweets.js" in refused.error
    import_file(project, shared_fixtures / FOLDER / "milahu__manifest.js", format="twitter-archive")
    (notice,) = project.query("SELECT * FROM notices")
    detail = orjson.loads(notice["detail"])
    assert notice["notice_type"] == "archive_manifest" and "holds no posts" in detail["message"]
    assert detail["records"] == {"tweets": 2045, "deletedTweets": 47, "communityTweet": 3, "noteTweet": 0}
    assert "milahu104" not in notice["detail"]


def test_citizen_owner_and_mentions_are_pseudonymised_by_default(project, shared_fixtures):
    for name in EXPECTED:
        import_file(project, shared_fixtures / FOLDER / name)
    stored = str([project.query(f"SELECT * FROM {table}") for table in ("posts", "accounts", "mentions", "notices")])
    for secret in ("milahu104", "Milan Hauth", OWNER_ID, "SamaHoole", "KimDotcom"):
        assert secret.lower() not in stored.lower()
    assert project.scalar("SELECT count(DISTINCT author_id) FROM posts") == 1


# ---- author, edits, long posts, other files ----------------------------------------------------

def test_without_a_manifest_the_author_is_unknown_but_posts_are_kept(plain, shared_fixtures, tmp_path):
    alone = tmp_path / "tweets.js"
    shutil.copy(shared_fixtures / FOLDER / TWEETS, alone)
    report = import_file(plain, alone)
    assert report.posts_new == 2045
    assert plain.scalar("SELECT count(*) FROM posts WHERE author_id IS NOT NULL") == 0


def test_options_name_the_author(plain, tmp_path):
    path = archive(tmp_path / "data", [tweet("1")], manifest=False)
    import_file(plain, path, options={"account_id": "99", "handle": "WMPolice"})
    assert plain.query("SELECT author_id, author_handle FROM posts") == [
        {"author_id": "99", "author_handle": "WMPolice"}]


def test_older_unwrapped_records_and_manifest_without_prefix(plain, tmp_path):
    path = archive(tmp_path / "data", [tweet("1")["tweet"], tweet("2")["tweet"]], name="tweet.js", dataset="tweet")
    report = import_file(plain, path)
    assert counts(report) == (2, 2, 0, 0, 0)
    assert plain.query("SELECT DISTINCT author_id, author_handle FROM posts") == [
        {"author_id": "42", "author_handle": "ArchiveOwner"}]


def test_earlier_versions_of_an_edited_tweet_are_notices(project, tmp_path):
    chain = {"edit_info": {"initial": {"editTweetIds": ["1", "2"]}}}
    unseen = {"edit_info": {"initial": {"editTweetIds": ["3", "9"]}}}
    later = {"edit_info": {"edit": {"initialTweetId": "1", "editControlInitial": {"editTweetIds": ["1", "2"]}}}}
    path = archive(tmp_path / "data", [tweet("1", **chain), tweet("2", **later), tweet("3", **unseen)])
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 1, 0)
    assert post_ids(project) == {"2", "3"}  # the latest version of 3 is not in the file: 3 is kept
    assert project.query("SELECT notice_type, post_id, detail FROM notices") == [
        {"notice_type": "edit_version", "post_id": "1", "detail": '{"latest_version":"2"}'}]


def test_long_posts_take_their_text_from_note_tweet_js(plain, tmp_path):
    folder = tmp_path / "data"
    long_text = "This is a long post about the neighbourhood policing meeting on Tuesday. " * 6
    truncated = "@Someone " + long_text[:260] + "… https://t.co/abc"
    later = "Fri Mar 06 14:00:00 +0000 2026"
    path = archive(folder, [tweet("1", truncated), tweet("2", "short one", created_at=later)])
    notes = [{"noteTweet": {"noteTweetId": "77", "createdAt": "2026-03-06T13:02:05.000Z",
                            "core": {"text": long_text.strip()}}}]
    (folder / "note-tweet.js").write_bytes(b"window.YTD.note_tweet.part0 = " + orjson.dumps(notes))
    import_file(plain, path)
    assert plain.scalar("SELECT text FROM posts WHERE post_id = '1'") == "@Someone " + long_text.strip()
    assert plain.scalar("SELECT text FROM posts WHERE post_id = '2'") == "short one"
    report = import_file(plain, folder / "note-tweet.js")
    assert counts(report) == (1, 0, 0, 1, 0)
    detail = orjson.loads(plain.scalar("SELECT detail FROM notices WHERE notice_type = 'note_tweet'"))
    assert detail == {"note_tweet_id": "77", "created_at": "2026-03-06T13:02:05.000Z", "chars": len(long_text.strip())}


def test_other_archive_files_are_quarantined_without_their_content(project, tmp_path):
    path = archive(tmp_path / "data", [{"like": {"tweetId": "5", "fullText": "secret words"}}],
                   name="like.js", dataset="like")
    report = import_file(project, path)  # turned away by detection (NoPostsError), saying what to import
    assert report.format == "unknown" and counts(report) == (1, 0, 0, 0, 1)
    (bad,) = quarantine(project)
    assert bad["location"] == "file" and "holds `like` data, not posts" in bad["reason"]
    assert "import data/tweets.js" in bad["reason"]
    assert bad["raw_excerpt"] is None


# ---- bad input -----------------------------------------------------------------------------

def test_truncated_archive_keeps_the_records_before_the_cut(project, tmp_path):
    path = archive(tmp_path / "data", [tweet("1"), tweet("2"), tweet("3")])
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b'"full_text"')])
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    (bad,) = quarantine(project)
    line = data[: data.rindex(b'"tweet"')].count(b"\n")  # the cut record opens on the line before
    assert bad["location"] == f"line {line}, column 3" and "truncated JSON" in bad["reason"]


def test_malformed_record_is_quarantined_at_the_named_line_and_the_rest_read(project, tmp_path):
    path = archive(tmp_path / "data", [tweet("1"), tweet("2"), tweet("3")])
    data = path.read_bytes()
    cut = data.index(b'"lang"', data.index(b'"2"'))
    path.write_bytes(data[:cut] + b"lang: 'en', " + data[cut:])
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    assert post_ids(project) == {"1", "3"}
    (bad,) = quarantine(project)
    line = data[:cut].count(b"\n") + 1
    assert bad["location"] == f"line {line}, column 7"
    assert "malformed JSON" in bad["reason"] and "item 2 is quarantined; reading went on" in bad["reason"]


def test_latin1_bytes_name_their_line(project, tmp_path):
    path = archive(tmp_path / "data", [tweet("1"), tweet("2", "Gr\u00fc\u00dfe"), tweet("3")])
    data = path.read_bytes()
    path.write_bytes(data.decode().encode("latin-1"))
    report = import_file(project, path)
    assert counts(report) == (3, 2, 0, 0, 1)
    assert post_ids(project) == {"1", "3"}
    (bad,) = quarantine(project)
    line = data[: data.index("Gr\u00fc".encode())].count(b"\n") + 1
    assert bad["location"].startswith(f"line {line},") and "not valid UTF-8 (byte 0xfc)" in bad["reason"]


def test_wrong_types_are_quarantined_with_the_field_named(project, tmp_path):
    path = archive(tmp_path / "data", [
        tweet("1"), tweet("x", id_str={"n": 1}, id={"n": 1}), tweet("3", created_at="last Tuesday"),
        tweet("4", likes="many"), "just a string", tweet("6", full_text=42)])
    report = import_file(project, path)
    assert counts(report) == (6, 1, 0, 0, 5) and report.reconciles
    reasons = {q["location"]: q["reason"] for q in quarantine(project)}
    assert "id_str" in reasons["item 2"] and "not a numeric id" in reasons["item 2"]
    assert "unrecognised time 'last Tuesday'" in reasons["item 3"]
    assert "not a count: 'many'" in reasons["item 4"]
    assert "not an archive tweets record (found str)" in reasons["item 5"]
    assert "full_text is int" in reasons["item 6"]


def test_huge_text_field_is_imported(project, tmp_path):
    path = archive(tmp_path / "data", [tweet("1", "z" * 5_000_000), tweet("2")])
    report = import_file(project, path)
    assert counts(report) == (2, 2, 0, 0, 0)
    assert project.scalar("SELECT length(text) FROM posts WHERE post_id = '1'") == 5_000_000


def test_empty_and_unknown_files_are_recorded_as_one_quarantined_record(project, tmp_path):
    empty = tmp_path / "tweets.js"
    empty.write_bytes(b"")
    report = import_file(project, empty)
    assert (report.records_read, report.quarantined, report.error) == (1, 1, "the file is empty")
    script = tmp_path / "app.js"
    script.write_text("var x = [1, 2];\n")
    report = import_file(project, script)
    assert report.format == "unknown" and "not recognised" in report.error
    forced = import_file(project, script, format="twitter-archive")
    assert counts(forced) == (1, 0, 0, 0, 1)
    assert "does not start with `window.YTD" in quarantine(project)[-1]["reason"]
    assert quarantine(project)[-1]["location"] == "line 1"


def test_a_list_is_required_after_the_assignment(project, tmp_path):
    path = tmp_path / "tweets.js"
    path.write_text('window.YTD.tweets.part0 = {"tweet": {}}')
    report = import_file(project, path)
    assert counts(report) == (1, 0, 0, 0, 1)
    assert "expected a list of records" in quarantine(project)[0]["reason"]


# ---- merging and transactions ----------------------------------------------------------------

def test_reimport_changes_nothing_and_later_metrics_update(project, shared_fixtures, tmp_path):
    sample = shared_fixtures / FOLDER / TWEETS
    first = import_file(project, sample)
    before = project.query("SELECT * EXCLUDE (last_import_id) FROM posts ORDER BY post_id")
    assert import_file(project, sample).skipped_identical_to == first.import_id
    forced = import_file(project, sample, force=True)
    assert (forced.posts_new, forced.posts_updated, forced.duplicates) == (0, 0, 2045)
    assert project.query("SELECT * EXCLUDE (last_import_id) FROM posts ORDER BY post_id") == before

    import_file(project, archive(tmp_path / "old", [tweet("1", likes="1"), tweet("2")]))
    later = import_file(project, archive(tmp_path / "new", [tweet("1", likes="4"), tweet("2")]))
    assert (later.posts_new, later.posts_updated, later.duplicates) == (0, 1, 1)
    assert project.scalar("SELECT like_count FROM posts WHERE post_id = '1'") == 4


def test_an_import_that_fails_midway_changes_nothing(project, tmp_path, monkeypatch):
    import_file(project, archive(tmp_path / "old", [tweet("1")]))
    snapshot = _snapshot(project)
    real, calls = twitter_archive.archive_post, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(twitter_archive, "archive_post", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        import_file(project, archive(tmp_path / "new", [tweet("2"), tweet("3"), tweet("4")]))
    assert _snapshot(project) == snapshot


def _snapshot(project) -> dict[str, int]:
    return {t: project.scalar(f"SELECT count(*) FROM {t}")
            for t in ("posts", "accounts", "mentions", "notices", "quarantine", "imports")}
