"""The role × route matrix: every route of the web app, for every role, gets the access docs/web.md documents.

The expected access below is written from the roles table of docs/web.md, not read from
`PERMISSIONS`, so a wrong entry there fails here. The routes come from the app itself
(`app.routes`, into included routers and mounts): a route added without a line in `ROUTES`
fails `test_every_route_of_the_app_is_in_the_matrix`. Each request is one an allowed role
would make for real (known ids, a valid CSRF token, a well-formed body), so "allowed" means
the page answers (200, or 303 to somewhere other than the login page for form posts),
"not allowed" means 403, and no session means a redirect to the login page. The two routes
that start a session are sent from a client of their own, so they do not change whose
session the other requests carry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount

from peelian import Project
from peelian.coding.samples import create_sample
from peelian.store.users import add_user
from tests.web.conftest import (  # noqa: F401 (fixtures)
    PASSWORD,
    app,
    client_for,
    csrf_of,
    login_token,
    web_project,
    web_project_template,
)

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, "viewer", "coder", "analyst", "admin")
# docs/web.md, "Roles": who may do what.
READ = frozenset({"admin", "analyst", "viewer"})  # dashboard, explorer, threads, inbox, unanswered, models, check
ACT = frozenset({"admin", "analyst"})  # mark handled elsewhere / no response needed, answer the maturity assessment
EXPORT = frozenset({"admin", "analyst"})  # CSV of posts, force reports
CODE = frozenset({"admin", "analyst", "coder"})  # coding page
CODE_ANY = frozenset({"admin", "analyst"})  # open and code posts outside one's assigned samples
USERS = frozenset({"admin"})  # users and roles
SIGNED_IN = frozenset({"admin", "analyst", "coder", "viewer"})  # log out
PUBLIC = None  # answers without a session

SAMPLE = "matrix"
POST = "1001"  # a police post (West Midlands), assigned to every coding role in SAMPLE
OUTSIDE = "1003"  # a police post in no sample
SPARE = "spare"  # a user the admin's requests change
PASSPHRASE = "matrix of roles and routes 2025"


@dataclass(frozen=True)
class Case:
    """What an allowed role sends to one route, and what it gets back."""

    who: frozenset[str] | None
    url: str
    ok: int = 200
    json: Any = None
    data: dict[str, str] = field(default_factory=dict)


ROUTES: dict[tuple[str, str], Case | tuple[Case, ...]] = {
    ("GET", "/login"): Case(PUBLIC, "/login"),
    ("POST", "/login"): Case(PUBLIC, "/login", 303),  # a user name and password (from a client of its own)
    ("GET", "/login/link/{token}"): Case(PUBLIC, "/login/link/{link}", 303),  # a fresh one-time link (the same)
    ("POST", "/logout"): Case(SIGNED_IN, "/logout", 303),
    ("GET", "/static"): Case(PUBLIC, "/static/css/peelian.css"),
    ("GET", "/"): Case(READ, "/"),
    ("GET", "/explorer"): Case(READ, "/explorer?q=bike"),
    ("GET", "/explorer/export.csv"): Case(EXPORT, "/explorer/export.csv?force=Kent"),
    ("GET", "/thread/{platform}/{conversation_id:path}"): Case(READ, f"/thread/twitter/{POST}"),
    ("GET", "/unanswered"): Case(READ, "/unanswered"),
    ("POST", "/unanswered/{platform}/{post_id}/handled"): Case(ACT, "/unanswered/twitter/1002/handled", 303,
                                                               data={"note": "phoned back"}),
    ("POST", "/unanswered/{platform}/{post_id}/unhandled"): Case(ACT, "/unanswered/twitter/1002/unhandled", 303),
    ("GET", "/inbox"): Case(READ, "/inbox?since=all"),
    ("POST", "/inbox/{platform}/{post_id}/handled"): Case(ACT, "/inbox/twitter/1002/handled", 303,
                                                          data={"outcome": "handled_elsewhere", "reason": "rang back"}),
    ("POST", "/inbox/{platform}/{post_id}/reopen"): Case(ACT, "/inbox/twitter/1002/reopen", 303),
    ("GET", "/models"): Case(READ, "/models"),
    ("GET", "/models/{model_id}"): Case(READ, "/models/mode-linear-1"),
    ("GET", "/models/reliability/{sample}"): Case(READ, f"/models/reliability/{SAMPLE}"),
    ("GET", "/reports"): Case(EXPORT, "/reports"),
    ("GET", "/reports/force.{extension}"): Case(EXPORT, "/reports/force.html?force=Kent&month=2025-05"),
    ("GET", "/code"): Case(CODE, "/code"),
    ("GET", "/code/api/next"): Case(CODE, f"/code/api/next?after=twitter:{POST}"),
    ("GET", "/code/api/item"): (
        Case(CODE, f"/code/api/item?platform=twitter&post_id={POST}&sample={SAMPLE}"),
        Case(CODE_ANY, f"/code/api/item?platform=twitter&post_id={OUTSIDE}")),
    ("POST", "/code/api/save"): (
        Case(CODE, "/code/api/save", json={"platform": "twitter", "post_id": POST, "sample": SAMPLE, "status": "coded",
                                           "decisions": {"mode": ["inform"]}}),
        Case(CODE_ANY, "/code/api/save", json={"platform": "twitter", "post_id": OUTSIDE, "status": "coded",
                                               "decisions": {"mode": ["inform"]}})),
    ("POST", "/code/api/undo"): Case(CODE, "/code/api/undo", json={"sample": SAMPLE}),
    ("GET", "/check"): Case(READ, "/check"),
    ("POST", "/check"): Case(READ, "/check", data={"text": "A 34-year-old man has been charged. Call 07700 900123."}),
    ("GET", "/assessment"): Case(READ, "/assessment?force=Kent&period=2025-Q2"),
    ("POST", "/assessment/answer"): Case(ACT, "/assessment/answer", 303, data={
        "force": "Kent", "period": "2025-Q2", "indicator": "strategy", "level": "3", "note": "{role}"}),
    ("GET", "/benchmark"): Case(READ, "/benchmark?period=2025-Q2"),
    ("GET", "/networks"): (Case(READ, "/networks"), Case(READ, "/networks?view=interactions&kind=reply")),
    ("GET", "/users"): Case(USERS, "/users"),
    ("POST", "/users"): Case(USERS, "/users", 303, data={"username": "newcomer-{role}", "password": PASSPHRASE,
                                                         "role": "viewer"}),
    ("POST", "/users/{username}/role"): Case(USERS, f"/users/{SPARE}/role", 303, data={"role": "analyst"}),
    ("POST", "/users/{username}/disable"): Case(USERS, f"/users/{SPARE}/disable", 303, data={"disabled": "true"}),
}


def app_routes(application: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every endpoint, inside included routers too, and every mount."""
    found: set[tuple[str, str]] = set()
    stack = list(application.routes)
    while stack:
        route = stack.pop()
        if isinstance(route, APIRoute):
            found |= {(method, route.path) for method in route.methods}
        elif isinstance(route, Mount):
            found.add(("GET", route.path))
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
        else:
            found |= {(method, route.path) for method in getattr(route, "methods", None) or {"GET"}}
    return found


@pytest.fixture
def matrix_project(web_project: Project) -> Project:
    create_sample(web_project, SAMPLE, coders=["root", "ana", "cody"], post_ids=[("twitter", POST)], overlap=1.0)
    add_user(web_project, SPARE, PASSPHRASE, "viewer")
    return web_project


def test_every_route_of_the_app_is_in_the_matrix(app) -> None:
    routes = app_routes(app)
    assert not routes - ROUTES.keys(), f"routes with no documented access in ROUTES: {sorted(routes - ROUTES.keys())}"
    assert not ROUTES.keys() - routes, f"ROUTES names routes the app does not have: {sorted(ROUTES.keys() - routes)}"


def _request(app, client: TestClient, role: str, method: str, case: Case) -> Any:
    from peelian.web.server import create_login_link

    url, data = case.url, {k: v.replace("{role}", role) for k, v in case.data.items()}
    headers = {"Accept": "application/json"} if url.startswith("/code/api") else {}
    if url == "/login" and method == "POST" or "{link}" in url:
        own = TestClient(app)
        try:
            if "{link}" in url:
                url = url.replace("{link}", create_login_link(app, "cody", "coder", "/code").rsplit("/", 1)[-1])
            else:
                data = {"username": "vic", "password": PASSWORD, "csrf_token": login_token(own)}
            return own.request(method, url, data=data or None, follow_redirects=False)
        finally:
            own.close()
    if method == "POST" and role != ANONYMOUS:
        headers["X-CSRF-Token"] = csrf_of(client, "/code" if role == "coder" else "/")
    return client.request(method, url, json=case.json, data=data or None, headers=headers, follow_redirects=False)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, client_for: Callable[[str], TestClient], matrix_project: Project, role: str) -> None:
    client = TestClient(app) if role == ANONYMOUS else client_for(role)
    wrong = []
    # Log out last: it ends the session the other requests need.
    cases = [(key, case) for key, value in ROUTES.items() for case in (value if isinstance(value, tuple) else (value,))]
    for (method, _), case in sorted(cases, key=lambda item: item[0] == ("POST", "/logout")):
        response = _request(app, client, role, method, case)
        to_login = response.status_code == 303 and response.headers.get("location", "").startswith("/login?next=")
        if case.who is PUBLIC:
            expected, got = case.ok, response.status_code
        elif role == ANONYMOUS:
            expected, got = "redirect to login", "redirect to login" if to_login else response.status_code
        elif role in case.who:
            expected, got = case.ok, "redirect to login" if to_login else response.status_code
        else:
            expected, got = 403, response.status_code
        if got != expected:
            wrong.append(f"{role} {method} {case.url}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)
