"""Every command's date options: a bad value is refused naming the option the user typed and the value, as
`peelian network` does (tests/cli/test_network_dates.py), never the library's parameter (date_from, date_to,
as_of) that the user never saw; exit code 2, nothing written."""

from __future__ import annotations

import json

import pytest

LIBRARY_NAMES = ("date_from", "date_to", "as_of", "Traceback")


def words(output: str) -> str:
    return " ".join(output.replace("│", " ").split())


OUT_OF_RANGE = "must lie between 1970-01-01 and 2100-12-31"

CASES = [
    # peelian metrics: the unreadable day named the option already; the range and the order did not
    (("metrics", "--from", "1800-01-01"), f"--from {OUT_OF_RANGE} (got 1800-01-01)"),
    (("metrics", "--to", "3000-01-01"), f"--to {OUT_OF_RANGE} (got 3000-01-01)"),
    (("metrics", "--from", "2025-02-01", "--to", "2025-01-01"), "--to 2025-01-01 is before --from 2025-02-01"),
    (("metrics", "--to", "2025-13-01"), "cannot read --to '2025-13-01'; write YYYY-MM-DD"),
    (("metrics", "--as-of", "1800-01-01"), f"--as-of {OUT_OF_RANGE} (got 1800-01-01)"),
    # peelian metrics export takes --from-date/--to-date, and said --from/--to
    (("metrics", "export", "--from-date", "2025-13-01"), "cannot read --from-date '2025-13-01'; write YYYY-MM-DD"),
    (("metrics", "export", "--to-date", "yesterday"), "cannot read --to-date 'yesterday'; write YYYY-MM-DD"),
    (("metrics", "export", "--from-date", "1800-01-01"), f"--from-date {OUT_OF_RANGE} (got 1800-01-01)"),
    (("metrics", "export", "--from-date", "2025-02-01", "--to-date", "2025-01-01"),
     "--to-date 2025-01-01 is before --from-date 2025-02-01"),
    (("metrics", "export", "--as-of", "0001-01-01"), f"--as-of {OUT_OF_RANGE} (got 0001-01-01)"),
    # the other commands that read days through the metrics filters
    (("unanswered", "--from", "1800-01-01"), f"--from {OUT_OF_RANGE} (got 1800-01-01)"),
    (("unanswered", "--from", "2025-02-01", "--to", "2025-01-01"), "--to 2025-01-01 is before --from 2025-02-01"),
    (("expectations", "gap", "--to", "3000-01-01"), f"--to {OUT_OF_RANGE} (got 3000-01-01)"),
    (("expectations", "gap", "--from", "2025-02-01", "--to", "2025-01-01"),
     "--to 2025-01-01 is before --from 2025-02-01"),
    (("triage", "summary", "--from", "1800-01-01"), f"--from {OUT_OF_RANGE} (got 1800-01-01)"),
    (("triage", "summary", "--from", "2025-02-01", "--to", "2025-01-01"),
     "--to 2025-01-01 is before --from 2025-02-01"),
    (("triage", "summary", "--as-of", "1800-01-01"), f"--as-of {OUT_OF_RANGE} (got 1800-01-01)"),
    (("triage", "--as-of", "3000-01-01"), f"--as-of {OUT_OF_RANGE} (got 3000-01-01)"),
    # --since of the inbox is a duration: the library's message named neither the option nor "all"
    (("triage", "--since", "yesterday"), "--since 'yesterday': cannot read 'yesterday' as a duration"),
    (("triage", "summary", "--since", "yesterday"), "--since 'yesterday': cannot read 'yesterday' as a duration"),
    # peelian report: a month outside the filters' days was an unexpected error (exit 3, a traceback)
    (("report", "--force", "Kent", "--month", "1800-01"), "--month must lie between 1970-01 and 2100-12 (got 1800-01)"),
    (("report", "--force", "Kent", "--month", "0001-01"), "--month must lie between 1970-01 and 2100-12 (got 0001-01)"),
    (("report", "--force", "Kent", "--month", "2025-13"), "cannot read --month '2025-13'; write YYYY-MM, e.g. 2025-05"),
    # the assessment's --period: the library's reason said "period", not the option typed
    (("assess", "init", "--force", "Kent", "--period", "2025-13"),
     "--period '2025-13': unknown period '2025-13'; write a quarter (2025-Q2), a month (2025-06) or a year (2025)"),
    (("assess", "answer", "--force", "Kent", "--file", "answers.yaml", "--period", "1800-Q1"),
     "--period '1800-Q1': period 1800-Q1 is outside 1970 to 2100"),
    (("assess", "show", "--force", "Kent", "--period", "2025-Q5"), "--period '2025-Q5': unknown period '2025-Q5'"),
    (("assess", "compare", "--period", "9999"), "--period '9999': period 9999 is outside 1970 to 2100"),
    (("benchmark", "--period", "1800"), "--period '1800': period 1800 is outside 1970 to 2100"),
]


def _invoke(cli, project_path, tmp_path, args: tuple[str, ...], *extra: str):
    """The command with the project after its (sub)command names, and a destination where it needs one."""
    split = next(i for i, a in enumerate(args) if a.startswith("--"))
    command, options = args[:split], args[split:]
    to = ("--to", tmp_path / "out.html" if command == ("report",) else tmp_path / "out.csv")
    needs_to = command in {("report",), ("metrics", "export")}
    return cli(*command, project_path, *options, *(to if needs_to else ()), *extra)


@pytest.mark.parametrize(("args", "message"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_bad_date_option_names_the_option_and_the_value(cli, project_path, tmp_path, args, message):
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,force,account_type\ntwitter,kentpolice,Kent,force_corporate\n")
    assert cli("registry", "import", project_path, registry).exit_code == 0
    result = _invoke(cli, project_path, tmp_path, args)
    assert result.exit_code == 2, result.output
    said = words(result.output)
    assert message in said, said
    assert not [name for name in LIBRARY_NAMES if name in said], said
    assert not list(tmp_path.glob("out.*"))


def test_the_json_summary_names_the_option_typed(cli, project_path, tmp_path):
    result = cli("metrics", "export", project_path, "--to", tmp_path / "m.csv", "--to-date", "2100-13-01", "--json")
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 2 and not summary["written"]
    assert "cannot read --to-date '2100-13-01'" in summary["error"], summary


def test_good_days_still_bound_the_export(cli, project_path, tmp_path):
    """The days `metrics export` reads from --from-date/--to-date are the ones it exports."""
    from peelian import Project
    from tests.metrics.helpers import Corpus

    with Project.open(project_path) as project:
        c = Corpus(project)
        wmp, alice = c.police("wmp", "West Midlands"), c.citizen("alice")
        c.post("P1", wmp, "2025-02-03 10:00", "Road closed")
        c.post("Q1", alice, "2025-02-03 10:10", "When will it reopen?", reply_to="P1")
        c.post("P2", wmp, "2025-03-10 12:00", "March news")
        c.save()

    def months(*options: str) -> list[str]:
        out = tmp_path / "set.json"
        result = cli("metrics", "export", project_path, "--to", out, *options)
        assert result.exit_code == 0, result.output
        return sorted(str(r["month"])[:7] for r in json.loads(out.read_text()))

    assert months() == ["2025-02", "2025-03"]
    assert months("--from-date", "2025-01-01", "--to-date", "2025-04-30") == ["2025-01", "2025-02", "2025-03",
                                                                             "2025-04"]  # every month of the range
    assert months("--from-date", "2025-03-01") == ["2025-03"]
    assert months("--to-date", "2025-02-28") == ["2025-02"]


@pytest.mark.parametrize("month", ["1970-01", "1970-06", "2100-12"])
def test_a_report_on_the_first_and_last_months_is_written(cli, project_path, tmp_path, month):
    """The months at the ends of the range: the 12-month trend and the month before began before 1970-01-01,
    which no filter may name (an unexpected error, exit 3)."""
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,force,account_type\ntwitter,kentpolice,Kent,force_corporate\n")
    cli("registry", "import", project_path, registry)
    result = cli("report", project_path, "--force", "Kent", "--month", month, "--to", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.html").read_text().startswith("<!doctype html>")


def test_the_report_library_refuses_a_month_out_of_range_too():
    """The web app's reports page reaches parse_month without the CLI's check."""
    from peelian.errors import InputError
    from peelian.report.force_report import parse_month

    with pytest.raises(InputError, match=r"between 1970-01 and 2100-12 \(got 9999-12\)"):
        parse_month("9999-12")
