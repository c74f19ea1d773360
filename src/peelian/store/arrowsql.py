"""SQL over Arrow tables held in Python, for one statement at a time."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa


def execute_with(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None,
                 **tables: Any) -> duckdb.DuckDBPyConnection:
    """Run `sql` with each Arrow table in `tables` visible under its keyword name.

    Not `con.register`: inside a transaction DuckDB keeps every registered object alive until the
    transaction ends (an unregistered view is still a catalog version an open transaction may see),
    so an import that registers each chunk's rows would hold the whole file in memory. DuckDB's
    replacement scan instead finds the tables among the local variables of the Python frame that
    runs the statement (here, a frame whose locals are `tables`) and lets go of them with the
    statement. A name of a table in the database would take precedence, so use names of your own.
    """
    return _run("_con.execute(_sql, _params)", con, sql, params, tables)


def arrow_with(con: duckdb.DuckDBPyConnection, sql: str, **tables: Any) -> pa.Table:
    """The result of the query `sql` as an Arrow table, with `tables` visible as in `execute_with`.

    Through a relation (`con.sql`), which hands DuckDB's result to Arrow without the extra copy a
    cursor result makes."""
    return _run("_con.sql(_sql).to_arrow_table()", con, sql, None, tables)


def _run(expression: str, con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None,
         tables: dict[str, Any]) -> Any:
    frame_locals = {"_con": con, "_sql": sql, "_params": params, **tables}
    return eval(expression, {}, frame_locals)  # noqa: S307 - one of two fixed expressions
