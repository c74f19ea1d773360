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


class InteractionNetwork:
    """A directed, weighted account-to-account network built from replies and/or mentions.

    Parameters mirror what a study fixes up front: which interactions count, which force
    (None = all), the period, and the minimum edge weight kept.
    """

    def __init__(self, *, kind: str = "both", force: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, min_weight: int = 1, robustness_removals: int = 5):
        if kind not in EDGE_KINDS:
            raise InputError(f"kind must be one of {', '.join(EDGE_KINDS)}, not {kind!r}")
        self.kind = kind
        self.force = force
        self.date_from = date_from
        self.date_to = date_to
        self.min_weight = min_weight
        self.robustness_removals = robustness_removals

    def _edge_sql(self) -> tuple[str, list[Any]]:
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
            parts.append(f"SELECT p.platform, p.author_id AS source, p.reply_to_account_id AS target, 'reply' AS kind "
                         f"FROM posts p WHERE p.reply_to_account_id IS NOT NULL AND p.author_id IS NOT NULL AND {cond}")
        if self.kind in ("mention", "both"):
            parts.append(f"SELECT p.platform, p.author_id, coalesce(m.account_id, m.handle), 'mention' FROM posts p "
                         f"JOIN mentions m USING (platform, post_id) WHERE p.author_id IS NOT NULL AND {cond}")
            params = params + params if self.kind == "both" else params
        sql = f"""
            WITH e AS ({' UNION ALL '.join(parts)})
            SELECT e.platform, e.source, e.target, count(*) AS weight,
                   count(*) FILTER (WHERE e.kind = 'reply') AS replies,
                   count(*) FILTER (WHERE e.kind = 'mention') AS mentions
            FROM e WHERE e.source <> e.target GROUP BY ALL HAVING count(*) >= {int(self.min_weight)}"""
        return sql, params

    def fit(self, project: Project) -> InteractionNetwork:
        sql, params = self._edge_sql()
        edges = project.query(sql, params)
        nodes = {
            (r["platform"], r["account_id"]): r
            for r in project.query("SELECT platform, account_id, handle, role, force, account_type FROM accounts")
        }
        graph = nx.DiGraph()
        for edge in edges:
            for end in (edge["source"], edge["target"]):
                if end not in graph:
                    info = nodes.get((edge["platform"], end), {})
                    graph.add_node(end, platform=edge["platform"], role=info.get("role", "citizen"),
                                   force=info.get("force") or "", account_type=info.get("account_type") or "",
                                   label=info.get("handle") if info.get("role", "citizen") != "citizen" else end)
            graph.add_edge(edge["source"], edge["target"], weight=edge["weight"], replies=edge["replies"],
                           mentions=edge["mentions"])
        if self.force:
            keep = {n for n, d in graph.nodes(data=True) if d["force"] == self.force}
            keep |= {nbr for n in list(keep) for nbr in nx.all_neighbors(graph, n)}
            graph = graph.subgraph(keep).copy()
        self.graph_ = graph
        self.n_nodes_ = graph.number_of_nodes()
        self.n_edges_ = graph.number_of_edges()
        self.density_ = nx.density(graph) if self.n_nodes_ > 1 else 0.0
        self.reciprocity_ = nx.reciprocity(graph) if self.n_edges_ else 0.0
        undirected = graph.to_undirected()
        self.transitivity_ = nx.transitivity(undirected) if self.n_nodes_ > 2 else 0.0
        self.degree_centralization_ = degree_centralization(undirected)
        self.role_mixing_ = role_mixing(graph)
        self.robustness_ = robustness(undirected, self.robustness_removals)
        self.top_accounts_ = sorted(
            ({"account": graph.nodes[n]["label"], "role": graph.nodes[n]["role"], "force": graph.nodes[n]["force"],
              "degree": deg} for n, deg in graph.degree(weight="weight")),
            key=lambda r: -r["degree"],
        )[:10]
        return self

    def summary(self) -> dict[str, Any]:
        return {
            "parameters": {"kind": self.kind, "force": self.force, "date_from": self.date_from,
                           "date_to": self.date_to, "min_weight": self.min_weight},
            "nodes": self.n_nodes_, "edges": self.n_edges_, "density": self.density_,
            "reciprocity": self.reciprocity_, "transitivity": self.transitivity_,
            "degree_centralization": self.degree_centralization_, "role_mixing": self.role_mixing_,
            "robustness": self.robustness_, "top_accounts": self.top_accounts_,
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
