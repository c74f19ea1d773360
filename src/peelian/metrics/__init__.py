"""Measuring dialogue: threads, responsiveness, two-way ratio, audience, content mix, expectations gap.

The public API (the CLI and the web app call only these):

- `MetricParams`, `Filters` — every choice a metric makes, and what it covers;
  `check_filters`, `check_force` — a name the project does not hold is an error, not an empty figure.
- `compute_metrics(project, params, by, period, filters)` → `MetricsTable` (tidy rows,
  `.to_arrow()`, `.params`, `.sources`).
- `headline`, `response_time_distribution`, `time_series`, `activity_clock`, `code_mix`,
  `expectations_gap`, `unanswered`, `unanswered_counts`, `unanswered_total`, `conversation`, `recent_conversations`,
  `post_for_url`, `posts_behind`.
- `common_metric_set(project, params)` → `pyarrow.Table`; `export_metric_set(project, path)`.
- `import_expectations(project, csv)` for public expectations surveys.

Definitions are in docs/metrics.md; the common metric set's columns in docs/metric-set.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
    from peelian.metrics.columns import METRIC_COLUMNS, Column
    from peelian.metrics.compute import MetricsTable, compute_metrics, parse_by
    from peelian.metrics.engine import Dialogue, clear_cache, prepared
    from peelian.metrics.expectations import Survey, import_expectations, list_surveys, load_survey
    from peelian.metrics.metric_set import (
        common_metric_set,
        export_metric_set,
        metric_set_columns,
        metric_set_document,
        schema_markdown,
    )
    from peelian.metrics.params import Filters, MetricParams, OfficeHours, format_duration, parse_duration
    from peelian.metrics.scope import check_filters, check_force
    from peelian.metrics.threads import Thread, ThreadNode, conversation, post_for_url, recent_conversations
    from peelian.metrics.views import (
        activity_clock,
        code_mix,
        expectations_gap,
        headline,
        headline_window,
        posts_behind,
        response_time_distribution,
        time_series,
        unanswered,
        unanswered_counts,
        unanswered_total,
    )

# Each name's module is imported on first use (see peelian._lazy).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "columns": ("METRIC_COLUMNS", "Column"),
    "compute": ("MetricsTable", "compute_metrics", "parse_by"),
    "engine": ("Dialogue", "clear_cache", "prepared"),
    "expectations": ("Survey", "import_expectations", "list_surveys", "load_survey"),
    "metric_set": (
        "common_metric_set", "export_metric_set", "metric_set_columns", "metric_set_document", "schema_markdown"
    ),
    "params": ("Filters", "MetricParams", "OfficeHours", "format_duration", "parse_duration"),
    "scope": ("check_filters", "check_force"),
    "threads": ("Thread", "ThreadNode", "conversation", "post_for_url", "recent_conversations"),
    "views": (
        "activity_clock", "code_mix", "expectations_gap", "headline", "headline_window", "posts_behind",
        "response_time_distribution", "time_series", "unanswered", "unanswered_counts", "unanswered_total"
    ),
})
