"""academictwitteR folders: data_<id>.json (a bare array of v2 tweets) takes its authors from the
users_<id>.json of the same id beside it, however the pair is named on the command line."""

from __future__ import annotations

import shutil

import orjson
import pytest

from peelian import Project
from peelian.ingest import import_file, import_files
from peelian.ingest.formats import detect_format
from peelian.store.registry import import_registry

FOLDER = "twitter_v2_academictwitteR"
DATA = "Digital-Water-Publics__data_1389617482357428224.json"
USERS = "Digital-Water-Publics__users_1389617482357428224.json"
COLUMNS = "platform, post_id, author_id, author_handle, author_role, kind, text, created_at, like_count, is_partial"


def stored(project: Project) -> list[dict]:
    return project.query(f"SELECT {COLUMNS} FROM posts ORDER BY post_id")


def with_registry(project: Project, tmp_path) -> Project:
    registry = tmp_path / "registry.csv"  # known only by handle: recognised only when the users_ file is read
    registry.write_text("platform,handle,account_id,force,account_type\n"
                        "twitter,Samanth33412592,,Example Force,officer\n")
    import_registry(project, registry)
    return project


def test_both_files_are_detected_as_twitter_v2(shared_fixtures):
    assert detect_format(shared_fixtures / FOLDER / DATA).format == "twitter-v2"
    assert detect_format(shared_fixtures / FOLDER / USERS).format == "twitter-v2"


def test_the_folder_imports_with_every_author_resolved(plain, shared_fixtures, tmp_path):
    with_registry(plain, tmp_path)
    data, users = import_files(plain, [shared_fixtures / FOLDER])
    assert (data.records_read, data.posts_new, data.duplicates, data.notices, data.quarantined) == (115, 114, 1, 0, 0)
    assert data.reconciles and users.reconciles
    assert (users.records_read, users.posts_new, users.duplicates) == (16, 0, 16)  # the page's tweets, read again
    assert plain.scalar("SELECT count(*) FROM posts WHERE author_handle IS NULL") == 0
    assert plain.scalar("SELECT count(*) FROM posts WHERE is_partial") == 15  # referenced tweets from users_
    first = plain.query("SELECT * FROM posts WHERE post_id = '1389619686636244995'")[0]
    assert (first["author_handle"], first["kind"], first["reposted_post_id"]) == (
        "DianeDear1", "repost", "1389616603579523074")
    assert plain.scalar(
        "SELECT count(*) FROM posts WHERE author_handle = 'Samanth33412592' AND author_role = 'police'") == 11
    assert plain.scalar("SELECT followers_count FROM accounts WHERE handle = 'ChrisGPackham'") == 469127


@pytest.mark.parametrize("order", [(DATA, USERS), (USERS, DATA)])
def test_named_together_in_either_order_gives_the_same_posts(shared_fixtures, tmp_path, order):
    together = Project.init(tmp_path / "together.peelian", pseudonymise_citizens=False)
    folder = Project.init(tmp_path / "folder.peelian", pseudonymise_citizens=False)
    for project in (together, folder):
        with_registry(project, tmp_path)
    reports = import_files(together, [shared_fixtures / FOLDER / name for name in order])
    import_files(folder, [shared_fixtures / FOLDER])
    assert all(r.reconciles and not r.quarantined for r in reports)
    assert stored(together) == stored(folder)
    assert together.scalar("SELECT count(*) FROM posts WHERE author_handle IS NULL") == 0


def test_data_file_without_its_users_file_imports_with_a_notice(plain, shared_fixtures, tmp_path):
    alone = tmp_path / DATA
    shutil.copy(shared_fixtures / FOLDER / DATA, alone)
    report = import_file(plain, alone)
    assert (report.records_read, report.posts_new, report.notices, report.quarantined) == (100, 99, 1, 0)
    assert report.reconciles
    (notice,) = plain.query("SELECT notice_type, detail FROM notices")
    assert notice["notice_type"] == "authors_unresolved" and USERS in orjson.loads(notice["detail"])["message"]
    assert plain.scalar("SELECT count(*) FROM posts WHERE author_handle IS NULL AND author_id IS NOT NULL") == 99


def test_users_file_alone_gives_accounts_and_partial_posts(plain, shared_fixtures):
    report = import_file(plain, shared_fixtures / FOLDER / USERS)
    assert (report.records_read, report.posts_new, report.quarantined, report.reconciles) == (16, 16, 0, True)
    assert plain.scalar("SELECT bool_and(is_partial) FROM posts") is True
    assert plain.scalar("SELECT count(*) FROM accounts") >= 114


def test_users_file_of_a_page_without_includes_is_empty_not_an_error(plain, tmp_path):
    empty = tmp_path / "users_1500000000000000000.json"
    empty.write_text("{}")
    assert detect_format(empty).format == "twitter-v2"
    report = import_file(plain, empty)
    assert (report.records_read, report.quarantined, report.reconciles) == (0, 0, True)


def test_authors_are_pseudonymised(project, shared_fixtures):
    import_files(project, [shared_fixtures / FOLDER])
    text = str([project.query(f"SELECT * FROM {t}") for t in ("posts", "accounts", "mentions")])
    for secret in ("DianeDear1", "Diane Dear", "549427370", "macg33zr"):
        assert secret not in text


def test_cli_imports_the_pair(cli, project_path, shared_fixtures):
    result = cli("import", project_path, shared_fixtures / FOLDER / USERS, shared_fixtures / FOLDER / DATA, "--json")
    assert result.exit_code == 0, result.output
    with Project.open(project_path) as project:
        assert project.scalar("SELECT count(*) FROM notices WHERE notice_type = 'authors_unresolved'") == 0
        assert project.scalar("SELECT count(*) FROM posts") == 114


def test_a_data_file_too_large_for_the_sniff_window_is_still_detected(shared_fixtures, tmp_path):
    tweets = orjson.loads((shared_fixtures / FOLDER / DATA).read_bytes())
    large = tmp_path / "data_1.json"
    large.write_bytes(orjson.dumps(tweets * 5))  # one line, as jsonlite writes it, over 256 KiB
    assert large.stat().st_size > 256 * 1024
    assert detect_format(large).format == "twitter-v2"
