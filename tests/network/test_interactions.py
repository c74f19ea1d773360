"""Interaction networks: structure measures checked on graphs whose values are known by hand."""

from __future__ import annotations

import networkx as nx
import pytest

from peelian.errors import InputError
from peelian.ingest import import_file
from peelian.network import InteractionNetwork, degree_centralization, robustness, role_mixing


def test_star_has_centralization_one_and_ring_zero():
    assert degree_centralization(nx.star_graph(5)) == pytest.approx(1.0)
    assert degree_centralization(nx.cycle_graph(6)) == pytest.approx(0.0)
    # path a-b-c-d: degrees 1,2,2,1 → sum(2-d) = 2 over (3*2) = 1/3
    assert degree_centralization(nx.path_graph(4)) == pytest.approx(1 / 3)


def test_robustness_of_a_star_collapses_when_the_hub_goes():
    assert robustness(nx.star_graph(4), 1) == pytest.approx(1 / 5)
    assert robustness(nx.complete_graph(5), 1) == pytest.approx(4 / 5)


def test_role_mixing_shares():
    g = nx.DiGraph()
    g.add_node("c", role="citizen")
    g.add_node("p", role="police")
    g.add_edge("c", "p", weight=3)
    g.add_edge("p", "c", weight=1)
    assert role_mixing(g) == {"citizen->police": 0.75, "police->citizen": 0.25}


def test_network_from_a_real_file(project, shared_fixtures, tmp_path):
    import_file(project, shared_fixtures / "twitter_v2/twarc-csv__flat.jsonl")
    replies = InteractionNetwork(kind="reply").fit(project)
    expected_pairs = project.scalar(
        "SELECT count(DISTINCT (author_id, reply_to_account_id)) FROM posts "
        "WHERE reply_to_account_id IS NOT NULL AND author_id <> reply_to_account_id")
    assert replies.n_edges_ == expected_pairs
    both = InteractionNetwork(kind="both").fit(project)
    assert both.n_edges_ >= replies.n_edges_
    assert 0 <= both.density_ <= 1 and 0 <= both.reciprocity_ <= 1
    out = tmp_path / "g.graphml"
    both.write(out)
    assert nx.read_graphml(out).number_of_edges() == both.n_edges_


def test_bad_kind_is_an_input_error():
    with pytest.raises(InputError, match="kind must be"):
        InteractionNetwork(kind="likes")


def test_network_cli(cli, project_path, shared_fixtures):
    import json

    cli("import", project_path, shared_fixtures / "twitter_v2/twarc-csv__flat.jsonl")
    result = cli("network", project_path, "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["edges"] > 0 and summary["parameters"]["kind"] == "both"
