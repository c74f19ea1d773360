"""Running the web app: the admin check, one-time login links, uvicorn and the proxies it trusts."""

from __future__ import annotations

import ipaddress
import secrets
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

from peelian.errors import AuthError, InputError, NotFoundError
from peelian.store.project import Project
from peelian.store.users import add_user, count_users, get_user, has_admin

LOGIN_LINK_SECONDS = 300


def create_login_link(app: Any, username: str, role: str, next_path: str = "/") -> str:
    """A one-time path that logs `username` in without a password (used by `peelian code`).

    The token lives only in this server's memory, works once, and expires after five minutes;
    the link is only ever handed to the local user who started the server.
    """
    token = secrets.token_urlsafe(32)
    app.state.login_links[token] = (username, role, next_path, time.monotonic() + LOGIN_LINK_SECONDS)
    return f"/login/link/{token}"


def admin_needed(project: Project, admin_username: str = "admin") -> bool:
    """True if the project has no enabled admin, so `admin_username` must be created as one.

    A project can have users but no admin: `peelian code` creates coders on a project that has
    none. Raises AuthError if a user of that name exists but is not an enabled admin, because
    turning an existing account into the admin (with a new password) is for an admin to decide.
    """
    if has_admin(project):
        return False
    try:
        existing = get_user(project, admin_username)
    except NotFoundError:
        return True
    state = "disabled" if existing.disabled else f"role {existing.role}"
    raise AuthError(f"this project has no enabled admin, and the user {existing.username!r} exists ({state}); "
                    f"make it the admin with: peelian users set-role PROJECT {existing.username} admin"
                    + (f" and peelian users disable PROJECT {existing.username} --enable" if existing.disabled
                       else ""))


def ensure_admin(project: Project, admin_password: str | None, admin_username: str = "admin", *,
                 required: bool = True) -> bool:
    """Create the admin when the project has no enabled admin; True if one was created.

    Without a password, a project with no users at all is refused; a project with users but no
    admin is refused when `required` (`peelian serve`) and left as it is otherwise (`peelian code`,
    whose local coder needs no admin).
    """
    if has_admin(project) or (not admin_password and not required and count_users(project)):
        return False
    admin_needed(project, admin_username)  # refuses to take over an existing account of that name
    if not admin_password:
        if count_users(project) == 0:
            raise AuthError("this project has no web users yet; create the admin first "
                            "(peelian serve asks for a password, or pass --admin-password-file)")
        raise AuthError("this project has web users but no admin, so nobody could manage them; create the admin "
                        "(peelian serve asks for a password, or pass --admin-password-file)")
    add_user(project, admin_username, admin_password, "admin")
    return True


def trusted_proxies(forwarded_allow_ips: str | None) -> list[str]:
    """The proxy addresses (or networks, or `*`) named by --forwarded-allow-ips, checked.

    uvicorn takes a name it cannot parse as a literal that never matches, silently; a typo
    would leave the operator believing the proxy is trusted.
    """
    names = [part.strip() for part in (forwarded_allow_ips or "").split(",") if part.strip()]
    if names == ["*"]:
        return names
    for name in names:
        try:
            ipaddress.ip_network(name, strict=False)
        except ValueError:
            raise InputError(f"--forwarded-allow-ips: {name!r} is not an IP address or network (e.g. 10.0.0.5, "
                             "10.0.0.0/24, or * for any address)") from None
    return names


def uvicorn_options(host: str = "127.0.0.1", port: int = 8000, *, forwarded_allow_ips: str | None = None,
                    log_level: str = "info") -> dict[str, Any]:
    """The options `serve` passes to `uvicorn.run` (and `uvicorn.Config`).

    X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies the operator names.
    uvicorn's default believes them from 127.0.0.1, so any client that reaches the server through
    this machine could claim a new address on every request and escape the login limit.
    """
    proxies = trusted_proxies(forwarded_allow_ips)
    return {"host": host, "port": port, "log_level": log_level, "proxy_headers": bool(proxies),
            "forwarded_allow_ips": proxies}


def serve(project_path: str | Path, host: str = "127.0.0.1", port: int = 8000, *,
          admin_password: str | None = None, admin_username: str = "admin", open_browser: bool = False,
          login_as: tuple[str, str] | None = None, start_path: str = "/", log_level: str = "info",
          forwarded_allow_ips: str | None = None, https: bool = False, require_admin: bool = True) -> None:
    """Serve the project until interrupted. Binds to localhost unless told otherwise.

    `login_as=(username, role)` prints and opens a one-time login link for that user
    (the local user of `peelian code`); `open_browser` opens the start page.
    `forwarded_allow_ips` names the reverse proxies whose X-Forwarded-For/-Proto are believed
    (none by default); `https` marks cookies `Secure` and sends HSTS on every response.
    """
    import uvicorn

    from peelian.web.app import create_app

    trusted_proxies(forwarded_allow_ips)  # a typo fails before the project is opened
    project = Project.open(project_path)
    try:
        ensure_admin(project, admin_password, admin_username, required=require_admin)
        app = create_app(project_path, project=project, warm=True, https=https)
        base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        url = base + (create_login_link(app, *login_as, next_path=start_path) if login_as else start_path)
        print(f"Peelian is serving {project_path} at {base} (Ctrl+C to stop)", flush=True)
        if login_as:
            print(f"log in as {login_as[0]}: {url}", flush=True)
        if open_browser:
            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        uvicorn.run(app, **uvicorn_options(host, port, forwarded_allow_ips=forwarded_allow_ips, log_level=log_level))
    finally:
        project.close()
