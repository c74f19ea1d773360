"""Measured evidence for an assessment: the figures its rules read, per force, for one period.

Every figure comes from the metrics layer's fitted dialogue (the same one the dashboard,
reports and the common metric set use), so an assessment, a benchmark and a monthly report
never disagree. Each carries its numerator and denominator, its Wilson interval where it is a
proportion, and the metric whose posts are behind it (`peelian.metrics.posts_behind`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from peelian.assess.stats import wilson
from peelian.errors import AssessmentError
from peelian.metrics.codes import code_ids
from peelian.metrics.compute import Scope, compute_metrics, inbound_sql, period_after, police_sql
from peelian.metrics.engine import prepared
from peelian.metrics.expectations import load_survey
from peelian.metrics.params import FIRST_DATE, LAST_DATE, Filters, MetricParams, humane_duration
from peelian.metrics.rollup import rollup_fresh
from peelian.metrics.rollup_groups import GroupRollup, count_sql
from peelian.metrics.scope import known_names
from peelian.store.project import Project

LOCAL_TYPES = ("officer", "team")  # the local accounts of officer_team_share


@dataclass(frozen=True)
class MeasureSpec:
    label: str
    unit: str  # share, seconds, distance, count
    behind: str  # the metric whose posts are behind the figure (posts_behind)
    needs: str = ""  # the code mix it needs: mode, topic


MEASURES: dict[str, MeasureSpec] = {
    "response_rate": MeasureSpec("response rate", "share", "needs_response"),
    "response_rate_1h": MeasureSpec("answered within 1 h", "share", "needs_response"),
    "response_rate_24h": MeasureSpec("answered within 24 h", "share", "needs_response"),
    "response_time_median_s": MeasureSpec("median response time", "seconds", "responded"),
    "response_rate_off_hours": MeasureSpec("response rate outside office hours", "share", "needs_response_off"),
    "urgent_answered_share": MeasureSpec("urgent posts answered within the window", "share", "needs_response"),
    "two_way_ratio": MeasureSpec("two-way ratio", "share", "replies_to_citizens"),
    "officer_team_share": MeasureSpec("share of posts from officer and team accounts", "share", "posts"),
    "reciprocity": MeasureSpec("reciprocity", "share", "reciprocity"),
    "expectations_tvd": MeasureSpec("distance from public expectations", "distance", "topic_n", "topic"),
    "coded_share": MeasureSpec("posts coded (gold or validated model)", "share", "mode_n", "mode"),
    "platforms_active": MeasureSpec("platforms with police posts", "count", "posts"),
}


@dataclass
class Measurement:
    """One figure for one force and period, with what it was computed from."""

    metric: str
    force: str
    period: str
    date_from: date
    date_to: date
    value: float | None
    n: int  # the posts (or accounts, platforms) the figure rests on
    numerator: int | None = None
    low: float | None = None
    high: float | None = None

    @property
    def spec(self) -> MeasureSpec:
        return MEASURES[self.metric]

    def formatted(self) -> str:
        return format_value(self.value, self.spec.unit)

    def describe(self) -> str:
        """'answered within 1 h 22% (2025-Q2, 143 posts)'."""
        return f"{self.spec.label} {self.formatted()} ({self.period}, n={self.n})"

    def behind(self) -> dict[str, Any]:
        """What lists the posts behind the figure: the metric and the filters of posts_behind."""
        return {"metric": self.spec.behind, "force": self.force, "date_from": self.date_from.isoformat(),
                "date_to": self.date_to.isoformat()}

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(date_from=self.date_from.isoformat(), date_to=self.date_to.isoformat(), label=self.spec.label,
                   unit=self.spec.unit, formatted=self.formatted(), behind=self.behind())
        return out


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "share":
        return f"{100 * value:.0f}%"
    if unit == "seconds":
        return humane_duration(value)
    if unit == "distance":
        return f"{value:.2f}"
    return f"{value:g}"


# ---- periods ---------------------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.I)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    label: str
    date_from: date
    date_to: date
    kind: str  # quarter, month, year

    def previous(self) -> Period:
        if self.kind == "year":
            return _read_period(f"{self.date_from.year - 1:04d}")
        start = period_after(self.date_from, self.kind, -1)
        return _read_period(f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}" if self.kind == "quarter"
                            else f"{start.year:04d}-{start.month:02d}")


def parse_period(text: str) -> Period:
    """2025-Q2, 2025-06 or 2025, within the years filters take (FIRST_DATE to LAST_DATE): far outside them
    the period before or after is past what Python's dates hold, and no posts are there to measure."""
    period = _read_period(text)
    if not FIRST_DATE <= period.date_from <= period.date_to <= LAST_DATE:
        raise AssessmentError(f"period {period.label} is outside {FIRST_DATE.year} to {LAST_DATE.year}")
    return period


def _read_period(text: str) -> Period:
    """A period of any year (the period before an accepted one may be a year earlier than they go)."""
    value = (text or "").strip()
    if m := _QUARTER.match(value):
        year, q = int(m[1]), int(m[2])
        start = date(year, 3 * q - 2, 1)
        return Period(f"{year}-Q{q}", start, period_after(start, "quarter") - timedelta(days=1), "quarter")
    if (m := _MONTH.match(value)) and 1 <= int(m[2]) <= 12:
        start = date(int(m[1]), int(m[2]), 1)
        return Period(value, start, period_after(start, "month") - timedelta(days=1), "month")
    if m := _YEAR.match(value):
        year = int(m[1])
        return Period(value, date(year, 1, 1), date(year, 12, 31), "year")
    raise AssessmentError(f"unknown period {text!r}; write a quarter (2025-Q2), a month (2025-06) or a year (2025)")


def latest_period(project: Project, params: MetricParams | None = None) -> Period:
    """The quarter of the newest post (the default period of a new assessment); from the rollup's
    state when it is fresh, so no fit is needed."""
    state = rollup_fresh(project)
    if state is not None and GroupRollup.serves(params, Filters(), ()):
        newest = datetime.fromisoformat(state["data_end"]) if state.get("data_end") else None
    else:
        newest = prepared(project, params or MetricParams()).data_end_
    if newest is None:
        raise AssessmentError("the project has no posts yet, so there is no period to assess")
    end = newest.date()
    return parse_period(f"{end.year}-Q{(end.month - 1) // 3 + 1}")


def known_forces(project: Project) -> list[str]:
    """Forces of the registry and of the police accounts seen (the forces a metrics filter may name)."""
    return known_names(project, "force")


def check_force(project: Project, force: str, forces: list[str] | None = None) -> str:
    forces = known_forces(project) if forces is None else forces
    if force not in forces:
        listed = ", ".join(forces[:12]) + (", ..." if len(forces) > 12 else "")
        raise AssessmentError(f"unknown force {force!r}; the project's forces are: "
                              f"{listed or 'none (import a registry)'}")
    return force


# ---- measuring -------------------------------------------------------------------------------

def measure(project: Project, period: Period, metrics: set[str] | None = None,
            params: MetricParams | None = None, filters: Filters | None = None, *,
            rollup: bool = True) -> dict[str, dict[str, Measurement]]:
    """force → metric → Measurement for every force with data in the period. Read from the stored
    rollup when it is fresh and holds them (default parameters, whole months: no fit needed), else
    computed from the fitted dialogue; `rollup=False` always computes (both give the same figures)."""
    params = params or MetricParams()
    wanted = set(MEASURES) if metrics is None else set(metrics)
    unknown = wanted - set(MEASURES)
    if unknown:
        raise AssessmentError(f"unknown measure {', '.join(sorted(unknown))}; choose from {', '.join(MEASURES)}")
    base = (filters or Filters()).replace(date_from=period.date_from, date_to=period.date_to)
    mixes = tuple(sorted({MEASURES[m].needs for m in wanted} - {""}))
    rows = _rollup_rows(project, params, base, mixes, wanted) if rollup else None
    if rows is None:
        rows = _live_rows(project, params, base, mixes)
    out: dict[str, dict[str, Measurement]] = {}

    def put(force: str, metric: str, value: float | None, n: int, numerator: int | None = None) -> None:
        if metric not in wanted or force is None:
            return
        interval = wilson(numerator, n) if numerator is not None and MEASURES[metric].unit == "share" and n else None
        out.setdefault(force, {})[metric] = Measurement(
            metric, force, period.label, period.date_from, period.date_to, value, n, numerator,
            *(interval or (None, None)))

    for row in rows:
        f = row["force"]
        settled = row["needs_response"] - (row["pending"] if params.pending == "exclude" else 0)
        put(f, "response_rate", row["response_rate"], settled, row["responded"])
        put(f, "response_rate_1h", row["response_rate_1h"], settled, row["responded_1h"])
        put(f, "response_rate_24h", row["response_rate_24h"], settled, row["responded_24h"])
        put(f, "response_time_median_s", row.get("response_time_median_s"), row["responded"])
        put(f, "two_way_ratio", row["two_way_ratio"], row["posts"], row["replies_to_citizens"])
        put(f, "reciprocity", row["reciprocity"], row["reply_recipients"], row["reciprocated"])
        if "topic" in mixes:
            put(f, "expectations_tvd", row.get("expectations_tvd"), row.get("topic_n") or 0)
        if "mode" in mixes:
            n = row.get("mode_n") or 0
            coded = (row.get("mode_gold") or 0) + (row.get("mode_predicted") or 0)
            put(f, "coded_share", coded / n if n else None, n, coded)
        if row["posts"]:  # police posts counted (reposts left out unless the parameters count them)
            put(f, "officer_team_share", row["local_posts"] / row["posts"], row["posts"], row["local_posts"])
            put(f, "platforms_active", float(row["platforms"]), row["platforms"])
        if row["inbound_posts"]:
            urgent_n, urgent_answered = row["urgent_settled"], row["urgent_answered"]
            put(f, "urgent_answered_share", urgent_answered / urgent_n if urgent_n else None, urgent_n,
                urgent_answered)
            off_n, off_responded = row["needs_response_off_settled"], row["responded_off"]
            put(f, "response_rate_off_hours", off_responded / off_n if off_n else None, off_n, off_responded)
    return out


# The counts beyond the metric table that the rules read, per force (rollup_groups' names).
_EXTRA_COUNTS = ("needs_response_off_settled", "responded_off", "urgent_settled", "urgent_answered")


def _rollup_rows(project: Project, params: MetricParams, filters: Filters, mixes: tuple[str, ...],
                 wanted: set[str]) -> list[dict[str, Any]] | None:
    """The per-force rows from the stored rollup, or None when it is stale or does not hold them."""
    if not GroupRollup.serves(params, filters, ("force",), mixes):
        return None
    state = rollup_fresh(project)
    if state is None:
        return None
    groups = GroupRollup(project, state)
    rows = groups.rows(("force",), filters, codes={d: code_ids(project, d) for d in mixes},
                       survey=load_survey(project) if "topic" in mixes else None,
                       medians=[m for m in ("response_time_median_s",) if m in wanted])
    local: dict[Any, int] = {}
    platforms: dict[Any, set[str]] = {}
    for cell in groups.rows(("force", "platform", "account_type"), filters, medians=()):
        if cell["posts"]:
            platforms.setdefault(cell["force"], set()).add(cell["platform"])
            if cell["account_type"] in LOCAL_TYPES:
                local[cell["force"]] = local.get(cell["force"], 0) + cell["posts"]
    for row in rows:
        row["local_posts"] = local.get(row["force"], 0)
        row["platforms"] = len(platforms.get(row["force"], ()))
    return rows


def _live_rows(project: Project, params: MetricParams, filters: Filters,
               mixes: tuple[str, ...]) -> list[dict[str, Any]]:
    """The per-force rows computed from the fitted dialogue: the metric table and the few counts it lacks."""
    rows = compute_metrics(project, params, ("force",), None, filters, mixes=mixes).rows
    scope = Scope(prepared(project, params), params, filters)
    types = ", ".join(f"'{t}'" for t in LOCAL_TYPES)
    police = {r["force"]: r for r in scope.dialogue.query(f"""
        SELECT CAST(force AS VARCHAR) AS force,
               count(*) FILTER (WHERE account_type IN ({types})) AS local_posts,
               count(DISTINCT platform) AS platforms
        FROM ({police_sql(scope)}) WHERE {scope.where()} GROUP BY force""")}
    inbound = {r["force"]: r for r in scope.dialogue.query(f"""
        SELECT CAST(force AS VARCHAR) AS force, {count_sql(params, _EXTRA_COUNTS)}
        FROM ({inbound_sql(scope)}) WHERE {scope.where()} GROUP BY force""")}
    for row in rows:
        row.update({"local_posts": 0, "platforms": 0, **dict.fromkeys(_EXTRA_COUNTS, 0)})
        row.update({k: v for k, v in police.get(row["force"], {}).items() if k != "force"})
        row.update({k: v for k, v in inbound.get(row["force"], {}).items() if k != "force"})
    return rows
