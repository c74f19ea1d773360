"""The metric set per group from the stored rollup: exact figures for any month-aligned period, no fit.

The assessment and the benchmark rank 43 forces on a handful of figures; computed from the
fitted dialogue they cost the fit (minutes on tens of millions of posts) and then seconds of
aggregation. The rollup keeps what they need per month and finest cell (platform, force,
account type): the additive counts (`rollup_groups`, `GROUP_COUNTS`), the code counts the
dashboard keeps already (`rollup_codes`), and the response times themselves (`rollup_delays`:
each distinct delay with how many responses took it), from which medians and their bootstrap
intervals come out exact: a median is one or two order statistics, found by a running count
over the sorted delays. `refresh_rollup` builds the two tables with the rest of the rollup;
`GroupRollup` reads them. `tests/assess/test_rollup_path.py` checks every figure against the
one computed from the fit.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from peelian.metrics.columns import MIX_DIMENSIONS
from peelian.metrics.compute import (
    FAMILIES,
    Scope,
    _ratio,
    _sort_key,
    add_expectations_gap,
    shares_from_counts,
)
from peelian.metrics.engine import sql_literal
from peelian.metrics.expectations import Survey
from peelian.metrics.params import Filters, MetricParams
from peelian.store.project import Project

CELL = ("platform", "force", "account_type")


def cell_conditions(filters: Filters) -> tuple[list[str], list[Any]]:
    """SQL conditions (starting with TRUE) and their arguments for the cell keys these filters set."""
    parts, args = ["TRUE"], []
    for key in CELL:
        value = getattr(filters, key)
        if value is not None:
            parts.append(f"{key} = ?")
            args.append(value)
    return parts, args


# column: (family, SQL over the family's rows, with {counted}, {settled_or_kept} and {urgent} filled in)
GROUP_COUNTS: dict[str, tuple[str, str]] = {
    "police_rows": ("police", "count(*)"),
    "posts": ("police", "count(*) FILTER (WHERE {counted})"),
    "replies_to_citizens": ("police", "count(*) FILTER (WHERE {counted} AND to_citizen)"),
    "inbound_posts": ("inbound", "count(*)"),
    "needs_response": ("inbound", "count(*) FILTER (WHERE needs)"),
    "responded": ("inbound", "count(*) FILTER (WHERE responded)"),
    "responded_1h": ("inbound", "count(*) FILTER (WHERE needs AND d <= 3600)"),
    "responded_24h": ("inbound", "count(*) FILTER (WHERE needs AND d <= 86400)"),
    "pending": ("inbound", "count(*) FILTER (WHERE needs AND NOT in_window AND NOT settled)"),
    "responded_off": ("inbound", "count(*) FILTER (WHERE responded AND NOT office)"),
    # the denominator of the out-of-hours response rate: pending posts left out as in the response rate
    "needs_response_off_settled": ("inbound", "count(*) FILTER (WHERE needs AND NOT office AND {settled_or_kept})"),
    # urgent posts (gold or predicted intent 'urgent') whose window has passed or that were answered in it
    "urgent_settled": ("inbound", "count(*) FILTER (WHERE {urgent} AND (in_window OR settled))"),
    "urgent_answered": ("inbound", "count(*) FILTER (WHERE {urgent} AND in_window)"),
    "dialogue_conversations": ("dialog", "count(*)"),
    "reply_recipients": ("recip", "count(*)"),
    "reciprocated": ("recip", "count(*) FILTER (WHERE reciprocated)"),
}
# median column: the delays it is the median of (rollup_delays.office)
MEDIANS = {"response_time_median_s": "TRUE", "response_time_office_median_s": "office",
           "response_time_off_median_s": "NOT office"}
DERIVED = ("two_way_ratio", "one_way_share", "response_rate", "response_rate_1h", "response_rate_24h", "reciprocity")
# A coarse bin of a delay that never decreases as the delay grows (about 20 bins per factor e of seconds).
DELAY_BIN = "CAST(floor(ln(1 + greatest(d, 0)) * 20) AS INTEGER)"
ROLLED_MIXES = tuple(d for d, (scope, _) in MIX_DIMENSIONS.items() if scope != "inbound")


def count_sql(params: MetricParams, names: Sequence[str]) -> str:
    """`GROUP_COUNTS` columns as SQL aggregates under these parameters (the rollup's and the live path's)."""
    fill = {"counted": "TRUE" if params.include_reposts else "kind <> 'repost'",
            "settled_or_kept": "NOT (NOT in_window AND NOT settled)" if params.pending == "exclude" else "TRUE",
            "urgent": "(needs AND coalesce(list_contains(intent_codes, 'urgent'), FALSE))"}
    return ", ".join(f"{GROUP_COUNTS[n][1].format(**fill)} AS {n}" for n in names)


def _cell_sql() -> str:
    return "CAST(date_trunc('month', t) AS DATE) AS month, " + ", ".join(f"CAST({k} AS VARCHAR) AS {k}" for k in CELL)


def groups_sql(scope: Scope, inbound: str) -> str:
    """rollup_groups' rows: every family's counts per month and cell (`inbound`: the table of
    inbound_sql's rows the refresh made)."""
    sources = {"police": f"({FAMILIES['police']})", "inbound": inbound, "dialog": f"({FAMILIES['dialog']})",
               "recip": f"({FAMILIES['recip']})"}
    parts = []
    for family, source in sources.items():  # UNION ALL matches columns by position: every part lists all
        counts = ", ".join(count_sql(scope.params, [n]) if f == family else f"0 AS {n}"
                           for n, (f, _) in GROUP_COUNTS.items())
        parts.append(f"SELECT {_cell_sql()}, {counts} FROM {source} GROUP BY ALL")
    sums = ", ".join(f"sum({n})::BIGINT AS {n}" for n in GROUP_COUNTS)
    return f"SELECT month, {', '.join(CELL)}, {sums} FROM ({' UNION ALL '.join(parts)}) GROUP BY ALL"


def delays_sql(inbound: str) -> str:
    """rollup_delays' rows: each responded post's delay, counted per month, cell and office hours."""
    return f"SELECT {_cell_sql()}, office, d, count(*) AS n FROM {inbound} WHERE responded GROUP BY ALL"


def month_range(filters: Filters) -> tuple[date | None, date | None] | None:
    """The first and last month the filters' dates cover, or None when they cut a month."""
    lo, hi = filters.date_from, filters.date_to
    if lo is not None and lo.day != 1:
        return None
    if hi is not None and (hi + timedelta(days=1)).day != 1:
        return None
    return lo, None if hi is None else hi.replace(day=1)


class GroupRollup:
    """Metric rows per group (the columns `served` names, equal to `compute_metrics`' for the same
    groups and filters) from a fresh rollup; `state` is `rollup_fresh`'s."""

    served = frozenset({*GROUP_COUNTS, *DERIVED, *MEDIANS, "expectations_tvd", "expectations_jsd"})

    def __init__(self, project: Project, state: dict[str, Any]):
        self.project = project
        self.models: dict[str, dict[str, Any]] = state.get("models") or {}
        self.params = MetricParams()

    @staticmethod
    def serves(params: MetricParams | None, filters: Filters, keys: Sequence[str], mixes: Sequence[str] = ()) -> bool:
        """Whether the rollup holds these figures: default parameters, grouped and filtered by cell
        keys only, whole months, code mixes of police posts."""
        return ((params is None or params == MetricParams()) and filters.account_id is None
                and set(keys) <= set(CELL) and month_range(filters) is not None and set(mixes) <= set(ROLLED_MIXES))

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return self.project.query(sql, list(args))

    @staticmethod
    def _where(filters: Filters) -> tuple[str, list[Any]]:
        parts, args = cell_conditions(filters)
        months = month_range(filters)
        assert months is not None, "GroupRollup.serves said no"
        for op, month in zip((">=", "<="), months, strict=True):
            if month is not None:
                parts.append(f"month {op} ?")
                args.append(month)
        return " AND ".join(parts), args

    def rows(self, keys: Sequence[str], filters: Filters, *, codes: dict[str, list[str]] | None = None,
             survey: Survey | None = None, medians: Sequence[str] = ("response_time_median_s",)) -> list[dict[str, Any]]:
        """One row per group with data in scope, sorted as `compute_metrics` sorts them; `codes` maps
        the mixes to add to their code ids, `medians` names the median columns to add."""
        keys = tuple(keys)
        where, args = self._where(filters)
        listed = "".join(f"{k}, " for k in keys)
        sums = ", ".join(f"sum({n})::BIGINT AS {n}" for n in GROUP_COUNTS)
        found = self._query(f"SELECT {listed}{sums} FROM rollup_groups WHERE {where} "
                            f"{'GROUP BY ALL' if keys else ''}", args)
        rows = {tuple(r[k] for k in keys): r for r in found if keys or r["police_rows"] is not None}
        if not keys and not rows:
            rows[()] = {}
        for row in rows.values():
            self._derive(row)
            row.update(dict.fromkeys(medians))
        for name in medians:
            for key, (_, median, _) in self.order_statistics(keys, filters, name).items():
                if key in rows:
                    rows[key][name] = median
        for dimension, dimension_codes in (codes or {}).items():
            counts = self._query(f"""
                SELECT {listed}code, sum(n)::BIGINT AS n, sum(gold)::BIGINT AS gold,
                       sum(predicted)::BIGINT AS predicted, sum(heuristic)::BIGINT AS heuristic
                FROM rollup_codes WHERE dimension = ? AND {where} GROUP BY ALL""", [dimension, *args])
            if not keys and not any(r["code"] is None for r in counts):
                counts.append({"code": None, "n": 0, "gold": 0, "predicted": 0, "heuristic": 0})
            evaluation = (self.models.get(dimension) or {}).get("evaluation")
            for shares in shares_from_counts(dimension, dimension_codes, list(keys), counts, evaluation):
                key = tuple(shares[k] for k in keys)
                if key in rows:
                    rows[key].update(shares)
        if survey is not None:
            for row in rows.values():
                add_expectations_gap(row, survey, (codes or {}).get("topic", []))
        return [row for _, row in sorted(rows.items(), key=_sort_key)]

    def _derive(self, row: dict[str, Any]) -> None:
        """The ratios `compute_metrics` derives from the same counts."""
        for name in GROUP_COUNTS:
            row[name] = row.get(name) or 0
        row["two_way_ratio"] = _ratio(row["replies_to_citizens"], row["posts"])
        row["one_way_share"] = None if row["two_way_ratio"] is None else 1 - row["two_way_ratio"]
        settled = row["needs_response"] - (row["pending"] if self.params.pending == "exclude" else 0)
        for suffix in ("", "_1h", "_24h"):
            row[f"response_rate{suffix}"] = _ratio(row[f"responded{suffix}"], settled)
        row["reciprocity"] = _ratio(row["reciprocated"], row["reply_recipients"])

    def order_statistics(self, keys: Sequence[str], filters: Filters, median: str,
                         ranks: Callable[[int], Sequence[int] | None] | None = None
                         ) -> dict[tuple, tuple[int, float | None, dict[int, float]]]:
        """Per group: (n, the median as DuckDB's quantile_cont gives it, {rank: value} for the
        1-based `ranks(n)` asked for).

        A selection in two passes, so the delays are never sorted whole (which costs a second on
        half a million of them): counts per group and coarse bin of delay (`DELAY_BIN`, in the
        delays' order) say which bin holds each rank; then only those bins' delays are read, in order."""
        keys = tuple(keys)
        where, args = self._where(filters)
        scope = f"FROM rollup_delays WHERE {where} AND {MEDIANS[median]}"
        listed = "".join(f"{k}, " for k in keys)
        binned: dict[tuple, list[tuple[int, int]]] = {}
        for r in self._query(f"SELECT {listed}{DELAY_BIN} AS b, sum(n)::BIGINT AS n {scope} GROUP BY ALL "
                             f"ORDER BY ALL", args):
            binned.setdefault(tuple(r[k] for k in keys), []).append((r["b"], r["n"]))
        located: dict[tuple, dict[int, tuple[int, int]]] = {}  # key → rank → (bin, rank within the bin)
        totals: dict[tuple, int] = {}
        for key, bins in binned.items():
            upto = list(itertools.accumulate(n for _, n in bins))
            totals[key] = n = upto[-1]
            h = (n - 1) * 0.5
            wanted = {math.floor(h) + 1, math.ceil(h) + 1, *((ranks(n) or ()) if ranks else ())}
            for rank in wanted:
                i = bisect.bisect_left(upto, rank)
                located.setdefault(key, {})[rank] = (bins[i][0], rank - (upto[i - 1] if i else 0))
        delays: dict[tuple, list[tuple[float, int]]] = {}
        pairs = sorted({(key, b) for key, at in located.items() for b, _ in at.values()}, key=str)
        if pairs:
            table = ", ".join("(" + ", ".join([*(_literal(v) for v in key), str(b)]) + ")" for key, b in pairs)
            on = " AND ".join([f"x.{k} IS NOT DISTINCT FROM w.{k}" for k in keys] + ["x.b = w.b"])
            for r in self._query(f"""
                    SELECT {"".join(f"x.{k}, " for k in keys)}x.b, x.d, sum(x.n)::BIGINT AS n
                    FROM (SELECT {listed}d, n, {DELAY_BIN} AS b {scope}) x
                    JOIN (VALUES {table}) AS w({", ".join([*keys, "b"])}) ON {on}
                    GROUP BY ALL ORDER BY ALL""", args):
                delays.setdefault((*(r[k] for k in keys), r["b"]), []).append((float(r["d"]), r["n"]))
        out = {}
        for key, n in totals.items():
            at = {}
            for rank, (b, within) in located[key].items():
                values = delays[(*key, b)]
                upto = list(itertools.accumulate(c for _, c in values))
                at[rank] = values[bisect.bisect_left(upto, within)][0]
            h = (n - 1) * 0.5
            lo, hi, frac = math.floor(h), math.ceil(h), h - math.floor(h)
            # quantile_cont's interpolation between the two middle values, to the last bit
            median_value = at[lo + 1] if lo == hi else at[lo + 1] * (1.0 - frac) + at[hi + 1] * frac
            out[key] = (n, median_value, at)
        return out


def _literal(value: Any) -> str:
    return "NULL::VARCHAR" if value is None else sql_literal(str(value))
