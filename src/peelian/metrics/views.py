"""Figures for the dashboard, reports and CLI, all over the same fitted dialogue tables:
headline figures with the previous period, response-time histogram, time series,
activity clock, code mixes, the unanswered list and the posts behind any figure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from peelian.errors import MetricsError, NotFoundError
from peelian.metrics.codes import code_ids, source_label
from peelian.metrics.columns import CODE_SCOPES, MIX_DIMENSIONS
from peelian.metrics.compute import (
    UNKNOWN,
    Scope,
    code_shares,
    compute_metrics,
    family_sql,
    inbound_sql,
    period_after,
    period_start,
    police_sql,
)
from peelian.metrics.engine import prepared, sql_literal
from peelian.metrics.expectations import gap, load_survey
from peelian.metrics.params import (
    DAY_NAMES,
    Filters,
    MetricParams,
    format_duration,
    humane_duration,
    parse_duration,
)
from peelian.store.project import Project

HEADLINE = ("response_rate", "response_time_median_s", "two_way_ratio", "posts", "audience_citizens",
            "needs_response", "unanswered", "pending")
DEFAULT_BINS = (0, 900, 1800, 3600, 7200, 14400, 28800, 86400, 259200)


def _defaults(params: MetricParams | None, filters: Filters | None) -> tuple[MetricParams, Filters]:
    return params or MetricParams(), filters or Filters()


def last_full_month(as_of: date) -> tuple[date, date]:
    """The calendar month before the one `as_of` falls in."""
    first = as_of.replace(day=1)
    start = period_after(first, "month", -1)
    return start, first - timedelta(days=1)


def headline_window(project: Project, params: MetricParams, filters: Filters) -> tuple[date, date, date, date]:
    """(from, to, previous from, previous to): the filters' dates, else the last full month; the
    previous period is the calendar month before, or the equally long range just before."""
    dialogue = prepared(project, params)
    as_of = params.as_of or dialogue.data_end_
    if as_of is None:
        raise MetricsError("the project has no posts yet")
    if filters.date_from is None and filters.date_to is None:
        lo, hi = last_full_month(as_of.date())
        prev_lo, prev_hi = last_full_month(lo)
        return lo, hi, prev_lo, prev_hi
    lo = filters.date_from or dialogue.data_start_.date()
    hi = filters.date_to or as_of.date()
    length = (hi - lo).days + 1
    return lo, hi, lo - timedelta(days=length), lo - timedelta(days=1)


def headline(project: Project, params: MetricParams | None = None, filters: Filters | None = None) -> dict[str, Any]:
    """Response rate, median response time, two-way ratio, posts and citizens reached, each
    with the previous period's value and the change (value − previous)."""
    params, filters = _defaults(params, filters)
    lo, hi, prev_lo, prev_hi = headline_window(project, params, filters)
    now = compute_metrics(project, params, (), None, filters.replace(date_from=lo, date_to=hi), mixes=())
    before = compute_metrics(project, params, (), None, filters.replace(date_from=prev_lo, date_to=prev_hi),
                             mixes=())
    return {"period": {"from": lo, "to": hi}, "previous_period": {"from": prev_lo, "to": prev_hi},
            "figures": headline_figures(now.rows[0], before.rows[0]), "params": params.describe(),
            "filters": filters.describe(), "sources": now.sources, "threads": now.threads}


def headline_figures(current: dict[str, Any], previous: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each HEADLINE figure with the previous period's value and the change (shared with the rollup)."""
    figures = {}
    for name in HEADLINE:
        value, prev = current.get(name), previous.get(name)
        change = value - prev if value is not None and prev is not None else None
        figures[name] = {"value": value, "previous": prev, "change": change,
                         "change_relative": change / prev if change is not None and prev else None}
    return figures


def response_time_distribution(project: Project, params: MetricParams | None = None,
                               filters: Filters | None = None,
                               bins: Sequence[float] = DEFAULT_BINS) -> list[dict[str, Any]]:
    """Needs-response posts by time to first response, in bins [lower, upper) seconds, then a row
    for those without a response (within response_limit, if set) and a last one for the pending
    posts (no response yet, their window still open)."""
    params, filters = _defaults(params, filters)
    scope = Scope(prepared(project, params), params, filters)
    edges, case = distribution_bins(bins)
    rows = scope.dialogue.query(f"""
        SELECT {case} AS bin, count(*) AS posts
        FROM ({inbound_sql(scope)}) WHERE needs AND {scope.where()} GROUP BY 1""")
    return distribution_rows(edges, {r["bin"]: r["posts"] for r in rows})


def distribution_bins(bins: Sequence[float] = DEFAULT_BINS) -> tuple[list[float], str]:
    """(bin edges, SQL CASE giving a needs-response row's bin over inbound_sql's columns): bins 0.. by
    delay, -1 for no response, -2 for pending."""
    edges = sorted(set(float(b) for b in bins))
    if not edges or edges[0] != 0:
        edges = [0.0, *edges]
    cases = " ".join(f"WHEN d < {e} THEN {i - 1}" for i, e in enumerate(edges) if i > 0)
    return edges, (f"CASE WHEN NOT in_window AND NOT settled AND NOT responded THEN -2 WHEN NOT responded THEN -1 "
                   f"{cases} ELSE {len(edges) - 1} END")


def distribution_rows(edges: list[float], counts: dict[int, int]) -> list[dict[str, Any]]:
    """The histogram rows from the posts per bin (distribution_bins' numbering)."""
    total = sum(counts.values())
    out = []
    for i, lower in enumerate(edges):
        upper = edges[i + 1] if i + 1 < len(edges) else None
        label = (f"{format_duration(lower)}–{format_duration(upper)}" if upper is not None
                 else f"≥ {format_duration(lower)}")
        out.append({"bin": label, "lower_s": lower, "upper_s": upper, "posts": counts.get(i, 0),
                    "share": counts.get(i, 0) / total if total else None})
    for key, label in ((-1, "no response"), (-2, "pending")):
        out.append({"bin": label, "lower_s": None, "upper_s": None, "posts": counts.get(key, 0),
                    "share": counts.get(key, 0) / total if total else None})
    return out


SERIES = ("period", "period_end", "posts", "replies_to_citizens", "two_way_ratio", "inbound_posts", "needs_response",
          "responded", "response_rate", "pending", "response_time_median_s", "unanswered")


def time_series(project: Project, params: MetricParams | None = None, filters: Filters | None = None,
                period: str = "week", by: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Two-way ratio and response rate (with their counts) per period; empty periods included."""
    params, filters = _defaults(params, filters)
    table = compute_metrics(project, params, tuple(by), period, filters, mixes=())
    return [{**{k: r[k] for k in table.by}, **{k: r.get(k) for k in SERIES}} for r in table.rows]


def activity_clock(project: Project, params: MetricParams | None = None,
                   filters: Filters | None = None) -> list[dict[str, Any]]:
    """Posts and responses by hour of the week (force local time): 168 rows, Monday 00:00 first.
    police_posts by the post's time; inbound_posts by the inbound time; responses (first
    responses to needs-response posts) by the response's time."""
    params, filters = _defaults(params, filters)
    scope = Scope(prepared(project, params), params, filters)
    police = {r["how"]: r["n"] for r in scope.dialogue.query(
        f"SELECT local_how AS how, count(*) AS n FROM ({police_sql(scope)}) WHERE {scope.where()} GROUP BY 1")}
    inbound = {r["how"]: r for r in scope.dialogue.query(f"""
        SELECT local_how AS how, count(*) AS inbound, count(*) FILTER (WHERE needs) AS needs
        FROM ({inbound_sql(scope)}) WHERE {scope.where()} GROUP BY 1""")}
    responses = {r["how"]: r["n"] for r in scope.dialogue.query(f"""
        SELECT resp_how AS how, count(*) AS n FROM ({inbound_sql(scope)})
        WHERE responded AND {scope.where()} GROUP BY 1""")}
    out = []
    for how in range(168):
        day, hour = divmod(how, 24)
        out.append({"weekday": day + 1, "day": DAY_NAMES[day].title(), "hour": hour,
                    "police_posts": police.get(how, 0), "inbound_posts": inbound.get(how, {}).get("inbound", 0),
                    "needs_response": inbound.get(how, {}).get("needs", 0), "responses": responses.get(how, 0)})
    return out


def code_mix(project: Project, dimension: str, filters: Filters | None = None,
             params: MetricParams | None = None) -> dict[str, Any]:
    """Shares of one dimension's codes over the posts it is measured on, with the source of
    the codes and, where they are predicted, the adjusted share and its 95% interval."""
    params, filters = _defaults(params, filters)
    if dimension not in CODE_SCOPES:
        raise MetricsError(f"no share is computed for dimension {dimension!r}; choose from "
                           f"{', '.join(CODE_SCOPES)}")
    dialogue = prepared(project, params)
    scope = Scope(dialogue, params, filters)
    codes = code_ids(project, dimension)
    row = (code_shares(scope, dimension, codes) or [{}])[0]
    return mix_result(dimension, codes, row, dialogue.models_.get(dimension), filters)


def mix_result(dimension: str, codes: list[str], row: dict[str, Any], model: dict[str, Any] | None,
               filters: Filters) -> dict[str, Any]:
    """code_mix's answer from one code_shares row and the dimension's model (shared with the rollup)."""
    n = row.get(f"{dimension}_n") or 0
    counts = {s: row.get(f"{dimension}_{s}") or 0 for s in ("gold", "predicted", "heuristic")}
    shares = []
    for code in dict.fromkeys([*codes, UNKNOWN, *(k.split("_share_", 1)[1] for k in row
                                                   if k.startswith(f"{dimension}_share_")
                                                   and not k.endswith(("_adjusted", "_low", "_high")))]):
        share = row.get(f"{dimension}_share_{code}")
        posts = row.get(f"_{dimension}_count_{code}", 0)
        if code == UNKNOWN and not posts:
            continue
        shares.append({"code": code, "posts": posts, "share": share if n else None,
                       "adjusted": row.get(f"{dimension}_share_{code}_adjusted"),
                       "low": row.get(f"{dimension}_share_{code}_low"),
                       "high": row.get(f"{dimension}_share_{code}_high")})
    return {"dimension": dimension, "scope": CODE_SCOPES[dimension][1], "posts": n,
            "source": source_label(counts) if n else "none", "counts": {**counts, "none": n - sum(counts.values())},
            "model": {k: v for k, v in model.items() if k != "evaluation"} | {
                "has_error": bool(model.get("evaluation"))} if model else None,
            "shares": shares, "filters": filters.describe(),
            "note": _mix_note(counts, model)}


def _mix_note(counts: dict[str, int], model: dict[str, Any] | None) -> str:
    parts = []
    if counts["gold"]:
        parts.append(f"{counts['gold']} from human (gold) codes")
    if counts["predicted"]:
        error = "with the classifier's measured error" if model and model.get("evaluation") else \
            "without a measured error (the model has no per-code evaluation)"
        parts.append(f"{counts['predicted']} predicted by {model['model_id'] if model else 'a model'} {error}")
    if counts["heuristic"]:
        parts.append(f"{counts['heuristic']} from the heuristic fallback")
    return "; ".join(parts) or "no codes yet"


def expectations_gap(project: Project, filters: Filters | None = None, params: MetricParams | None = None,
                     survey: str | None = None) -> dict[str, Any]:
    """Expected (survey) vs actual (police original posts) topic shares per force, each force
    against its own survey rows where it has them, else the national ones; plus all forces
    together against the national expectations."""
    params, filters = _defaults(params, filters)
    loaded = load_survey(project, survey)
    if loaded is None:
        raise NotFoundError("no expectations survey imported yet (peelian expectations import PROJECT survey.csv)")
    topics = code_ids(project, "topic")
    dialogue = prepared(project, params)

    def compare(row: dict[str, Any], force: str | None) -> dict[str, Any]:
        counts = {t: row.get(f"_topic_count_{t}", 0) for t in topics}
        expected, where = loaded.for_force(force) if force is not None else (loaded.shares.get(None), "national")
        result = gap(expected, counts, topics) if expected else None
        sources = {s: row.get(f"topic_{s}") or 0 for s in ("gold", "predicted", "heuristic")}
        return {"force": force, "expectations": where if expected else None,
                "original_posts": row.get("topic_n") or 0, "source": source_label(sources), **sources,
                **(result or {"topics": [], "coded_posts": sum(counts.values()), "tvd": None, "jsd": None})}

    per_force = {r["force"]: r for r in code_shares(Scope(dialogue, params, filters, ("force",)), "topic", topics)}
    police = {r["force"] for r in dialogue.query("SELECT DISTINCT force FROM m_org WHERE role = 'police'")}
    names = {f for f in set(per_force) | police | set(loaded.shares) if f is not None and filters.force in (None, f)}
    forces = [compare(per_force.get(f, {}), f) for f in sorted(names)]
    overall = (code_shares(Scope(dialogue, params, filters), "topic", topics) or [{}])[0]
    return {"survey": loaded.name, "imported_at": loaded.imported_at, "forces": forces,
            "all_forces": compare(overall, None) if None in loaded.shares and filters.force is None else None,
            "params": params.describe(), "filters": filters.describe()}


def unanswered(project: Project, params: MetricParams | None = None, filters: Filters | None = None,
               older_than: str | timedelta | None = None, limit: int | None = 100,
               offset: int = 0, stored: bool = True) -> list[dict[str, Any]]:
    """The inbox: every needs-response post still without a response in its window, oldest first.

    A post is `pending` while its window is open (`time_left_s` says how long it has) and
    `overdue` once the window has passed (with `late_response_at` when an answer came after it),
    so a post asked an hour ago is listed as well as one left for a week. `older_than` keeps only
    posts at least that old (`older_than=params.window` lists only the overdue ones). Each row has
    the account addressed, the author, the text and the link. Under the default parameters it is
    read from the queue kept with the dashboard rollup while that is fresh (`stored=False`: the fit)."""
    from peelian.metrics.rollup import stored_queue

    params, filters = _defaults(params, filters)
    window = params.window.total_seconds()
    queue = stored_queue(project, params) if stored else None
    if queue is not None:
        age = None if older_than is None else parse_duration(older_than)
        return [queue_row(r, queue.as_of, window) for r in queue.rows(filters, age, limit, offset)]
    dialogue = prepared(project, params)
    scope = Scope(dialogue, params, filters)
    if scope.as_of is None:
        return []
    as_of = f"TIMESTAMP '{scope.as_of.isoformat(sep=' ')}'"
    page = f"LIMIT {int(limit)} OFFSET {int(offset)}" if limit else (f"OFFSET {int(offset)}" if offset else "")
    rows = dialogue.query(f"""
        SELECT nid, force, account_h, account_type, platform, created_at, need_source, intent_codes,
               resp_at, settled, epoch({as_of}) - epoch(created_at) AS age_s
        {_unanswered_from(scope, older_than)}
        ORDER BY created_at, nid, force {page}""")
    if not rows:
        return []
    posts = {r["nid"]: r for r in dialogue.query(f"""
        SELECT p.rowid AS nid, p.post_id, p.author_id, p.author_handle, p.text, p.url,
               h.platform IS NOT NULL AS handled
        FROM posts p
        LEFT JOIN (SELECT DISTINCT platform, post_id FROM handled) h USING (platform, post_id)
        WHERE p.rowid IN ({", ".join(str(r["nid"]) for r in rows)})""")}
    out = []
    for r in rows:
        p = posts[r["nid"]]
        account, handle = dialogue.accounts_.get(r["account_h"], (None, None))
        out.append(queue_row({**r, "post_id": p["post_id"], "url": p["url"], "text": p["text"],
                              "author": p["author_handle"] or p["author_id"], "handled": p["handled"],
                              "account_id": account, "account_handle": handle}, scope.as_of, window))
    return out


def queue_row(r: dict[str, Any], as_of: datetime, window: float) -> dict[str, Any]:
    """One row of the unanswered queue, from the fit's columns or the stored queue's alike."""
    left = None if r["settled"] else window - r["age_s"]
    return {
        "platform": str(r["platform"]), "post_id": r["post_id"], "url": r["url"], "created_at": r["created_at"],
        "age_s": r["age_s"], "age": humane_duration(r["age_s"]),
        "status": "overdue" if r["settled"] else "pending", "time_left_s": left,
        "time_left": humane_duration(left), "force": r["force"],
        "account": r["account_id"], "account_handle": r["account_handle"],
        "account_type": r["account_type"], "author": r["author"], "text": r["text"],
        "needs_response_source": r["need_source"],
        "intents": list(r["intent_codes"]) if r["intent_codes"] is not None else None,
        "late_response_at": r["resp_at"] if r["resp_at"] is not None and r["resp_at"] <= as_of else None,
        "handled": r["handled"],
    }


def unanswered_total(project: Project, params: MetricParams | None = None, filters: Filters | None = None,
                     older_than: str | timedelta | None = None) -> int:
    """How many posts `unanswered` lists without a limit, so a caller showing a page can say of how many."""
    return unanswered_counts(project, params, filters, older_than)["total"]


def unanswered_counts(project: Project, params: MetricParams | None = None, filters: Filters | None = None,
                      older_than: str | timedelta | None = None, stored: bool = True) -> dict[str, int]:
    """The posts `unanswered` lists without a limit, by status: {'pending', 'overdue', 'total'}."""
    from peelian.metrics.rollup import stored_queue

    params, filters = _defaults(params, filters)
    queue = stored_queue(project, params) if stored else None
    if queue is not None:
        return queue.counts(filters, None if older_than is None else parse_duration(older_than))
    scope = Scope(prepared(project, params), params, filters)
    if scope.as_of is None:
        return {"pending": 0, "overdue": 0, "total": 0}
    row = scope.dialogue.query(f"""
        SELECT count(*) FILTER (WHERE NOT settled) AS pending, count(*) FILTER (WHERE settled) AS overdue
        {_unanswered_from(scope, older_than)}""")[0]
    return {"pending": int(row["pending"]), "overdue": int(row["overdue"]),
            "total": int(row["pending"]) + int(row["overdue"])}


def _unanswered_from(scope: Scope, older_than: str | timedelta | None) -> str:
    """FROM and WHERE of the unanswered list: needs-response posts made by the scope's as-of time with
    no response in their window (pending or overdue), at least `older_than` old when it is given."""
    as_of = f"TIMESTAMP '{scope.as_of.isoformat(sep=' ')}'"
    age = "" if older_than is None else \
        f" AND epoch({as_of}) - epoch(created_at) >= {parse_duration(older_than).total_seconds()}"
    return f"""FROM ({inbound_sql(scope)})
        WHERE needs AND NOT in_window AND created_at <= {as_of}{age} AND {scope.where()}"""


# ---- posts behind a figure -----------------------------------------------------------------

_POLICE_METRICS = {
    "posts": "TRUE", "two_way_ratio": "TRUE", "one_way_share": "TRUE", "accounts_active": "TRUE",
    "posts_per_account_week": "TRUE", "engagement_per_post": "engagement IS NOT NULL",
    "engagement_rate": "engagement IS NOT NULL AND followers > 0",
    "posts_original": "kind = 'original'", "broadcast_ratio": "kind = 'original'", "posts_reply": "kind = 'reply'",
    "posts_quote": "kind = 'quote'", "posts_repost": "kind = 'repost'", "replies_to_citizens": "to_citizen",
}
_INBOUND_METRICS = {
    "inbound_posts": "TRUE", "audience_citizens": "TRUE", "returning_citizens": "TRUE", "returning_share": "TRUE",
    "concentration_top_share": "TRUE", "gini": "TRUE",
    "needs_response": "needs", "response_rate": "needs", "response_rate_1h": "needs", "response_rate_24h": "needs",
    "responded": "responded", "response_time_median_s": "responded", "response_time_p90_s": "responded",
    "response_time_mean_s": "responded", "responded_1h": "needs AND d <= 3600",
    "responded_24h": "needs AND d <= 86400", "answered_within_window": "in_window",
    "unanswered": "needs AND NOT in_window AND settled", "pending": "needs AND NOT in_window AND NOT settled",
    "needs_response_office": "needs AND office", "responded_office": "responded AND office",
    "needs_response_off": "needs AND NOT office", "responded_off": "responded AND NOT office",
    "needs_response_gold": "need_source = 'gold'", "needs_response_predicted": "need_source = 'predicted'",
    "needs_response_heuristic": "need_source = 'heuristic'",
}
_RESPONSE_METRICS = {"responses": "responded"}
_RECIP_METRICS = ("reply_recipients", "reciprocated", "reciprocity")
STORED_METRICS = frozenset({*_POLICE_METRICS, *_INBOUND_METRICS, *_RESPONSE_METRICS})  # read from StoredFit


def behind_without_fit(project: Project, metric: str, params: MetricParams | None = None) -> bool:
    """Whether `posts_behind` answers for this figure without the fit now: a police, inbound, response,
    conversation, reciprocity or code-mix figure, while the rollup is fresh."""
    from peelian.metrics.rollup import stored_fit

    return _stored(metric) and stored_fit(project, params or MetricParams()) is not None


def _stored(metric: str) -> bool:
    """Whether the rows kept with the rollup hold this figure's posts: a police, inbound, response,
    conversation or reciprocity figure, or a code mix (over the kept police and inbound rows and the codes)."""
    return metric in STORED_METRICS or metric.startswith("dialogue_") or metric in _RECIP_METRICS or is_mix(metric)


def is_mix(metric: str) -> bool:
    """Whether the figure is a code mix's column (`<dimension>_share_<code>` or the mix's total
    `<dimension>_n`), whose posts are read through the dimension's codes (`_mix_posts_sql`)."""
    return "_share_" in metric or (metric.split("_")[0] in MIX_DIMENSIONS and metric.endswith("_n"))


def posts_behind(project: Project, metric: str, filters: Filters | None = None,
                 params: MetricParams | None = None, *, limit: int | None = 1000, offset: int = 0,
                 stored: bool = True, **cell: Any) -> list[tuple[str, str]]:
    """The (platform, post_id) of the posts a figure was computed from, oldest first.

    `cell` narrows to one table cell: force, account_type, account, platform, and period
    (with period_type week|month|quarter, default month) or month. Police-post figures
    give the police posts; response figures the inbound posts (`responses`: the police
    responses); dialogue figures every post of the conversations; reciprocity the first
    police replies; a share column `<dimension>_share_<code>` the posts with that code.

    They are read from the rows kept with the rollup while it is fresh (`behind_without_fit`;
    `stored=False`: the fit).
    """
    nids, dialogue = _behind(project, metric, filters, params, limit, offset, stored, cell)
    if not nids:
        return []
    found = {r["nid"]: (r["platform"], r["post_id"]) for r in dialogue.query(  # a join: a long IN list is slow
        "SELECT p.rowid AS nid, p.platform, p.post_id FROM posts p SEMI JOIN (SELECT unnest(?) AS nid) k "
        "ON k.nid = p.rowid", [nids])}
    return [found[n] for n in nids if n in found]


def rows_behind(project: Project, metric: str, filters: Filters | None = None,
                params: MetricParams | None = None, *, limit: int | None = 1000, offset: int = 0,
                stored: bool = True, **cell: Any) -> list[int]:
    """The posts of `posts_behind` as row ids of `posts`, oldest first: what the explorer filters on,
    valid while the data do not change."""
    return _behind(project, metric, filters, params, limit, offset, stored, cell)[0]


def _behind(project: Project, metric: str, filters: Filters | None, params: MetricParams | None,
            limit: int | None, offset: int, stored: bool, cell: dict[str, Any]) -> tuple[list[int], Any]:
    """(the row ids of the posts behind a figure, oldest first; the fit, or what stands in for it)."""
    from peelian.metrics.rollup import stored_fit

    params, filters = _defaults(params, filters)
    filters = _cell_filters(filters, cell)
    kept = stored_fit(project, params) if stored and _stored(metric) else None
    dialogue = kept or prepared(project, params)
    scope = Scope(dialogue, params, filters)
    where = scope.where()
    if metric in _POLICE_METRICS:
        sql = f"SELECT nid, t FROM ({family_sql(scope, 'police')}) WHERE {_POLICE_METRICS[metric]} AND {where}" + (
            "" if params.include_reposts or metric == "posts_repost" else " AND kind <> 'repost'")
    elif metric in _INBOUND_METRICS:
        sql = f"SELECT DISTINCT nid, t FROM ({inbound_sql(scope)}) WHERE {_INBOUND_METRICS[metric]} AND {where}"
    elif metric in _RESPONSE_METRICS:
        sql = f"SELECT DISTINCT resp_nid AS nid, resp_at AS t FROM ({inbound_sql(scope)}) WHERE responded AND {where}"
    elif metric.startswith("dialogue_"):
        sql = (f"SELECT DISTINCT post_nid AS nid, post_t AS t FROM ({family_sql(scope, 'dialog_posts')}) "
               f"WHERE {where}{_conversations_up_to(scope, limit, offset)}")
    elif metric in _RECIP_METRICS:
        cond = "reciprocated" if metric == "reciprocated" else "TRUE"
        sql = f"SELECT nid, t FROM ({family_sql(scope, 'recip')}) WHERE {cond} AND {where}"
    elif is_mix(metric):
        sql = _mix_posts_sql(scope, metric)
    else:
        raise MetricsError(f"no posts are kept behind {metric!r}")
    if limit and sql.startswith("SELECT DISTINCT "):
        return _first_distinct(dialogue, sql.removeprefix("SELECT DISTINCT "), int(limit), int(offset)), dialogue
    page = (f" LIMIT {int(limit)}" if limit else "") + (f" OFFSET {int(offset)}" if offset else "")
    return [r["nid"] for r in dialogue.query(f"SELECT nid FROM ({sql}) ORDER BY t, nid{page}")], dialogue


def _conversations_up_to(scope: Scope, limit: int | None, offset: int) -> str:
    """A bound on the conversations whose posts can be among the first `limit + offset` behind a dialogue
    figure, so a page does not read the posts of every conversation (9 M at 10 M posts): the n conversations
    whose first counted post comes first give n distinct posts by the last of those times (T), and a
    conversation starting (`t`, never after its first counted post) after T holds no post before it."""
    if not limit:
        return ""
    rows = scope.dialogue.query(f"""
        SELECT max(first_t) AS t FROM (
            SELECT conv, min(first_t) AS first_t FROM ({family_sql(scope, 'dialog_first')})
            WHERE first_t IS NOT NULL AND {scope.where()}
            GROUP BY conv ORDER BY first_t LIMIT {int(limit) + int(offset)})""")
    cutoff = rows[0]["t"] if rows else None
    return " AND FALSE" if cutoff is None else f" AND t <= TIMESTAMP '{cutoff.isoformat(sep=' ')}'"


class _Queries(Protocol):
    """What `_first_distinct` reads through: the fit, the rows kept with the rollup, or any other query."""

    def query(self, sql: str) -> list[dict[str, Any]]: ...


def _first_distinct(dialogue: _Queries, select: str, limit: int, offset: int) -> list[int]:
    """`SELECT DISTINCT nid, t ... ORDER BY t, nid LIMIT limit OFFSET offset` without the DISTINCT over every
    row (most of the time on millions): a post's rows (one per force addressed) share its time, so they are
    next to each other in that order; read the first rows sorted, more until enough distinct ones are read."""
    want, take = limit + offset, 2 * (limit + offset)
    while True:
        rows = dialogue.query(f"SELECT nid, t FROM (SELECT {select}) ORDER BY t, nid LIMIT {take}")
        distinct = [r["nid"] for i, r in enumerate(rows)
                    if i == 0 or (r["nid"], r["t"]) != (rows[i - 1]["nid"], rows[i - 1]["t"])]
        if len(distinct) >= want or len(rows) < take:
            return distinct[offset:want]
        take *= 4


def _cell_filters(filters: Filters, cell: dict[str, Any]) -> Filters:
    cell = dict(cell)
    period_type = cell.pop("period_type", "month")
    start = cell.pop("period", None) or cell.pop("month", None)
    if "month" in cell:
        cell.pop("month")
    updates: dict[str, Any] = {}
    for key, field in (("force", "force"), ("account_type", "account_type"), ("account", "account_id"),
                       ("account_id", "account_id"), ("platform", "platform")):
        if key in cell:
            updates[field] = cell.pop(key)
    if cell:
        raise MetricsError(f"unknown cell key(s): {', '.join(cell)}")
    if start is not None:
        start = date.fromisoformat(start) if isinstance(start, str) else start
        start = period_start(start, period_type)
        end = period_after(start, period_type) - timedelta(days=1)
        lo = max(start, filters.date_from) if filters.date_from else start
        hi = min(end, filters.date_to) if filters.date_to else end
        updates.update(date_from=lo, date_to=hi)
    return filters.replace(**updates)


def _mix_posts_sql(scope: Scope, metric: str) -> str:
    if metric.endswith("_n"):
        dimension, code = metric[:-2], None
    else:
        dimension, code = metric.split("_share_", 1)
        for suffix in ("_adjusted", "_low", "_high"):
            code = code.removesuffix(suffix)
    if dimension not in CODE_SCOPES:
        raise MetricsError(f"no posts are kept behind {metric!r}")
    which = CODE_SCOPES[dimension][0]
    if which == "inbound":
        family, cond = f"SELECT *, has_question AS hit FROM ({family_sql(scope, 'inbound')})", "TRUE"
        heuristic = "CASE WHEN hit THEN ['question'] ELSE ['unknown'] END"
    else:
        family = f"SELECT *, to_citizen AS hit FROM ({police_sql(scope)})"
        cond = {"police": "TRUE", "original": "kind = 'original'", "to_citizen": "to_citizen"}[which]
        heuristic = ("CASE WHEN hit THEN ['engage'] ELSE ['unknown'] END" if dimension == "mode"
                     else "['unknown']")
    if code is None:  # every post of the mix, whatever its codes (a post has one row of codes at most)
        return f"SELECT DISTINCT x.nid, x.t FROM ({family}) x WHERE {cond} AND {scope.where()}"
    has = f"list_contains(coalesce(c.codes, {heuristic}), {sql_literal(code)})"
    return f"""SELECT DISTINCT x.nid, x.t FROM ({family}) x
               LEFT JOIN {scope.dialogue.codes(dimension)} c ON c.nid = x.nid
               WHERE {cond} AND {has} AND {scope.where()}"""

