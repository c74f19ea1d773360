"""Sessions, CSRF, lockout and the role matrix, through the real app with TestClient."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from peelian.web.auth import PERMISSIONS
from tests.web.conftest import PASSWORD, ROLE_USERS, csrf_of, log_in, login_token

PUBLIC = {"/login", "/login/link/{token}"}
PSEUDONYM = re.compile(r"c_[0-9a-f]{16}")


def _api_routes(app) -> list[APIRoute]:
    """Every endpoint, also inside included routers (newer FastAPI keeps them nested)."""
    found: list[APIRoute] = []
    stack = list(app.routes)
    while stack:
        route = stack.pop()
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            stack.extend(route.original_router.routes)
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _permission(route: APIRoute) -> str | None:
    for dep in route.dependant.dependencies:
        if hasattr(dep.call, "permission"):
            return dep.call.permission
    return None


def test_every_route_but_login_declares_a_permission(app) -> None:
    routes = _api_routes(app)
    assert len(routes) >= 10
    for route in routes:
        if route.path in PUBLIC:
            continue
        assert _permission(route) in PERMISSIONS, f"{route.path} has no role check"


def test_no_route_answers_without_a_session(app) -> None:
    client = TestClient(app)
    for route in _api_routes(app):
        if route.path in PUBLIC:
            continue
        for method in route.methods:
            response = client.request(method, _concrete(route.path), follow_redirects=False)
            assert response.status_code == 303, (method, route.path, response.status_code)
            assert response.headers["location"].startswith("/login?next="), route.path
            hx = client.request(method, _concrete(route.path), headers={"HX-Request": "true"},
                                follow_redirects=False)
            assert hx.status_code == 401 and hx.headers["HX-Redirect"].startswith("/login"), route.path


def test_static_files_and_login_page_are_public(app) -> None:
    client = TestClient(app)
    assert client.get("/login").status_code == 200
    assert client.get("/static/css/peelian.css").status_code == 200
    assert client.get("/static/vendor/vega.min.js").status_code == 200


def test_forged_or_unknown_session_cookie_is_refused(app) -> None:
    client = TestClient(app)
    client.cookies.set("peelian_session", "not-a-signed-id")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_sets_session_and_logout_ends_it(client_for) -> None:
    client = client_for("analyst")
    assert client.get("/explorer").status_code == 200
    token = csrf_of(client, "/explorer")
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert client.get("/explorer", follow_redirects=False).status_code == 303


def test_login_needs_its_form_token(app) -> None:
    client = TestClient(app)
    response = client.post("/login", data={"username": "ana", "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 403
    login_token(client)
    forged = client.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": "forged"},
                         follow_redirects=False)
    assert forged.status_code == 403


def test_post_without_or_with_wrong_csrf_token_is_rejected(client_for, web_project) -> None:
    client = client_for("analyst")
    path = "/unanswered/twitter/1002/handled"
    assert client.post(path, data={}, follow_redirects=False).status_code == 403
    assert client.post(path, data={"csrf_token": "wrong"}, follow_redirects=False).status_code == 403
    assert client.post(path, headers={"X-CSRF-Token": "wrong"}, follow_redirects=False).status_code == 403
    assert web_project.scalar("SELECT count(*) FROM handled") == 0
    token = csrf_of(client)
    ok = client.post(path, headers={"X-CSRF-Token": token, "HX-Request": "true"}, data={"note": "phoned back"})
    assert ok.status_code == 200
    assert web_project.scalar("SELECT count(*) FROM handled") == 1


def test_csrf_token_of_another_session_does_not_work(client_for) -> None:
    ana = client_for("analyst")
    other = client_for("admin")
    token_of_other = csrf_of(other)
    response = ana.post("/logout", data={"csrf_token": token_of_other}, follow_redirects=False)
    assert response.status_code == 403


def test_wrong_passwords_lock_the_account_out(app, web_project) -> None:
    client = TestClient(app)
    for _ in range(2):
        assert log_in(client, "ana", "wrong password").status_code == 401
    third = log_in(client, "ana", "wrong password")
    assert third.status_code == 429
    locked = log_in(client, "ana", PASSWORD)
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.text
    assert client.get("/explorer", follow_redirects=False).status_code == 303
    actions = [r["action"] for r in web_project.query(
        "SELECT action FROM audit_log WHERE target = 'ana' AND action LIKE 'login%' ORDER BY audit_id")]
    assert actions == ["login_failed"] * 3 + ["login_refused"]


def test_disabled_user_cannot_log_in(app, web_project) -> None:
    from peelian.store.users import set_disabled

    set_disabled(web_project, "vic")
    response = log_in(TestClient(app), "vic")
    assert response.status_code == 401 and "disabled" in response.text


def test_successful_login_is_audited(client_for, web_project) -> None:
    client_for("viewer")
    assert web_project.scalar("SELECT count(*) FROM audit_log WHERE action = 'login' AND username = 'vic'") == 1


def test_login_redirect_stays_on_this_site(app) -> None:
    client = TestClient(app)
    response = client.post("/login", data={"username": "ana", "password": PASSWORD, "next": "//evil.example/",
                                           "csrf_token": login_token(client)}, follow_redirects=False)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_role_matrix_on_every_parameterless_get_route(app, client_for, role) -> None:
    client = client_for(role)
    checked = 0
    for route in _api_routes(app):
        if "GET" not in route.methods or "{" in route.path or route.path in PUBLIC:
            continue
        permission = _permission(route)
        response = client.get(route.path, follow_redirects=False)
        if role in PERMISSIONS[permission]:
            # 400/422: the role got through and the route asked for its parameters
            assert response.status_code in (200, 400, 422), (role, route.path, response.status_code)
        else:
            assert response.status_code == 403, (role, route.path, response.status_code)
        checked += 1
    assert checked >= 6


def test_coder_cannot_open_dashboard_but_can_code(client_for) -> None:
    coder = client_for("coder")
    assert coder.get("/").status_code == 403
    assert coder.get("/explorer").status_code == 403
    assert coder.get("/code").status_code == 200


def test_viewer_cannot_export_or_act(client_for, web_project) -> None:
    viewer = client_for("viewer")
    assert viewer.get("/explorer/export.csv").status_code == 403
    assert viewer.get("/reports").status_code == 403
    token = csrf_of(viewer)
    response = viewer.post("/unanswered/twitter/1002/handled", headers={"X-CSRF-Token": token})
    assert response.status_code == 403
    assert web_project.scalar("SELECT count(*) FROM handled") == 0
    assert viewer.get("/users").status_code == 403


def test_analyst_cannot_manage_users(client_for) -> None:
    analyst = client_for("analyst")
    assert analyst.get("/users").status_code == 403
    token = csrf_of(analyst)
    response = analyst.post("/users", data={"username": "eve", "password": "tulip quarry ember", "role": "admin",
                                            "csrf_token": token})
    assert response.status_code == 403


def test_viewers_never_see_citizen_pseudonyms(client_for, web_project) -> None:
    viewer = client_for("viewer")
    analyst = client_for("analyst")
    conversation = web_project.scalar("SELECT conversation_id FROM posts WHERE author_role = 'citizen' LIMIT 1")
    pages = ["/", "/explorer", "/explorer?role=citizen", "/unanswered", f"/thread/twitter/{conversation}"]
    for page in pages:
        seen = viewer.get(page)
        assert seen.status_code == 200, page
        assert not PSEUDONYM.search(seen.text), f"{page} shows a pseudonym to a viewer"
    assert PSEUDONYM.search(analyst.get("/explorer?role=citizen").text)
    assert "citizen" in viewer.get("/explorer?role=citizen").text


def test_admin_manages_users_and_role_change_ends_sessions(app, client_for, web_project) -> None:
    admin = client_for("admin")
    coder = client_for("coder")
    token = csrf_of(admin, "/users")
    added = admin.post("/users", data={"username": "newbie", "password": "tulip quarry ember", "role": "viewer",
                                       "csrf_token": token}, follow_redirects=False)
    assert added.status_code == 303
    assert web_project.scalar("SELECT role FROM users WHERE username = 'newbie'") == "viewer"
    changed = admin.post("/users/cody/role", data={"role": "analyst", "csrf_token": token}, follow_redirects=False)
    assert changed.status_code == 303
    assert coder.get("/code", follow_redirects=False).status_code == 303  # logged out by the change
    weak = admin.post("/users", data={"username": "weak", "password": "short", "role": "viewer",
                                      "csrf_token": token})
    assert weak.status_code == 400 and "at least 12" in weak.text


@pytest.mark.parametrize(("password", "reason"), [
    ("12345678", "at least 12"), ("password", "at least 12"), (" " * 12, "only spaces"),
    ("password1234", "too common"), ("Weakling-2025", "user name")])
def test_users_page_refuses_weak_passwords(client_for, web_project, password, reason) -> None:
    admin = client_for("admin")
    token = csrf_of(admin, "/users")
    assert 'minlength="12"' in admin.get("/users").text
    weak = admin.post("/users", data={"username": "weakling", "password": password, "role": "viewer",
                                      "csrf_token": token})
    assert weak.status_code == 400 and reason in weak.text
    assert web_project.scalar("SELECT count(*) FROM users WHERE username = 'weakling'") == 0


def test_security_headers_and_cookie_flags(app, client_for) -> None:
    response = client_for("analyst").get("/explorer")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    cookie = log_in(TestClient(app), "vic").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain HTTP on localhost: a Secure cookie would never come back
    assert "Strict-Transport-Security" not in response.headers


def _cookies(response) -> dict[str, str]:
    return {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}


def test_cookies_are_secure_and_hsts_is_sent_over_https(app) -> None:
    client = TestClient(app, base_url="https://testserver")
    page = client.get("/login")
    assert "secure" in _cookies(page)["peelian_login"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    response = log_in(client, "vic")
    assert response.status_code == 303
    assert "secure" in _cookies(response)["peelian_session"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_https_flag_makes_cookies_secure_behind_a_proxy_that_does_not_say_so(web_project) -> None:
    from peelian.web.app import create_app

    from peelian.web.server import create_login_link

    app = create_app(web_project.path, project=web_project, https=True)
    client = TestClient(app)  # the proxy speaks plain HTTP to us and sends no X-Forwarded-Proto
    page = client.get("/login")
    assert "secure" in _cookies(page)["peelian_login"]
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    response = client.get(create_login_link(app, "vic", "viewer"), follow_redirects=False)
    session_cookie = _cookies(response)["peelian_session"]
    assert response.status_code == 303 and "secure" in session_cookie and "httponly" in session_cookie


def test_one_time_login_link_works_once(app) -> None:
    from peelian.web.server import create_login_link

    path = create_login_link(app, "cody", "coder", "/code")
    client = TestClient(app)
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/code"
    assert client.get("/code").status_code == 200
    assert TestClient(app).get(path, follow_redirects=False).status_code == 403
