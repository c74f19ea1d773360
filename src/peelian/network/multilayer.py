"""Multilayer inter-organisational networks: one network per group (county and year by default) and
layer, plus the aggregate of the layers, with the measures of docs/networks.md.

Conventions (docs/networks.md says why):
- an agreement is active in each calendar year from its start year to its end year (no end: to the last
  year in the data);
- it belongs to the county its `county` column names, else to the county of each partner;
- every layer of a group shares one node set, the organisations with an active agreement in any layer
  there, so a layer's density or centralization is comparable with the others' and with the aggregate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

import networkx as nx

from peelian.errors import NetworkDataError
from peelian.network import measures as m
from peelian.network.orgdata import LAYERS, load_organisations
from peelian.store.project import Project

AGGREGATE = "all"
GROUP_KEYS = ("county", "year")
NO_COUNTY = "(no county)"
MEASURE_COLUMNS = (
    "nodes", "ties", "density", "components", "largest_component_share", "degree_centralization",
    "betweenness_centralization", "transitivity", "blau", "node_blau", "mean_distance_km", "max_distance_km",
    "areas", "stability", "multiplexity", "jaccard", "robustness",
)

Pair = tuple[str, str]
Group = tuple[Any, ...]


def parse_by(by: str | Iterable[str]) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in (by.split(",") if isinstance(by, str) else by) if k.strip())
    bad = [k for k in keys if k not in GROUP_KEYS]
    if bad or not keys or len(set(keys)) != len(keys):
        raise NetworkDataError(f"--by takes county, year or county,year, not {','.join(keys) or 'nothing'!r}")
    return tuple(k for k in GROUP_KEYS if k in keys)


def parse_layers(layers: str | Iterable[str] | None) -> tuple[str, ...]:
    if layers is None:
        return LAYERS
    chosen = tuple(x.strip() for x in (layers.split(",") if isinstance(layers, str) else layers) if x.strip())
    bad = [x for x in chosen if x not in LAYERS]
    if bad or not chosen:
        raise NetworkDataError(f"unknown layer(s) {', '.join(bad) or '(none)'} (known: {', '.join(LAYERS)})")
    return chosen


class MultilayerNetworks:
    """Measures per group and layer from the stored organisations and agreements.

    Parameters: `by` (county, year or both), the `layers` kept, the attack whose robustness area goes in
    the table, and the seed of random attacks.
    """

    def __init__(self, *, by: str | Iterable[str] = "county,year", layers: str | Iterable[str] | None = None,
                 attack: str = "degree", seed: int = 0):
        if attack not in m.ATTACKS:
            raise NetworkDataError(f"attack must be one of {', '.join(m.ATTACKS)}, not {attack!r}")
        self.by = parse_by(by)
        self.layers = parse_layers(layers)
        self.attack = attack
        self.seed = seed

    # ---- building -----------------------------------------------------------------------------------------
    def fit(self, project: Project) -> MultilayerNetworks:
        organisations = load_organisations(project)
        agreements = project.query(
            "SELECT org_a, org_b, layer, year(start_date) AS first, year(end_date) AS last, county, value "
            "FROM agreements WHERE list_contains(?, layer)", [list(self.layers)])
        if not agreements:
            raise NetworkDataError("no agreements are stored for these layers; import them with "
                                   "`peelian agreements import`")
        return self.fit_records(organisations, agreements)

    def fit_records(self, organisations: dict[str, dict], agreements: list[dict]) -> MultilayerNetworks:
        """Build from plain records (org id -> attributes; agreements with org_a, org_b, layer, first, last,
        county), which is what `fit` reads from the project."""
        horizon = max(max(a["first"], a["last"] or a["first"]) for a in agreements)
        ties: dict[Group, dict[str, dict[Pair, int]]] = defaultdict(lambda: defaultdict(dict))
        for a in agreements:
            pair = (a["org_a"], a["org_b"]) if a["org_a"] < a["org_b"] else (a["org_b"], a["org_a"])
            counties = {a["county"]} if a["county"] else (
                {organisations[a["org_a"]]["county"], organisations[a["org_b"]]["county"]})
            counties = {c or NO_COUNTY for c in counties}
            for year in range(a["first"], (a["last"] or horizon) + 1):
                for county in counties:
                    group = tuple({"county": county, "year": year}[k] for k in self.by)
                    layer_ties = ties[group][a["layer"]]
                    layer_ties[pair] = layer_ties.get(pair, 0) + 1
        self.organisations_ = organisations
        self.ties_ = {g: dict(v) for g, v in sorted(ties.items(), key=lambda kv: tuple(map(str, kv[0])))}
        self.horizon_ = horizon
        self.measures_ = self._measure()
        return self

    def graph(self, group: Group, layer: str = AGGREGATE) -> nx.Graph:
        """The network of one group (e.g. ("Polk", 2020)) and layer, nodes carrying their attributes; on the
        aggregate each tie's `layers` is the number of layers the pair shares (its multiplexity)."""
        if group not in self.ties_:
            raise NetworkDataError(f"no agreements for {dict(zip(self.by, group, strict=True))}")
        layers = self.ties_[group]
        nodes = {n for pairs in layers.values() for pair in pairs for n in pair}
        graph = nx.Graph()
        graph.add_nodes_from(sorted(nodes))
        for node in nodes:
            info = self.organisations_.get(node, {})
            graph.nodes[node].update({k: info.get(k) for k in ("name", "sector", "county", "lat", "lon", "area")})
        chosen = self.layers if layer == AGGREGATE else (layer,)
        for name in chosen:
            for (a, b), count in layers.get(name, {}).items():
                if graph.has_edge(a, b):
                    graph[a][b]["layers"] += 1
                    graph[a][b]["agreements"] += count
                else:
                    graph.add_edge(a, b, layers=1, agreements=count)
        return graph

    def group(self, **values: Any) -> Group:
        """The group key for county=…, year=… (only the keys of `by`)."""
        missing = [k for k in self.by if values.get(k) is None]
        if missing:
            raise NetworkDataError(f"name the {' and '.join(missing)} of the network")
        return tuple(values[k] for k in self.by)

    # ---- measuring ---------------------------------------------------------------------------------------
    def _measure(self) -> list[dict[str, Any]]:
        rows = []
        for group, layers in self.ties_.items():
            edge_sets = {name: set(layers.get(name, {})) for name in self.layers}
            union = set().union(*edge_sets.values())
            previous = self._previous(group)
            for layer in (*self.layers, AGGREGATE):
                graph = self.graph(group, layer)
                edges = union if layer == AGGREGATE else edge_sets[layer]
                row: dict[str, Any] = dict(zip(self.by, group, strict=True))
                row["layer"] = layer
                row.update(self._structure(graph))
                if layer == AGGREGATE:
                    shared = [graph[a][b]["layers"] for a, b in graph.edges()]
                    pairs = [m.jaccard(edge_sets[x], edge_sets[y]) for x, y in combinations(self.layers, 2)]
                    pairs = [p for p in pairs if p is not None]
                    row["jaccard"] = sum(pairs) / len(pairs) if pairs else None
                else:
                    shared = [sum(e in s for s in edge_sets.values()) for e in edges]
                    others = set().union(*(s for name, s in edge_sets.items() if name != layer))
                    row["jaccard"] = m.jaccard(edges, others)
                row["multiplexity"] = sum(shared) / len(shared) if shared else None
                if previous is None:
                    row["stability"] = None
                else:
                    before = (set().union(*(set(previous.get(x, {})) for x in self.layers)) if layer == AGGREGATE
                              else set(previous.get(layer, {})))
                    row["stability"] = len(before & edges) / len(before) if before else None
                rows.append({k: row.get(k) for k in (*self.by, "layer", *MEASURE_COLUMNS)})
        return rows

    def _previous(self, group: Group) -> dict[str, dict[Pair, int]] | None:
        if "year" not in self.by:
            return None
        at = self.by.index("year")
        before = group[:at] + (group[at] - 1,) + group[at + 1:]
        return self.ties_.get(before, {}) if self._has_year(group[at] - 1) else None

    def _has_year(self, year: int) -> bool:
        at = self.by.index("year")
        return any(g[at] == year for g in self.ties_)

    def _structure(self, graph: nx.Graph) -> dict[str, Any]:
        n = graph.number_of_nodes()
        tied = [node for node in graph if graph.degree(node)]
        components = list(nx.connected_components(graph)) if n else []
        node_blau = m.node_blau(graph)
        return {
            "nodes": n, "ties": graph.number_of_edges(), "density": m.density(graph), "components": len(components),
            "largest_component_share": max(map(len, components)) / n if n else 0.0,
            "degree_centralization": m.freeman_degree_centralization(graph),
            "betweenness_centralization": m.betweenness_centralization(graph),
            "transitivity": m.transitivity(graph),
            "blau": m.blau(graph.nodes[node].get("sector") for node in tied),
            "node_blau": sum(node_blau.values()) / len(node_blau) if node_blau else None,
            **m.geographic_range(graph),
            "robustness": m.robustness(graph, self.attack, seed=self.seed)["auc"],
        }

    # ---- output ------------------------------------------------------------------------------------------
    def robustness(self, group: Group, attack: str = "degree", layer: str = AGGREGATE, *, steps: int | None = None,
                   seed: int | None = None) -> dict[str, Any]:
        """The largest-component curve of one network under an attack, with the removed organisations."""
        if attack not in m.ATTACKS:
            raise NetworkDataError(f"attack must be one of {', '.join(m.ATTACKS)}, not {attack!r}")
        graph = self.graph(group, layer)
        result = m.robustness(graph, attack, seed=self.seed if seed is None else seed)
        n = graph.number_of_nodes()
        last = n if steps is None else min(steps, n)
        removed = [None, *result["order"]]
        curve = [{"removed": k, "organisation": removed[k],
                  "name": graph.nodes[removed[k]].get("name") if k else None,
                  "largest_component": round(result["curve"][k] * n, 6), "share": result["curve"][k]}
                 for k in range(last + 1)]
        return {**dict(zip(self.by, group, strict=True)), "layer": layer, "attack": attack, "nodes": n,
                "ties": graph.number_of_edges(), "auc": result["auc"], "curve": curve}

    def overlap(self, group: Group) -> dict[str, float | None]:
        """Jaccard overlap of every pair of layers' tie sets in one group, keyed 'a|b' (None: both empty)."""
        if group not in self.ties_:
            raise NetworkDataError(f"no agreements for {dict(zip(self.by, group, strict=True))}")
        sets = {name: set(self.ties_[group].get(name, {})) for name in self.layers}
        return {f"{a}|{b}": m.jaccard(sets[a], sets[b]) for a, b in combinations(self.layers, 2)}

    def write(self, path: str | Path) -> None:
        """The measures as Parquet or CSV, by extension (the CSV formula-safe: counties come from a hand-made file)."""
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        from peelian.store.safe_text import neutralise_arrow

        path = Path(path)
        table = pa.Table.from_pylist(self.measures_)
        if path.suffix == ".parquet":
            pq.write_table(table, path)
        elif path.suffix == ".csv":
            pacsv.write_csv(neutralise_arrow(table), path)
        else:
            raise NetworkDataError("write the measures as .parquet or .csv", path=str(path))

