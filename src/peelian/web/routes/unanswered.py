"""The unanswered queue: citizen posts still awaiting a response, pending or overdue, oldest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from peelian.web.app import back_to, render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import NoteForm, UnansweredQuery
from peelian.web.present import present_rows
from peelian.web.progress import computing, fit_ready, is_poll, ready
from peelian.web.routes.explorer import options
from peelian.web.views import unanswered_queue

router = APIRouter(prefix="/unanswered")
AGES = ("24h", "72h", "7d", "30d")


@router.get("")
def queue(request: Request, args: Annotated[UnansweredQuery, Query()],
          session: Session = Depends(require("read"))) -> Response:
    from peelian.metrics.params import MetricParams
    from peelian.metrics.rollup import stored_queue

    state = state_of(request)
    state.check_force(args.force)
    if stored_queue(state.project, MetricParams()) is None and not fit_ready(request):  # the kept queue needs no fit
        return computing(request, "the unanswered queue")
    if is_poll(request):
        return ready()
    older_than, show_handled, number = args.older_than, args.show_handled, args.page
    filters = args.filters()
    key = (tuple(sorted(filters.describe().items())), older_than, number, show_handled)
    result = state.cache.get("unanswered", key, lambda: unanswered_queue(
        state.project, filters, older_than=older_than, page=number, show_handled=show_handled))
    rows = present_rows([{**r, "author_role": "citizen", "author_handle": r["author"]} for r in result.rows],
                        session.can("identities"), state.known_handles())
    return render(request, "unanswered.html", {"queue": result, "rows": rows, "options": options(request),
                                               "ages": AGES})


@router.post("/{platform}/{post_id}/handled")
def handled(request: Request, platform: str, post_id: str, form: Annotated[NoteForm, Form()],
            session: Session = Depends(require("act"))) -> Response:
    from peelian.triage import mark_handled

    state_of(request).write(mark_handled, platform, post_id, session.username, reason=form.note)
    if request.headers.get("HX-Request"):
        return render(request, "_handled.html", {"platform": platform, "post_id": post_id, "handled": True})
    return back_to(request, "/unanswered")


@router.post("/{platform}/{post_id}/unhandled")
def unhandled(request: Request, platform: str, post_id: str, session: Session = Depends(require("act"))) -> Response:
    from peelian.triage import reopen

    state_of(request).write(reopen, platform, post_id, session.username)
    if request.headers.get("HX-Request"):
        return render(request, "_handled.html", {"platform": platform, "post_id": post_id, "handled": False})
    return back_to(request, "/unanswered")
