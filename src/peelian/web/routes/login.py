"""Log in and out. The only pages (with /static) that answer without a session."""

from __future__ import annotations

import secrets
import time

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from peelian.errors import AuthError
from peelian.store.users import verify_password
from peelian.web.app import render, state_of
from peelian.web.auth import (COOKIE_NAME, Session, client_address, csrf_for_login, delete_cookie, home_for,
                              require, set_cookie)
from peelian.web.forms import OptionalText

router = APIRouter()
PUBLIC_PATHS = frozenset({"/login"})


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so the login form cannot bounce users to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _login_form(request: Request, message: str | None = None, status_code: int = 200,
                next_path: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_token": token, "message": message,
                                              "next": _safe_next(next_path)},
                      status_code=status_code)
    set_cookie(request, response, "peelian_login", request.app.state.login_signer.dumps(token), max_age=3600)
    return response


@router.get("/login")
def login_page(request: Request, next: OptionalText = None) -> Response:
    return _login_form(request, next_path=next)


@router.post("/login", dependencies=[Depends(csrf_for_login)])
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str | None = Form(None)) -> Response:
    state = state_of(request)
    limiter = request.app.state.limiter
    name = username.strip().lower()
    client = client_address(request)
    wait = limiter.locked_for(name, client)
    if wait > 0:
        state.audit("login_refused", None, target=name,
                    detail={"reason": "locked", "seconds_left": int(wait), "client": client})
        return _login_form(request, f"Too many wrong passwords. Try again in {int(wait // 60) + 1} minutes.", 429)
    try:
        user = verify_password(state.project, name, password)
    except AuthError as exc:
        locked = limiter.failure(name, client)
        state.audit("login_failed", None, target=name, detail={"locked": locked, "client": client})
        message = "Too many wrong passwords; login is locked for a while." if locked else str(exc)
        return _login_form(request, message, 429 if locked else 401)
    limiter.success(name, client)
    session, cookie = request.app.state.sessions.create(user.username, user.role)
    state.audit("login", session, target=user.username, detail={"client": client})
    response = RedirectResponse(_safe_next(next) or home_for(user.role), status_code=303)
    set_cookie(request, response, COOKIE_NAME, cookie)
    delete_cookie(request, response, "peelian_login")
    return response


@router.post("/logout")
def logout(request: Request, session: Session = Depends(require("login"))) -> Response:
    request.app.state.sessions.end(session.session_id)
    state_of(request).audit("logout", session, target=session.username)
    response = RedirectResponse("/login", status_code=303)
    delete_cookie(request, response, COOKIE_NAME)
    return response


@router.get("/login/link/{token}")
def login_link(request: Request, token: str) -> Response:
    """Redeem a one-time login link made by `peelian code` for the local user."""
    entry = request.app.state.login_links.pop(token, None)
    if entry is None or entry[3] < time.monotonic():
        return _login_form(request, "This login link was used already or has expired; log in with your password.",
                           403)
    username, role, next_path, _ = entry
    session, cookie = request.app.state.sessions.create(username, role)
    state_of(request).audit("login", session, target=username, detail={"via": "one-time link"})
    response = RedirectResponse(_safe_next(next_path) or home_for(role), status_code=303)
    set_cookie(request, response, COOKIE_NAME, cookie)
    return response
