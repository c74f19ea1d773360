"""youtube-comment-downloader JSON lines and --pretty documents (test files written from the
tool's documented output, tests/data/formats/youtube_comment_downloader/: no licensed real sample)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from peelian.ingest import detect_format, import_file
from peelian.ingest.formats.youtube_comment_downloader import abbreviated_count
from peelian.store.registry import import_registry
from tests.ingest.helpers import counts, posts

DATA = Path(__file__).parent.parent / "data" / "formats" / "youtube_comment_downloader"
NEW = DATA / "ScMzIvxBSi4.json"  # named after its video, as the downloader's examples name it
OLD = DATA / "old_version.json"  # 11 characters, like a video id, but a word: no video
PRETTY = DATA / "pretty.json"
TOP = "UgzPHmQ6fV7rTGbHpLR4AaABAg"


def test_every_test_file_is_detected_and_reconciles(project):
    for path in (NEW, OLD, PRETTY):
        assert detect_format(path).format == "youtube-comment-downloader", path.name
        report = import_file(project, path)
        assert report.reconciles and report.quarantined == 0, (path.name, report.quarantine_examples)
    assert project.scalar("SELECT count(*) FROM posts WHERE platform = 'youtube'") == 8


def test_replies_thread_under_their_parent_and_the_video(plain):
    report = import_file(plain, NEW)
    assert counts(report) == (5, 4, 0, 1, 0)  # 4 comments and the file's notice about estimated times
    rows = posts(plain)
    top, reply = rows[TOP], rows[TOP + ".9kQv4V2jXyE9kQwK3pLm2N"]
    assert (top["kind"], top["reply_to_post_id"], top["conversation_id"]) == ("reply", "ScMzIvxBSi4", TOP)
    assert (reply["kind"], reply["reply_to_post_id"], reply["conversation_id"]) == ("reply", TOP, TOP)
    assert reply["reply_to_account_id"] == "UCq3kLx0n2Rz8mWb1Yd4eT7Q"  # the parent's channel
    assert top["like_count"] == 1200 and top["reply_count"] == 2 and reply["like_count"] == 3
    assert top["author_id"] == "UCq3kLx0n2Rz8mWb1Yd4eT7Q" and top["author_handle"] == "riverside_resident"
    assert top["created_at"] == datetime(2023, 6, 21, 13, 0)  # the downloader's estimate (time_parsed)
    assert top["url"] == f"https://www.youtube.com/watch?v=ScMzIvxBSi4&lc={TOP}"
    notice = plain.query("SELECT notice_type, detail FROM notices")[0]
    assert notice["notice_type"] == "approximate_time" and '"comments":4' in notice["detail"]


def test_the_video_can_be_named_by_option(plain, tmp_path):
    path = tmp_path / "comments.json"
    path.write_bytes(NEW.read_bytes())
    import_file(plain, path, format="youtube-comment-downloader", options={"video": "vid00000001"})
    assert posts(plain)[TOP]["reply_to_post_id"] == "vid00000001"


def test_relative_times_only_are_stored_without_a_time_and_a_notice(plain):
    report = import_file(plain, OLD)
    assert counts(report) == (3, 2, 0, 1, 0)
    rows = posts(plain)
    top = rows["UgyA1b2C3d4E5f6G7h8I9j0AaABAg"]
    assert top["created_at"] is None and rows["UgyA1b2C3d4E5f6G7h8I9j0AaABAg.8zYxWvUtSrQ8zYxWvUtSrQ"][
        "created_at"] is None
    assert top["kind"] == "original" and top["reply_to_post_id"] is None  # the video is not known
    assert top["like_count"] == 2_500_000
    names = {r["display_name"] for r in plain.query("SELECT display_name FROM accounts")}
    assert {"Jane Example", "John Example"} <= names  # older versions give display names, not @handles
    notice = plain.query("SELECT notice_type, detail FROM notices")[0]
    assert notice["notice_type"] == "unknown_time" and "3 years ago" in notice["detail"]


def test_commenters_are_pseudonymised_and_police_kept(project, tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,account_id,force,account_type\n"
                        "youtube,examplepolice,UCpol1ceExampleChannel00,example,force_corporate\n")
    import_registry(project, registry)
    import_file(project, NEW)
    stored = project.query("SELECT author_id, author_handle, author_role, text FROM posts")
    police = [r for r in stored if r["author_role"] != "citizen"]
    assert [r["author_handle"] for r in police] == ["examplepolice"]
    dump = repr(stored) + repr(project.query("SELECT * FROM accounts"))
    for real in ("riverside_resident", "UCq3kLx0n2Rz8mWb1Yd4eT7Q", "commuter_42", "another_viewer"):
        assert real not in dump


def test_a_broken_line_is_quarantined_and_the_rest_read(project, tmp_path):
    path = tmp_path / "broken.json"
    good = NEW.read_bytes().splitlines(keepends=True)
    path.write_bytes(good[0] + b'{"cid": "Ugz", "text": \n' + b"".join(good[1:]) + b'{"cid": "x", "text": 5, "votes": "1"}\n')
    report = import_file(project, path)
    assert report.reconciles and report.quarantined == 2 and report.posts_new == 4


@pytest.mark.parametrize(("shown", "count"), [("15", 15), ("1,024", 1024), ("1.2K", 1200), ("3M", 3_000_000),
                                              ("", None)])
def test_abbreviated_counts(shown, count):
    assert abbreviated_count(shown) == count
