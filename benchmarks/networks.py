"""Benchmark: multilayer measures for 81 counties × 20 years × 4 layers, and an interaction network from
generated posts, each against a reference measured in the same run.

    python benchmarks/networks.py                         # 81 × 20 × 4, 1 M posts, 3 runs
    python benchmarks/networks.py --posts 200000 --runs 5

Multilayer: organisations and agreements are generated (seeded), imported through the real importers
(not timed), then `MultilayerNetworks().fit(project)` is timed: reading the agreements, building every
county-year-layer network and the aggregate, and every measure of docs/networks.md. The reference is
networkx alone on the same graphs, built beforehand: density, components, Freeman degree and betweenness
centralization, transitivity, Blau, and the degree-attack robustness curve by removing nodes one by one.

Interactions: posts and mentions are synthesised straight into a project with DuckDB SQL (seeded hashes
over range()); `InteractionNetwork(kind="both").fit(project)` is timed. The reference is DuckDB alone
aggregating the same edges plus networkx building the graph from that edge list and computing the same
measures (density, reciprocity, transitivity, degree centralization), without Peelian's node attributes,
role mixing, robustness or citizen-led share; with --duckdb-reference (for millions of posts, where
networkx takes hours), DuckDB aggregating the edges alone.

Targets (issue 15): multilayer under 30 s; an interaction network from 10 M posts under 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from peelian.network.interactions import InteractionNetwork  # noqa: E402
from peelian.network.multilayer import AGGREGATE, MultilayerNetworks  # noqa: E402
from peelian.network.orgdata import LAYERS, import_agreements, import_organisations  # noqa: E402
from peelian.store.project import Project  # noqa: E402

SECTORS = ("police", "police", "police", "fire", "ems", "government", "education", "health", "nonprofit", "private")


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# ---- multilayer ------------------------------------------------------------------------------------------

def write_multilayer(folder: Path, counties: int, years: int, orgs_per_county: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    orgs, agreements = ["id,name,sector,county,lat,lon"], ["org_a,org_b,layer,start,end"]
    ids: dict[int, list[str]] = {}
    for c in range(counties):
        lat, lon = 40 + rng.random() * 3, -96 + rng.random() * 6
        ids[c] = []
        for o in range(orgs_per_county):
            org = f"c{c:02d}o{o:03d}"
            ids[c].append(org)
            orgs.append(f"{org},Org {org},{rng.choice(SECTORS)},County {c:02d},{lat + rng.uniform(-.2, .2):.4f},"
                        f"{lon + rng.uniform(-.2, .2):.4f}")
    first = 2005
    for c in range(counties):
        for year in range(first, first + years):
            for layer in LAYERS:
                for _ in range(rng.randint(2, 6) + (8 if year == first else 0)):
                    a, b = rng.sample(ids[c], 2)
                    if rng.random() < 0.05:
                        b = rng.choice(ids[rng.randrange(counties)])
                    if a == b:
                        continue
                    end = year + int(rng.expovariate(1 / 4))
                    agreements.append(f"{a},{b},{layer},{year},{'' if end >= first + years else end}")
    (folder / "orgs.csv").write_text("\n".join(orgs) + "\n")
    (folder / "agreements.csv").write_text("\n".join(agreements) + "\n")
    return folder / "orgs.csv", folder / "agreements.csv"


def reference_measures(graph: nx.Graph) -> dict[str, float]:
    """networkx alone: the same structural measures, robustness by removing nodes one at a time."""
    n = graph.number_of_nodes()
    degrees = dict(graph.degree())
    peak = max(degrees.values(), default=0)
    betweenness = nx.betweenness_centrality(graph) if n else {}
    top = max(betweenness.values(), default=0)
    sectors: dict[str, int] = {}
    for node in graph:
        if degrees[node]:
            sectors[graph.nodes[node]["sector"]] = sectors.get(graph.nodes[node]["sector"], 0) + 1
    total = sum(sectors.values())
    order = sorted(graph, key=lambda v: (-degrees[v], str(v)))
    rest, curve = graph.copy(), []
    for node in order:
        rest.remove_node(node)
        curve.append(max((len(c) for c in nx.connected_components(rest)), default=0) / n)
    return {
        "density": nx.density(graph) if n > 1 else 0.0,
        "components": nx.number_connected_components(graph),
        "degree_centralization": sum(peak - d for d in degrees.values()) / ((n - 1) * (n - 2)) if n > 2 else 0.0,
        "betweenness_centralization": sum(top - b for b in betweenness.values()) / (n - 1) if n > 2 else 0.0,
        "transitivity": nx.transitivity(graph),
        "blau": 1 - sum((v / total) ** 2 for v in sectors.values()) if total else 0.0,
        "robustness": sum(curve) / n if n else 0.0,
    }


def bench_multilayer(folder: Path, counties: int, years: int, orgs: int, runs: int, seed: int) -> dict[str, Any]:
    project = Project.init(folder / "multilayer.peelian")
    try:
        orgs_csv, agreements_csv = write_multilayer(folder, counties, years, orgs, seed)
        import_organisations(project, orgs_csv)
        report = import_agreements(project, agreements_csv)
        seconds, net = median_time(lambda: MultilayerNetworks().fit(project), runs)
        graphs = [net.graph(group, layer) for group in net.ties_ for layer in (*LAYERS, AGGREGATE)]
        ref_seconds, ref = median_time(lambda: [reference_measures(g) for g in graphs], runs)
        for row, expected in zip(net.measures_, ref, strict=True):  # the same numbers, or the comparison is void
            for key, value in expected.items():
                assert abs(row[key] - value) < 1e-9, (row, key, value)
        return {"agreements": report.agreements, "networks": len(graphs), "seconds": seconds,
                "reference_seconds": ref_seconds,
                "mean_nodes": statistics.mean(g.number_of_nodes() for g in graphs),
                "mean_ties": statistics.mean(g.number_of_edges() for g in graphs)}
    finally:
        project.close()


# ---- interactions ----------------------------------------------------------------------------------------

def synthesise_posts(project: Project, posts: int, seed: int) -> None:
    """Police accounts (300 across 20 forces) post; citizens reply to them and to each other and mention
    accounts, over 12 months."""
    con = project.con
    citizens, police = max(1000, posts // 10), 300
    con.execute(f"""
        INSERT INTO accounts (platform, account_id, handle, role, force, account_type)
        SELECT 'twitter', 'p' || i, 'police' || i, 'police', 'Force ' || (i % 20), 'force_corporate'
        FROM range({police}) t(i)""")
    con.execute(f"""
        INSERT INTO posts (platform, post_id, author_id, author_role, author_force, created_at, kind,
                           reply_to_post_id, reply_to_account_id, conversation_id)
        SELECT 'twitter', CAST(i AS VARCHAR),
               CASE WHEN hash(i, 1, {seed}) % 10 < 2 THEN 'p' || (hash(i, 2, {seed}) % {police})
                    ELSE 'c' || (hash(i, 3, {seed}) % {citizens}) END,
               CASE WHEN hash(i, 1, {seed}) % 10 < 2 THEN 'police' ELSE 'citizen' END,
               NULL,
               TIMESTAMP '2025-01-01' + INTERVAL (hash(i, 4, {seed}) % (365 * 86400)) SECOND,
               CASE WHEN hash(i, 5, {seed}) % 10 < 7 THEN 'reply' ELSE 'original' END,
               NULL,
               CASE WHEN hash(i, 5, {seed}) % 10 < 7 THEN
                    CASE WHEN hash(i, 6, {seed}) % 10 < 6 THEN 'p' || (hash(i, 7, {seed}) % {police})
                         ELSE 'c' || (hash(i, 8, {seed}) % {citizens}) END END,
               CAST(hash(i, 9, {seed}) % {max(1, posts // 20)} AS VARCHAR)
        FROM range({posts}) t(i)""")
    con.execute(f"""
        INSERT INTO mentions (platform, post_id, account_id, handle)
        SELECT 'twitter', CAST(i AS VARCHAR), 'p' || (hash(i, 10, {seed}) % {police}), NULL
        FROM range({posts}) t(i) WHERE hash(i, 11, {seed}) % 10 < 3""")


def reference_interactions(project: Project, networkx: bool = True) -> dict[str, float]:
    sql, params = InteractionNetwork(kind="both")._edge_sql()
    edges = project.con.execute(sql, params).fetchall()
    if not networkx:  # DuckDB alone aggregating the edges: the floor under any interaction network
        return {"edges": len(edges)}
    graph = nx.DiGraph()
    graph.add_weighted_edges_from((e[1], e[2], e[4]) for e in edges)
    undirected = graph.to_undirected()
    n = undirected.number_of_nodes()
    degrees = [d for _, d in undirected.degree()]
    peak = max(degrees)
    return {"edges": graph.number_of_edges(), "density": nx.density(graph), "reciprocity": nx.reciprocity(graph),
            "transitivity": nx.transitivity(undirected),
            "degree_centralization": sum(peak - d for d in degrees) / ((n - 1) * (n - 2))}


def bench_interactions(folder: Path, posts: int, runs: int, seed: int, networkx: bool) -> dict[str, Any]:
    project = Project.init(folder / "interactions.peelian")
    try:
        synthesise_posts(project, posts, seed)
        seconds, net = median_time(lambda: InteractionNetwork(kind="both").fit(project), runs)
        ref_seconds, ref = median_time(lambda: reference_interactions(project, networkx), runs)
        assert ref["edges"] == net.n_edges_
        assert not networkx or abs(ref["transitivity"] - net.transitivity_) < 1e-9
        return {"posts": posts, "nodes": net.n_nodes_, "edges": net.n_edges_, "seconds": seconds,
                "reference_seconds": ref_seconds}
    finally:
        project.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counties", type=int, default=81)
    parser.add_argument("--years", type=int, default=20)
    parser.add_argument("--orgs-per-county", type=int, default=30)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", choices=("multilayer", "interactions"), action="append", default=[])
    parser.add_argument("--duckdb-reference", action="store_true",
                        help="Interactions' reference: DuckDB aggregating the edges only (networkx takes hours on "
                             "millions of posts).")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians of {args.runs} runs")
    with tempfile.TemporaryDirectory(prefix="peelian-bench-networks-") as tmp:
        print("| work | size | Peelian, s | reference, s | Peelian / reference |")
        print("|---|---|---:|---:|---:|")
        if "multilayer" not in args.skip:
            m = bench_multilayer(Path(tmp), args.counties, args.years, args.orgs_per_county, args.runs, args.seed)
            print(f"| multilayer measures | {args.counties} counties × {args.years} years × 4 layers + aggregate = "
                  f"{m['networks']:,} networks (mean {m['mean_nodes']:.0f} nodes, {m['mean_ties']:.0f} ties; "
                  f"{m['agreements']:,} agreements) | {m['seconds']:.2f} | {m['reference_seconds']:.2f} | "
                  f"{m['seconds'] / m['reference_seconds']:.2f} |")
        if "interactions" not in args.skip:
            i = bench_interactions(Path(tmp), args.posts, args.runs, args.seed, not args.duckdb_reference)
            reference = "DuckDB edges only" if args.duckdb_reference else "DuckDB edges + networkx"
            print(f"| interaction network (reply + mention; reference: {reference}) | {i['posts']:,} posts → "
                  f"{i['nodes']:,} accounts, "
                  f"{i['edges']:,} ties | {i['seconds']:.2f} | {i['reference_seconds']:.2f} | "
                  f"{i['seconds'] / i['reference_seconds']:.2f} |")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
