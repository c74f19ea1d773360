"""The web app: dashboard, explorer, threads, unanswered queue, coding, models, users, reports.

`serve(project_path, ...)` runs it with uvicorn on 127.0.0.1 by default; `create_app`
builds the FastAPI app for tests or another server.
"""

from __future__ import annotations

from peelian.web.app import create_app
from peelian.web.server import create_login_link, serve


__all__ = ["create_app", "create_login_link", "serve"]
