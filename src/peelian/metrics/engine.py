"""The dialogue structure of a project, rebuilt once in DuckDB and shared by every metric.

`Dialogue.fit(project)` rebuilds conversations from reply links (set-based pointer
jumping, no Python loop over posts), finds the inbound citizen posts and the force
each addresses, resolves codes (gold, then predictions) and finds each inbound post's
first response. The results live in temporary tables on a private cursor, so the web
app's many small figures reuse one fit; `prepared()` refits only when the project's
data change. Everything parameter-dependent (window, office hours, denominators)
is applied later, when figures are aggregated, so one fit serves every parameter set.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb
import orjson

from peelian.metrics.params import MetricParams
from peelian.store.project import Project
from peelian.store.schema import POLICE_ACCOUNT_TYPES

if TYPE_CHECKING:
    import pyarrow as pa

MAX_JUMPS = 64
# The model whose predictions count, per dimension: among the models with predictions, the newest
# validated one, else the newest (the rule `peelian classify` uses for its default model).
MODEL_SQL = """
    SELECT c.dimension,
           arg_max(c.model_id, (coalesce(m.validated, FALSE), coalesce(m.created_at, c.at))) AS model_id
    FROM (SELECT dimension, model_id, max(created_at) AS at FROM predictions GROUP BY ALL) c
    LEFT JOIN models m USING (model_id) GROUP BY c.dimension"""
QUESTION_WORDS = ("who", "what", "when", "where", "why", "how", "which", "whose", "whom", "is", "are", "am", "was",
                  "were", "can", "could", "would", "will", "should", "shall", "do", "does", "did", "has", "have",
                  "had", "may", "might", "any", "anyone", "anybody")
# "Contains a question": a '?' anywhere, or a question word first (after any leading @mentions).
QUESTION_SQL = (r"(contains({col}, '?') OR regexp_matches({col}, '^\s*(?:[@.]\S+\s+)*(?:"
                + "|".join(QUESTION_WORDS) + r")\b', 'i'))")
_POLICE_TYPES = ", ".join(f"'{t}'" for t in POLICE_ACCOUNT_TYPES)

# Police, partner and media accounts as the fit sees them: the stored accounts plus the registry.
ORG_ROWS_SQL = f"""
    SELECT platform, account_id, lower(handle) AS handle, role, force, account_type
    FROM accounts WHERE role <> 'citizen' AND force IS NOT NULL
    UNION ALL
    SELECT platform, coalesce(account_id, '@' || handle), lower(handle),
           CASE WHEN account_type IN ({_POLICE_TYPES}) THEN 'police' ELSE account_type END,
           force, account_type
    FROM registry"""


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def clock_changes(tz: str, lo: datetime, hi: datetime) -> list[tuple[datetime, int]]:
    """[(from, UTC offset in s), ...] for `tz` over [lo, hi]: the offset at `lo`, then each change
    (found day by day, then to the second by bisection)."""
    zone = ZoneInfo(tz)

    def offset(epoch: int) -> int:
        moment = datetime.fromtimestamp(epoch, UTC).astimezone(zone)
        return int(moment.utcoffset().total_seconds())

    start, end = int(lo.replace(tzinfo=UTC).timestamp()), int(hi.replace(tzinfo=UTC).timestamp())
    changes = [(lo, offset(start))]
    day = start
    while day < end:
        nxt = min(day + 86400, end)
        if offset(nxt) != offset(day):
            a, b = day, nxt  # offset(a) is the old one, offset(b) the new one
            while b - a > 1:
                mid = (a + b) // 2
                a, b = (mid, b) if offset(mid) == offset(a) else (a, mid)
            changes.append((datetime.fromtimestamp(b, UTC).replace(tzinfo=None), offset(b)))
        day = nxt
    return changes


def _h(expr: str) -> str:
    """An id as a 64-bit hash (ids are long strings; the fit holds millions): NULL stays NULL."""
    return f"(CASE WHEN {expr} IS NOT NULL THEN hash({expr}) END)"


def _enum(values: Sequence[str | None]) -> str:
    return "ENUM(" + ", ".join(sql_literal(v) for v in sorted({v for v in values if v is not None})) + ")"


class Dialogue:
    """Conversations, inbound posts, responses and codes of one project, as DuckDB temp tables.

    Parameters: `use_predictions` (codes from the dimension's model, MODEL_SQL, where no
    gold label exists) and `default_time_zone` (forces without a registry time zone).
    After `fit`: `con_` (the private cursor holding the tables), `threads_` (counts of
    conversations, orphan branches, self-replies and cut links), `data_start_` /
    `data_end_` (first and newest post), `models_` (the model used per dimension,
    with its evaluation), `time_zones_` (force → time zone), `accounts_` (account
    hash → (account id, handle) of police, partner and media accounts).

    The tables are kept small, because a whole force for years must fit on a laptop:
    account and author ids are 64-bit hashes, and roles, kinds, forces, account types
    and platforms are DuckDB ENUMs (one byte each).
    """

    def __init__(self, use_predictions: bool = True, default_time_zone: str = "Europe/London"):
        self.use_predictions = use_predictions
        self.default_time_zone = default_time_zone
        self._lock = threading.RLock()

    # ---- fitting -----------------------------------------------------------------------
    def fit(self, project: Project, scope: Callable[[duckdb.DuckDBPyConnection], str] | None = None) -> Dialogue:
        """Fit on every post, or, with `scope`, on the posts whose rowids it puts in a temp table on
        the fit's cursor (its name returned, column `rid`): the rollup refreshes a few months this way.
        A scope must hold whole conversations (`peelian.metrics.rollup.conversation_closure`); the
        figures of its posts are then the full fit's, and `data_start_`/`data_end_` stay the project's."""
        con = self.con_ = project.cursor()
        with self._lock:
            try:
                self._src, self._rid = "posts", "rowid"
                if scope is not None:
                    con.execute(f"CREATE OR REPLACE TEMP TABLE m_src AS SELECT rowid AS rid, * FROM posts "
                                f"WHERE rowid IN (SELECT rid FROM {scope(con)})")
                    self._src, self._rid = "m_src", "rid"
                for step in (self._org_accounts, self._types, self._offsets, self._links, self._conversations,
                             self._posts, self._models, self._inbound, self._responses, self._dialogues,
                             self._reciprocity):
                    step(con)
            except BaseException:
                self.close()
                raise
            start, end = con.execute("SELECT min(created_at), max(created_at) FROM "
                                     + ("m_post" if scope is None else "posts")).fetchone()
            self.data_start_: datetime | None = start
            self.data_end_: datetime | None = end
        return self

    @property
    def posts_source(self) -> tuple[str, str]:
        """(table, rowid column) of the posts this fit read: `posts` and its rowid, or its scope's copy."""
        return self._src, self._rid

    def _org_accounts(self, con: duckdb.DuckDBPyConnection) -> None:
        """Police, partner and media accounts: the stored accounts plus the registry itself."""
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE m_org AS
            SELECT platform, account_id, hash(account_id) AS h, any_value(handle) AS handle,
                   any_value(role) AS role, any_value(force) AS force, any_value(account_type) AS account_type
            FROM ({ORG_ROWS_SQL}) GROUP BY platform, account_id""")
        self.time_zones_ = dict(con.execute(
            "SELECT force, any_value(time_zone) FROM registry GROUP BY force").fetchall())
        self.accounts_: dict[int, tuple[str, str | None]] = {
            h: (account_id, handle) for h, account_id, handle in con.execute(
                "SELECT h, any_value(account_id), any_value(handle) FROM m_org GROUP BY h").fetchall()}
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE m_zone AS
            SELECT DISTINCT force, coalesce(z.time_zone, {sql_literal(self.default_time_zone)}) AS tz
            FROM (SELECT DISTINCT force FROM m_org) f
            LEFT JOIN (SELECT force, any_value(time_zone) AS time_zone FROM registry GROUP BY force) z USING (force)""")

    def _offsets(self, con: duckdb.DuckDBPyConnection) -> None:
        """Each time zone's UTC offsets over the span of the data, as the instants its clocks
        change: converting millions of posts with ICU, or joining them to an offsets table, costs
        far more than the few comparisons of a CASE (a zone changes its clocks twice a year)."""
        lo, hi = con.execute("SELECT min(created_at), max(created_at) FROM posts").fetchone()
        zones: dict[str, list[str]] = {}
        for force, tz in con.execute("SELECT force, tz FROM m_zone ORDER BY force").fetchall():
            zones.setdefault(tz, []).append(force)
        self._changes = {tz: clock_changes(tz, lo, hi) for tz in {*zones, self.default_time_zone}} if lo else {}
        self._zones = zones

    def _local(self, force: str, at: str) -> str:
        """SQL for the local time of `at` in the time zone of `force` (a force's column or ENUM)."""
        def offset(tz: str) -> str:
            changes = self._changes.get(tz) or [(None, 0)]
            whens = " ".join(f"WHEN {at} >= TIMESTAMP '{t:%Y-%m-%d %H:%M:%S}' THEN {o}"
                             for t, o in reversed(changes[1:]))
            return f"(CASE {whens} ELSE {changes[0][1]} END)" if whens else str(changes[0][1])

        branches = " ".join(f"WHEN {force} IN ({', '.join(sql_literal(f) for f in forces)}) THEN {offset(tz)}"
                            for tz, forces in self._zones.items())
        default = offset(self.default_time_zone)
        seconds = f"(CASE {branches} ELSE {default} END)" if branches else default
        return f"({at} + to_seconds({seconds}))"

    def _types(self, con: duckdb.DuckDBPyConnection) -> None:
        """The ENUM types of this project's platforms, roles, kinds, account types and forces."""
        platforms, roles, kinds, types, forces = con.execute("""
            SELECT list(DISTINCT platform), list(DISTINCT author_role), list(DISTINCT kind),
                   list(DISTINCT author_account_type), list(DISTINCT author_force) FROM posts""").fetchone()
        org = con.execute("SELECT list(DISTINCT platform), list(DISTINCT role), list(DISTINCT account_type), "
                          "list(DISTINCT force) FROM m_org").fetchone()
        self.types_ = {
            "platform": _enum([*(platforms or []), *(org[0] or []), "-"]),
            "role": _enum([*(roles or []), *(org[1] or []), "citizen", "police", "partner", "media"]),
            "kind": _enum([*(kinds or []), "original", "reply", "repost", "quote"]),
            "account_type": _enum([*(types or []), *(org[2] or []), *POLICE_ACCOUNT_TYPES]),
            "force": _enum([*(forces or []), *(org[3] or []), "-"]),
        }

    def _cast(self, expr: str, kind: str) -> str:
        return f"CAST({expr} AS {self.types_[kind]})"

    def _links(self, con: duckdb.DuckDBPyConnection) -> None:
        """Parent links that go forward in time; a link back in time (a cycle) is cut."""
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE m_link AS
            SELECT c.{self._rid} AS nid, p.{self._rid} AS parent_nid, c.conversation_id IS NULL AS no_conv,
                   {self._cast("p.author_role", "role")} AS p_role, {self._cast("p.author_force", "force")} AS p_force,
                   {_h("p.author_id")} AS p_author, {self._cast("p.author_account_type", "account_type")} AS p_type,
                   p.created_at AS p_at,
                   (coalesce(p.created_at, TIMESTAMP '0001-01-01'), length(p.post_id), p.post_id)
                     < (coalesce(c.created_at, TIMESTAMP '0001-01-01'), length(c.post_id), c.post_id) AS forward
            FROM {self._src} c JOIN {self._src} p ON p.platform = c.platform AND p.post_id = c.reply_to_post_id
            WHERE c.reply_to_post_id IS NOT NULL AND c.reply_to_post_id <> c.post_id""")
        replies, self_replies = con.execute(
            "SELECT count(*) FILTER (WHERE reply_to_post_id IS NOT NULL), "
            f"count(*) FILTER (WHERE reply_to_post_id = post_id) FROM {self._src}").fetchone()
        linked, cut = con.execute(
            "SELECT count(*) FILTER (WHERE forward), count(*) FILTER (WHERE NOT forward) FROM m_link").fetchone()
        if cut:
            con.execute("DELETE FROM m_link WHERE NOT forward")
        self.threads_: dict[str, int] = {
            "replies": int(replies), "linked_replies": int(linked), "self_replies": int(self_replies),
            "cut_links": int(cut), "missing_parents": int(replies - self_replies - linked - cut),
            # every reply without a usable parent starts one orphan branch, counted, never dropped
            "orphan_branches": int(replies - linked),
        }

    def _conversations(self, con: duckdb.DuckDBPyConnection) -> None:
        """Pointer jumping: each post without a platform conversation id climbs to the first
        ancestor that has one, or to its root; the pointer doubles each round (log depth rounds)."""
        con.execute("CREATE OR REPLACE TEMP TABLE m_jump AS SELECT nid, parent_nid AS anc FROM m_link WHERE no_conv")
        rounds = 0
        for rounds in range(1, MAX_JUMPS + 1):  # noqa: B007  (rounds is reported)
            con.execute("""
                CREATE OR REPLACE TEMP TABLE m_jump_next AS
                SELECT a.nid, coalesce(b.anc, a.anc) AS anc, b.nid IS NOT NULL AS moved
                FROM m_jump a LEFT JOIN m_jump b ON b.nid = a.anc""")
            moved = con.execute("SELECT count(*) FILTER (WHERE moved) FROM m_jump_next").fetchone()[0]
            con.execute("CREATE OR REPLACE TEMP TABLE m_jump AS SELECT nid, anc FROM m_jump_next")
            if not moved:
                break
        con.execute("DROP TABLE m_jump_next")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE m_term AS
            SELECT j.nid, hash(t.platform, coalesce(t.conversation_id, t.post_id)) AS conv
            FROM m_jump j JOIN {self._src} t ON t.{self._rid} = j.anc""")
        con.execute("DROP TABLE m_jump")
        self.threads_["jump_rounds"] = rounds

    def _posts(self, con: duckdb.DuckDBPyConnection) -> None:
        """One narrow row per timed post (ids as hashes, labels as ENUMs, no text) with its
        conversation, what it replies to (the parent, else the account the reply names) and, for
        police posts, the local hour of the week; `m_police` is the police part. The posts stream
        past hash tables of the links and small tables, and the text is read only for the
        question heuristic."""
        question = QUESTION_SQL.format(col="c.text")
        local = self._local("c.author_force", "c.created_at")
        role = self.types_["role"]
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE m_post AS
            WITH x AS (
                SELECT c.{self._rid} AS nid, {self._cast("c.platform", "platform")} AS platform,
                       {_h("c.author_id")} AS author, {self._cast("c.author_role", "role")} AS role,
                       {self._cast("c.author_force", "force")} AS force,
                       {self._cast("c.author_account_type", "account_type")} AS account_type, c.created_at,
                       {self._cast("c.kind", "kind")} AS kind,
                       CASE WHEN c.conversation_id IS NOT NULL THEN hash(c.platform, c.conversation_id)
                            WHEN t.conv IS NOT NULL THEN t.conv ELSE hash(c.platform, c.post_id) END AS conv,
                       l.parent_nid, c.reply_to_post_id IS NOT NULL AS is_reply,
                       CASE WHEN l.nid IS NOT NULL THEN l.p_role WHEN c.reply_to_post_id IS NOT NULL
                                 AND c.reply_to_account_id IS NOT NULL
                            THEN CAST(coalesce(o.role, 'citizen') AS {role}) END AS to_role,
                       CASE WHEN l.nid IS NOT NULL THEN l.p_force ELSE {self._cast("o.force", "force")} END AS to_force,
                       CASE WHEN l.nid IS NOT NULL THEN l.p_author WHEN c.reply_to_post_id IS NOT NULL
                            THEN {_h("c.reply_to_account_id")} END AS to_account,
                       CASE WHEN l.nid IS NOT NULL THEN l.p_type ELSE {self._cast("o.account_type", "account_type")}
                            END AS to_type,
                       l.p_at AS to_at,
                       CASE WHEN c.like_count IS NULL AND c.reply_count IS NULL AND c.repost_count IS NULL
                                 AND c.quote_count IS NULL THEN NULL
                            ELSE coalesce(c.like_count, 0) + coalesce(c.reply_count, 0)
                                 + coalesce(c.repost_count, 0) + coalesce(c.quote_count, 0) END AS engagement,
                       c.author_followers AS followers,
                       CASE WHEN c.author_role = 'citizen' THEN coalesce({question}, FALSE) END AS has_question,
                       CASE WHEN c.author_role = 'police' THEN {local} END AS lt
                FROM {self._src} c
                LEFT JOIN m_link l ON l.nid = c.{self._rid}
                LEFT JOIN m_term t ON t.nid = c.{self._rid}
                LEFT JOIN m_org o ON l.nid IS NULL AND o.platform = c.platform AND o.account_id = c.reply_to_account_id
                WHERE c.created_at IS NOT NULL)
            SELECT * EXCLUDE (lt), is_reply AND to_role = 'citizen' AS to_citizen,
                   CAST((isodow(lt) - 1) * 24 + hour(lt) AS SMALLINT) AS local_how
            FROM x""")
        for table in ("m_link", "m_term"):
            con.execute(f"DROP TABLE {table}")
        con.execute("CREATE OR REPLACE TEMP VIEW m_police AS SELECT * FROM m_post WHERE role = 'police'")
        self.threads_["conversations"] = int(con.execute("SELECT count(DISTINCT conv) FROM m_post").fetchone()[0])

    def _models(self, con: duckdb.DuckDBPyConnection) -> None:
        """The model whose predictions count, per dimension (MODEL_SQL), with its evaluation."""
        con.execute(f"CREATE OR REPLACE TEMP TABLE m_model AS {MODEL_SQL}")
        self.models_: dict[str, dict[str, Any]] = {}
        if self.use_predictions:
            for dimension, model_id, evaluation, validated in con.execute(
                    "SELECT x.dimension, x.model_id, m.evaluation, m.validated "
                    "FROM m_model x LEFT JOIN models m USING (model_id)").fetchall():
                self.models_[dimension] = {"model_id": model_id, "validated": validated,
                                           "evaluation": orjson.loads(evaluation) if evaluation else None}
        else:
            con.execute("DELETE FROM m_model")
        self._code_tables: dict[str, str] = {}

    def codes(self, dimension: str) -> str:
        """The temp table of one dimension's codes (nid, codes, source: gold | predicted), built on
        first use: the latest gold label per post, else the prediction of the dimension's model."""
        with self._lock:
            if dimension in self._code_tables:
                return self._code_tables[dimension]
            table = f"m_codes_{len(self._code_tables)}"
            # `classify apply` writes one prediction per post and model; duplicates (rows added by
            # hand) are resolved to the latest only when there are any, as that costs a grouping
            predicted = f"""
                SELECT p.{self._rid} AS nid, x.codes, x.created_at
                FROM predictions x
                JOIN m_model m ON m.dimension = x.dimension AND m.model_id = x.model_id
                JOIN {self._src} p ON p.platform = x.platform AND p.post_id = x.post_id
                WHERE x.dimension = $dimension"""
            self.con_.execute(f"""
                CREATE OR REPLACE TEMP TABLE {table} AS
                WITH g AS (
                    SELECT p.{self._rid} AS nid, arg_max(g.codes, (g.decided_at, g.gold_id)) AS codes
                    FROM gold g JOIN {self._src} p ON p.platform = g.platform AND p.post_id = g.post_id
                    WHERE g.dimension = $dimension GROUP BY p.{self._rid})
                SELECT coalesce(g.nid, pr.nid) AS nid, coalesce(g.codes, pr.codes) AS codes,
                       CAST(CASE WHEN g.nid IS NOT NULL THEN 'gold' ELSE 'predicted' END
                            AS ENUM('gold', 'predicted')) AS source, pr.created_at
                FROM g FULL JOIN ({predicted}) pr ON g.nid = pr.nid""", {"dimension": dimension})
            rows, posts = self.con_.execute(f"SELECT count(*), count(DISTINCT nid) FROM {table}").fetchone()
            if rows != posts:
                self.con_.execute(f"""
                    CREATE OR REPLACE TEMP TABLE {table} AS
                    SELECT nid, arg_max(codes, (source = 'gold', created_at)) AS codes,
                           arg_max(source, (source = 'gold', created_at)) AS source, NULL AS created_at
                    FROM {table} GROUP BY nid""")
            self._code_tables[dimension] = table
            return table

    def _inbound(self, con: duckdb.DuckDBPyConnection) -> None:
        """Citizen posts replying to a police post or mentioning a police account, one row per
        (post, force addressed), under one primary addressee: the account replied to, else one of
        the mentioned accounts of that force, the same one every time (the smallest id hash)."""
        local = self._local("a.force", "p.created_at")
        force, account_type = self.types_["force"], self.types_["account_type"]
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE m_inbound AS
            WITH mentioned AS (
                SELECT m.platform, m.post_id, o.force, o.h, o.account_type
                FROM mentions m JOIN m_org o ON o.platform = m.platform AND o.account_id = m.account_id
                WHERE o.role = 'police'
                UNION
                SELECT m.platform, m.post_id, o.force, o.h, o.account_type
                FROM mentions m JOIN m_org o ON o.platform = m.platform AND o.handle = lower(ltrim(m.handle, '@'))
                WHERE o.role = 'police'),
            replied AS (
                SELECT nid, to_force AS force, to_account AS account_h, to_type AS account_type
                FROM m_post WHERE role = 'citizen' AND kind <> 'repost' AND to_role = 'police'),
            mentioned_posts AS (
                SELECT p.{self._rid} AS nid, CAST(x.force AS {force}) AS force, min(x.h) AS account_h,
                       arg_min(CAST(x.account_type AS {account_type}), x.h) AS account_type
                FROM mentioned x JOIN {self._src} p ON p.platform = x.platform AND p.post_id = x.post_id
                GROUP BY p.{self._rid}, x.force),
            primary_ AS (
                SELECT * FROM replied
                UNION ALL
                SELECT * FROM mentioned_posts m ANTI JOIN replied r USING (nid, force)),
            base AS (
                SELECT a.nid, a.force, a.account_h, a.account_type, p.platform, p.author, p.created_at, p.conv,
                       p.has_question, c.codes AS intent_codes, c.source AS intent_source, {local} AS lt
                FROM primary_ a
                JOIN m_post p ON p.nid = a.nid
                LEFT JOIN {self.codes("citizen_intent")} c ON c.nid = a.nid
                WHERE p.role = 'citizen' AND p.kind <> 'repost')
            SELECT * EXCLUDE (lt), CAST(isodow(lt) AS TINYINT) AS local_dow,
                   hour(lt) * 3600 + minute(lt) * 60 + second(lt) AS local_sec,
                   CAST((isodow(lt) - 1) * 24 + hour(lt) AS SMALLINT) AS local_how
            FROM base""")

    def _responses(self, con: duckdb.DuckDBPyConnection) -> None:
        """The first police post of the same force that replies to the inbound post, or to a
        later post by the same citizen in the same conversation."""
        con.execute("""
            CREATE OR REPLACE TEMP TABLE m_reply AS
            SELECT nid AS r_nid, created_at AS r_at, force AS r_force, author AS r_account, account_type AS r_type,
                   platform, parent_nid AS q_nid, to_account AS q_author, to_at AS q_at, conv, local_how AS r_how
            FROM m_police WHERE to_citizen AND parent_nid IS NOT NULL""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE m_resp AS
            SELECT i.nid, i.force, min(r.r_at) AS resp_at, arg_min(r.r_nid, (r.r_at, r.r_nid)) AS resp_nid,
                   arg_min(r.r_account, (r.r_at, r.r_nid)) AS resp_account,
                   arg_min(r.r_how, (r.r_at, r.r_nid)) AS resp_how
            FROM m_inbound i
            JOIN m_reply r ON r.q_author = i.author AND r.conv = i.conv AND r.r_force = i.force
                 AND r.platform = i.platform AND r.q_at >= i.created_at AND r.r_at >= i.created_at
            GROUP BY i.nid, i.force""")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE m_inbound AS
            SELECT i.*, r.resp_at, r.resp_nid, r.resp_account, r.resp_how,
                   epoch(r.resp_at) - epoch(i.created_at) AS delay_s
            FROM m_inbound i LEFT JOIN m_resp r USING (nid, force)""")
        con.execute("DROP TABLE m_resp")

    def _dialogues(self, con: duckdb.DuckDBPyConnection) -> None:
        """Per conversation and force: police↔citizen alternations in time order, counting the
        citizens' posts and that force's police posts. Most conversations involve one force: one
        window over all posts serves them; the few with several forces get a sequence per force."""
        con.execute("""
            CREATE OR REPLACE TEMP TABLE m_dialog AS
            WITH pf AS (
                SELECT conv, force, arg_min(author, (created_at, nid)) AS account_h,
                       arg_min(account_type, (created_at, nid)) AS account_type, any_value(platform) AS platform
                FROM m_police WHERE kind <> 'repost' GROUP BY conv, force),
            multi AS (SELECT conv FROM pf GROUP BY conv HAVING count(*) > 1),
            single AS (
                SELECT conv, min(created_at) AS t, sum(switch) AS alternations
                FROM (SELECT conv, created_at,
                             CAST(role <> lag(role) OVER (PARTITION BY conv ORDER BY created_at, nid) AS INTEGER)
                               AS switch
                      FROM m_post WHERE kind <> 'repost' AND role IN ('citizen', 'police'))
                GROUP BY conv),
            several AS (
                SELECT conv, force, min(created_at) AS t, sum(switch) AS alternations
                FROM (SELECT pf.conv, pf.force, p.created_at,
                             CAST(p.role <> lag(p.role) OVER (PARTITION BY pf.conv, pf.force
                                                              ORDER BY p.created_at, p.nid) AS INTEGER) AS switch
                      FROM pf SEMI JOIN multi USING (conv)
                      JOIN m_post p ON p.conv = pf.conv
                      WHERE p.kind <> 'repost'
                        AND (p.role = 'citizen' OR (p.role = 'police' AND p.force = pf.force)))
                GROUP BY conv, force),
            counted AS (
                SELECT pf.*, s.t, s.alternations FROM pf JOIN single s USING (conv) ANTI JOIN multi USING (conv)
                UNION ALL
                SELECT pf.*, s.t, s.alternations FROM pf JOIN several s USING (conv, force))
            SELECT conv, force, account_h, account_type, platform, t, CAST(alternations AS INTEGER) AS alternations
            FROM counted WHERE alternations >= 1""")

    def _reciprocity(self, con: duckdb.DuckDBPyConnection) -> None:
        """Per citizen, conversation and force: did the citizen post again after the first police reply?"""
        con.execute("""
            CREATE OR REPLACE TEMP TABLE m_recip AS
            WITH fr AS (
                SELECT q_author AS citizen, conv, r_force AS force, min(r_at) AS t,
                       arg_min(r_nid, (r_at, r_nid)) AS nid,
                       arg_min(r_account, (r_at, r_nid)) AS account_h, arg_min(r_type, (r_at, r_nid)) AS account_type,
                       any_value(platform) AS platform
                FROM m_reply GROUP BY q_author, conv, r_force)
            SELECT fr.citizen, fr.conv, fr.force, fr.nid, fr.account_h, fr.account_type, fr.platform, fr.t,
                   count(c.nid) > 0 AS reciprocated
            FROM fr LEFT JOIN m_post c ON c.conv = fr.conv AND c.author = fr.citizen AND c.role = 'citizen'
                 AND c.created_at > fr.t
            GROUP BY ALL""")

    # ---- querying ----------------------------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            result = self.con_.execute(sql, params) if params is not None else self.con_.execute(sql)
            columns = [d[0] for d in result.description or []]
            return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    def arrow(self, sql: str) -> pa.Table:
        """The rows as an Arrow table, for callers that read millions of them (the inbox reaching back far)."""
        with self._lock:
            self.con_.complete()  # a statement's result left open (a DDL's) would block the relation API
            return self.con_.sql(sql).to_arrow_table()

    def close(self) -> None:
        with self._lock:
            try:
                self.con_.close()
            except duckdb.Error:
                pass


_CACHE: weakref.WeakKeyDictionary[Project, tuple[tuple, Dialogue]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


FINGERPRINT = ("SELECT count(*) FROM posts", "SELECT count(*) FROM mentions", "SELECT count(*) FROM accounts",
               "SELECT count(*) FROM predictions", "SELECT max(import_id) FROM imports",
               "SELECT count(*), max(imported_at) FROM registry", "SELECT count(*), max(gold_id) FROM gold",
               "SELECT count(*), max(created_at) FROM models")


def fingerprint(project: Project) -> tuple:
    """Cheap signature of everything a fit reads (row counts are metadata in DuckDB; the rest are
    small tables); a change means the fit is stale. One query each keeps every count a lookup."""
    cur = project.cursor()
    try:
        return tuple(cur.execute(sql).fetchone() for sql in FINGERPRINT)
    finally:
        cur.close()


def prepared(project: Project, params: MetricParams) -> Dialogue:
    """The project's fitted Dialogue, refitted when the data (or a fit-time parameter) changed.
    One fit is kept per open project; the web app's figures all share it."""
    key = (fingerprint(project), params.use_predictions, params.default_time_zone)
    with _CACHE_LOCK:
        cached = _CACHE.get(project)
        if cached is not None and cached[0] == key:
            return cached[1]
        if cached is not None:
            cached[1].close()
            del _CACHE[project]
        dialogue = Dialogue(params.use_predictions, params.default_time_zone).fit(project)
        _CACHE[project] = (key, dialogue)
        return dialogue


def is_prepared(project: Project, params: MetricParams) -> bool:
    """Whether `prepared` would answer at once (the project's fit is current); never fits, and never
    waits: while a fit runs (it holds the lock) the answer is False."""
    key = (fingerprint(project), params.use_predictions, params.default_time_zone)
    if not _CACHE_LOCK.acquire(blocking=False):
        return False
    try:
        cached = _CACHE.get(project)
        return cached is not None and cached[0] == key
    finally:
        _CACHE_LOCK.release()


def clear_cache(project: Project | None = None) -> None:
    """Drop fitted dialogues (all, or one project's) and the memory their tables hold."""
    with _CACHE_LOCK:
        for proj in [project] if project is not None else list(_CACHE.keys()):
            cached = _CACHE.pop(proj, None)
            if cached is not None:
                cached[1].close()
