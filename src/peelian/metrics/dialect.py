"""The few SQL spellings where DuckDB and Spark SQL differ, so the metric SQL is written once.

compute.py builds every aggregation with these helpers; everything else it writes (FILTER
clauses, CASE, named windows, date_trunc, GROUP BY ordinals, TIMESTAMP literals) means the same
in both dialects. docs/national.md lists the differences.
"""

from __future__ import annotations

from dataclasses import dataclass


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Dialect:
    """One SQL dialect: the name and how it spells lists, exact quantiles and epoch seconds."""

    name: str

    def quantile(self, expr: str, q: float) -> str:
        """The exact quantile with linear interpolation between the two nearest values (DuckDB's
        quantile_cont, Spark's percentile; never Spark's percentile_approx)."""
        return f"quantile_cont({expr}, {q})" if self.name == "duckdb" else f"percentile({expr}, {q})"

    def array(self, values: list[str]) -> str:
        items = ", ".join(_literal(v) for v in values)
        return f"[{items}]" if self.name == "duckdb" else f"array({items})"

    def has_any(self, expr: str, values: list[str]) -> str:
        if self.name == "duckdb":  # list_contains per value: a third of list_has_any's time over millions of rows
            return ("(" + " OR ".join(f"list_contains({expr}, {_literal(v)})" for v in values) + ")" if values
                    else f"list_has_any({expr}, {self.array(values)})")
        return f"arrays_overlap({expr}, {self.array(values)})"

    def contains(self, expr: str, value: str) -> str:
        return f"list_contains({expr}, {_literal(value)})" if self.name == "duckdb" \
            else f"array_contains({expr}, {_literal(value)})"

    def epoch(self, expr: str) -> str:
        """Seconds since 1970 of a naive UTC timestamp, as a double."""
        return f"epoch({expr})" if self.name == "duckdb" else f"(unix_micros(CAST({expr} AS TIMESTAMP)) / 1e6)"

    def unnest(self, expr: str) -> str:
        return f"unnest({expr})" if self.name == "duckdb" else f"explode({expr})"

    def materialized(self) -> str:
        """A CTE computed once (DuckDB); Spark plans a reused CTE itself."""
        return "MATERIALIZED " if self.name == "duckdb" else ""


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
