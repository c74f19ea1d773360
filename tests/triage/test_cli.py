"""`peelian triage`: the inbox, targets, handled and reopen, the summary, and bad input (exit 2, one line);
on the hand-built inbox and on the demo corpus imported from real platform formats."""

from __future__ import annotations

import json

import pytest

from peelian import Project
from peelian.triage import classify_text
from tests.triage.helpers import build_inbox


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "inbox.peelian"
    project = Project.init(path)
    build_inbox(project)
    project.close()
    return path


def test_triage_lists_the_inbox_most_urgent_first(cli, path):
    result = cli("triage", path, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [r["post_id"] for r in data["rows"]] == ["KNIFE", "PRED", "Q", "COMPL"]
    assert data["rows"][0]["risk"] and "999" in data["advice"]
    table = cli("triage", path)
    assert table.exit_code == 0
    assert "1 post(s) describe immediate risk." in table.output and "call 999" in table.output
    assert table.output.index("KNIFE") < table.output.index("PRED") < table.output.index("COMPL")
    assert "4 awaiting a response (1 immediate risk, 2 overdue, 2 within target)" in table.output
    assert cli("triage", "show", path, "--json").output == result.output


def test_since_and_force(cli, path):
    recent = json.loads(cli("triage", path, "--since", "150m", "--json").output)
    assert [r["post_id"] for r in recent["rows"]] == ["KNIFE", "PRED"]
    unknown = cli("triage", path, "--force", "Kent", "--json")
    assert unknown.exit_code == 2 and "unknown force 'Kent'" in unknown.output


def test_targets_set_list_and_reorder(cli, path):
    result = cli("triage", "targets", path, "--set", "question=1h,urgent=10m", "--force", "West Midlands",
                 "--by", "ana", "--json")
    assert result.exit_code == 0, result.output
    rows = {(r["force"], r["intent"]): r for r in json.loads(result.output)}
    assert rows[("West Midlands", "question")]["target"] == "1h"
    assert rows[("West Midlands", "urgent")]["target"] == "10m"
    data = json.loads(cli("triage", path, "--json").output)
    assert [r["post_id"] for r in data["rows"]] == ["KNIFE", "Q", "PRED", "COMPL"]
    office = cli("triage", "targets", path, "--set", "complaint=8h", "--office-hours")
    assert office.exit_code == 0 and "8h office hours (Mon-Fri 09:00-17:00)" in office.output
    listed = cli("triage", "targets", path)
    assert "all forces" in listed.output and "West Midlands" in listed.output


@pytest.mark.parametrize(("args", "message"), [
    (("triage", "targets", "{path}", "--set", "urgnt=15m"), "unknown intent 'urgnt' in the targets"),
    (("triage", "targets", "{path}", "--set", "urgent=15 minutes"), "target for urgent: cannot read"),
    (("triage", "targets", "{path}", "--set", "urgent=15m", "--force", "Nowhere"), "no force 'Nowhere'"),
    (("triage", "targets", "{path}", "--set", "urgent=1h", "--office-hours", "--hours", "Mon-Fri 9-5"),
     "cannot read office hours"),
    (("triage", "{path}", "--since", "a while"), "cannot read 'a while' as a duration"),
    (("triage", "handle", "{path}", "NOPE", "--reason", "x"), "no post 'NOPE'"),
    (("triage", "handle", "{path}", "Q", "--reason", "  "), "--reason is empty"),
    (("triage", "handle", "{path}", "P1", "--reason", "x"), "post 'P1' on twitter is not awaiting a response"),
    (("triage", "{path}", "--as-of", "0001-01-01"), "--as-of must lie between 1970-01-01 and 2100-12-31"),
    (("triage", "{path}", "--as-of", "9999-12-31T23:59"), "--as-of must lie between 1970-01-01 and 2100-12-31"),
    (("triage", "summary", "{path}", "--as-of", "0001-01-01"), "--as-of must lie between 1970-01-01 and 2100-12-31"),
])
def test_bad_input_is_one_line_and_exit_2(cli, path, args, message):
    result = cli(*(str(a).format(path=path) for a in args))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.output


def test_handle_and_reopen(cli, path):
    done = cli("triage", "handle", path, "Q", "--reason", "rang her back", "--by", "ana")
    assert done.exit_code == 0 and "twitter:Q marked handled elsewhere" in done.output
    assert "Q" not in [r["post_id"] for r in json.loads(cli("triage", path, "--json").output)["rows"]]
    none = cli("triage", "handle", path, "COMPL", "--reason", "spam", "--no-response-needed", "--json")
    assert json.loads(none.output)["outcome"] == "no_response_needed"
    shown = json.loads(cli("triage", path, "--show-handled", "--json").output)["rows"]
    assert {r["post_id"]: r["handled_reason"] for r in shown if r["handled"]} == {
        "Q": "rang her back", "COMPL": "spam"}
    back = cli("triage", "reopen", path, "Q", "--by", "ana")
    assert back.exit_code == 0 and "twitter:Q is back in the inbox" in back.output
    project = Project.open(path, read_only=True)
    try:
        actions = [r["action"] for r in project.query(
            "SELECT action FROM audit_log WHERE target LIKE 'twitter:%' ORDER BY audit_id")]
    finally:
        project.close()
    assert actions == ["handled", "handled", "unhandled"]


def test_summary_has_attainment(cli, path):
    data = json.loads(cli("triage", "summary", path, "--json").output)
    assert data["inbox"]["total"] == 4
    by = {r["intent"]: r for r in data["attainment"]}
    assert by["question"]["attainment"] == 1.0 and by["urgent"]["attainment"] == 0.0
    table = cli("triage", "summary", path)
    assert "target attainment" in table.output and "question" in table.output


def test_triage_on_a_real_format_import(cli, tmp_path):
    path = tmp_path / "demo.peelian"
    assert cli("demo", path, "--posts", "600", "--seed", "2").exit_code == 0
    data = json.loads(cli("triage", path, "--since", "all", "--limit", "0", "--json").output)
    rows = data["rows"]
    assert rows and data["counts"]["total"] == len(rows)
    keys = [(not r["risk"], r["risk_source"] == "semantic", r["time_left_s"] >= 0, r["time_left_s"]) for r in rows]
    assert keys == sorted(keys)
    assert {r["intent_source"] for r in rows} <= {"gold", "predicted", "rules"}
    for r in rows:
        assert r["account_handle"] and r["target"] and r["post_id"]
        if r["risk"] and r["risk_source"] == "rules":  # the rule layer catches what the demo's coders called urgent
            assert classify_text(r["text"]).urgent, r["text"]
        if r["risk"] and r["risk_source"] == "semantic":  # the semantic layer names its nearest prototype
            assert not classify_text(r["text"]).urgent and r["risk_reasons"], r
        assert r["risk"] or set(r["intents"]) & {"question", "report", "urgent", "request_help", "complaint"}
    assert any(r["risk"] for r in rows) and data["risk_layers"]["rules"]


def test_metrics_reports_target_attainment_beside_the_other_figures(cli, path):
    data = json.loads(cli("metrics", path, "--from", "2025-03-01", "--to", "2025-03-31", "--json").output)
    by = {r["intent"]: r for r in data["target_attainment"]}
    assert by["question"]["answered_within_target"] == 1 and by["urgent"]["due"] == 1
    assert data["rows"][0]["needs_response"] >= 1
    table = cli("metrics", path, "--from", "2025-03-01", "--to", "2025-03-31")
    assert table.exit_code == 0 and "target attainment" in table.output


def test_triage_says_when_the_rules_run_alone(cli, path, monkeypatch):
    from peelian.triage import semantic

    monkeypatch.setattr(semantic, "available", lambda: False)
    table = cli("triage", path)
    said = " ".join(table.output.split())  # the console wraps long lines
    assert table.exit_code == 0 and "keyword rules alone" in said and "peelian[embeddings]" in said
    data = json.loads(cli("triage", path, "--json").output)
    assert data["risk_layers"]["semantic"] is False and data["rows"][0]["post_id"] == "KNIFE"


def test_since_zero_is_an_empty_window_and_all_is_any_age(cli, path):
    """--since 0 listed the whole inbox under "posts of the last 0s" (a zero window read as none),
    and --since all was printed as "posts of the last all"."""
    empty = cli("triage", path, "--since", "0")
    assert empty.exit_code == 0 and "nothing awaits a response (posts of the last 0s)" in empty.output
    assert json.loads(cli("triage", path, "--since", "0", "--json").output)["rows"] == []
    every = cli("triage", path, "--since", "all")
    assert "; posts of any age" in " ".join(every.output.split()) and "the last all" not in every.output
    summary = cli("triage", "summary", path, "--since", "all")
    assert "inbox (posts of any age):" in summary.output
