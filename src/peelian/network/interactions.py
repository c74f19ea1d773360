"""Interaction networks: who replies to and mentions whom.

Edges are aggregated in SQL (one row per pair of accounts with a weight), so the graph
is as large as the number of interacting pairs, not the number of posts; networkx then
gives the structural measures a researcher reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from peelian.errors import InputError
from peelian.store.project import Project

EDGE_KINDS = ("reply", "mention", "both")
PANEL_KEYS = ("force", "month")


class InteractionNetwork:
    """A directed, weighted account-to-account network built from replies and/or mentions.

    Parameters mirror what a study fixes up front: which interactions count, which force
    (None = all), the period, and the minimum edge weight kept.
    """

    def __init__(self, *, kind: str = "both", force: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, min_weight: int = 1, robustness_removals: int = 5,
                 by: str | None = None, communities: bool = False, seed: int = 0):
        if kind not in EDGE_KINDS:
            raise InputError(f"kind must be one of {', '.join(EDGE_KINDS)}, not {kind!r}")
        keys = tuple(k.strip() for k in (by or "").split(",") if k.strip())
        if any(k not in PANEL_KEYS for k in keys) or len(set(keys)) != len(keys):
            raise InputError(f"--by takes force, month or force,month, not {by!r}")
        self.by = tuple(k for k in PANEL_KEYS if k in keys)
        self.communities = communities
        self.seed = seed
        self.kind = kind
        self.force = force
        self.date_from = date_from
        self.date_to = date_to
        self.min_weight = min_weight
        self.robustness_removals = robustness_removals

    def _edge_sql(self, by_month: bool = False) -> tuple[str, list[Any]]:
        where, params = ["p.created_at IS NOT NULL"], []
        if self.date_from:
            where.append("p.created_at >= CAST(? AS TIMESTAMP)")
            params.append(self.date_from)
        if self.date_to:
            where.append("p.created_at < CAST(? AS TIMESTAMP) + INTERVAL 1 DAY")
            params.append(self.date_to)
        cond = " AND ".join(where)
        parts = []
        if self.kind in ("reply", "both"):
            parts.append(f"SELECT p.platform, p.author_id AS source, p.reply_to_account_id AS target, 'reply' AS kind, "
                         f"p.created_at FROM posts p "
                         f"WHERE p.reply_to_account_id IS NOT NULL AND p.author_id IS NOT NULL AND {cond}")
        if self.kind in ("mention", "both"):
            parts.append(f"SELECT p.platform, p.author_id, coalesce(m.account_id, m.handle), 'mention', p.created_at "
                         f"FROM posts p "
                         f"JOIN mentions m USING (platform, post_id) WHERE p.author_id IS NOT NULL AND {cond}")
            params = params + params if self.kind == "both" else params
        sql = f"""
            WITH e AS ({' UNION ALL '.join(parts)})
            SELECT e.platform, e.source, e.target,
                   {"strftime(date_trunc('month', e.created_at), '%Y-%m')" if by_month else "NULL"} AS month,
                   count(*) AS weight,
                   count(*) FILTER (WHERE e.kind = 'reply') AS replies,
                   count(*) FILTER (WHERE e.kind = 'mention') AS mentions
            FROM e WHERE e.source <> e.target GROUP BY ALL HAVING count(*) >= {int(self.min_weight)}"""
        return sql, params

    def fit(self, project: Project) -> InteractionNetwork:
        edges = project.query(*self._edge_sql())
        nodes = {
            (r["platform"], r["account_id"]): r
            for r in project.query("SELECT platform, account_id, handle, role, force, account_type FROM accounts")
        }
        graph = self._build(edges, nodes, self.force)
        self.graph_ = graph
        for key, value in self._measure(graph).items():
            setattr(self, key + "_", value)
        self.top_accounts_ = sorted(
            ({"account": graph.nodes[n]["label"], "role": graph.nodes[n]["role"], "force": graph.nodes[n]["force"],
              "degree": deg} for n, deg in graph.degree(weight="weight")),
            key=lambda r: -r["degree"],
        )[:10]
        if self.communities:
            self._detect_communities(graph)
        self.citizen_led_ = citizen_led_share(project, force=self.force, date_from=self.date_from,
                                              date_to=self.date_to)
        if "month" in self.by:  # min_weight then applies to each month's pairs
            edges = project.query(*self._edge_sql(by_month=True))
        self.panels_ = self._panels(edges, nodes) if self.by else []
        return self

    def _build(self, edges: list[dict[str, Any]], nodes: dict[tuple[str, str], dict[str, Any]],
               force: str | None) -> nx.DiGraph:
        graph = nx.DiGraph()
        for edge in edges:
            for end in (edge["source"], edge["target"]):
                if end not in graph:
                    info = nodes.get((edge["platform"], end), {})
                    graph.add_node(end, platform=edge["platform"], role=info.get("role", "citizen"),
                                   force=info.get("force") or "", account_type=info.get("account_type") or "",
                                   label=info.get("handle") if info.get("role", "citizen") != "citizen" else end)
            if graph.has_edge(edge["source"], edge["target"]):  # the same pair in another month
                data = graph[edge["source"]][edge["target"]]
                for key in ("weight", "replies", "mentions"):
                    data[key] += edge[key]
            else:
                graph.add_edge(edge["source"], edge["target"], weight=edge["weight"], replies=edge["replies"],
                               mentions=edge["mentions"])
        if force:
            keep = {n for n, d in graph.nodes(data=True) if d["force"] == force}
            keep |= {nbr for n in list(keep) for nbr in nx.all_neighbors(graph, n)}
            graph = graph.subgraph(keep).copy()
        return graph

    def _measure(self, graph: nx.DiGraph) -> dict[str, Any]:
        n_nodes, n_edges = graph.number_of_nodes(), graph.number_of_edges()
        undirected = graph.to_undirected()
        return {
            "n_nodes": n_nodes, "n_edges": n_edges,
            "density": nx.density(graph) if n_nodes > 1 else 0.0,
            "reciprocity": nx.reciprocity(graph) if n_edges else 0.0,
            "transitivity": nx.transitivity(undirected) if n_nodes > 2 else 0.0,
            "degree_centralization": degree_centralization(undirected),
            "role_mixing": role_mixing(graph),
            "robustness": robustness(undirected, self.robustness_removals),
        }

    def _detect_communities(self, graph: nx.DiGraph) -> None:
        """Louvain on the undirected weighted graph, seeded so a rerun gives the same communities; each
        node gets its community number (largest first) as the attribute `community`."""
        undirected = graph.to_undirected()
        found = nx.community.louvain_communities(undirected, weight="weight", seed=self.seed) if graph else []
        found = sorted(found, key=lambda c: (-len(c), min(map(str, c))))
        for number, members in enumerate(found):
            for node in members:
                graph.nodes[node]["community"] = number
        self.communities_ = found
        self.modularity_ = nx.community.modularity(undirected, found, weight="weight") if found else 0.0

    def _panels(self, edges: list[dict[str, Any]], nodes: dict[tuple[str, str], dict[str, Any]]) -> list[dict]:
        """One network per force and/or month, each measured like the whole."""
        months = sorted({e["month"] for e in edges if e["month"]}) if "month" in self.by else [None]
        if "force" in self.by:
            forces = sorted({r["force"] for r in nodes.values() if r.get("force")})
            forces = [f for f in forces if not self.force or f == self.force]
        else:
            forces = [self.force]
        panels = []
        for month in months:
            chosen = [e for e in edges if e["month"] == month] if month else edges
            for force in forces:
                graph = self._build(chosen, nodes, force)
                if not graph:
                    continue
                measured = self._measure(graph)
                row = {"force": force, "month": month} if self.by == PANEL_KEYS else (
                    {"force": force} if self.by == ("force",) else {"month": month})
                row.update({("nodes" if k == "n_nodes" else "edges" if k == "n_edges" else k): v
                            for k, v in measured.items()})
                panels.append(row)
        return panels

    def summary(self) -> dict[str, Any]:
        return {
            "parameters": {"kind": self.kind, "force": self.force, "date_from": self.date_from,
                           "date_to": self.date_to, "min_weight": self.min_weight, "by": ",".join(self.by) or None,
                           "communities": self.communities, "seed": self.seed},
            "nodes": self.n_nodes_, "edges": self.n_edges_, "density": self.density_,
            "reciprocity": self.reciprocity_, "transitivity": self.transitivity_,
            "degree_centralization": self.degree_centralization_, "role_mixing": self.role_mixing_,
            "robustness": self.robustness_, "top_accounts": self.top_accounts_,
            "citizen_led": self.citizen_led_,
            **({"communities": [len(c) for c in self.communities_], "modularity": self.modularity_}
               if self.communities else {}),
            **({"panels": self.panels_} if self.by else {}),
        }

    def write(self, path: str | Path) -> None:
        """GraphML (Gephi, igraph, R) or GEXF by extension."""
        path = Path(path)
        if path.suffix == ".graphml":
            nx.write_graphml(self.graph_, path)
        elif path.suffix == ".gexf":
            nx.write_gexf(self.graph_, path)
        else:
            raise InputError("write the network as .graphml or .gexf", path=str(path))


def degree_centralization(graph: nx.Graph) -> float:
    """Freeman's degree centralization: 1 for a star, 0 when every node has the same degree."""
    n = graph.number_of_nodes()
    if n < 3:
        return 0.0
    degrees = [d for _, d in graph.degree()]
    peak = max(degrees)
    return sum(peak - d for d in degrees) / ((n - 1) * (n - 2))


def role_mixing(graph: nx.DiGraph) -> dict[str, float]:
    """Share of interaction weight between each pair of roles (e.g. citizen→police)."""
    totals: dict[str, float] = {}
    for source, target, weight in graph.edges(data="weight"):
        key = f"{graph.nodes[source]['role']}->{graph.nodes[target]['role']}"
        totals[key] = totals.get(key, 0) + weight
    whole = sum(totals.values())
    return {k: v / whole for k, v in sorted(totals.items())} if whole else {}


def robustness(graph: nx.Graph, removals: int) -> float:
    """Share of nodes still in the largest component after removing the `removals` highest-degree nodes."""
    n = graph.number_of_nodes()
    if n == 0:
        return 0.0
    ranked = sorted(graph.degree(), key=lambda pair: -pair[1])[:removals]
    rest = graph.copy()
    rest.remove_nodes_from(node for node, _ in ranked)
    if rest.number_of_nodes() == 0:
        return 0.0
    return max(len(c) for c in nx.connected_components(rest)) / n


def citizen_led_share(project: Project, *, force: str | None = None, date_from: str | None = None,
                      date_to: str | None = None) -> dict[str, Any]:
    """Citizen-led conversation around police posts (Dekker): of the replies in conversations a police
    post started, the share where a citizen replies to another citizen rather than to or from police.

    A reply's ends are its author and the author it replies to; a self-reply (a thread) is not a tie."""
    where, params = ["r.kind = 'reply'", "r.reply_to_account_id IS NOT NULL", "r.author_id <> r.reply_to_account_id"], []
    if force:
        where.append("root.author_force = ?")
        params.append(force)
    if date_from:
        where.append("r.created_at >= CAST(? AS TIMESTAMP)")
        params.append(date_from)
    if date_to:
        where.append("r.created_at < CAST(? AS TIMESTAMP) + INTERVAL 1 DAY")
        params.append(date_to)
    row = project.query(f"""
        SELECT count(*) AS replies,
               count(*) FILTER (WHERE r.author_role = 'citizen' AND coalesce(t.role, 'citizen') = 'citizen')
                   AS citizen_to_citizen,
               count(DISTINCT r.conversation_id) AS conversations
        FROM posts r
        JOIN posts root ON root.platform = r.platform AND root.post_id = r.conversation_id
                        AND root.author_role = 'police'
        LEFT JOIN accounts t ON t.platform = r.platform AND t.account_id = r.reply_to_account_id
        WHERE {' AND '.join(where)}""", params)[0]
    replies = int(row["replies"])
    return {"replies": replies, "citizen_to_citizen": int(row["citizen_to_citizen"]),
            "conversations": int(row["conversations"]),
            "share": row["citizen_to_citizen"] / replies if replies else None}
