""""Download your information" archives (Facebook, Instagram with Threads, TikTok): the zip as
downloaded and the unpacked folder. No licensed real archive is in ../shared/fixtures: the test
archives (tests/data/formats/dyi_archive/) are written from the documented structure, with
Meta's \\u00XX mojibake; the tests zip them as Meta does."""

from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from peelian.errors import InputError
from peelian.ingest import detect_format, import_file
from peelian.ingest.formats.dyi_archive import demojibake, stable_id
from peelian.ingest.pipeline import import_files
from peelian.store.registry import import_registry
from tests.ingest.helpers import counts, quarantine

DATA = Path(__file__).parent.parent / "data" / "formats" / "dyi_archive"
FACEBOOK, INSTAGRAM = DATA / "facebook-examplepolice", DATA / "instagram-examplepolice"
POSTS = "your_facebook_activity/posts/your_posts_1.json"


def zipped(folder: Path, tmp_path: Path, name: str | None = None) -> Path:
    """The folder as the .zip Meta hands out (members relative to the archive root)."""
    path = tmp_path / (name or f"{folder.name}.zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
    return path


def by_text(project) -> dict[str, dict]:
    return {r["text"]: r for r in project.query("SELECT * FROM posts")}


def test_a_facebook_zip_is_one_import_of_every_post_and_comment(plain, tmp_path):
    archive = zipped(FACEBOOK, tmp_path)
    assert detect_format(archive).format == "dyi-archive"
    report = import_file(plain, archive)
    assert counts(report) == (6, 6, 0, 0, 0) and report.reconciles  # 3 + 1 posts, 2 comments; ads left alone
    rows = by_text(plain)
    post = rows["Café patrol tonight 😀 stay safe"]  # the mojibake repaired
    assert (post["platform"], post["author_handle"], post["kind"]) == ("facebook", "ExamplePolice", "original")
    assert post["created_at"] == datetime(2023, 11, 14, 22, 13, 20)
    assert post["post_id"] == stable_id("facebook", "ExamplePolice", "post", post["created_at"], post["text"])
    assert post["source_location"] == f"{archive.name}!{POSTS} item 1"
    assert "Open day at the station — come along" in rows  # the check-ins file too
    comment = rows["Thank you — we’ve passed this on"]
    assert comment["kind"] == "reply" and comment["reply_to_post_id"] is None  # the archive does not say which post
    photo_only = [r for r in rows.values() if r["text"] is None]
    assert len(photo_only) == 1


def test_the_unpacked_folder_and_the_zip_merge(plain, tmp_path):
    folder_reports = import_files(plain, [FACEBOOK])
    imported = [r for r in folder_reports if r.skipped is None]
    assert {Path(r.path).name for r in imported} == {"your_posts_1.json", "comments.json",
                                                     "your_posts__check_ins__photos_and_videos_1.json"}
    assert sum(r.posts_new for r in imported) == 6
    report = import_file(plain, zipped(FACEBOOK, tmp_path))
    assert (report.posts_new, report.duplicates, report.posts_updated) == (0, 6, 0)
    assert plain.scalar("SELECT count(*) FROM posts") == 6


def test_instagram_with_threads_and_reel_comments(plain, tmp_path):
    report = import_file(plain, zipped(INSTAGRAM, tmp_path))
    assert counts(report) == (6, 6, 0, 0, 0)
    rows = by_text(plain)
    assert rows["Our new dog unit 🐶"]["created_at"] == datetime(2023, 11, 21, 20, 53, 20)  # time and title in media[0]
    assert rows["Two photos from the open day"]["platform"] == "instagram"
    comment = rows["Thanks for sharing 👍"]
    assert (comment["kind"], comment["author_handle"]) == ("reply", "examplepolice")
    assert comment["reply_to_account_id"] == "@local_resident_1"  # the media owner
    assert rows["Road closed on the A1 — use diversions"]["platform"] == "threads"
    assert rows["Great reel"]["kind"] == "reply"


def test_tiktok_newer_and_older_layouts(plain):
    report = import_file(plain, DATA / "tiktok" / "user_data_tiktok.json")
    assert counts(report) == (3, 3, 0, 0, 0)
    post = plain.query("SELECT * FROM posts WHERE post_id = '7303000000000000001'")[0]  # the video id from Link
    assert (post["platform"], post["author_handle"], post["like_count"], post["created_at"]) == (
        "tiktok", "examplepolice", 120, datetime(2023, 11, 20, 10, 0))
    older = import_file(plain, DATA / "tiktok_older" / "user_data.json")
    assert counts(older) == (2, 2, 0, 0, 0)
    assert by_text(plain)["See you there"]["kind"] == "reply"


def test_an_archive_that_does_not_name_its_account_asks_for_it(plain, tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(FACEBOOK, folder)
    shutil.rmtree(folder / "personal_information")
    archive = zipped(folder, tmp_path, "anonymous.zip")
    with pytest.raises(InputError, match="--account HANDLE"):
        import_files(plain, [archive])
    assert plain.scalar("SELECT count(*) FROM imports") == 0
    report = import_files(plain, [archive], options={"account": "ExamplePolice"})[0]
    assert report.posts_new == 6
    assert plain.scalar("SELECT count(DISTINCT author_handle) FROM posts") == 1


def test_the_owner_is_pseudonymised_unless_registered(project, tmp_path):
    import_file(project, zipped(INSTAGRAM, tmp_path, "archive.zip"))  # (the folder's name holds the handle)
    dump = repr(project.query("SELECT * FROM posts")) + repr(project.query("SELECT * FROM accounts"))
    assert "examplepolice" not in dump and "local_resident_1" not in dump
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,account_id,force,account_type\n"
                        "instagram,examplepolice,,example,force_corporate\n")
    import_registry(project, registry)
    import_file(project, zipped(INSTAGRAM, tmp_path, "again.zip"), force=True)
    police = project.query("SELECT DISTINCT author_handle FROM posts WHERE author_role <> 'citizen'")
    assert police == [{"author_handle": "examplepolice"}]
    assert "local_resident_1" not in repr(project.query("SELECT * FROM accounts"))


def test_a_damaged_member_is_quarantined_and_the_rest_read(project, tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(FACEBOOK, folder)
    posts = folder / POSTS
    data = posts.read_bytes()
    posts.write_bytes(data[: data.index(b"Missing person")])  # cut short inside the third post
    report = import_file(project, zipped(folder, tmp_path))
    assert report.reconciles and report.quarantined == 1 and report.posts_new == 5
    assert quarantine(project)[0]["location"].startswith(f"archive.zip!{POSTS} line ")


def test_an_html_archive_is_refused_saying_so(project, tmp_path):
    path = tmp_path / "facebook-html.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("your_facebook_activity/posts/your_posts_1.html", "<html></html>")
        archive.writestr("index.html", "<html></html>")
    report = import_file(project, path)
    assert report.quarantined == 1 and "choosing the JSON format" in quarantine(project)[0]["reason"]


def test_demojibake_leaves_real_text_alone():
    assert demojibake("Caf\u00c3\u00a9") == "Café"
    assert demojibake("café") == "café" and demojibake("日本") == "日本"


def test_the_cli_asks_for_and_takes_the_account(cli, project_path, tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(INSTAGRAM, folder)
    shutil.rmtree(folder / "personal_information")
    archive = zipped(folder, tmp_path, "anonymous.zip")
    refused = cli("import", project_path, archive)
    assert refused.exit_code == 2 and "--account HANDLE" in refused.output
    done = cli("import", project_path, archive, "--account", "@examplepolice", "--json")
    assert done.exit_code == 0 and '"posts_new": 6' in done.output.replace('":6', '": 6')
