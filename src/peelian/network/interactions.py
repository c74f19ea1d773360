"""Interaction networks: who replies to and mentions whom.

Edges are aggregated in SQL (one row per pair of accounts with a weight), so the network
is as large as the number of interacting pairs, not the number of posts. The measures are
computed on sparse matrices (scipy) with networkx's definitions; the networkx graph itself is
built only for exports, communities and drawing.
"""

from __future__ import annotations

from datetime import date
from numbers import Integral
from pathlib import Path
from typing import Any

import networkx as nx

from peelian.errors import InputError
from peelian.network.measures import freeman_degree_centralization
from peelian.store.project import Project

EDGE_KINDS = ("reply", "mention", "both")
PANEL_KEYS = ("force", "month")
MAX_WEIGHT = 2**63 - 1  # an edge's weight is a count of interactions (DuckDB's BIGINT count(*))


def check_min_weight(min_weight: int) -> int:
    """`min_weight` when it is a whole number of interactions from 1 up, else InputError: a weight is a count,
    so 0 or -1 keep every pair as 1 does and would be reported as a threshold that was applied."""
    if isinstance(min_weight, bool) or not isinstance(min_weight, Integral):
        raise InputError(f"min_weight must be a whole number of interactions, not {min_weight!r}")
    if not 1 <= min_weight <= MAX_WEIGHT:
        raise InputError(f"min_weight must be at least 1 (an edge is a count of interactions) and at most "
                         f"{MAX_WEIGHT:,}, not {int(min_weight):,}")
    return int(min_weight)


def check_period(date_from: str | date | None, date_to: str | date | None) -> tuple[str | None, str | None]:
    """The first and last day as YYYY-MM-DD, read as the metrics' filters read them (`Filters`), else InputError:
    a day that is not a date was a DuckDB conversion error, and a last day before the first an empty network."""
    from pydantic import ValidationError

    from peelian.metrics.params import Filters

    try:
        span = Filters(date_from=date_from, date_to=date_to)
    except ValidationError as exc:
        raise InputError("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())) from None
    first, last = span.date_from, span.date_to
    return first.isoformat() if first else None, last.isoformat() if last else None


class InteractionNetwork:
    """A directed, weighted account-to-account network built from replies and/or mentions.

    Parameters mirror what a study fixes up front: which interactions count, which force
    (None = all), the period, and the minimum edge weight kept.
    """

    def __init__(self, *, kind: str = "both", force: str | None = None, date_from: str | date | None = None,
                 date_to: str | date | None = None, min_weight: int = 1, robustness_removals: int = 5,
                 by: str | None = None, communities: bool = False, seed: int = 0):
        if kind not in EDGE_KINDS:
            raise InputError(f"kind must be one of {', '.join(EDGE_KINDS)}, not {kind!r}")
        keys = tuple(k.strip() for k in (by or "").split(",") if k.strip())
        if any(k not in PANEL_KEYS for k in keys) or len(set(keys)) != len(keys):
            raise InputError(f"--by takes force, month or force,month, not {by!r}")
        if isinstance(robustness_removals, bool) or not isinstance(robustness_removals, Integral) \
                or robustness_removals < 0:
            raise InputError(f"robustness_removals must be a whole number from 0 up, not {robustness_removals!r}")
        self.by = tuple(k for k in PANEL_KEYS if k in keys)
        self.communities = communities
        self.seed = seed
        self.kind = kind
        self.force = force
        self.date_from, self.date_to = check_period(date_from, date_to)
        self.min_weight = check_min_weight(min_weight)
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
            parts.append(f"SELECT p.platform, p.author_id AS source, coalesce(m.account_id, m.handle) AS target, "
                         f"'mention' AS kind, p.created_at "
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

    def _edges(self, project: Project, by_month: bool = False) -> Any:
        """The aggregated edges with both ends' role, force, account type and handle (an Arrow table:
        strings stay in Arrow, so millions of ties never become Python objects)."""
        sql, params = self._edge_sql(by_month)
        sql = f"""
            WITH agg AS ({sql})
            SELECT agg.*,
                   coalesce(s.role, 'citizen') AS source_role, coalesce(s.force, '') AS source_force,
                   coalesce(s.account_type, '') AS source_type, coalesce(s.handle, '') AS source_handle,
                   coalesce(t.role, 'citizen') AS target_role, coalesce(t.force, '') AS target_force,
                   coalesce(t.account_type, '') AS target_type, coalesce(t.handle, '') AS target_handle
            FROM agg
            LEFT JOIN accounts s ON s.platform = agg.platform AND s.account_id = agg.source
            LEFT JOIN accounts t ON t.platform = agg.platform AND t.account_id = agg.target"""
        cur = project.cursor()
        try:
            return cur.sql(sql, params=params).to_arrow_table()
        finally:
            cur.close()

    def fit(self, project: Project) -> InteractionNetwork:
        edges = self._edges(project)
        self._net = _ArrayNetwork.from_edges(edges, self.force)
        for key, value in self._net.measures(self.robustness_removals).items():
            setattr(self, key + "_", value)
        self._graph: nx.DiGraph | None = None
        self.top_accounts_ = self._net.top_accounts(10)
        if self.communities:
            self._detect_communities(self.graph_)
        self.citizen_led_ = citizen_led_share(project, force=self.force, date_from=self.date_from,
                                              date_to=self.date_to)
        if "month" in self.by:  # min_weight then applies to each month's pairs
            edges = self._edges(project, by_month=True)
        self.panels_ = self._panels(edges) if self.by else []
        return self

    @property
    def graph_(self) -> nx.DiGraph:
        """The networkx graph (built on first use: exports, communities, drawing), nodes carrying platform,
        role, force, account type and label; edges weight, replies and mentions."""
        if self._graph is None:
            self._graph = self._net.to_networkx()
        return self._graph

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

    def _panels(self, edges: Any) -> list[dict[str, Any]]:
        """One network per force and/or month, each measured like the whole."""
        import pyarrow.compute as pc

        months = sorted(m for m in pc.unique(edges["month"]).to_pylist() if m) if "month" in self.by else [None]
        if "force" in self.by:
            forces = sorted({f for c in ("source_force", "target_force") for f in pc.unique(edges[c]).to_pylist() if f})
            forces = [f for f in forces if not self.force or f == self.force]
        else:
            forces = [self.force]
        panels = []
        for month in months:
            chosen = edges.filter(pc.equal(edges["month"], month)) if month else edges
            for force in forces:
                net = _ArrayNetwork.from_edges(chosen, force)
                if not net.n:
                    continue
                measured = net.measures(self.robustness_removals)
                row: dict[str, Any] = {k: v for k, v in (("force", force), ("month", month))
                                       if k in self.by}
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

    @staticmethod
    def check_graph_path(path: str | Path) -> Path:
        """The path `write` takes (.graphml or .gexf), checked before the network is computed, which can
        take minutes on a large project."""
        path = Path(path)
        if path.suffix not in (".graphml", ".gexf"):
            raise InputError("write the network as .graphml or .gexf", path=str(path))
        return path

    def write(self, path: str | Path) -> None:
        """GraphML (Gephi, igraph, R) or GEXF by extension."""
        path = self.check_graph_path(path)
        if path.suffix == ".graphml":
            nx.write_graphml(self.graph_, path)
        else:
            nx.write_gexf(self.graph_, path)


class _ArrayNetwork:
    """The aggregated edges as integer-coded arrays and sparse matrices, so the measures of a network of
    millions of ties cost seconds (scipy) rather than the minutes networkx needs to build and walk it;
    the networkx graph is built only when something needs it. Definitions are networkx's (tests compare)."""

    def __init__(self, ids: Any, attrs: dict[str, Any], src: Any, tgt: Any, weight: Any, replies: Any,
                 mentions: Any):
        self.ids, self.attrs = ids, attrs
        self.src, self.tgt, self.weight, self.replies, self.mentions = src, tgt, weight, replies, mentions
        self.n = len(ids)

    @classmethod
    def from_edges(cls, edges: Any, force: str | None = None) -> _ArrayNetwork:
        """From the Arrow table of `InteractionNetwork._edges`: ends coded by Arrow's dictionary encoding,
        each node's attributes taken from one of its ties."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        n_edges = edges.num_rows

        def both(name: str) -> pa.Array:
            return pa.concat_arrays([edges[f"source_{name}"].combine_chunks(),
                                     edges[f"target_{name}"].combine_chunks()])

        ends = pa.concat_arrays([edges["source"].combine_chunks().cast(pa.string()),
                                 edges["target"].combine_chunks().cast(pa.string())])
        encoded = pc.dictionary_encode(ends)
        codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        ids = encoded.dictionary.to_numpy(zero_copy_only=False)
        first = np.empty(len(ids), dtype=np.int64)
        first[codes] = np.arange(len(codes))  # one tie of each node (any: an id's attributes agree)
        take = pa.array(first)
        attrs = {name: both(name).take(take).to_numpy(zero_copy_only=False)
                 for name in ("role", "force", "type", "handle")}
        platforms = edges["platform"].combine_chunks()
        attrs["platform"] = pa.concat_arrays([platforms, platforms]).take(take).to_numpy(zero_copy_only=False)
        src, tgt = codes[:n_edges], codes[n_edges:]
        columns = [edges[c].to_numpy().astype(np.int64) for c in ("weight", "replies", "mentions")]
        if force:
            own = attrs["force"] == force
            touch = own[src] | own[tgt]
            keep = own.copy()
            keep[src[touch]] = True
            keep[tgt[touch]] = True
            kept = keep[src] & keep[tgt]
            remap = np.cumsum(keep) - 1
            ids, attrs = ids[keep], {k: v[keep] for k, v in attrs.items()}
            src, tgt = remap[src[kept]], remap[tgt[kept]]
            columns = [c[kept] for c in columns]
        n = len(ids)
        if n_edges and len(pc.unique(platforms)) > 1:  # the same pair on two platforms is one tie
            pair = src * max(n, 1) + tgt
            unique, inverse = np.unique(pair, return_inverse=True)
            columns = [np.bincount(inverse, weights=c, minlength=len(unique)).astype(np.int64) for c in columns]
            src, tgt = unique // max(n, 1), unique % max(n, 1)
        return cls(np.asarray(ids, dtype=object), attrs, src, tgt, *columns)

    def measures(self, removals: int) -> dict[str, Any]:
        import numpy as np
        import pandas as pd
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n, m = self.n, len(self.src)
        if n == 0:
            return {"n_nodes": 0, "n_edges": 0, "density": 0.0, "reciprocity": 0.0, "transitivity": 0.0,
                    "degree_centralization": 0.0, "role_mixing": {}, "robustness": 0.0}
        directed = coo_matrix((np.ones(m, dtype=np.int8), (self.src, self.tgt)), shape=(n, n)).tocsr()
        mutual = directed.multiply(directed.T).nnz
        undirected = ((directed + directed.T) > 0).tocsr()
        degree = np.diff(undirected.indptr).astype(np.int64)
        triples = int((degree * (degree - 1)).sum()) // 2
        transitivity = 3 * _triangles(undirected, degree) / triples if triples else 0.0
        peak = int(degree.max())
        ranked = np.argsort(-degree, kind="stable")[:removals]
        keep = np.ones(n, dtype=bool)
        keep[ranked] = False
        rest = undirected[keep][:, keep]
        largest = np.bincount(connected_components(rest, directed=False)[1]).max() if rest.shape[0] else 0
        role_codes, role_names = pd.factorize(self.attrs["role"])
        sums = np.bincount(role_codes[self.src] * len(role_names) + role_codes[self.tgt], weights=self.weight,
                           minlength=len(role_names) ** 2)
        mixing = {f"{role_names[k // len(role_names)]}->{role_names[k % len(role_names)]}": int(w)
                  for k, w in enumerate(sums) if w}
        whole = sum(mixing.values())
        return {
            "n_nodes": n, "n_edges": m, "density": m / (n * (n - 1)) if n > 1 else 0.0,
            "reciprocity": mutual / m if m else 0.0,
            "transitivity": transitivity if n > 2 else 0.0,
            "degree_centralization": float((peak - degree).sum() / ((n - 1) * (n - 2))) if n > 2 else 0.0,
            "role_mixing": {k: v / whole for k, v in sorted(mixing.items())} if whole else {},
            "robustness": float(largest / n),
        }

    def top_accounts(self, k: int) -> list[dict[str, Any]]:
        import numpy as np

        strength = (np.bincount(self.src, weights=self.weight, minlength=self.n)
                    + np.bincount(self.tgt, weights=self.weight, minlength=self.n))
        top = np.argsort(-strength, kind="stable")[:k]
        return [{"account": self._label(i), "role": self.attrs["role"][i], "force": self.attrs["force"][i],
                 "degree": int(strength[i])} for i in top]

    def _label(self, i: int) -> str:
        role, handle = self.attrs["role"][i], self.attrs["handle"][i]
        return handle if role != "citizen" and handle else str(self.ids[i])

    def to_networkx(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from((self.ids[i], {"platform": self.attrs["platform"][i], "role": self.attrs["role"][i],
                                            "force": self.attrs["force"][i], "account_type": self.attrs["type"][i],
                                            "label": self._label(i)}) for i in range(self.n))
        graph.add_edges_from((self.ids[a], self.ids[b], {"weight": int(w), "replies": int(r), "mentions": int(m)})
                             for a, b, w, r, m in zip(self.src, self.tgt, self.weight, self.replies, self.mentions,
                                                      strict=True))
        return graph


def _triangles(undirected: Any, degree: Any) -> int:
    """Triangles of a simple undirected graph: ties oriented from lower to higher (degree, index) rank,
    so each triangle is counted once and a hub's many ties are walked from the small side."""
    import numpy as np
    from scipy.sparse import csr_matrix

    rank = np.empty(len(degree), dtype=np.int64)
    rank[np.lexsort((np.arange(len(degree)), degree))] = np.arange(len(degree))
    coo = undirected.tocoo()
    forward = rank[coo.row] < rank[coo.col]
    oriented = csr_matrix((np.ones(int(forward.sum()), dtype=np.int64), (coo.row[forward], coo.col[forward])),
                          shape=undirected.shape)
    return int((oriented @ oriented).multiply(oriented).sum())


def degree_centralization(graph: nx.Graph) -> float:
    """Freeman's degree centralization: 1 for a star, 0 when every node has the same degree (the
    interaction network's name for the measure the multilayer networks use too)."""
    return freeman_degree_centralization(graph)


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
    where = ["r.kind = 'reply'", "r.reply_to_account_id IS NOT NULL", "r.author_id <> r.reply_to_account_id"]
    params: list[Any] = []
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
