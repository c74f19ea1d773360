"""The Networks page: the empty state, the organisations view (measures over time, the graph, a layer's
measures), the interactions view, and bad parameters as 400s."""

from __future__ import annotations

import json
import re
from html import unescape

from peelian.network.orgdata import import_agreements, import_organisations
from tests.network.test_multilayer import AGREEMENTS, ORGS


def _spec(html: str, chart: str) -> dict:
    raw = re.search(rf'<script type="application/json" id="spec-{chart}">(.*?)</script>', html, re.S).group(1)
    return json.loads(raw)


def _with_agreements(web_project, tmp_path) -> None:
    (tmp_path / "orgs.csv").write_text(ORGS)
    (tmp_path / "agreements.csv").write_text(AGREEMENTS)
    import_organisations(web_project, tmp_path / "orgs.csv")
    import_agreements(web_project, tmp_path / "agreements.csv")


def test_empty_state_says_how_to_import(client_for) -> None:
    page = client_for("viewer").get("/networks")
    assert page.status_code == 200 and "peelian agreements import" in page.text
    assert 'href="/networks"' in page.text  # the nav link


def test_organisations_view(client_for, web_project, tmp_path) -> None:
    client = client_for("viewer")
    client.get("/networks")  # cached empty state must not outlive the import
    _with_agreements(web_project, tmp_path)
    page = client.get("/networks?county=X&year=2019&layer=all&measure=multiplexity")
    assert page.status_code == 200
    graph = _spec(page.text, "graph")
    nodes, edges = graph["layer"][1]["data"]["values"], graph["layer"][0]["data"]["values"]
    assert {n["id"] for n in nodes} == set("ABCDEF") and len(edges) == 4
    assert {n["group"] for n in nodes} == {"police", "fire", "ems", "health"}
    assert all(-1.0001 <= n["x"] <= 1.0001 for n in nodes)
    over_time = _spec(page.text, "measure-over-time")["data"]["values"]
    assert {(r["year_label"], r["layer"]): r["value"] for r in over_time}[("2019", "all")] == 1.25
    text = unescape(page.text)
    assert "mutual aid & sharing" in text and "0.500" in text  # the Jaccard overlap table
    layer = client.get("/networks?county=X&year=2020&layer=mutual_aid")
    assert len(_spec(layer.text, "graph")["layer"][0]["data"]["values"]) == 1


def test_interactions_view_hides_citizens_from_viewers(client_for) -> None:
    viewer = client_for("viewer").get("/networks?view=interactions&kind=reply")
    assert viewer.status_code == 200 and "citizen-to-citizen" in viewer.text
    names = {n["name"] for n in _spec(viewer.text, "graph")["layer"][1]["data"]["values"] if n["group"] == "citizen"}
    assert names and all(name.startswith("citizen ") for name in names)
    assert len(_spec(viewer.text, "interaction-over-time")["data"]["values"]) > 0


def test_bad_parameters_are_400(client_for, web_project, tmp_path) -> None:
    _with_agreements(web_project, tmp_path)
    client = client_for("viewer")
    for query in ("measure=drop%20table", "layer=friendship", "year=99999", "county=Nowhere", "county=X&year=2001",
                  "view=other", "kind=likes"):
        assert client.get(f"/networks?{query}").status_code == 400, query
