"""A force name in a URL is checked against the project's forces on every page that takes one.

The CLI refused an unknown --force (metrics.scope); the web pages took any name and answered 200
with empty figures, an empty inbox or an empty CSV, which reads as "no data". Now the page is a
400 naming the force (escaped) and the forces the project holds, as the assessment page already was.
"""

from __future__ import annotations

import pytest

HOSTILE = "No<b>pe\" onmouseover='x'"
PAGES = ["/", "/explorer", "/explorer/export.csv", "/explorer?metric=response_rate", "/inbox", "/unanswered",
         "/networks?view=interactions", "/networks", "/assessment", "/reports/force.html?month=2025-05"]


def _get(client, page: str, force: str, **headers: str):
    path, _, query = page.partition("?")
    return client.get(path, params={**dict(p.split("=") for p in query.split("&") if p), "force": force},
                      headers=headers)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("force", [HOSTILE, "west midlands", "Nope"])
def test_an_unknown_force_is_a_400_naming_it(client_for, page, force):
    client = client_for("admin")
    response = _get(client, page, force)
    assert response.status_code == 400, (page, response.status_code, response.text[:300])
    text = response.text
    assert "Kent" in text and "West Midlands" in text  # the forces the project holds
    assert "<b>" not in text and "onmouseover='x'" not in text  # shown escaped, never as markup
    assert "No&lt;b&gt;" in text or force != HOSTILE
    if force == "west midlands":
        assert "West Midlands" in text


def test_an_unknown_force_in_a_partial_request_is_an_escaped_alert(client_for):
    response = client_for("viewer").get("/unanswered", params={"force": HOSTILE}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.text.startswith('<p class="error" role="alert">unknown force ') and "<b>" not in response.text


@pytest.mark.parametrize("page", ["/", "/explorer", "/explorer/export.csv", "/networks?view=interactions"])
def test_a_known_force_is_still_served(client_for, page):
    response = _get(client_for("admin"), page, "Kent")
    assert response.status_code in (200, 202), (page, response.status_code, response.text[:300])
    assert "unknown force" not in response.text
