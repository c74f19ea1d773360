"""CrowdTangle per-post history CSV: one post's interactions over time, stored as dated metric
snapshots of that post, meeting the post a CrowdTangle export (or Graph, Hootsuite) stored."""

from __future__ import annotations

from datetime import datetime

from peelian.ingest import import_file
from peelian.ingest.formats import detect_format
from peelian.store.registry import import_registry
from tests.conftest import DATA

SAMPLE = DATA / "formats" / "crowdtangle_history" / "post_history.csv"
PAGE_ID, POST = "100064123456789", "2345678901234567"
GRAPH_ID = f"{PAGE_ID}_{POST}"


def series(project, metric):
    return [(r["observed_at"], r["value"]) for r in project.query(
        "SELECT observed_at, value FROM metric_snapshots WHERE metric = ? ORDER BY observed_at", [metric])]


def test_detected_as_the_history_not_the_export(tmp_path):
    assert detect_format(SAMPLE).format == "crowdtangle-history"
    tabbed = tmp_path / "history.csv"  # the shape an earlier version quarantined as "not posts"
    tabbed.write_text('ID,"Score Date (GMT)",Timestep,Likes\n"3758007754304128\t","2021-07-05 00:00:00",1,5\n')
    assert detect_format(tabbed).format == "crowdtangle-history"


def test_each_step_is_a_dated_snapshot_of_one_post(plain):
    report = import_file(plain, SAMPLE)
    assert (report.records_read, report.posts_new, report.duplicates, report.quarantined) == (5, 1, 4, 0)
    assert report.reconciles
    (post,) = plain.query("SELECT * FROM posts")
    assert (post["post_id"], post["author_id"], post["is_partial"], post["created_at"]) == (
        GRAPH_ID, PAGE_ID, True, datetime(2019, 3, 14, 2, 0))
    assert series(plain, "likes") == [
        (datetime(2019, 3, 14, 2, 15), 12), (datetime(2019, 3, 14, 3, 0), 85), (datetime(2019, 3, 14, 8, 0), 160),
        (datetime(2019, 3, 15, 2, 0), 200), (datetime(2019, 3, 21, 2, 0), 214)]
    metrics = {r["metric"] for r in plain.query("SELECT DISTINCT metric FROM metric_snapshots")}
    assert metrics == {"likes", "comments", "shares", "love", "wow", "haha", "sad", "angry", "care"}  # no score
    assert plain.scalar("SELECT DISTINCT source FROM metric_snapshots") == "crowdtangle-history"


def test_history_meets_the_post_from_a_crowdtangle_export(project, tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text(f"platform,handle,account_id,force,account_type\nfacebook,,{PAGE_ID},Example Police,team\n")
    import_registry(project, registry)
    export = tmp_path / "export.csv"
    export.write_text('"Page Name","User Name","Facebook Id","Post Created","Type","Message","URL","Likes","Comments",'
                      '"Shares"\n"Example Police","examplepolice","100064123456789","2019-03-14 02:00:05 GMT","Photo",'
                      f'"Appeal for witnesses","https://www.facebook.com/{PAGE_ID}/posts/{POST}","230","41","60"\n')
    assert import_file(project, export).posts_new == 1
    history = import_file(project, SAMPLE)
    assert (history.posts_new, history.reconciles) == (0, True)
    (post,) = project.query("SELECT * FROM posts")  # one post: the export's, with the history beside it
    assert (post["is_partial"], post["text"], post["like_count"], post["author_role"]) == (
        False, "Appeal for witnesses", 230, "police")
    assert post["created_at"] == datetime(2019, 3, 14, 2, 0, 5)  # the history's minute time does not replace it
    joined = project.scalar("SELECT count(*) FROM metric_snapshots JOIN posts USING (platform, post_id)")
    assert joined == project.scalar("SELECT count(*) FROM metric_snapshots") == 5 * 9
    assert project.scalar("SELECT count(*) FROM posts WHERE post_id LIKE ?", [f"%{PAGE_ID}%"]) == 0  # pseudonymised


def test_reimport_replaces_rather_than_doubles(plain, tmp_path):
    import_file(plain, SAMPLE)
    again = import_file(plain, SAMPLE, force=True)
    assert (again.posts_new, again.duplicates, again.reconciles) == (0, 5, True)
    assert plain.scalar("SELECT count(*) FROM metric_snapshots") == 5 * 9


def test_bad_rows_are_quarantined_alone(plain, tmp_path):
    header, first, *_ = SAMPLE.read_text().splitlines()
    path = tmp_path / "history.csv"
    no_id = first.replace('"2345678901234567\t"', '"x"').replace(f"/posts/{POST}", "/about")
    path.write_text("\n".join([header, first, first.replace("2019-03-14 02:15:00", "soon"),
                               first.replace('"12"', '"twelve"'), no_id]) + "\n")
    report = import_file(plain, path)
    assert (report.records_read, report.posts_new, report.quarantined, report.reconciles) == (4, 1, 3, True)
    reasons = [q["reason"] for q in report.quarantine_examples]
    assert "Score Date" in reasons[0] and "'likes'" in reasons[1] and "no post id" in reasons[2]
