"""The Benchmark page: forces (or account types) ranked on the common metric set with 95%
intervals, ties and small-n marks, and the forces' maturity scores side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from peelian.store.schema import ACCOUNT_TYPES
from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import BenchmarkQuery
from peelian.web.progress import computing, in_background, is_poll, ready

router = APIRouter()


@router.get("/benchmark")
def benchmark_page(request: Request, args: Annotated[BenchmarkQuery, Query()],
                   session: Session = Depends(require("read"))) -> Response:
    from peelian.assess.measures import format_value
    from peelian.web.assessment import answers_version, build_benchmark


    state = state_of(request)
    key = (args.by, args.account_type, args.period, answers_version(state.project))
    page = in_background(request, "benchmark", key, lambda: build_benchmark(state.project, args.by, args.account_type,
                                                                            args.period))
    if page is None:
        return computing(request, "the benchmark")
    if is_poll(request):
        return ready()
    return render(request, "benchmark.html", {"page": page, "args": args, "account_types": ACCOUNT_TYPES,
                                                "formatted": format_value})
