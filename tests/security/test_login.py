"""Login throttling and forwarded headers, attacked the way a hostile client would.

The app is driven through the uvicorn configuration that `peelian serve` builds (its proxy-headers
middleware included), with the peer address each request comes from set explicitly.
"""

from __future__ import annotations

import pytest
import uvicorn
from fastapi.testclient import TestClient

from peelian.errors import InputError
from peelian.web.server import trusted_proxies, uvicorn_options
from tests.web.conftest import PASSWORD, app, log_in, web_project, web_project_template  # noqa: F401 (fixtures)

LOOPBACK = "127.0.0.1"
PROXY = "10.0.0.5"


def served(app, peer: str, **options) -> TestClient:
    """A client whose requests reach the app as `peelian serve` runs it, from address `peer`."""
    config = uvicorn.Config(app, log_config=None, **uvicorn_options(**options))
    config.load()
    return TestClient(config.loaded_app, client=(peer, 40000))


def _cookie(response, name: str) -> str:
    return next(c.lower() for c in response.headers.get_list("set-cookie") if c.startswith(name + "="))


def test_serve_trusts_no_forwarded_headers_unless_a_proxy_is_named() -> None:
    assert uvicorn_options()["proxy_headers"] is False
    named = uvicorn_options(forwarded_allow_ips="10.0.0.5, 10.1.0.0/16")
    assert named["proxy_headers"] is True and named["forwarded_allow_ips"] == ["10.0.0.5", "10.1.0.0/16"]
    with pytest.raises(InputError, match="not an IP address"):
        trusted_proxies("10.0.0.5,proxy.local")


def test_rotating_x_forwarded_for_from_loopback_does_not_escape_the_login_limit(app) -> None:
    """An attacker on the server's machine (or behind a proxy nobody named) claims a new address
    with every guess; the limit must still count every guess against the real peer."""
    attacker = served(app, LOOPBACK)
    statuses = []
    for n in range(3):
        attacker.headers["X-Forwarded-For"] = f"198.51.100.{n}"
        statuses.append(log_in(attacker, "root", f"guess {n}").status_code)
    assert statuses == [401, 401, 429]
    attacker.headers["X-Forwarded-For"] = "198.51.100.99"
    right = log_in(attacker, "root", PASSWORD)  # even the right password: this client is throttled
    assert right.status_code == 429


def test_rotating_x_forwarded_for_does_not_escape_the_limit_across_accounts(app) -> None:
    sprayer = served(app, LOOPBACK)
    statuses = []
    for n in range(app.state.limiter.max_client_failures):
        sprayer.headers["X-Forwarded-For"] = f"198.51.100.{n}"
        statuses.append(log_in(sprayer, f"user{n}", "Summer2025!!").status_code)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}


def test_forwarded_proto_from_an_unnamed_peer_is_ignored(app) -> None:
    client = served(app, LOOPBACK)
    page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in _cookie(page, "peelian_login")
    assert "Strict-Transport-Security" not in page.headers


def test_behind_a_named_proxy_clients_are_told_apart_by_x_forwarded_for(app, web_project) -> None:
    attacker = served(app, PROXY, forwarded_allow_ips=PROXY)
    attacker.headers["X-Forwarded-For"] = "203.0.113.66"
    assert [log_in(attacker, "root", "wrong guess").status_code for _ in range(3)] == [401, 401, 429]
    admin = served(app, PROXY, forwarded_allow_ips=PROXY)
    admin.headers["X-Forwarded-For"] = "198.51.100.7"
    assert log_in(admin, "root").status_code == 303
    clients = [r["client"] for r in web_project.query(
        "SELECT json_extract_string(detail, '$.client') AS client FROM audit_log "
        "WHERE action LIKE 'login%' ORDER BY audit_id")]
    assert clients == ["203.0.113.66"] * 3 + ["198.51.100.7"]


def test_x_forwarded_proto_https_from_the_named_proxy_makes_cookies_secure(app) -> None:
    from peelian.web.server import create_login_link

    client = served(app, PROXY, forwarded_allow_ips=PROXY)
    client.headers.update({"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"})
    page = client.get("/login")
    assert "secure" in _cookie(page, "peelian_login")
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
    response = client.get(create_login_link(app, "root", "admin"), follow_redirects=False)
    assert response.status_code == 303 and "secure" in _cookie(response, "peelian_session")


def test_an_attackers_failures_do_not_lock_the_account_for_other_clients(app, web_project) -> None:
    attacker = TestClient(app, client=("203.0.113.9", 50000))
    assert [log_in(attacker, "root", "wrong guess").status_code for _ in range(3)] == [401, 401, 429]
    assert log_in(attacker, "root").status_code == 429  # the attacker's client stays throttled
    admin = TestClient(app, client=("198.51.100.7", 50000))
    assert log_in(admin, "root").status_code == 303
    assert admin.get("/users").status_code == 200
    assert log_in(attacker, "root").status_code == 429
    other_user = log_in(attacker, "ana")  # one client's lock for one name is not a lock for all names
    assert other_user.status_code == 303


def test_one_client_trying_many_accounts_is_throttled_for_all_of_them(app) -> None:
    sprayer = TestClient(app, client=("203.0.113.10", 50000))
    limiter = app.state.limiter
    names = [f"user{n}" for n in range(limiter.max_client_failures)]
    statuses = [log_in(sprayer, name, "Summer2025!!").status_code for name in names]
    assert statuses[:-1] == [401] * (len(names) - 1) and statuses[-1] == 429
    assert log_in(sprayer, "vic").status_code == 429  # a right password from this client waits too
    assert log_in(TestClient(app, client=("198.51.100.8", 50000)), "vic").status_code == 303


def test_a_right_password_does_not_reset_a_clients_count_across_accounts(app) -> None:
    client = TestClient(app, client=("203.0.113.11", 50000))
    limiter = app.state.limiter
    for n in range(limiter.max_client_failures - 1):
        assert log_in(client, f"user{n}", "wrong guess").status_code == 401
    assert log_in(client, "vic").status_code == 303
    assert log_in(client, "someone", "wrong guess").status_code == 429
