"""The Inbox: citizen posts awaiting a response, most urgent first (peelian.triage), with the intent, the
target and the time left; posts marked handled elsewhere or needing no response, with the reason (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from peelian.web.app import back_to, render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import HandledForm, InboxQuery
from peelian.web.present import present_rows
from peelian.web.progress import computing, in_background, is_poll, ready
from peelian.web.risk_model import LOADING, loading_note
from peelian.web.routes.explorer import options

router = APIRouter(prefix="/inbox")
PAGE_SIZE = 50
SINCES = ("24h", "72h", "30d", "all")  # blank: the default, 7d
LOADING_ID = "risk-model-loading"  # the note shown while the semantic layer's model loads, which asks again
INBOX_WAIT_S = 0.8  # how long a request waits for the inbox read from the rollup before showing progress


@router.get("")
def inbox_page(request: Request, args: Annotated[InboxQuery, Query()],
               session: Session = Depends(require("read"))) -> Response:
    from peelian.metrics.params import MetricParams
    from peelian.metrics.rollup import stored_fit
    from peelian.triage import inbox

    loading = loading_note()  # the semantic layer's model is loading: the rules' result now, never a wait
    if request.headers.get("HX-Trigger") == LOADING_ID:  # the note's own poll
        return Response(status_code=204) if loading == LOADING else \
            render(request, "_risk_model_ready.html", {"loading_id": LOADING_ID, "note": loading})
    state = state_of(request)
    state.check_force(args.force)
    filters = args.filters()
    since = None if args.since.lower() == "all" else args.since
    key = (tuple(sorted(filters.describe().items())), since, args.page, args.show_handled, loading)
    def compute() -> dict:
        return inbox(state.project, None, filters, since=since, limit=PAGE_SIZE + 1,
                     offset=(args.page - 1) * PAGE_SIZE, show_handled=args.show_handled,
                     semantic=None if loading is None else False)

    # read from the rollup's rows (no fit), the inbox is ready in well under a second unless it reaches
    # far back on a large project: wait that long before showing the progress bar
    kept = stored_fit(state.project, MetricParams()) is not None
    wait = state.options.get("inbox_wait_s", INBOX_WAIT_S) if kept else 0.0
    result = in_background(request, "inbox", key, compute, wait_s=wait)
    if result is None:
        return computing(request, "the inbox")
    if is_poll(request):
        return ready()
    if loading is not None:
        result = {**result, "risk_layers": {**result["risk_layers"], "note": loading}}
    rows = present_rows([{**r, "author_role": "citizen", "author_handle": r["author"]}
                         for r in result["rows"][:PAGE_SIZE]], session.can("identities"), state.known_handles())
    return render(request, "inbox.html", {"box": result, "rows": rows, "options": options(request),
                                          "sinces": SINCES, "page": args.page,
                                          "has_next": len(result["rows"]) > PAGE_SIZE,
                                          "model_loading": loading == LOADING, "loading_id": LOADING_ID})


@router.post("/{platform}/{post_id}/handled")
def handled(request: Request, platform: str, post_id: str, form: Annotated[HandledForm, Form()],
            session: Session = Depends(require("act"))) -> Response:
    from peelian.triage import mark_handled

    state_of(request).write(mark_handled, platform, post_id, session.username, outcome=form.outcome,
                            reason=form.reason)
    return back_to(request, "/inbox")


@router.post("/{platform}/{post_id}/reopen")
def reopen(request: Request, platform: str, post_id: str, session: Session = Depends(require("act"))) -> Response:
    from peelian.triage import reopen as put_back

    state_of(request).write(put_back, platform, post_id, session.username)
    return back_to(request, "/inbox")
