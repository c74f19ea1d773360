"""The inbox never waits for the semantic risk layer's model: while it loads (in the background, started by
`peelian serve` when the project has citizen posts, or by the first inbox request) the page shows the
keyword rules' result with a progress note that asks again until the layer is ready.

The model itself is not loaded here: the load is replaced by one the test holds back and lets go, and
the inbox is run with the rules alone whatever the route asks for, recording what it asked for."""

from __future__ import annotations

import re
import threading

import pytest
from fastapi.testclient import TestClient

import peelian.triage
from peelian import Project
from peelian.errors import ModelError
from peelian.triage import semantic
from peelian.web import risk_model
from peelian.web.routes.inbox import LOADING_ID
from tests.web.conftest import reply_to_kent

POLL = {"HX-Trigger": LOADING_ID}


@pytest.fixture
def asked(monkeypatch) -> list[bool | None]:
    """What the route asked of the semantic layer, per inbox call (the inbox runs the rules alone here)."""
    calls: list[bool | None] = []
    real = peelian.triage.inbox

    def rules_alone(*args, semantic=None, **kwargs):
        calls.append(semantic)
        return real(*args, semantic=False, **kwargs)

    monkeypatch.setattr(semantic, "available", lambda: True)
    monkeypatch.setattr(peelian.triage, "inbox", rules_alone)
    return calls


def test_the_inbox_answers_with_the_rules_while_the_model_loads(client_for, web_project, monkeypatch, asked):
    started, let_go = threading.Event(), threading.Event()

    def slow_load() -> None:
        started.set()
        let_go.wait(60)

    monkeypatch.setattr(risk_model, "MODEL", risk_model.ModelLoad(slow_load))
    reply_to_kent(web_project, "knife", "c_00000000000000ab", "@kentpolice man with a knife outside the shop right now",
                  hours_before_newest=1)
    client = client_for("analyst")
    page = client.get("/inbox?since=all")
    assert not risk_model.MODEL.loaded.is_set()  # answered before the model was there
    assert page.status_code == 200 and started.wait(10)  # the first request started the load
    assert re.findall(r'<tr id="post-([\w-]+)"', page.text)[0] == "knife"  # the rules' result, risk first
    assert "the semantic layer&#39;s model is loading" in page.text and f'id="{LOADING_ID}"' in page.text
    assert 'hx-trigger="every 2s"' in page.text and "<progress" in page.text
    assert asked == [False]
    assert client.get("/inbox?since=all", headers=POLL).status_code == 204  # still loading: nothing to swap

    let_go.set()
    assert risk_model.MODEL.loaded.wait(10)
    ready = client.get("/inbox?since=all", headers=POLL)
    assert ready.status_code == 200 and "semantic risk layer is ready" in ready.text and "reload" in ready.text
    page = client.get("/inbox?since=all").text
    assert asked[-1] is None  # the semantic layer may run now (None: where installed)
    assert "model is loading" not in page and 'hx-trigger="every 2s"' not in page


def test_a_model_that_fails_to_load_leaves_the_rules_running_and_says_why(client_for, web_project, monkeypatch,
                                                                          asked):
    def broken() -> None:
        raise ModelError("the model files are damaged")

    monkeypatch.setattr(risk_model, "MODEL", risk_model.ModelLoad(broken))
    client = client_for("analyst")
    assert client.get("/inbox?since=all").status_code == 200
    risk_model.MODEL._thread.join(10)
    page = client.get("/inbox?since=all")
    assert page.status_code == 200 and "could not be loaded (the model files are damaged)" in page.text
    assert asked == [False, False]


def test_serve_loads_the_model_at_start_only_for_a_project_with_citizen_posts(web_project, tmp_path, monkeypatch):
    from peelian.web.app import create_app

    loads: list[str] = []
    monkeypatch.setattr(semantic, "available", lambda: True)
    monkeypatch.setattr(risk_model, "MODEL", risk_model.ModelLoad(lambda: loads.append("loaded")))
    with Project.init(tmp_path / "empty.peelian") as empty, TestClient(create_app(empty.path, project=empty,
                                                                                  warm=True)):
        pass
    assert loads == [] and not risk_model.MODEL.loaded.is_set()
    with TestClient(create_app(web_project.path, project=web_project, warm=True)):
        assert risk_model.MODEL.loaded.wait(10)
    assert loads == ["loaded"]


PROGRESS_POLL = {"HX-Request": "true", "HX-Trigger": "computing-progress"}


def _computed_in_background(app, client_for):
    """The app's state, set to compute the inbox in the background as on a large project, and an analyst's client."""
    state = app.state.peelian
    state.options["progress_above_posts"] = 0
    state.options["inbox_wait_s"] = 0.0
    return state, client_for("analyst")


def test_the_progress_poll_waits_for_the_page_a_reload_shows_when_the_model_loads_meanwhile(
        app, client_for, web_project, monkeypatch, asked):
    """On a large project the inbox is computed in the background; if the model finishes loading while the
    rules' result is computed, a reload would ask for the semantic layer's result: the poll waits for that
    one rather than reloading into a second progress page, then reloads into the page with no loading note."""
    let_go = threading.Event()
    monkeypatch.setattr(risk_model, "MODEL", risk_model.ModelLoad(lambda: let_go.wait(60)))
    state, client = _computed_in_background(app, client_for)
    assert "computing-progress" in client.get("/inbox?since=all").text
    state.work.wait(120)
    assert asked == [False]  # the rules' result is ready ...
    let_go.set()
    assert risk_model.MODEL.loaded.wait(10)  # ... and the model loaded meanwhile
    assert client.get("/inbox?since=all", headers=PROGRESS_POLL).status_code == 204
    state.work.wait(120)
    assert asked == [False, None]
    assert client.get("/inbox?since=all", headers=PROGRESS_POLL).headers.get("HX-Refresh") == "true"
    page = client.get("/inbox?since=all").text
    assert "computing-progress" not in page and "model is loading" not in page and "Inbox" in page
    assert asked == [False, None]  # the reload read the result the poll waited for


@pytest.mark.skipif(not semantic.available(), reason="the 'embeddings' extra is not installed")
def test_inbox_progress_then_page_after_the_semantic_layer_was_loaded_earlier_in_the_process(
        app, client_for, web_project):
    """A web test does not inherit the process's model load: with the triage's semantic layer already loaded
    (as earlier test modules leave it), the inbox's progress page still resolves to the page once its work is
    done (before tests/web/conftest.py gave each test its own finished load, the note flipped mid-test)."""
    risk_model._load_model()
    state, client = _computed_in_background(app, client_for)
    assert "computing-progress" in client.get("/inbox").text
    state.work.wait(120)
    assert client.get("/inbox", headers=PROGRESS_POLL).headers.get("HX-Refresh") == "true"
    page = client.get("/inbox").text
    assert "computing-progress" not in page and "model is loading" not in page and "Inbox" in page
