"""`peelian network --from/--to-date`: a bad day is refused naming the option the user typed and the value,
as `peelian metrics` does, not the library's parameter (date_from, date_to) that the user never saw."""

from __future__ import annotations

import json

import pytest


def words(output: str) -> str:
    return " ".join(output.replace("│", " ").split())


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2025-13-01"), "cannot read --from '2025-13-01'; write YYYY-MM-DD"),
    (("--to-date", "yesterday"), "cannot read --to-date 'yesterday'; write YYYY-MM-DD"),
    (("--from", "1800-01-01"), "--from must lie between 1970-01-01 and 2100-12-31 (got 1800-01-01)"),
    (("--from", "2025-02-01", "--to-date", "2025-01-01"), "--to-date 2025-01-01 is before --from 2025-02-01"),
])
def test_a_bad_day_names_the_option_and_the_value(cli, project_path, args, message):
    result = cli("network", project_path, *args)
    assert result.exit_code == 2, result.output
    said = words(result.output)
    assert message in said, said
    assert "date_from" not in said and "date_to" not in said


def test_the_json_summary_of_a_bad_day_names_the_option(cli, project_path):
    result = cli("network", project_path, "--from", "2025-02-30", "--json")
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 2 and not summary["written"]
    assert "--from '2025-02-30'" in summary["error"] and "date_from" not in summary["error"]


def test_good_days_still_bound_the_network(cli, project_path, shared_fixtures):
    """The days the CLI reads are the ones the network is built for (all the fixture's posts fall in 2021)."""
    cli("import", project_path, shared_fixtures / "twitter_v2/twarc-csv__flat.jsonl")
    every = json.loads(cli("network", project_path, "--json").stdout)
    inside = json.loads(cli("network", project_path, "--from", "2000-01-01", "--to-date", "2099-12-31",
                            "--json").stdout)
    before = json.loads(cli("network", project_path, "--to-date", "2000-01-01", "--json").stdout)
    assert every["edges"] > 0 and inside["edges"] == every["edges"]
    assert before["edges"] == 0
