"""Sessions, CSRF tokens, login rate limiting and role checks for the web app.

The browser holds only a signed cookie with a random session id; everything
else (user, role, CSRF token) stays in server memory, so restarting the server
logs everybody out and a stolen cookie cannot be edited into another role.
Every route declares the permission it needs through `require(...)`; the
permission table below is the single place that says which role may do what.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Depends, HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from peelian.store.users import ROLES

COOKIE_NAME = "peelian_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_IDLE_SECONDS = 8 * 3600
# Sent on HTTPS responses: browsers then refuse plain HTTP to this host for a year.
HSTS = "max-age=31536000"

# Permission -> roles that have it.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"admin", "analyst", "viewer"}),  # dashboards, explorer, threads, queue, models
    "identities": frozenset({"admin", "analyst"}),  # see citizen pseudonyms instead of "citizen"
    "act": frozenset({"admin", "analyst"}),  # mark handled
    "export": frozenset({"admin", "analyst"}),  # reports and downloads
    "code": frozenset({"admin", "analyst", "coder"}),  # the coding interface
    "code_any": frozenset({"admin", "analyst"}),  # code (and open) posts outside one's assigned samples
    "admin": frozenset({"admin"}),  # users and roles
    "login": frozenset(ROLES),  # any signed-in user: logout, own password
}


def allowed(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def home_for(role: str) -> str:
    """Where a user lands after login: coders only have the coding page."""
    return "/code" if role == "coder" else "/"


@dataclass
class Session:
    session_id: str
    username: str
    role: str
    csrf_token: str
    created: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)

    def can(self, permission: str) -> bool:
        return allowed(self.role, permission)


class SessionStore:
    """Server-side sessions in memory, keyed by an unguessable id inside a signed cookie."""

    def __init__(self, secret: str, idle_seconds: int = SESSION_IDLE_SECONDS):
        self._signer = URLSafeTimedSerializer(secret, salt="peelian-session")
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.idle_seconds = idle_seconds

    def create(self, username: str, role: str) -> tuple[Session, str]:
        session = Session(secrets.token_urlsafe(32), username, role, secrets.token_urlsafe(32))
        with self._lock:
            self._sessions[session.session_id] = session
        return session, self._signer.dumps(session.session_id)

    def get(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            session_id = self._signer.loads(cookie, max_age=self.idle_seconds * 3)
        except BadSignature:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            now = time.monotonic()
            if now - session.last_seen > self.idle_seconds:
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def end_user(self, username: str) -> None:
        """Log a user out everywhere (after a role change or disabling)."""
        with self._lock:
            for sid in [s.session_id for s in self._sessions.values() if s.username == username]:
                del self._sessions[sid]


class LoginLimiter:
    """Throttles wrong passwords per client, never per account alone.

    A client (an address) that gives `max_failures` wrong passwords for one user name within
    `window` seconds is refused for that user name for `lockout` seconds, without the password
    even being checked; a client with `max_client_failures` failures across all user names
    (trying one password on many accounts) is refused for every user name. Nothing is keyed by
    the user name alone: otherwise anyone could lock anyone out, the admin included, by typing
    wrong passwords. The right password from a client that has not failed still logs in.
    """

    def __init__(self, max_failures: int = 5, window: float = 900.0, lockout: float = 900.0,
                 max_client_failures: int | None = None):
        self.max_failures = max_failures
        self.max_client_failures = max_client_failures or 4 * max_failures
        self.window = window
        self.lockout = lockout
        self._failures: dict[tuple[str, ...], list[float]] = {}
        self._locked_until: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def _limits(self, username: str, client: str) -> tuple[tuple[tuple[str, ...], int], ...]:
        return (("account", username, client), self.max_failures), (("client", client), self.max_client_failures)

    def locked_for(self, username: str, client: str) -> float:
        """Seconds this client must still wait before trying this user name (0 if none)."""
        now = time.monotonic()
        with self._lock:
            return max(0.0, *(self._locked_until.get(key, 0.0) - now for key, _ in self._limits(username, client)))

    def failure(self, username: str, client: str) -> bool:
        """Record a wrong password from `client` for `username`; True if it locked the client out."""
        now = time.monotonic()
        locked = False
        with self._lock:
            self._forget_old(now)
            for key, limit in self._limits(username, client):
                recent = [t for t in self._failures.get(key, []) if now - t < self.window] + [now]
                self._failures[key] = recent
                if len(recent) >= limit:
                    self._locked_until[key] = now + self.lockout
                    self._failures[key] = []
                    locked = True
        return locked

    def success(self, username: str, client: str) -> None:
        """A right password clears this client's count for this user name (not its count across
        user names, or one valid account would let a client try passwords on others for ever)."""
        with self._lock:
            self._failures.pop(("account", username, client), None)

    def _forget_old(self, now: float) -> None:
        """Drop expired entries once there are many, so rotating names or addresses cannot grow memory."""
        if len(self._failures) + len(self._locked_until) < 10_000:
            return
        self._failures = {k: v for k, v in self._failures.items() if v and now - v[-1] < self.window}
        self._locked_until = {k: v for k, v in self._locked_until.items() if v > now}


def client_address(request: Request) -> str:
    """The client's address as the server sees it: the proxy's X-Forwarded-For only when
    `peelian serve --forwarded-allow-ips` names that proxy (uvicorn's proxy headers), else the peer."""
    return request.client.host if request.client else "?"


def is_https(request: Request) -> bool:
    """True if the browser reached us over HTTPS: `--https` says so, or the request's scheme is
    https (directly, or through X-Forwarded-Proto from a proxy named by --forwarded-allow-ips)."""
    return bool(getattr(request.app.state, "https", False)) or request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """Every cookie the app sets: HttpOnly, SameSite=Strict, and Secure when the site is served over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=is_https(request))


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, httponly=True, samesite="strict", secure=is_https(request))


class LoginRequired(Exception):
    """Raised by the role dependency when there is no valid session; the app redirects to /login."""


def current_session(request: Request) -> Session:
    store: SessionStore = request.app.state.sessions
    session = store.get(request.cookies.get(COOKIE_NAME))
    if session is None:
        raise LoginRequired()
    request.state.session = session
    return session


async def _check_csrf(request: Request, session: Session) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not token or not secrets.compare_digest(token, session.csrf_token):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token; reload the page and try again")


def require(permission: str) -> Callable[..., object]:
    """A dependency: a valid session whose role has `permission`, and a CSRF token on anything but GET."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def dependency(request: Request, session: Session = Depends(current_session)) -> Session:
        if not session.can(permission):
            raise HTTPException(status_code=403, detail=f"your role ({session.role}) cannot open this page")
        await _check_csrf(request, session)
        return session

    dependency.permission = permission  # type: ignore[attr-defined]
    return dependency


async def csrf_for_login(request: Request) -> None:
    """The login form has no session yet: it carries a token bound to a pre-login cookie instead."""
    cookie = request.cookies.get("peelian_login")
    form = await request.form()
    token = form.get(CSRF_FIELD)
    signer: URLSafeTimedSerializer = request.app.state.login_signer
    try:
        expected = signer.loads(cookie or "", max_age=3600)
    except BadSignature:
        expected = None
    if not expected or not isinstance(token, str) or not secrets.compare_digest(token, expected):
        raise HTTPException(status_code=403, detail="the login form expired; reload the page and try again")
