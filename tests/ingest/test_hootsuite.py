"""Hootsuite Facebook post exports: the page's posts (Graph API ids, so they merge with Graph and
CrowdTangle data), their counts as dated snapshots; the page recognised by id or name."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from peelian.ingest import import_file
from peelian.ingest.formats import detect_format
from peelian.store.registry import import_registry
from tests.conftest import DATA

FOLDER = DATA / "formats" / "hootsuite"
BASIC, PERFORMANCE = FOLDER / "facebook_posts.csv", FOLDER / "facebook_post_performance.csv"
PAGE_ID, PAGE = "100064123456789", "Eyewatch - Example Police Service Area"
APPEAL, VIDEO = f"{PAGE_ID}_2345678901234567", f"{PAGE_ID}_2345678901230001"


def register(project, tmp_path, line):
    registry = tmp_path / "registry.csv"
    registry.write_text(f"platform,handle,account_id,force,account_type\n{line}\n")
    import_registry(project, registry)


def posts(project):
    """Stored posts by their Graph id as exported (the page id in a stored id is pseudonymised, police too)."""
    return {f"{PAGE_ID}_{r['post_id'].rsplit('_', 1)[1]}": r for r in project.query("SELECT * FROM posts")}


def snapshot_values(project, post_id, when):
    return {r["metric"]: r["value"] for r in project.query(
        "SELECT metric, value FROM metric_snapshots WHERE post_id LIKE ? AND observed_at = ?",
        ["%_" + post_id.rsplit("_", 1)[1], when])}


@pytest.mark.parametrize("path", [BASIC, PERFORMANCE])
def test_both_variants_are_detected(path):
    assert detect_format(path).format == "hootsuite"


@pytest.mark.parametrize("line", [f"facebook,,{PAGE_ID},Example Police,team",
                                  f'facebook,"{PAGE}",,Example Police,team'])
def test_page_posts_are_police_posts_with_counts_and_snapshots(project, tmp_path, line):
    register(project, tmp_path, line)  # by page id, or by the page name as its handle
    report = import_file(project, BASIC, options={"observed_at": "2019-03-20"})
    assert (report.records_read, report.posts_new, report.quarantined, report.reconciles) == (2, 2, 0, True)
    post = posts(project)[APPEAL]
    assert (post["author_role"], post["author_force"], post["author_id"]) == ("police", "Example Police", PAGE_ID)
    assert (post["created_at"], post["like_count"], post["reply_count"], post["repost_count"]) == (
        datetime(2019, 3, 14, 2, 0), 214, 37, 55)
    assert post["text"].startswith("Police are appealing") and "\n" in post["text"]  # a multi-line message
    assert snapshot_values(project, APPEAL, datetime(2019, 3, 20)) == {
        "reactions": 214, "comments": 37, "shares": 55, "ow_ly_clicks": 12}
    other = snapshot_values(project, f"{PAGE_ID}_2345678901234000", datetime(2019, 3, 20))
    assert "shares" not in other and other["reactions"] == 18  # an empty cell is no snapshot


def test_performance_variant_adds_reach_and_reactions_and_updates_the_post(project, tmp_path):
    register(project, tmp_path, f"facebook,,{PAGE_ID},Example Police,team")
    import_file(project, BASIC, options={"observed_at": "2019-03-20"})
    report = import_file(project, PERFORMANCE, options={"observed_at": "2019-04-01T09:30"})
    assert (report.records_read, report.posts_new, report.posts_updated, report.reconciles) == (2, 1, 1, True)
    stored = posts(project)
    assert (stored[APPEAL]["like_count"], stored[APPEAL]["reply_count"]) == (230, 41)
    assert stored[VIDEO]["view_count"] == 22040
    later = snapshot_values(project, APPEAL, datetime(2019, 4, 1, 9, 30))
    assert {"impressions": 15230, "reach": 9876, "engaged_users": 1204, "reactions_like": 200,
            "reactions_anger": 1, "link_clicks": 88}.items() <= later.items()
    assert "engagement_rate" not in later  # a rate, not a count
    assert snapshot_values(project, APPEAL, datetime(2019, 3, 20))["reactions"] == 214  # the earlier snapshot stays


def test_merges_with_a_graph_api_record_of_the_same_post(project, tmp_path):
    register(project, tmp_path, f"facebook,,{PAGE_ID},Example Police,team")
    graph = tmp_path / "graph.json"
    graph.write_bytes(orjson.dumps({"data": [{
        "id": APPEAL, "message": "Police are appealing for witnesses", "created_time": "2019-03-14T02:00:07+0000",
        "from": {"id": PAGE_ID, "name": PAGE}}]}))
    assert import_file(project, graph).posts_new == 1
    report = import_file(project, PERFORMANCE, options={"observed_at": "2019-04-01"})
    assert (report.posts_new, report.posts_updated) == (1, 1)  # the video is new, the appeal merged
    assert len([p for p in project.query("SELECT post_id FROM posts") if p["post_id"].endswith(APPEAL[-16:])]) == 1
    assert snapshot_values(project, APPEAL, datetime(2019, 4, 1))["impressions"] == 15230


def test_page_outside_the_registry_is_pseudonymised(project):
    import_file(project, BASIC)
    stored = str([project.query(f"SELECT * FROM {t}") for t in ("posts", "accounts", "metric_snapshots")])
    assert PAGE_ID not in stored and "Eyewatch" not in stored
    assert project.scalar("SELECT count(*) FROM metric_snapshots") == 7
    # the snapshots meet their posts under the pseudonymised id
    assert project.scalar("SELECT count(*) FROM metric_snapshots JOIN posts USING (platform, post_id)") == 7


def test_bad_rows_are_quarantined_alone(project, tmp_path):
    header, first, rest = BASIC.read_text().split("\n", 2)
    path = tmp_path / "posts.csv"
    bad = [header, "yesterday,Page,1_2,,Photo,text,,1,2,3,4", "2019-03-14 02:00,Page,12345,,Photo,text,,1,2,3,4",
           "2019-03-14 02:00,Page,1_3,,Photo,text,,many,2,3,4", "2019-03-14 02:00,Page,1_4,,Photo,text"]
    path.write_text("\n".join(bad) + "\n")
    report = import_file(project, path)
    assert (report.records_read, report.posts_new, report.quarantined, report.reconciles) == (4, 0, 4, True)
    reasons = [q["reason"] for q in report.quarantine_examples]
    assert "Date (GMT)" in reasons[0] and "Post ID" in reasons[1] and "'reactions'" in reasons[2]
    assert "6 cells" in reasons[3]
