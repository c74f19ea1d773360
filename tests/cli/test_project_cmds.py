"""The foundation commands, driven the way a user types them."""

from __future__ import annotations

import csv
import json
import re

FLAT = "twitter_v2/twarc-csv__flat.jsonl"
STREAM = "twitter_v2/twarc-csv__streaming_output_with_error.jsonl"


def test_init_then_import_then_status(cli, tmp_path, shared_fixtures):
    path = tmp_path / "force.peelian"
    assert cli("init", path).exit_code == 0
    result = cli("import", path, shared_fixtures / FLAT, "--json")
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.output)
    assert report["format"] == "twitter-v2" and report["reconciles"] and report["posts_new"] == 164
    status = json.loads(cli("status", path, "--json").output)
    assert status["totals"]["posts"] == 164
    assert {r["kind"] for r in status["by_kind"]} == {"original", "reply", "repost", "quote"}
    human = cli("status", path)
    assert "164 posts" in human.output and "records read" in human.output


def test_import_with_quarantine_exits_1_and_names_the_line(cli, project_path, shared_fixtures):
    result = cli("import", project_path, shared_fixtures / STREAM)
    assert result.exit_code == 1
    assert "line 8" in result.output and "truncated" in result.output
    rows = json.loads(cli("quarantine", project_path, "--json").output)
    assert rows[0]["location"] == "line 8" and rows[0]["path"].endswith("streaming_output_with_error.jsonl")


def test_init_twice_is_a_clear_error(cli, project_path):
    result = cli("init", project_path)
    assert result.exit_code == 2 and "already exists" in result.output


def test_open_missing_project_is_a_clear_error(cli, tmp_path, shared_fixtures):
    result = cli("status", tmp_path / "nope.peelian")
    assert result.exit_code == 2 and "peelian init" in result.output


def test_import_unknown_format_and_missing_file(cli, project_path, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("plain words\n")
    result = cli("import", project_path, notes)
    assert result.exit_code == 1 and "not recognised" in result.output
    result = cli("import", project_path, tmp_path / "missing.jsonl")
    assert result.exit_code == 2 and "no such file" in result.output


def test_import_unknown_named_format(cli, project_path, shared_fixtures):
    result = cli("import", project_path, shared_fixtures / FLAT, "--format", "myspace")
    assert "unknown format 'myspace'" in result.output


def test_export_and_imports_history(cli, project_path, shared_fixtures, tmp_path):
    cli("import", project_path, shared_fixtures / FLAT)
    out = tmp_path / "posts.parquet"
    result = cli("export", project_path, "posts", "--to", out)
    assert result.exit_code == 0 and out.exists() and "164 rows" in result.output
    history = json.loads(cli("imports", project_path, "--json").output)
    assert len(history) == 1 and history[0]["posts_new"] == 164


def test_registry_import_via_cli(cli, project_path, tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("platform,handle,force,account_type\ntwitter,wmpolice,West Midlands Police,force_corporate\n")
    result = cli("registry", "import", project_path, reg)
    assert result.exit_code == 0 and "1 accounts of 1 force" in result.output
    shown = json.loads(cli("registry", "show", project_path, "--json").output)
    assert shown[0]["force"] == "West Midlands Police"
    bad = tmp_path / "bad.csv"
    bad.write_text("platform,handle,force,account_type\ntwitter,x,A,sheriff\n")
    result = cli("registry", "import", project_path, bad)
    assert result.exit_code == 2 and "row 2" in result.output


def test_formats_lists_twitter(cli):
    result = cli("formats", "--json")
    assert any(f["format"] == "twitter-v2" for f in json.loads(result.output))


def test_importer_option_names_the_archive_owner(cli, project_path, shared_fixtures, tmp_path):
    import shutil

    archive = tmp_path / "tweets.js"  # alone: no manifest.js beside it
    shutil.copy(shared_fixtures / "twitter_archive/milahu__tweets.js", archive)
    reg = tmp_path / "r.csv"
    reg.write_text("platform,handle,force,account_type\ntwitter,archiveowner,Test Police,officer\n")
    cli("registry", "import", project_path, reg)
    result = cli("import", project_path, archive, "--option", "handle=archiveowner", "--json")
    assert json.loads(result.output)[0]["posts_new"] > 1000
    status = json.loads(cli("status", project_path, "--json").output)
    assert status["by_force"][0]["force"] == "Test Police"
    bad = cli("import", project_path, archive, "--option", "handle")
    assert bad.exit_code == 2 and "key=value" in bad.output


def test_quarantine_listing_says_what_it_is_out_of_and_refuses_an_unknown_import(cli, project_path, shared_fixtures,
                                                                                  tmp_path):
    """The listing stopped at --limit without a word while status counted them all, and an import
    that does not exist was "nothing quarantined"."""
    lines = (shared_fixtures / FLAT).read_text(encoding="utf-8").splitlines()
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_text("\n".join(line if i % 2 == 0 else line[: len(line) // 2] for i, line in enumerate(lines[:20]))
                       + "\n", encoding="utf-8")
    assert cli("import", project_path, damaged).exit_code == 1
    assert "quarantine: 10 records" in cli("status", project_path).output
    cut = cli("quarantine", project_path, "--limit", "4")
    assert cut.exit_code == 0 and "showing 4 of 10 (--limit N, or 0 for all)" in cut.output
    assert "showing" not in cli("quarantine", project_path, "--import", "1", "--limit", "0").output
    missing = cli("quarantine", project_path, "--import", "7")
    assert missing.exit_code == 2 and "no import #7 (imports are #1 to #1: peelian imports)" in missing.output


def test_status_gives_times_to_the_minute_and_counts_posts_without_a_time(cli, project_path, shared_fixtures,
                                                                             tmp_path):
    """The span printed microseconds ('13:55:51.777000'), and posts whose export gave no time were
    counted in the total without a word, though no figure by period includes them."""
    source = shared_fixtures / "facebook_scraper" / "Ajay263__Scrapped_FB.csv"
    rows = list(csv.reader(source.open(encoding="utf-8")))
    keep = [i for i, column in enumerate(rows[0]) if column not in ("time", "timestamp")]
    untimed = tmp_path / "untimed.csv"
    with untimed.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[row[i] for i in keep] for row in rows])
    assert cli("import", project_path, shared_fixtures / FLAT, untimed).exit_code == 0
    status = cli("status", project_path)
    first = status.output.splitlines()[0]
    assert re.search(r"posts by [\d,]+ accounts, \d{4}-\d\d-\d\d \d\d:\d\d to \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\)$",
                     first), first
    # the four rows; the post the share names has its time from shared_time
    assert "4 post(s) without a time (their export gave none): no figure by date counts them" in status.output
    assert json.loads(cli("status", project_path, "--json").output)["totals"]["untimed_posts"] == 4


def test_file_names_are_shown_as_they_are_not_read_as_markup(cli, project_path, shared_fixtures, tmp_path):
    """A file called '[red]capture.jsonl' was listed as 'capture.jsonl' (in red) by the import
    summary, the 'identical to import' line and peelian imports; the quarantine listing escaped it."""
    named = tmp_path / "[red]capture [v2].jsonl"
    named.write_bytes((shared_fixtures / "twitter_v2" / "twarc-csv__two_tweets.jsonl").read_bytes())
    first = cli("import", project_path, named)
    assert first.exit_code == 0 and "[red]capture [v2].jsonl" in first.output
    again = cli("import", project_path, named)
    assert f"{named}: identical to import #1" in " ".join(again.output.split())
    assert "[red]capture [v2].jsonl" in cli("imports", project_path).output


def test_written_and_read_file_names_are_shown_as_they_are(cli, project_path, shared_fixtures, tmp_path):
    """'wrote … to [red]posts.csv' printed 'posts.csv' (export, coding sheets and their import, the
    metric set, the force report, graphs)."""
    cli("import", project_path, shared_fixtures / FLAT)
    out = tmp_path / "[red]posts.csv"
    result = cli("export", project_path, "posts", "--to", out)
    assert result.exit_code == 0 and f"to {out}" in " ".join(result.output.split())
    metric_set = tmp_path / "[b]set.csv"
    assert f"to {metric_set}" in " ".join(cli("metrics", "export", project_path, "--to", metric_set).output.split())


def test_a_file_or_project_name_with_control_characters_is_printed_visibly(cli, shared_fixtures, tmp_path):
    """Paths were printed with Rich's `escape` only: an ANSI sequence or a newline in a file's name reached the
    terminal raw (it could recolour or rewrite what the operator reads); `shown` writes them as \\x1b and \\x0a."""
    project = tmp_path / "study\x1b[2Jwiped.peelian"
    assert cli("init", project).exit_code == 0
    named = tmp_path / "capture\x1b[31m\nforged line.jsonl"
    named.write_bytes((shared_fixtures / "twitter_v2" / "twarc-csv__two_tweets.jsonl").read_bytes())
    outputs = {"init": cli("init", tmp_path / "other\x1b[2J.peelian").output,
               "import": cli("import", project, named).output, "again": cli("import", project, named).output,
               "imports": cli("imports", project).output, "status": cli("status", project).output}
    for command, output in outputs.items():
        assert "\x1b" not in output and "\nforged line" not in output, (command, output)
    assert "capture\\x1b[31m\\x0aforged" in " ".join(outputs["again"].split()), outputs["again"]
    assert "study\\x1b[2Jwiped.peelian" in outputs["status"].splitlines()[0]
    assert "other\\x1b[2J.peelian" in outputs["init"]


def test_an_error_naming_a_path_with_control_characters_prints_them_visibly(cli, project_path, tmp_path):
    """The error line escaped markup only: a missing file called 'x<ESC>[2J.jsonl' cleared the operator's screen."""
    result = cli("import", project_path, tmp_path / "x\x1b[2J\rforged.jsonl")
    assert result.exit_code == 2
    assert "\x1b" not in result.output and "\r" not in result.output
    assert "x\\x1b[2J\\x0dforged.jsonl" in result.output and "no such file" in result.output
