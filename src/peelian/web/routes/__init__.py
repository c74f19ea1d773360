"""One router per area; `create_app` includes them all."""

from __future__ import annotations

from peelian.web.routes import (
    assessment,
    benchmark,
    checks,
    coding,
    dashboard,
    explorer,
    inbox,
    login,
    models,
    networks,
    reports,
    threads,
    unanswered,
    users,
)

ROUTERS = [login.router, dashboard.router, explorer.router, threads.router, inbox.router, unanswered.router,
           coding.router, models.router, reports.router, users.router, checks.router, assessment.router,
           benchmark.router, networks.router]
