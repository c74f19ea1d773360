"""Web app users and roles, kept in the project's `users` table.

Passwords are stored only as argon2id hashes (argon2-cffi), so a copied project
file does not give away anyone's password. The CLI (`peelian users ...`), the
first-run prompt of `peelian serve` and the web app's user page all call these
functions, so the rules (known roles, the password policy, no removing the last
admin) hold whichever door is used.

The password policy follows NIST SP 800-63B: a minimum length (12 characters, or
down to 8 where an operator sets it for the project), no composition rules, and a
check against common, breached and guessable passwords. That check is zxcvbn's:
its dictionaries hold the most common passwords from public breaches, English
words and names, and it sees through keyboard walks, repeats, dates and
l33t-speak, which a plain list would not.
"""

from __future__ import annotations

import functools
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from peelian.errors import AuthError, InputError, NotFoundError
from peelian.store.names import LOWEST_MIN_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USER_ROLES
from peelian.store.project import Project, utcnow

ROLES = USER_ROLES
MIN_PASSWORD_LENGTH_SETTING = "min_password_length"
# At least 10^8 guesses by zxcvbn's estimate (where its score 3 starts): far beyond what the login
# limit lets anyone try, and what a random 8-character password reaches, so an operator's minimum of 8
# remains usable.
MIN_PASSWORD_GUESSES = 10**8
# zxcvbn refuses longer input (its matching is slow on long strings); the rest only adds strength.
_ZXCVBN_MAX_LENGTH = 72
# zxcvbn keeps the user inputs of a call in a module-level dictionary: one call at a time.
_zxcvbn_lock = threading.Lock()
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


def min_password_length(project: Project) -> int:
    """The shortest new password this project accepts (12 unless an operator lowered it)."""
    return int(project.get_setting(MIN_PASSWORD_LENGTH_SETTING) or MIN_PASSWORD_LENGTH)


def set_min_password_length(project: Project, length: int, *, by: str | None = None) -> int:
    """Set the project's minimum password length (8 to 64); applies to passwords set from now on."""
    if not LOWEST_MIN_PASSWORD_LENGTH <= length <= 64:
        raise InputError(f"the minimum password length must be between {LOWEST_MIN_PASSWORD_LENGTH} and 64 "
                         f"(NIST SP 800-63B recommends {MIN_PASSWORD_LENGTH}), not {length}")
    before = min_password_length(project)
    project.set_setting(MIN_PASSWORD_LENGTH_SETTING, str(length))
    project.audit("password_policy", username=by, detail={"min_length": {"from": before, "to": length}})
    return length


def check_password(password: str, username: str, min_length: int = MIN_PASSWORD_LENGTH) -> None:
    """Refuse a new password that is short, blank, contains the user name, or is common or guessable.

    Raises InputError saying which rule the password breaks (never echoing the password).
    """
    if not password.strip():
        raise InputError("the password must not be empty or only spaces")
    if len(password) < min_length:
        raise InputError(f"the password must have at least {min_length} characters")
    name = username.strip().lower()
    # A one- or two-letter name is inside too many good passwords to be a useful rule.
    if len(name) >= 3 and name in password.lower():
        raise InputError("the password must not contain the user name")
    from zxcvbn import zxcvbn  # its dictionaries take a while to load; only setting a password needs them

    with _zxcvbn_lock:
        result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=[name, "peelian"])
    if result["guesses"] < MIN_PASSWORD_GUESSES:
        feedback = result["feedback"]
        hint = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        raise InputError("the password is too common or too easy to guess" + (f": {hint}" if hint else "")
                         + "; a few unrelated words make a good one")


def generate_password(username: str, length: int = 20) -> str:
    """A random password that meets the policy (for `peelian code` and `peelian demo`)."""
    while True:
        password = secrets.token_urlsafe(length)[:length]
        try:
            check_password(password, username, min_length=length)
        except InputError:
            continue
        return password


def _check_password(project: Project, username: str, password: str) -> None:
    check_password(password, username, min_password_length(project))


def add_user(project: Project, username: str, password: str, role: str, *, by: str | None = None) -> User:
    """Create a user; the name must be new and the password must meet the policy (`check_password`)."""
    name = _check_username(username)
    _check_role(role)
    _check_password(project, name, password)
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


def has_admin(project: Project) -> bool:
    """True if an enabled admin exists (someone can manage users in the web app)."""
    return _active_admins(project) > 0


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
    _check_password(project, user.username, password)
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
