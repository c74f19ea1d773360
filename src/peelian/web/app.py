"""The FastAPI application: one project, server-side sessions, Jinja2 pages and HTMX partials.

`create_app(project_path)` opens the project once for the life of the server;
request handlers read through per-request cursors and serialise their few
writes (audit log, handled, codings) with one lock, because a DuckDB
connection must not be written from two threads at once.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeTimedSerializer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from peelian import __version__
from peelian.errors import AuthError, NotFoundError, PeelianError
from peelian.store.project import Project
from peelian.store.safe_text import json_for_html
from peelian.web.auth import CSRF_FIELD, HSTS, LoginLimiter, LoginRequired, Session, SessionStore, is_https
from peelian.web.cache import BackgroundWork, ProjectCache
from peelian.web.forms import validation_message

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
log = logging.getLogger("peelian.web")
UNEXPECTED = ("Something went wrong on the server and the request was not completed; the error was logged. "
              "Try again, or tell the administrator.")

CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


@dataclass
class WebState:
    """Everything a route needs besides the request: the project, templates, cache and the write lock."""

    project: Project
    templates: Jinja2Templates
    cache: ProjectCache
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    options: dict[str, Any] = field(default_factory=dict)
    work: BackgroundWork = field(default_factory=BackgroundWork)
    last_request: float = 0.0  # time.monotonic() of the latest page asked for

    def idle_for(self) -> float:
        """Seconds since the latest page was asked for."""
        return time.monotonic() - self.last_request

    def known_handles(self) -> frozenset[str]:
        """Registered account handles: the only @mentions a viewer may read."""
        from peelian.report.force_report import known_handles

        return self.cache.get("known_handles", None, lambda: known_handles(self.project))

    def check_force(self, force: str | None) -> str | None:
        """`force` when the project holds it (or None), else the library's MetricsError, answered as a 400 page that
        names it and the forces held: a misspelt or hostile force in a URL read as a page with no data."""
        if force is None:
            return None
        from peelian.metrics.scope import check_force

        return self.cache.get("known_force", force, lambda: check_force(self.project, force))

    def write(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a library call that writes, one at a time, and let cached aggregates see it at once."""
        with self.write_lock:
            result = action(self.project, *args, **kwargs)
        self.cache.invalidate()
        return result

    def audit(self, action: str, session: Session | None, target: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        with self.write_lock:
            self.project.audit(action, username=session.username if session else None, target=target, detail=detail)


def state_of(request: Request) -> WebState:
    state: WebState = request.app.state.peelian
    state.last_request = time.monotonic()
    return state


def back_to(request: Request, default: str) -> RedirectResponse:
    """Back to the page the form was on (its Referer), when that page is on this site; else to `default`.
    Only the path and query are kept, so another site's address in the header is never followed."""
    try:
        parts = urlsplit(request.headers.get("referer") or "")
    except ValueError:
        return RedirectResponse(default, status_code=303)
    on_this_site = parts.netloc in ("", request.url.netloc) and parts.scheme in ("", "http", "https")
    if not on_this_site or not parts.path.startswith("/") or parts.path.startswith("//") or "\\" in parts.path:
        return RedirectResponse(default, status_code=303)
    return RedirectResponse(parts.path + (f"?{parts.query}" if parts.query else ""), status_code=303)


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """A query string from current params with some changed; empty values dropped."""
    merged = {**params, **changes}
    return urlencode({k: _plain(v) for k, v in merged.items() if v not in (None, "", [])}, doseq=True)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _duration(value: Any) -> str:
    """'3 h 5 min' for a timedelta or a number of seconds; the same wording everywhere."""
    if value is None:
        return "–"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{int(hours)} h {int(minutes % 60)} min"
    return f"{hours / 24:.1f} days"


def _number(value: Any, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _percent(value: Any, digits: int = 0) -> str:
    return "–" if value is None else f"{100 * float(value):.{digits}f}%"


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    env = templates.env
    env.filters.update(duration=_duration, number=_number, percent=_percent, json_html=json_for_html)
    env.globals.update(query_string=query_string, version=__version__, csrf_field=CSRF_FIELD)
    return templates


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """Render a page or partial with the session, CSRF token and permissions available to the template."""
    state = state_of(request)
    session: Session | None = getattr(request.state, "session", None)
    ctx = {"session": session, "csrf_token": session.csrf_token if session else "",
           "can": (lambda p: bool(session and session.can(p))), "project_name": state.project.path.name,
           "path": request.url.path, "params": dict(request.query_params)}
    ctx.update(context or {})
    return state.templates.TemplateResponse(request, template, ctx, status_code=status_code, headers=headers)


class SecurityHeaders(BaseHTTPMiddleware):
    """The security headers on every response, the 500 for an unexpected error included: that one is made
    here (the traceback goes to the log, never to the browser) so it gets the same headers."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        try:
            response = await call_next(request)
        except Exception:
            log.exception("unexpected error on %s %s", request.method, request.url.path)
            response = _unexpected(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if is_https(request):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _wants_json(request: Request) -> bool:
    return "/api/" in request.url.path or "application/json" in request.headers.get("accept", "")


def _error_page(request: Request, status: int, message: str) -> Response:
    if request.headers.get("HX-Request"):
        return HTMLResponse(f'<p class="error" role="alert">{_escape(message)}</p>', status_code=status)
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def _unexpected(request: Request) -> Response:
    """The answer to a bug: no template (rendering may be what failed), no detail of the error."""
    if _wants_json(request):
        return JSONResponse({"error": UNEXPECTED}, status_code=500)
    return HTMLResponse(f'<!doctype html><html lang="en"><title>Error 500 · Peelian</title><h1>Something is wrong'
                        f'</h1><p class="error" role="alert">{UNEXPECTED}</p><p><a href="/">Back to the start page'
                        '</a></p></html>', status_code=500)


def attachment(filename: str, fallback: str) -> dict[str, str]:
    """A Content-Disposition header for a download: `fallback` (safe ASCII, made from validated values)
    as filename, and the exact UTF-8 name as RFC 6266's filename* when it differs."""
    header = f'attachment; filename="{fallback}"'
    if filename != fallback:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return {"Content-Disposition": header}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = "/login?" + urlencode({"next": request.url.path + (f"?{request.url.query}" if request.url.query else "")})
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(StarletteHTTPException)  # FastAPI's HTTPException and the router's own 404/405
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        body = any(tuple(e.get("loc", ()))[:1] == ("body",) and "json" in request.headers.get("content-type", "")
                   for e in errors)
        return _error_page(request, 422 if body else 400, validation_message(errors))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error_page(request, 404, str(exc))

    @app.exception_handler(AuthError)
    async def auth_error(request: Request, exc: AuthError) -> Response:
        return _error_page(request, 403, str(exc))

    @app.exception_handler(PeelianError)  # any other: bad input, a metric that cannot be computed, ...
    async def peelian_error(request: Request, exc: PeelianError) -> Response:
        return _error_page(request, 400, str(exc))


# The start-up fit waits until no page has been asked for this long: on a small machine it would slow
# every first page down, and a page that needs it starts it itself (with a progress bar).
FIT_WHEN_IDLE_S = 10.0


def warm_dashboard(state: WebState, stop: threading.Event | None = None, interval: float = 5.0) -> None:
    """Keep the dashboard ready in the background, so no visitor waits for the metric tables to be
    fitted (minutes on tens of millions of posts): bring the stored monthly rollup up to date at
    start and again whenever the data change (an import from the CLI, a re-tag, new codes), checking
    every `interval` seconds until `stop` is set, and the explorer's filter lists (a scan of the
    predictions) with it. The metric fit is kept current too, for what the rollup does not hold (the
    posts behind a conversation, reciprocity or code-mix figure, the assessment figures outside its
    months, any page while the rollup is stale), once no page has been asked for
    `FIT_WHEN_IDLE_S` seconds. A read-only project gets the unfiltered dashboard computed once instead."""
    from peelian.metrics.engine import is_prepared, prepared
    from peelian.metrics.params import Filters, MetricParams
    from peelian.metrics.rollup import refresh_rollup
    from peelian.store.search import filter_options
    from peelian.web.dashboard import build_dashboard

    def run() -> None:
        if state.project.read_only:
            filters = Filters()
            try:
                state.cache.get("dashboard", (tuple(sorted(filters.describe().items())), "month"),
                                lambda: build_dashboard(state.project, filters, "month"))
            except PeelianError:
                pass  # an empty or unusual project: the page will say what is wrong when asked
            return
        while True:
            try:
                refresh_rollup(state.project, state.write_lock)  # at once when fresh (and its kept rows current)
                state.cache.get("filter_options", None, lambda: filter_options(state.project))  # explorer's lists
                if (not is_prepared(state.project, MetricParams())
                      and state.idle_for() >= state.options.get("fit_when_idle_s", FIT_WHEN_IDLE_S)):
                    prepared(state.project, MetricParams())
            except PeelianError:
                pass
            except Exception:
                log.exception("refreshing the dashboard rollup failed")
            if stop is None or stop.wait(interval):
                return

    threading.Thread(target=run, name="peelian-warm-dashboard", daemon=True).start()


def create_app(project_path: str | Path, *, project: Project | None = None, secret: str | None = None,
               max_login_failures: int = 5, lockout_seconds: float = 900.0, warm: bool = False,
               https: bool = False) -> FastAPI:
    """The web app for one project. Pass an open `project` to share a connection (tests, `peelian demo`);
    `warm` computes the dashboard in the background at startup and loads the inbox's semantic risk model
    (`peelian.web.risk_model`) where the project has citizen posts; `https` says browsers reach it over
    HTTPS (cookies `Secure`, HSTS) even when the proxy in front does not send X-Forwarded-Proto."""
    from peelian.web.risk_model import warm_risk_model
    from peelian.web.routes import ROUTERS

    proj = project or Project.open(project_path)
    secret = secret or secrets.token_urlsafe(32)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        if warm:
            warm_dashboard(app.state.peelian, stop)
            warm_risk_model(proj)
        yield
        stop.set()
        if project is None:
            proj.close()

    app = FastAPI(title="Peelian", version=__version__, docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.peelian = WebState(proj, build_templates(), ProjectCache(proj))
    app.state.sessions = SessionStore(secret)
    app.state.limiter = LoginLimiter(max_failures=max_login_failures, lockout=lockout_seconds)
    app.state.https = https
    app.state.login_signer = URLSafeTimedSerializer(secret, salt="peelian-login")
    app.state.login_links = {}
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_handlers(app)
    return app
