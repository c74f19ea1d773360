"""Running the web app: first-run admin check, one-time login links, uvicorn."""

from __future__ import annotations

import secrets
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

from peelian.errors import AuthError
from peelian.store.project import Project
from peelian.store.users import add_user, count_users

LOGIN_LINK_SECONDS = 300


def create_login_link(app: Any, username: str, role: str, next_path: str = "/") -> str:
    """A one-time path that logs `username` in without a password (used by `peelian code`).

    The token lives only in this server's memory, works once, and expires after five minutes;
    the link is only ever handed to the local user who started the server.
    """
    token = secrets.token_urlsafe(32)
    app.state.login_links[token] = (username, role, next_path, time.monotonic() + LOGIN_LINK_SECONDS)
    return f"/login/link/{token}"


def ensure_admin(project: Project, admin_password: str | None, admin_username: str = "admin") -> bool:
    """Create the first admin when a project has no users yet; True if one was created."""
    if count_users(project):
        return False
    if not admin_password:
        raise AuthError("this project has no web users yet; create the admin first "
                        "(peelian serve asks for a password, or pass --admin-password-file)")
    add_user(project, admin_username, admin_password, "admin")
    return True


def serve(project_path: str | Path, host: str = "127.0.0.1", port: int = 8000, *,
          admin_password: str | None = None, admin_username: str = "admin", open_browser: bool = False,
          login_as: tuple[str, str] | None = None, start_path: str = "/", log_level: str = "info") -> None:
    """Serve the project until interrupted. Binds to localhost unless told otherwise.

    `login_as=(username, role)` prints and opens a one-time login link for that user
    (the local user of `peelian code`); `open_browser` opens the start page.
    """
    import uvicorn

    from peelian.web.app import create_app

    project = Project.open(project_path)
    try:
        ensure_admin(project, admin_password, admin_username)
        app = create_app(project_path, project=project, warm=True)
        base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        url = base + (create_login_link(app, *login_as, next_path=start_path) if login_as else start_path)
        print(f"Peelian is serving {project_path} at {base} (Ctrl+C to stop)", flush=True)
        if login_as:
            print(f"log in as {login_as[0]}: {url}", flush=True)
        if open_browser:
            threading.Timer(1.0, webbrowser.open, args=(url,)).start()
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    finally:
        project.close()
