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


@pytest.mark.parametrize("min_weight", [0, -1, 2**63, True, 1.5, "2"])
def test_a_min_weight_that_is_not_a_count_is_an_input_error(min_weight):
    """Weights count interactions, so 1 is the least threshold: 0 and -1 were taken silently (and reported as the
    threshold used), a number past BIGINT was an unexpected TypeError in DuckDB."""
    with pytest.raises(InputError, match="min_weight must be"):
        InteractionNetwork(min_weight=min_weight)


def test_the_national_network_checks_min_weight_before_reading_the_lake(tmp_path):
    from peelian.national.network import edges, national_network

    for call in (edges, national_network):
        with pytest.raises(InputError, match="min_weight must be at least 1"):
            call(tmp_path / "no-lake", min_weight=0)


@pytest.mark.parametrize(("dates", "message"), [
    ({"date_from": "garbage"}, "date_from must be a date like 2025-05-31"),
    ({"date_to": "2025-13-40"}, "date_to must be a date like 2025-05-31"),
    ({"date_from": "2025-02-01", "date_to": "2025-01-01"}, "date_to 2025-01-01 is before date_from 2025-02-01"),
    ({"date_from": "0001-01-01"}, "date_from must lie between"),
])
def test_a_period_that_is_not_one_is_an_input_error(dates, message):
    """A day DuckDB cannot cast was an unexpected ConversionException; a last day before the first, an empty network."""
    with pytest.raises(InputError, match=message):
        InteractionNetwork(**dates)


def test_robustness_removals_below_zero_is_an_input_error():
    with pytest.raises(InputError, match="robustness_removals"):
        InteractionNetwork(robustness_removals=-1)


@pytest.mark.parametrize(("args", "message"), [
    (("--min-weight", "-1"), "greater than or equal to 1"),
    (("--min-weight", "0"), "greater than or equal to 1"),
    (("--min-weight", str(10**21)), "min_weight must be at least 1"),
    (("--from", "garbage"), "cannot read --from 'garbage'; write YYYY-MM-DD"),
    (("--from", "2025-02-01", "--to-date", "2025-01-01"), "is before --from"),
])
def test_network_cli_refuses_nonsense_numbers_and_days(cli, project_path, args, message):
    result = cli("network", project_path, *args)
    assert result.exit_code == 2, result.output
    words = " ".join(result.output.replace("│", " ").split())
    assert message in words and "unexpected" not in words and "Traceback" not in words


def test_network_cli_refuses_a_graph_file_it_cannot_write_before_computing(cli, project_path, tmp_path, monkeypatch):
    fitted = []
    monkeypatch.setattr(InteractionNetwork, "fit", lambda self, project: fitted.append(self) or self)
    result = cli("network", project_path, "--to", tmp_path / "graph.txt")
    assert result.exit_code == 2 and ".graphml or .gexf" in result.output
    assert not fitted and not (tmp_path / "graph.txt").exists()


def test_national_network_cli_refuses_a_min_weight_below_one(cli, tmp_path):
    result = cli("national", "network", tmp_path / "lake", "--min-weight", "0")
    assert result.exit_code == 2 and "greater than or equal to 1" in result.output


def test_network_cli(cli, project_path, shared_fixtures):
    import json

    cli("import", project_path, shared_fixtures / "twitter_v2/twarc-csv__flat.jsonl")
    result = cli("network", project_path, "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["edges"] > 0 and summary["parameters"]["kind"] == "both"


def _thread_project(project):
    """A police post P1 (force F) with replies: citizen c1 → police, c2 → c1, c3 → c2, police → c3, c1 → c1
    (a self-reply); and a citizen post C9 with a reply c2 → c9 outside any police conversation."""
    con = project.con
    con.execute("INSERT INTO accounts (platform, account_id, handle, role, force, account_type) VALUES "
                "('x', 'pol', 'fpolice', 'police', 'F', 'force_corporate'), ('x', 'c1', NULL, 'citizen', NULL, NULL),"
                "('x', 'c2', NULL, 'citizen', NULL, NULL), ('x', 'c3', NULL, 'citizen', NULL, NULL),"
                "('x', 'c9', NULL, 'citizen', NULL, NULL)")
    rows = [("P1", "pol", "police", "F", "original", None, None, "P1", "2025-01-05"),
            ("R1", "c1", "citizen", None, "reply", "P1", "pol", "P1", "2025-01-05"),
            ("R2", "c2", "citizen", None, "reply", "R1", "c1", "P1", "2025-01-06"),
            ("R3", "c3", "citizen", None, "reply", "R2", "c2", "P1", "2025-02-01"),
            ("R4", "pol", "police", "F", "reply", "R3", "c3", "P1", "2025-02-02"),
            ("R5", "c1", "citizen", None, "reply", "R1", "c1", "P1", "2025-02-03"),
            ("C9", "c9", "citizen", None, "original", None, None, "C9", "2025-01-07"),
            ("R9", "c2", "citizen", None, "reply", "C9", "c9", "C9", "2025-01-07")]
    con.executemany("INSERT INTO posts (platform, post_id, author_id, author_role, author_force, kind, "
                    "reply_to_post_id, reply_to_account_id, conversation_id, created_at) "
                    "VALUES ('x', ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return project


def test_citizen_led_share_around_police_posts(project):
    from peelian.network.interactions import citizen_led_share

    _thread_project(project)
    # In P1's conversation: R1 c1→pol, R2 c2→c1, R3 c3→c2, R4 pol→c3 (R5 is a self-reply; R9 is elsewhere).
    assert citizen_led_share(project) == {"replies": 4, "citizen_to_citizen": 2, "conversations": 1, "share": 0.5}
    assert citizen_led_share(project, date_from="2025-02-01")["share"] == pytest.approx(1 / 2)
    assert citizen_led_share(project, force="G")["share"] is None


def test_panels_by_force_and_month(project):
    _thread_project(project)
    net = InteractionNetwork(kind="reply", by="month,force").fit(project)
    panels = {(p["force"], p["month"]): p for p in net.panels_}
    assert set(panels) == {("F", "2025-01"), ("F", "2025-02")}
    # The force's network is its accounts, their partners and the ties among them: c1→pol in January (c2→c1
    # leaves it: c2 is no partner of the police), pol→c3 in February.
    assert panels[("F", "2025-01")]["edges"] == 1 and panels[("F", "2025-02")]["edges"] == 1
    assert panels[("F", "2025-01")]["role_mixing"] == {"citizen->police": 1.0}
    months = InteractionNetwork(kind="reply", by="month").fit(project).panels_
    assert [(p["month"], p["edges"]) for p in months] == [("2025-01", 3), ("2025-02", 2)]
    with pytest.raises(InputError, match="--by takes"):
        InteractionNetwork(by="county")


def test_louvain_communities_are_seeded_and_exported(project, tmp_path):
    # Two triangles joined by one tie: Louvain splits them.
    con = project.con
    pairs = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("f", "d"), ("c", "d")]
    con.executemany("INSERT INTO posts (platform, post_id, author_id, kind, reply_to_account_id, created_at) "
                    "VALUES ('x', ?, ?, 'reply', ?, '2025-01-01')", [(f"p{i}", a, b) for i, (a, b) in enumerate(pairs)])
    net = InteractionNetwork(kind="reply", communities=True, seed=1).fit(project)
    assert sorted(map(sorted, net.communities_)) == [["a", "b", "c"], ["d", "e", "f"]]
    assert net.modularity_ == pytest.approx(nx.community.modularity(
        net.graph_.to_undirected(), [{"a", "b", "c"}, {"d", "e", "f"}]))
    assert net.summary()["communities"] == [3, 3]
    net.write(tmp_path / "g.gexf")
    again = nx.read_gexf(tmp_path / "g.gexf")
    assert {again.nodes[n]["community"] for n in ("a", "b", "c")} != {again.nodes[n]["community"] for n in "def"}


def test_sparse_measures_match_networkx_on_a_random_network():
    import pyarrow as pa

    from peelian.network.interactions import _ArrayNetwork

    graph = nx.gnm_random_graph(300, 2500, seed=3, directed=True)
    hub_edges = [(0, v) for v in range(1, 200)] + [(v, 0) for v in range(150, 280)]
    graph.add_edges_from(hub_edges)
    rows = [{"platform": "x", "source": f"n{a}", "target": f"n{b}", "weight": 1 + (a * b) % 3, "replies": 1,
             "mentions": 0, "source_role": "police" if a < 5 else "citizen", "target_role": "citizen",
             "source_force": "", "target_force": "", "source_type": "", "target_type": "", "source_handle": "",
             "target_handle": ""} for a, b in graph.edges()]
    measured = _ArrayNetwork.from_edges(pa.Table.from_pylist(rows)).measures(5)
    undirected = graph.to_undirected()
    assert measured["n_edges"] == graph.number_of_edges() and measured["n_nodes"] == graph.number_of_nodes()
    assert measured["density"] == pytest.approx(nx.density(graph))
    assert measured["reciprocity"] == pytest.approx(nx.reciprocity(graph))
    assert measured["transitivity"] == pytest.approx(nx.transitivity(undirected))
    assert measured["degree_centralization"] == pytest.approx(degree_centralization(undirected))
    assert measured["robustness"] == pytest.approx(robustness(undirected, 5))
