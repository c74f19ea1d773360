"""Hostile values in every parameter of every route: a 4xx with a message, never a 5xx or a broken response.

The routes and their parameters are read from the app itself (path, query, form and JSON
parameters as FastAPI declares them, query models expanded into their fields), so a new
route or parameter is fuzzed without touching this file; a guard test makes sure no route
reads a parameter it does not declare. A response is well-formed when its status is below
500, h11 (uvicorn's HTTP layer) accepts its headers, it carries the security headers and,
for an error, a message: JSON `{"error": ...}` on /api routes, an alert on pages.
"""

from __future__ import annotations

import ast
import html
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import h11
import httpx
import pytest
from fastapi import FastAPI
from fastapi import params as fastapi_params
from fastapi.testclient import TestClient
from pydantic import BaseModel

from peelian.store.project import Project
from peelian.store.users import add_user
from peelian.web.app import create_app
from peelian.web.auth import csrf_for_login
from tests.web.conftest import ROLE_USERS, build_project, csrf_of, log_in, login_token

HOSTILE_TEXT: tuple[str, ...] = (
    "", "\u2003", "a" * 300, "a" * 20_000, "99999999999999999999", "-1", "NaN", "1e309", "9999-12-31",
    "0000-00-00", "2025-05\u2003", "2025-05\x0b", "a\x00b", "\r\n", "x\r\nSet-Cookie: evil=1",
    "'; DROP TABLE posts; --", "<script>alert(1)</script>", "../../etc/passwd", "twitter:", "\u202e\ufeff",
)
HOSTILE_JSON: tuple[Any, ...] = (
    *HOSTILE_TEXT, 5, -1, 10**20, 1.5, True, None, [], {}, [5], {"mode": 5}, {"mode": [5]}, {"mode": None},
    {"a" * 300: ["b" * 300]}, [[["deep"]]],
)
# What a required parameter holds while another one is fuzzed: values the test project knows.
BENIGN: dict[str, Any] = {
    "platform": "twitter", "post_id": "1002", "conversation_id": "1001", "model_id": "mode-linear-1",
    "sample": "fuzz-sample", "extension": "html", "force": "Kent", "month": "2025-05", "username": "fuzzee",
    "password": "hostile values never break Peelian 2025", "role": "viewer", "disabled": "true",
    "decisions": {}, "status": "coded", "after": "twitter:1002", "token": "no-such-token",
    "text": "A 34-year-old man has been charged with burglary.", "indicator": "strategy", "level": "3",
    "outcome": "handled_elsewhere", "reason": "rang back", "since": "all",
}
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")
# Routes that end the fuzzing client's own session; they take no parameters, so there is nothing to fuzz.
SESSION_ENDING = {("POST", "/logout")}
FUZZ_FORCE = "Heddlu Dyfed\u2013Powys"


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # path, query, form or json
    required: bool


@dataclass
class Route:
    method: str
    path: str
    endpoint: Callable[..., Any]
    params: list[Param]
    login_form: bool  # protected by the login form's own CSRF token rather than the session's
    public: bool  # answers without a session, so the same whatever the role of the client


def _expand(field: Any, where: str) -> list[Param]:
    """A parameter, or the fields of a pydantic model declared as one (query models, JSON bodies)."""
    annotation = field.field_info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [Param(info.alias or name, where, info.is_required()) for name, info in annotation.model_fields.items()]
    return [Param(field.alias, where, field.field_info.is_required())]


def _walk(dependant: Any) -> Iterator[tuple[str, Any]]:
    for field in dependant.path_params:
        yield "path", field
    for field in dependant.query_params:
        yield "query", field
    for field in dependant.body_params:
        yield ("form" if isinstance(field.field_info, fastapi_params.Form) else "json"), field
    for sub in dependant.dependencies:
        yield from _walk(sub)


def _calls(dependant: Any) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def app_routes(app: FastAPI) -> list[Route]:
    """Every API route of the app with its parameters, however FastAPI nests included routers."""
    try:
        from fastapi.routing import iter_route_contexts
        candidates = [context.original_route for context in iter_route_contexts(app.routes)]
    except ImportError:  # FastAPI before included routers were kept lazily
        candidates = list(app.routes)
    routes = []
    for route in candidates:
        dependant = getattr(route, "dependant", None)
        if dependant is None:
            continue  # /static: files, no parameters
        params: list[Param] = []
        for where, field in _walk(dependant):
            params.extend(p for p in _expand(field, where) if p not in params)
        for method in sorted(route.methods):
            calls = list(_calls(dependant))
            routes.append(Route(method, route.path, route.endpoint, params,
                                any(call is csrf_for_login for call in calls),
                                not any(hasattr(call, "permission") for call in calls)))
    return routes


def problems(response: httpx.Response) -> list[str]:
    """Why a response is not a well-formed answer to a malformed request (empty if it is)."""
    found = []
    if response.status_code >= 500:
        found.append(f"status {response.status_code}")
    try:
        h11.Response(status_code=response.status_code, headers=list(response.headers.raw))
    except h11.LocalProtocolError as exc:
        found.append(f"headers uvicorn would refuse (connection dropped): {exc}")
    missing = [h for h in SECURITY_HEADERS if h not in response.headers]
    if missing:
        found.append(f"no {', '.join(missing)}")
    if response.status_code >= 400:
        if "json" in response.headers.get("content-type", ""):
            body = response.json()
            message = body.get("error") if isinstance(body, dict) else None
            if not (isinstance(message, str) and message.strip()):
                found.append(f"JSON error without a message: {response.text[:200]!r}")
        elif 'role="alert"' not in response.text:
            found.append(f"error page without a message: {response.text[:200]!r}")
        if "Traceback" in response.text:
            found.append("a traceback in the response")
    return found


class Fuzzer:
    """Sends one route a request with one parameter set to one value and the others benign."""

    def __init__(self, client: TestClient):
        self.client = client
        self.csrf = csrf_of(client, "/code")

    def send(self, route: Route, values: dict[str, Any], *, body: Any = ..., raw: bytes | None = None,
             ) -> httpx.Response:
        path = route.path
        for param in route.params:
            if param.where == "path":
                path = path.replace("{" + param.name + "}", quote(str(values.get(param.name, "x")), safe=""))
        query = {p.name: values[p.name] for p in route.params if p.where == "query" and p.name in values}
        form = {p.name: values[p.name] for p in route.params if p.where == "form" and p.name in values}
        json = {p.name: values[p.name] for p in route.params if p.where == "json" and p.name in values}
        headers = {"X-CSRF-Token": self.csrf} if route.method != "GET" else {}
        kwargs: dict[str, Any] = {"params": query, "headers": headers}
        if route.login_form:
            form["csrf_token"] = login_token(self.client)
        if raw is not None:
            kwargs["content"] = raw
            headers["Content-Type"] = "application/json"
        elif body is not ...:
            kwargs["json"] = body
        elif json:
            kwargs["json"] = json
        elif form:
            kwargs["data"] = form
        return self.client.request(route.method, path, follow_redirects=False, **kwargs)

    def benign(self, route: Route) -> dict[str, Any]:
        return {p.name: BENIGN.get(p.name, "x") for p in route.params if p.required or p.where == "path"}

    def fuzz(self, route: Route) -> Iterator[tuple[str, httpx.Response]]:
        base = self.benign(route)
        yield "benign values", self.send(route, base)
        for param in route.params:
            values = HOSTILE_JSON if param.where == "json" else HOSTILE_TEXT
            for value in values:
                yield f"{param.name}={_short(value)}", self.send(route, {**base, param.name: value})
        if any(p.where == "json" for p in route.params):
            for value in HOSTILE_JSON:
                yield f"body={_short(value)}", self.send(route, base, body=value)
            yield "body=not JSON", self.send(route, base, raw=b'{"platform": "twitter", ')


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}…({len(text)} chars)"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """One known project for the whole module (building it hashes passwords), with a user the fuzzer
    may change the role of and a force whose name is not ASCII."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.peelian"
    project = build_project(path)
    add_user(project, "fuzzee", BENIGN["password"], "viewer")
    project.con.execute("INSERT INTO registry SELECT platform, handle || '_cy', account_id || '9', ?, account_type, "
                        "unit, time_zone, notes, source_path, source_row, imported_at FROM registry "
                        "WHERE force = 'Kent'", [FUZZ_FORCE])
    yield create_app(project.path, project=project, max_login_failures=10**6)
    project.close()


@pytest.fixture(scope="module")
def clients(fuzz_app: FastAPI) -> Iterator[dict[str, TestClient]]:
    """An admin and an analyst, logged in before anything is fuzzed; server errors come back as responses."""
    made = {}
    for role in ("admin", "analyst"):
        client = TestClient(fuzz_app, raise_server_exceptions=False)
        assert log_in(client, ROLE_USERS[role]).status_code == 303
        made[role] = client
    yield made
    for client in made.values():
        client.close()


def test_the_app_has_routes_with_parameters_of_every_kind(fuzz_app: FastAPI) -> None:
    routes = app_routes(fuzz_app)
    kinds = {p.where for r in routes for p in r.params}
    assert kinds == {"path", "query", "form", "json"}, kinds
    by_path = {(r.method, r.path): {p.name for p in r.params} for r in routes}
    assert {"time_zone", "date_from", "q", "page"} <= by_path[("GET", "/explorer")]
    assert {"older_than", "page"} <= by_path[("GET", "/unanswered")]
    assert {"force", "month", "extension"} <= by_path[("GET", "/reports/force.{extension}")]
    assert {"platform", "post_id", "decisions"} <= by_path[("POST", "/code/api/save")]


def test_routes_read_only_the_parameters_they_declare(fuzz_app: FastAPI) -> None:
    """The fuzzer sees only declared parameters: a route module that reads the query string, the form or
    the body by hand would escape it (and the validation at the edge)."""
    offenders = []
    for module in {inspect.getmodule(r.endpoint) for r in app_routes(fuzz_app)}:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Attribute) and node.attr == "query_params":
                offenders.append(f"{module.__name__}:{node.lineno} reads request.query_params")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("form", "json", "body") and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "request"):
                offenders.append(f"{module.__name__}:{node.lineno} reads request.{node.func.attr}()")
    assert not offenders, offenders


@pytest.mark.parametrize("role", ["admin", "analyst"])
def test_hostile_values_in_every_parameter_of_every_route(clients: dict[str, TestClient], fuzz_app: FastAPI,
                                                          role: str) -> None:
    fuzzer = Fuzzer(clients[role])
    failures = []
    sent = 0
    for route in app_routes(fuzz_app):
        if (route.method, route.path) in SESSION_ENDING or (route.public and role != "admin"):
            continue  # a public route answers every role alike: the admin's run covers it
        for what, response in fuzzer.fuzz(route):
            sent += 1
            failures.extend(f"{route.method} {route.path} {what}: {p}" for p in problems(response))
    assert sent > 1500
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures[:60])


# The six requests of the report, one test each.

def test_time_zone_longer_than_a_file_name_is_a_400(clients: dict[str, TestClient]) -> None:
    response = clients["analyst"].get("/explorer", params={"time_zone": "a" * 300})
    assert response.status_code == 400 and not problems(response)
    assert "time zone" in response.text


def test_older_than_beyond_any_duration_is_a_400(clients: dict[str, TestClient]) -> None:
    response = clients["analyst"].get("/unanswered", params={"older_than": "99999999999999999999"})
    assert response.status_code == 400 and not problems(response)
    assert "older_than" in response.text


def test_date_at_the_end_of_the_calendar_is_a_400(clients: dict[str, TestClient]) -> None:
    response = clients["analyst"].get("/", params={"date_from": "9999-12-31"})
    assert response.status_code == 400 and not problems(response)
    assert "date_from" in response.text


def test_report_month_with_a_unicode_space_is_a_400(clients: dict[str, TestClient]) -> None:
    response = clients["analyst"].get("/reports/force.html?force=Kent&month=2025-05%E2%80%83")
    assert response.status_code == 400 and not problems(response)
    assert "month" in response.text and "Content-Disposition" not in response.headers


def test_report_month_with_a_control_character_is_a_400(clients: dict[str, TestClient]) -> None:
    response = clients["analyst"].get("/reports/force.html?force=Kent&month=2025-05%0b")
    assert response.status_code == 400 and not problems(response)


def test_coding_save_with_a_number_for_codes_is_a_422_in_json(clients: dict[str, TestClient]) -> None:
    client = clients["analyst"]
    response = client.post("/code/api/save", json={"platform": "twitter", "post_id": "1002",
                                                   "decisions": {"mode": 5}},
                           headers={"X-CSRF-Token": csrf_of(client, "/code")})
    assert response.status_code == 422 and not problems(response)
    assert "decisions" in response.json()["error"]


def test_report_download_name_is_safe_ascii_for_any_force(clients: dict[str, TestClient]) -> None:
    """A force name outside ASCII still downloads, under an ASCII filename and its exact filename*."""
    response = clients["analyst"].get("/reports/force.html", params={"force": FUZZ_FORCE, "month": "2025-05"})
    assert response.status_code == 200 and not problems(response)
    disposition = response.headers["content-disposition"]
    assert disposition.isascii()
    assert 'filename="peelian-heddlu-dyfed-powys-2025-05.html"' in disposition
    assert "filename*=UTF-8''peelian-heddlu-dyfed%E2%80%93powys-2025-05.html" in disposition


def test_an_unexpected_error_is_a_500_with_security_headers_and_no_traceback(tmp_path: Path,
                                                                             fuzz_app: FastAPI) -> None:
    project: Project = fuzz_app.state.peelian.project
    app = create_app(project.path, project=project)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals /srv/peelian/project.duckdb")

    @app.get("/code/api/boom")
    def api_boom() -> None:
        raise RuntimeError("secret internals /srv/peelian/project.duckdb")

    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ("/boom", "/code/api/boom"):
            response = client.get(path)
            assert response.status_code == 500
            assert all(h in response.headers for h in SECURITY_HEADERS)
            assert response.headers["cache-control"] == "no-store"
            assert "secret internals" not in response.text and "Traceback" not in response.text
            assert "went wrong" in response.text
        assert response.json()["error"]


def test_every_link_the_pages_draw_passes_the_validation(clients: dict[str, TestClient]) -> None:
    """The bounds are for hostile requests: the links under cards, charts, pages and posts still open."""
    client = clients["analyst"]
    links: dict[tuple[str, ...], str] = {}  # one link of each shape: path, parameter names, metric
    for page in ("/", "/?period=week&force=Kent", "/explorer", "/explorer?force=Kent&page=2", "/unanswered",
                 "/reports", "/models", "/assessment?force=Kent&period=2025-Q2", "/benchmark",
                 "/networks?view=interactions"):
        response = client.get(page)
        assert response.status_code == 200, (page, response.text[:300])
        for raw in re.findall(r'(?:href="|"href": ?")(/[^"]+)"', response.text):
            link = html.unescape(raw.encode().decode("unicode_escape") if "\\u" in raw else raw).split("#")[0]
            url = httpx.URL(link)
            if not url.path.startswith(("/static/", "/login", "/logout")):
                links.setdefault((url.path, *sorted(url.params), url.params.get("metric", "")), link)
    assert len(links) > 20 and any("metric=" in link for link in links.values())
    refused = {link: client.get(link).status_code for link in sorted(links.values())}
    assert all(status < 400 for status in refused.values()), {k: v for k, v in refused.items() if v >= 400}
