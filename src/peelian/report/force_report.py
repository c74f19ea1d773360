"""The monthly force report, and the Vega-Lite charts it shares with the web dashboard.

Charts are Vega-Lite specs built here as Python dicts, each with the same numbers
as a plain table (for screen readers, print and copying) and, where the numbers
come from posts, an `href` per mark that opens the explorer on those posts. The
dashboard (peelian.web) imports these builders; the report inlines the vendored
Vega JavaScript so that one HTML file opens offline, and prints to PDF through
Debian's chromium.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from markupsafe import Markup

from peelian import __version__
from peelian.errors import InputError, PeelianError
from peelian.metrics.compute import compute_metrics
from peelian.metrics.expectations import load_survey
from peelian.metrics.params import FIRST_DATE, LAST_DATE, Filters, MetricParams, format_duration
from peelian.metrics.views import code_mix, time_series, unanswered
from peelian.store.identity import MENTION_RE
from peelian.store.privacy import normalise_handle
from peelian.store.project import Project
from peelian.store.safe_text import json_for_html

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# ---- charts ------------------------------------------------------------------------------

PALETTE = ["#1f4e9c", "#c4661f", "#2f8a4c", "#8a3b8f", "#b8a21e", "#4a9bc4", "#a23a3a", "#6b6b6b"]
Column = tuple[str, str, str]  # key, heading, format: text | int | pct | dur | num


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def format_value(value: Any, fmt: str) -> str:
    """One cell as text, the same way in the dashboard tables and the report."""
    if value is None:
        return "–"
    if fmt == "int":
        return f"{int(value):,}"
    if fmt == "pct":
        return f"{100 * float(value):.1f}%"
    if fmt == "num":
        return f"{float(value):,.2f}"
    if fmt == "dur":
        return format_seconds(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_seconds(value: Any) -> str:
    """'45 s', '12 min', '3 h 5 min', '2.5 days'."""
    if value is None:
        return "–"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60)} min"
    return f"{seconds / 86400:.1f} days"


@dataclass
class Chart:
    """A chart: its Vega-Lite spec, the same numbers as a table, and the link to the posts behind it."""

    id: str
    title: str
    spec: dict[str, Any]
    columns: list[Column]
    rows: list[dict[str, Any]]
    link: str | None = None
    note: str | None = None
    description: str = ""

    def spec_json(self) -> Markup:
        """The spec as JSON safe inside <script type="application/json"> (see `json_for_html`)."""
        return json_for_html(self.spec, default=_plain)

    def table(self) -> list[list[str]]:
        return [[format_value(row.get(key), fmt) for key, _, fmt in self.columns] for row in self.rows]

    def headings(self) -> list[str]:
        return [heading for _, heading, _ in self.columns]

    def row_links(self) -> list[str | None]:
        return [row.get("href") for row in self.rows]


def _values(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in rows]


def _base(title: str, rows: list[dict[str, Any]], description: str, height: int = 220) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": description or title,
        "width": "container", "height": height, "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": _values(rows)},
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None},
                   "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e9ef"},
                   "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
                   "range": {"category": PALETTE}},
    }


def _axis_format(fmt: str) -> dict[str, Any]:
    return {"format": ".0%"} if fmt == "pct" else {"format": ",d"} if fmt == "int" else {}


def _href(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"href": {"field": "href", "type": "nominal"}} if any(r.get("href") for r in rows) else {}


def _tooltip(columns: list[Column]) -> list[dict[str, Any]]:
    out = []
    for key, heading, fmt in columns:
        item: dict[str, Any] = {"field": key, "title": heading}
        if fmt == "pct":
            item.update(type="quantitative", format=".1%")
        elif fmt in ("int", "num"):
            item.update(type="quantitative", format=",")
        elif fmt == "dur":
            item.update(field=key + "_text")
        else:
            item["type"] = "nominal"
        out.append(item)
    return out


def _with_duration_text(rows: list[dict[str, Any]], columns: list[Column]) -> list[dict[str, Any]]:
    for key, _, fmt in columns:
        if fmt == "dur":
            for row in rows:
                row[key + "_text"] = format_seconds(row.get(key))
    return rows


def bar_chart(chart_id: str, title: str, rows: list[dict[str, Any]], *, category: str, value: str,
              columns: list[Column], value_title: str, value_format: str = "int", color: str | None = None,
              horizontal: bool = False, sort: list[str] | str | None = None, link: str | None = None,
              note: str | None = None, stacked: bool = False, description: str = "") -> Chart:
    """Bars per category (grouped by `color` when given); each bar links to its posts."""
    rows = _with_duration_text(rows, columns)
    spec = _base(title, rows, description, height=max(160, 26 * len(rows)) if horizontal else 220)
    cat_axis: dict[str, Any] = {"field": category, "type": "nominal", "title": None,
                                "sort": sort if sort is not None else None, "axis": {"labelLimit": 260}}
    val_axis: dict[str, Any] = {"field": value, "type": "quantitative", "title": value_title,
                                "axis": _axis_format(value_format)}
    if not stacked and color:
        val_axis["stack"] = None
    encoding: dict[str, Any] = {("y" if horizontal else "x"): cat_axis, ("x" if horizontal else "y"): val_axis,
                                "tooltip": _tooltip(columns), **_href(rows)}
    if color:
        encoding["color"] = {"field": color, "type": "nominal", "title": None}
        if not stacked:
            encoding["yOffset" if horizontal else "xOffset"] = {"field": color}
    else:
        encoding["color"] = {"value": PALETTE[0]}
    spec["mark"] = {"type": "bar", "cursor": "pointer" if _href(rows) else "default", "cornerRadiusEnd": 2}
    spec["encoding"] = encoding
    return Chart(chart_id, title, spec, columns, rows, link, note, description)


TIME_FORMATS = {"week": "%d %b", "month": "%b %Y", "quarter": "%b %Y"}
TICKS: dict[str, Any] = {"week": "week", "month": "month", "quarter": {"interval": "month", "step": 3}}


def line_chart(chart_id: str, title: str, rows: list[dict[str, Any]], *, x: str, y: str, series: str,
               columns: list[Column], y_title: str, y_format: str = "pct", link: str | None = None,
               note: str | None = None, description: str = "", period: str = "month") -> Chart:
    """Lines over time, one per series, with points that link to the period's posts."""
    rows = _with_duration_text(rows, columns)
    spec = _base(title, rows, description)
    spec["encoding"] = {
        "x": {"field": x, "type": "temporal", "title": None,
              "axis": {"format": TIME_FORMATS.get(period, "%d %b %Y"), "tickCount": TICKS.get(period, "month")}},
        "y": {"field": y, "type": "quantitative", "title": y_title, "axis": _axis_format(y_format)},
        "color": {"field": series, "type": "nominal", "title": None},
    }
    spec["layer"] = [
        {"mark": {"type": "line", "strokeWidth": 2}},
        {"mark": {"type": "point", "filled": True, "size": 60, "cursor": "pointer" if _href(rows) else "default"},
         "encoding": {"tooltip": _tooltip(columns), **_href(rows)}},
    ]
    return Chart(chart_id, title, spec, columns, rows, link, note, description)


def heatmap_chart(chart_id: str, title: str, rows: list[dict[str, Any]], *, x: str, y: str, value: str,
                  columns: list[Column], value_title: str, x_title: str, y_sort: list[str] | None = None,
                  link: str | None = None, note: str | None = None, description: str = "") -> Chart:
    """A grid (e.g. hour × weekday) shaded by a count; each cell links to its posts."""
    spec = _base(title, rows, description, height=190)
    spec["mark"] = {"type": "rect", "cursor": "pointer" if _href(rows) else "default"}
    spec["encoding"] = {
        "x": {"field": x, "type": "ordinal", "title": x_title, "axis": {"labelAngle": 0}},
        "y": {"field": y, "type": "ordinal", "title": None, "sort": y_sort},
        "color": {"field": value, "type": "quantitative", "title": value_title, "scale": {"scheme": "blues"}},
        "tooltip": _tooltip(columns), **_href(rows),
    }
    return Chart(chart_id, title, spec, columns, rows, link, note, description)


# ---- the report --------------------------------------------------------------------------


@dataclass
class Figure:
    """A headline number with its definition, the previous month's value and the change."""

    key: str
    label: str
    value: Any
    previous: Any
    fmt: str
    definition: str
    higher_is_better: bool | None = True
    note: str | None = None  # shown beside the value, e.g. the pending posts beside the response rate

    @property
    def text(self) -> str:
        return format_value(self.value, self.fmt)

    @property
    def previous_text(self) -> str:
        return format_value(self.previous, self.fmt)

    @property
    def change(self) -> str:
        if self.value is None or self.previous is None:
            return "no comparison"
        if self.fmt == "pct":
            delta = 100 * (float(self.value) - float(self.previous))
            return f"{delta:+.1f} points"
        if self.fmt == "dur":
            delta = float(_plain(self.value)) - float(_plain(self.previous))
            return ("+" if delta >= 0 else "−") + format_seconds(abs(delta))
        if float(self.previous) == 0:
            return "new"
        return f"{100 * (float(self.value) / float(self.previous) - 1):+.0f}%"

    @property
    def direction(self) -> str:
        """'up', 'down' (good/bad by `higher_is_better`) or 'flat' for the change's colour."""
        if self.value is None or self.previous is None or self.higher_is_better is None:
            return "flat"
        value, previous = float(_plain(self.value)), float(_plain(self.previous))
        if value == previous:
            return "flat"
        return "up" if (value > previous) == self.higher_is_better else "down"


@dataclass
class ForceReport:
    force: str
    month: str
    period: tuple[date, date]
    figures: list[Figure]
    charts: list[Chart]
    unanswered: list[dict[str, Any]]
    unanswered_total: int
    accounts: list[dict[str, Any]]
    forces: list[dict[str, Any]]
    notes: dict[str, Any]
    params: dict[str, str]
    unanswered_pending: int = 0  # listed with the unanswered posts: no response yet, still inside the window
    generated_at: datetime = field(default_factory=datetime.now)
    assessment: dict[str, Any] | None = None  # maturity scores for the quarter the month falls in (to date)
    benchmark: list[dict[str, Any]] = field(default_factory=list)  # the force's rank this month, per metric


def escape(text: Any) -> str:
    return html.escape(str(text))


# ---- privacy -----------------------------------------------------------------------------

CITIZEN = "citizen"
_PSEUDONYM = re.compile(r"c_[0-9a-f]{16}")


def mask_citizens(text: str | None, known_handles: frozenset[str]) -> str:
    """Replace @mentions of anyone outside the registry, and any stray pseudonym, by 'citizen'.

    Reports leave the project, so they never carry citizen pseudonyms; the web app uses the
    same rule for viewers.
    """
    if not text:
        return ""

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if normalise_handle(match.group(1)) in known_handles else "@" + CITIZEN

    return _PSEUDONYM.sub(CITIZEN, MENTION_RE.sub(replace, text))


def known_handles(project: Project) -> frozenset[str]:
    """Handles of registered (police, partner, media) accounts: the only @mentions shown as they are."""
    return frozenset(str(r["handle"]).lower() for r in project.query(
        "SELECT handle FROM registry WHERE handle IS NOT NULL UNION "
        "SELECT lower(handle) FROM accounts WHERE role <> 'citizen' AND handle IS NOT NULL"))


# ---- building the report -----------------------------------------------------------------

def pending_note(pending: int | None, params: MetricParams) -> str:
    """The pending posts beside a response rate, saying how the rate treats them (parameter `pending`)."""
    n = int(pending or 0)
    how = "left out of the rate until their window closes" if params.pending == "exclude" \
        else "counted as not responded"
    return f"{n:,} pending (no response yet, inside the {format_duration(params.window)} window; {how})"


HEADLINE = (
    ("response_rate", "Response rate", "pct", True,
     "Citizen posts that needed a response (questions, reports, requests for help, urgent matters, complaints) "
     "and got a first police response, as a share of all such posts; posts still inside their response window "
     "without one are pending (their number is given beside the rate)."),
    ("response_time_median_s", "Median time to first response", "dur", False,
     "Half of the answered posts got their first police response faster than this."),
    ("two_way_ratio", "Two-way ratio", "pct", True,
     "Police replies to citizen posts as a share of all police posts (reposts excluded): how much of the "
     "force's activity is conversation rather than broadcast."),
    ("posts", "Police posts", "int", None, "Posts by the force's registered accounts, reposts excluded."),
    ("audience_citizens", "Citizens reached", "int", True,
     "Distinct citizen accounts that replied to or mentioned one of the force's accounts."),
    ("needs_response", "Posts needing a response", "int", None,
     "Inbound citizen posts that needed a response (see the method notes for how that is decided)."),
    ("unanswered", "Unanswered", "int", False,
     "Posts needing a response that got none within the response window."),
)
TEMPLATES = Path(__file__).resolve().parent / "templates"
# The vendored Vega builds ship with the web app; the report inlines the same files so it opens offline.
VENDOR = Path(__file__).resolve().parents[1] / "web" / "static" / "vendor"
VENDOR_FILES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")


def parse_month(month: str) -> tuple[date, date]:
    """'2025-05' → (2025-05-01, 2025-05-31)."""
    try:
        start = datetime.strptime(month.strip(), "%Y-%m").date()
    except ValueError:
        raise InputError(f"cannot read --month {month!r}; write YYYY-MM, e.g. 2025-05") from None
    if not FIRST_DATE <= start <= LAST_DATE:  # no posts lie outside, and the month after 9999-12 is no date
        raise InputError(f"--month must lie between {FIRST_DATE:%Y-%m} and {LAST_DATE:%Y-%m} (got {month.strip()})")
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, following - timedelta(days=1)


def _previous_month(start: date) -> tuple[date, date]:
    end = start - timedelta(days=1)
    return end.replace(day=1), end


def _months_back(start: date, count: int) -> date:
    year, month = start.year, start.month - count
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


def _row(table: Any) -> dict[str, Any]:
    return table.rows[0] if table.rows else {}


def build_force_report(project: Project, force: str, month: str, params: MetricParams | None = None,
                       unanswered_limit: int = 50) -> ForceReport:
    """Every number of one force's monthly report, from the metrics layer."""
    params = params or MetricParams()
    forces = [r["force"] for r in project.query("SELECT DISTINCT force FROM registry ORDER BY 1")]
    if force not in forces:
        raise InputError(f"no force {force!r} in the registry (forces: {', '.join(forces) or 'none yet'})")
    start, end = parse_month(month)
    prev_start, prev_end = _previous_month(start)
    mine = Filters(force=force, date_from=start, date_to=end)
    now = compute_metrics(project, params, (), None, mine, mixes=())
    # the month before the first month a filter may name has no posts, and no filter can name it
    before = compute_metrics(project, params, (), None, mine.replace(date_from=prev_start, date_to=prev_end),
                             mixes=()) if prev_start >= FIRST_DATE else None
    current, previous = _row(now), ({} if before is None else _row(before))
    figures = [Figure(key, label, current.get(key), previous.get(key), fmt, definition, better,
                      pending_note(current.get("pending"), params) if key == "response_rate" else None)
               for key, label, fmt, better, definition in HEADLINE]

    trend_filters = Filters(force=force, date_from=max(_months_back(start, 11), FIRST_DATE), date_to=end)
    trend_rows = []
    for r in time_series(project, params, trend_filters, period="month"):
        for key, label in (("two_way_ratio", "two-way ratio"), ("response_rate", "response rate")):
            trend_rows.append({"period": r["period"], "measure": label, "value": r[key],
                               "count": r["posts"] if key == "two_way_ratio" else r["needs_response"],
                               "pending": None if key == "two_way_ratio" else r["pending"]})
    trend = line_chart("trend", "Two-way ratio and response rate, last 12 months", trend_rows, x="period",
                       y="value", series="measure", y_title="share",
                       columns=[("period", "month", "text"), ("measure", "measure", "text"),
                                ("value", "value", "pct"), ("count", "posts behind", "int"),
                                ("pending", "pending", "int")],
                       description="Line chart of the force's two-way ratio and response rate by month")

    accounts = compute_metrics(project, params, ("account",), None, mine, mixes=()).rows
    account_rows = sorted(({"account": "@" + str(a.get("account_handle") or a.get("account")),
                            "account_type": _account_type(project, a.get("account")),
                            **{k: a.get(k) for k in ("posts", "replies_to_citizens", "two_way_ratio", "needs_response",
                                                     "response_rate", "pending", "response_time_median_s")}}
                           for a in accounts), key=lambda r: -(r["posts"] or 0))
    account_chart = bar_chart(
        "accounts", "The force's accounts: two-way ratio", account_rows, category="account", value="two_way_ratio",
        horizontal=True, value_title="two-way ratio", value_format="pct", color=None,
        sort=[r["account"] for r in account_rows],
        columns=[("account", "account", "text"), ("account_type", "type", "text"), ("posts", "posts", "int"),
                 ("two_way_ratio", "two-way ratio", "pct"), ("needs_response", "needing a response", "int"),
                 ("response_rate", "response rate", "pct"), ("pending", "pending", "int"),
                 ("response_time_median_s", "median response", "dur")],
        description="Bars: two-way ratio of each of the force's accounts")

    all_forces = compute_metrics(project, params, ("force",), None, Filters(date_from=start, date_to=end),
                                 mixes=()).rows
    force_rows = [{"force": r.get("force") or "–", "posts": r.get("posts"), "two_way_ratio": r.get("two_way_ratio"),
                   "response_rate": r.get("response_rate"), "pending": r.get("pending"),
                   "response_time_median_s": r.get("response_time_median_s"), "this": r.get("force") == force} for r in all_forces if r.get("force")]
    force_chart = bar_chart(
        "forces", "All forces this month: response rate", force_rows, category="force", value="response_rate",
        horizontal=True, value_title="response rate", value_format="pct",
        sort=[r["force"] for r in sorted(force_rows, key=lambda r: -(r["response_rate"] or 0))],
        columns=[("force", "force", "text"), ("posts", "posts", "int"), ("two_way_ratio", "two-way ratio", "pct"),
                 ("response_rate", "response rate", "pct"), ("pending", "pending", "int"),
                 ("response_time_median_s", "median response", "dur")],
        description="Bars: response rate of every force in the project this month")

    topic = code_mix(project, "topic", mine, params)
    survey = load_survey(project)
    expected, scope = survey.for_force(force) if survey else (None, None)
    mix_rows = []
    for share in topic["shares"]:
        mix_rows.append({"topic": share["code"], "series": "actual", "share": share["share"], "posts": share["posts"]})
        if expected is not None and share["code"] in expected:
            mix_rows.append({"topic": share["code"], "series": f"expected ({scope} survey)",
                             "share": expected[share["code"]], "posts": None})
    mix_chart = bar_chart(
        "content", "Content mix against public expectations", mix_rows, category="topic", value="share",
        color="series", horizontal=True, value_title="share of original posts", value_format="pct",
        columns=[("topic", "topic", "text"), ("series", "series", "text"), ("share", "share", "pct"),
                 ("posts", "posts", "int")],
        note=f"{topic['scope'].capitalize()}: {topic['posts']:,}; codes: {topic['note']}."
             + ("" if expected is not None else " No expectations survey has been imported for this force."),
        description="Grouped bars: actual and expected topic shares")

    handles = known_handles(project)
    unanswered_rows = []
    for r in unanswered(project, params, mine, limit=unanswered_limit):
        unanswered_rows.append({"age": r["age"], "created_at": r["created_at"],
                                "account": "@" + str(r["account_handle"] or r["account"]),
                                "text": mask_citizens(r["text"], handles), "handled": r["handled"],
                                "status": r["status"], "time_left": r["time_left"], "why": _why(r)})
    notes = _method_notes(project, force, start, end, topic, now.sources)
    assessment, position = assessment_summary(project, force, start, params)
    return ForceReport(force, start.strftime("%B %Y"), (start, end), figures,
                       [trend, account_chart, force_chart, mix_chart], unanswered_rows,
                       int(current.get("unanswered") or 0), account_rows, force_rows, notes, params.describe(),
                       int(current.get("pending") or 0), assessment=assessment, benchmark=position)


BENCHMARK_METRICS = ("response_rate", "response_time_median_s", "two_way_ratio")


def assessment_summary(project: Project, force: str, start: date,
                       params: MetricParams) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The force's maturity scores for the quarter the month falls in (to date), and its benchmark
    position this month: rank among the forces (ties where 95% intervals overlap), value, interval."""
    from peelian.assess import assess, benchmark, parse_period
    from peelian.assess.measures import format_value as measure_text

    quarter = parse_period(f"{start.year}-Q{(start.month - 1) // 3 + 1}")
    result = assess(project, force, quarter.label, params=params)
    summary = {"period": quarter.label, "score": result.score, "level": result.level,
               "assessed": result.assessment is not None, "framework": f"{result.framework.name} "
                                                                        f"{result.framework.version}",
               "pillars": [{"name": p.name, "score": p.score, "level": p.level, "scored": p.scored,
                            "total": len(p.indicators)} for p in result.pillars],
               "contradictions": [i.contradiction for i in result.contradictions]}
    ranked = benchmark(project, BENCHMARK_METRICS, "force", period=parse_period(start.strftime("%Y-%m")),
                       params=params)
    position = []
    for r in ranked.rankings:
        mine = next((e for e in r.entries if e.group.get("force") == force), None)
        if mine is None:
            continue
        unit = r.spec.unit
        position.append({"label": r.spec.label, "value": measure_text(mine.value, unit), "n": mine.n,
                         "interval": "" if mine.low is None else f"{measure_text(mine.low, unit)} – "
                                                                 f"{measure_text(mine.high, unit)}",
                         "rank": "–" if mine.rank is None else f"{mine.rank}{'=' if mine.tied else ''}",
                         "of": sum(1 for e in r.entries if e.rank is not None), "small": mine.small,
                         "better": r.spec.better})
    return summary, position


def _why(row: dict[str, Any]) -> str:
    """Why an unanswered post needed a response, in words."""
    if row.get("intents"):
        return ", ".join(row["intents"]) + (" (predicted)" if row.get("needs_response_source") == "predicted" else "")
    if row.get("needs_response_source") == "heuristic":
        return "contains a question (not coded yet)"
    return str(row.get("needs_response_source") or "")


def _account_type(project: Project, account_id: str | None) -> str | None:
    if account_id is None:
        return None
    return project.scalar("SELECT any_value(account_type) FROM accounts WHERE account_id = ? AND role <> 'citizen'",
                          [account_id])


def _method_notes(project: Project, force: str, start: date, end: date, topic: dict[str, Any],
                  sources: dict[str, Any]) -> dict[str, Any]:
    """Sources, date range, the registry, and the classifier accuracy behind any coded share."""
    imports = project.query("SELECT format, count(*) AS files, sum(records_read) AS records, min(started_at) AS first, "
                            "max(started_at) AS last FROM imports GROUP BY format ORDER BY format")
    span = project.query("SELECT min(created_at) AS first, max(created_at) AS last, count(*) AS posts FROM posts "
                         "WHERE author_force = ?", [force])[0]
    accounts = project.query("SELECT account_type, count(*) AS n FROM registry WHERE force = ? GROUP BY 1 ORDER BY 1",
                             [force])
    models = project.query("SELECT model_id, dimension, algorithm, validated, n_training, evaluation FROM models "
                           "ORDER BY created_at DESC")
    model_notes = []
    for m in models:
        evaluation = m["evaluation"]
        if isinstance(evaluation, str):
            try:
                evaluation = orjson.loads(evaluation)
            except orjson.JSONDecodeError:
                evaluation = {}
        evaluation = evaluation if isinstance(evaluation, dict) else {}
        figures = {k: evaluation[k] for k in ("accuracy", "macro_f1", "kappa", "kappa_vs_gold") if
                   isinstance(evaluation.get(k), int | float)}
        model_notes.append({"model_id": m["model_id"], "dimension": m["dimension"], "algorithm": m["algorithm"],
                            "validated": m["validated"], "n_training": m["n_training"], "figures": figures})
    return {"imports": imports, "span": span, "registry": accounts, "models": model_notes,
            "topic_note": topic["note"], "sources": sources, "month": (start, end)}


def render_force_report(report: ForceReport) -> str:
    """One self-contained HTML document: styles, Vega scripts and chart specs inline."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["fmt"] = format_value
    scripts = []
    for name in VENDOR_FILES:
        path = VENDOR / name
        if not path.is_file():
            raise PeelianError(f"the vendored chart library {path} is missing; reinstall Peelian")
        scripts.append(path.read_text(encoding="utf-8").replace("</script", "<\\/script"))
    return env.get_template("force_report.html").render(report=report, scripts=scripts,
                                                        version=__version__)


def print_pdf(html_path: Path, pdf_path: Path, timeout_ms: int = 60_000) -> Path:
    """Print the HTML report to PDF with Debian's chromium through Playwright, after the charts are drawn."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise PeelianError("PDF output needs the playwright package (pip install playwright)") from None
    if not Path(CHROMIUM).exists():
        raise PeelianError(f"PDF output needs chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(html_path.resolve().as_uri(), wait_until="load", timeout=timeout_ms)
                page.wait_for_function("() => document.body.dataset.charts === 'done'", timeout=timeout_ms)
                page.pdf(path=str(pdf_path), format="A4", print_background=True,
                         margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise PeelianError(f"chromium could not print {html_path} to PDF: {exc}") from None
    return pdf_path


def write_force_report(project: Project, force: str, month: str, to: str | Path, *, pdf: bool = False,
                       params: MetricParams | None = None) -> list[Path]:
    """Write the report to `to` (HTML) and, with `pdf`, the same report as PDF next to it."""
    to = Path(to)
    if not to.parent.exists():
        raise InputError("the folder does not exist", path=str(to.parent))
    html_path = to if to.suffix.lower() in (".html", ".htm") else to.with_suffix(".html")
    html_path.write_text(render_force_report(build_force_report(project, force, month, params)), encoding="utf-8")
    written = [html_path]
    if pdf:
        written.append(print_pdf(html_path, html_path.with_suffix(".pdf")))
    return written
