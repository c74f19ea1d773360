"""The Assessment and Benchmark pages on the web test project (two forces, April–May 2025)."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_of


def test_assessment_page_shows_scores_evidence_and_posts_links(client_for):
    client = client_for("viewer")
    page = client.get("/assessment?force=Kent&period=2025-Q2")
    assert page.status_code == 200
    assert "Prioritise &amp; Integrate" in page.text and "Foster Innovation" in page.text
    assert 'href="/assessment"' in page.text and 'href="/benchmark"' in page.text
    links = re.findall(r'class="evidence" href="([^"]+)"', page.text)
    assert links and all("force=Kent" in link and "date_from=2025-04-01" in link for link in links)
    assert 'action="/assessment/answer"' not in page.text  # a viewer may look, not answer
    evidence = client.get(links[0].replace("&amp;", "&"))
    assert evidence.status_code == 200 and "posts behind" in evidence.text.lower()


def test_an_analyst_answer_changes_the_score_and_is_audited(client_for, web_project):
    client = client_for("analyst")
    before = client.get("/assessment?force=Kent&period=2025-Q2").text
    score = re.search(r'id="pillar-prioritise_integrate">([^<]+)<', before)[1]
    saved = client.post("/assessment/answer", data={"force": "Kent", "period": "2025-Q2", "indicator": "strategy",
                                                    "level": "5", "note": "board paper",
                                                    "csrf_token": csrf_of(client, "/assessment")},
                        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/assessment?force=Kent&period=2025-Q2")
    after = client.get(saved.headers["location"]).text
    assert re.search(r'id="pillar-prioritise_integrate">([^<]+)<', after)[1] != score
    assert "answered level 5" in after and "board paper" in after
    audit = web_project.query("SELECT username, target FROM audit_log WHERE action = 'assessment_answer'")
    assert audit == [{"username": "ana", "target": "Kent 2025-Q2"}]


def test_bad_answers_are_400s_naming_the_problem(client_for):
    client = client_for("analyst")
    token = csrf_of(client, "/assessment")
    unknown = client.post("/assessment/answer", data={"force": "Kent", "indicator": "happiness", "level": "3",
                                                      "period": "2025-Q2", "csrf_token": token})
    assert unknown.status_code == 400 and "unknown indicator &#39;happiness&#39;" in unknown.text
    force = client.get("/assessment?force=Atlantis")
    assert force.status_code == 400 and "unknown force &#39;Atlantis&#39;" in force.text
    period = client.get("/assessment?force=Kent&period=2025-Q9")
    assert period.status_code == 400 and "unknown period" in period.text


def test_benchmark_page_ranks_with_intervals_and_account_types(client_for):
    page = client_for("viewer").get("/benchmark")
    assert page.status_code == 200
    assert "Response rate" in page.text and "95% interval" in page.text and "small n" in page.text
    assert "By account type, all forces" in page.text and "Maturity scores" in page.text
    officers = client_for("viewer").get("/benchmark?by=force,account_type&account_type=officer&period=2025-Q2")
    assert officers.status_code == 200 and "officer" in officers.text
