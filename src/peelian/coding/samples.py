"""Coding samples: which posts each coder codes, with an overlap coded by everyone.

A sample draws posts from the population the codebook applies to (optionally one
dimension's scope), by a named strategy: `random`, `stratified` (proportional allocation
over any post or account column, plus the derived `month` and `year`), or a strategy
registered by another layer (`register_strategy`, e.g. the classifier's `uncertainty`).
A caller may also pass pre-chosen `post_ids`. A share `overlap` of the sample is assigned
to every coder (the reliability subsample); the rest is split evenly between coders.
The same seed, population and parameters give the same sample.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import orjson

from peelian.coding.codebook import Codebook, Dimension, active_codebook
from peelian.errors import NotFoundError, SampleError
from peelian.store.project import Project, utcnow

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
DERIVED_COLUMNS = {"month": "strftime(p.created_at, '%Y-%m')", "year": "CAST(year(p.created_at) AS VARCHAR)"}
BUILTIN_STRATEGIES = ("random", "stratified")

PostKey = tuple[str, str]


@dataclass
class SamplingContext:
    """What a sampling strategy gets: the eligible posts as SQL and the sampling parameters.

    `population_sql` selects `platform, post_id` from `posts p` (optionally joined to
    `accounts a`); a strategy returns the chosen keys in the order coders should see them.
    """

    project: Project
    codebook: Codebook
    population_sql: str
    size: int
    rng: np.random.Generator
    seed: int
    stratify: list[str]
    dimension: Dimension | None
    details: dict[str, Any] = field(default_factory=dict)


SamplingStrategy = Callable[[SamplingContext], list[PostKey]]
_STRATEGIES: dict[str, SamplingStrategy] = {}


def register_strategy(name: str, strategy: SamplingStrategy) -> None:
    """Make `strategy` available as `create_sample(..., strategy=name)` (and on the CLI)."""
    if not NAME_RE.match(name):
        raise SampleError(f"strategy name {name!r} must be a simple identifier")
    _STRATEGIES[name] = strategy


def available_strategies() -> list[str]:
    return sorted(_STRATEGIES)


@dataclass
class Sample:
    """A stored sample and its design."""

    name: str
    created_at: datetime
    strategy: str
    seed: int | None
    codebook_version: str | None
    params: dict[str, Any]

    @property
    def coders(self) -> list[str]:
        return list(self.params.get("coders", []))

    @property
    def size(self) -> int:
        return int(self.params.get("size", 0))

    @property
    def n_overlap(self) -> int:
        return int(self.params.get("n_overlap", 0))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "created_at": self.created_at, "strategy": self.strategy, "seed": self.seed,
                "codebook_version": self.codebook_version, **self.params}


# ---- strategies ------------------------------------------------------------------------------

def _population(ctx: SamplingContext, columns: str = "p.platform, p.post_id") -> list[tuple]:
    cur = ctx.project.cursor()
    try:
        return cur.execute(f"SELECT {columns} FROM ({ctx.population_sql}) p ORDER BY p.platform, p.post_id") \
            .fetchall()
    finally:
        cur.close()


def _check_size(ctx: SamplingContext, available: int) -> None:
    if available == 0:
        raise SampleError("no eligible posts: the project has no posts that the codebook"
                          + (f" dimension {ctx.dimension.id!r}" if ctx.dimension else "")
                          + " applies to and that are not already in a sample")
    if ctx.size > available:
        raise SampleError(f"only {available:,} posts are eligible; ask for at most {available:,} "
                          "(posts already in another sample are left out)")


def random_strategy(ctx: SamplingContext) -> list[PostKey]:
    """A simple random sample without replacement."""
    keys = _population(ctx)
    _check_size(ctx, len(keys))
    chosen = ctx.rng.choice(len(keys), size=ctx.size, replace=False)
    return [(keys[i][0], keys[i][1]) for i in chosen]


def stratified_strategy(ctx: SamplingContext) -> list[PostKey]:
    """Proportional allocation over the strata (largest remainder), random within each stratum."""
    if not ctx.stratify:
        raise SampleError("a stratified sample needs --stratify (e.g. force,account_type,month)")
    exprs = _stratum_expressions(ctx.project, ctx.stratify)
    rows = _population(ctx, "p.platform, p.post_id, " + ", ".join(f"p.s{i}" for i in range(len(exprs))))
    _check_size(ctx, len(rows))
    strata: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        strata.setdefault(tuple("(none)" if v is None else str(v) for v in row[2:]), []).append(i)
    names = sorted(strata)
    sizes = np.array([len(strata[s]) for s in names], dtype=float)
    quota = sizes * ctx.size / sizes.sum()
    alloc = np.floor(quota).astype(int)
    remainder = quota - alloc
    short = ctx.size - int(alloc.sum())
    if short:
        tiebreak = ctx.rng.random(len(names))
        order = np.lexsort((tiebreak, -remainder))
        alloc[order[:short]] += 1
    chosen: list[int] = []
    for stratum, k in zip(names, alloc, strict=True):
        if k:
            members = strata[stratum]
            chosen.extend(members[i] for i in ctx.rng.choice(len(members), size=int(k), replace=False))
    order = ctx.rng.permutation(len(chosen))
    ctx.details["strata"] = [
        {"stratum": dict(zip(ctx.stratify, s, strict=True)), "population": int(n), "drawn": int(k)}
        for s, n, k in zip(names, sizes, alloc, strict=True)
    ]
    return [(rows[chosen[i]][0], rows[chosen[i]][1]) for i in order]


register_strategy("random", random_strategy)
register_strategy("stratified", stratified_strategy)


def stratum_columns(project: Project) -> dict[str, str]:
    """Every name `--stratify` accepts and the SQL it stands for."""
    posts = [r["column_name"] for r in project.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'posts' ORDER BY ordinal_position")]
    accounts = [r["column_name"] for r in project.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'accounts' "
        "ORDER BY ordinal_position")]
    out: dict[str, str] = {}
    for col in accounts:
        out[col] = f'a."{col}"'
    for col in posts:
        out[col] = f'p."{col}"'
        if col.startswith("author_") and col[7:] not in posts:
            out[col[7:]] = f'p."{col}"'
    out.update(DERIVED_COLUMNS)
    return out


def _stratum_expressions(project: Project, names: list[str]) -> list[str]:
    known = stratum_columns(project)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SampleError(f"cannot stratify by {', '.join(map(repr, unknown))}; use post or account columns "
                          f"or month/year: {', '.join(sorted(known))}")
    return [known[n] for n in names]


# ---- creating and reading samples -------------------------------------------------------------

def create_sample(project: Project, name: str, size: int | None = None, *, strategy: str = "random",
                  stratify: Sequence[str] | None = None, overlap: float = 0.25, coders: Sequence[str] = (),
                  seed: int | None = None, dimension: str | None = None,
                  post_ids: Sequence[PostKey | str] | None = None, exclude_sampled: bool = True,
                  shuffle: bool = True) -> Sample:
    """Draw a sample and assign it to coders; see the module docstring for the design.

    `post_ids` (pairs of platform and post id, or bare ids when unambiguous) skips drawing;
    `strategy` then names how they were chosen (e.g. "uncertainty"). `exclude_sampled` leaves
    out posts already in another sample. `shuffle` gives each coder their own random order.
    """
    if not NAME_RE.match(name or ""):
        raise SampleError(f"sample name {name!r} must start with a letter or digit and hold only letters, digits, "
                          "'_', '.' or '-' (at most 64)")
    coders = list(dict.fromkeys(c.strip() for c in coders if c.strip()))
    if not coders:
        raise SampleError("a sample needs at least one coder (e.g. --coders ana,ben,cy)")
    bad = [c for c in coders if not NAME_RE.match(c)]
    if bad:
        raise SampleError(f"coder names must be simple identifiers: {', '.join(map(repr, bad))}")
    if not 0.0 <= overlap <= 1.0:
        raise SampleError(f"overlap must be a share between 0 and 1, got {overlap}")
    stratify = [s.strip() for s in (stratify or []) if s.strip()]
    if project.scalar("SELECT count(*) FROM samples WHERE sample_name = ?", [name]):
        raise SampleError(f"a sample named {name!r} already exists; choose another name")
    codebook = active_codebook(project)
    dim = codebook.dimension(dimension) if dimension else None
    if seed is None:
        seed = secrets.randbelow(2**31)
    rng = np.random.default_rng(seed)
    scope = dim.scope_sql("p") if dim else codebook.scope_sql("p")
    population = f"SELECT p.platform, p.post_id FROM posts p WHERE {scope} AND coalesce(trim(p.text), '') <> ''"

    details: dict[str, Any] = {}
    if post_ids is not None:
        chosen = _resolve_post_ids(project, post_ids, scope)
        if strategy in BUILTIN_STRATEGIES:
            strategy = "given"
        if not chosen:
            raise SampleError("post_ids is empty")
    else:
        if strategy not in _STRATEGIES:
            raise SampleError(f"unknown sampling strategy {strategy!r} (known: {', '.join(available_strategies())})")
        if size is None or size < 1:
            raise SampleError("the sample size must be at least 1")
        if stratify and strategy == "random":
            strategy = "stratified"
        strata_select = ""
        joins = ""
        if stratify:
            exprs = _stratum_expressions(project, stratify)
            strata_select = "".join(f", {e} AS s{i}" for i, e in enumerate(exprs))
            if any(e.startswith("a.") for e in exprs):
                joins = " LEFT JOIN accounts a ON a.platform = p.platform AND a.account_id = p.author_id"
        population = (f"SELECT p.platform, p.post_id{strata_select} FROM posts p{joins} WHERE {scope} "
                      "AND coalesce(trim(p.text), '') <> ''")
        if exclude_sampled:
            population += (" AND NOT EXISTS (SELECT 1 FROM sample_items s WHERE s.platform = p.platform "
                           "AND s.post_id = p.post_id)")
        ctx = SamplingContext(project=project, codebook=codebook, population_sql=population, size=size, rng=rng,
                              seed=seed, stratify=stratify, dimension=dim, details=details)
        chosen = list(dict.fromkeys(_STRATEGIES[strategy](ctx)))
        if not chosen:
            raise SampleError(f"strategy {strategy!r} chose no posts")

    n_overlap = round(len(chosen) * overlap) if len(coders) > 1 else 0
    assignment: dict[str, list[tuple[PostKey, bool]]] = {c: [(k, True) for k in chosen[:n_overlap]] for c in coders}
    for i, key in enumerate(chosen[n_overlap:]):
        assignment[coders[i % len(coders)]].append((key, False))
    rows = []
    for coder in coders:
        items = assignment[coder]
        order = rng.permutation(len(items)) if shuffle else np.arange(len(items))
        for position, idx in enumerate(order, start=1):
            (platform, post_id), is_overlap = items[idx]
            rows.append((name, platform, post_id, coder, position, is_overlap))
    params = {
        "size": len(chosen), "requested_size": size, "overlap": overlap, "n_overlap": n_overlap, "coders": coders,
        "stratify": stratify, "dimension": dimension, "codebook_id": codebook.id, "exclude_sampled": exclude_sampled,
        "shuffle": shuffle, "population": "scope of " + (f"dimension {dim.id}" if dim else "the codebook"),
        **details,
    }
    with project.transaction() as con:
        if con.execute("SELECT count(*) FROM samples WHERE sample_name = ?", [name]).fetchone()[0]:
            raise SampleError(f"a sample named {name!r} already exists; choose another name")
        con.execute("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?)",
                    [name, utcnow(), strategy, seed, codebook.version, orjson.dumps(params).decode()])
        con.execute("INSERT INTO sample_items SELECT unnest(?), unnest(?), unnest(?), unnest(?), unnest(?), "
                    "unnest(?)", [list(c) for c in zip(*rows, strict=True)])
    project.audit("sample_create", target=name, detail={"strategy": strategy, "size": len(chosen), "coders": coders})
    return get_sample(project, name)


def _resolve_post_ids(project: Project, post_ids: Sequence[PostKey | str], scope: str) -> list[PostKey]:
    pairs = [tuple(p) if not isinstance(p, str) else (None, p) for p in post_ids]
    platforms = [p[0] or "" for p in pairs]
    ids = [str(p[1]) for p in pairs]
    cur = project.cursor()
    try:
        found = cur.execute(
            f"SELECT k.i, p.platform, p.post_id, {scope} AS in_scope FROM posts p JOIN "
            "(SELECT unnest(?) AS platform, unnest(?) AS post_id, unnest(range(?)) AS i) k "
            "ON p.post_id = k.post_id AND (k.platform = '' OR p.platform = k.platform)",
            [platforms, ids, len(ids)]).fetchall()
    finally:
        cur.close()
    matches: dict[int, list[tuple[str, str, bool]]] = {}
    for i, platform, post_id, in_scope in found:
        matches.setdefault(i, []).append((platform, post_id, bool(in_scope)))
    problems, chosen = [], []
    for i, (platform, post_id) in enumerate(zip(platforms, ids, strict=True)):
        hits = matches.get(i, [])
        label = f"{platform}:{post_id}" if platform else post_id
        if not hits:
            problems.append(f"{label} is not in the project")
        elif len(hits) > 1:
            problems.append(f"{label} exists on several platforms ({', '.join(h[0] for h in hits)}); "
                            "pass (platform, post_id)")
        elif not hits[0][2]:
            problems.append(f"{label} is outside the codebook's scope")
        else:
            chosen.append((hits[0][0], hits[0][1]))
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise SampleError(f"{len(problems)} of the given posts cannot be sampled:\n  " + "\n  ".join(shown))
    return list(dict.fromkeys(chosen))


def get_sample(project: Project, name: str) -> Sample:
    rows = project.query("SELECT * FROM samples WHERE sample_name = ?", [name])
    if not rows:
        known = [r["sample_name"] for r in project.query("SELECT sample_name FROM samples ORDER BY created_at")]
        raise NotFoundError(f"no sample named {name!r} (samples: {', '.join(known) or 'none yet'})")
    r = rows[0]
    return Sample(name=r["sample_name"], created_at=r["created_at"], strategy=r["strategy"], seed=r["seed"],
                  codebook_version=r["codebook_version"], params=orjson.loads(r["params"]) if r["params"] else {})


def list_samples(project: Project) -> list[dict[str, Any]]:
    """Every sample with its design and each coder's progress (posts with at least one coding in force)."""
    from peelian.coding.codings import effective_codings  # codings imports this module

    out = []
    started: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for c in effective_codings(project):
        if c.sample is not None:
            started.setdefault((c.sample, c.coder), set()).add((c.platform, c.post_id))
    assigned = project.query("SELECT sample_name, coder, count(*) AS n FROM sample_items GROUP BY ALL "
                             "ORDER BY sample_name, coder")
    for name in [r["sample_name"] for r in project.query("SELECT sample_name FROM samples ORDER BY created_at")]:
        sample = get_sample(project, name)
        progress = [{"coder": a["coder"], "assigned": a["n"], "started": len(started.get((name, a["coder"]), ()))}
                    for a in assigned if a["sample_name"] == name]
        out.append({**sample.to_dict(), "progress": progress})
    return out


def sample_items(project: Project, name: str, coder: str | None = None) -> list[dict[str, Any]]:
    """The assignment rows of a sample, in each coder's order."""
    get_sample(project, name)
    sql = "SELECT * FROM sample_items WHERE sample_name = ?"
    params: list[Any] = [name]
    if coder is not None:
        sql += " AND coder = ?"
        params.append(coder)
    return project.query(sql + " ORDER BY coder, position", params)


# ---- thread context ----------------------------------------------------------------------------

POST_COLUMNS = ("platform", "post_id", "text", "created_at", "author_handle", "author_role", "author_account_type",
                "author_force", "kind", "url", "language", "reply_to_post_id", "conversation_id", "quoted_post_id",
                "like_count", "reply_count", "repost_count")


@dataclass
class ThreadContext:
    """A post with what a coder needs to read it: its parent, the thread start and earlier replies."""

    post: dict[str, Any]
    parent: dict[str, Any] | None
    root: dict[str, Any] | None
    thread: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"post": self.post, "parent": self.parent, "root": self.root, "thread": self.thread}


def thread_context(project: Project, platform: str, post_id: str, *, limit: int = 20) -> ThreadContext:
    """The post, its parent, the first post of its conversation and up to `limit` earlier posts in it.

    Three narrow queries with simple equality filters, which DuckDB pushes into the scan:
    well under 50 ms on a project of a million posts without any index.
    """
    cols = ", ".join(POST_COLUMNS)
    cur = project.cursor()
    try:
        row = cur.execute(f"SELECT {cols} FROM posts WHERE platform = ? AND post_id = ? LIMIT 1",
                          [platform, post_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no post {post_id!r} on {platform!r} in the project")
        post = dict(zip(POST_COLUMNS, row, strict=True))
        parent_id, conversation = post["reply_to_post_id"], post["conversation_id"]
        if conversation == post_id:
            conversation = None
        found: dict[str, dict[str, Any]] = {}
        if conversation:
            if post["created_at"] is not None:
                rows = cur.execute(
                    f"SELECT {cols} FROM posts WHERE platform = ? AND conversation_id = ? AND created_at <= ? "
                    "AND post_id <> ? ORDER BY created_at DESC LIMIT ?",
                    [platform, conversation, post["created_at"], post_id, limit]).fetchall()
            else:
                rows = cur.execute(f"SELECT {cols} FROM posts WHERE platform = ? AND conversation_id = ? "
                                   "AND post_id <> ? LIMIT ?", [platform, conversation, post_id, limit]).fetchall()
            found = {r[1]: dict(zip(POST_COLUMNS, r, strict=True)) for r in rows}
        missing = [x for x in (parent_id, conversation) if x and x != post_id and x not in found]
        if missing:
            for r in cur.execute(f"SELECT {cols} FROM posts WHERE platform = ? AND list_contains(?, post_id)",
                                 [platform, missing]).fetchall():
                found[r[1]] = dict(zip(POST_COLUMNS, r, strict=True))
    finally:
        cur.close()
    thread = sorted(found.values(), key=lambda p: (p["created_at"] is None, p["created_at"] or datetime.min))
    return ThreadContext(post=post, parent=found.get(parent_id) if parent_id else None,
                         root=found.get(conversation) if conversation else None, thread=thread)

