"""Coders read and code only the posts of the samples assigned to them.

`/code/api/item` used to return any post with its thread, and `/code/api/save` recorded codes
on any post, for a coder assigned neither. The library (`peelian.coding.codings`) now refuses
that with NotAssignedError when told the caller is a coder; the web edge answers 403 with
the message and writes the refusal to the audit log. Analysts and admins still open and
code any post, and the audit log marks such a coding as outside their assignment.
"""

from __future__ import annotations

import orjson
import pytest

from peelian import Project
from peelian.coding.codings import coding_item, record_coding
from peelian.coding.samples import create_sample
from peelian.errors import NotAssignedError
from tests.web.conftest import app, client_for, csrf_of, web_project, web_project_template  # noqa: F401 (fixtures)


@pytest.fixture
def assigned(web_project: Project) -> list[str]:
    """Four posts assigned to the coder `cody` (sample "pilot"); the rest of the project is not."""
    create_sample(web_project, "pilot", 4, coders=["cody"], seed=1, overlap=0.0)
    create_sample(web_project, "other", 3, coders=["ana"], seed=2, overlap=0.0)
    return [r["post_id"] for r in web_project.query(
        "SELECT post_id FROM sample_items WHERE sample_name = 'pilot' ORDER BY position")]


def _outside(project: Project, sample: str | None = None) -> str:
    """A police post in no conversation of cody's (in `sample`'s, when given)."""
    sql = ("SELECT p.post_id FROM posts p WHERE p.author_role = 'police' AND p.kind = 'original' AND "
           "p.conversation_id NOT IN (SELECT q.conversation_id FROM posts q JOIN sample_items si "
           "ON si.post_id = q.post_id AND si.coder = 'cody') ")
    sql += "AND p.post_id IN (SELECT post_id FROM sample_items WHERE sample_name = ?) " if sample else ""
    return project.scalar(sql + "ORDER BY p.post_id LIMIT 1", [sample] if sample else [])


def _save(client, post_id: str, sample: str | None = None):
    body = {"platform": "twitter", "post_id": post_id, "status": "coded", "decisions": {"mode": ["inform"]}}
    if sample:
        body["sample"] = sample
    return client.post("/code/api/save", json=body,
                       headers={"X-CSRF-Token": csrf_of(client, "/code"), "Accept": "application/json"})


def test_a_coder_cannot_open_a_post_outside_their_samples(client_for, web_project: Project, assigned) -> None:
    coder = client_for("coder")
    outside = _outside(web_project)
    text = web_project.scalar("SELECT text FROM posts WHERE post_id = ?", [outside])
    response = coder.get("/code/api/item", params={"platform": "twitter", "post_id": outside},
                         headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert "not assigned to 'cody'" in response.json()["error"] and text not in response.text
    refused = web_project.query("SELECT username, target FROM audit_log WHERE action = 'coding_refused'")
    assert refused == [{"username": "cody", "target": f"twitter:{outside}"}]
    in_other = _outside(web_project, "other")
    for params in ({"post_id": in_other}, {"post_id": in_other, "sample": "other"},
                   {"post_id": assigned[0], "sample": "other"}):
        assert coder.get("/code/api/item", params={"platform": "twitter", **params}).status_code == 403, params


def test_a_coder_opens_their_items_with_the_thread(client_for, web_project: Project, assigned) -> None:
    coder = client_for("coder")
    for post_id in assigned:
        response = coder.get("/code/api/item", params={"platform": "twitter", "post_id": post_id})
        assert response.status_code == 200, post_id
        item = response.json()
        assert item["post"]["post_id"] == post_id and item["sample"] == "pilot"
    reply, conversation = web_project.query(
        "SELECT post_id, conversation_id FROM posts WHERE kind = 'reply' AND list_contains(?, post_id) LIMIT 1",
        [assigned])[0].values()
    item = coder.get("/code/api/item", params={"platform": "twitter", "post_id": reply}).json()
    assert item["thread"] and {t["conversation_id"] for t in item["thread"]} == {conversation}


def test_a_coder_cannot_code_a_post_outside_their_samples(client_for, web_project: Project, assigned) -> None:
    coder = client_for("coder")
    for post_id, sample in ((_outside(web_project), None), (_outside(web_project, "other"), None),
                            (_outside(web_project, "other"), "other")):
        response = _save(coder, post_id, sample)
        assert response.status_code == 403, (post_id, sample)
        assert "not assigned to 'cody'" in response.json()["error"]
    assert web_project.scalar("SELECT count(*) FROM codings WHERE coder = 'cody'") == 0
    assert web_project.scalar("SELECT count(*) FROM audit_log WHERE action = 'coding_refused'") == 3
    assert web_project.scalar("SELECT count(*) FROM audit_log WHERE action = 'coding'") == 0


def test_a_coder_still_codes_their_own_items(client_for, web_project: Project, assigned) -> None:
    coder = client_for("coder")
    police = web_project.scalar("SELECT si.post_id FROM sample_items si JOIN posts p USING (platform, post_id) "
                                "WHERE si.sample_name = 'pilot' AND p.author_role = 'police' AND p.kind = 'original' "
                                "LIMIT 1")
    assert police is not None
    response = _save(coder, police)
    assert response.status_code == 200 and response.json() == {"saved": 1}
    assert web_project.scalar("SELECT sample_name FROM codings WHERE coder = 'cody'") == "pilot"


def test_an_analyst_codes_any_post_and_it_is_audited(client_for, web_project: Project, assigned) -> None:
    analyst = client_for("analyst")
    outside = _outside(web_project)
    assert analyst.get("/code/api/item", params={"platform": "twitter", "post_id": outside}).status_code == 200
    assert _save(analyst, outside).status_code == 200
    audit = web_project.query("SELECT username, target, detail FROM audit_log WHERE action = 'coding'")
    assert [(a["username"], a["target"]) for a in audit] == [("ana", f"twitter:{outside}")]
    assert orjson.loads(audit[0]["detail"])["outside_assignment"] is True


def test_the_library_refuses_a_coder_outside_their_samples(web_project: Project, assigned) -> None:
    outside = _outside(web_project)
    with pytest.raises(NotAssignedError, match="not assigned to 'cody'"):
        coding_item(web_project, "cody", "twitter", outside, assigned_only=True)
    with pytest.raises(NotAssignedError, match="in sample 'other'"):
        coding_item(web_project, "cody", "twitter", assigned[0], "other", assigned_only=True)
    with pytest.raises(NotAssignedError):
        record_coding(web_project, "cody", "twitter", outside, "mode", ["inform"], assigned_only=True)
    with pytest.raises(NotAssignedError):
        record_coding(web_project, "cody", "twitter", _outside(web_project, "other"), "mode", ["inform"],
                      sample="other", assigned_only=True)
    assert web_project.scalar("SELECT count(*) FROM codings WHERE coder = 'cody'") == 0
    assert coding_item(web_project, "cody", "twitter", assigned[0], assigned_only=True).sample == "pilot"
    # Without the restriction (an analyst, or Python) any post can still be opened and coded.
    assert coding_item(web_project, "ana", "twitter", outside).sample is None
    assert record_coding(web_project, "ana", "twitter", outside, "mode", ["inform"]).sample is None
