"""One conversation as a tree: who posted, when, how long after the post it answers, with codes.

The metrics rebuild every conversation at once (engine.Dialogue); this view rebuilds a
single one with a small recursive query, so showing a thread never costs a pass over
a large project. The rules are the same: the platform's conversation id where given,
else reply links; a link that goes back in time is cut; a reply whose parent is not in
the project starts an orphan branch, shown under its missing parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from peelian.errors import MetricsError, NotFoundError
from peelian.metrics.engine import MODEL_SQL, prepared
from peelian.metrics.params import MetricParams, format_duration
from peelian.store.project import Project

MAX_DEPTH = 10_000


@dataclass
class ThreadNode:
    platform: str
    post_id: str
    parent_id: str | None
    author_id: str | None
    author_handle: str | None
    author_role: str
    force: str | None
    account_type: str | None
    created_at: datetime | None
    kind: str
    text: str | None
    url: str | None
    depth: int = 0
    delay_since_parent_s: float | None = None
    orphan: bool = False  # its parent is missing from the project (or its link was cut)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    children: list[ThreadNode] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "children"}
        out["children"] = [c.to_dict() for c in self.children]
        return out


@dataclass
class Thread:
    """A conversation: its root nodes (the root post first, then orphan branches) and counts."""

    platform: str
    conversation_id: str
    roots: list[ThreadNode]
    posts: int
    orphan_branches: int
    police_posts: int
    citizen_posts: int

    def walk(self) -> list[ThreadNode]:
        """Nodes depth-first in reply order, for printing an indented tree."""
        out: list[ThreadNode] = []
        stack = list(reversed(self.roots))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    def lines(self, width: int = 100) -> list[str]:
        """The indented tree as text: who, when, delay since the parent, codes, text."""
        lines = []
        for node in self.walk():
            who = node.author_handle or node.author_id or "?"
            role = node.author_role + (f", {node.force}, {node.account_type}" if node.force else "")
            delay = f" +{format_duration(round(node.delay_since_parent_s))}" if node.delay_since_parent_s is not None \
                else ""
            missing = f"[parent {node.parent_id} missing] " if node.orphan and node.parent_id else ""
            codes = "; ".join(f"{d}={','.join(c['codes'])} ({c['source']})" for d, c in node.codes.items())
            text = " ".join((node.text or "").split())
            head = (f"{'  ' * node.depth}{missing}{node.post_id} @{who} ({role}) "
                    f"{node.created_at:%Y-%m-%d %H:%M}{delay}" if node.created_at else
                    f"{'  ' * node.depth}{missing}{node.post_id} @{who} ({role})")
            lines.append(head + (f"  [{codes}]" if codes else ""))
            if text:
                lines.append(f"{'  ' * node.depth}  {text[:width]}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {"platform": self.platform, "conversation_id": self.conversation_id, "posts": self.posts,
                "orphan_branches": self.orphan_branches, "police_posts": self.police_posts,
                "citizen_posts": self.citizen_posts, "roots": [r.to_dict() for r in self.roots]}


URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def recent_conversations(project: Project, *, limit: int | None = 20, platform: str | None = None,
                         force: str | None = None, min_posts: int = 2) -> list[dict[str, Any]]:
    """The most recently active conversations, newest first, so a user can pick one to show
    with `conversation` without knowing an id. Conversations are the metrics' own (platform
    conversation ids, else reply links); `force` keeps those its police took part in."""
    dialogue = prepared(project, MetricParams())
    where, args = [], []
    if platform:
        where.append("CAST(platform AS VARCHAR) = ?")
        args.append(platform)
    having = ["count(*) >= ?"]
    args.append(int(min_posts))
    if force:
        having.append("list_contains(list(DISTINCT CAST(force AS VARCHAR)), ?)")
        args.append(force)
    page = f"LIMIT {int(limit)}" if limit else ""
    rows = dialogue.query(f"""
        WITH c AS (
            SELECT conv, count(*) AS posts, count(*) FILTER (WHERE role = 'police') AS police_posts,
                   count(*) FILTER (WHERE role = 'citizen') AS citizen_posts,
                   min(created_at) AS started_at, max(created_at) AS last_at,
                   arg_min(nid, (created_at, nid)) AS first_nid,
                   list_sort(list(DISTINCT CAST(force AS VARCHAR)) FILTER (WHERE force IS NOT NULL)) AS forces
            FROM m_post {"WHERE " + " AND ".join(where) if where else ""}
            GROUP BY conv HAVING {" AND ".join(having)}
            ORDER BY last_at DESC, first_nid {page})
        SELECT p.platform, coalesce(p.conversation_id, p.post_id) AS conversation_id, p.post_id AS first_post_id,
               p.author_handle, p.author_id, p.author_role, p.text, c.posts, c.police_posts, c.citizen_posts,
               c.started_at, c.last_at, c.forces
        FROM c JOIN posts p ON p.rowid = c.first_nid
        ORDER BY c.last_at DESC, c.first_nid""", args)
    return [{**r, "forces": list(r["forces"] or [])} for r in rows]


def post_for_url(project: Project, url: str, platform: str | None = None) -> tuple[str, str]:
    """(platform, post_id) of the post a link points to: the post stored with that link, else
    the post whose id the link's path ends with (a status URL, or the record key of an at:// URI)."""
    where = "AND platform = ?" if platform else ""
    extra = [platform] if platform else []
    rows = project.query(f"SELECT DISTINCT platform, post_id FROM posts WHERE url = ? {where}", [url, *extra])
    if not rows:
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if parts:
            rows = project.query(f"""
                SELECT DISTINCT platform, post_id FROM posts
                WHERE (post_id = ? OR (post_id LIKE 'at://%' AND post_id LIKE ?)) {where}""",
                                 [parts[-1], "%/" + parts[-1], *extra])
    if not rows:
        raise NotFoundError(f"no post with the link {url!r} in the project")
    if len(rows) > 1:
        raise MetricsError(f"the link {url!r} matches posts on several platforms "
                           f"({', '.join(sorted({r['platform'] for r in rows}))}); name the platform")
    return rows[0]["platform"], rows[0]["post_id"]


def _resolve(project: Project, platform: str | None, conversation_id: str) -> tuple[str, str]:
    """(platform, conversation key) for a platform conversation id, the id of any post in it, or a
    link to such a post."""
    if URL.match(conversation_id) and not project.scalar(
            "SELECT count(*) FROM posts WHERE conversation_id = ? OR post_id = ?", [conversation_id, conversation_id]):
        platform, conversation_id = post_for_url(project, conversation_id, platform)
    where = "AND platform = ?" if platform else ""
    args = [conversation_id] + ([platform] if platform else [])
    platforms = [r["platform"] for r in project.query(
        f"SELECT DISTINCT platform FROM posts WHERE (conversation_id = ? OR post_id = ?) {where}",
        [conversation_id, *args])]
    if not platforms:
        raise NotFoundError(f"no conversation or post {conversation_id!r}"
                            + (f" on {platform}" if platform else "") + " in the project")
    if len(platforms) > 1:
        raise MetricsError(f"{conversation_id!r} exists on several platforms ({', '.join(sorted(platforms))}); "
                           "name the platform")
    platform = platforms[0]
    if project.scalar("SELECT count(*) FROM posts WHERE platform = ? AND conversation_id = ?",
                      [platform, conversation_id]):
        return platform, conversation_id
    # a post id: climb reply links (forward in time only, so a cycle cannot loop) to the top
    top = project.query(f"""
        WITH RECURSIVE up(post_id, conversation_id, reply_to_post_id, created_at, depth) AS (
            SELECT post_id, conversation_id, reply_to_post_id, created_at, 0 FROM posts
            WHERE platform = ? AND post_id = ?
            UNION ALL
            SELECT p.post_id, p.conversation_id, p.reply_to_post_id, p.created_at, up.depth + 1
            FROM up JOIN posts p ON p.platform = ? AND p.post_id = up.reply_to_post_id
            WHERE up.conversation_id IS NULL AND up.depth < {MAX_DEPTH} AND p.post_id <> up.post_id
              AND (coalesce(p.created_at, TIMESTAMP '0001-01-01'), length(p.post_id), p.post_id)
                < (coalesce(up.created_at, TIMESTAMP '0001-01-01'), length(up.post_id), up.post_id))
        SELECT post_id, conversation_id FROM up ORDER BY depth DESC LIMIT 1""",
                        [platform, conversation_id, platform])[0]
    return platform, top["conversation_id"] or top["post_id"]


def conversation(project: Project, platform: str | None, conversation_id: str) -> Thread:
    """One conversation as a tree, found by its id, the id of any post in it or a link to one
    (`platform` may be None when the id is unambiguous)."""
    platform, key = _resolve(project, platform, str(conversation_id))
    rows = project.query("""
        WITH RECURSIVE members(post_id, created_at) AS (
            SELECT post_id, created_at FROM posts
            WHERE platform = $platform AND (conversation_id = $key OR post_id = $key)
            UNION
            SELECT c.post_id, c.created_at FROM members m
            JOIN posts c ON c.platform = $platform AND c.reply_to_post_id = m.post_id
            WHERE c.conversation_id IS NULL
              AND (coalesce(m.created_at, TIMESTAMP '0001-01-01'), length(m.post_id), m.post_id)
                < (coalesce(c.created_at, TIMESTAMP '0001-01-01'), length(c.post_id), c.post_id))
        SELECT p.platform, p.post_id, p.reply_to_post_id, p.author_id, p.author_handle, p.author_role,
               p.author_force, p.author_account_type, p.created_at, p.kind, p.text, p.url
        FROM posts p JOIN (SELECT DISTINCT post_id FROM members) m USING (post_id)
        WHERE p.platform = $platform
        ORDER BY p.created_at NULLS FIRST, length(p.post_id), p.post_id""", {"platform": platform, "key": key})
    nodes = {r["post_id"]: ThreadNode(
        r["platform"], r["post_id"], r["reply_to_post_id"], r["author_id"], r["author_handle"], r["author_role"],
        r["author_force"], r["author_account_type"], r["created_at"], r["kind"], r["text"], r["url"])
        for r in rows}
    _attach_codes(project, platform, nodes)
    order = {pid: i for i, pid in enumerate(nodes)}
    roots: list[ThreadNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id and node.parent_id != node.post_id else None
        if parent is not None and order[parent.post_id] < order[node.post_id]:
            parent.children.append(node)
            if node.created_at and parent.created_at:
                node.delay_since_parent_s = (node.created_at - parent.created_at).total_seconds()
        else:
            node.orphan = node.parent_id is not None
            roots.append(node)
    roots.sort(key=lambda n: (n.orphan, order[n.post_id]))
    stack = [(r, 0) for r in roots]
    while stack:
        node, depth = stack.pop()
        node.depth = depth
        stack.extend((c, depth + 1) for c in node.children)
    values = list(nodes.values())
    return Thread(platform, key, roots, len(values), sum(r.orphan for r in roots),
                  sum(n.author_role == "police" for n in values), sum(n.author_role == "citizen" for n in values))


def _attach_codes(project: Project, platform: str, nodes: dict[str, ThreadNode]) -> None:
    """Gold labels (latest per dimension) and, where none, the prediction of the dimension's model."""
    if not nodes:
        return
    ids = list(nodes)
    gold = project.query("""
        SELECT post_id, dimension, arg_max(codes, (decided_at, gold_id)) AS codes FROM gold
        WHERE platform = ? AND list_contains(?, post_id) GROUP BY ALL""", [platform, ids])
    for r in gold:
        nodes[r["post_id"]].codes[r["dimension"]] = {"codes": list(r["codes"]), "source": "gold"}
    predicted = project.query(f"""
        WITH latest AS ({MODEL_SQL})
        SELECT p.post_id, p.dimension, p.model_id, arg_max(p.codes, p.created_at) AS codes,
               arg_max(p.probability, p.created_at) AS probability
        FROM predictions p JOIN latest l USING (dimension, model_id)
        WHERE p.platform = ? AND list_contains(?, p.post_id) GROUP BY ALL""", [platform, ids])
    for r in predicted:
        node = nodes[r["post_id"]]
        if r["dimension"] not in node.codes:
            node.codes[r["dimension"]] = {"codes": list(r["codes"]), "source": "predicted",
                                          "model_id": r["model_id"], "probability": r["probability"]}
