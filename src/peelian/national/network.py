"""The interaction network of a national lake: edges aggregated on the engine, measures on the driver.

The edges (who replied to or mentioned whom, from every police post and inbound citizen post of
each force) are summed per pair by DuckDB or Spark, so only one row per interacting pair comes
back; networkx then measures the graph exactly as `peelian network` does for a project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from peelian.errors import InputError
from peelian.national.engine import open_engine
from peelian.national.lake import Lake
from peelian.network.interactions import EDGE_KINDS, check_min_weight

ROBUSTNESS_REMOVALS = 5  # the hubs removed when measuring robustness, as `peelian network` does

# Spelled the same in DuckDB and Spark SQL.
EDGE_SQL = """
    SELECT platform, source, target, count(*) AS weight,
           count(*) FILTER (WHERE kind = 'reply') AS replies,
           count(*) FILTER (WHERE kind = 'mention') AS mentions,
           max(source_role) AS source_role, max(source_force) AS source_force,
           max(target_role) AS target_role, max(target_force) AS target_force
    FROM (SELECT * FROM lake_edges WHERE {where})
    GROUP BY platform, source, target HAVING count(*) >= {min_weight}"""


def edges(lake: str | Path | Lake, *, engine: str = "duckdb", kind: str = "both", min_weight: int = 1,
          master: str = "local[2]", spark: Any = None) -> list[dict[str, Any]]:
    """One row per interacting pair (platform, source, target) with its weight, replies, mentions
    and the two ends' roles and forces, sorted."""
    if kind not in EDGE_KINDS:
        raise InputError(f"kind must be one of {', '.join(EDGE_KINDS)}, not {kind!r}")
    min_weight = check_min_weight(min_weight)
    lake = lake if isinstance(lake, Lake) else Lake.open(lake)
    lake.check_schemas()
    dialogue = open_engine(lake, engine, master=master, spark=spark)
    where = "source <> target" + ("" if kind == "both" else f" AND kind = '{kind}'")
    try:
        rows = dialogue.query(EDGE_SQL.format(where=where, min_weight=int(min_weight)))
    finally:
        dialogue.close()
    return sorted(rows, key=lambda r: (r["platform"], r["source"], r["target"]))


def national_network(lake: str | Path | Lake, *, engine: str = "duckdb", kind: str = "both", min_weight: int = 1,
                     force: str | None = None, master: str = "local[2]", spark: Any = None) -> dict[str, Any]:
    """The network's measures (nodes, edges, density, reciprocity, transitivity, centralization,
    role mixing, robustness) and its ten busiest accounts, with the measures `peelian network` uses."""
    import networkx as nx

    from peelian.network.interactions import (
        degree_centralization,
        robustness,
        role_mixing,
    )

    pairs = edges(lake, engine=engine, kind=kind, min_weight=min_weight, master=master, spark=spark)
    graph = nx.DiGraph()
    for e in pairs:
        for end in ("source", "target"):
            if e[end] not in graph:
                graph.add_node(e[end], platform=e["platform"], role=e[f"{end}_role"] or "citizen",
                               force=e[f"{end}_force"] or "")
        graph.add_edge(e["source"], e["target"], weight=e["weight"], replies=e["replies"], mentions=e["mentions"])
    if force:  # the force's accounts and everyone they interact with
        keep = {n for n, d in graph.nodes(data=True) if d["force"] == force}
        keep |= {m for n in list(keep) for m in nx.all_neighbors(graph, n)}
        graph = graph.subgraph(keep).copy()
    nodes, links = graph.number_of_nodes(), graph.number_of_edges()
    undirected = graph.to_undirected()
    top = sorted(({"account": n, "role": graph.nodes[n]["role"], "force": graph.nodes[n]["force"], "degree": d}
                  for n, d in graph.degree(weight="weight")), key=lambda r: (-r["degree"], r["account"]))[:10]
    return {"engine": engine, "kind": kind, "min_weight": min_weight, "force": force, "nodes": nodes, "edges": links,
            "density": nx.density(graph) if nodes > 1 else 0.0,
            "reciprocity": nx.reciprocity(graph) if links else 0.0,
            "transitivity": nx.transitivity(undirected) if nodes > 2 else 0.0,
            "degree_centralization": degree_centralization(undirected), "role_mixing": role_mixing(graph),
            "robustness": robustness(undirected, ROBUSTNESS_REMOVALS), "top_accounts": top}
