"""The dashboard's figures and charts, built from `peelian.metrics` and cached per data version.

Every number comes from the metrics layer (so the dashboard, the report and the CLI
agree); this module only picks the figures, shapes them into Vega-Lite charts with
tables, and attaches to every mark a link to the explorer listing exactly the posts
behind it (`/explorer?metric=...`, answered by `peelian.metrics.posts_behind`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from peelian.metrics.codes import code_ids
from peelian.metrics.compute import compute_metrics
from peelian.metrics.params import Filters, MetricParams
from peelian.metrics.rollup import RollupFigures
from peelian.metrics.views import activity_clock, code_mix, headline, response_time_distribution, time_series
from peelian.report.force_report import Chart, Figure, bar_chart, heatmap_chart, line_chart, pending_note
from peelian.store.project import Project
from peelian.web.app import query_string

CARDS = (
    ("response_rate", "Response rate", "pct", True,
     "needs-response citizen posts that got a police response ÷ all needs-response posts, less those still "
     "pending inside their window (as the parameters below say)"),
    ("response_time_median_s", "Median response time", "dur", False,
     "median time from a needs-response citizen post to the first police response"),
    ("two_way_ratio", "Two-way ratio", "pct", True, "police replies to citizen posts ÷ all police posts"),
    ("posts", "Police posts", "int", None, "police posts, reposts excluded"),
    ("audience_citizens", "Citizens reached", "int", True, "distinct citizen accounts with an inbound post"),
)
MIX_DIMENSIONS = ("mode", "practice", "stance")
PERIODS = ("week", "month", "quarter")


@dataclass
class Card:
    figure: Figure
    link: str


@dataclass
class Dashboard:
    cards: list[Card]
    charts: list[Chart]
    window: dict[str, date]
    previous: dict[str, date]
    params: dict[str, str]
    sources: dict[str, Any]
    filters: dict[str, str]
    period: str
    notes: list[str] = field(default_factory=list)


class LiveFigures:
    """The dashboard's figures computed from the fitted dialogue (any filters and parameters);
    `peelian.metrics.rollup.RollupFigures` answers the same questions from the stored rollup."""

    def __init__(self, project: Project, params: MetricParams):
        self.project, self.params = project, params

    def headline(self, filters: Filters) -> dict[str, Any]:
        return headline(self.project, self.params, filters)

    def distribution(self, filters: Filters) -> list[dict[str, Any]]:
        return response_time_distribution(self.project, self.params, filters)

    def series(self, filters: Filters, period: str) -> list[dict[str, Any]]:
        return time_series(self.project, self.params, filters, period=period)

    def comparison(self, filters: Filters) -> list[dict[str, Any]]:
        wide = filters.replace(force=None, account_type=None, account_id=None)
        return compute_metrics(self.project, self.params, ("force", "account_type"), None, wide, mixes=()).rows

    def code_mix(self, dimension: str, codes: list[str], filters: Filters) -> dict[str, Any]:
        return code_mix(self.project, dimension, filters, self.params)

    def clock(self, filters: Filters) -> list[dict[str, Any]]:
        return activity_clock(self.project, self.params, filters)


Figures = LiveFigures | RollupFigures


def behind(metric: str, filters: Filters, **cell: Any) -> str:
    """The explorer URL listing the posts behind one figure (filters narrowed to the cell)."""
    base = {k: v for k, v in filters.model_dump().items() if v is not None}
    base.update({k: v for k, v in cell.items() if v is not None})
    return "/explorer?" + query_string({"metric": metric, **base})


def _cards(figures: Figures, params: MetricParams, filters: Filters) -> tuple[list[Card], dict[str, Any]]:
    result = figures.headline(filters)
    window = filters.replace(date_from=result["period"]["from"], date_to=result["period"]["to"])
    cards = []
    for key, label, fmt, better, definition in CARDS:
        figure = result["figures"][key]
        note = pending_note(result["figures"]["pending"]["value"], params) if key == "response_rate" else None
        cards.append(Card(Figure(key, label, figure["value"], figure["previous"], fmt, definition, better, note),
                          behind(key, window)))
    return cards, result


def _distribution(figures: Figures, filters: Filters) -> Chart:
    rows = figures.distribution(filters)
    for row in rows:
        metric = {"no response": "unanswered", "pending": "pending"}.get(row["bin"], "responded")
        row["href"] = behind(metric, filters)
    return bar_chart(
        "response-times", "Time to first response", rows, category="bin", value="posts",
        sort=[r["bin"] for r in rows], value_title="needs-response posts",
        columns=[("bin", "time to first response", "text"), ("posts", "posts", "int"), ("share", "share", "pct")],
        note="Needs-response citizen posts by the time the first police response took; \"no response\" had "
             "none, \"pending\" have none yet but are still inside their response window.",
        link=behind("needs_response", filters),
        description="Bar chart: needs-response posts by time to first response")


def _series(figures: Figures, filters: Filters, period: str) -> Chart:
    rows = []
    for r in figures.series(filters, period):
        for key, label in (("two_way_ratio", "two-way ratio"), ("response_rate", "response rate")):
            rows.append({"period": r["period"], "period_end": r["period_end"], "measure": label, "value": r[key],
                         "count": r["posts"] if key == "two_way_ratio" else r["needs_response"],
                         "pending": None if key == "two_way_ratio" else r["pending"],
                         "href": behind(key, filters, date_from=r["period"], date_to=r["period_end"])})
    return line_chart(
        "over-time", f"Two-way ratio and response rate by {period}", rows, x="period", y="value", series="measure",
        y_title="share", columns=[("period", period, "text"), ("measure", "measure", "text"), ("value", "value", "pct"),
                                  ("count", "posts behind", "int"), ("pending", "pending", "int")],
        link=behind("posts", filters), note="Click a point for the posts behind it.", period=period,
        description="Line chart of the two-way ratio and the response rate over time")


def _comparison(figures: Figures, filters: Filters) -> Chart:
    wide = filters.replace(force=None, account_type=None, account_id=None)
    rows = []
    for r in figures.comparison(filters):
        force, account_type = r.get("force") or "–", r.get("account_type") or "–"
        for key, label, den in (("response_rate", "response rate", "needs_response"),
                                ("two_way_ratio", "two-way ratio", "posts")):
            rows.append({"group": f"{force} · {account_type}", "force": force, "account_type": account_type,
                         "measure": label, "value": r.get(key), "posts": r.get(den),
                         "pending": r.get("pending") if key == "response_rate" else None,
                         "href": behind(key, wide, force=r.get("force"), account_type=r.get("account_type"))})
    return bar_chart(
        "comparison", "Forces and account types compared", rows, category="group", value="value", color="measure",
        horizontal=True, value_title="share", value_format="pct",
        columns=[("group", "force · account type", "text"), ("measure", "measure", "text"),
                 ("value", "value", "pct"), ("posts", "posts behind", "int"), ("pending", "pending", "int")],
        note="All forces in the selected period and platform, whatever force is selected above: individual "
             "officers against corporate accounts.", link=behind("posts", wide),
        description="Grouped bars: response rate and two-way ratio per force and account type")


def _content_vs_expectations(project: Project, figures: Figures, filters: Filters) -> Chart:
    from peelian.metrics.expectations import load_survey

    mix = figures.code_mix("topic", code_ids(project, "topic"), filters)
    survey = load_survey(project)
    expected, scope = survey.for_force(filters.force) if survey else (None, None)
    rows = []
    for share in mix["shares"]:
        rows.append({"topic": share["code"], "series": "actual", "share": share["share"], "posts": share["posts"],
                     "href": behind(f"topic_share_{share['code']}", filters)})
        if expected is not None and share["code"] in expected:
            rows.append({"topic": share["code"], "series": f"expected ({scope} survey)",
                         "share": expected[share["code"]], "posts": None, "href": None})
    note = f"Share of {mix['scope']} by topic ({mix['posts']:,} posts; {mix['note']})."
    if expected is None:
        note += " No expectations survey covers this selection (peelian expectations import)."
    return bar_chart(
        "content-mix", "Content mix against public expectations", rows, category="topic", value="share",
        color="series", horizontal=True, value_title="share of posts", value_format="pct",
        columns=[("topic", "topic", "text"), ("series", "series", "text"), ("share", "share", "pct"),
                 ("posts", "posts", "int")],
        note=note, link=behind("topic_n", filters),
        description="Grouped bars: actual and expected share of each topic")


def _practice_mix(project: Project, figures: Figures, filters: Filters) -> Chart:
    rows, notes = [], []
    for dimension in MIX_DIMENSIONS:
        mix = figures.code_mix(dimension, code_ids(project, dimension), filters)
        notes.append(f"{dimension}: {mix['scope']}, {mix['posts']:,} posts, {mix['note']}")
        for share in mix["shares"]:
            if share["share"]:
                rows.append({"label": f"{dimension}: {share['code']}", "dimension": dimension, "code": share["code"],
                             "share": share["share"], "posts": share["posts"],
                             "href": behind(f"{dimension}_share_{share['code']}", filters)})
    return bar_chart(
        "mode-mix", "Mode, practice and stance", rows, category="label", value="share", color="dimension",
        horizontal=True, stacked=True, value_title="share within its dimension", value_format="pct",
        sort=[r["label"] for r in rows],
        columns=[("dimension", "dimension", "text"), ("code", "code", "text"), ("share", "share", "pct"),
                 ("posts", "posts", "int")],
        note="; ".join(notes) + ".", link=behind("mode_n", filters),
        description="Bars: share of each mode, practice and stance code")


def _clock(figures: Figures, filters: Filters) -> Chart:
    rows = figures.clock(filters)
    for row in rows:
        row["href"] = "/explorer?" + query_string({
            **{k: v for k, v in filters.model_dump().items() if v is not None},
            "role": "police", "hour": row["hour"], "weekday": row["weekday"]})
    return heatmap_chart(
        "activity-clock", "Activity clock (force local time)", rows, x="hour", y="day", value="police_posts",
        value_title="police posts", x_title="hour of day", y_sort=["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        columns=[("day", "day", "text"), ("hour", "hour", "text"), ("police_posts", "police posts", "int"),
                 ("inbound_posts", "inbound posts", "int"), ("responses", "responses", "int")],
        note="Police posts by hour of the week in the force's local time; the table adds inbound posts and "
             "responses.", link=behind("posts", filters),
        description="Heat map of police posts by weekday and hour")


def build_dashboard(project: Project, filters: Filters, period: str = "month",
                    params: MetricParams | None = None, figures: Figures | None = None) -> Dashboard:
    """Every dashboard figure for these filters, from `figures` (default: computed from the fitted
    dialogue, which takes seconds on a big project, so callers cache it; `RollupFigures` reads the
    stored monthly rollup instead, for the filters `rollup_serves`)."""
    params = params or MetricParams()
    if period not in PERIODS:
        period = "month"
    figures = figures or LiveFigures(project, params)
    cards, head = _cards(figures, params, filters)
    charts = [
        _series(figures, filters, period),
        _distribution(figures, filters),
        _comparison(figures, filters),
        _content_vs_expectations(project, figures, filters),
        _practice_mix(project, figures, filters),
        _clock(figures, filters),
    ]
    return Dashboard(cards, charts, head["period"], head["previous_period"], head["params"], head["sources"],
                     filters.describe(), period)



def ready_dashboard(state: Any, filters: Filters, period: str) -> Dashboard | None:
    """The dashboard for these filters if it can be had now, else None while it is computed in the
    background (the page then shows a progress indicator and asks again).

    The stored monthly rollup answers every dashboard it serves (`rollup_serves`) in milliseconds
    once it matches the data; when it does not (just after an import) it is refreshed in the
    background. Other filters (dates, one account) are computed from the fitted dialogue,
    in the background when the fit itself is not ready yet. Projects under
    `peelian.web.progress.PROGRESS_ABOVE_POSTS` posts are computed in the request."""
    from peelian.metrics.engine import is_prepared
    from peelian.metrics.rollup import refresh_rollup, rollup_fresh, rollup_serves
    from peelian.web.progress import is_large

    project = state.project
    key = (tuple(sorted(filters.describe().items())), period)
    cached = state.cache.peek("dashboard", key)
    if cached is not None:
        return cached
    small = not is_large(state)
    if rollup_serves(filters, period) and not project.read_only:
        fresh = rollup_fresh(project)
        if fresh is None and small:
            refresh_rollup(project, state.write_lock)
            fresh = rollup_fresh(project)
        if fresh is not None and fresh.get("data_end"):
            return state.cache.get("dashboard", key, lambda: build_dashboard(
                project, filters, period, figures=RollupFigures(project, fresh)))
        if fresh is None:
            state.work.raise_failure("rollup")
            state.work.start("rollup", lambda: refresh_rollup(project, state.write_lock))
            return None

    def live() -> Dashboard:
        return state.cache.get("dashboard", key, lambda: build_dashboard(project, filters, period))

    if small or is_prepared(project, MetricParams()):
        return live()
    state.work.raise_failure(("dashboard", key))
    state.work.start(("dashboard", key), live)
    return None
