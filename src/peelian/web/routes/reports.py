"""Reports: the monthly force report as a self-contained HTML file or a PDF (an audited export)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from peelian.errors import InputError
from peelian.report.force_report import write_force_report
from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.routes.explorer import options

router = APIRouter(prefix="/reports")


@router.get("")
def reports_page(request: Request, session: Session = Depends(require("export"))) -> Response:
    state = state_of(request)
    newest = state.project.scalar("SELECT strftime(max(created_at), '%Y-%m') FROM posts")
    return render(request, "reports.html", {"options": options(request), "newest_month": newest})


@router.get("/force.{extension}")
def force_report(request: Request, extension: str, session: Session = Depends(require("export"))) -> Response:
    """Build the report for ?force=&month= and send it as a download."""
    if extension not in ("html", "pdf"):
        raise InputError("a force report is .html or .pdf")
    state = state_of(request)
    force = request.query_params.get("force") or ""
    month = request.query_params.get("month") or ""
    with tempfile.TemporaryDirectory(prefix="peelian-report-") as folder:
        files = write_force_report(state.project, force, month, Path(folder) / "report.html",
                                   pdf=extension == "pdf")
        body = files[-1].read_bytes()
    state.audit("export", session, target="force_report", detail={"force": force, "month": month,
                                                                  "format": extension})
    name = f"peelian-{force.lower().replace(' ', '-')}-{month}.{extension}"
    media = "application/pdf" if extension == "pdf" else "text/html; charset=utf-8"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
