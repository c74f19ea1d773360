"""The web app: dashboard, explorer, threads, unanswered queue, coding, models, users, reports.

`serve(project_path, ...)` runs it with uvicorn on 127.0.0.1 by default; `create_app`
builds the FastAPI app for tests or another server.
"""

from __future__ import annotations

from peelian.web.server import create_login_link, serve


def create_app(*args, **kwargs):  # type: ignore[no-untyped-def]
    """Build the FastAPI app (imported lazily so `import peelian.web` stays light)."""
    from peelian.web.app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["create_app", "create_login_link", "serve"]
