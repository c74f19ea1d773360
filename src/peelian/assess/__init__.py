"""Assessment and benchmarking: the four-pillar maturity self-assessment backed by measured
evidence, and force league tables on the common metric set.

Sits above `peelian.metrics` (every figure is the metrics layer's) and below report, web and
cli. The public API:

- `load_framework(path=None)` → `Framework` (the shipped NPCC four-pillar framework by default).
- `start_assessment`, `record_answers`, `read_answers_file` — an assessment per force and
  period; answers are append-only history.
- `assess(project, force, period)` → `AssessmentResult` (levels, evidence, contradictions);
  `history(project, force)`; `compare(project, period)`.
- `benchmark(project, metrics, by)` → `Benchmark` (ranks with intervals, ties, small-n marks).

Docs: docs/assessment.md.
"""

from __future__ import annotations

from peelian.assess.benchmark import Benchmark, benchmark, resolve_metric
from peelian.assess.framework import Framework, default_framework, framework_json_schema, load_framework
from peelian.assess.measures import MEASURES, Measurement, Period, known_forces, latest_period, measure, parse_period
from peelian.assess.scoring import (
    AssessmentResult,
    assess,
    compare,
    history,
    read_answers_file,
    record_answers,
    start_assessment,
)
from peelian.assess.stats import median_interval, tied_ranks, wilson

__all__ = [
    "MEASURES", "AssessmentResult", "Benchmark", "Framework", "Measurement", "Period", "assess", "benchmark",
    "compare", "default_framework", "framework_json_schema", "history", "known_forces", "latest_period",
    "load_framework", "measure", "median_interval", "parse_period", "read_answers_file", "record_answers",
    "resolve_metric", "start_assessment", "tied_ranks", "wilson",
]
