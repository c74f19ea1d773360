"""The Assessment page (read: questionnaire, scores, evidence, charts, history) and its answers
(analysts and admins; each answer appended to the history and to the audit log)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from peelian.web.app import query_string, render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import AssessmentQuery, AssessPeriod, OptionalText, RequiredText
from peelian.web.progress import computing, in_background, is_poll, ready

router = APIRouter(prefix="/assessment")


@router.get("")
def assessment_page(request: Request, args: Annotated[AssessmentQuery, Query()],
                    session: Session = Depends(require("read"))) -> Response:
    from peelian.web.assessment import answers_version, build_assessment


    state = state_of(request)
    key = (args.force, args.period, answers_version(state.project))
    page = in_background(request, "assessment", key, lambda: build_assessment(state.project, args.force, args.period))
    if page is None:
        return computing(request, "the assessment's measured evidence")
    if is_poll(request):
        return ready()
    return render(request, "assessment.html", {"page": page, "result": page.result})


@router.post("/answer")
def assessment_answer(request: Request, force: Annotated[RequiredText, Form()],
                      indicator: Annotated[RequiredText, Form()], level: Annotated[int, Form(ge=1, le=5)],
                      period: Annotated[AssessPeriod, Form()] = None,
                      note: Annotated[OptionalText, Form()] = None,
                      session: Session = Depends(require("act"))) -> Response:
    from peelian.assess import record_answers

    result = state_of(request).write(record_answers, force, {indicator: {"level": level, "note": note}},
                                     period=period, user=session.username, source="web")
    target = query_string({"force": force, "period": result["assessment"]["period"]})
    return RedirectResponse(f"/assessment?{target}#indicator-{indicator}", status_code=303)
