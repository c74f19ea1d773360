"""Find posts and read conversations: the store-level queries behind the explorer and thread view.

Everything is filtered, sorted and paged inside DuckDB so a page costs the same
on a thousand posts or ten million. Text search is a case-insensitive
substring match (ILIKE): DuckDB's `fts` extension cannot be installed offline,
and a substring match is what users expect from a search box anyway.
Counting stops at `COUNT_CAP` rows ("10,000+") so a broad search never scans
the whole table just to print a number.

A role that is shown masked text (viewers: "@citizen" for every @mention outside the
registry, "citizen" for any pseudonym) searches that masked text, computed in SQL by the
same rule as `peelian.report.force_report.mask_citizens`; otherwise a search for `@c_6`,
`@c_62`, ... would recover a pseudonym the role is never shown one character at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from peelian.errors import InputError, NotFoundError
from peelian.store.identity import MENTION_RE
from peelian.store.privacy import PSEUDONYM_RE
from peelian.store.project import Project
from peelian.store.schema import POST_KINDS

COUNT_CAP = 10_000
DEFAULT_TIME_ZONE = "Europe/London"
MAX_PAGE_SIZE = 200
_PREDICTION_IDS_PER_QUERY = 1_000  # under DuckDB's index_scan_max_count (2,048), so the index is used
SORTS = {
    "newest": "p.created_at DESC NULLS LAST, p.rowid DESC",
    "oldest": "p.created_at ASC NULLS LAST, p.rowid ASC",
    "engagement": "(coalesce(p.like_count, 0) + coalesce(p.reply_count, 0) + coalesce(p.repost_count, 0) "
                  "+ coalesce(p.quote_count, 0)) DESC, p.created_at DESC, p.rowid DESC",
    "replies": "coalesce(p.reply_count, 0) DESC, p.created_at DESC, p.rowid DESC",
}
ROLES = ("police", "citizen", "partner", "media")
POST_COLUMNS = (
    "p.platform, p.post_id, p.created_at, p.author_id, p.author_handle, p.author_role, p.author_force, "
    "p.author_account_type, p.kind, p.text, coalesce(p.conversation_id, p.post_id) AS conversation_id, "
    "p.reply_to_post_id, p.like_count, p.reply_count, p.repost_count, p.quote_count, p.url"
)


@dataclass(frozen=True)
class PostFilters:
    """Which posts: every field is optional and they combine with AND.

    `code` and `prediction` are "dimension:code" (e.g. "topic:appeal"); `code`
    matches a gold label or any human coding, `prediction` a model prediction
    whose probability lies within [min_confidence, max_confidence].
    `date_to` is inclusive (the whole day). `hour` (0-23) and `weekday` (1 = Monday) are in
    `time_zone` (default Europe/London, the forces' local time), like the activity clock.
    `keys` restricts to these (platform, post_id) pairs, e.g. `posts_behind`'s: a filter for library
    callers, which stays valid when the data change; the web explorer does not take it (its figure links
    filter on `rowids` from `rows_behind`, and no route accepts a list of keys). `rowids` restricts to these
    posts by row id, which a large project matches far faster (valid for the data they were read from).
    `shown_handles`, when set, makes the text query match the text as a role without access to
    citizen identities is shown it: @mentions of handles outside this set (lower case, the
    registered accounts) read "@citizen" and pseudonyms "citizen". None matches the stored text.
    """

    force: str | None = None
    account_type: str | None = None
    account_id: str | None = None
    platform: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    kind: str | None = None
    role: str | None = None
    code: str | None = None
    prediction: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    conversation_id: str | None = None
    hour: int | None = None
    weekday: int | None = None
    time_zone: str | None = None
    keys: tuple[tuple[str, str], ...] | None = None
    rowids: tuple[int, ...] | None = None
    shown_handles: frozenset[str] | None = None

    def active(self) -> dict[str, Any]:
        """The fields that are set, for links and for showing the user what is applied."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) not in (None, "") and f.name not in ("keys", "rowids", "shown_handles")}

    def without(self, *names: str) -> PostFilters:
        return replace(self, **{n: None for n in names})


@dataclass
class Page:
    rows: list[dict[str, Any]]
    page: int
    page_size: int
    total: int
    total_capped: bool
    sort: str
    query: str | None = None
    filters: PostFilters = field(default_factory=PostFilters)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.total_capped and len(self.rows) == self.page_size)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _split_code(value: str, what: str) -> tuple[str, str]:
    if ":" not in value:
        raise InputError(f"{what} must be dimension:code, e.g. topic:appeal (got {value!r})")
    dimension, code = value.split(":", 1)
    return dimension.strip(), code.strip()


def where_clause(filters: PostFilters, query: str | None = None) -> tuple[str, list[Any]]:
    """SQL conditions on `posts p` for these filters; shared by search and counts."""
    conds: list[str] = []
    params: list[Any] = []
    for column, value in (("p.author_force", filters.force), ("p.platform", filters.platform),
                          ("p.author_id", filters.account_id)):
        if value:
            conds.append(f"{column} = ?")
            params.append(value)
    if filters.account_type:
        if filters.account_type == "citizen":
            conds.append("p.author_role = 'citizen'")
        else:
            conds.append("p.author_account_type = ?")
            params.append(filters.account_type)
    if filters.kind:
        if filters.kind not in POST_KINDS:
            raise InputError(f"unknown kind {filters.kind!r}; choose one of {', '.join(POST_KINDS)}")
        conds.append("p.kind = ?")
        params.append(filters.kind)
    if filters.role:
        if filters.role not in ROLES:
            raise InputError(f"unknown role {filters.role!r}; choose one of {', '.join(ROLES)}")
        conds.append("p.author_role = ?")
        params.append(filters.role)
    if filters.date_from:
        conds.append("p.created_at >= ?")
        params.append(datetime.combine(filters.date_from, datetime.min.time()))
    if filters.date_to:
        conds.append("p.created_at < ?")
        params.append(datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()))
    if filters.conversation_id:
        conds.append("coalesce(p.conversation_id, p.post_id) = ?")
        params.append(filters.conversation_id)
    local = "timezone(?, p.created_at AT TIME ZONE 'UTC')"
    if filters.hour is not None:
        conds.append(f"hour({local}) = ?")
        params += [filters.time_zone or DEFAULT_TIME_ZONE, int(filters.hour)]
    if filters.weekday is not None:
        conds.append(f"isodow({local}) = ?")
        params += [filters.time_zone or DEFAULT_TIME_ZONE, int(filters.weekday)]
    if filters.keys is not None:
        conds.append("(p.platform, p.post_id) IN (SELECT (k[1], k[2]) FROM (SELECT unnest(?::VARCHAR[][]) AS k))")
        params.append([list(k) for k in filters.keys])
    if filters.rowids is not None:
        conds.append("p.rowid IN (SELECT unnest(?::BIGINT[]))")
        params.append(list(filters.rowids))
    if filters.code:
        dimension, code = _split_code(filters.code, "code")
        conds.append(
            "(EXISTS (SELECT 1 FROM gold g WHERE g.platform = p.platform AND g.post_id = p.post_id "
            "AND g.dimension = ? AND list_contains(g.codes, ?)) OR EXISTS (SELECT 1 FROM codings c "
            "WHERE c.platform = p.platform AND c.post_id = p.post_id AND c.dimension = ? "
            "AND list_contains(c.codes, ?)))")
        params += [dimension, code, dimension, code]
    if filters.prediction or filters.min_confidence is not None or filters.max_confidence is not None:
        sub = ["pr.platform = p.platform", "pr.post_id = p.post_id"]
        if filters.prediction:
            dimension, code = _split_code(filters.prediction, "prediction")
            sub += ["pr.dimension = ?", "list_contains(pr.codes, ?)"]
            params += [dimension, code]
        if filters.min_confidence is not None:
            sub.append("pr.probability >= ?")
            params.append(float(filters.min_confidence))
        if filters.max_confidence is not None:
            sub.append("pr.probability <= ?")
            params.append(float(filters.max_confidence))
        conds.append(f"EXISTS (SELECT 1 FROM predictions pr WHERE {' AND '.join(sub)})")
    if query and query.strip():
        escaped = _like_escape(query.strip())
        if filters.shown_handles is None:
            conds.append("p.text ILIKE ? ESCAPE '\\'")
            params.append(f"%{escaped}%")
        else:
            shown, shown_params = shown_text_sql("p.text", filters.shown_handles)
            core = _unmasked_core(query.strip())
            if core:  # a part of the stored text must match: the cheap test first, masking only for those
                conds.append(f"p.text ILIKE ? ESCAPE '\\' AND {shown} ILIKE ? ESCAPE '\\'")
                params += [f"%{_like_escape(core)}%", *shown_params, f"%{escaped}%"]
            else:
                conds.append(f"{shown} ILIKE ? ESCAPE '\\'")
                params += [*shown_params, f"%{escaped}%"]
    return (" AND ".join(conds) or "TRUE"), params


# The @mention rule of peelian.store.identity.MENTION_RE for DuckDB's RE2, which has no look-behind:
# the character before the "@" (group 1) must not be a word character, "@" or "/" (Python's \w is
# Unicode letters, digits and "_").
_MENTION_SQL = r"(^|[^\pL\pN_@/])@(" + MENTION_RE.pattern.removeprefix(r"@(?<![\w@/]@)(")
_PSEUDONYM_SQL = PSEUDONYM_RE.pattern.strip("^$")
_MASKS = ("@citizen", "citizen")


def shown_text_sql(column: str, shown_handles: frozenset[str]) -> tuple[str, list[Any]]:
    """SQL for `column` as a role without access to citizen identities reads it, and its parameters.

    The same rule as `peelian.report.force_report.mask_citizens`: every @mention whose handle
    (lower case) is not in `shown_handles` becomes "@citizen", then every pseudonym "citizen".
    The text is split at the mentions and put together again, so the handles can be looked up.
    """
    m = _MENTION_SQL
    sql = (f"regexp_replace(CASE WHEN NOT contains({column}, '@') THEN {column} ELSE list_transform("
           f"[{{'s': regexp_split_to_array({column}, '{m}'), 'pre': regexp_extract_all({column}, '{m}', 1), "
           f"'h': regexp_extract_all({column}, '{m}', 2)}}], lambda x: x.s[1] || array_to_string(list_transform("
           "range(1, len(x.s)), lambda i: x.pre[i] || '@' || CASE WHEN list_contains(?::VARCHAR[], lower(x.h[i])) "
           f"THEN x.h[i] ELSE 'citizen' END || x.s[i + 1]), ''))[1] END, '{_PSEUDONYM_SQL}', 'citizen', 'g')")
    return sql, [sorted(shown_handles)]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _unmasked_core(query: str) -> str | None:
    """The part of `query` that lies in unmasked text wherever the masked text contains it, so the
    stored text must contain it too; None when no part is sure to (the query holds "citizen", or
    lies inside "@citizen", or lower case changes its length).

    A match can touch a masked "@citizen" or "citizen" only at its ends unless it contains one:
    at the start with a suffix of the mask, at the end with a prefix. What is left is the core.
    """
    q = query.lower()
    if len(q) != len(query) or any(mask in q or q in mask for mask in _MASKS):
        return None
    lead = max((k for mask in _MASKS for k in range(1, len(q)) if q.startswith(mask[-k:])), default=0)
    trail = max((k for mask in _MASKS for k in range(1, len(q)) if q.endswith(mask[:k])), default=0)
    return q[lead:len(q) - trail] or None


def search_posts(project: Project, filters: PostFilters | None = None, query: str | None = None,
                 sort: str = "newest", page: int = 1, page_size: int = 50) -> Page:
    """One page of posts matching the filters and the text query, with their codes and predictions."""
    filters = filters or PostFilters()
    if sort not in SORTS:
        raise InputError(f"unknown sort {sort!r}; choose one of {', '.join(SORTS)}")
    page = max(1, int(page))
    page_size = min(max(1, int(page_size)), MAX_PAGE_SIZE)
    where, params = where_clause(filters, query)
    # Sort only the narrow sort columns, then fetch whole rows for the page (late materialisation).
    rows = project.query(
        f"WITH page AS (SELECT p.rowid AS r FROM posts p WHERE {where} ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?) "
        f"SELECT {POST_COLUMNS} FROM page JOIN posts p ON p.rowid = page.r ORDER BY {SORTS[sort]}",
        [*params, page_size, (page - 1) * page_size])
    counted = int(project.scalar(
        f"SELECT count(*) FROM (SELECT 1 FROM posts p WHERE {where} LIMIT {COUNT_CAP + 1})", params))
    attach_labels(project, rows)
    return Page(rows, page, page_size, min(counted, COUNT_CAP), counted > COUNT_CAP, sort,
                query.strip() if query else None, filters)


def attach_labels(project: Project, rows: list[dict[str, Any]]) -> None:
    """Add `gold`, `codings` and `predictions` ({dimension: ...}) to post rows, in three small queries."""
    for row in rows:
        row["gold"], row["codings"], row["predictions"] = {}, {}, {}
    if not rows:
        return
    index = {(r["platform"], r["post_id"]): r for r in rows}
    keys = [[p, i] for p, i in index]
    values = "SELECT unnest(?::VARCHAR[][]) AS k"
    key_sql = f"(SELECT k[1] AS platform, k[2] AS post_id FROM ({values}))"
    for row in project.query(
            f"SELECT g.platform, g.post_id, g.dimension, g.codes, g.method FROM gold g "
            f"SEMI JOIN {key_sql} k ON g.platform = k.platform AND g.post_id = k.post_id "
            "ORDER BY g.decided_at", [keys]):
        index[(row["platform"], row["post_id"])]["gold"][row["dimension"]] = row["codes"]
    for row in project.query(
            f"SELECT c.platform, c.post_id, c.dimension, c.coder, c.codes, c.status FROM codings c "
            f"SEMI JOIN {key_sql} k ON c.platform = k.platform AND c.post_id = k.post_id "
            "ORDER BY c.coding_id", [keys]):
        if row["status"] == "coded":
            index[(row["platform"], row["post_id"])]["codings"].setdefault(row["dimension"], {})[row["coder"]] = \
                row["codes"]
    # An IN list of parameters is answered by the predictions' post_id index (migration 15): a semi-join
    # reads every row group instead. A post's rows are all in its chunk, so ordering
    # each chunk by time lets the latest prediction per dimension win as before.
    ids = sorted({post_id for _, post_id in index})
    for start in range(0, len(ids), _PREDICTION_IDS_PER_QUERY):
        chunk = ids[start:start + _PREDICTION_IDS_PER_QUERY]
        for row in project.query(
                "SELECT pr.platform, pr.post_id, pr.dimension, pr.codes, pr.probability, pr.model_id "
                f"FROM predictions pr WHERE pr.post_id IN ({', '.join('?' * len(chunk))}) "
                "ORDER BY pr.created_at", chunk):
            target = index.get((row["platform"], row["post_id"]))
            if target is not None:
                target["predictions"][row["dimension"]] = {
                    "codes": row["codes"], "probability": row["probability"], "model_id": row["model_id"]}


@dataclass
class Thread:
    """A conversation as a tree, flattened in reading order with a depth per post."""

    platform: str
    conversation_id: str
    posts: list[dict[str, Any]]
    police_turns: int
    citizen_turns: int
    missing_parents: int


def get_thread(project: Project, platform: str, conversation_id: str) -> Thread:
    """All posts of a conversation (given its id or the id of any post in it) in tree order,
    each with its depth and delay after its parent.

    A reply whose parent is not in the project starts its own branch at depth 0
    (flagged `orphan`), so nothing in the conversation is hidden.
    """
    sql = (f"SELECT {POST_COLUMNS} FROM posts p WHERE p.platform = ? AND (p.conversation_id = ? OR "
           "(p.conversation_id IS NULL AND p.post_id = ?)) ORDER BY p.created_at NULLS LAST, p.post_id")
    rows = project.query(sql, [platform, conversation_id, conversation_id])
    if not rows:
        found = project.scalar("SELECT coalesce(conversation_id, post_id) FROM posts WHERE platform = ? "
                               "AND post_id = ? LIMIT 1", [platform, conversation_id])
        if found is None:
            raise NotFoundError(f"no conversation or post {conversation_id!r} on {platform}")
        conversation_id = found
        rows = project.query(sql, [platform, conversation_id, conversation_id])
    attach_labels(project, rows)
    by_id = {r["post_id"]: r for r in rows}
    children: dict[str | None, list[dict[str, Any]]] = {}
    missing = 0
    for row in rows:
        parent_id = row["reply_to_post_id"] if row["reply_to_post_id"] in by_id else None
        row["orphan"] = row["reply_to_post_id"] is not None and parent_id is None
        missing += row["orphan"]
        row["parent"] = by_id.get(parent_id) if parent_id else None
        children.setdefault(parent_id, []).append(row)
    ordered: list[dict[str, Any]] = []

    def walk(row: dict[str, Any], depth: int) -> None:
        row["depth"] = depth
        parent = row.pop("parent")
        row["parent_role"] = parent["author_role"] if parent else None
        row["delay"] = (row["created_at"] - parent["created_at"]
                        if parent and row["created_at"] and parent["created_at"] else None)
        ordered.append(row)
        for child in children.get(row["post_id"], []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    police = sum(r["author_role"] == "police" for r in ordered)
    citizens = sum(r["author_role"] == "citizen" for r in ordered)
    return Thread(platform, conversation_id, ordered, police, citizens, missing)


def filter_options(project: Project) -> dict[str, list[Any]]:
    """Values for the filter drop-downs (forces, police accounts, platforms, dimensions and codes)."""
    return {
        "forces": [r["force"] for r in project.query(
            "SELECT DISTINCT force FROM registry WHERE force IS NOT NULL ORDER BY 1")],
        "accounts": project.query(
            "SELECT DISTINCT a.platform, a.account_id, a.handle, a.force, a.account_type FROM accounts a "
            "WHERE a.role <> 'citizen' AND a.account_id IS NOT NULL ORDER BY a.force, a.handle"),
        "platforms": [r["platform"] for r in project.query(
            "SELECT DISTINCT platform FROM accounts UNION SELECT DISTINCT platform FROM registry ORDER BY 1")],
        "codes": [f"{r['dimension']}:{r['code']}" for r in project.query(
            "SELECT DISTINCT dimension, unnest(codes) AS code FROM gold UNION "
            "SELECT DISTINCT dimension, unnest(codes) AS code FROM codings UNION "
            "SELECT DISTINCT dimension, unnest(codes) AS code FROM predictions ORDER BY 1, 2")],
    }


def posts_csv(project: Project, filters: PostFilters | None = None, query: str | None = None,
              limit: int = 100_000) -> str:
    """The matching posts (newest first, at most `limit`) as CSV text, for the explorer's download
    (text cells neutralised against spreadsheet formulas)."""
    import csv
    import io

    from peelian.store.safe_text import neutralise_row

    where, params = where_clause(filters or PostFilters(), query)
    cur = project.cursor()
    try:
        result = cur.execute(
            f"SELECT p.platform, p.post_id, p.created_at, p.author_handle, p.author_role, p.author_force, "
            f"p.author_account_type, p.kind, coalesce(p.conversation_id, p.post_id) AS conversation_id, "
            f"p.reply_to_post_id, p.text, p.like_count, p.reply_count, p.repost_count, p.quote_count, p.url "
            f"FROM posts p WHERE {where} ORDER BY {SORTS['newest']} LIMIT ?", [*params, int(limit)])
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([d[0] for d in result.description or []])
        writer.writerows(neutralise_row(row) for row in result.fetchall())
        return out.getvalue()
    finally:
        cur.close()
