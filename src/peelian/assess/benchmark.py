"""Force league tables on the common metric set, with intervals and honest ties.

Every figure is the metrics layer's (so it equals the common metric set's figure for the
same forces and dates). Proportions carry Wilson intervals, medians the exact bootstrap
interval, the expectations distance a bootstrap interval over the posts' topics. Groups
whose intervals overlap share a rank; figures resting on fewer than `small_n` posts are
marked. Other numeric columns of the set are ranked on their values alone (equal values tie).
Grouping by account type compares officer and team accounts with corporate ones, across
forces (`by=account_type`) or within each force (`by=force,account_type`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from peelian.assess.measures import Period, format_value
from peelian.assess.stats import median_interval_ranks, tied_ranks, tvd_interval, wilson
from peelian.errors import AssessmentError
from peelian.metrics.columns import METRIC_COLUMNS, MIX_DIMENSIONS
from peelian.metrics.codes import code_ids
from peelian.metrics.compute import FAMILIES, Scope, compute_metrics, inbound_sql
from peelian.metrics.engine import prepared
from peelian.metrics.expectations import load_survey
from peelian.metrics.params import Filters, MetricParams
from peelian.metrics.rollup import rollup_fresh
from peelian.metrics.rollup_groups import GroupRollup
from peelian.store.project import Project

SMALL_N = 30
BY_CHOICES = (("force",), ("account_type",), ("force", "account_type"))
DEFAULT_METRICS = ("response_rate", "response_time_median_s", "two_way_ratio", "expectations_tvd")
ALIASES = {"median_response": "response_time_median_s", "response_time": "response_time_median_s",
           "expectations_gap": "expectations_tvd", "two_way": "two_way_ratio"}


@dataclass(frozen=True)
class Spec:
    name: str
    label: str
    kind: str  # proportion, median, distance, value
    better: str  # higher, lower, or none (ranked high to low, no judgement)
    unit: str  # share, seconds, distance, count, number
    behind: str  # posts_behind metric
    numerator: str = ""
    denominator: str = ""


def _settled(row: dict[str, Any], params: MetricParams) -> int:
    return row["needs_response"] - (row["pending"] if params.pending == "exclude" else 0)


PROPORTIONS: dict[str, Spec] = {s.name: s for s in (
    Spec("response_rate", "Response rate", "proportion", "higher", "share", "needs_response", "responded", "_settled"),
    Spec("response_rate_1h", "Answered within 1 h", "proportion", "higher", "share", "needs_response",
         "responded_1h", "_settled"),
    Spec("response_rate_24h", "Answered within 24 h", "proportion", "higher", "share", "needs_response",
         "responded_24h", "_settled"),
    Spec("two_way_ratio", "Two-way ratio", "proportion", "higher", "share", "replies_to_citizens",
         "replies_to_citizens", "posts"),
    Spec("one_way_share", "One-way share", "proportion", "lower", "share", "posts", "_one_way", "posts"),
    Spec("reciprocity", "Reciprocity", "proportion", "higher", "share", "reciprocity", "reciprocated",
         "reply_recipients"),
    Spec("returning_share", "Returning citizens", "proportion", "higher", "share", "audience_citizens",
         "returning_citizens", "audience_citizens"),
)}
MEDIANS: dict[str, tuple[Spec, str, str]] = {
    # name: (spec, family SQL builder key, condition)
    "response_time_median_s": (Spec("response_time_median_s", "Median response time", "median", "lower", "seconds",
                                    "responded"), "inbound", "responded"),
    "response_time_office_median_s": (Spec("response_time_office_median_s", "Median response time, office hours",
                                           "median", "lower", "seconds", "responded"),
                                      "inbound", "responded AND office"),
    "response_time_off_median_s": (Spec("response_time_off_median_s", "Median response time, out of hours",
                                        "median", "lower", "seconds", "responded"), "inbound",
                                   "responded AND NOT office"),
    "dialogue_depth_median": (Spec("dialogue_depth_median", "Median dialogue depth", "median", "higher", "number",
                                   "dialogue_conversations"), "dialog", "TRUE"),
}
TVD = Spec("expectations_tvd", "Distance from public expectations", "distance", "lower", "distance", "topic_n")
_SHARE = re.compile(r"^(" + "|".join(MIX_DIMENSIONS) + r")_share_([a-z0-9_]+?)$")
_NOT_SHARE = ("_adjusted", "_low", "_high")
LOWER_IS_BETTER = {"one_way_share", "broadcast_ratio", "unanswered", "pending", "expectations_jsd",
                   "response_time_p90_s", "response_time_mean_s", "response_time_office_p90_s",
                   "response_time_office_mean_s", "response_time_off_p90_s", "response_time_off_mean_s",
                   "concentration_top_share", "gini"}


def resolve_metric(name: str) -> Spec:
    """A metric of the common set (or an alias) with how it is ranked."""
    key = ALIASES.get(name.strip(), name.strip())
    if key in PROPORTIONS:
        return PROPORTIONS[key]
    if key in MEDIANS:
        return MEDIANS[key][0]
    if key == TVD.name:
        return TVD
    if (m := _SHARE.match(key)) and not key.endswith(_NOT_SHARE):
        return Spec(key, f"{m[1]} share: {m[2]}", "proportion", "none", "share", key, "_share", f"{m[1]}_n")
    numeric = {c.name: c for c in METRIC_COLUMNS if c.type in ("int", "float")}
    if key in numeric:
        c = numeric[key]
        unit = {"seconds": "seconds", "ratio": "share", "share": "share"}.get(c.unit, "number")
        return Spec(key, key.replace("_", " "), "value", "lower" if key in LOWER_IS_BETTER else "higher", unit, key)
    names = [*PROPORTIONS, *MEDIANS, TVD.name, *ALIASES]
    raise AssessmentError(f"unknown metric {name!r}; choose a column of the common metric set "
                          f"(docs/metric-set.md), for example {', '.join(names)}")


@dataclass
class Entry:
    group: dict[str, Any]
    value: float | None
    low: float | None
    high: float | None
    n: int | None
    numerator: int | None = None
    small: bool = False
    rank: int | None = None
    tied: bool = False

    def label(self) -> str:
        return " · ".join(str(v) for v in self.group.values())


@dataclass
class Ranking:
    spec: Spec
    method: str
    entries: list[Entry]

    def to_dict(self, unit_format: bool = True) -> dict[str, Any]:
        s = self.spec
        return {"metric": s.name, "label": s.label, "kind": s.kind, "better": s.better, "unit": s.unit,
                "method": self.method, "behind": s.behind,
                "entries": [{**e.group, "value": e.value, "low": e.low, "high": e.high, "n": e.n,
                             "numerator": e.numerator, "small_n": e.small, "rank": e.rank, "tied": e.tied,
                             **({"formatted": format_value(e.value, s.unit)} if unit_format else {})}
                            for e in self.entries]}


@dataclass
class Benchmark:
    by: tuple[str, ...]
    period: str | None
    filters: Filters
    small_n: int
    rankings: list[Ranking] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"by": list(self.by), "period": self.period, "filters": self.filters.describe(),
                "small_n": self.small_n, "metrics": [r.to_dict() for r in self.rankings]}


METHODS = {"proportion": "Wilson 95% interval", "median": "exact bootstrap 95% interval of the median",
           "distance": "bootstrap 95% interval (topics resampled, 2000 draws)",
           "value": "no interval (ranked on value)"}


def parse_by(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    items = tuple(x.strip() for x in (text.split(",") if isinstance(text, str) else text) if x.strip())
    if items not in BY_CHOICES:
        raise AssessmentError(f"cannot benchmark by {','.join(items) or 'nothing'!r}; choose force, account_type "
                              "or force,account_type")
    return items


def benchmark(project: Project, metrics: list[str] | tuple[str, ...] = DEFAULT_METRICS,
              by: str | tuple[str, ...] = ("force",), *, period: Period | None = None,
              filters: Filters | None = None, params: MetricParams | None = None,
              small_n: int = SMALL_N, rollup: bool = True) -> Benchmark:
    """Rank the groups on each metric, with intervals, ties and small-n marks. The figures are read
    from the stored rollup when it is fresh and holds them all (default parameters, whole months,
    metrics it keeps), else computed from the fitted dialogue; `rollup=False` always computes."""
    params = params or MetricParams()
    keys = parse_by(by)
    specs = [resolve_metric(m) for m in metrics]
    if not specs:
        raise AssessmentError("no metric given")
    base = filters or Filters()
    if period is not None:
        base = base.replace(date_from=period.date_from, date_to=period.date_to)
    mixes = sorted({_SHARE.match(s.name)[1] for s in specs if s.kind == "proportion" and _SHARE.match(s.name)}
                   | ({"topic"} if any(s.kind == "distance" for s in specs) else set()))
    groups = _rollup(project, params, keys, base, specs, mixes) if rollup else None
    if groups is not None:
        rows = groups.rows(keys, base, codes={d: code_ids(project, d) for d in mixes},
                           survey=load_survey(project) if "topic" in mixes else None, medians=())
    else:
        rows = compute_metrics(project, params, keys, None, base, mixes=tuple(mixes)).rows
    rows = [r for r in rows if r.get("force") != "-"]
    result = Benchmark(keys, period.label if period else None, base, small_n)
    for spec in specs:
        if spec.kind == "proportion":
            entries = _proportions(spec, rows, keys, params)
        elif spec.kind == "median" and groups is not None:
            entries = _rollup_medians(groups, spec, keys, base, rows)
        elif spec.kind == "median":
            entries = _medians(project, spec, keys, base, params, rows)
        elif spec.kind == "distance":
            entries = _distances(project, spec, keys, rows)
        else:
            entries = [Entry({k: r[k] for k in keys}, _number(r.get(spec.name)), None, None, None) for r in rows]
        for e in entries:
            e.small = e.value is not None and e.n is not None and e.n < small_n
        better = "higher" if spec.better == "none" else spec.better
        for e, ranked in zip(entries, tied_ranks([(e.value, e.low, e.high) for e in entries], better), strict=True):
            e.rank, e.tied = ranked.rank, ranked.tied
        entries.sort(key=lambda e: (e.rank is None, e.rank or 0, -(e.value or 0) if better == "higher"
                                    else (e.value or 0), e.label()))
        result.rankings.append(Ranking(spec, METHODS[spec.kind], entries))
    return result


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _proportions(spec: Spec, rows: list[dict[str, Any]], keys: tuple[str, ...], params: MetricParams) -> list[Entry]:
    entries = []
    for r in rows:
        n = _settled(r, params) if spec.denominator == "_settled" else (r.get(spec.denominator) or 0)
        if spec.numerator == "_one_way":
            k = r["posts"] - r["replies_to_citizens"]
        elif spec.numerator == "_share":
            share = r.get(spec.name)
            k = None if share is None else round(share * n)
        else:
            k = r.get(spec.numerator)
        value = r.get(spec.name)
        if spec.name == "returning_share" and value is None:
            k = None
        interval = wilson(int(k), int(n)) if k is not None and n else None
        entries.append(Entry({key: r[key] for key in keys}, value if n else None, *(interval or (None, None)),
                             int(n), None if k is None else int(k)))
    return entries


def _medians(project: Project, spec: Spec, keys: tuple[str, ...], filters: Filters, params: MetricParams,
             rows: list[dict[str, Any]]) -> list[Entry]:
    """The metrics layer's median with its exact bootstrap interval: the interval's ends are two
    order statistics whose ranks depend only on n, so DuckDB ranks the values and returns just
    those (never every value to Python)."""
    _, family, cond = MEDIANS[spec.name]
    dialogue = prepared(project, params)
    scope = Scope(dialogue, params, filters, keys)
    source, column = (inbound_sql(scope), "d") if family == "inbound" else (FAMILIES["dialog"], "alternations")
    names = ", ".join(keys)
    values = f"SELECT {scope.select_keys()} {column} AS x FROM ({source}) " \
             f"WHERE {cond} AND {column} IS NOT NULL AND {scope.where()}"
    counts = {tuple(str(r[k]) for k in keys): r["n"] for r in dialogue.query(
        f"SELECT {names}, count(*) AS n FROM ({values}) GROUP BY {names}")}
    wanted = {key: median_interval_ranks(n) for key, n in counts.items()}
    ranks = sorted({k for pair in wanted.values() if pair for k in pair})
    found: dict[tuple[str, ...], dict[int, float]] = {}
    if ranks:
        for r in dialogue.query(f"""
                SELECT * FROM (SELECT {names}, x, row_number() OVER (PARTITION BY {names} ORDER BY x) AS r
                               FROM ({values}))
                WHERE r IN ({", ".join(map(str, ranks))})"""):
            found.setdefault(tuple(str(r[k]) for k in keys), {})[r["r"]] = float(r["x"])
    entries = []
    for row in rows:
        key = tuple(str(row[k]) for k in keys)
        pair, at = wanted.get(key), found.get(key, {})
        low, high = (at.get(pair[0]), at.get(pair[1])) if pair else (None, None)
        entries.append(Entry({k: row[k] for k in keys}, _number(row.get(spec.name)), low, high, counts.get(key, 0)))
    return entries


def _rollup(project: Project, params: MetricParams, keys: tuple[str, ...], filters: Filters, specs: list[Spec],
            mixes: list[str]) -> GroupRollup | None:
    """The stored rollup, when it is fresh and holds every figure asked for."""
    if not all(_rolled(s) for s in specs) or not GroupRollup.serves(params, filters, keys, mixes):
        return None
    state = rollup_fresh(project)
    return None if state is None else GroupRollup(project, state)


def _rolled(spec: Spec) -> bool:
    """Whether the rollup keeps the figure and what it is computed from."""
    if spec.kind == "distance" or _SHARE.match(spec.name):
        return True  # from the code counts of the mixes (GroupRollup.serves checks they are rolled up)
    inputs = {spec.name, spec.numerator, spec.denominator} - {"", "_settled", "_one_way"}
    return inputs <= GroupRollup.served


def _rollup_medians(groups: GroupRollup, spec: Spec, keys: tuple[str, ...], filters: Filters,
                    rows: list[dict[str, Any]]) -> list[Entry]:
    """`_medians` from the rollup's response times: the median and the same two order statistics."""
    found = groups.order_statistics(keys, filters, spec.name, median_interval_ranks)
    entries = []
    for row in rows:
        key = tuple(row[k] for k in keys)
        n, median, at = found.get(key, (0, None, {}))
        pair = median_interval_ranks(n)
        low, high = (at[pair[0]], at[pair[1]]) if pair else (None, None)
        entries.append(Entry({k: row[k] for k in keys}, median, low, high, n))
    return entries


def _distances(project: Project, spec: Spec, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> list[Entry]:
    survey = load_survey(project)
    entries = []
    topics = sorted({k[len("topic_share_"):] for r in rows[:1] for k in r
                     if k.startswith("topic_share_") and not k.endswith(_NOT_SHARE)} - {"unknown"})
    for r in rows:
        expected, _ = survey.for_force(r.get("force")) if survey else (None, None)
        n = r.get("topic_n") or 0
        counts = [round((r.get(f"topic_share_{t}") or 0) * n) for t in topics]
        interval = None
        if expected and sum(counts):
            interval = tvd_interval([expected.get(t, 0.0) for t in topics], counts)
        value = r.get(spec.name) if expected else None
        entries.append(Entry({k: r[k] for k in keys}, value, *(interval or (None, None)), sum(counts)))
    return entries
