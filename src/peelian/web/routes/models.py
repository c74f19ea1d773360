"""Classifier evaluations and inter-coder reliability: read-only pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.views import list_models, model_detail, reliability_html, samples_overview

router = APIRouter(prefix="/models")


@router.get("")
def models_page(request: Request, session: Session = Depends(require("read"))) -> Response:
    state = state_of(request)
    return render(request, "models.html", {"models": list_models(state.project),
                                           "samples": samples_overview(state.project)})


@router.get("/reliability/{sample}")
def reliability_page(request: Request, sample: str, session: Session = Depends(require("read"))) -> Response:
    """The sample's reliability report (coefficients with intervals, per code, confusion matrices)."""
    state = state_of(request)
    return HTMLResponse(state.cache.get("reliability", sample, lambda: reliability_html(state.project, sample)))


@router.get("/{model_id}")
def model_page(request: Request, model_id: str, session: Session = Depends(require("read"))) -> Response:
    return render(request, "model.html", {"model": model_detail(state_of(request).project, model_id)})
