"""The metrics commands: `metrics PROJECT` and `metrics export` side by side, `unanswered`,
`threads`, `expectations import|gap|list`; errors exit 2 with one clear line."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from peelian import Project
from tests.metrics.helpers import Corpus


@pytest.fixture
def path(project_path):
    project = Project.open(project_path)
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    team = c.police("wmp_team", "West Midlands", "team")
    alice, bob = c.citizen("alice"), c.citizen("bob")
    c.post("P1", wmp, "2025-02-03 10:00", "Road closed")
    c.post("Q1", alice, "2025-02-03 10:10", "When will it reopen?", reply_to="P1")
    c.post("R1", team, "2025-02-03 10:40", "About an hour", reply_to="Q1")
    c.post("Q2", bob, "2025-02-04 09:00", "Is anyone hurt?", reply_to="P1")
    c.post("P2", wmp, "2025-03-10 12:00", "March news")
    c.gold("P1", "topic", "traffic")
    c.save()
    project.close()
    return project_path


def test_metrics_defaults_to_the_last_full_month(cli, path):
    result = cli("metrics", path)
    assert result.exit_code == 0, result.output
    assert "metrics 2025-02-01 to 2025-02-28" in result.output
    assert "West Midlands" in result.output and "window: 72h" in result.output
    assert "sources — needs_response: heuristic" in result.output


def test_metrics_json_with_grouping_and_parameters(cli, path):
    result = cli("metrics", path, "--by", "force,account_type,month", "--from", "2025-01-01", "--to", "2025-03-31",
                 "--office-hours", "Mon-Fri 08:00-18:00", "--window", "48h", "--needs-response", "questions", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["params"]["window"] == "48h" and data["params"]["office_hours"].startswith("Mon-Fri 08:00-18:00")
    assert data["by"] == ["force", "account_type"] and data["period"] == "month"
    feb = [r for r in data["rows"] if r["period"] == "2025-02-01" and r["account_type"] == "force_corporate"][0]
    assert (feb["needs_response"], feb["responded"], feb["unanswered"]) == (2, 1, 1)
    assert {r["period"] for r in data["rows"]} == {"2025-01-01", "2025-02-01", "2025-03-01"}


def test_metrics_show_is_the_same_command(cli, path):
    assert cli("metrics", "show", path, "--json").output == cli("metrics", path, "--json").output


def test_export_all_formats(cli, path, tmp_path):
    for suffix in ("parquet", "csv", "json"):
        out = tmp_path / f"set.{suffix}"
        result = cli("metrics", "export", path, "--to", out)
        assert result.exit_code == 0, result.output
        assert out.exists() and (tmp_path / "set.schema.md").exists()
    table = pq.read_table(tmp_path / "set.parquet")
    assert table.column_names[:3] == ["force", "account_type", "month"]
    assert b"peelian.metric_set.params" in table.schema.metadata
    rows = json.loads((tmp_path / "set.json").read_text())
    assert len(rows) == table.num_rows and (tmp_path / "set.csv").read_text().startswith('"force","account_type"')
    bad = cli("metrics", "export", path, "--to", tmp_path / "set.xlsx")
    assert bad.exit_code == 2 and "unknown export format" in bad.output


def test_unanswered_and_threads(cli, path):
    result = cli("unanswered", path, "--json")
    rows = json.loads(result.output)
    assert [r["post_id"] for r in rows] == ["Q2"] and rows[0]["account_handle"] == "wmp"
    assert "Is anyone hurt?" in cli("unanswered", path).output
    assert "no unanswered posts" in cli("unanswered", path, "--force", "West Midlands", "--platform", "twitter",
                                        "--older-than", "3000d").output
    tree = cli("threads", path, "--conversation", "Q1")
    assert tree.exit_code == 0
    lines = tree.output.splitlines()
    assert lines[1].startswith("P1 @wmp (police, West Midlands, force_corporate)")
    assert any(line.startswith("    R1 @wmp_team") and "+30m" in line for line in lines)
    assert json.loads(cli("threads", path, "--conversation", "P1", "--json").output)["posts"] == 4


def test_expectations_commands(cli, path, tmp_path):
    survey = tmp_path / "survey.csv"
    survey.write_text("topic,expected_share\ntraffic,0.4\nappeal,0.6\n")
    result = cli("expectations", "import", path, survey)
    assert result.exit_code == 0 and "imported 2 rows of survey survey" in result.output
    gap = cli("expectations", "gap", path)
    assert "TVD 0.600" in gap.output and "+60 pts" in gap.output
    assert json.loads(cli("expectations", "list", path, "--json").output)[0]["survey"] == "survey"
    survey.write_text("topic,expected_share\nburglary,0.4\n")
    bad = cli("expectations", "import", path, survey)
    assert bad.exit_code == 2 and "unknown topic 'burglary'" in bad.output


@pytest.mark.parametrize(("args", "message"), [
    (("--window", "soon"), "cannot read 'soon' as a duration"),
    (("--by", "colour"), "cannot group by 'colour'"),
    (("--office-hours", "always"), "cannot read office hours"),
    (("--from", "March"), "cannot read --from 'March'"),
])
def test_bad_options_exit_2(cli, path, args, message):
    result = cli("metrics", path, *args)
    assert result.exit_code == 2 and message in result.output


def test_missing_project_and_conversation(cli, path, tmp_path):
    assert cli("metrics", tmp_path / "none.peelian").exit_code == 2
    result = cli("threads", path, "--conversation", "nope")
    assert result.exit_code == 2 and "no conversation or post 'nope'" in result.output


def test_threads_without_a_conversation_lists_recent_ones(cli, path):
    result = cli("threads", path)
    assert result.exit_code == 0, result.output
    assert "recent conversations" in result.output and "show one: peelian threads" in result.output
    recent = json.loads(cli("threads", path, "--json").output)
    # P2 has no replies; a listing of dialogues leaves it out
    assert [(r["conversation_id"], r["posts"], r["police_posts"], r["citizen_posts"], r["forces"]) for r in recent] \
        == [("P1", 4, 2, 2, ["West Midlands"])]
    assert json.loads(cli("threads", path, "--json", "--platform", "twitter", "--force", "West Midlands").output) \
        == recent


def test_threads_takes_a_post_id_or_a_link(cli, path):
    by_option = json.loads(cli("threads", path, "--conversation", "Q2", "--json").output)
    for wanted in ("Q2", "https://example.org/twitter/R1", "https://x.com/someone/status/Q1"):
        result = cli("threads", path, wanted, "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == by_option
    missing = cli("threads", path, "https://example.org/twitter/nothing")
    assert missing.exit_code == 2 and "no post with the link" in missing.output
    both = cli("threads", path, "Q1", "--conversation", "Q2")
    assert both.exit_code == 2 and "give the conversation once" in both.output


@pytest.fixture
def queue(project_path):
    """Three unanswered questions, one with a long link."""
    project = Project.open(project_path)
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    c.post("P1", wmp, "2025-02-03 10:00", "Road closed")
    for n, name in enumerate(("alice", "bob", "carol")):
        c.post(f"Q{n}", c.citizen(name), f"2025-02-0{4 + n} 09:00", "Is anyone hurt?", reply_to="P1")
    c.post("P2", wmp, "2025-03-10 12:00", "March news")
    c.save()
    project.con.execute("UPDATE posts SET url = ? WHERE post_id = 'Q0'", [LONG_LINK])
    project.close()
    return project_path


LONG_LINK = "https://example.org/twitter/" + "/".join(["a-long-path-segment"] * 5) + "/Q0"


def test_unanswered_shows_post_ids_whole_links_and_how_many_there_are(cli, queue):
    page = cli("unanswered", queue, "--limit", "2")
    assert page.exit_code == 0, page.output
    assert "showing 2 of 3 (--limit" in page.output
    assert "Q0" in page.output and "Q1" in page.output and "Q2" not in page.output
    assert LONG_LINK in page.output  # not wrapped: a pipe gets the whole table
    assert "showing 3 of 3" in cli("unanswered", queue, "--limit", "2", "--offset", "2").output
    everything = cli("unanswered", queue, "--limit", "0").output
    assert "Q2" in everything and "showing" not in everything
    assert "showing" not in cli("unanswered", queue).output
    as_json = cli("unanswered", queue, "--limit", "1", "--json")
    assert [(r["post_id"], r["url"]) for r in json.loads(as_json.stdout)] == [("Q0", LONG_LINK)]
    assert "showing 1 of 3" in as_json.stderr


@pytest.mark.parametrize(("width", "links"), [(250, True), (90, False)])
def test_unanswered_shows_links_whole_or_not_at_all_in_a_terminal(cli, queue, monkeypatch, width, links):
    from rich.console import Console

    from peelian.cli import metrics_cmds

    monkeypatch.setattr(metrics_cmds, "console", Console(force_terminal=True, width=width))
    result = cli("unanswered", queue)
    assert result.exit_code == 0, result.output
    assert "Q0" in result.output and "Q2" in result.output
    assert (LONG_LINK in result.output) is links
    assert ("links: widen the terminal, or use --json" in result.output) is not links


@pytest.mark.parametrize("command", [("unanswered",), ("metrics",), ("metrics", "export", "--to", "set.csv"),
                                     ("threads",), ("benchmark",), ("network",), ("expectations", "gap"),
                                     ("triage",), ("triage", "summary")])
def test_a_force_the_project_does_not_hold_is_an_error_not_an_empty_answer(cli, path, tmp_path, monkeypatch, command):
    """A misspelt force selected nothing, and "no unanswered posts" (exit 0) read as an empty inbox."""
    monkeypatch.chdir(tmp_path)
    subcommand = 2 if len(command) > 1 and command[1] in ("export", "gap", "summary") else 1
    result = cli(*command[:subcommand], path, *command[subcommand:], "--force", "west midlands")
    assert result.exit_code == 2, result.output
    assert "unknown force 'west midlands'; did you mean 'West Midlands'? (the project's forces: West Midlands)" \
        in result.output
    assert not (tmp_path / "set.csv").exists()


def test_unknown_platform_account_type_and_account_are_errors_naming_what_the_project_holds(cli, path):
    platform = cli("unanswered", path, "--platform", "x")
    assert platform.exit_code == 2 and "unknown platform 'x' (the project's platforms: twitter)" in platform.output
    kind = cli("metrics", path, "--account-type", "corporate")
    assert kind.exit_code == 2
    assert "unknown account type 'corporate' (the project's account types: force_corporate, team)" in kind.output
    handle = cli("triage", path, "--account", "@WMP")
    assert handle.exit_code == 2 and "'@WMP' is the handle of account 'id_wmp'" in handle.output
    account = cli("unanswered", path, "--account", "id_kent")
    assert account.exit_code == 2
    assert "unknown police account 'id_kent' (the project's police accounts: id_wmp (@wmp), id_wmp_team (@wmp_team))" \
        in account.output
    assert cli("unanswered", path, "--account", "id_wmp", "--account-type", "force_corporate").exit_code == 0
