"""The dashboard: headline cards against the previous period and the charts, for the chosen filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.dashboard import PERIODS, build_dashboard
from peelian.web.forms import DashboardQuery
from peelian.web.routes.explorer import options

router = APIRouter()


@router.get("/")
def dashboard(request: Request, query: Annotated[DashboardQuery, Query()],
              session: Session = Depends(require("read"))) -> Response:
    state = state_of(request)
    filters, period = query.filters(), query.period
    key = (tuple(sorted(filters.describe().items())), period)
    board = state.cache.get("dashboard", key, lambda: build_dashboard(state.project, filters, period))
    return render(request, "dashboard.html", {"board": board, "options": options(request), "periods": PERIODS})
