"""The common metric set: stable columns, the same numbers as compute_metrics, docs that cannot drift."""

from __future__ import annotations

import orjson
import pyarrow as pa

from peelian.metrics import METRIC_COLUMNS, common_metric_set, compute_metrics, metric_set_columns, metric_set_document
from tests.conftest import ROOT
from tests.metrics.helpers import Corpus


def test_schema_document_is_up_to_date():
    documented = (ROOT / "docs" / "metric-set.md").read_text()
    assert documented == metric_set_document(), "docs/metric-set.md is stale: regenerate it (see its header)"


def test_every_metric_is_defined_in_the_metrics_document():
    text = (ROOT / "docs" / "metrics.md").read_text()
    missing = [c.name for c in METRIC_COLUMNS if f"`{c.name}`" not in text]
    assert not missing, f"docs/metrics.md does not define {missing}"


def test_the_set_matches_compute_metrics(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    team = c.police("wmp_team", "West Midlands", "team")
    alice = c.citizen("alice")
    c.post("P1", wmp, "2025-01-10 10:00", "Appeal")
    c.post("Q1", alice, "2025-01-10 11:00", "Seen him?", reply_to="P1")
    c.post("R1", team, "2025-01-10 12:00", "Not yet", reply_to="Q1")
    c.post("P2", wmp, "2025-03-02 10:00", "Traffic")
    c.gold("P1", "topic", "appeal")
    c.save()
    table = common_metric_set(project)
    columns = metric_set_columns(project)
    assert table.column_names == [col.name for col in columns]
    assert table.schema.field("month").type == pa.date32() and table.schema.field("posts").type == pa.int64()
    assert orjson.loads(table.schema.metadata[b"peelian.metric_set.params"])["window"] == "72h"
    rows = table.to_pylist()
    # two account types × January to March
    assert [(r["account_type"], str(r["month"])) for r in rows] == [
        ("force_corporate", "2025-01-01"), ("force_corporate", "2025-02-01"), ("force_corporate", "2025-03-01"),
        ("team", "2025-01-01"), ("team", "2025-02-01"), ("team", "2025-03-01")]
    expected = compute_metrics(project, by=("force", "account_type"), period="month").rows
    for row, same in zip(rows, expected, strict=True):
        for name in ("posts", "needs_response", "responded", "response_time_median_s", "two_way_ratio",
                     "topic_share_appeal", "mode_share_engage"):
            assert row[name] == same[name], name
    assert rows[0]["topic_share_appeal"] == 1.0 and rows[0]["topic_source"] == "gold"
    assert rows[0]["expectations_tvd"] is None  # no survey imported
