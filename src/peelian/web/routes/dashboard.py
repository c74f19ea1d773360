"""The dashboard: headline cards against the previous period and the charts, for the chosen filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.dashboard import PERIODS, ready_dashboard
from peelian.web.forms import DashboardQuery
from peelian.web.routes.explorer import options

router = APIRouter()
PROGRESS_ID = "dashboard-progress"


@router.get("/")
def dashboard(request: Request, query: Annotated[DashboardQuery, Query()],
              session: Session = Depends(require("read"))) -> Response:
    state = state_of(request)
    state.check_force(query.force)
    filters, period = query.filters(), query.period
    board = ready_dashboard(state, filters, period)
    if request.headers.get("HX-Trigger") == PROGRESS_ID:  # the progress indicator asking whether it is ready
        return Response(status_code=204) if board is None else Response(headers={"HX-Refresh": "true"})
    return render(request, "dashboard.html", {"board": board, "options": options(request), "periods": PERIODS,
                                              "progress_id": PROGRESS_ID})
