"""`peelian check` on one draft (file or standard input), on a CSV of posts exported from a real-format
import, and on the labelled draft set; bad input is one line naming the problem, exit 2."""

from __future__ import annotations

import csv
import json

import pytest

from peelian.checks import check_draft
from peelian.checks.evaluate import load_labelled
from tests.conftest import ROOT

FLAT = "twitter_v2/twarc-csv__flat.jsonl"


def test_one_draft_from_a_file_and_from_standard_input(cli, tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_text("Lost dog found, ring me on 07700 900123. The [bold]thug[/bold] who did this was arrested.")
    result = cli("check", draft)
    assert result.exit_code == 0
    assert "07700 900123" in result.output and "personal data" in result.output and "thug" in result.output
    as_json = json.loads(cli("check", "-", "--json", input="All quiet in Leeds tonight.").output)
    assert as_json == {"findings": [], "risks": []}
    found = json.loads(cli("check", "-", "--json", input="Email me: jo.b@gmail.com").output)
    assert found["risks"] == ["personal_data"] and found["findings"][0]["text"] == "jo.b@gmail.com"


def test_csv_of_the_labelled_set_matches_the_library(cli, tmp_path):
    rows = load_labelled(ROOT / "tests" / "data" / "checks" / "drafts.jsonl")
    source, out = tmp_path / "drafts.csv", tmp_path / "checked.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        writer.writerows([row["id"], row["text"]] for row in rows)
    summary = json.loads(cli("check", source, "--text", "text", "--out", out, "--json").output)
    checked = list(csv.DictReader(out.open(encoding="utf-8")))
    assert summary["rows"] == len(rows) == len(checked)
    expected = [";".join(sorted({f.risk for f in check_draft(row["text"])})) for row in rows]
    assert [r["check_risks"] for r in checked] == expected
    assert summary["flagged"] == sum(bool(e) for e in expected)


def test_csv_exported_from_a_real_format_import(cli, project_path, shared_fixtures, tmp_path):
    cli("import", project_path, shared_fixtures / FLAT)
    posts, out = tmp_path / "posts.csv", tmp_path / "checked.csv"
    assert cli("export", project_path, "posts", "--to", posts).exit_code == 0
    result = cli("check", posts, "--text", "text", "--out", out)
    assert result.exit_code == 0 and "checked 164 posts" in result.output
    checked = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(checked) == 164 and {"check_risks", "check_details"} <= set(checked[0])


@pytest.mark.parametrize(("content", "args", "message"), [
    (b"", (), "the draft is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", (), "is a binary file"),
    (b"id,body\n1,hello\n", ("--text", "text", "--out", "o.csv"), "has no column 'text'"),
    (b"id,text\n1,hello\n", (), "needs --text COLUMN and --out FILE"),
])
def test_bad_input_is_one_line_exit_2(cli, tmp_path, content, args, message):
    name = "drafts.csv" if b"," in content else "draft.txt"
    path = tmp_path / name
    path.write_bytes(content)
    result = cli("check", path, *(str(tmp_path / a) if a == "o.csv" else a for a in args))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0]


def test_checking_a_draft_loads_no_data_library():
    """`peelian check` opens no project, so a cold check pays for neither DuckDB nor Arrow, nor for
    libphonenumber on a draft with no phone-shaped number (cold-start timings: benchmarks/checks.py)."""
    import subprocess
    import sys

    code = ("import sys\nfrom peelian.cli.main import app\ntry:\n    app(['check', '-', '--json'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('duckdb', 'pyarrow', 'numpy', 'phonenumbers') if m in sys.modules), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], input="A man, 34, was charged. Call 101.", capture_output=True,
                          text=True, timeout=120, check=True)
    assert json.loads(done.stdout)["risks"] == []
    assert done.stderr.strip().splitlines()[-1] == "[]"
