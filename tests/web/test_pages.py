"""What each page shows, through TestClient, on the known project of conftest.py."""

from __future__ import annotations

import json
import re
from html import unescape

from peelian.coding.samples import create_sample
from peelian.metrics.compute import compute_metrics
from peelian.metrics.params import Filters, MetricParams
from tests.web.conftest import csrf_of


def _count(html: str) -> int:
    match = re.search(r'<p class="count">\s*([\d,]+) post', html)
    assert match, "no result count on the page"
    return int(match.group(1).replace(",", ""))


def test_explorer_filters_search_sort_and_page(client_for) -> None:
    client = client_for("analyst")
    everything = _count(client.get("/explorer").text)
    assert everything == 200
    kent = client.get("/explorer?force=Kent").text
    assert _count(kent) == 60 and "West Midlands</span>" not in kent
    assert _count(client.get("/explorer?q=ONLINE+form").text) == 40
    assert _count(client.get("/explorer?q=100%25").text) == 0  # % is matched literally
    assert _count(client.get("/explorer?kind=original&account_type=officer").text) == 40
    assert _count(client.get("/explorer?code=topic:appeal").text) == 40
    assert _count(client.get("/explorer?prediction=mode:request&min_confidence=0.7").text) == 24
    assert _count(client.get("/explorer?date_from=2025-07-01&date_to=2025-07-31").text) == 0
    oldest = client.get("/explorer?sort=oldest").text
    assert oldest.index("Appeal 0:") < oldest.index("Appeal 3:")
    second = client.get("/explorer?page=2").text
    assert "page 2 of 4" in second and 'rel="prev"' in second


def test_explorer_htmx_request_gets_only_the_results(client_for) -> None:
    client = client_for("analyst")
    partial = client.get("/explorer?force=Kent", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="results"')
    assert "<html" not in partial.text


def test_explorer_rejects_bad_filters_with_a_message(client_for) -> None:
    client = client_for("analyst")
    response = client.get("/explorer?date_from=yesterday")
    assert response.status_code == 400 and "date_from must be a date" in response.text
    assert client.get("/explorer?sort=random").status_code == 400
    assert client.get("/explorer?min_confidence=2").status_code == 400


def test_posts_behind_a_figure_match_the_figure(client_for, web_project) -> None:
    client = client_for("analyst")
    row = compute_metrics(web_project, MetricParams(), (), None, Filters(force="Kent"), mixes=()).rows[0]
    page = client.get("/explorer?metric=needs_response&force=Kent")
    assert _count(page.text) == row["needs_response"]
    assert "posts behind the figure" in page.text
    responded = client.get("/explorer?metric=responded&force=Kent")
    assert _count(responded.text) == row["responded"]


def test_thread_shows_the_tree_with_delays_and_labels(client_for, web_project) -> None:
    client = client_for("analyst")
    page = client.get("/thread/twitter/1003").text
    assert page.count('class="turn ') == 3
    assert 'aria-level="2"' in page and 'aria-level="3"' in page
    assert "police reply after 13 min" in page
    assert 'title="gold label">appeal' in page and 'title="model mode-linear-1">request' in page
    by_reply = client.get("/thread/twitter/1005")  # any post of the conversation opens it
    assert by_reply.status_code == 200 and by_reply.text.count('class="turn ') == 3
    assert client.get("/thread/twitter/nope").status_code == 404


def test_unanswered_queue_and_handled(client_for, web_project) -> None:
    client = client_for("analyst")
    page = client.get("/unanswered?force=Kent").text
    rows = list(dict.fromkeys(re.findall(r"/unanswered/twitter/(\d+)/handled", page)))
    expected = compute_metrics(web_project, MetricParams(), (), None, Filters(force="Kent"), mixes=()).rows[0]
    assert len(rows) == expected["unanswered"] == 20
    first = rows[0]
    token = csrf_of(client)
    response = client.post(f"/unanswered/twitter/{first}/handled", data={"note": "called back", "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303
    after = client.get("/unanswered?force=Kent").text
    assert f"/unanswered/twitter/{first}/handled" not in after
    assert "1 post marked handled elsewhere is not listed" in after
    assert f"/unanswered/twitter/{first}/unhandled" in client.get("/unanswered?force=Kent&show_handled=1").text
    row = web_project.query("SELECT handled_by, note FROM handled")[0]
    assert row == {"handled_by": "ana", "note": "called back"}
    audit = web_project.query("SELECT username, target FROM audit_log WHERE action = 'handled'")
    assert audit == [{"username": "ana", "target": f"twitter:{first}"}]
    assert web_project.scalar("SELECT outcome FROM handled") == "handled_elsewhere"  # as the inbox marks it
    client.post(f"/unanswered/twitter/{first}/unhandled", data={"csrf_token": token})
    assert f"/unanswered/twitter/{first}/handled" in client.get("/unanswered?force=Kent").text
    assert web_project.scalar("SELECT count(*) FROM audit_log WHERE action = 'unhandled'") == 1


def test_dashboard_cards_charts_and_tables(client_for, web_project) -> None:
    client = client_for("viewer")
    page = client.get("/").text
    for label in ("Response rate", "Median response time", "Two-way ratio", "Police posts", "Citizens reached"):
        assert f"<h2>{label}</h2>" in page
    specs = re.findall(r'<script type="application/json" id="spec-([\w-]+)">(.*?)</script>', page, re.S)
    assert {name for name, _ in specs} == {"over-time", "response-times", "comparison", "content-mix", "mode-mix",
                                            "activity-clock"}
    for name, raw in specs:
        spec = json.loads(raw)
        assert spec["$schema"].endswith("vega-lite/v5.json"), name
        assert spec["data"]["values"], name
    assert page.count("Table of these numbers") == 6
    assert page.count("Posts behind this chart") == 6
    comparison = json.loads(dict(specs)["comparison"])
    groups = {v["group"] for v in comparison["data"]["values"]}
    assert groups == {"Kent · force_corporate", "Kent · officer", "West Midlands · force_corporate",
                      "West Midlands · officer"}
    content = json.loads(dict(specs)["content-mix"])["data"]["values"]
    assert any(v["series"].startswith("expected") for v in content)
    assert all(unescape(v["href"]).startswith("/explorer?") for v in content if v.get("href"))


def test_dashboard_is_cached_until_the_data_change(app, client_for, web_project) -> None:
    client = client_for("analyst")
    cache = app.state.peelian.cache
    client.get("/")
    misses = cache.misses
    client.get("/")
    assert cache.misses == misses and cache.hits > 0
    web_project.con.execute("INSERT INTO imports (import_id, path, format, sha256, started_at, peelian_version) "
                            "VALUES (99, 'x', 'twitter-v2', 'abc', now(), 'test')")
    cache.invalidate()
    client.get("/")
    assert cache.misses > misses


def test_dashboard_filter_by_force(client_for) -> None:
    page = client_for("analyst").get("/?force=Kent&date_from=2025-04-01&date_to=2025-05-31").text
    assert "Headline figures: 2025-04-01 to 2025-05-31" in page
    assert "/explorer?metric=posts&amp;force=Kent" in page


def test_coding_api_saves_undoes_and_prefetches(client_for, web_project) -> None:
    create_sample(web_project, "pilot", 4, coders=["cody"], seed=1, overlap=0.0)
    client = client_for("coder")
    page = client.get("/code").text
    item = json.loads(re.search(r'id="first-item">(.*?)</script>', page, re.S).group(1))
    assert item["progress"] == {"done": 0, "total": 4, "index": 1}
    assert all(code["key"] for dim in item["dimensions"] for code in dim["codes"])
    after = f"{item['post']['platform']}:{item['post']['post_id']}"
    upcoming = client.get("/code/api/next", params={"after": after}).json()
    assert upcoming["post"]["post_id"] != item["post"]["post_id"]
    token = csrf_of(client, "/code")
    decisions = {d["id"]: [d["codes"][0]["id"]] for d in item["dimensions"]}
    body = {"platform": "twitter", "post_id": item["post"]["post_id"], "sample": item["sample"], "status": "coded",
            "decisions": decisions, "note": "clear case"}
    assert client.post("/code/api/save", json=body, headers={"X-CSRF-Token": token}).json() == {
        "saved": len(decisions)}
    rows = web_project.query("SELECT dimension, codes, note, source FROM codings WHERE coder = 'cody' "
                             "ORDER BY coding_id")
    assert [r["dimension"] for r in rows] == list(decisions) and rows[0]["note"] == "clear case"
    assert web_project.scalar("SELECT count(*) FROM audit_log WHERE action = 'coding' AND username = 'cody'") == 1
    assert json.loads(re.search(r'id="first-item">(.*?)</script>', client.get("/code").text, re.S).group(1))[
        "post"]["post_id"] == upcoming["post"]["post_id"]
    undone = client.post("/code/api/undo", json={}, headers={"X-CSRF-Token": token}).json()
    assert undone["undone"]["post_id"] == item["post"]["post_id"]
    bad = dict(body, decisions={d: ["no-such-code"] for d in decisions})
    response = client.post("/code/api/save", json=bad, headers={"X-CSRF-Token": token, "Accept": "application/json"})
    assert response.status_code == 400 and "unknown code 'no-such-code'" in response.json()["error"]
    assert client.post("/code/api/save", json=body).status_code == 403  # no CSRF header


def test_models_page_shows_evaluations(client_for) -> None:
    client = client_for("viewer")
    listing = client.get("/models").text
    assert "mode-linear-1" in listing and "accuracy 0.81" in listing
    detail = client.get("/models/mode-linear-1").text
    assert "0.810" in detail and "per code" in detail and "inform" in detail
    assert client.get("/models/unknown").status_code == 404


def test_report_download_is_an_audited_export(client_for, web_project) -> None:
    client = client_for("analyst")
    assert "West Midlands" in client.get("/reports").text
    response = client.get("/reports/force.html?force=Kent&month=2025-05")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    assert "<h1>Kent: police–public dialogue on social media</h1>" in response.text
    audit = web_project.query("SELECT username, detail FROM audit_log WHERE action = 'export'")
    assert audit[0]["username"] == "ana" and "Kent" in audit[0]["detail"]
    assert client.get("/reports/force.html?force=Nowhere&month=2025-05").status_code == 400


def test_csv_export_is_audited(client_for, web_project) -> None:
    response = client_for("analyst").get("/explorer/export.csv?force=Kent")
    lines = response.text.strip().splitlines()
    assert lines[0].startswith("platform,post_id,created_at") and len(lines) == 61
    detail = web_project.scalar("SELECT detail FROM audit_log WHERE action = 'export'")
    assert '"rows":60' in detail.replace(" ", "")


def test_reliability_report_of_a_sample(client_for, web_project) -> None:
    from peelian.coding.codings import record_coding

    create_sample(web_project, "double", 6, coders=["ana", "cody"], seed=2, overlap=1.0)
    for item in web_project.query("SELECT DISTINCT post_id FROM sample_items WHERE sample_name = 'double'"):
        role = web_project.scalar("SELECT author_role FROM posts WHERE post_id = ?", [item["post_id"]])
        for coder, mode in (("ana", "inform"), ("cody", "request")):
            dimension, codes = ("citizen_intent", ["question"]) if role == "citizen" else ("mode", [mode])
            record_coding(web_project, coder, "twitter", item["post_id"], dimension, codes, sample="double")
    client = client_for("viewer")
    listing = client.get("/models").text
    assert 'href="/models/reliability/double"' in listing and "ana 6/6" in listing
    report = client.get("/models/reliability/double")
    assert report.status_code == 200 and "Krippendorff" in report.text
    assert client.get("/models/reliability/none").status_code == 404


def test_pages_with_charts_load_the_vega_scripts(client_for, web_project) -> None:
    client = client_for("admin")
    for path in ("/", "/assessment?force=Kent&period=2025-Q2", "/benchmark", "/networks"):
        page = client.get(path)
        assert page.status_code == 200, path
        head = page.text[:page.text.index("</head>")]
        for script in ("vega", "vega-lite", "vega-embed"):
            assert f'<script src="/static/vendor/{script}.min.js" defer></script>' in head, (path, script)
