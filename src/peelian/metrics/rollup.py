"""The dashboard's aggregates, kept per calendar month in the project, so a dashboard needs no fit.

The default dashboard (every figure of `peelian.web.dashboard` under the default
parameters, filtered by platform, force and account type, trends by week, month or quarter)
reads only month-grain figures (and the weekly trend's counts, kept per ISO week): counts
that add up, and two that do not
(the median response time and the citizens reached), which are kept for each month and
every combination of platform, force and account type (GROUP BY CUBE). `refresh_rollup`
computes them with the metrics' own SQL and rewrites only the months whose figures changed;
`meta.rollup_state` records the data fingerprint they match, so a stale rollup is never read.

A refresh after an import, a registry re-tag or new gold labels is incremental (`_plan`): it
finds the posts that changed (those the new imports wrote, by `last_import_id`; those by, replying
to or mentioning a re-tagged account; new gold labels; the posts whose response window closed
because the newest post moved), takes their whole conversations (`conversation_closure`: a late
reply touches the month of the post it answers), and fits the dialogue on the conversations of the
affected months only. Anything it cannot account for (new predictions or models, deleted posts,
posts written outside an import, a time zone change) makes the refresh fit everything. It relies on a
stored post keeping its time and conversation id when an import writes it again (platforms do not
change them); one that moved would leave the month it left as it was until a full refit
(`refresh_rollup(full=True)`). `RollupFigures` answers the dashboard's questions from
the tables in milliseconds; `tests/metrics/test_rollup.py` checks that every answer
equals the one computed from scratch.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
import orjson

from peelian.errors import MetricsError
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
from peelian.metrics.engine import (
    ORG_ROWS_SQL,
    Dialogue,
    fingerprint,
    prepared,
    sql_literal,
)
from peelian.metrics.params import Filters, MetricParams
from peelian.metrics.rollup_groups import (
    GROUP_COUNTS,
    cell_conditions,
    delays_sql,
    groups_sql,
)
from peelian.metrics.views import (
    DEFAULT_BINS,
    distribution_bins,
    distribution_rows,
    headline_figures,
    last_full_month,
    mix_result,
)
from peelian.store.project import Project

if TYPE_CHECKING:
    import pyarrow as pa

STATE_KEY = "rollup_state"
TABLES = ("rollup_months", "rollup_codes", "rollup_hours", "rollup_weeks", "rollup_groups", "rollup_delays",
          "rollup_queue", "rollup_police_posts", "rollup_inbound_posts", "rollup_dialogs", "rollup_recips",
          "rollup_post_codes")
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
    "rollup_queue": ("month", "nid", "platform", "post_id", "force", "account_type", "account_h", "account_id",
                     "account_handle", "created_at", "author", "text", "url", "need_source", "intent_codes",
                     "resp_at", "settled"),
    # the fit's police and inbound rows (StoredFit): the posts behind a figure and the inbox, without a fit
    "rollup_police_posts": ("month", "nid", *KEYS, "account_h", "t", "kind", "to_citizen", "engagement", "followers"),
    "rollup_inbound_posts": ("month", "nid", *KEYS, "account_h", "created_at", "has_question", "intent_codes",
                       "intent_source", "local_dow", "local_sec", "resp_at", "resp_nid", "delay_s"),
    # the fit's conversations and reply recipients: the posts behind a dialogue or reciprocity figure
    "rollup_dialogs": ("month", "conv", *KEYS, "account_h", "t", "alternations", "nids", "ts"),
    "rollup_recips": ("month", "nid", *KEYS, "account_h", "t", "reciprocated", "citizen"),
    # the codes the fit reads per police post: the posts behind a code share
    "rollup_post_codes": ("dimension", "month", "nid", "codes", "source"),
}
PERIOD_COLUMN = {"rollup_weeks": "week"}  # the others are kept per month
INBOUND = "rollup_inbound"  # inbound_sql's rows under the default parameters, computed once per refresh
ROLLED_DIMENSIONS = tuple(d for d in MIX_DIMENSIONS if CODE_SCOPES[d][0] != "inbound")
POLICE_CODED = tuple(d for d in CODE_SCOPES if CODE_SCOPES[d][0] != "inbound")  # rollup_post_codes
_REFRESH_LOCK = threading.Lock()
ORGS_KEY = "rollup_orgs"  # the police, partner and media accounts and time zones the rollup was computed with
ORGS_SQL = f"SELECT DISTINCT * FROM ({ORG_ROWS_SQL}) ORDER BY ALL"
ZONES_SQL = "SELECT DISTINCT force, time_zone FROM registry ORDER BY ALL"
MAX_CLOSURE_ROUNDS = 10_000  # a guard only: each round follows one more reply link of a chain without conversation ids


@dataclass(frozen=True)
class Keeper:
    """Rows a higher layer keeps with the rollup (the triage inbox's rows, with the rules' reading of each
    post): `rows_sql(inbound)` is a SELECT of `table`'s columns from `inbound`, a relation of
    `rollup_inbound_posts` rows (those still awaiting a response). `version()` names what else the rows
    depend on (the rules): when it changes, every month is written again. The metrics layer cannot import
    the layers above it, so they register here (`keep_with_rollup`)."""

    table: str
    version: Callable[[], str]
    rows_sql: Callable[[str], str]


KEEPERS: dict[str, Keeper] = {}
KEEP_KEY = "rollup_keep_{table}"  # meta: the version and the rollup fingerprint a keeper's table matches


def keep_with_rollup(keeper: Keeper) -> None:
    """Have every refresh of the rollup write `keeper`'s rows for the months it rewrites, and all of
    them when the keeper's version changed, it never wrote, or a refresh ran without it."""
    KEEPERS[keeper.table] = keeper


def _meta_value(con: duckdb.DuckDBPyConnection, key: str) -> Any:
    """A JSON value the rollup records in meta (its state, its accounts, a keeper's version), or None if
    never written: read on the caller's connection, so a refresh sees it inside its own transaction."""
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return orjson.loads(rows[0][0]) if rows else None


def _project_meta_value(project: Project, key: str) -> Any:
    """`_meta_value` on a cursor of its own, for readers outside a refresh."""
    cur = project.cursor()
    try:
        return _meta_value(cur, key)
    finally:
        cur.close()


def _kept(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Any]:
    """What a keeper's table was last written for (its version and the rollup fingerprint), {} if never."""
    return _meta_value(con, KEEP_KEY.format(table=table)) or {}


def kept_current(project: Project, keeper: Keeper, state: dict[str, Any]) -> bool:
    """Whether `keeper`'s table holds its rows for the whole rollup of `state` (`rollup_fresh`'s), written
    by the keeper's version now: else its rows are not to be read."""
    kept = _project_meta_value(project, KEEP_KEY.format(table=keeper.table)) or {}
    return kept.get("version") == keeper.version() and kept.get("fingerprint") == state.get("fingerprint")


def _keep(con: duckdb.DuckDBPyConnection, months: list[date], data_end: datetime | None, previous: str | None,
          key: str) -> None:
    """Write the keepers' rows for these months (every month for a keeper whose version changed or whose
    rows do not match the `previous` rollup), from the inbound rows just stored, in the caller's
    transaction, and record that they match the rollup of fingerprint `key`."""
    awaiting = ("TRUE" if data_end is None else
                f"(resp_at IS NULL OR resp_at > TIMESTAMP '{data_end:%Y-%m-%d %H:%M:%S.%f}')")
    for keeper in KEEPERS.values():
        kept, version = _kept(con, keeper.table), keeper.version()
        every = kept.get("version") != version or kept.get("fingerprint") != previous
        listed = ", ".join(f"DATE '{m}'" for m in months)
        where = "TRUE" if every else f"month IN ({listed})" if months else "FALSE"
        con.execute(f"DELETE FROM {keeper.table} WHERE {where}")
        con.execute(f"INSERT INTO {keeper.table} BY NAME "
                    f"{keeper.rows_sql(f'(SELECT * FROM rollup_inbound_posts WHERE {where} AND {awaiting})')}")
        con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [KEEP_KEY.format(table=keeper.table),
                    orjson.dumps({"version": version, "fingerprint": key}).decode()])


def _keep_current(project: Project, state: dict[str, Any], lock: Any) -> None:
    """Rewrite the tables of the keepers that do not match the fresh rollup of `state` (their version changed)."""
    stale = [k for k in KEEPERS.values() if not kept_current(project, k, state)]
    if not stale:
        return
    data_end = datetime.fromisoformat(state["data_end"]) if state.get("data_end") else None
    con = project.cursor()
    try:
        with lock if lock is not None else _nothing(), _transaction(con):
            _keep(con, [], data_end, None, state["fingerprint"])
    finally:
        con.close()


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
    return _project_meta_value(project, STATE_KEY)


def rollup_fresh(project: Project) -> dict[str, Any] | None:
    """The state if the rollup matches the project's data now, else None (a few metadata lookups)."""
    if not _has_tables(project):
        return None
    return _fresh_state(project, _fingerprint_text(project))


def _fresh_state(project: Project, key: str) -> dict[str, Any] | None:
    """`rollup_fresh` for a project known to have the rollup tables, whose data have fingerprint `key`."""
    state = rollup_state(project)
    if state is None or state.get("fingerprint") != key or not _has_all(state):
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


def _queue_sql(scope: Scope) -> str:
    """The unanswered queue (`peelian.metrics.views.unanswered` under the default parameters): each
    needs-response inbound post with no response in its window by the newest post, with its text."""
    table, rid = scope.dialogue.posts_source
    as_of = f"TIMESTAMP '{scope.as_of:%Y-%m-%d %H:%M:%S.%f}'" if scope.as_of else "NULL"
    return f"""
        SELECT {_month('i.created_at')} AS month, i.nid, CAST(i.platform AS VARCHAR) AS platform, p.post_id,
               CAST(i.force AS VARCHAR) AS force, CAST(i.account_type AS VARCHAR) AS account_type, i.account_h,
               o.account_id, o.handle AS account_handle, i.created_at,
               coalesce(nullif(p.author_handle, ''), p.author_id) AS author, p.text, p.url, i.need_source,
               i.intent_codes, i.resp_at, i.settled
        FROM {INBOUND} i JOIN {table} p ON p.{rid} = i.nid
        LEFT JOIN (SELECT h, any_value(account_id) AS account_id, any_value(handle) AS handle
                   FROM m_org GROUP BY h) o ON o.h = i.account_h
        WHERE i.needs AND NOT i.in_window AND i.created_at <= {as_of}"""


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


def police_rows_sql() -> str:
    """The fit's police posts as `rollup_police_posts` keeps them (labels as text, not the fit's ENUMs)."""
    return (f"SELECT {_month()} AS month, {_cast_keys()}, * EXCLUDE ({', '.join(KEYS)}, kind), "
            f"CAST(kind AS VARCHAR) AS kind FROM ({FAMILIES['police']})")


def inbound_rows_sql() -> str:
    """The fit's inbound rows (m_inbound, before any parameter applies) as `rollup_inbound_posts` keeps them."""
    return (f"SELECT {_month('created_at')} AS month, {_cast_keys()}, * EXCLUDE ({', '.join(KEYS)}, intent_source), "
            "CAST(intent_source AS VARCHAR) AS intent_source FROM m_inbound")


def dialog_rows_sql() -> str:
    """The fit's conversations (m_dialog) as `rollup_dialogs` keeps them: one row per conversation and force,
    with the rowids and times of the posts the dialogue figures count in it, in time order."""
    order = "ORDER BY post_t, post_nid"
    return (f"SELECT {_month()} AS month, {_cast_keys()}, conv, account_h, t, alternations, "
            f"list(post_nid {order}) AS nids, list(post_t {order}) AS ts "
            f"FROM ({FAMILIES['dialog_posts']}) GROUP BY ALL")


def recip_rows_sql() -> str:
    """The fit's reply recipients (m_recip) as `rollup_recips` keeps them."""
    return f"SELECT {_month()} AS month, {_cast_keys()}, * EXCLUDE ({', '.join(KEYS)}) FROM ({FAMILIES['recip']})"


def post_codes_sql(dialogue: Dialogue) -> str:
    """The fit's codes of each police post per police code dimension, as `rollup_post_codes` keeps them."""
    return " UNION ALL ".join(
        f"SELECT {sql_literal(d)} AS dimension, {_month()} AS month, c.nid, c.codes, CAST(c.source AS VARCHAR) "
        f"AS source FROM {dialogue.codes(d)} c JOIN (SELECT nid, created_at AS t FROM m_police) p USING (nid)"
        for d in POLICE_CODED)


GRAPH = "r_graph"
GRAPH_COLUMNS = ("rowid AS rid, hash(platform, coalesce(conversation_id, post_id)) AS k, hash(platform, post_id) AS i, "
                 "CASE WHEN reply_to_post_id IS NOT NULL THEN hash(platform, reply_to_post_id) END AS par")


def conversation_closure(con: duckdb.DuckDBPyConnection, seed_where: str, name: str) -> str:
    """Temp table `name` (column rid: rowids of posts) of the posts matching `seed_where` and every
    post of their conversations: those linked to them by replies, up and down, and those sharing
    their conversation key, added round by round until none is new. Keys are 64-bit hashes, so a
    collision only adds posts: whatever the fit reads of a conversation is there, so a fit on these
    posts gives their figures exactly. The rounds read the posts' keys as hashes, built once per
    cursor (temp table GRAPH), not the posts' strings."""
    front, found = f"{name}_front", f"{name}_next"
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                       [GRAPH]).fetchone()[0]:
        con.execute(f"CREATE TEMP TABLE {GRAPH} AS SELECT {GRAPH_COLUMNS} FROM posts")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {front} AS SELECT {GRAPH_COLUMNS} FROM posts WHERE {seed_where}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT rid FROM {front}")
    for _ in range(MAX_CLOSURE_ROUNDS):
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE {found} AS
            SELECT * FROM {GRAPH} p
            WHERE (p.k IN (SELECT k FROM {front}) OR p.i IN (SELECT par FROM {front})
                   OR p.par IN (SELECT i FROM {front}))
              AND p.rid NOT IN (SELECT rid FROM {name})""")
        if not con.execute(f"SELECT count(*) FROM {found}").fetchone()[0]:
            break
        con.execute(f"INSERT INTO {name} SELECT rid FROM {found}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {front} AS SELECT * FROM {found}")
    con.execute(f"DROP TABLE IF EXISTS {front}")
    con.execute(f"DROP TABLE IF EXISTS {found}")
    return name


def _orgs(project: Project) -> dict[str, list[list[Any]]]:
    cur = project.cursor()
    try:
        return {"orgs": [list(r) for r in cur.execute(ORGS_SQL).fetchall()],
                "zones": [list(r) for r in cur.execute(ZONES_SQL).fetchall()]}
    finally:
        cur.close()


def _plan(project: Project, state: dict[str, Any] | None, key: str,
          orgs: dict[str, list[list[Any]]]) -> dict[str, Any] | None:
    """The posts that changed since the stored rollup, as a WHERE over posts with the accounts it
    needs, or None when the change cannot be traced to posts (then everything is refitted)."""
    if state is None or "fingerprint" not in state or state.get("data_end") is None or not _has_all(state):
        return None
    stored_orgs = rollup_orgs(project)
    if stored_orgs is None or stored_orgs["zones"] != orgs["zones"]:
        return None
    old, new = orjson.loads(state["fingerprint"]), orjson.loads(key)
    posts, mentions, _, predictions, last_import, _, gold, models = range(8)
    if old[predictions] != new[predictions] or old[models] != new[models]:
        return None
    since = old[last_import][0] or 0
    seeds: list[str] = []
    if new[last_import][0] != old[last_import][0]:
        written = project.scalar("SELECT count(*) FROM posts WHERE first_import_id > ?", [since])
        if new[posts][0] != old[posts][0] + written:
            return None
        seeds.append(f"last_import_id > {int(since)}")
    elif new[posts] != old[posts] or new[mentions] != old[mentions]:
        return None  # posts or mentions written outside an import
    if new[gold] != old[gold]:
        after = old[gold][1] if old[gold][1] is not None else -1
        if new[gold][0] != old[gold][0] + project.scalar("SELECT count(*) FROM gold WHERE gold_id > ?", [after]):
            return None
        seeds.append(f"hash(platform, post_id) IN (SELECT hash(platform, post_id) FROM gold WHERE gold_id > {after})")
    before, now = ({tuple(r) for r in x["orgs"]} for x in (stored_orgs, orgs))
    changed = sorted({(r[0], r[1], r[2]) for r in before ^ now}, key=str)
    if changed:
        seeds += ["hash(platform, author_id) IN (SELECT hash(platform, account_id) FROM r_orgs)",
                  "hash(platform, reply_to_account_id) IN (SELECT hash(platform, account_id) FROM r_orgs)",
                  ("hash(platform, post_id) IN (SELECT hash(m.platform, m.post_id) FROM mentions m JOIN r_orgs o "
                   "ON o.platform = m.platform AND (o.account_id = m.account_id "
                   "OR o.handle = lower(ltrim(m.handle, '@'))))")]
    old_end = datetime.fromisoformat(state["data_end"])
    new_end = project.scalar("SELECT max(created_at) FROM posts")
    if new_end != old_end:  # the posts whose response window closed (or opened) in between
        since_t = min(old_end, new_end or old_end) - MetricParams().window
        seeds.append(f"created_at >= TIMESTAMP '{since_t:%Y-%m-%d %H:%M:%S.%f}'")
    return {"seed": " OR ".join(f"({s})" for s in seeds) or "FALSE", "orgs": changed}


def _month_ranges(months: list[date]) -> str:
    """WHERE over posts for the whole weeks that hold these months (the weekly table's rows too)."""
    ranges: list[tuple[date, date]] = []
    for month in sorted(months):
        after = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        lo = month - timedelta(days=month.weekday())
        last = after - timedelta(days=1)
        hi = last - timedelta(days=last.weekday()) + timedelta(days=7)
        if ranges and lo <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(hi, ranges[-1][1]))
        else:
            ranges.append((lo, hi))
    return " OR ".join(f"(created_at >= DATE '{lo}' AND created_at < DATE '{hi}')" for lo, hi in ranges) or "FALSE"


def rollup_orgs(project: Project) -> dict[str, list[list[Any]]] | None:
    """The accounts and time zones the stored rollup was computed with (None if not recorded)."""
    return _project_meta_value(project, ORGS_KEY)


def _scoped_fit(project: Project, params: MetricParams, plan: dict[str, Any]) -> tuple[Dialogue, list[date], int]:
    """A dialogue fitted on the conversations of the months the plan's posts touch: (the fit, those
    months, posts fitted)."""
    affected: list[date] = []

    def scope(con: duckdb.DuckDBPyConnection) -> str:
        con.execute("CREATE OR REPLACE TEMP TABLE r_orgs (platform VARCHAR, account_id VARCHAR, handle VARCHAR)")
        if plan["orgs"]:
            con.executemany("INSERT INTO r_orgs VALUES (?, ?, ?)", plan["orgs"])
        touched = conversation_closure(con, plan["seed"], "r_touched")
        affected.extend(r[0] for r in con.execute(
            f"SELECT DISTINCT {_month('created_at')} FROM posts WHERE created_at IS NOT NULL "
            f"AND rowid IN (SELECT rid FROM {touched}) ORDER BY 1").fetchall())
        con.execute(f"DROP TABLE {touched}")
        scope_ = conversation_closure(con, _month_ranges(affected), "r_scope")
        con.execute(f"DROP TABLE {GRAPH}")
        return scope_

    dialogue = Dialogue(params.use_predictions, params.default_time_zone).fit(project, scope=scope)
    fitted = dialogue.con_.execute("SELECT count(*) FROM r_scope").fetchone()[0]
    return dialogue, affected, int(fitted)


def _weeks_of(months: list[date]) -> list[date]:
    weeks: set[date] = set()
    for month in months:
        after = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        week = month - timedelta(days=month.weekday())
        while week < after:
            weeks.add(week)
            week += timedelta(days=7)
    return sorted(weeks)


def refresh_rollup(project: Project, lock: Any = None, full: bool = False) -> dict[str, Any]:
    """Bring the rollup up to date with the project's data and rewrite the months whose figures
    differ from the stored ones.

    Incremental when it can be (`_plan`; `full` forces the whole fit): only the months the changed
    posts' conversations touch are recomputed, from a fit on those months' conversations.
    Returns {'fresh', 'incremental', 'months_recomputed', 'posts_fitted', 'months_rewritten',
    'weeks_rewritten', 'months'} (weeks: the weekly trend's table; months: months in the rollup);
    a read-only project, or one without the rollup tables, is left alone (`fresh` False). `lock`
    (a context manager) is held while the tables are written, for callers that serialise writes."""
    nothing: dict[str, Any] = {"incremental": False, "months_recomputed": [], "posts_fitted": 0,
                               "months_rewritten": [], "weeks_rewritten": [], "months": 0}
    with _REFRESH_LOCK:
        if project.read_only or not _has_tables(project):
            return {"fresh": False, **nothing}
        key = _fingerprint_text(project)
        fresh = _fresh_state(project, key)
        if fresh is not None:
            _keep_current(project, fresh, lock)
            return {"fresh": True, **nothing}
        params = MetricParams()
        orgs = _orgs(project)
        plan = None if full else _plan(project, rollup_state(project), key, orgs)
        scoped: list[date] | None = None
        if plan is None:
            dialogue = prepared(project, params)
            fitted = int(project.scalar("SELECT count(*) FROM posts"))
        else:
            dialogue, scoped, fitted = _scoped_fit(project, params, plan)
        try:
            report = _write(project, dialogue, params, key, orgs, scoped, lock)
        finally:
            if plan is not None:
                dialogue.close()
        fresh = _fresh_state(project, _fingerprint_text(project))  # the data may have changed while it fitted
        return {"fresh": fresh is not None, "incremental": plan is not None,
                "months_recomputed": scoped if scoped is not None else report["all_months"],
                "posts_fitted": fitted, "months_rewritten": report["months"], "weeks_rewritten": report["weeks"],
                "months": report["count"]}


def _write(project: Project, dialogue: Dialogue, params: MetricParams, key: str,
           orgs: dict[str, list[list[Any]]], scoped: list[date] | None, lock: Any) -> dict[str, Any]:
    """Aggregate the fit, compare with the stored rows (only the `scoped` months and their weeks,
    if given) and rewrite the months and weeks that differ, with the new state, in one transaction."""
    with dialogue._lock:
        con = dialogue.con_
        scope = Scope(dialogue, params, Filters())
        con.execute(f"CREATE OR REPLACE TEMP TABLE {INBOUND} AS {inbound_sql(scope)}")
        built = {"rollup_months": _months_sql(scope), "rollup_codes": _codes_sql(dialogue, params),
                 "rollup_hours": _hours_sql(scope), "rollup_weeks": _weeks_sql(scope),
                 "rollup_groups": groups_sql(scope, INBOUND), "rollup_delays": delays_sql(INBOUND),
                 "rollup_queue": _queue_sql(scope), "rollup_police_posts": police_rows_sql(),
                 "rollup_inbound_posts": inbound_rows_sql(), "rollup_dialogs": dialog_rows_sql(),
                 "rollup_recips": recip_rows_sql(), "rollup_post_codes": post_codes_sql(dialogue)}
        con.execute("CREATE OR REPLACE TEMP TABLE rollup_scope (p DATE)")
        if scoped:
            con.executemany("INSERT INTO rollup_scope VALUES (?)", [[p] for p in [*scoped, *_weeks_of(scoped)]])
        kept = "TRUE" if scoped is None else "{column} IN (SELECT p FROM rollup_scope)"
        for table, sql in built.items():
            where = kept.format(column=PERIOD_COLUMN.get(table, "month"))
            con.execute(f"CREATE OR REPLACE TEMP TABLE new_{table} AS "
                        f"SELECT {', '.join(COLUMNS[table])} FROM ({sql}) WHERE {where}")
        changed_in: dict[str, set[date]] = {}
        for t in TABLES:
            columns = ", ".join(COLUMNS[t])
            where = kept.format(column=PERIOD_COLUMN.get(t, "month"))
            changed_in[t] = {r[0] for r in con.execute(
                f"SELECT DISTINCT {PERIOD_COLUMN.get(t, 'month')} FROM ("
                f"(SELECT {columns} FROM new_{t} EXCEPT SELECT {columns} FROM {t} WHERE {where}) UNION ALL "
                f"(SELECT {columns} FROM {t} WHERE {where} EXCEPT SELECT {columns} FROM new_{t}))").fetchall()}
        changed = sorted(set().union(*(v for t, v in changed_in.items() if t not in PERIOD_COLUMN)))
        weeks = sorted(changed_in["rollup_weeks"])
        every = [r[0] for r in con.execute("SELECT DISTINCT month FROM new_rollup_months ORDER BY 1").fetchall()]
        state = {"fingerprint": key, "params": params.describe(), "tables": list(TABLES),
                 "data_start": dialogue.data_start_.isoformat() if dialogue.data_start_ else None,
                 "data_end": dialogue.data_end_.isoformat() if dialogue.data_end_ else None,
                 "models": {d: m for d, m in dialogue.models_.items()}}
        with lock if lock is not None else _nothing():
            previous = _meta_value(con, STATE_KEY)
            with _transaction(con):
                for table in TABLES:
                    periods = weeks if table in PERIOD_COLUMN else changed
                    if not periods:
                        continue
                    column = PERIOD_COLUMN.get(table, "month")
                    con.execute("CREATE OR REPLACE TEMP TABLE rollup_changed AS SELECT unnest(?) AS p", [periods])
                    con.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT p FROM rollup_changed)")
                    con.execute(f"INSERT INTO {table} SELECT {', '.join(COLUMNS[table])} FROM new_{table} "
                                f"WHERE {column} IN (SELECT p FROM rollup_changed)")
                _keep(con, changed, dialogue.data_end_, (previous or {}).get("fingerprint"), key)
                con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            [STATE_KEY, orjson.dumps(state, default=str).decode()])
                con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                            [ORGS_KEY, orjson.dumps(orgs, default=str).decode()])
            count = con.execute("SELECT count(DISTINCT month) FROM rollup_months").fetchone()[0]
        for table in TABLES:
            con.execute(f"DROP TABLE IF EXISTS new_{table}")
        for table in ("rollup_changed", "rollup_scope", INBOUND):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return {"months": changed, "weeks": weeks, "all_months": every, "count": int(count)}


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All of a refresh's writes on this cursor or none: the rollup tables, the keepers' rows and the
    meta records that say what they match must never disagree (`Project.transaction` serves the
    project's own connection, not a cursor taken outside its lock)."""
    con.execute("BEGIN")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


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
        return self.project.query(sql, args)

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
        parts, args = cell_conditions(filters)
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


class StoredQueue:
    """The unanswered queue read from `rollup_queue`: what `peelian.metrics.views.unanswered` and
    `unanswered_counts` return under the default parameters, without a fit."""

    def __init__(self, project: Project, state: dict[str, Any]):
        self.project = project
        self.as_of = datetime.fromisoformat(state["data_end"]) if state.get("data_end") else None

    def _where(self, filters: Filters, older_than: timedelta | None) -> tuple[str, list[Any]]:
        parts, args = ["TRUE"], []
        for key in ("force", "account_type", "platform"):
            value = getattr(filters, key)
            if value is not None:
                parts.append(f"q.{key} = ?")
                args.append(value)
        if filters.account_id is not None:
            parts.append("q.account_h = hash(?)")
            args.append(filters.account_id)
        if filters.date_from is not None:
            parts.append("q.created_at >= ?")
            args.append(datetime.combine(filters.date_from, datetime.min.time()))
        if filters.date_to is not None:
            parts.append("q.created_at < ?")
            args.append(datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()))
        if older_than is not None:
            parts.append("epoch(CAST(? AS TIMESTAMP)) - epoch(q.created_at) >= ?")
            args += [self.as_of, older_than.total_seconds()]
        return " AND ".join(parts), args

    def _query(self, sql: str, args: list[Any]) -> list[dict[str, Any]]:
        return self.project.query(sql, args)

    def rows(self, filters: Filters, older_than: timedelta | None, limit: int | None,
             offset: int) -> list[dict[str, Any]]:
        """The queue's rows, oldest first, with the columns `views.queue_row` reads."""
        if self.as_of is None:
            return []
        where, args = self._where(filters, older_than)
        page = f"LIMIT {int(limit)} OFFSET {int(offset)}" if limit else (f"OFFSET {int(offset)}" if offset else "")
        return self._query(f"""
            SELECT q.* EXCLUDE (month), epoch(CAST(? AS TIMESTAMP)) - epoch(q.created_at) AS age_s,
                   h.platform IS NOT NULL AS handled
            FROM rollup_queue q
            LEFT JOIN (SELECT DISTINCT platform, post_id FROM handled) h USING (platform, post_id)
            WHERE {where} ORDER BY q.created_at, q.nid, q.force {page}""", [self.as_of, *args])

    def counts(self, filters: Filters, older_than: timedelta | None) -> dict[str, int]:
        where, args = self._where(filters, older_than)
        row = self._query(f"SELECT count(*) FILTER (WHERE NOT settled) AS pending, count(*) FILTER (WHERE settled) "
                          f"AS overdue FROM rollup_queue q WHERE {where}", args)[0]
        return {"pending": int(row["pending"]), "overdue": int(row["overdue"]),
                "total": int(row["pending"]) + int(row["overdue"])}


def stored_queue(project: Project, params: MetricParams) -> StoredQueue | None:
    """The stored queue if it answers for these parameters now (default ones, a fresh rollup), else None."""
    if params != MetricParams():
        return None
    state = rollup_fresh(project)
    return StoredQueue(project, state) if state is not None else None


class StoredFit:
    """The fit's police and inbound rows, conversations and reply recipients as kept with the rollup
    (`rollup_police_posts`, `rollup_inbound_posts`, `rollup_dialogs`, `rollup_recips`), standing in for the
    fitted `Dialogue` where a caller reads only those families: the posts behind a police, inbound,
    conversation, reciprocity or code-mix figure (`views.posts_behind`; the codes as the fit reads them, `codes`)
    and the triage inbox. The rows are the fit's own
    columns, and every parameter-dependent column (needs, responded, settled, office ...) is derived
    from them by the same SQL (`compute.inbound_sql`), so the answers equal the fit's exactly."""

    families: ClassVar[dict[str, str]] = {
        "police": "SELECT nid, force, account_type, account_h, platform, t, kind, to_citizen, engagement, followers "
                  "FROM rollup_police_posts",
        "inbound": "SELECT *, created_at AS t FROM rollup_inbound_posts",
        "dialog": "SELECT conv, force, account_type, account_h, platform, t, alternations FROM rollup_dialogs",
        "recip": "SELECT nid, force, account_type, account_h, platform, t, reciprocated, citizen FROM rollup_recips",
        "dialog_posts": "SELECT * EXCLUDE (month, nids, ts), unnest(nids) AS post_nid, unnest(ts) AS post_t "
                        "FROM rollup_dialogs",
        "dialog_first": "SELECT conv, force, account_type, account_h, platform, t, ts[1] AS first_t FROM rollup_dialogs",
    }

    def __init__(self, project: Project, state: dict[str, Any]):
        self.project = project
        self.state = state
        self.data_start_ = datetime.fromisoformat(state["data_start"]) if state.get("data_start") else None
        self.data_end_ = datetime.fromisoformat(state["data_end"]) if state.get("data_end") else None
        self.models_: dict[str, dict[str, Any]] = state.get("models") or {}
        self._zones: dict[str, str] | None = None
        self._accounts: dict[int, tuple[str, str | None]] | None = None

    def query(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return self.project.query(sql, params)

    def codes(self, dimension: str) -> str:
        """A subquery of one dimension's codes per post (nid, codes, source), as the fit's `Dialogue.codes`
        gives them for the posts the dimension codes (the latest gold label, else the prediction of the model
        the rollup was computed with): kept with the rollup (`rollup_post_codes`; the intents with the inbound
        rows), so the posts behind a share join no predictions to the posts."""
        if dimension in POLICE_CODED:
            return f"(SELECT nid, codes, source FROM rollup_post_codes WHERE dimension = {sql_literal(dimension)})"
        if dimension == "citizen_intent":  # the fit's m_inbound carries them (`intent_codes`)
            return ("(SELECT DISTINCT nid, intent_codes AS codes, intent_source AS source FROM rollup_inbound_posts "
                    "WHERE intent_source IS NOT NULL)")
        raise MetricsError(f"no codes are kept for {dimension!r}")

    def arrow(self, sql: str) -> pa.Table:
        """The rows as an Arrow table, for callers that read millions of them (the inbox reaching back far)."""
        cur = self.project.cursor()
        try:
            return cur.sql(sql).to_arrow_table()
        finally:
            cur.close()

    @property
    def time_zones_(self) -> dict[str, str]:
        """Force → time zone, as the fit reads them from the registry."""
        if self._zones is None:
            self._zones = {r["force"]: r["tz"] for r in self.query(
                "SELECT force, any_value(time_zone) AS tz FROM registry GROUP BY force")}
        return self._zones

    @property
    def accounts_(self) -> dict[int, tuple[str, str | None]]:
        """Account hash → (account id, handle) of the police, partner and media accounts, as the fit's."""
        if self._accounts is None:
            self._accounts = {r["h"]: (r["account_id"], r["handle"]) for r in self.query(f"""
                SELECT hash(account_id) AS h, any_value(account_id) AS account_id, any_value(handle) AS handle
                FROM (SELECT platform, account_id, any_value(handle) AS handle FROM ({ORG_ROWS_SQL})
                      GROUP BY platform, account_id)
                GROUP BY hash(account_id)""")}
        return self._accounts


def stored_fit(project: Project, params: MetricParams) -> StoredFit | None:
    """The kept police and inbound rows, if they answer for these parameters now (the rollup is fresh
    and the parameters the fit itself depends on are the defaults it was built with), else None."""
    default = MetricParams()
    if (params.use_predictions, params.default_time_zone) != (default.use_predictions, default.default_time_zone):
        return None
    state = rollup_fresh(project)
    return StoredFit(project, state) if state is not None else None
