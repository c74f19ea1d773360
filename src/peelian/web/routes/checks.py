"""Check a draft before publishing: the pre-publication check (`peelian.checks`) with the risky spans
highlighted. Any role that may read can use it; each check is audited with what was found, never the draft."""

from __future__ import annotations

import reprlib
import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from peelian.web.app import render, state_of
from peelian.web.auth import Session, require

router = APIRouter(prefix="/check")
MAX_DRAFT = 10_000  # longer than any platform's post; a draft past it is not a post


class DraftForm(BaseModel):
    """The draft as typed: line breaks and tabs allowed, other control characters refused by name."""

    model_config = ConfigDict(frozen=True)

    text: Annotated[str, Field(max_length=MAX_DRAFT)]

    @field_validator("text")
    @classmethod
    def _a_draft(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the draft is empty")
        bad = next((c for c in value if unicodedata.category(c) == "Cc" and c not in "\n\r\t"), None)
        if bad is not None:
            raise ValueError(f"must not contain control characters (got {reprlib.repr(bad)})")
        return value


def segments(text: str, findings: list[Any]) -> list[dict[str, Any]]:
    """The draft cut at every finding's edges: each piece with the findings that cover it (maybe none),
    so the template can mark spans, overlapping ones included, without building HTML here."""
    cuts = sorted({0, len(text), *(f.start for f in findings), *(f.end for f in findings)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [f for f in findings if f.start <= start and end <= f.end]
        pieces.append({"text": text[start:end], "findings": covering})
    return pieces


@router.get("")
def check_page(request: Request, session: Session = Depends(require("read"))) -> Response:
    return render(request, "check.html", {"draft": "", "findings": None})


@router.post("")
def check_post(request: Request, form: Annotated[DraftForm, Form()],
               session: Session = Depends(require("read"))) -> Response:
    from peelian.checks import RISKS, check_draft

    findings = check_draft(form.text)
    state_of(request).audit("check_draft", session, target="draft", detail={
        "characters": len(form.text), "findings": len(findings), "risks": sorted({f.risk for f in findings})})
    return render(request, "check.html", {"draft": form.text, "findings": findings, "risks": RISKS,
                                          "segments": segments(form.text, findings)})
