"""User admin (admins only): add users, change roles, disable; each change ends the user's sessions."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from peelian.store.users import ROLES, add_user, list_users, min_password_length, set_disabled, set_role
from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import OptionalText

router = APIRouter(prefix="/users")


@router.get("")
def users_page(request: Request, message: OptionalText = None,
               session: Session = Depends(require("admin"))) -> Response:
    project = state_of(request).project
    return render(request, "users.html", {"users": list_users(project), "roles": ROLES,
                                          "min_password_length": min_password_length(project),
                                          "message": message})


@router.post("")
def users_add(request: Request, username: str = Form(...), password: str = Form(...), role: str = Form(...),
              session: Session = Depends(require("admin"))) -> Response:
    user = state_of(request).write(add_user, username, password, role, by=session.username)
    return RedirectResponse(f"/users?message=added+{user.username}", status_code=303)


@router.post("/{username}/role")
def users_role(request: Request, username: str, role: str = Form(...),
               session: Session = Depends(require("admin"))) -> Response:
    user = state_of(request).write(set_role, username, role, by=session.username)
    request.app.state.sessions.end_user(user.username)
    return RedirectResponse(f"/users?message={user.username}+is+now+{user.role}", status_code=303)


@router.post("/{username}/disable")
def users_disable(request: Request, username: str, disabled: bool = Form(True),
                  session: Session = Depends(require("admin"))) -> Response:
    user = state_of(request).write(set_disabled, username, disabled, by=session.username)
    request.app.state.sessions.end_user(user.username)
    word = "disabled" if user.disabled else "enabled"
    return RedirectResponse(f"/users?message={user.username}+{word}", status_code=303)
