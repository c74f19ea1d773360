"""A handled / no-response mark is for a citizen's post awaiting a response: the Inbox and the Unanswered
page answered 303 for a mark on a police post (or one already answered), and stored and audited it."""

from __future__ import annotations

import html

import pytest

from tests.web.conftest import (  # noqa: F401  (fixtures used by name)
    app,
    client_for,
    web_project,
    web_project_template,
)


@pytest.mark.parametrize(("action", "data"), [("inbox", {"outcome": "handled_elsewhere", "reason": "rang back"}),
                                              ("unanswered", {"note": "rang back"})])
# West Midlands' first appeal, its reply to a question, and that question (answered)
@pytest.mark.parametrize(("post_id", "role"), [("1001", "police"), ("1005", "police"), ("1004", "citizen")])
def test_a_mark_on_a_post_not_awaiting_a_response_is_refused(client_for, web_project, action: str,
                                                             data: dict[str, str], post_id: str,
                                                             role: str) -> None:
    from tests.web.conftest import csrf_of

    assert web_project.scalar("SELECT author_role FROM posts WHERE post_id = ?", [post_id]) == role
    client = client_for("analyst")
    done = client.post(f"/{action}/twitter/{post_id}/handled", data={**data, "csrf_token": csrf_of(client)},
                       follow_redirects=False)
    assert done.status_code == 400, done.status_code
    assert f"post '{post_id}' on twitter is not awaiting a response" in html.unescape(done.text)
    assert web_project.scalar("SELECT count(*) FROM handled") == 0
    assert web_project.scalar("SELECT count(*) FROM audit_log WHERE action = 'handled'") == 0
    awaiting = client.post(f"/{action}/twitter/1002/handled", data={**data, "csrf_token": csrf_of(client)},
                           follow_redirects=False)
    assert awaiting.status_code == 303
