"""The Networks page: inter-organisational networks per county, year and layer (measures over time and the
network drawn, nodes by sector), or the interaction network (measures by month, accounts by type)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from peelian.web.app import render, state_of
from peelian.web.auth import Session, require
from peelian.web.forms import NetworksQuery
from peelian.web.progress import computing, in_background, is_poll, ready

router = APIRouter(prefix="/networks")


@router.get("")
def networks_page(request: Request, args: Annotated[NetworksQuery, Query()],
                  session: Session = Depends(require("read"))) -> Response:
    from peelian.network.multilayer import MEASURE_COLUMNS
    from peelian.network.orgdata import LAYERS
    from peelian.web.network_view import (
        agreements_version,
        fit_multilayer,
        interaction_page,
        org_page,
    )

    state = state_of(request)
    state.check_force(args.force)
    context = {"args": args, "layers": [*LAYERS, "all"], "measures": MEASURE_COLUMNS, "org": None, "inter": None,
               "forces": [r["force"] for r in state.project.query(
                   "SELECT DISTINCT force FROM registry ORDER BY force")]}
    if args.view == "organisations":
        net = state.cache.get("multilayer", agreements_version(state.project), lambda: fit_multilayer(state.project))
        if net is not None:
            context["org"] = org_page(net, county=args.county, year=args.year, layer=args.layer, measure=args.measure)
    else:
        identities = session.can("identities")
        context["inter"] = in_background(request, "interaction-network", (args.kind, args.force, identities),
                                         lambda: interaction_page(state.project, kind=args.kind, force=args.force,
                                                                  show_identities=identities))
        if context["inter"] is None:
            return computing(request, "the interaction network")
    if is_poll(request):
        return ready()
    return render(request, "networks.html", context)
