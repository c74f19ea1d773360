"""Web app users and roles, kept in the project's `users` table.

Passwords are stored only as argon2id hashes (argon2-cffi), so a copied project
file does not give away anyone's password. The CLI (`peelian users ...`), the
first-run prompt of `peelian serve` and the web app's user page all call these
functions, so the rules (known roles, password length, no removing the last
admin) hold whichever door is used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from peelian.errors import AuthError, InputError, NotFoundError
from peelian.store.project import Project, utcnow

ROLES = ("admin", "analyst", "coder", "viewer")
MIN_PASSWORD_LENGTH = 8
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying an unknown user still costs one hash, so response time does not reveal who exists.
    Made on first use: hashing at import would cost every CLI command a third of a second."""
    return _hasher.hash("peelian-no-such-user")


@dataclass(frozen=True, slots=True)
class User:
    username: str
    role: str
    created_at: datetime
    disabled: bool

    def to_dict(self) -> dict[str, Any]:
        return {"username": self.username, "role": self.role, "created_at": self.created_at,
                "disabled": self.disabled}


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not set(name) <= USERNAME_CHARS:
        raise InputError(f"invalid username {username!r}: use 1-64 of a-z, 0-9, '.', '_' and '-'")
    return name


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def add_user(project: Project, username: str, password: str, role: str, *, by: str | None = None) -> User:
    """Create a user; the name must be new and the password at least 8 characters."""
    name = _check_username(username)
    _check_role(role)
    _check_password(password)
    if project.scalar("SELECT count(*) FROM users WHERE username = ?", [name]):
        raise InputError(f"user {name!r} already exists (change it with: peelian users set-role)")
    created = utcnow()
    project.con.execute("INSERT INTO users VALUES (?, ?, ?, ?, FALSE)", [name, _hasher.hash(password), role, created])
    project.audit("user_add", username=by, target=name, detail={"role": role})
    return User(name, role, created, False)


def get_user(project: Project, username: str) -> User:
    rows = project.query("SELECT username, role, created_at, disabled FROM users WHERE username = ?",
                         [username.strip().lower()])
    if not rows:
        raise NotFoundError(f"no user {username!r}")
    return User(**rows[0])


def list_users(project: Project) -> list[User]:
    return [User(**r) for r in project.query(
        "SELECT username, role, created_at, disabled FROM users ORDER BY username")]


def count_users(project: Project) -> int:
    return int(project.scalar("SELECT count(*) FROM users"))


def _active_admins(project: Project) -> int:
    return int(project.scalar("SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled"))


def set_role(project: Project, username: str, role: str, *, by: str | None = None) -> User:
    """Change a user's role; refuses to demote the last active admin (nobody could manage users)."""
    user = get_user(project, username)
    _check_role(role)
    if user.role == "admin" and role != "admin" and not user.disabled and _active_admins(project) <= 1:
        raise InputError(f"{user.username} is the only admin; make another admin first")
    project.con.execute("UPDATE users SET role = ? WHERE username = ?", [role, user.username])
    project.audit("user_role", username=by, target=user.username, detail={"from": user.role, "to": role})
    return get_user(project, user.username)


def set_disabled(project: Project, username: str, disabled: bool = True, *, by: str | None = None) -> User:
    """Disable (or re-enable) a user; disabled users cannot log in and their sessions end."""
    user = get_user(project, username)
    if disabled and user.role == "admin" and not user.disabled and _active_admins(project) <= 1:
        raise InputError(f"{user.username} is the only admin; make another admin first")
    project.con.execute("UPDATE users SET disabled = ? WHERE username = ?", [disabled, user.username])
    project.audit("user_disable" if disabled else "user_enable", username=by, target=user.username)
    return get_user(project, user.username)


def set_password(project: Project, username: str, password: str, *, by: str | None = None) -> None:
    user = get_user(project, username)
    _check_password(password)
    project.con.execute("UPDATE users SET password_hash = ? WHERE username = ?",
                        [_hasher.hash(password), user.username])
    project.audit("user_password", username=by, target=user.username)


def verify_password(project: Project, username: str, password: str) -> User:
    """Return the user if the password is right and the account enabled; else raise AuthError.

    The message is the same for an unknown user and a wrong password.
    """
    name = username.strip().lower()
    row = project.con.execute(
        "SELECT password_hash, role, created_at, disabled FROM users WHERE username = ?", [name]).fetchone()
    stored = row[0] if row else _dummy_hash()
    try:
        _hasher.verify(stored, password)
        ok = row is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise AuthError("wrong username or password")
    if row[3]:
        raise AuthError("this account is disabled; ask an admin")
    if _hasher.check_needs_rehash(stored):
        project.con.execute("UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), name])
    return User(name, row[1], row[2], bool(row[3]))
