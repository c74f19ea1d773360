"""Arrow tables reach SQL for one statement, and DuckDB lets go of them after it (inside a transaction too)."""

from __future__ import annotations

import gc
import weakref

import duckdb
import pyarrow as pa
import pytest

from peelian.store.arrowsql import arrow_with, execute_with


def test_tables_are_visible_to_the_statement_by_their_names():
    con = duckdb.connect()
    left, right = pa.table({"a": [1, 2, 3]}), pa.table({"a": [2, 3], "b": ["x", "y"]})
    assert execute_with(con, "SELECT sum(a) FROM l JOIN r USING (a) WHERE b <> ?", ["y"], l=left, r=right
                        ).fetchall() == [(2,)]
    assert arrow_with(con, "SELECT b FROM r ORDER BY a", r=right).column("b").to_pylist() == ["x", "y"]


def test_a_table_is_not_kept_after_its_statement_even_inside_a_transaction():
    """What keeps a long import's memory flat: each staged chunk can be freed once merged."""
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a BIGINT)")
    con.execute("BEGIN")
    staged = pa.table({"a": list(range(1000))})
    alive = weakref.ref(staged)
    execute_with(con, "INSERT INTO t SELECT a FROM stage", stage=staged)
    del staged
    gc.collect()
    assert alive() is None
    con.execute("COMMIT")
    assert con.execute("SELECT count(*) FROM t").fetchall() == [(1000,)]
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM stage")
