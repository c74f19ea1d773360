"""The dashboard's aggregates, kept per calendar month in the project, so a dashboard needs no fit.

The default dashboard (every figure of `peelian.web.dashboard` under the default
parameters, filtered by platform, force and account type, trends by week, month or quarter)
reads only month-grain figures (and the weekly trend's counts, kept per ISO week): counts
that add up, and two that do not
(the median response time and the citizens reached), which are kept for each month and
every combination of platform, force and account type (GROUP BY CUBE). `refresh_rollup`
computes them from the fitted dialogue with the metrics' own SQL and rewrites only the
months whose figures changed (an import, a late reply to an old month, a registry re-tag,
new codes or predictions); `meta.rollup_state` records the data fingerprint they match,
so a stale rollup is never read. `RollupFigures` answers the dashboard's questions from
the tables in milliseconds; `tests/metrics/test_rollup.py` checks that every answer
equals the one computed from scratch.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Any

import orjson

from peelian.metrics.codes import source_label
from peelian.metrics.columns import CODE_SCOPES, MIX_DIMENSIONS
from peelian.metrics.compute import (
    FAMILIES,
    INBOUND_COUNTS,
    Scope,
    _ratio,
    _sort_key,
    code_counts_sql,
    inbound_sql,
    period_after,
    period_start,
    period_starts,
    police_sql,
    shares_from_counts,
)
from peelian.metrics.engine import Dialogue, fingerprint, prepared
from peelian.metrics.params import Filters, MetricParams
from peelian.metrics.rollup_groups import GROUP_COUNTS, delays_sql, groups_sql
from peelian.metrics.views import (
    DEFAULT_BINS,
    distribution_bins,
    distribution_rows,
    headline_figures,
    last_full_month,
    mix_result,
)
from peelian.store.project import Project

STATE_KEY = "rollup_state"
TABLES = ("rollup_months", "rollup_codes", "rollup_hours", "rollup_weeks", "rollup_groups", "rollup_delays")
WEEK_COUNTS = ("posts", "replies_to_citizens", "inbound_posts", "needs_response", "responded", "unanswered", "pending")
KEYS = ("platform", "force", "account_type")
MONTH_COUNTS = ("police_rows", "posts", "posts_original", "replies_to_citizens", "inbound_posts", "needs_response",
                "needs_response_gold", "needs_response_predicted", "needs_response_heuristic", "needs_response_all",
                "responded", "unanswered", "pending")
COLUMNS = {
    "rollup_months": ("month", *KEYS, "grp", *MONTH_COUNTS, "response_time_median_s", "audience_citizens", "bins"),
    "rollup_codes": ("dimension", "month", *KEYS, "code", "n", "gold", "predicted", "heuristic"),
    "rollup_hours": ("month", *KEYS, "how", "police_posts", "inbound_posts", "needs_response", "responses"),
    "rollup_weeks": ("week", *KEYS, *WEEK_COUNTS),
    "rollup_groups": ("month", *KEYS, *GROUP_COUNTS),  # peelian.metrics.rollup_groups
    "rollup_delays": ("month", *KEYS, "office", "d", "n"),
}
PERIOD_COLUMN = {"rollup_weeks": "week"}  # the others are kept per month
INBOUND = "rollup_inbound"  # inbound_sql's rows under the default parameters, computed once per refresh
ROLLED_DIMENSIONS = tuple(d for d in MIX_DIMENSIONS if CODE_SCOPES[d][0] != "inbound")
_REFRESH_LOCK = threading.Lock()


def _fingerprint_text(project: Project) -> str:
    return orjson.dumps(fingerprint(project), default=str).decode()


def _has_tables(project: Project) -> bool:
    cur = project.cursor()
    try:
        found = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE list_contains(?, table_name)",
                            [list(TABLES)]).fetchall()[0][0]
    finally:
        cur.close()
    return found == len(TABLES)


def rollup_state(project: Project) -> dict[str, Any] | None:
    """The stored state (fingerprint, first and last post, models), or None if there is none."""
    cur = project.cursor()
    try:
        rows = cur.execute("SELECT value FROM meta WHERE key = ?", [STATE_KEY]).fetchall()
    finally:
        cur.close()
    return orjson.loads(rows[0][0]) if rows else None


def rollup_fresh(project: Project) -> dict[str, Any] | None:
    """The state if the rollup matches the project's data now, else None (a few metadata lookups)."""
    if not _has_tables(project):
        return None
    state = rollup_state(project)
    if state is None or state.get("fingerprint") != _fingerprint_text(project) or not _has_all(state):
        return None
    return state


def _has_all(state: dict[str, Any]) -> bool:
    """Whether the state's refresh wrote every table (one added by a later migration is empty until then)."""
    return set(state.get("tables") or ()) >= set(TABLES)


# ---- building -----------------------------------------------------------------------------------

def _cast_keys(prefix: str = "") -> str:
    return ", ".join(f"CAST({prefix}{k} AS VARCHAR) AS {k}" for k in KEYS)


def _month(expr: str = "t") -> str:
    return f"CAST(date_trunc('month', {expr}) AS DATE)"


def _months_sql(scope: Scope) -> str:
    counted = "TRUE" if scope.params.include_reposts else "kind <> 'repost'"
    edges, case = distribution_bins(DEFAULT_BINS)
    bins = ", ".join(f"count(*) FILTER (WHERE needs AND b = {i})" for i in [*range(len(edges)), -1, -2])
    cube = f"GROUP BY month, CUBE({', '.join(KEYS)})"
    grouping = f"CAST(GROUPING({', '.join(KEYS)}) AS INTEGER) AS grp"
    police = f"""
        SELECT month, {", ".join(KEYS)}, {grouping}, count(*) AS police_rows,
               count(*) FILTER (WHERE {counted}) AS posts,
               count(*) FILTER (WHERE kind = 'original') AS posts_original,
               count(*) FILTER (WHERE {counted} AND to_citizen) AS replies_to_citizens
        FROM (SELECT {_month()} AS month, {_cast_keys()}, kind, to_citizen FROM ({FAMILIES['police']})) {cube}"""
    inbound = f"""
        SELECT month, {", ".join(KEYS)}, {grouping}, {INBOUND_COUNTS},
               count(*) FILTER (WHERE needs AND NOT in_window AND settled) AS unanswered,
               count(*) FILTER (WHERE needs AND NOT in_window AND NOT settled) AS pending,
               {scope.sql.quantile('d', 0.5)} FILTER (WHERE responded) AS response_time_median_s,
               count(DISTINCT author) AS audience_citizens, [{bins}] AS bins
        FROM (SELECT * EXCLUDE ({", ".join(KEYS)}), {_month()} AS month, {_cast_keys()}, {case} AS b
              FROM {INBOUND}) {cube}"""
    same = " AND ".join(["p.month = i.month", "p.grp = i.grp"] + [f"p.{k} IS NOT DISTINCT FROM i.{k}" for k in KEYS])
    counts = ", ".join(
        f"coalesce({'p' if c in ('police_rows', 'posts', 'posts_original', 'replies_to_citizens') else 'i'}.{c}, 0) "
        f"AS {c}" for c in MONTH_COUNTS)
    empty = "[" + ", ".join("0" for _ in range(len(edges) + 2)) + "]"
    return f"""
        SELECT coalesce(p.month, i.month) AS month, {", ".join(f"coalesce(p.{k}, i.{k}) AS {k}" for k in KEYS)},
               coalesce(p.grp, i.grp) AS grp, {counts}, i.response_time_median_s,
               coalesce(i.audience_citizens, 0) AS audience_citizens, coalesce(i.bins, {empty}) AS bins
        FROM ({police}) p FULL JOIN ({inbound}) i ON {same}"""


def _codes_sql(dialogue: Dialogue, params: MetricParams) -> str:
    scope = Scope(dialogue, params, Filters(), KEYS, "month")
    parts = [f"SELECT '{dimension}' AS dimension, period AS month, {_cast_keys()}, code, n, gold, predicted, "
             f"heuristic FROM ({code_counts_sql(scope, dimension)})" for dimension in ROLLED_DIMENSIONS]
    return " UNION ALL ".join(parts)


def _hours_sql(scope: Scope) -> str:
    inbound = INBOUND
    return f"""
        SELECT month, {", ".join(KEYS)}, how, sum(police_posts) AS police_posts,
               sum(inbound_posts) AS inbound_posts, sum(needs_response) AS needs_response,
               sum(responses) AS responses
        FROM (
            SELECT {_month()} AS month, {_cast_keys()}, local_how AS how, count(*) AS police_posts,
                   0 AS inbound_posts, 0 AS needs_response, 0 AS responses
            FROM ({police_sql(scope)}) GROUP BY ALL
            UNION ALL
            SELECT {_month()}, {_cast_keys()}, local_how, 0, count(*), count(*) FILTER (WHERE needs), 0
            FROM {inbound} GROUP BY ALL
            UNION ALL
            SELECT {_month()}, {_cast_keys()}, resp_how, 0, 0, 0, count(*)
            FROM {inbound} WHERE responded GROUP BY ALL)
        GROUP BY ALL"""


def _weeks_sql(scope: Scope) -> str:
    counted = "TRUE" if scope.params.include_reposts else "kind <> 'repost'"
    week = "CAST(date_trunc('week', t) AS DATE)"
    return f"""
        SELECT week, {", ".join(KEYS)}, {", ".join(f"sum({c}) AS {c}" for c in WEEK_COUNTS)}
        FROM (
            SELECT {week} AS week, {_cast_keys()}, count(*) FILTER (WHERE {counted}) AS posts,
                   count(*) FILTER (WHERE {counted} AND to_citizen) AS replies_to_citizens, 0 AS inbound_posts,
                   0 AS needs_response, 0 AS responded, 0 AS unanswered, 0 AS pending
            FROM ({FAMILIES['police']}) GROUP BY ALL
            UNION ALL
            SELECT {week}, {_cast_keys()}, 0, 0, count(*), count(*) FILTER (WHERE needs),
                   count(*) FILTER (WHERE responded), count(*) FILTER (WHERE needs AND NOT in_window AND settled),
                   count(*) FILTER (WHERE needs AND NOT in_window AND NOT settled)
            FROM {INBOUND} GROUP BY ALL)
        GROUP BY ALL"""


def refresh_rollup(project: Project, lock: Any = None) -> dict[str, Any]:
    """Bring the rollup up to date with the project's data: fit (or reuse the fitted dialogue),
    aggregate every month, and rewrite the months whose figures differ from the stored ones.

    Returns {'fresh': bool, 'months_rewritten': [...], 'weeks_rewritten': [...], 'months': n}
    (weeks: the weekly trend's table); a read-only project, or
    one without the rollup tables, is left alone (`fresh` False). `lock` (a context manager)
    is held while the tables are written, for callers that serialise their writes."""
    with _REFRESH_LOCK:
        if project.read_only or not _has_tables(project):
            return {"fresh": False, "months_rewritten": [], "weeks_rewritten": [], "months": 0}
        if rollup_fresh(project) is not None:
            return {"fresh": True, "months_rewritten": [], "weeks_rewritten": [], "months": 0}
        params = MetricParams()
        key = _fingerprint_text(project)
        dialogue = prepared(project, params)
        with dialogue._lock:
            con = dialogue.con_
            scope = Scope(dialogue, params, Filters())
            con.execute(f"CREATE OR REPLACE TEMP TABLE {INBOUND} AS {inbound_sql(scope)}")
            built = {"rollup_months": _months_sql(scope), "rollup_codes": _codes_sql(dialogue, params),
                     "rollup_hours": _hours_sql(scope), "rollup_weeks": _weeks_sql(scope),
                     "rollup_groups": groups_sql(scope, INBOUND), "rollup_delays": delays_sql(INBOUND)}
            for table, sql in built.items():
                con.execute(f"CREATE OR REPLACE TEMP TABLE new_{table} AS "
                            f"SELECT {', '.join(COLUMNS[table])} FROM ({sql})")
            changed_in: dict[str, set[date]] = {}
            for t in TABLES:
                columns = ", ".join(COLUMNS[t])
                changed_in[t] = {r[0] for r in con.execute(
                    f"SELECT DISTINCT {PERIOD_COLUMN.get(t, 'month')} FROM ("
                    f"(SELECT {columns} FROM new_{t} EXCEPT SELECT {columns} FROM {t}) UNION ALL "
                    f"(SELECT {columns} FROM {t} EXCEPT SELECT {columns} FROM new_{t}))").fetchall()}
            changed = sorted(set().union(*(v for t, v in changed_in.items() if t not in PERIOD_COLUMN)))
            weeks = sorted(changed_in["rollup_weeks"])
            months = con.execute("SELECT count(DISTINCT month) FROM new_rollup_months").fetchall()[0][0]
            state = {"fingerprint": key, "params": params.describe(), "tables": list(TABLES),
                     "data_start": dialogue.data_start_.isoformat() if dialogue.data_start_ else None,
                     "data_end": dialogue.data_end_.isoformat() if dialogue.data_end_ else None,
                     "models": {d: m for d, m in dialogue.models_.items()}}
            with lock if lock is not None else _nothing():
                con.execute("BEGIN")
                try:
                    for table in TABLES:
                        periods = weeks if table in PERIOD_COLUMN else changed
                        if not periods:
                            continue
                        column = PERIOD_COLUMN.get(table, "month")
                        con.execute("CREATE OR REPLACE TEMP TABLE rollup_changed AS SELECT unnest(?) AS p", [periods])
                        con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT p FROM rollup_changed)")
                        con.execute(f"INSERT INTO {table} SELECT {', '.join(COLUMNS[table])} FROM new_{table} "
                                    f"WHERE {column} IN (SELECT p FROM rollup_changed)")
                    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                                [STATE_KEY, orjson.dumps(state, default=str).decode()])
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            for table in TABLES:
                con.execute(f"DROP TABLE IF EXISTS new_{table}")
            con.execute("DROP TABLE IF EXISTS rollup_changed")
            con.execute(f"DROP TABLE IF EXISTS {INBOUND}")
        fresh = rollup_fresh(project) is not None
        return {"fresh": fresh, "months_rewritten": changed, "weeks_rewritten": weeks, "months": int(months)}


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# ---- reading ------------------------------------------------------------------------------------

def rollup_serves(filters: Filters, period: str, params: MetricParams | None = None) -> bool:
    """Whether the rollup holds this dashboard: default parameters, filters by platform, force and
    account type only (trends by week, month or quarter)."""
    return ((params is None or params == MetricParams()) and period in ("week", "month", "quarter")
            and filters.date_from is None and filters.date_to is None and filters.account_id is None)


class RollupFigures:
    """The dashboard's figures from the rollup tables; each method returns what the matching
    function of `peelian.metrics.views` returns for the same filters (default parameters)."""

    def __init__(self, project: Project, state: dict[str, Any]):
        self.project = project
        self.params = MetricParams()
        self.data_start = datetime.fromisoformat(state["data_start"]) if state.get("data_start") else None
        self.data_end = datetime.fromisoformat(state["data_end"]) if state.get("data_end") else None
        self.models: dict[str, dict[str, Any]] = state.get("models") or {}

    def _query(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        cur = self.project.cursor()
        try:
            result = cur.execute(sql, args)
            columns = [d[0] for d in result.description or []]
            return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
        finally:
            cur.close()

    @staticmethod
    def _cell(filters: Filters, keep: tuple[str, ...] = ()) -> tuple[str, list[Any]]:
        """WHERE for the CUBE rows of these filters: a filtered (or kept) key is grouped, others rolled up."""
        grp, parts, args = 0, [], []
        for bit, key in zip((4, 2, 1), KEYS, strict=True):
            value = getattr(filters, key)
            if value is not None:
                parts.append(f"{key} = ?")
                args.append(value)
            elif key not in keep:
                grp |= bit
        return " AND ".join([f"grp = {grp}", *parts]), args

    @staticmethod
    def _fine(filters: Filters) -> tuple[str, list[Any]]:
        """WHERE over the finest-grain tables (codes, hours) for these filters."""
        parts, args = ["TRUE"], []
        for key in KEYS:
            value = getattr(filters, key)
            if value is not None:
                parts.append(f"{key} = ?")
                args.append(value)
        return " AND ".join(parts), args

    def _derive(self, row: dict[str, Any]) -> dict[str, Any]:
        for name in MONTH_COUNTS + ("audience_citizens",):
            row[name] = row.get(name) or 0
        row["two_way_ratio"] = _ratio(row["replies_to_citizens"], row["posts"])
        settled = row["needs_response"] - (row["pending"] if self.params.pending == "exclude" else 0)
        row["response_rate"] = _ratio(row["responded"], settled)
        return row

    def _summed(self, where: str, args: list[Any], by: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        listed = "".join(f"{k}, " for k in by)
        return self._query(f"""
            SELECT {listed}{", ".join(f"sum({c})::BIGINT AS {c}" for c in MONTH_COUNTS)}
            FROM rollup_months WHERE {where} {"GROUP BY ALL" if by else ""}""", args)

    def headline(self, filters: Filters) -> dict[str, Any]:
        lo, hi = last_full_month(self.data_end.date())
        prev_lo, prev_hi = last_full_month(lo)
        where, args = self._cell(filters)
        cells = {r["month"]: r for r in self._query(
            f"SELECT * EXCLUDE (bins) FROM rollup_months WHERE month IN (?, ?) AND {where}", [lo, prev_lo, *args])}
        current, previous = (self._derive(dict(cells.get(m) or {})) for m in (lo, prev_lo))
        counts = {s: current[f"needs_response_{s}"] for s in ("gold", "predicted", "heuristic")}
        every, inbound = current["needs_response_all"], current["inbound_posts"]
        sources = {"needs_response": {"source": source_label({**counts, "all": every}), **counts,
                                      "none": inbound - sum(counts.values()) - every, "inbound_posts": inbound}}
        return {"period": {"from": lo, "to": hi}, "previous_period": {"from": prev_lo, "to": prev_hi},
                "figures": headline_figures(current, previous), "params": self.params.describe(),
                "filters": filters.describe(), "sources": sources}

    def distribution(self, filters: Filters) -> list[dict[str, Any]]:
        edges, _ = distribution_bins(DEFAULT_BINS)
        where, args = self._cell(filters)
        totals = [0] * (len(edges) + 2)
        for (bins,) in [tuple(r.values()) for r in self._query(f"SELECT bins FROM rollup_months WHERE {where}",
                                                               args)]:
            totals = [a + b for a, b in zip(totals, bins, strict=True)]
        numbers = [*range(len(edges)), -1, -2]
        return distribution_rows(edges, {n: c for n, c in zip(numbers, totals, strict=True) if c})

    def series(self, filters: Filters, period: str) -> list[dict[str, Any]]:
        if period == "week":
            where, args = self._fine(filters)
            sql = (f"SELECT week AS start, {', '.join(f'sum({c})::BIGINT AS {c}' for c in WEEK_COUNTS)} "
                   f"FROM rollup_weeks WHERE {where} GROUP BY week")
        else:
            where, args = self._cell(filters)
            sql = f"SELECT month AS start, * EXCLUDE (bins) FROM rollup_months WHERE {where}"
        by_period: dict[date, dict[str, Any]] = {}
        for row in self._query(sql, args):
            start = period_start(row["start"], period)
            into = by_period.setdefault(start, {})
            for name in WEEK_COUNTS:
                into[name] = into.get(name, 0) + row[name]
        out = []
        for start in period_starts(self.data_start.date(), self.data_end.date(), period):
            row = self._derive(dict(by_period.get(start) or {}))
            out.append({"period": start, "period_end": period_after(start, period) - timedelta(days=1),
                        **{k: row[k] for k in ("posts", "replies_to_citizens", "two_way_ratio", "inbound_posts",
                                               "needs_response", "responded", "response_rate", "pending",
                                               "unanswered")}})
        return out

    def comparison(self, filters: Filters) -> list[dict[str, Any]]:
        wide = filters.replace(force=None, account_type=None, account_id=None)
        where, args = self._cell(wide, keep=("force", "account_type"))
        rows = self._summed(where, args, ("force", "account_type"))
        keyed = {(r["force"], r["account_type"]): self._derive(r) for r in rows
                 if r["police_rows"] or r["inbound_posts"]}
        return [row for _, row in sorted(keyed.items(), key=_sort_key)]

    def code_mix(self, dimension: str, codes: list[str], filters: Filters) -> dict[str, Any]:
        where, args = self._fine(filters)
        rows = self._query(f"""
            SELECT code, sum(n)::BIGINT AS n, sum(gold)::BIGINT AS gold, sum(predicted)::BIGINT AS predicted,
                   sum(heuristic)::BIGINT AS heuristic
            FROM rollup_codes WHERE dimension = ? AND {where} GROUP BY code""", [dimension, *args])
        if not any(r["code"] is None for r in rows):  # no post in scope: code_shares still has its total row
            rows.append({"code": None, "n": 0, "gold": 0, "predicted": 0, "heuristic": 0})
        model = self.models.get(dimension)
        shares = shares_from_counts(dimension, codes, [], rows, (model or {}).get("evaluation"))
        return mix_result(dimension, codes, (shares or [{}])[0], model, filters)

    def clock(self, filters: Filters) -> list[dict[str, Any]]:
        from peelian.metrics.params import DAY_NAMES

        where, args = self._fine(filters)
        by_how = {r["how"]: r for r in self._query(f"""
            SELECT how, sum(police_posts)::BIGINT AS police_posts, sum(inbound_posts)::BIGINT AS inbound_posts,
                   sum(needs_response)::BIGINT AS needs_response, sum(responses)::BIGINT AS responses
            FROM rollup_hours WHERE {where} GROUP BY how""", args)}
        out = []
        for how in range(168):
            day, hour = divmod(how, 24)
            r = by_how.get(how, {})
            out.append({"weekday": day + 1, "day": DAY_NAMES[day].title(), "hour": hour,
                        "police_posts": r.get("police_posts", 0), "inbound_posts": r.get("inbound_posts", 0),
                        "needs_response": r.get("needs_response", 0), "responses": r.get("responses", 0)})
        return out
