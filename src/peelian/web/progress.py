"""Pages whose figures are still being computed: a progress indicator instead of a blank page.

Pages that read the fitted dialogue (the unanswered queue, the posts behind a figure) need
the metrics' fit, which takes minutes on tens of millions of posts. On a large project whose
fit is not ready, the route starts it in the background and answers at once with a page that
shows a progress bar and asks again every two seconds (HTMX, `HX-Trigger: computing-progress`);
the answer is 204 while the work runs and `HX-Refresh` once it is done, so the browser reloads
the real page. The dashboard does the same with its own rollup (`peelian.web.dashboard`). Pages
whose own figures take long on a large project (the inbox, the assessment, the benchmark, the
interaction network) compute them in the background with `in_background`, which caches them.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response

from peelian.web.app import render, state_of

PROGRESS_ID = "computing-progress"
PROGRESS_ABOVE_POSTS = 200_000  # smaller projects are fitted while the request waits (a second or two)
T = TypeVar("T")


def is_large(state: Any) -> bool:
    """Whether the project is large enough for its long computations to run in the background."""
    limit = state.options.get("progress_above_posts", PROGRESS_ABOVE_POSTS)
    return int(state.project.scalar("SELECT count(*) FROM posts")) >= limit


def fit_ready(request: Request) -> bool:
    """Whether the fitted dialogue (default parameters) can be read now; if not, it is started in
    the background (once) and the caller shows `computing`. A failed fit is raised here."""
    from peelian.metrics.engine import is_prepared, prepared
    from peelian.metrics.params import MetricParams

    state = state_of(request)
    params = MetricParams()
    if not is_large(state) or is_prepared(state.project, params):
        return True
    state.work.raise_failure("fit")
    state.work.start("fit", lambda: prepared(state.project, params))
    return False


def in_background(request: Request, name: str, key: Hashable, compute: Callable[[], T],
                  wait_s: float = 0.0) -> T | None:
    """The page data `name`/`key` from the cache, computed in the request on a small project; on a
    large one it is computed (and cached) in the background, once, and None is returned until it is
    there, for the caller to answer with `computing`. With `wait_s`, the request waits that long for
    it first, so work that is usually quick shows the page at once and only slow work the progress
    bar. A failed computation is raised here."""
    state = state_of(request)
    cached = state.cache.peek(name, key)
    if cached is not None:
        return cached
    if not is_large(state):
        return state.cache.get(name, key, compute)
    state.work.raise_failure((name, key))
    state.work.start((name, key), lambda: state.cache.get(name, key, compute))
    if wait_s > 0:
        state.work.join((name, key), wait_s)
        state.work.raise_failure((name, key))
        return state.cache.peek(name, key)
    return None


def is_poll(request: Request) -> bool:
    return request.headers.get("HX-Trigger") == PROGRESS_ID


def computing(request: Request, what: str) -> Response:
    """The progress page for `what` (or, to the indicator's own poll, 204: not yet)."""
    if is_poll(request):
        return Response(status_code=204)
    return render(request, "computing.html", {"what": what, "progress_id": PROGRESS_ID})


def ready() -> Response:
    """The answer to the indicator's poll once the page can be shown: reload it."""
    return Response(headers={"HX-Refresh": "true"})
