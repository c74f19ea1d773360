"""`peelian network`: the interaction network and its structural measures."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.app import MEASURE, app
from peelian.cli.common import JsonOpt, ProjectArg, console, emit_json, open_project


@app.command(rich_help_panel=MEASURE)
def network(
    project: Path = ProjectArg,
    kind: str = typer.Option("both", help="Which interactions make an edge: reply, mention or both."),
    force: str = typer.Option(None, help="Only this force's accounts and the accounts they interact with."),
    date_from: str = typer.Option(None, "--from", help="First day (YYYY-MM-DD)."),
    date_to: str = typer.Option(None, "--to-date", help="Last day (YYYY-MM-DD)."),
    min_weight: int = typer.Option(1, help="Drop pairs with fewer interactions."),
    to: Path = typer.Option(None, "--to", help="Also write the graph (.graphml or .gexf)."),
    json: bool = JsonOpt,
) -> None:
    """Who replies to and mentions whom: density, reciprocity, transitivity, centralization, robustness."""
    from peelian.network import InteractionNetwork

    with open_project(project, read_only=True) as proj:
        net = InteractionNetwork(kind=kind, force=force, date_from=date_from, date_to=date_to,
                                 min_weight=min_weight).fit(proj)
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
    if to:
        console.print(f"wrote {to}")
