"""The "Check a draft" page: readers check a draft and see the risky spans marked, with all text escaped;
each check is audited without the draft; a coder has no access; bad drafts are a 400 naming the problem."""

from __future__ import annotations

import orjson

from tests.web.conftest import app, client_for, csrf_of, web_project, web_project_template  # noqa: F401

DRAFT = "Ring me on 07700 900123 <script>alert(1)</script>\nThe thug who did this was arrested."


def _post(client, text: str):
    return client.post("/check", data={"text": text, "csrf_token": csrf_of(client, "/check")},
                       headers={"X-CSRF-Token": csrf_of(client, "/check")})


def test_a_viewer_checks_a_draft_and_sees_the_spans_marked_and_escaped(client_for, web_project):
    client = client_for("viewer")
    page = client.get("/check")
    assert page.status_code == 200 and 'href="/check"' in page.text and "<textarea" in page.text
    response = _post(client, DRAFT)
    assert response.status_code == 200
    assert '<mark class="risk-personal_data"' in response.text and ">07700 900123</mark>" in response.text
    assert '<mark class="risk-prejudicial"' in response.text and ">thug</mark>" in response.text
    assert "<script>alert(1)</script>" not in response.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert "3 possible problems" in response.text
    rows = web_project.query("SELECT username, target, detail FROM audit_log WHERE action = 'check_draft'")
    assert len(rows) == 1 and rows[0]["username"] and rows[0]["target"] == "draft"
    detail = rows[0]["detail"] if isinstance(rows[0]["detail"], dict) else orjson.loads(rows[0]["detail"])
    assert detail["findings"] == 3 and detail["risks"] == ["personal_data", "prejudicial"]
    assert "07700" not in str(rows[0])  # the draft itself is never logged


def test_a_safe_draft_says_so(client_for):
    response = _post(client_for("analyst"), "Road closed on the A38 near Bristol. Call 101 quoting log 123.")
    assert response.status_code == 200 and "No risks found" in response.text and "<mark" not in response.text


def test_a_coder_may_not_check(client_for):
    assert client_for("coder").get("/check").status_code == 403


def test_an_empty_or_control_character_draft_is_a_400_naming_it(client_for):
    client = client_for("viewer")
    empty = _post(client, "   ")
    assert empty.status_code == 400 and "the draft is empty" in empty.text
    control = _post(client, "hello\x00world")
    assert control.status_code == 400 and "control characters" in control.text
    long = _post(client, "x" * 10_001)
    assert long.status_code == 400 and "text" in long.text
