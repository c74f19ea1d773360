"""The first posts behind a figure are the DISTINCT ones in time order, read without a DISTINCT over every row."""

from __future__ import annotations

import duckdb

from peelian.metrics.views import _first_distinct


class _Rows:
    """Stands in for the fit: a query over an in-memory table of inbound rows (one per post and force)."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        # 40 posts; post n is addressed to 1 + n % 6 forces; every third post shares its time with the next
        self.con.execute("""
            CREATE TABLE rows AS
            SELECT n AS nid, TIMESTAMP '2025-01-01' + INTERVAL (n // 3) HOUR AS t, f AS force
            FROM range(40) r(n), range(6) s(f) WHERE f <= n % 6""")

    def query(self, sql: str) -> list[dict]:
        result = self.con.execute(sql)
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def test_first_distinct_equals_distinct_in_time_order_for_every_page() -> None:
    rows = _Rows()
    assert rows.query("SELECT count(*) AS n FROM rows")[0]["n"] > 100  # many posts have several rows
    for limit in (1, 2, 3, 7, 39, 40, 50):
        for offset in (0, 1, 5, 38, 45):
            expected = [r["nid"] for r in rows.query(
                f"SELECT nid FROM (SELECT DISTINCT nid, t FROM rows) ORDER BY t, nid LIMIT {limit} OFFSET {offset}")]
            assert _first_distinct(rows, "nid, t FROM rows", limit, offset) == expected, (limit, offset)
    assert _first_distinct(rows, "nid, t FROM rows WHERE nid < 0", 5, 0) == []  # nothing behind the figure
