"""Reports: the monthly force report as a self-contained HTML file or a PDF (an audited export)."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from peelian.report.force_report import write_force_report
from peelian.web.app import attachment, render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import ReportQuery
from peelian.web.routes.explorer import options

router = APIRouter(prefix="/reports")


@router.get("")
def reports_page(request: Request, session: Session = Depends(require("export"))) -> Response:
    state = state_of(request)
    newest = state.project.scalar("SELECT strftime(max(created_at), '%Y-%m') FROM posts")
    return render(request, "reports.html", {"options": options(request), "newest_month": newest})


def _ascii_slug(text: str) -> str:
    """'Heddlu Dyfed–Powys' -> 'heddlu-dyfed-powys': letters without their accents, digits, single dashes."""
    letters = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", letters.lower().encode("ascii", "replace").decode()).strip("-") or "force"


@router.get("/force.{extension}")
def force_report(request: Request, extension: Literal["html", "pdf"], args: Annotated[ReportQuery, Query()],
                 session: Session = Depends(require("export"))) -> Response:
    """Build the report for ?force=&month= and send it as a download."""
    state = state_of(request)
    force, month = args.force, args.month
    with tempfile.TemporaryDirectory(prefix="peelian-report-") as folder:
        files = write_force_report(state.project, force, month, Path(folder) / "report.html",
                                   pdf=extension == "pdf")
        body = files[-1].read_bytes()
    state.audit("export", session, target="force_report", detail={"force": force, "month": month,
                                                                  "format": extension})
    name = f"peelian-{force.lower().replace(' ', '-')}-{month}.{extension}"
    media = "application/pdf" if extension == "pdf" else "text/html; charset=utf-8"
    return Response(body, media_type=media,
                    headers=attachment(name, f"peelian-{_ascii_slug(force)}-{month}.{extension}"))
