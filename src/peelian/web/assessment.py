"""The Assessment and Benchmark pages' figures: built from `peelian.assess`, shaped into Vega-Lite
charts (with the same numbers as tables) and linked to the explorer listing the posts behind
each measured figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peelian.assess import AssessmentResult, assess, benchmark, compare, history, known_forces, parse_period
from peelian.assess.benchmark import Benchmark, Ranking
from peelian.metrics.params import Filters
from peelian.report.force_report import Chart, bar_chart, line_chart
from peelian.store.project import Project
from peelian.web.dashboard import behind

BENCHMARK_METRICS = ("response_rate", "response_time_median_s", "two_way_ratio", "reciprocity", "expectations_tvd")
COMPARE_TYPES = "two_way_ratio"  # the Jeffares comparison: officer and team accounts against corporate ones


def answers_version(project: Project) -> tuple[Any, ...]:
    """Part of the cache key: the answers and assessments change without touching the data version."""
    return tuple(project.query("SELECT (SELECT coalesce(max(answer_id), 0) FROM assessment_answers) AS a, "
                               "(SELECT coalesce(max(assessment_id), 0) FROM assessments) AS s")[0].values())


@dataclass
class AssessmentPage:
    result: AssessmentResult
    forces: list[str]
    charts: list[Chart]
    links: dict[tuple[str, str], str]  # (indicator, metric) → explorer URL of the posts behind
    history: list[dict[str, Any]] = field(default_factory=list)


def build_assessment(project: Project, force: str | None, period: str | None) -> AssessmentPage:
    forces = known_forces(project)
    result = assess(project, force or (forces[0] if forces else ""), period)
    links = {}
    for indicator in result.indicators:
        for m, _ in indicator.measurements:
            if m is not None and m.value is not None:
                b = m.behind()
                links[(indicator.indicator.id, m.metric)] = behind(
                    b["metric"], Filters(force=b["force"], date_from=b["date_from"], date_to=b["date_to"]))
    rows = [{"pillar": p.name, "score": p.score, "level": p.level, "scored": f"{p.scored} of {len(p.indicators)}"}
            for p in result.pillars]
    pillars = bar_chart("pillars", f"{result.force}: maturity by pillar, {result.period.label}", rows,
                        category="pillar", value="score", horizontal=True, value_title="score (levels 1–5)",
                        value_format="num",
                        columns=[("pillar", "pillar", "text"), ("score", "score", "num"), ("level", "level", "int"),
                                 ("scored", "indicators scored", "text")],
                        note="Each pillar's score is the mean level of its scored indicators; the pillar reaches "
                             "the level its score rounds down to.", description="Maturity score per pillar")
    pillars.spec["encoding"]["x"]["scale"] = {"domain": [0, 5]}
    charts = [pillars]
    past = history(project, result.force)
    if len(past) > 1:
        series = [{"period": parse_period(h["period"]).date_from, "pillar": name, "score": h["pillars"].get(pid)}
                  for h in past for pid, name in ((p.id, p.name) for p in result.pillars)]
        series += [{"period": parse_period(h["period"]).date_from, "pillar": "Overall", "score": h["score"]}
                   for h in past]
        charts.append(line_chart("history", f"{result.force}: progress over assessed periods", series, x="period",
                                 y="score", series="pillar", y_title="score (levels 1–5)", y_format="num",
                                 columns=[("period", "period start", "text"), ("pillar", "pillar", "text"),
                                          ("score", "score", "num")], period="quarter",
                                 description="Maturity score per pillar over time"))
    return AssessmentPage(result, forces, charts, links, past)


@dataclass
class BenchmarkPage:
    result: Benchmark
    charts: list[Chart]
    types: Benchmark | None
    maturity: dict[str, Any]


def _interval_chart(ranking: Ranking, by: tuple[str, ...], filters: Filters) -> Chart:
    s = ranking.spec
    fmt = {"share": "pct", "seconds": "dur", "distance": "num", "count": "int"}.get(s.unit, "num")
    rows = []
    for e in ranking.entries:
        if e.value is None:
            continue
        label = e.label()
        rank = "–" if e.rank is None else f"{e.rank}{'=' if e.tied else ''}"
        rows.append({"group": label, "value": e.value, "low": e.low, "high": e.high, "n": e.n,
                     "rank": rank, "small": "yes" if e.small else "",
                     "href": behind(s.behind, filters, **{k: v for k, v in e.group.items()})})
    chart = bar_chart(f"bench-{s.name}", f"{s.label} ({ranking.method})", rows, category="group", value="value",
                      horizontal=True, value_title=s.label, value_format=fmt if fmt != "dur" else "num",
                      sort=[r["group"] for r in rows],
                      columns=[("group", " · ".join(by), "text"), ("rank", "rank", "text"), ("value", "value", fmt),
                               ("low", "95% low", fmt), ("high", "95% high", fmt), ("n", "posts", "int"),
                               ("small", "small n", "text")],
                      note=("Lower is better. " if s.better == "lower" else "Higher is better. " if s.better == "higher"
                            else "") + "Whiskers: 95% interval. Ranks marked = are tied (their intervals overlap).",
                      description=f"{s.label} per group with 95% intervals")
    bar = {"mark": chart.spec.pop("mark"), "encoding": chart.spec.pop("encoding")}
    whisker = {"mark": {"type": "rule", "color": "#222", "strokeWidth": 2},
               "encoding": {"y": bar["encoding"]["y"], "x": {"field": "low", "type": "quantitative"},
                            "x2": {"field": "high"}}}
    chart.spec["layer"] = [bar, whisker]
    return chart


def build_benchmark(project: Project, by: str, account_type: str | None, period: str | None) -> BenchmarkPage:
    chosen = parse_period(period) if period else None
    filters = Filters(account_type=account_type)
    result = benchmark(project, BENCHMARK_METRICS, by, period=chosen, filters=filters)
    window = filters.replace(date_from=chosen.date_from, date_to=chosen.date_to) if chosen else filters
    charts = [_interval_chart(r, result.by, window) for r in result.rankings
              if any(e.value is not None for e in r.entries)]
    types = None
    if by == "force" and account_type is None:
        types = benchmark(project, [COMPARE_TYPES, "response_rate"], "account_type", period=chosen)
        charts += [_interval_chart(r, types.by, window) for r in types.rankings]
        for chart in charts[-len(types.rankings):]:
            chart.id += "-types"
            chart.title = "By account type, all forces: " + chart.title
    return BenchmarkPage(result, charts, types, compare(project, period) if known_forces(project) else {})


