"""The assessment and the benchmark read the stored rollup without a fit, and give exactly the figures
computed from the fit: on a demo corpus brought in through an import, with gold and predicted codes
(urgent intents, topics, modes) and an expectations survey, for quarters, months and a year, every
grouping and the account-type filter. What the rollup does not hold is computed from the fit."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest

from peelian import Project
from peelian.assess import benchmark, measure, parse_period
from peelian.assess.measures import latest_period
from peelian.demo.generate import generate
from peelian.ingest import import_file
from peelian.metrics.codes import code_ids
from peelian.metrics.engine import clear_cache, is_prepared
from peelian.metrics.expectations import import_expectations
from peelian.metrics.params import Filters, MetricParams
from peelian.metrics.rollup import STATE_KEY, refresh_rollup, rollup_fresh
from peelian.store.registry import import_registry

METRICS = ["response_rate", "response_rate_1h", "response_rate_24h", "median_response",
           "response_time_office_median_s", "response_time_off_median_s", "two_way_ratio", "one_way_share",
           "reciprocity", "expectations_gap", "posts", "topic_share_appeal"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-force, four-month demo project with codes and a survey, its rollup refreshed."""
    tmp = tmp_path_factory.mktemp("rollup-path")
    files = generate(tmp / "src", posts=3000, seed=5, forces=3, months=4, start="2025-01-01",
                     tweets_per_file=500, mess=False)
    path = tmp / "demo.peelian"
    project = Project.init(path)
    try:
        import_registry(project, files.registry_csv)
        for f in files.files:
            import_file(project, f)
        import_expectations(project, files.expectations_csv)
        topics = code_ids(project, "topic")
        with project.transaction() as con:
            # gold: a topic on a third of the police originals, 'urgent' on a fifth of the citizens' posts
            con.execute(f"""
                INSERT INTO gold SELECT nextval('gold_seq'), platform, post_id, 'topic',
                       [{topics!r}[CAST(1 + hash(post_id) % {len(topics)} AS BIGINT)]], 'test', NULL, NULL, NULL, '1', now()
                FROM posts WHERE author_role = 'police' AND kind = 'original' AND hash(post_id) % 3 = 0""")
            con.execute("""
                INSERT INTO gold SELECT nextval('gold_seq'), platform, post_id, 'citizen_intent',
                       ['urgent', 'question'], 'test', NULL, NULL, NULL, '1', now()
                FROM posts WHERE author_role = 'citizen' AND hash(post_id) % 5 = 0""")
            # predictions of a mode model for the police posts without gold
            con.execute("INSERT INTO models VALUES ('m1', 'mode', '1', 'test', TRUE, now(), 'x', NULL, 0, NULL, NULL)")
            con.execute("""
                INSERT INTO predictions SELECT platform, post_id, 'mode', 'm1',
                       [CASE WHEN hash(post_id) % 2 = 0 THEN 'inform' ELSE 'engage' END], 0.9, NULL, now()
                FROM posts WHERE author_role = 'police' AND hash(post_id) % 4 <> 0""")
        assert refresh_rollup(project)["fresh"]
    finally:
        project.close()
    return path


@pytest.fixture
def project(demo: Path):
    proj = Project.open(demo, read_only=True)
    clear_cache()
    yield proj
    proj.close()


PERIODS = ["2025-Q1", "2025-02", "2025-04", "2025"]


@pytest.mark.parametrize("period", PERIODS)
def test_measured_evidence_from_the_rollup_equals_the_fit_and_needs_no_fit(project, period):
    chosen = parse_period(period)
    stored = measure(project, chosen)
    assert not is_prepared(project, MetricParams()), "the rollup answers without fitting the dialogue"
    fitted = measure(project, chosen, rollup=False)
    assert is_prepared(project, MetricParams())
    assert stored == fitted
    assert {m for figures in stored.values() for m in figures} >= {"response_rate", "response_time_median_s",
                                                                   "urgent_answered_share", "expectations_tvd",
                                                                   "coded_share", "officer_team_share"}
    some = next(iter(stored.values()))
    assert some["coded_share"].numerator and some["urgent_answered_share"].n


@pytest.mark.parametrize("by", ["force", "account_type", "force,account_type"])
@pytest.mark.parametrize(("period", "account_type"), [(None, None), ("2025-Q1", None), ("2025-03", "officer")])
def test_benchmark_from_the_rollup_equals_the_fit(project, by, period, account_type):
    chosen = parse_period(period) if period else None
    filters = Filters(account_type=account_type)
    stored = benchmark(project, METRICS, by, period=chosen, filters=filters)
    assert not is_prepared(project, MetricParams())
    fitted = benchmark(project, METRICS, by, period=chosen, filters=filters, rollup=False)
    assert stored.to_dict() == fitted.to_dict()
    medians = stored.rankings[METRICS.index("median_response")].entries
    assert any(e.low is not None and e.low < e.value < e.high for e in medians), "real intervals compared"
    assert any(e.value is not None for e in stored.rankings[METRICS.index("expectations_gap")].entries)


def test_latest_period_from_the_rollup(project):
    assert latest_period(project).label == "2025-Q2"
    assert not is_prepared(project, MetricParams())


@pytest.mark.parametrize("case", ["cut month", "not kept", "other parameters"])
def test_what_the_rollup_does_not_hold_is_computed_from_the_fit(project, case):
    if case == "cut month":
        result = benchmark(project, ["response_rate"], filters=Filters(date_from=date(2025, 1, 15)))
    elif case == "not kept":
        result = benchmark(project, ["returning_share", "dialogue_depth_median"])
    else:
        result = measure(project, parse_period("2025-Q1"), params=MetricParams(window=timedelta(hours=2)))
    assert result
    assert is_prepared(project, MetricParams())


def test_a_state_from_before_the_groups_tables_is_not_read_and_is_rebuilt(demo, tmp_path):
    copy = tmp_path / "copy.peelian"
    copy.write_bytes(demo.read_bytes())
    with Project.open(copy) as project:
        state = orjson.loads(project.scalar("SELECT value FROM meta WHERE key = ?", [STATE_KEY]))
        state.pop("tables")  # as written before migration 9: its tables were never filled
        project.con.execute("UPDATE meta SET value = ? WHERE key = ?", [orjson.dumps(state).decode(), STATE_KEY])
        project.con.execute("DELETE FROM rollup_groups")
        project.con.execute("DELETE FROM rollup_delays")
        assert rollup_fresh(project) is None
        report = refresh_rollup(project)
        assert report["fresh"] and not report["incremental"]
        clear_cache()
        period = parse_period("2025-Q1")
        assert measure(project, period) == measure(project, period, rollup=False)
