"""The keyboard-driven coding page and its small JSON API (the page prefetches the next item)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import JSONResponse, Response

from peelian.coding.samples import list_samples
from peelian.errors import InputError, NotAssignedError
from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.coding.codings import coding_item, next_item
from peelian.web.coding_view import Decision, item_after, item_json, save_item, undo
from peelian.web.forms import OptionalText, RequiredText, SaveRequest, UndoRequest
from peelian.web.present import read_id, shown_id

router = APIRouter(prefix="/code")


def _json(request: Request, session: Session, item: Any) -> dict[str, Any] | None:
    return item_json(item, session.can("identities"), state_of(request).known_handles())


def _assigned_only(session: Session) -> bool:
    """Coders open and code only the posts of their samples; analysts and admins any post."""
    return not session.can("code_any")


def _refused(request: Request, session: Session, exc: NotAssignedError, platform: str, post_id: str) -> None:
    state_of(request).audit("coding_refused", session, target=f"{platform}:{post_id}",
                            detail={"path": request.url.path, "reason": str(exc)})


@router.get("")
def coding_page(request: Request, sample: OptionalText = None,
                session: Session = Depends(require("code"))) -> Response:
    state = state_of(request)
    item = _json(request, session, next_item(state.project, session.username, sample))
    samples = [s for s in list_samples(state.project)
               if any(p["coder"] == session.username for p in s.get("progress", []))]
    return render(request, "coding.html", {
        "item": item,
        "has_item": item is not None, "sample": sample, "samples": samples})


@router.get("/api/next")
def coding_next(request: Request, after: RequiredText, sample: OptionalText = None,
                session: Session = Depends(require("code"))) -> JSONResponse:
    """The item after `after` (platform:post_id) in this coder's queue, for prefetching."""
    if ":" not in after:
        raise InputError("after must be platform:post_id")
    platform, post_id = after.split(":", 1)
    post_id = read_id(post_id)  # a coder's page names posts whose ids hold a pseudonym by token
    item = item_after(state_of(request).project, session.username, platform, post_id, sample)
    return JSONResponse(orjson.loads(orjson.dumps(_json(request, session, item), default=str)))


@router.get("/api/item")
def coding_get(request: Request, platform: RequiredText, post_id: RequiredText, sample: OptionalText = None,
               session: Session = Depends(require("code"))) -> JSONResponse:
    post_id = read_id(post_id)
    try:
        item = coding_item(state_of(request).project, session.username, platform, post_id, sample,
                           assigned_only=_assigned_only(session))
    except NotAssignedError as exc:
        _refused(request, session, exc, platform, post_id)
        raise
    return JSONResponse(orjson.loads(orjson.dumps(_json(request, session, item), default=str)))


@router.post("/api/save")
def coding_save(request: Request, payload: SaveRequest, session: Session = Depends(require("code"))) -> JSONResponse:
    platform, post_id = payload.platform, read_id(payload.post_id)
    try:
        saved = state_of(request).write(
            save_item, session.username, platform, post_id,
            [Decision(dim, list(codes)) for dim, codes in payload.decisions.items()],
            status=payload.status or "coded", note=payload.note or None,
            sample=payload.sample or None, assigned_only=_assigned_only(session))
    except NotAssignedError as exc:
        _refused(request, session, exc, platform, post_id)
        raise
    return JSONResponse({"saved": saved})


@router.post("/api/undo")
def coding_undo(request: Request, payload: Annotated[UndoRequest | None, Body()] = None,
                session: Session = Depends(require("code"))) -> JSONResponse:
    state = state_of(request)
    sample = (payload.sample if payload else None) or None
    undone = state.write(undo, session.username, sample)
    if undone is None:
        return JSONResponse({"undone": None, "item": None})
    shown = undone if session.can("identities") else {**undone, "post_id": shown_id(undone["post_id"])}
    try:
        item = coding_item(state.project, session.username, undone["platform"], undone["post_id"], undone["sample"],
                           assigned_only=_assigned_only(session))
    except NotAssignedError:  # a coding made before coders were kept to their samples: nothing to show
        item = None
    return JSONResponse(orjson.loads(orjson.dumps({"undone": shown, "item": _json(request, session, item)},
                                                  default=str)))
