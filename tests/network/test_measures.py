"""Network measures against published and library reference values (docs/networks.md)."""

from __future__ import annotations

import networkx as nx
import pytest

from peelian.network import measures as m


def test_karate_club_reference_values():
    karate = nx.karate_club_graph()
    # Zachary's karate club: Freeman degree centralization 422 / (33 · 32), transitivity 0.255682 (networkx).
    assert m.freeman_degree_centralization(karate) == pytest.approx(0.399621, abs=1e-6)
    assert m.transitivity(karate) == pytest.approx(0.255682, abs=1e-6)


@pytest.mark.parametrize(("graph", "expected"), [
    (nx.star_graph(6), 1.0), (nx.complete_graph(7), 0.0), (nx.path_graph(5), 0.166667), (nx.cycle_graph(8), 0.0),
    (nx.path_graph(2), 0.0),
])
def test_freeman_degree_centralization_of_known_graphs(graph, expected):
    assert m.freeman_degree_centralization(graph) == pytest.approx(expected, abs=1e-6)


def test_betweenness_centralization_is_one_for_a_star_and_zero_for_a_ring():
    assert m.betweenness_centralization(nx.star_graph(5)) == pytest.approx(1.0)
    assert m.betweenness_centralization(nx.cycle_graph(7)) == pytest.approx(0.0)
    # P3 is a star of two leaves; P4: betweenness (normalised) 0, 2/3, 2/3, 0 → sum of (2/3 − c) = 4/3 over 3.
    assert m.betweenness_centralization(nx.path_graph(4)) == pytest.approx(4 / 9)


def test_transitivity_without_triples_is_zero():
    assert m.transitivity(nx.path_graph(2)) == 0.0
    assert m.transitivity(nx.complete_graph(4)) == 1.0


def test_blau_for_known_shares():
    assert m.blau({"police": 1}) == 0.0
    assert m.blau({"police": 1, "fire": 1}) == pytest.approx(0.5)
    assert m.blau({"a": 0.5, "b": 0.3, "c": 0.2}) == pytest.approx(1 - (0.25 + 0.09 + 0.04))
    assert m.blau(["police", "police", "fire", "ems"]) == pytest.approx(1 - (0.25 + 0.0625 + 0.0625))
    assert m.blau([]) == 0.0


def test_node_blau_is_the_diversity_of_each_nodes_partners():
    g = nx.star_graph(4)
    nx.set_node_attributes(g, {0: "police", 1: "police", 2: "fire", 3: "ems", 4: "ems"}, "sector")
    g.add_node(9, sector="fire")
    assert m.node_blau(g) == pytest.approx({0: 1 - (0.0625 + 0.0625 + 0.25), 1: 0.0, 2: 0.0, 3: 0.0, 4: 0.0})


def test_geographic_range_in_kilometres():
    g = nx.Graph()
    g.add_node("a", lat=0.0, lon=0.0, county="X")
    g.add_node("b", lat=0.0, lon=1.0, county="Y")
    g.add_node("c", county="Y")
    g.add_edges_from([("a", "b"), ("b", "c")])
    result = m.geographic_range(g)
    assert result["mean_distance_km"] == pytest.approx(111.195, abs=0.01)  # one degree of the equator
    assert result["areas"] == 2


def test_jaccard():
    assert m.jaccard({1, 2}, {2, 3}) == pytest.approx(1 / 3)
    assert m.jaccard(set(), set()) is None


def test_robustness_area_under_the_curve():
    n = 6
    assert m.robustness(nx.complete_graph(n))["auc"] == pytest.approx((n - 1) / (2 * n))
    star = m.robustness(nx.star_graph(n - 1), "degree")
    assert star["order"][0] == 0 and star["auc"] == pytest.approx((n - 1) / n ** 2)
    assert star["curve"][:2] == pytest.approx([1.0, 1 / n])
    rand = m.robustness(nx.star_graph(n - 1), "random", seed=3)
    assert star["auc"] < rand["auc"] <= 0.5
    assert m.robustness(nx.star_graph(n - 1), "random", seed=3) == rand  # seeded


@pytest.mark.parametrize("attack", m.ATTACKS)
def test_largest_component_curve_matches_removing_nodes_one_by_one(attack):
    graph = nx.gnm_random_graph(40, 70, seed=5)
    order = m.attack_order(graph, attack, seed=1)
    expected = []
    for k in range(len(order) + 1):
        rest = graph.copy()
        rest.remove_nodes_from(order[:k])
        expected.append(max((len(c) for c in nx.connected_components(rest)), default=0))
    assert m.largest_component_curve(graph, order) == expected


def test_unknown_attack():
    with pytest.raises(ValueError, match="attack must be"):
        m.attack_order(nx.path_graph(3), "pagerank")
