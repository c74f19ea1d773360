"""Library functions behind the web pages that are not another layer's: the unanswered queue, models.

Each route calls one function; the dashboard, which composes several layers, lives in its own
module next to this one, and marking posts handled is the triage layer's (`peelian.triage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from peelian.errors import NotFoundError
from peelian.metrics.params import Filters, MetricParams
from peelian.metrics.views import unanswered, unanswered_counts
from peelian.store.project import Project

SCALAR_TYPES = (int, float, str, bool)


def _evaluation(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return {"raw": raw}
        return value if isinstance(value, dict) else {"value": value}
    return raw if isinstance(raw, dict) else {"value": raw}


def _split_evaluation(evaluation: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
    """Scalars (accuracy, kappa...), per-code tables ({code: {precision, recall, f1}}) and the rest."""
    scalars = {k: v for k, v in evaluation.items() if isinstance(v, SCALAR_TYPES)}
    tables = {k: v for k, v in evaluation.items()
              if isinstance(v, dict) and v and all(isinstance(x, dict) for x in v.values())
              and all(all(isinstance(y, SCALAR_TYPES) or y is None for y in x.values()) for x in v.values())}
    rest = {k: v for k, v in evaluation.items() if k not in scalars and k not in tables}
    return scalars, tables, rest


def reliability_html(project: Project, sample: str) -> str:
    """The inter-coder reliability report of a sample (peelian.report.reliability) as one HTML page."""
    from peelian.coding.agreement import sample_reliability
    from peelian.report.reliability import render_reliability_html

    return render_reliability_html(sample_reliability(project, sample))


def samples_overview(project: Project) -> list[dict[str, Any]]:
    """Samples with their coders' progress, for the reliability list."""
    from peelian.coding.samples import list_samples

    return list_samples(project)


def list_models(project: Project) -> list[dict[str, Any]]:
    """Every trained classifier with its headline evaluation figures, newest first."""
    rows = project.query("SELECT model_id, dimension, codebook_version, algorithm, validated, created_at, "
                         "n_training, evaluation FROM models ORDER BY created_at DESC, model_id")
    for row in rows:
        row["scalars"], _, _ = _split_evaluation(_evaluation(row.pop("evaluation")))
    return rows


def model_detail(project: Project, model_id: str) -> dict[str, Any]:
    """One model: its row, the evaluation split into figures, per-code tables and other details."""
    rows = project.query("SELECT * FROM models WHERE model_id = ?", [model_id])
    if not rows:
        raise NotFoundError(f"no model {model_id!r}")
    row = rows[0]
    evaluation = _evaluation(row.pop("evaluation"))
    row["scalars"], row["tables"], rest = _split_evaluation(evaluation)
    row["rest"] = orjson.dumps(rest, option=orjson.OPT_INDENT_2, default=str).decode() if rest else None
    row["params"] = _evaluation(row.get("params"))
    row["predictions"] = int(project.scalar("SELECT count(*) FROM predictions WHERE model_id = ?", [model_id]))
    return row


@dataclass
class Queue:
    """One page of the unanswered queue, oldest first, with what was left out and why, and how many
    posts await a response in all (`counts`: pending, overdue, total; handled ones included)."""

    rows: list[dict[str, Any]]
    page: int
    page_size: int
    has_next: bool
    handled_hidden: int
    window: str
    counts: dict[str, int]


def unanswered_queue(project: Project, filters: Filters, *, older_than: str | None = None, page: int = 1,
                     page_size: int = 50, show_handled: bool = False) -> Queue:
    """Citizen posts still awaiting a response (pending inside the window, or overdue), oldest first, paged.

    Posts marked handled elsewhere are left out unless `show_handled`; the page reads far
    enough past them (there are few) that paging stays exact.
    """
    page = max(1, page)
    params = MetricParams()
    skip = 0 if show_handled else int(project.scalar("SELECT count(DISTINCT (platform, post_id)) FROM handled"))
    wanted = page * page_size + 1
    rows = unanswered(project, params, filters, older_than=older_than, limit=wanted + skip, offset=0)
    kept = rows if show_handled else [r for r in rows if not r["handled"]]
    start = (page - 1) * page_size
    return Queue(kept[start:start + page_size], page, page_size, len(kept) > start + page_size,
                 len(rows) - len(kept), params.describe()["window"],
                 unanswered_counts(project, params, filters, older_than=older_than))
