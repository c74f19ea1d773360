"""Human codings: append-only rows, the coder's queue, and what the coding interface shows.

The `codings` table is never updated or deleted from, so the full history of every
decision is kept (who, when, under which codebook version, from the web or a sheet).
A coder who changes a code adds a new row; `undo_last` adds a row with status
`retracted`. The *effective* coding of a (sample, post, coder, dimension) is found by
replaying its rows in order as a stack: `coded`, `skipped` and `flagged` rows push,
`retracted` rows pop. Undo therefore steps back through changes one at a time, across
posts, exactly like an editor's undo, and never loses the record of what happened.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from peelian.coding.codebook import Codebook, Dimension, active_codebook
from peelian.coding.samples import ThreadContext, thread_context
from peelian.errors import CodingError, NotAssignedError, NotFoundError
from peelian.store.project import Project, utcnow

STATUSES = ("coded", "skipped", "flagged")
RETRACTED = "retracted"
CODING_COLUMNS = ("coding_id", "sample_name", "platform", "post_id", "coder", "dimension", "codes", "status", "note",
                  "codebook_version", "source", "created_at")

_write_lock = threading.RLock()


@dataclass
class Coding:
    """One row of the codings table."""

    coding_id: int
    sample: str | None
    platform: str
    post_id: str
    coder: str
    dimension: str
    codes: list[str]
    status: str
    note: str | None
    codebook_version: str
    source: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Coding:
        (coding_id, sample, platform, post_id, coder, dimension, codes, status, note, version, source,
         created_at) = row
        return cls(coding_id, sample, platform, post_id, coder, dimension, list(codes or []), status, note, version,
                   source, created_at)

    @property
    def key(self) -> tuple[str | None, str, str, str, str]:
        return (self.sample, self.platform, self.post_id, self.coder, self.dimension)

    @property
    def is_value(self) -> bool:
        """Whether this coding counts as a value for reliability and majority rule."""
        return self.status == "coded" or (self.status == "flagged" and bool(self.codes))

    def to_dict(self) -> dict[str, Any]:
        return {"coding_id": self.coding_id, "sample": self.sample, "platform": self.platform,
                "post_id": self.post_id, "coder": self.coder, "dimension": self.dimension, "codes": self.codes,
                "status": self.status, "note": self.note, "codebook_version": self.codebook_version,
                "source": self.source, "created_at": self.created_at}


def replay(rows: Iterable[Coding]) -> tuple[dict[tuple, Coding], list[Coding]]:
    """Effective coding per key, and the rows still in force (for undo), from rows in id order."""
    stacks: dict[tuple, list[Coding]] = {}
    for row in rows:
        stack = stacks.setdefault(row.key, [])
        if row.status == RETRACTED:
            if stack:
                stack.pop()
        else:
            stack.append(row)
    effective = {k: s[-1] for k, s in stacks.items() if s}
    in_force = [c for s in stacks.values() for c in s]
    return effective, in_force


def _fetch(project: Project, where: str, params: list[Any]) -> list[Coding]:
    cur = project.cursor()
    try:
        rows = cur.execute(f"SELECT {', '.join(CODING_COLUMNS)} FROM codings WHERE {where} ORDER BY coding_id",
                           params).fetchall()
    finally:
        cur.close()
    return [Coding.from_row(r) for r in rows]


def effective_codings(project: Project, *, sample: str | None = None, coder: str | None = None,
                      dimension: str | None = None, platform: str | None = None,
                      post_id: str | None = None) -> list[Coding]:
    """The codings in force (latest decision per sample, post, coder and dimension, after undos)."""
    clauses, params = ["TRUE"], []
    for column, value in (("sample_name", sample), ("coder", coder), ("dimension", dimension),
                          ("platform", platform), ("post_id", post_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    effective, _ = replay(_fetch(project, " AND ".join(clauses), params))
    return sorted(effective.values(), key=lambda c: c.coding_id)


def coding_history(project: Project, *, sample: str | None = None, coder: str | None = None,
                   limit: int | None = None) -> list[dict[str, Any]]:
    """Every row, newest first, including retractions (the audit view of `codings list`)."""
    clauses, params = ["TRUE"], []
    if sample is not None:
        clauses.append("sample_name = ?")
        params.append(sample)
    if coder is not None:
        clauses.append("coder = ?")
        params.append(coder)
    sql = f"SELECT * FROM codings WHERE {' AND '.join(clauses)} ORDER BY coding_id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return project.query(sql, params)


# ---- validation shared by the web route and the sheet route --------------------------------------

def validate_codes(dimension: Dimension, codes: Sequence[str] | None, status: str) -> list[str]:
    """Checked, de-duplicated codes; raises CodingError naming the valid codes."""
    if status not in STATUSES:
        raise CodingError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if isinstance(codes, str):
        codes = [codes]
    clean = list(dict.fromkeys(str(c).strip() for c in codes or [] if str(c).strip()))
    known = dimension.code_ids()
    unknown = [c for c in clean if c not in known]
    if unknown:
        raise CodingError(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for "
                          f"dimension {dimension.id!r} (its codes: {', '.join(known)})")
    if status == "skipped" and clean:
        raise CodingError("a skipped coding carries no codes")
    if status == "coded" and not dimension.multi_label and len(clean) != 1:
        raise CodingError(f"dimension {dimension.id!r} takes exactly one code, got {len(clean)}")
    if status == "flagged" and not dimension.multi_label and len(clean) > 1:
        raise CodingError(f"dimension {dimension.id!r} takes one code, got {len(clean)}")
    return clean


class _PostCache:
    """What the hot path needs about posts, kept per process: author role and kind of queued
    posts (so a queue needs no scan of posts per call) and recent thread contexts (the coding
    page asks for the item after the current one ahead of time, then shows it).

    Entries are valid while the project's posts are unchanged: the token is the latest import,
    the latest registry load (which re-tags authors) and the number of posts.
    """

    TOKEN_SQL = ("SELECT (SELECT max(import_id) FROM imports), (SELECT max(imported_at) FROM registry), "
                 "(SELECT count(*) FROM posts)")
    MAX_SCOPES = 500_000
    MAX_CONTEXTS = 2_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scopes: dict[str, tuple[tuple, dict[tuple[str, str], tuple[str | None, str | None]]]] = {}
        self._contexts: OrderedDict[tuple, ThreadContext] = OrderedDict()

    def token(self, project: Project) -> tuple:
        cur = project.cursor()
        try:
            return (str(project.path.resolve()), *cur.execute(self.TOKEN_SQL).fetchone())
        finally:
            cur.close()

    def scopes(self, project: Project, keys: list[tuple[str, str]], token: tuple | None = None
               ) -> dict[tuple[str, str], tuple[str | None, str | None]]:
        token = token or self.token(project)
        with self._lock:
            entry = self._scopes.get(token[0])
            if entry is None or entry[0] != token or len(entry[1]) > self.MAX_SCOPES:
                entry = (token, {})
                self._scopes[token[0]] = entry
            meta = entry[1]
            missing = list(dict.fromkeys(k for k in keys if k not in meta))
        found: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        if missing:
            cur = project.cursor()
            try:
                if len(missing) <= 4:
                    for platform, post_id in missing:
                        row = cur.execute("SELECT author_role, kind FROM posts WHERE platform = ? AND post_id = ? "
                                          "LIMIT 1", [platform, post_id]).fetchone()
                        if row is not None:
                            found[(platform, post_id)] = (row[0], row[1])
                else:
                    for platform, post_id, role, kind in cur.execute(
                            "SELECT platform, post_id, author_role, kind FROM posts WHERE list_contains(?, post_id)",
                            [[k[1] for k in missing]]).fetchall():
                        found[(platform, post_id)] = (role, kind)
            finally:
                cur.close()
        with self._lock:
            for key in missing:
                meta[key] = found.get(key, (None, None))
            return {k: meta[k] for k in keys}

    def context(self, project: Project, platform: str, post_id: str, token: tuple | None = None) -> ThreadContext:
        key = (*(token or self.token(project)), platform, post_id)
        with self._lock:
            ctx = self._contexts.get(key)
            if ctx is not None:
                self._contexts.move_to_end(key)
        if ctx is None:
            ctx = thread_context(project, platform, post_id)
            with self._lock:
                self._contexts[key] = ctx
                while len(self._contexts) > self.MAX_CONTEXTS:
                    self._contexts.popitem(last=False)
        return ThreadContext(post=dict(ctx.post), parent=dict(ctx.parent) if ctx.parent else None,
                             root=dict(ctx.root) if ctx.root else None, thread=[dict(p) for p in ctx.thread])


_post_cache = _PostCache()


def _post_scope(project: Project, platform: str, post_id: str) -> tuple[str, str]:
    role, kind = _post_cache.scopes(project, [(platform, post_id)])[(platform, post_id)]
    if kind is None:
        raise NotFoundError(f"no post {post_id!r} on {platform!r} in the project")
    return role, kind  # type: ignore[return-value]


def assigned_samples(project: Project, coder: str, platform: str, post_id: str) -> list[str]:
    """The samples in which this post is assigned to this coder (none: the post is outside their work)."""
    return [r["sample_name"] for r in project.query(
        "SELECT sample_name FROM sample_items WHERE coder = ? AND platform = ? AND post_id = ? ORDER BY sample_name",
        [coder, platform, post_id])]


def _not_assigned(coder: str, platform: str, post_id: str, sample: str | None) -> NotAssignedError:
    where = f"sample {sample!r}" if sample is not None else "any sample"
    return NotAssignedError(f"post {post_id!r} on {platform} is not assigned to {coder!r} in {where}; coders read "
                            "and code only the posts of their samples (an analyst can code any post)")


def record_coding(project: Project, coder: str, platform: str, post_id: str, dimension: str,
                  codes: Sequence[str] | str | None, note: str | None = None, status: str = "coded",
                  sample: str | None = None, source: str = "web", *, assigned_only: bool = False) -> Coding:
    """Append one coder's decision on one dimension of one post, checked against the active codebook.

    A multi-label dimension may be coded with no code ("none of these apply"); a single-label
    one needs exactly one. With `sample=None` the coding is filed under the coder's only sample
    holding the post, or under no sample when the post is not assigned to them. With
    `assigned_only` (a coder, as opposed to an analyst) a post outside the coder's samples
    raises NotAssignedError and nothing is written.
    """
    coder = (coder or "").strip()
    if not coder:
        raise CodingError("a coding needs a coder")
    codebook = active_codebook(project)
    dim = _dimension(codebook, dimension)
    clean = validate_codes(dim, codes, status)
    role, kind = _post_scope(project, platform, post_id)
    if not dim.applies_to(role, kind):
        raise CodingError(f"dimension {dim.id!r} applies to {dim.scope_text()}, not to this {role} {kind}")
    assigned = assigned_samples(project, coder, platform, post_id)
    if assigned_only and (not assigned or (sample is not None and sample not in assigned)):
        raise _not_assigned(coder, platform, post_id, sample)
    if sample is not None:
        if sample not in assigned:
            raise CodingError(f"post {post_id!r} is not assigned to {coder!r} in sample {sample!r}")
    elif len(assigned) == 1:
        sample = assigned[0]
    note = note.strip() if note and note.strip() else None
    row = [sample, platform, post_id, coder, dim.id, clean, status, note, codebook.version, source, utcnow()]
    return insert_codings(project, [row])[0]


def _dimension(codebook: Codebook, dimension: str) -> Dimension:
    try:
        return codebook.dimension(dimension)
    except Exception as exc:
        raise CodingError(str(exc)) from exc


def insert_codings(project: Project, rows: list[list[Any]]) -> list[Coding]:
    """Append rows (everything but the id) in one statement and transaction."""
    columns = list(zip(*rows, strict=True))
    placeholders = ", ".join("unnest(?)" for _ in columns)
    with _write_lock, project.transaction() as con:
        result = con.execute(
            f"INSERT INTO codings SELECT nextval('codings_seq'), * FROM (SELECT {placeholders}) "
            f"RETURNING {', '.join(CODING_COLUMNS)}", [list(c) for c in columns]).fetchall()
    return sorted((Coding.from_row(r) for r in result), key=lambda c: c.coding_id)


def undo_last(project: Project, coder: str, sample: str | None = None, source: str = "web") -> Coding | None:
    """Retract the coder's latest decision still in force (append-only); returns the retracted coding.

    Repeated calls step further back. Returns None when there is nothing left to undo.
    """
    clauses, params = ["coder = ?"], [coder]
    if sample is not None:
        clauses.append("sample_name = ?")
        params.append(sample)
    with _write_lock:
        _, in_force = replay(_fetch(project, " AND ".join(clauses), params))
        if not in_force:
            return None
        last = max(in_force, key=lambda c: c.coding_id)
        row = [last.sample, last.platform, last.post_id, last.coder, last.dimension, [], RETRACTED,
               f"undo of coding {last.coding_id}", last.codebook_version, source, utcnow()]
        insert_codings(project, [row])
    return last


# ---- the coder's queue and the item the interface shows -------------------------------------------

@dataclass
class QueueEntry:
    """One assigned post in a coder's queue and how far the coder has got with it."""

    sample: str
    position: int
    platform: str
    post_id: str
    is_overlap: bool
    dimensions: list[str]
    done: list[str]

    @property
    def status(self) -> str:
        if not self.dimensions:
            return "missing"
        if all(d in self.done for d in self.dimensions):
            return "done"
        return "partial" if self.done else "todo"

    def to_dict(self) -> dict[str, Any]:
        return {"sample": self.sample, "position": self.position, "platform": self.platform, "post_id": self.post_id,
                "is_overlap": self.is_overlap, "dimensions": self.dimensions, "done": self.done,
                "status": self.status}


@dataclass
class CodingItem:
    """Everything the coding page shows for one post.

    `is_overlap` tells whether every coder of the sample codes this post; it is there for
    administrators, and an interface should not show it to coders (it invites extra care
    on exactly the posts reliability is measured on).
    """

    sample: str | None
    position: int | None
    post: dict[str, Any]
    parent: dict[str, Any] | None
    root: dict[str, Any] | None
    thread: list[dict[str, Any]]
    dimensions: list[dict[str, Any]]
    progress: dict[str, int]
    codebook_version: str
    is_overlap: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"sample": self.sample, "position": self.position, "is_overlap": self.is_overlap, "post": self.post,
                "parent": self.parent, "root": self.root, "thread": self.thread, "dimensions": self.dimensions,
                "progress": self.progress, "codebook_version": self.codebook_version}


def coding_queue(project: Project, coder: str, sample: str | None = None) -> list[QueueEntry]:
    """The coder's assigned posts in order (oldest sample first), with the dimensions done on each."""
    return _queue(project, coder, sample, active_codebook(project))[0]


_Current = dict[tuple[str | None, str, str], dict[str, Coding]]


def _queue(project: Project, coder: str, sample: str | None,
           codebook: Codebook) -> tuple[list[QueueEntry], _Current, tuple]:
    """The queue and the coder's codings in force, in as few queries as possible (this is the hot path)."""
    params: list[Any] = [coder]
    where = "si.coder = ?"
    if sample is not None:
        where += " AND si.sample_name = ?"
        params.append(sample)
    cur = project.cursor()
    try:
        rows = cur.execute(
            f"WITH t AS ({_PostCache.TOKEN_SQL}) "
            "SELECT si.sample_name, si.position, si.platform, si.post_id, si.is_overlap, t.* FROM t LEFT JOIN "
            f"(SELECT si.*, s.created_at FROM sample_items si JOIN samples s USING (sample_name) WHERE {where}) si "
            "ON TRUE ORDER BY si.created_at, si.sample_name, si.position", params).fetchall()
    finally:
        cur.close()
    token = (str(project.path.resolve()), *rows[0][5:])
    items = [r[:5] for r in rows if r[0] is not None]
    if not items and sample is not None and not project.scalar(
            "SELECT count(*) FROM samples WHERE sample_name = ?", [sample]):
        raise NotFoundError(f"no sample named {sample!r}")
    scope = _post_cache.scopes(project, [(r[2], r[3]) for r in items], token)
    current: _Current = {}
    if items:
        for c in effective_codings(project, coder=coder, sample=sample):
            current.setdefault((c.sample, c.platform, c.post_id), {})[c.dimension] = c
    out = []
    seen: set[tuple[str, str, str]] = set()
    for sample_name, position, platform, post_id, is_overlap in items:
        role, kind = scope[(platform, post_id)]
        key = (sample_name, platform, post_id)
        if key in seen:
            continue
        seen.add(key)
        dims = [d.id for d in codebook.dimensions_for(role, kind)] if kind is not None else []
        finished = current.get(key, {})
        out.append(QueueEntry(sample_name, position, platform, post_id, bool(is_overlap), dims,
                              [d for d in dims if d in finished]))
    return out, current, token


def next_item(project: Project, coder: str, sample: str | None = None) -> CodingItem | None:
    """The coder's first post not yet fully coded, with context and progress; None when all are done."""
    codebook = active_codebook(project)
    queue, current, token = _queue(project, coder, sample, codebook)
    for index, entry in enumerate(queue):
        if entry.status in ("todo", "partial"):
            return _build_item(project, codebook, queue, index, current=current, token=token)
    return None


def coding_item(project: Project, coder: str, platform: str, post_id: str,
                sample: str | None = None, *, assigned_only: bool = False) -> CodingItem:
    """A given post as the interface shows it (to go back, or to code a post outside the queue).

    With `assigned_only` (a coder) only posts of the coder's samples are shown, with their thread;
    any other post raises NotAssignedError, so a coder cannot read arbitrary posts this way.
    """
    codebook = active_codebook(project)
    queue, current, token = _queue(project, coder, sample, codebook)
    for index, entry in enumerate(queue):
        if entry.platform == platform and entry.post_id == post_id:
            return _build_item(project, codebook, queue, index, current=current, token=token)
    if assigned_only:
        raise _not_assigned(coder, platform, post_id, sample)
    outside = {c.dimension: c for c in effective_codings(project, coder=coder, platform=platform, post_id=post_id)}
    return _build_item(project, codebook, queue, None, current={(None, platform, post_id): outside}, token=token,
                       platform=platform, post_id=post_id)


def _build_item(project: Project, codebook: Codebook, queue: list[QueueEntry], index: int | None, *,
                current: _Current, token: tuple, platform: str | None = None,
                post_id: str | None = None) -> CodingItem:
    entry = queue[index] if index is not None else None
    if entry is not None:
        platform, post_id = entry.platform, entry.post_id
    assert platform is not None and post_id is not None
    ctx = _post_cache.context(project, platform, post_id, token)
    mine = current.get((entry.sample if entry else None, platform, post_id), {})
    dimensions = []
    for dim in codebook.dimensions_for(ctx.post["author_role"], ctx.post["kind"]):
        cur = mine.get(dim.id)
        dimensions.append({
            "id": dim.id, "label": dim.label, "description": dim.description, "multi_label": dim.multi_label,
            "codes": [{"id": c.id, "label": c.label, "key": c.key, "colour": c.colour, "definition": c.definition,
                       "include": c.include, "exclude": c.exclude, "examples": c.examples, "parent": c.parent}
                      for c in dim.codes],
            "current": {"codes": cur.codes, "status": cur.status, "note": cur.note, "coding_id": cur.coding_id}
            if cur else None,
        })
    progress = {"done": sum(1 for q in queue if q.status == "done"),
                "total": sum(1 for q in queue if q.status != "missing"),
                "index": (index + 1) if index is not None else 0}
    return CodingItem(sample=entry.sample if entry else None, position=entry.position if entry else None,
                      post=ctx.post, parent=ctx.parent, root=ctx.root, thread=ctx.thread, dimensions=dimensions,
                      progress=progress, codebook_version=codebook.version,
                      is_overlap=entry.is_overlap if entry else False)
