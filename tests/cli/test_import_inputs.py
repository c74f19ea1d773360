"""What `peelian import` and `peelian init` say about the paths they are given: a folder, a CSV of
other columns, an existing ordinary file."""

from __future__ import annotations

import json

V2 = "twitter_v2"


def test_import_a_folder_imports_each_file_and_reports_the_unrecognised(cli, project_path, shared_fixtures,
                                                                         tmp_path):
    folder = tmp_path / "exports"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "pages.jsonl").write_bytes((shared_fixtures / V2 / "twarc-csv__flat.jsonl").read_bytes())
    (folder / "readme.txt").write_text("what these files are\n")
    result = cli("import", project_path, folder, "--json")
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [(r["path"], r["format"]) for r in reports] == [
        (str(folder / "readme.txt"), "unknown"), (str(folder / "sub" / "pages.jsonl"), "twitter-v2")]
    assert "format not recognised" in reports[0]["skipped"] and reports[1]["posts_new"] == 164
    human = cli("import", project_path, folder, "--force")
    assert "skipped" in human.output and "readme.txt" in human.output and "pages.jsonl" in human.output


def test_import_a_csv_of_other_columns_names_the_map_it_needs(cli, project_path, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("id,message,time,user\n1,hello,2024-05-01T10:00:00,someone\n")
    result = cli("import", project_path, path)
    assert "post_id, created_at, text and author" in result.output
    assert "--map post_id=id,created_at=time,text=message,author=user" in result.output
    result = cli("import", project_path, path, "--map", "post_id=id,created_at=time,text=message,author=user",
                 "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["posts_new"] == 1


def test_init_on_an_ordinary_file_or_a_folder_says_so(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    result = cli("init", notes)
    assert result.exit_code == 2 and "already exists and is not a Peelian project" in result.output
    assert notes.read_text() == "keep me\n"
    result = cli("init", tmp_path)
    assert result.exit_code == 2 and "is a folder; name the project file to create" in result.output


def test_an_import_with_notices_says_where_to_read_them(cli, project_path, shared_fixtures):
    """The table counted notices (a compliance file's deletions) and nothing said where they are."""
    result = cli("import", project_path, shared_fixtures / "twitter_v2" / "twarc-csv__tweets_compliance.jsonl")
    assert result.exit_code == 0, result.output
    assert f"2 notice(s) (deletions, withheld or missing posts, superseded edits, API errors the files report): " \
           f"peelian export {project_path} notices --to notices.csv" in " ".join(result.output.split())
    quiet = cli("import", project_path, shared_fixtures / "twitter_v2" / "twarc-csv__two_tweets.jsonl")
    assert "notice(s)" not in quiet.output
