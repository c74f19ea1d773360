"""The metric set of docs/metrics.md, aggregated in SQL over the fitted dialogue tables.

Each metric family has its own subject rows, with its own force, account and time:
police posts (author), inbound posts (the force and account addressed, the inbound
time), conversations (first police account of the force, conversation start) and
reply recipients (first replying account, time of that reply). Every family is
grouped by the same keys and filtered by the same filters; the results are merged
into one tidy row per group.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from peelian.errors import MetricsError
from peelian.metrics.codes import adjusted_share, code_error, code_ids, source_label
from peelian.metrics.columns import (
    EXPECTATION_COLUMNS,
    KEY_COLUMNS,
    METRIC_COLUMNS,
    CODE_SCOPES,
    MIX_DIMENSIONS,
    Column,
    gap_columns,
    mix_columns,
)
from peelian.metrics.dialect import DUCKDB, Dialect
from peelian.metrics.engine import Dialogue, prepared, sql_literal
from peelian.metrics.expectations import Survey, gap, load_survey
from peelian.metrics.params import GROUP_KEYS, PERIODS, Filters, MetricParams
from peelian.store.project import Project

# Heuristics: mode (a reply to a citizen → engage), citizen_intent (contains a question → question);
# every other post in scope that no source could code counts as 'unknown'.
UNKNOWN = "unknown"
# Every family has force, account_type, account_h (the account id's hash), platform and t.
KEY_SQL = {"force": "force", "account_type": "account_type", "account": "account_h", "platform": "platform"}
FAMILIES = {
    "police": "SELECT nid, force, account_type, author AS account_h, platform, created_at AS t, kind, "
              "to_citizen, engagement, followers, local_how FROM m_police",
    "inbound": "SELECT *, created_at AS t FROM m_inbound",
    "dialog": "SELECT conv, force, account_type, account_h, platform, t, alternations FROM m_dialog",
    "recip": "SELECT nid, force, account_type, account_h, platform, t, reciprocated, citizen FROM m_recip",
    # a conversation's row per post the dialogue figures count in it (citizens' and that force's police posts)
    "dialog_posts": "SELECT d.conv, d.force, d.account_type, d.account_h, d.platform, d.t, d.alternations, "
                    "p.nid AS post_nid, p.created_at AS post_t FROM m_dialog d JOIN m_post p ON p.conv = d.conv "
                    "AND (p.role = 'citizen' OR (p.role = 'police' AND p.force = d.force)) WHERE p.kind <> 'repost'",
}
# a conversation's row with the time of the first post the dialogue figures count in it
FAMILIES["dialog_first"] = ("SELECT conv, force, account_type, account_h, platform, t, min(post_t) AS first_t "
                            f"FROM ({FAMILIES['dialog_posts']}) GROUP BY ALL")


def _ts(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    return f"TIMESTAMP '{value.isoformat()}'"


def _ratio(num: float | int | None, den: float | int | None) -> float | None:
    return None if not den or num is None else num / den


def period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def period_after(start: date, period: str, steps: int = 1) -> date:
    if period == "week":
        return start + timedelta(days=7 * steps)
    months = 1 if period == "month" else 3
    index = start.year * 12 + start.month - 1 + months * steps
    return date(index // 12, index % 12 + 1, 1)


def period_starts(lo: date, hi: date, period: str) -> list[date]:
    starts, current = [], period_start(lo, period)
    while current <= hi:
        starts.append(current)
        current = period_after(current, period)
    return starts


@dataclass
class Scope:
    """What one computation covers: the fit, parameters, filters, group keys and days."""

    dialogue: Dialogue
    params: MetricParams
    filters: Filters
    keys: tuple[str, ...] = ()
    period: str | None = None

    def __post_init__(self) -> None:
        unknown = [k for k in self.keys if k not in GROUP_KEYS]
        if unknown:
            raise MetricsError(f"cannot group by {', '.join(unknown)}; choose from "
                               f"{', '.join(GROUP_KEYS + PERIODS)}")
        if self.period is not None and self.period not in PERIODS:
            raise MetricsError(f"unknown period {self.period!r}; choose week, month or quarter")
        d = self.dialogue
        self.as_of: datetime | None = self.params.as_of or d.data_end_
        start = d.data_start_.date() if d.data_start_ else None
        end = self.as_of.date() if self.as_of else None
        self.lo: date | None = self.filters.date_from or start
        self.hi: date | None = self.filters.date_to or end
        self.data_days = (start, end)

    @property
    def sql(self) -> Dialect:
        """The SQL dialect of the fit's engine (DuckDB for a project, Spark or DuckDB for a lake)."""
        return getattr(self.dialogue, "dialect", DUCKDB)

    @property
    def key_names(self) -> list[str]:
        return list(self.keys) + (["period"] if self.period else [])

    def select_keys(self) -> str:
        parts = [f"{KEY_SQL[k]} AS {k}" for k in self.keys]
        if self.period:
            parts.append(f"CAST(date_trunc('{self.period}', t) AS DATE) AS period")
        return "".join(p + ", " for p in parts)

    def group_by(self) -> str:
        return f"GROUP BY {', '.join(str(i + 1) for i in range(len(self.key_names)))}" if self.key_names else ""

    def where(self, *, dates: bool = True, lo: date | None = None, hi: date | None = None, alias: str = "") -> str:
        """The filters as SQL over a family's columns (optionally of table `alias`)."""
        f, a = self.filters, f"{alias}." if alias else ""
        parts = ["TRUE"]
        for column, value in (("force", f.force), ("account_type", f.account_type), ("platform", f.platform)):
            if value is not None:
                parts.append(f"{a}{column} = {sql_literal(value)}")
        if f.account_id is not None:
            parts.append(f"{a}account_h = hash({sql_literal(f.account_id)})")
        if dates:
            lo = lo or f.date_from
            hi = hi or f.date_to
            if lo:
                parts.append(f"{a}t >= {_ts(lo)}")
            if hi:
                parts.append(f"{a}t < {_ts(hi + timedelta(days=1))}")
        return " AND ".join(parts)

    def days(self, period: date | None) -> int:
        """Days a group covers: its period (or the whole range) inside the data and filters."""
        start, end = self.data_days
        if start is None or end is None or self.lo is None or self.hi is None:
            return 0
        lo, hi = max(self.lo, start), min(self.hi, end)
        if period is not None and self.period:
            lo = max(lo, period)
            hi = min(hi, period_after(period, self.period) - timedelta(days=1))
        return max(0, (hi - lo).days + 1)


# ---- SQL pieces that depend on parameters ----------------------------------------------------

def needs_sql(params: MetricParams, sql: Dialect = DUCKDB) -> tuple[str, str]:
    """(needs-a-response expression, source expression) over m_inbound."""
    if params.needs_response == "all":
        return "TRUE", "'all'"
    fallback = "has_question" if params.question_fallback else "FALSE"
    if params.needs_response == "questions":
        coded = sql.contains("intent_codes", "question")
    else:
        coded = sql.has_any("intent_codes", list(params.needs_response_intents))
    source = "coalesce(intent_source, " + ("'heuristic'" if params.question_fallback else "'none'") + ")"
    return f"(CASE WHEN intent_codes IS NOT NULL THEN {coded} ELSE {fallback} END)", source


def office_sql(params: MetricParams) -> str:
    oh = params.office_hours
    start = oh.start.hour * 3600 + oh.start.minute * 60
    end = oh.end.hour * 3600 + oh.end.minute * 60
    return f"(local_dow IN ({', '.join(str(d) for d in oh.days)}) AND local_sec >= {start} AND local_sec < {end})"


def inbound_sql(scope: Scope) -> str:
    """m_inbound with the parameter-dependent columns: needs, need_source, d (delay, if responded by
    as_of), responded, in_window, settled, office."""
    p, sql = scope.params, scope.sql
    needs, source = needs_sql(p, sql)
    as_of = _ts(scope.as_of) if scope.as_of else "TIMESTAMP '9999-12-31'"
    d = f"CASE WHEN resp_at <= {as_of} THEN delay_s END"
    limit = f" AND d <= {p.response_limit.total_seconds()}" if p.response_limit else ""
    window = p.window.total_seconds()
    return f"""SELECT *, needs AND d IS NOT NULL{limit} AS responded,
                      needs AND coalesce(d <= {window}, FALSE) AS in_window,
                      {sql.epoch(as_of)} - {sql.epoch("created_at")} >= {window} AS settled
               FROM (SELECT *, {needs} AS needs, {source} AS need_source, {d} AS d, {office_sql(p)} AS office
                     FROM ({family_sql(scope, 'inbound')}))"""


def police_sql(scope: Scope) -> str:
    return family_sql(scope, "police") + ("" if scope.params.include_reposts else " WHERE kind <> 'repost'")


def family_sql(scope: Scope, name: str) -> str:
    """A family's rows: from the fit's tables, or from what stands in for them (the `families` of
    `peelian.metrics.rollup.StoredFit`: the police and inbound rows kept with the rollup, no fit needed)."""
    return getattr(scope.dialogue, "families", FAMILIES)[name]


# ---- the families -----------------------------------------------------------------------------

def _police(scope: Scope) -> list[dict[str, Any]]:
    counted = "TRUE" if scope.params.include_reposts else "kind <> 'repost'"
    return scope.dialogue.query(f"""
        SELECT {scope.select_keys()}
               count(*) FILTER (WHERE {counted}) AS posts,
               count(*) FILTER (WHERE kind = 'original') AS posts_original,
               count(*) FILTER (WHERE kind = 'reply') AS posts_reply,
               count(*) FILTER (WHERE kind = 'quote') AS posts_quote,
               count(*) FILTER (WHERE kind = 'repost') AS posts_repost,
               count(DISTINCT account_h) FILTER (WHERE {counted}) AS accounts_active,
               count(*) FILTER (WHERE {counted} AND to_citizen) AS replies_to_citizens,
               avg(engagement) FILTER (WHERE {counted}) AS engagement_per_post,
               avg(engagement / followers) FILTER (WHERE {counted} AND followers > 0) AS engagement_rate
        FROM ({FAMILIES['police']}) WHERE {scope.where()} {scope.group_by()}""")


# The inbound posts' counts, one SQL list for the per-group table and the monthly rollup alike.
INBOUND_COUNTS = """count(*) AS inbound_posts,
               count(*) FILTER (WHERE needs) AS needs_response,
               count(*) FILTER (WHERE need_source = 'gold') AS needs_response_gold,
               count(*) FILTER (WHERE need_source = 'predicted') AS needs_response_predicted,
               count(*) FILTER (WHERE need_source = 'heuristic') AS needs_response_heuristic,
               count(*) FILTER (WHERE need_source = 'all') AS needs_response_all,
               count(*) FILTER (WHERE responded) AS responded"""


def _inbound(scope: Scope) -> list[dict[str, Any]]:
    def times(prefix: str, cond: str) -> str:
        return (f"{scope.sql.quantile('d', 0.5)} FILTER (WHERE responded{cond}) AS {prefix}_median_s, "
                f"{scope.sql.quantile('d', 0.9)} FILTER (WHERE responded{cond}) AS {prefix}_p90_s, "
                f"avg(d) FILTER (WHERE responded{cond}) AS {prefix}_mean_s")

    return scope.dialogue.query(f"""
        SELECT {scope.select_keys()}
               {INBOUND_COUNTS},
               count(*) FILTER (WHERE needs AND d <= 3600) AS responded_1h,
               count(*) FILTER (WHERE needs AND d <= 86400) AS responded_24h,
               count(*) FILTER (WHERE in_window) AS answered_within_window,
               count(*) FILTER (WHERE needs AND NOT in_window AND settled) AS unanswered,
               count(*) FILTER (WHERE needs AND NOT in_window AND NOT settled) AS pending,
               {times('response_time', '')},
               count(*) FILTER (WHERE needs AND office) AS needs_response_office,
               count(*) FILTER (WHERE responded AND office) AS responded_office,
               {times('response_time_office', ' AND office')},
               count(*) FILTER (WHERE needs AND NOT office) AS needs_response_off,
               count(*) FILTER (WHERE responded AND NOT office) AS responded_off,
               {times('response_time_off', ' AND NOT office')}
        FROM ({inbound_sql(scope)}) WHERE {scope.where()} {scope.group_by()}""")


def _dialog(scope: Scope) -> list[dict[str, Any]]:
    return scope.dialogue.query(f"""
        SELECT {scope.select_keys()} count(*) AS dialogue_conversations,
               avg(alternations) AS dialogue_depth_mean,
               {scope.sql.quantile('alternations', 0.5)} AS dialogue_depth_median
        FROM ({FAMILIES['dialog']}) WHERE {scope.where()} {scope.group_by()}""")


def _recip(scope: Scope) -> list[dict[str, Any]]:
    return scope.dialogue.query(f"""
        SELECT {scope.select_keys()} count(*) AS reply_recipients,
               count(*) FILTER (WHERE reciprocated) AS reciprocated
        FROM ({FAMILIES['recip']}) WHERE {scope.where()} {scope.group_by()}""")


def _concentration(scope: Scope) -> list[dict[str, Any]]:
    """Audience (distinct citizens: one row each here, which spares the inbound query a DISTINCT
    aggregate that Spark would expand), concentration and Gini of inbound posts per citizen."""
    keys = scope.key_names
    part = f"PARTITION BY {', '.join(keys)}" if keys else ""
    top = scope.params.top_share
    return scope.dialogue.query(f"""
        WITH c AS (
            SELECT {scope.select_keys()} author, count(*) AS n
            FROM ({FAMILIES['inbound']}) WHERE {scope.where()} GROUP BY ALL),
        r AS (
            SELECT *, row_number() OVER o AS rank_asc, count(*) OVER w AS m, sum(n) OVER w AS total
            FROM c WINDOW o AS ({part} ORDER BY n, author), w AS ({part}))
        SELECT {"".join(k + ", " for k in keys)} count(author) AS audience_citizens,
               sum(n) FILTER (WHERE m - rank_asc < ceil({top} * m)) / any_value(total) AS concentration_top_share,
               CAST(2 * sum(rank_asc * n) AS DOUBLE) / (any_value(m) * any_value(total))
                 - (CAST(any_value(m) AS DOUBLE) + 1) / any_value(m) AS gini
        FROM r {scope.group_by()}""")


def _returning(scope: Scope) -> list[dict[str, Any]]:
    """Citizens of each group who also had an inbound post to the same group in the previous
    period of equal length (the previous week/month/quarter, or the equally long range just
    before the date filter). Empty when that previous period starts before the first post."""
    d = scope.dialogue
    if d.data_start_ is None or scope.lo is None or scope.hi is None:
        return []
    first = d.data_start_.date()
    inner_keys = [k for k in scope.keys]
    on = " AND ".join([f"c.{k} IS NOT DISTINCT FROM p.{k}" for k in inner_keys] + ["c.author = p.author"])
    keysel = "".join(f"{KEY_SQL[k]} AS {k}, " for k in inner_keys)
    outer = "".join(f"c.{k}, " for k in inner_keys)
    if scope.period:
        unit = {"week": "7 DAY", "month": "1 MONTH", "quarter": "3 MONTH"}[scope.period]
        rows = d.query(f"""
            WITH cp AS (
                SELECT DISTINCT {keysel} CAST(date_trunc('{scope.period}', t) AS DATE) AS period, author
                FROM ({FAMILIES['inbound']}) WHERE {scope.where(dates=False)}
                  AND t < {_ts(scope.hi + timedelta(days=1))})
            SELECT {outer} c.period, count(*) AS audience, count(p.author) AS returning_citizens
            FROM cp c LEFT JOIN cp p ON {on} AND p.period = CAST(c.period - INTERVAL {unit} AS DATE)
            WHERE c.period >= {_ts(period_start(scope.lo, scope.period))}
              AND CAST(c.period - INTERVAL {unit} AS DATE) >= {_ts(first)}
            GROUP BY ALL""")
        return [{k: v for k, v in r.items() if k != "audience"} for r in rows]
    length = (scope.hi - scope.lo).days + 1
    prev_lo, prev_hi = scope.lo - timedelta(days=length), scope.lo - timedelta(days=1)
    if scope.filters.date_from is None or prev_lo < first:
        return []
    return d.query(f"""
        WITH cur AS (SELECT DISTINCT {keysel} author FROM ({FAMILIES['inbound']})
                     WHERE {scope.where(lo=scope.lo, hi=scope.hi)}),
             prev AS (SELECT DISTINCT {keysel} author FROM ({FAMILIES['inbound']})
                      WHERE {scope.where(lo=prev_lo, hi=prev_hi)})
        SELECT {outer} count(p.author) AS returning_citizens
        FROM cur c LEFT JOIN prev p ON {on} {"GROUP BY ALL" if inner_keys else ""}""")


def code_shares(scope: Scope, dimension: str, codes: list[str]) -> list[dict[str, Any]]:
    """Per group: posts in scope, source counts, and per code the posts carrying it (and how many
    of those were predicted) — the inputs of the share columns."""
    rows = scope.dialogue.query(code_counts_sql(scope, dimension))
    model = scope.dialogue.models_.get(dimension) or {}
    return shares_from_counts(dimension, codes, scope.key_names, rows, model.get("evaluation"))


def code_counts_sql(scope: Scope, dimension: str) -> str:
    """The SQL of code_shares' counts: per group a row with code NULL (n, gold, predicted,
    heuristic) and one per code (n, predicted)."""
    which = CODE_SCOPES[dimension][0]
    keys = scope.key_names
    listed = "".join(k + ", " for k in keys)
    if which == "inbound":  # an inbound post addressing two forces is one post here
        family, cond, hit_codes = f"SELECT *, has_question AS hit FROM ({FAMILIES['inbound']})", "TRUE", ["question"]
    else:
        family = f"SELECT *, to_citizen AS hit FROM ({police_sql(scope)})"
        cond = {"police": "TRUE", "original": "kind = 'original'", "to_citizen": "to_citizen"}[which]
        hit_codes = ["engage"] if dimension == "mode" else None
    sql = scope.sql
    if hit_codes:
        heuristic = f"CASE WHEN x.hit THEN {sql.array(hit_codes)} ELSE {sql.array([UNKNOWN])} END"
        heuristic_source = "CASE WHEN x.hit THEN 'heuristic' ELSE 'none' END"
    else:
        heuristic, heuristic_source = sql.array([UNKNOWN]), "'none'"
    return f"""
        WITH x AS (
            SELECT {"DISTINCT " if which == "inbound" else ""}{scope.select_keys()} nid, hit
            FROM ({family}) WHERE {cond} AND {scope.where()}),
        base AS {sql.materialized()}(
            SELECT {"".join(f"x.{k}, " for k in keys)}coalesce(c.codes, {heuristic}) AS codes,
                   coalesce(CAST(c.source AS STRING), {heuristic_source}) AS source
            FROM x LEFT JOIN {scope.dialogue.codes(dimension)} c ON c.nid = x.nid)
        SELECT {listed} NULL AS code, count(*) AS n, count(*) FILTER (WHERE source = 'gold') AS gold,
               count(*) FILTER (WHERE source = 'predicted') AS predicted,
               count(*) FILTER (WHERE source = 'heuristic') AS heuristic
        FROM base {scope.group_by()}
        UNION ALL
        SELECT {listed} code, count(*), 0, count(*) FILTER (WHERE source = 'predicted'), 0
        FROM (SELECT {listed} {sql.unnest("codes")} AS code, source FROM base)
        GROUP BY {", ".join(str(i + 1) for i in range(len(keys) + 1))}"""


def shares_from_counts(dimension: str, codes: list[str], keys: list[str], rows: list[dict[str, Any]],
                       evaluation: dict[str, Any] | None) -> list[dict[str, Any]]:
    """code_shares' rows from its counts: per group a total row (code None: n, gold, predicted,
    heuristic) and per code a row (n, predicted); shared with the dashboard rollup."""
    totals = [r for r in rows if r["code"] is None]
    per_code = [r for r in rows if r["code"] is not None]
    by_group: dict[tuple, dict[str, Any]] = {}
    for t in totals:
        key = tuple(t[k] for k in keys)
        by_group[key] = {**{k: t[k] for k in keys}, f"{dimension}_n": t["n"], f"{dimension}_gold": t["gold"],
                         f"{dimension}_predicted": t["predicted"], f"{dimension}_heuristic": t["heuristic"],
                         f"{dimension}_source": source_label(t) if t["n"] else None, "_codes": {}}
    for r in per_code:
        key = tuple(r[k] for k in keys)
        if key in by_group:
            by_group[key]["_codes"][r["code"]] = (r["n"], r["predicted"])
    out = []
    for row in by_group.values():
        n, n_pred = row[f"{dimension}_n"], row[f"{dimension}_predicted"]
        found = row.pop("_codes")
        for code in list(dict.fromkeys([*codes, UNKNOWN, *sorted(found)])):
            count, count_pred = found.get(code, (0, 0))
            row[f"{dimension}_share_{code}"] = _ratio(count, n)
            adjusted = adjusted_share(n, count, count_pred, n_pred, code_error(evaluation, code))
            row[f"{dimension}_share_{code}_adjusted"], row[f"{dimension}_share_{code}_low"], \
                row[f"{dimension}_share_{code}_high"] = adjusted if adjusted else (None, None, None)
            row[f"_{dimension}_count_{code}"] = count
        out.append(row)
    return out


# ---- the table --------------------------------------------------------------------------------

@dataclass
class MetricsTable:
    """Tidy metric rows (one per group), with the parameters, filters and code sources used."""

    rows: list[dict[str, Any]]
    columns: list[Column]
    params: MetricParams
    filters: Filters
    by: tuple[str, ...]
    period: str | None
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    threads: dict[str, int] = field(default_factory=dict)
    survey: str | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    def to_arrow(self) -> pa.Table:
        schema = pa.schema([pa.field(c.name, c.arrow_type) for c in self.columns])
        return pa.Table.from_pylist([{c.name: r.get(c.name) for c in self.columns} for r in self.rows],
                                    schema=schema)

    def to_dict(self) -> dict[str, Any]:
        return {"params": self.params.describe(), "filters": self.filters.describe(), "by": list(self.by),
                "period": self.period, "sources": self.sources, "threads": self.threads, "survey": self.survey,
                "columns": [c.name for c in self.columns],
                "rows": [{c.name: r.get(c.name) for c in self.columns} for r in self.rows]}


def parse_by(by: str | Sequence[str] | None, period: str | None = None) -> tuple[tuple[str, ...], str | None]:
    """'force,account_type,month' → (('force', 'account_type'), 'month')."""
    items = [b.strip() for b in (by.split(",") if isinstance(by, str) else by or ()) if b and b.strip()]
    keys = []
    for item in items:
        if item in PERIODS:
            if period is not None and period != item:
                raise MetricsError(f"two periods given: {period} and {item}")
            period = item
        elif item in GROUP_KEYS:
            if item not in keys:
                keys.append(item)
        else:
            raise MetricsError(f"cannot group by {item!r}; choose from {', '.join(GROUP_KEYS + PERIODS)}")
    return tuple(keys), period


def compute_metrics(project: Project, params: MetricParams | None = None,
                    by: str | Sequence[str] = ("force", "account_type"), period: str | None = None,
                    filters: Filters | None = None, *, mixes: Sequence[str] = tuple(MIX_DIMENSIONS),
                    survey: str | None = None) -> MetricsTable:
    """All metrics of docs/metrics.md per group. `by` takes force, account_type, account,
    platform (and a period name, same as `period=`); `mixes` picks the code dimensions whose
    shares are added; the expectations gap uses `survey` (default: the last one imported)."""
    params = params or MetricParams()
    loaded = load_survey(project, survey) if "topic" in mixes else None
    return metrics_from_dialogue(prepared(project, params), params, by, period, filters,
                                 codes={dim: code_ids(project, dim) for dim in mixes}, survey=loaded)


def metrics_from_dialogue(dialogue: Dialogue, params: MetricParams, by: str | Sequence[str] = ("force", "account_type"),
                          period: str | None = None, filters: Filters | None = None, *,
                          codes: dict[str, list[str]], survey: Survey | None = None) -> MetricsTable:
    """The metrics of any fitted dialogue: a project's (`Dialogue`), or a national lake's read by
    DuckDB or Spark (`peelian.national`), which carries its own SQL `dialect`. `codes` maps each
    mix dimension to its code ids; `survey` is the expectations survey, if any."""
    filters = filters or Filters()
    mixes = tuple(codes)
    loaded = survey
    keys, period = parse_by(by, period)
    scope = Scope(dialogue, params, filters, keys, period)
    names = scope.key_names
    rows: dict[tuple, dict[str, Any]] = {}

    def merge(results: list[dict[str, Any]]) -> None:
        for r in results:
            if "account" in r:
                r["account"] = dialogue.accounts_.get(r["account"], (str(r["account"]), None))[0]
            key = tuple(r[k] for k in names)
            rows.setdefault(key, {k: r[k] for k in names}).update({k: v for k, v in r.items() if k not in names})

    for family in (_police, _inbound, _dialog, _recip):
        merge(family(scope))
    merge(_concentration(scope))
    merge(_returning(scope))
    for dim in mixes:
        merge(code_shares(scope, dim, codes[dim]))
    if period and scope.lo and scope.hi:
        combos = {key[:-1] for key in rows} or ({()} if not keys else set())
        for combo in combos:
            for start in period_starts(scope.lo, scope.hi, period):
                rows.setdefault((*combo, start), {**dict(zip(keys, combo, strict=True)), "period": start})
    handles = {account_id: handle for account_id, handle in dialogue.accounts_.values()}
    columns = _columns(keys, period, codes, loaded)
    finished = [_finish(row, scope, codes, loaded, handles) for _, row in sorted(rows.items(), key=_sort_key)]
    return MetricsTable([{c.name: r.get(c.name) for c in columns} for r in finished], columns, params, filters,
                        keys, period, sources=_sources(finished, mixes), threads=dict(dialogue.threads_),
                        survey=loaded.name if loaded else None)


def _sort_key(item: tuple[tuple, dict[str, Any]]) -> tuple:
    return tuple((v is None, str(v)) for v in item[0])


def _columns(keys: tuple[str, ...], period: str | None, codes: dict[str, list[str]],
             survey: Survey | None) -> list[Column]:
    columns = [KEY_COLUMNS[k] for k in keys]
    if "account" in keys:
        columns.append(KEY_COLUMNS["account_handle"])
    if period:
        columns += [KEY_COLUMNS["period"], KEY_COLUMNS["period_end"]]
    columns += METRIC_COLUMNS
    for dim, dim_codes in codes.items():
        columns += mix_columns(dim, [*dim_codes, UNKNOWN])
    if survey is not None:
        columns += EXPECTATION_COLUMNS + gap_columns(codes.get("topic", []))
    return columns


COUNT_COLUMNS = [c.name for c in METRIC_COLUMNS if c.type == "int"]


def _finish(row: dict[str, Any], scope: Scope, codes: dict[str, list[str]], survey: Survey | None,
            handles: dict[str, str | None]) -> dict[str, Any]:
    """Fill zero counts, derive the ratios and attach the expectations gap."""
    has_previous = "returning_citizens" in row  # absent: no previous period to compare with
    for name in COUNT_COLUMNS:
        row[name] = row.get(name) or 0
    if "account" in row:
        row["account_handle"] = handles.get(row["account"])
    if scope.period:
        row["period_end"] = period_after(row["period"], scope.period) - timedelta(days=1)
    weeks = scope.days(row.get("period")) / 7
    row["posts_per_account_week"] = _ratio(row["posts"], row["accounts_active"] * weeks) if weeks else None
    row["two_way_ratio"] = _ratio(row["replies_to_citizens"], row["posts"])
    row["one_way_share"] = None if row["two_way_ratio"] is None else 1 - row["two_way_ratio"]
    row["broadcast_ratio"] = _ratio(row["posts_original"], row["replies_to_citizens"])
    # Right-censoring: a pending post has no response yet but may still get one in its window, so by default
    # it is left out of the rates (never in a numerator: a post with a response is not pending).
    settled = row["needs_response"] - (row["pending"] if scope.params.pending == "exclude" else 0)
    for suffix in ("", "_1h", "_24h"):
        row[f"response_rate{suffix}"] = _ratio(row[f"responded{suffix}"], settled)
    row["needs_response_source"] = source_label({
        "gold": row["needs_response_gold"], "predicted": row["needs_response_predicted"],
        "heuristic": row["needs_response_heuristic"], "all": row.get("needs_response_all") or 0}) \
        if row["inbound_posts"] else None
    row["reciprocity"] = _ratio(row["reciprocated"], row["reply_recipients"])
    row["returning_share"] = _ratio(row["returning_citizens"], row["audience_citizens"]) if has_previous else None
    if survey is not None:
        add_expectations_gap(row, survey, codes.get("topic", []))
    return row


def add_expectations_gap(row: dict[str, Any], survey: Survey, topics: list[str]) -> None:
    """Add the expectations columns to a row holding the topic counts (`_topic_count_<code>`):
    shared by the metric table and the rollup's group rows."""
    expected, _ = survey.for_force(row.get("force"))
    counts = {c: row.get(f"_topic_count_{c}", 0) for c in topics}
    result = gap(expected, counts, topics) if expected else None
    row["expectations_survey"] = survey.name if expected else None
    row["expectations_tvd"] = result["tvd"] if result else None
    row["expectations_jsd"] = result["jsd"] if result else None
    for t in result["topics"] if result else []:
        row[f"topic_gap_{t['topic']}"] = t["gap"]


def _sources(rows: list[dict[str, Any]], mixes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Which source decided each figure, over all rows: the label and the counts behind it."""
    out: dict[str, dict[str, Any]] = {}
    counts = {s: sum(r.get(f"needs_response_{s}") or 0 for r in rows) for s in ("gold", "predicted", "heuristic")}
    every = sum(r.get("needs_response_all") or 0 for r in rows)
    inbound = sum(r["inbound_posts"] for r in rows)
    out["needs_response"] = {"source": source_label({**counts, "all": every}), **counts,
                             "none": inbound - sum(counts.values()) - every, "inbound_posts": inbound}
    for dim in mixes:
        counts = {s: sum(r.get(f"{dim}_{s}") or 0 for r in rows) for s in ("gold", "predicted", "heuristic")}
        n = sum(r.get(f"{dim}_n") or 0 for r in rows)
        out[dim] = {"source": source_label(counts), **counts, "none": n - sum(counts.values()), "posts": n}
    return out
