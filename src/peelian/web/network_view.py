"""The Networks page's figures: per-layer measures over time and a graph view, as Vega-Lite charts
(with the same numbers as tables).

The graph is drawn by Vega-Lite from node positions networkx computes here (a seeded spring layout), so
the page needs only the vendored Vega scripts, no graph-drawing library and no CDN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from peelian.errors import NetworkDataError
from peelian.network.interactions import InteractionNetwork
from peelian.network.multilayer import AGGREGATE, MultilayerNetworks
from peelian.report.force_report import PALETTE, Chart, line_chart
from peelian.store.project import Project

LAYOUT_SEED = 7
MAX_GRAPH_NODES = 150  # an interaction graph shows its busiest accounts; the table lists them
INTERACTION_MEASURES = ("density", "reciprocity", "degree_centralization", "transitivity")
MEASURE_LABELS = {
    "degree_centralization": "degree centralization", "betweenness_centralization": "betweenness centralization",
    "largest_component_share": "largest component share", "node_blau": "Blau (partners' sectors, mean)",
    "blau": "Blau sector diversity", "mean_distance_km": "mean partner distance, km",
    "max_distance_km": "max partner distance, km", "robustness": "robustness (degree attack AUC)",
}


def agreements_version(project: Project) -> tuple[Any, ...]:
    """Part of the cache key: importing organisations or agreements does not change the posts' version."""
    return tuple(project.query("SELECT (SELECT max(imported_at) FROM organisations) AS o, "
                               "(SELECT max(imported_at) FROM agreements) AS a")[0].values())


def fit_multilayer(project: Project) -> MultilayerNetworks | None:
    """The county-year networks, or None when no agreements are stored yet."""
    if not project.scalar("SELECT count(*) FROM agreements"):
        return None
    return MultilayerNetworks(by="county,year").fit(project)


def graph_chart(chart_id: str, title: str, graph: nx.Graph, *, group: str, label: str, weight: str,
                group_title: str) -> Chart:
    """Nodes at seeded spring-layout positions, coloured by `group`, sized by degree; ties as rules. The
    chart pans and zooms; each node's tooltip names it."""
    positions = nx.spring_layout(graph, seed=LAYOUT_SEED) if graph.number_of_nodes() else {}
    degree = dict(graph.degree())
    nodes = sorted(({"id": str(n), "name": str(d.get(label) or n), "group": d.get(group) or "other",
                     "degree": degree[n], "x": round(float(positions[n][0]), 4), "y": round(float(positions[n][1]), 4)}
                    for n, d in graph.nodes(data=True)), key=lambda r: (-r["degree"], r["name"]))
    edges = [{"x": round(float(positions[a][0]), 4), "y": round(float(positions[a][1]), 4),
              "x2": round(float(positions[b][0]), 4), "y2": round(float(positions[b][1]), 4),
              "weight": d.get(weight, 1)} for a, b, d in graph.edges(data=True)]
    scale = {"domain": [-1.1, 1.1], "nice": False}
    position = {"x": {"field": "x", "type": "quantitative", "axis": None, "scale": scale},
                "y": {"field": "y", "type": "quantitative", "axis": None, "scale": scale}}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": title, "width": "container", "height": 460,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "config": {"font": "system-ui, sans-serif", "view": {"stroke": None},
                   "legend": {"labelFontSize": 11, "titleFontSize": 12, "orient": "bottom"},
                   "range": {"category": PALETTE}},
        "layer": [
            {"data": {"values": edges}, "mark": {"type": "rule", "color": "#9aa3b2", "opacity": 0.7},
             "encoding": {**position, "x2": {"field": "x2"}, "y2": {"field": "y2"},
                          "strokeWidth": {"field": "weight", "type": "quantitative", "legend": None,
                                          "scale": {"range": [0.6, 4]}}}},
            {"data": {"values": nodes}, "mark": {"type": "circle", "stroke": "white", "strokeWidth": 1,
                                                 "opacity": 0.95},
             "params": [{"name": "zoom", "select": "interval", "bind": "scales"}],
             "encoding": {**position,
                          "color": {"field": "group", "type": "nominal", "title": group_title},
                          "size": {"field": "degree", "type": "quantitative", "legend": None,
                                   "scale": {"range": [40, 420]}},
                          "tooltip": [{"field": "name", "title": "name"}, {"field": "group", "title": group_title},
                                      {"field": "degree", "title": "ties", "type": "quantitative"}]}},
        ],
    }
    columns = [("name", "name", "text"), ("group", group_title, "text"), ("degree", "ties", "int")]
    return Chart(chart_id, title, spec, columns, nodes,
                 note="Drag to pan, scroll to zoom; node size is the number of ties.",
                 description=f"{title}: {len(nodes)} nodes and {len(edges)} ties")


@dataclass
class OrgNetworksPage:
    """The organisations view: one county's measures over time, one county-year-layer network drawn."""

    counties: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    county: str | None = None
    year: int | None = None
    layer: str = AGGREGATE
    measure: str = "degree_centralization"
    charts: list[Chart] = field(default_factory=list)
    row: dict[str, Any] | None = None
    overlap: dict[str, float | None] = field(default_factory=dict)


def org_page(net: MultilayerNetworks, *, county: str | None, year: int | None, layer: str,
             measure: str) -> OrgNetworksPage:
    counties = sorted({r["county"] for r in net.measures_})
    years = sorted({r["year"] for r in net.measures_})
    county = county or counties[0]
    if county not in counties:
        raise NetworkDataError(f"no agreements in county {county!r}")
    county_years = sorted({r["year"] for r in net.measures_ if r["county"] == county})
    year = year if year is not None else county_years[-1]
    if year not in county_years:
        raise NetworkDataError(f"no agreements in {county} in {year}")
    label = MEASURE_LABELS.get(measure, measure.replace("_", " "))
    series = [{"year": f"{r['year']}-01-01", "year_label": str(r["year"]), "layer": r["layer"], "value": r[measure]}
              for r in net.measures_ if r["county"] == county and r[measure] is not None]
    over_time = line_chart("measure-over-time", f"{county}: {label} per layer, by year", series, x="year",
                           y="value", series="layer",
                           columns=[("year_label", "year", "text"), ("layer", "layer", "text"),
                                    ("value", label, "num")],
                           y_title=label, y_format="num", period="year",
                           description=f"{label} of each layer and of all layers together, {county}, by year")
    over_time.spec["encoding"]["x"]["axis"] = {"format": "%Y", "tickCount": "year"}
    graph = net.graph((county, year), layer)
    drawn = graph_chart("graph", f"{county} {year}, {layer.replace('_', ' ')}: organisations and their agreements",
                        graph, group="sector", label="name", weight="layers", group_title="sector")
    row = next(r for r in net.measures_ if r["county"] == county and r["year"] == year and r["layer"] == layer)
    return OrgNetworksPage(counties=counties, years=years, county=county, year=year, layer=layer, measure=measure,
                           charts=[over_time, drawn], row=row, overlap=net.overlap((county, year)))


@dataclass
class InteractionPage:
    """The interactions view: measures by month and the busiest accounts drawn, by account type."""

    summary: dict[str, Any]
    charts: list[Chart]


def interaction_page(project: Project, *, kind: str, force: str | None, show_identities: bool) -> InteractionPage:
    net = InteractionNetwork(kind=kind, force=force, by="month", communities=True, seed=LAYOUT_SEED).fit(project)
    series = [{"month": f"{p['month']}-01", "month_label": p["month"], "measure": m.replace("_", " "),
               "value": p[m]} for p in net.panels_ for m in INTERACTION_MEASURES]
    over_time = line_chart("interaction-over-time", "Interaction network measures by month", series, x="month",
                           y="value", series="measure",
                           columns=[("month_label", "month", "text"), ("measure", "measure", "text"),
                                    ("value", "value", "num")],
                           y_title="value", y_format="num",
                           description="density, reciprocity, degree centralization and transitivity by month")
    undirected = net.graph_.to_undirected()
    strength = dict(undirected.degree(weight="weight"))
    busiest = sorted(undirected, key=lambda n: (-strength[n], str(n)))[:MAX_GRAPH_NODES]
    shown = undirected.subgraph(busiest).copy()
    masked: dict[Any, str] = {}
    for node, data in shown.nodes(data=True):
        data["type"] = data.get("account_type") or data.get("role") or "citizen"
        if data.get("role", "citizen") == "citizen" and not show_identities:
            masked[node] = data["label"] = f"citizen {len(masked) + 1}"
    # a node's id goes into the chart's data too: a viewer's chart names citizens only by their number
    shown = nx.relabel_nodes(shown, masked)
    drawn = graph_chart("graph", f"The {len(busiest)} busiest accounts and who they reply to or mention", shown,
                        group="type", label="label", weight="weight", group_title="account type")
    return InteractionPage(summary=net.summary(), charts=[over_time, drawn])
