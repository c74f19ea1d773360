"""The web app: dashboard, explorer, threads, unanswered queue, coding, models, users, reports.

`serve(project_path, ...)` runs it with uvicorn on 127.0.0.1 by default; `create_app`
builds the FastAPI app for tests or another server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
    from peelian.web.app import create_app
    from peelian.web.server import create_login_link, serve

# Each name's module is imported on first use (see peelian._lazy).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "app": ("create_app",),
    "server": ("create_login_link", "serve"),
})
