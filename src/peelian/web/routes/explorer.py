"""The post explorer: search, filter, sort and page on the server; HTMX swaps only the results.

With `metric=<name>` (the links under every chart and card) it lists exactly the posts
that figure was computed from, via `peelian.metrics.posts_behind`, narrowed by the
same force, account, platform and dates as the figure.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from peelian.metrics.views import behind_without_fit, rows_behind
from peelian.store.schema import ACCOUNT_TYPES, POST_KINDS
from peelian.store.search import COUNT_CAP, SORTS, PostFilters, filter_options, posts_csv, search_posts
from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import ExplorerQuery
from peelian.web.present import present_rows, read_id
from peelian.web.progress import computing, fit_ready, is_poll, ready

router = APIRouter()
FIGURE_FIELDS = ("force", "account_type", "account_id", "platform", "date_from", "date_to")


def options(request: Request) -> dict[str, object]:
    """Drop-down values, cached: on a big project the distinct codes cost a scan."""
    state = state_of(request)
    return {**state.cache.get("filter_options", None, lambda: filter_options(state.project)),
            "account_types": (*ACCOUNT_TYPES, "citizen"), "kinds": POST_KINDS, "sorts": tuple(SORTS)}


def _filters(request: Request, args: ExplorerQuery) -> tuple[PostFilters, str | None]:
    """Post filters; for `metric=...` the figure's own posts replace the force/account/date filters."""
    filters = args.post_filters()
    if filters.conversation_id:  # a viewer's links name conversations by token where the id holds a pseudonym
        filters = replace(filters, conversation_id=read_id(filters.conversation_id))
    metric = args.metric
    if metric is None:
        return filters, None
    state = state_of(request)
    figure = args.filters()
    key = (metric, tuple(sorted(figure.describe().items())))
    rowids = state.cache.get("posts_behind", key,
                             lambda: tuple(rows_behind(state.project, metric, figure, limit=COUNT_CAP)))
    return replace(filters.without(*FIGURE_FIELDS), rowids=rowids), metric


@router.get("/explorer")
def explorer(request: Request, args: Annotated[ExplorerQuery, Query()],
             session: Session = Depends(require("read"))) -> Response:
    state = state_of(request)
    state.check_force(args.force)
    if args.metric is not None and not behind_without_fit(state.project, args.metric) and not fit_ready(request):
        return computing(request, "the posts behind this figure")
    if is_poll(request):
        return ready()
    filters, metric = _filters(request, args)
    if not session.can("identities"):  # search the text this role is shown, not the pseudonyms it never sees
        filters = replace(filters, shown_handles=state.known_handles())
    query, sort, number = args.q, args.sort, args.page
    key = (filters, query, sort, number)
    page = state.cache.get("search", key, lambda: search_posts(state.project, filters, query, sort, number, 50))
    rows = present_rows(page.rows, session.can("identities"), state.known_handles())
    partial = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "_posts.html" if partial else "explorer.html"
    return render(request, template, {"page": page, "rows": rows, "options": options(request), "filters": filters,
                                      "metric": metric, "behind_count": len(filters.rowids or ())})


@router.get("/explorer/export.csv")
def explorer_csv(request: Request, args: Annotated[ExplorerQuery, Query()],
                 session: Session = Depends(require("export"))) -> Response:
    state = state_of(request)
    state.check_force(args.force)
    filters, metric = _filters(request, args)
    body = posts_csv(state.project, filters, args.q)
    state.audit("export", session, target="posts", detail={
        "filters": {k: str(v) for k, v in filters.active().items()}, "metric": metric,
        "q": args.q, "rows": body.count("\n") - 1})
    return Response(body, media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="peelian-posts.csv"'})
