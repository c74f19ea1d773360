"""`peelian network`: the interaction network and its structural measures."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.app import MEASURE, app
from peelian.cli.common import JsonOpt, ProjectArg, console, emit_json, open_project, shown
from peelian.cli.dates import read_period


@app.command(rich_help_panel=MEASURE)
def network(
    project: Path = ProjectArg,
    kind: str = typer.Option("both", help="Which interactions make an edge: reply, mention or both."),
    force: str = typer.Option(None, help="Only this force's accounts and the accounts they interact with."),
    date_from: str = typer.Option(None, "--from", help="First day (YYYY-MM-DD)."),
    date_to: str = typer.Option(None, "--to-date", help="Last day (YYYY-MM-DD)."),
    min_weight: int = typer.Option(1, min=1, help="Drop pairs with fewer interactions (a count: 1 or more)."),
    by: str = typer.Option(None, "--by", help="Also one network per force, month or force,month."),
    communities: bool = typer.Option(False, "--communities", help="Louvain communities (seeded) and modularity; "
                                     "each node's community goes into --to."),
    seed: int = typer.Option(0, "--seed", help="Seed of the community detection."),
    to: Path = typer.Option(None, "--to", help="Also write the graph for Gephi (.graphml or .gexf)."),
    json: bool = JsonOpt,
) -> None:
    """Who replies to and mentions whom: density, reciprocity, transitivity, centralization, robustness,
    the citizen-to-citizen share of replies around police posts, communities, panels by force and month."""
    from peelian.metrics import check_force
    from peelian.network.interactions import InteractionNetwork

    first, last = read_period(date_from, date_to, "--from", "--to-date")
    with open_project(project, read_only=True) as proj:
        if to:
            InteractionNetwork.check_graph_path(to)
        net = InteractionNetwork(kind=kind, force=check_force(proj, force), date_from=first, date_to=last,
                                 min_weight=min_weight, by=by, communities=communities, seed=seed).fit(proj)
        if to:
            net.write(to)
    summary = net.summary()
    if json:
        emit_json(summary)
        return
    table = Table("measure", "value", title="interaction network", title_justify="left")
    for key in ("nodes", "edges", "density", "reciprocity", "transitivity", "degree_centralization", "robustness"):
        value = summary[key]
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else f"{value:.3f}")
    console.print(table)
    mixing = Table("interaction", "share", title="role mixing", title_justify="left")
    for pair, share in summary["role_mixing"].items():
        mixing.add_row(pair, f"{share:.1%}")
    console.print(mixing)
    led = summary["citizen_led"]
    if led["replies"]:
        console.print(f"citizen-led conversation: {led['share']:.1%} of {led['replies']:,} replies in "
                      f"{led['conversations']:,} police-started conversations are citizen to citizen", highlight=False)
    if communities:
        sizes = summary["communities"]
        console.print(f"communities (Louvain, seed {seed}): {len(sizes)}, modularity {summary['modularity']:.3f}; "
                      f"largest {', '.join(map(str, sizes[:10]))}", highlight=False)
    if by:
        keys = [k for k in ("force", "month") if k in net.by]
        panels = Table(*keys, "nodes", "edges", "density", "reciprocity", "centralization", "citizen->police",
                       title="panels", title_justify="left")
        for row in summary["panels"]:
            panels.add_row(*(row[k] or "–" for k in keys), f"{row['nodes']:,}", f"{row['edges']:,}",
                           f"{row['density']:.3f}", f"{row['reciprocity']:.3f}", f"{row['degree_centralization']:.3f}",
                           f"{row['role_mixing'].get('citizen->police', 0):.1%}")
        console.print(panels)
    if to:
        console.print(f"wrote {shown(to)}", highlight=False)
