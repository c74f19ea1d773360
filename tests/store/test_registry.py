"""The registry tags police accounts, re-tags stored posts, and undoes pseudonyms for police only."""

from __future__ import annotations

import pytest

from peelian import Project
from peelian.errors import RegistryError
from peelian.ingest import import_file
from peelian.store.registry import import_registry, read_registry_csv

FLAT = "twitter_v2/twarc-csv__flat.jsonl"


def write(tmp_path, text, name="registry.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_registry_after_import_retags_and_restores_real_identity(project, shared_fixtures, tmp_path):
    import_file(project, shared_fixtures / FLAT)
    assert project.scalar("SELECT count(*) FROM accounts WHERE handle = 'LauraisOmitted'") == 0
    reg = write(tmp_path, "platform,handle,force,account_type,unit\n"
                          "twitter,LauraisOmitted,Test Police,officer,North\n"
                          "x,@ZubyMusic,Test Police,force_corporate,\n")
    report = import_registry(project, reg)
    assert report.entries == 2 and report.forces == ["Test Police"]
    account = project.query("SELECT * FROM accounts WHERE handle = 'laurisomitted' OR lower(handle) = 'laurisomitted'"
                            " OR lower(handle) = 'lauraisomitted'")
    assert len(account) == 1
    assert account[0]["role"] == "police" and account[0]["account_type"] == "officer"
    assert not account[0]["pseudonymised"]
    posts = project.query("SELECT author_role, author_force, author_account_type FROM posts "
                          "WHERE lower(author_handle) = 'lauraisomitted'")
    assert posts and all(p["author_role"] == "police" and p["author_force"] == "Test Police" for p in posts)
    # replies to the now-police account point at its account id, and its pseudonym is gone from text and mentions
    assert project.scalar("SELECT count(*) FROM posts WHERE reply_to_account_id = ?", [account[0]["account_id"]]) >= 2
    pseudonym = project.pseudonymiser.handle("twitter", "ZubyMusic")
    assert project.scalar("SELECT count(*) FROM posts WHERE contains(text, ?)", [pseudonym]) == 0
    assert project.scalar("SELECT count(*) FROM mentions WHERE handle = ?", [pseudonym]) == 0
    assert project.scalar("SELECT count(*) FROM posts WHERE contains(lower(text), '@zubymusic')") > 0


def test_registry_before_import_keeps_police_real_and_citizens_pseudonymous(project, shared_fixtures, tmp_path):
    import_registry(project, write(tmp_path, "platform,account_id,force,account_type\n"
                                             "twitter,942248349213904896,Test Police,team\n"))
    import_file(project, shared_fixtures / FLAT)
    team = project.query("SELECT DISTINCT author_id, author_handle, author_account_type FROM posts "
                         "WHERE author_role = 'police'")
    assert team == [{"author_id": "942248349213904896", "author_handle": "JenATweeter", "author_account_type": "team"}]
    citizens = project.query("SELECT author_id, author_handle FROM posts WHERE author_role = 'citizen'")
    assert citizens and all(c["author_id"].startswith("c_") and c["author_handle"].startswith("c_") for c in citizens)
    assert project.scalar("SELECT count(*) FROM accounts WHERE display_name IS NOT NULL AND role = 'citizen'") == 0


def test_removing_an_account_from_the_registry_pseudonymises_it(project, shared_fixtures, tmp_path):
    import_registry(project, write(tmp_path, "platform,handle,force,account_type\ntwitter,JenATweeter,A,team\n"))
    import_file(project, shared_fixtures / FLAT)
    import_registry(project, write(tmp_path, "platform,handle,force,account_type\ntwitter,ZubyMusic,A,team\n", "r2.csv"))
    assert project.scalar("SELECT count(*) FROM posts WHERE author_handle = 'JenATweeter'") == 0
    assert project.scalar("SELECT count(*) FROM accounts WHERE lower(handle) = 'jenatweeter'") == 0


def test_without_pseudonymisation_real_handles_are_kept(tmp_path, shared_fixtures):
    with Project.init(tmp_path / "open.peelian", pseudonymise_citizens=False) as project:
        import_file(project, shared_fixtures / FLAT)
        assert project.scalar("SELECT count(*) FROM posts WHERE author_handle = 'DWDrummer13'") == 2


def test_default_pseudonymisation_leaves_no_real_handle_anywhere(project, shared_fixtures):
    import_file(project, shared_fixtures / FLAT)
    for table, columns in {"posts": ["author_id", "author_handle", "text", "url"],
                           "accounts": ["account_id", "handle", "display_name"],
                           "mentions": ["account_id", "handle"]}.items():
        for column in columns:
            hits = project.scalar(f"SELECT count(*) FROM {table} WHERE contains(lower({column}), 'dwdrummer13') "
                                  f"OR contains(lower({column}), 'zubymusic')")
            assert hits == 0, (table, column)


def test_pseudonyms_are_stable_across_imports(tmp_path, shared_fixtures):
    path = tmp_path / "p.peelian"
    with Project.init(path) as project:
        import_file(project, shared_fixtures / FLAT)
        first = project.query("SELECT post_id, author_id FROM posts ORDER BY post_id")
    with Project.open(path) as project:
        import_file(project, shared_fixtures / FLAT, force=True)
        assert project.query("SELECT post_id, author_id FROM posts ORDER BY post_id") == first


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("platform,handle,force\ntwitter,a,A\n", "missing required column.*account_type"),
        ("platform,force,account_type\ntwitter,A,team\n", "handle or account_id"),
        ("platform,handle,force,account_type\nmyspace,a,A,team\n", "row 2: unknown platform 'myspace'"),
        ("platform,handle,force,account_type\ntwitter,a,A,sheriff\n", "row 2: account_type 'sheriff'"),
        ("platform,handle,force,account_type\ntwitter,a,,team\n", "row 2: force is empty"),
        ("platform,handle,force,account_type,time_zone\ntwitter,a,A,team,Mars/Olympus\n", "unknown time zone"),
        ("platform,handle,force,account_type\n", "no rows"),
    ],
)
def test_bad_registry_rows_are_named(tmp_path, text, message):
    with pytest.raises(RegistryError, match=message):
        read_registry_csv(write(tmp_path, text))


def test_bad_registry_changes_nothing(project, tmp_path):
    import_registry(project, write(tmp_path, "platform,handle,force,account_type\ntwitter,a,A,team\n"))
    with pytest.raises(RegistryError):
        import_registry(project, write(tmp_path, "platform,handle,force,account_type\ntwitter,b,B,wizard\n", "b.csv"))
    assert project.query("SELECT handle, force FROM registry") == [{"handle": "a", "force": "A"}]


def test_registry_not_utf8(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes("platform,handle,force,account_type\ntwitter,a,Polic\xeda,team\n".encode("latin-1"))
    with pytest.raises(RegistryError, match="UTF-8"):
        read_registry_csv(path)


def test_a_registry_saved_with_semicolons_is_read(project, tmp_path):
    """Spreadsheets in many European locales save CSV with ';'; coding sheets were read so, the
    registry was refused ("missing required column(s) … found: platform;handle;…")."""
    report = import_registry(project, write(tmp_path, "platform;handle;force;account_type\n"
                                                      "twitter;wmpolice;West Midlands Police;force_corporate\n"))
    assert report.entries == 1 and report.forces == ["West Midlands Police"]
