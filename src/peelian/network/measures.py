"""Structure, composition and robustness measures of one undirected network (docs/networks.md).

Each function states its convention for the graphs where the textbook formula is undefined (fewer than
three nodes, no connected triples, no coordinates), so a county-year with a tiny network gets a number a
reader can interpret instead of an error or a NaN that silently drops it from a panel.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence

import networkx as nx

ATTACKS = ("degree", "betweenness", "random")
EARTH_RADIUS_KM = 6371.0088


def freeman_degree_centralization(graph: nx.Graph) -> float:
    """Freeman (1979): sum over nodes of (max degree − degree) over its maximum, (n−1)(n−2), reached by a
    star. 1 for a star, 0 when every degree is equal; 0 for graphs of fewer than three nodes."""
    n = graph.number_of_nodes()
    if n < 3:
        return 0.0
    degrees = [d for _, d in graph.degree()]
    peak = max(degrees)
    return sum(peak - d for d in degrees) / ((n - 1) * (n - 2))


def betweenness_centralization(graph: nx.Graph) -> float:
    """Freeman's betweenness centralization: sum of (max − c_i) over the star's value, with c_i the
    betweenness normalised by (n−1)(n−2)/2, so the star's sum is n−1. 0 below three nodes."""
    n = graph.number_of_nodes()
    if n < 3:
        return 0.0
    scores = list(nx.betweenness_centrality(graph, normalized=True).values())
    peak = max(scores)
    return sum(peak - s for s in scores) / (n - 1)


def transitivity(graph: nx.Graph) -> float:
    """Global clustering: 3 × triangles / connected triples; 0 for a graph without connected triples."""
    return float(nx.transitivity(graph))


def density(graph: nx.Graph) -> float:
    """Ties over possible ties, m / (n(n−1)/2); 0 below two nodes."""
    return nx.density(graph) if graph.number_of_nodes() > 1 else 0.0


def blau(categories: Iterable[Hashable] | Mapping[Hashable, float]) -> float:
    """Blau's index of heterogeneity 1 − Σ p_k² over the shares p_k of each category; 0 when empty.

    Takes the categories of each member (a sector per organisation) or a mapping of category to count
    or share."""
    counts = dict(categories) if isinstance(categories, Mapping) else Counter(categories)
    total = float(sum(counts.values()))
    if total <= 0:
        return 0.0
    return 1.0 - sum((c / total) ** 2 for c in counts.values())


def node_blau(graph: nx.Graph, attribute: str = "sector") -> dict[Hashable, float]:
    """Each node's Blau index over its partners' sectors (ego-network diversity); nodes without partners
    are left out."""
    return {node: blau(graph.nodes[nbr].get(attribute) for nbr in graph[node]) for node in graph if graph.degree(node)}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on a sphere of the Earth's mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def geographic_range(graph: nx.Graph) -> dict[str, float | int | None]:
    """Mean and max distance (km) between tied partners that both have coordinates (None when no tie
    has), and the number of distinct areas (area code, else county) among nodes with a tie."""
    distances = []
    for a, b in graph.edges():
        na, nb = graph.nodes[a], graph.nodes[b]
        if na.get("lat") is not None and nb.get("lat") is not None:
            distances.append(haversine_km(na["lat"], na["lon"], nb["lat"], nb["lon"]))
    areas = {graph.nodes[n].get("area") or graph.nodes[n].get("county") for n in graph if graph.degree(n)}
    areas.discard(None)
    return {"mean_distance_km": sum(distances) / len(distances) if distances else None,
            "max_distance_km": max(distances) if distances else None, "areas": len(areas)}


def jaccard(a: set, b: set) -> float | None:
    """|a ∩ b| / |a ∪ b|; None when both are empty (no ties to compare)."""
    union = len(a | b)
    return len(a & b) / union if union else None


def attack_order(graph: nx.Graph, attack: str, seed: int = 0) -> list[Hashable]:
    """Nodes in the order an attack removes them. Degree and betweenness rank once on the intact graph
    (a static attack), highest first, ties broken by node id; random is a seeded shuffle."""
    if attack == "degree":
        score = dict(graph.degree())
    elif attack == "betweenness":
        score = nx.betweenness_centrality(graph)
    elif attack == "random":
        nodes = sorted(graph, key=str)
        random.Random(seed).shuffle(nodes)
        return nodes
    else:
        raise ValueError(f"attack must be one of {', '.join(ATTACKS)}, not {attack!r}")
    return sorted(graph, key=lambda n: (-score[n], str(n)))


def largest_component_curve(graph: nx.Graph, order: Sequence[Hashable]) -> list[int]:
    """Size of the largest component after removing the first k nodes of `order`, k = 0…n.

    Computed in reverse (Newman & Ziff): nodes are added back last-removed first and joined with a
    union-find, so the whole curve costs about one pass over the ties instead of n component searches."""
    index = {node: i for i, node in enumerate(order)}
    parent = list(range(len(order)))
    size = [1] * len(order)
    present = [False] * len(order)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    curve = [0] * (len(order) + 1)
    largest = 0
    for k in range(len(order) - 1, -1, -1):
        i = index[order[k]]
        present[i] = True
        for nbr in graph[order[k]]:
            j = index[nbr]
            if present[j]:
                ri, rj = find(i), find(j)
                if ri != rj:
                    if size[ri] < size[rj]:
                        ri, rj = rj, ri
                    parent[rj] = ri
                    size[ri] += size[rj]
        largest = max(largest, size[find(i)])
        curve[k] = largest
    return curve


def robustness(graph: nx.Graph, attack: str = "degree", *, seed: int = 0, repeats: int = 20) -> dict:
    """The largest component's share as nodes are removed, and its area under the curve
    R = (1/n) Σ_{k=1..n} s(k) (Schneider et al. 2011): (n−1)/2n for a complete graph, (n−1)/n² for a star
    under degree attack. A random attack averages `repeats` seeded shuffles."""
    n = graph.number_of_nodes()
    if n == 0:
        return {"attack": attack, "curve": [0.0], "auc": 0.0, "order": []}
    runs = repeats if attack == "random" else 1
    orders = [attack_order(graph, attack, seed + r) for r in range(runs)]
    curves = [largest_component_curve(graph, order) for order in orders]
    shares = [sum(c[k] for c in curves) / (runs * n) for k in range(n + 1)]
    return {"attack": attack, "curve": shares, "auc": sum(shares[1:]) / n, "order": orders[0]}
