"""The Inbox page (/inbox): most urgent first with the advice to call 999, role-checked, citizen
identities masked for viewers, handled elsewhere / no response needed with a reason, audited and reversible."""

from __future__ import annotations

import re

from tests.web.conftest import csrf_of, reply_to_kent

PSEUDONYM = re.compile(r"c_[0-9a-f]{16}")


def _urgent(project) -> str:
    """A citizen reply to Kent, an hour old at as_of, describing a man with a knife."""
    return reply_to_kent(project, "knife", "c_00000000000000ab",
                         "@kentpolice @c_0000000000000099 man with a knife outside the shop right now",
                         hours_before_newest=1)


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr id="post-([\w-]+)"', page)


def test_the_inbox_lists_immediate_risk_first_with_the_999_advice(client_for, web_project) -> None:
    _urgent(web_project)
    page = client_for("analyst").get("/inbox?since=all").text
    rows = rows_of(page)
    assert rows[0] == "knife" and len(rows) > 1
    assert 'id="risk-advice"' in page and "call 999" in page
    assert "immediate risk — 999" in page and "weapon: “knife”" in page
    assert 'href="/inbox"' in page and 'aria-current="page">Inbox<' in page
    assert "c_00000000000000ab" in page  # analysts see the stored pseudonym
    assert "question (gold)" not in page and "gold" in page
    default = client_for("analyst").get("/inbox").text
    assert "posts of the last 7d" in default


def test_viewers_see_no_citizen_identities_and_no_actions(client_for, web_project) -> None:
    _urgent(web_project)
    page = client_for("viewer").get("/inbox?since=all").text
    assert rows_of(page)[0] == "knife"
    assert not PSEUDONYM.search(page), PSEUDONYM.search(page)
    assert "@citizen" in page and "Mark handled" not in page
    assert client_for("coder").get("/inbox").status_code == 403


def test_mark_handled_with_a_reason_then_put_back_audited(client_for, web_project) -> None:
    knife = _urgent(web_project)
    client = client_for("analyst")
    token = csrf_of(client, "/inbox")
    done = client.post(f"/inbox/twitter/{knife}/handled", follow_redirects=False,
                       data={"outcome": "handled_elsewhere", "reason": "passed to control room", "csrf_token": token})
    assert done.status_code == 303
    assert knife not in rows_of(client.get("/inbox?since=all").text)
    shown = client.get("/inbox?since=all&show_handled=1").text
    assert "passed to control room" in shown and "by ana" in shown and "Put back" in shown
    back = client.post(f"/inbox/twitter/{knife}/reopen", data={"csrf_token": token}, follow_redirects=False)
    assert back.status_code == 303 and rows_of(client.get("/inbox?since=all").text)[0] == knife
    audit = web_project.query("SELECT username, action, detail FROM audit_log WHERE target = 'twitter:knife' "
                              "ORDER BY audit_id")
    assert [(a["username"], a["action"]) for a in audit] == [("ana", "handled"), ("ana", "unhandled")]
    assert "passed to control room" in audit[0]["detail"]


def test_bad_parameters_are_named(client_for, web_project) -> None:
    client = client_for("analyst")
    token = csrf_of(client, "/inbox")
    bad = client.get("/inbox?since=a+while")
    assert bad.status_code == 400 and "cannot read" in bad.text and "a while" in bad.text
    empty = client.post("/inbox/twitter/1002/handled", data={"outcome": "handled_elsewhere", "reason": " ",
                                                              "csrf_token": token})
    assert empty.status_code == 400 and "reason is required" in empty.text
    odd = client.post("/inbox/twitter/1002/handled", data={"outcome": "ignored", "reason": "x", "csrf_token": token})
    assert odd.status_code == 400 and "outcome" in odd.text
