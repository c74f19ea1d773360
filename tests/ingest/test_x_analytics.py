"""X Analytics tweet activity CSV: the force's own tweets as posts, their counts as dated snapshots,
merging with twarc/API records of the same tweets whichever comes first."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from peelian.errors import InputError
from peelian.ingest import import_file
from peelian.ingest.formats import detect_format
from peelian.store.registry import import_registry
from tests.conftest import DATA
from tests.ingest.helpers import posts

SAMPLE = DATA / "formats" / "x_analytics" / "tweet_activity_metrics_ExamplePolice_20220201_20220301_en.csv"
FIRST, REPLY, APPEAL = "1498361234567890001", "1497998765432100002", "1496000000000000003"


@pytest.fixture
def registered(project, tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,account_id,force,account_type\n"
                        "twitter,ExamplePolice,900,Example Police,force_corporate\n")
    import_registry(project, registry)
    return project


def twarc_file(tmp_path):
    """A twarc2 page of two of the same tweets, with what the API adds (seconds, reply, quotes)."""
    def tweet(tweet_id, created, **extra):
        return {"id": tweet_id, "text": f"api text {tweet_id}", "author_id": "900", "created_at": created,
                "conversation_id": extra.pop("conversation_id", tweet_id), "lang": "en",
                "edit_history_tweet_ids": [tweet_id],
                "public_metrics": {"like_count": 96, "reply_count": 12, "retweet_count": 37, "quote_count": 3},
                **extra}
    data = [tweet(FIRST, "2022-02-28T17:39:27.000Z"),
            tweet(REPLY, "2022-02-27T09:05:41.000Z", conversation_id="1497990000000000000",
                  referenced_tweets=[{"type": "replied_to", "id": "1497990000000000000"}])]
    page = {"data": data, "includes": {"users": [{"id": "900", "username": "ExamplePolice", "name": "Example Police"}]},
            "meta": {"result_count": 2}}
    path = tmp_path / "twarc.jsonl"
    path.write_bytes(orjson.dumps(page) + b"\n")
    return path


def snapshot_values(project, post_id):
    return {r["metric"]: r["value"] for r in project.query(
        "SELECT metric, value FROM metric_snapshots WHERE post_id = ?", [post_id])}


def test_detected_and_stored_as_police_posts_with_dated_snapshots(registered):
    assert detect_format(SAMPLE).format == "x-analytics"
    report = import_file(registered, SAMPLE)
    assert (report.records_read, report.posts_new, report.quarantined, report.reconciles) == (3, 3, 0, True)
    stored = posts(registered)
    first = stored[FIRST]
    assert (first["author_role"], first["author_force"], first["author_handle"]) == (
        "police", "Example Police", "ExamplePolice")
    assert (first["created_at"], first["view_count"], first["like_count"], first["repost_count"]) == (
        datetime(2022, 2, 28, 17, 39), 15230, 95, 37)
    assert first["is_partial"] is True  # the export does not say whether a tweet replies or quotes
    assert snapshot_values(registered, FIRST) == {
        "impressions": 15230, "engagements": 412, "retweets": 37, "replies": 12, "likes": 95,
        "user_profile_clicks": 44, "url_clicks": 120, "hashtag_clicks": 3, "detail_expands": 101,
        "permalink_clicks": 0, "app_opens": 0, "app_installs": 0, "follows": 0, "email_tweet": 0,
        "dial_phone": 0, "media_views": 0, "media_engagements": 0}  # promoted `-` cells and rates are not stored
    assert snapshot_values(registered, APPEAL)["promoted_impressions"] == 12000
    (when,) = registered.query("SELECT DISTINCT observed_at, source FROM metric_snapshots")
    assert when == {"observed_at": datetime(2022, 3, 2), "source": "x-analytics"}  # end of the period in the name


def test_reimport_or_overlapping_export_never_doubles_a_snapshot(registered, tmp_path):
    import_file(registered, SAMPLE)
    before = registered.scalar("SELECT count(*) FROM metric_snapshots")
    later = tmp_path / SAMPLE.name
    later.write_text(SAMPLE.read_text().replace('"15230.0"', '"15999.0"'))
    report = import_file(registered, later)
    assert (report.posts_new, report.posts_updated, report.duplicates) == (0, 1, 2)
    assert registered.scalar("SELECT count(*) FROM metric_snapshots") == before
    assert snapshot_values(registered, FIRST)["impressions"] == 15999
    import_file(registered, later, options={"observed_at": "2022-04-01"})  # a later export: a second snapshot
    assert registered.query("SELECT observed_at, value FROM metric_snapshots WHERE post_id = ? AND metric = "
                            "'impressions' ORDER BY observed_at", [FIRST]) == [
        {"observed_at": datetime(2022, 3, 2), "value": 15999}, {"observed_at": datetime(2022, 4, 1), "value": 15999}]


@pytest.mark.parametrize("analytics_first", [True, False])
def test_analytics_and_twarc_of_the_same_tweets_make_one_post_with_both_metrics(registered, tmp_path,
                                                                                 analytics_first):
    files = [SAMPLE, twarc_file(tmp_path)]
    for path in files if analytics_first else reversed(files):
        assert import_file(registered, path).reconciles
    assert registered.scalar("SELECT count(*) FROM posts WHERE post_id IN (?, ?)", [FIRST, REPLY]) == 1 + 1
    stored = posts(registered)
    reply = stored[REPLY]
    # what only the API says: the full time, the reply, the quotes; the API record is full
    assert (reply["kind"], reply["reply_to_post_id"], reply["created_at"], reply["quote_count"]) == (
        "reply", "1497990000000000000", datetime(2022, 2, 27, 9, 5, 41), 3)
    assert reply["is_partial"] is False and reply["author_id"] == "900" and reply["text"] == f"api text {REPLY}"
    # what only the analytics export says: impressions and engagements, as dated snapshots, and views
    assert stored[FIRST]["view_count"] == 15230
    assert {"impressions": 15230, "engagements": 412}.items() <= snapshot_values(registered, FIRST).items()
    assert stored[APPEAL]["is_partial"] is True  # in the export only


def test_account_outside_the_registry_is_pseudonymised(project):
    report = import_file(project, SAMPLE)
    assert report.posts_new == 3
    stored = str([project.query(f"SELECT * FROM {t}") for t in ("posts", "accounts", "mentions")]).lower()
    assert "examplepolice" not in stored and "resident_a" not in stored
    assert project.scalar("SELECT author_role FROM posts LIMIT 1") == "citizen"


def test_bad_rows_are_quarantined_alone(project, tmp_path):
    header, *rows = SAMPLE.read_text().splitlines()
    bad_id = rows[0].replace('"1498361234567890001"', '"not-an-id"', 1)
    bad_time = rows[1].replace("2022-02-27 09:05 +0000", "yesterday")
    bad_count = rows[2].replace('"40211.0"', '"lots"')
    path = tmp_path / "export.csv"  # no handle in the name: the permalink names the account
    path.write_text("\n".join([header, bad_id, bad_time, bad_count, rows[0], '"1",2']) + "\n")
    report = import_file(project, path)
    assert (report.records_read, report.posts_new, report.quarantined, report.reconciles) == (5, 1, 4, True)
    reasons = {q["location"]: q["reason"] for q in report.quarantine_examples}
    assert "Tweet id" in reasons["row 2"] and "unrecognised time" in reasons["row 3"]
    assert "'impressions'" in reasons["row 4"] and "2 cells" in reasons["row 6"]


def test_bad_observed_at_option_is_refused_before_importing(project):
    with pytest.raises(InputError, match="observed_at"):
        import_file(project, SAMPLE, options={"observed_at": "last week"})
    assert project.scalar("SELECT count(*) FROM imports") == 0


def test_account_from_the_file_name_or_the_option_when_the_permalink_names_none(plain, tmp_path):
    header, *rows = SAMPLE.read_text().splitlines()
    no_link = [row.replace("https://twitter.com/ExamplePolice/status/", "") for row in rows]
    named = tmp_path / "tweet_activity_metrics_OtherForce_20220101_20220131_en.csv"
    named.write_text("\n".join([header, *no_link]) + "\n")
    assert import_file(plain, named).posts_new == 3
    assert plain.scalar("SELECT DISTINCT author_handle FROM posts") == "OtherForce"
    assert plain.scalar("SELECT DISTINCT observed_at FROM metric_snapshots") == datetime(2022, 2, 1)
    anonymous = tmp_path / "export.csv"
    anonymous.write_text("\n".join([header, no_link[0]]) + "\n")
    refused = import_file(plain, anonymous)
    assert refused.quarantined == 1 and "--option handle=" in refused.quarantine_examples[0]["reason"]
    given = import_file(plain, anonymous, options={"handle": "ThirdForce"}, force=True)
    assert (given.posts_updated, given.quarantined) == (1, 0)
