"""Inter-organisational networks: `orgs import`, `agreements import`, `multilayer [measures|robustness|panel]`.

`peelian multilayer PROJECT [options]` runs `multilayer measures PROJECT [options]`: the group's class sends
a first argument that is not a subcommand name to the default subcommand, as `peelian metrics` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from peelian.cli.app import MEASURE, PROJECT, app
from peelian.cli.common import (
    JsonOpt,
    ProjectArg,
    console,
    default_command_group,
    emit_json,
    open_project,
    shown,
    user_errors,
)

DEFAULT_COMMAND = "measures"
TABLE_WIDTH = 160


def _wide() -> Console:
    """The measures table is wide: never squeeze it into a narrow pipe."""
    return console if console.width >= TABLE_WIDTH else Console(width=TABLE_WIDTH)


orgs_app = typer.Typer(help="Organisations of the inter-organisational networks.", no_args_is_help=True)
agreements_app = typer.Typer(help="Agreements between organisations (the ties of the multilayer networks).",
                             no_args_is_help=True)
multilayer_app = typer.Typer(help="Multilayer inter-organisational networks: measures, robustness, panel models.")
app.add_typer(orgs_app, name="orgs", rich_help_panel=PROJECT)
app.add_typer(agreements_app, name="agreements", rich_help_panel=PROJECT)
app.add_typer(multilayer_app, name="multilayer", rich_help_panel=MEASURE)


@multilayer_app.callback(cls=default_command_group(DEFAULT_COMMAND), invoke_without_command=False,
                         no_args_is_help=True)
def multilayer_group() -> None:
    """Multilayer inter-organisational networks: `peelian multilayer PROJECT` measures every county-year
    and layer (same as `multilayer measures`); `robustness` attacks one network; `panel` fits a
    fixed-effects model of an outcome on the measures."""


ByOpt = typer.Option("county,year", "--by", help="One network per county, year or county,year.")
LayersOpt = typer.Option(None, "--layers", help="Layers to use (comma-separated; default "
                         "contract,mutual_aid,sharing,working_group); `all` is their aggregate.")


@orgs_app.command("import")
def orgs_import(
    project: Path = ProjectArg,
    csv_path: Path = typer.Argument(..., help="CSV: id, name, sector, [county, lat, lon, area]."),
    json: bool = JsonOpt,
) -> None:
    """Import the organisations (replaces the stored ones); every bad row is named and nothing is imported."""
    from peelian.network.orgdata import import_organisations

    with open_project(project) as proj:
        report = import_organisations(proj, csv_path)
    if json:
        emit_json(report)
        return
    console.print(f"imported {report.organisations} organisations in {report.counties} counties "
                  f"({', '.join(f'{k} {v}' for k, v in report.sectors.items())})", highlight=False)


@agreements_app.command("import")
def agreements_import(
    project: Path = ProjectArg,
    csv_path: Path = typer.Argument(..., help="CSV: org_a, org_b, layer, start, [end, sector_a, sector_b, county, "
                                    "value, source]."),
    json: bool = JsonOpt,
) -> None:
    """Import the agreements (replaces the stored ones), checked against the organisations: unknown ids,
    unknown layers, end before start and self-ties are named by row and nothing is imported."""
    from peelian.network.orgdata import import_agreements

    with open_project(project) as proj:
        report = import_agreements(proj, csv_path)
    if json:
        emit_json(report)
        return
    console.print(f"imported {report.agreements} agreements between {report.organisations} organisations, "
                  f"{report.first_year}–{report.last_year} "
                  f"({', '.join(f'{k} {v}' for k, v in report.layers.items())})", highlight=False)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


@multilayer_app.command(DEFAULT_COMMAND)
def multilayer_measures(
    project: Path = ProjectArg,
    by: str = ByOpt,
    layers: str = LayersOpt,
    attack: str = typer.Option("degree", "--attack", help="Attack whose robustness area is reported: degree, "
                               "betweenness or random."),
    seed: int = typer.Option(0, "--seed", help="Seed of random attacks."),
    to: Path = typer.Option(None, "--to", help="Also write every measure (.parquet or .csv)."),
    json: bool = JsonOpt,
) -> None:
    """Structure, composition and ties per group and layer: centralization, transitivity, density,
    components, Blau diversity, geographic range, stability, multiplexity, overlap, robustness."""
    from peelian.network.multilayer import MultilayerNetworks

    with open_project(project, read_only=True) as proj:
        net = MultilayerNetworks(by=by, layers=layers, attack=attack, seed=seed).fit(proj)
    with user_errors():
        if to:
            net.write(to)
    if json:
        emit_json(net.measures_)
        return
    columns = ("nodes", "ties", "density", "degree_centralization", "betweenness_centralization", "transitivity",
               "blau", "stability", "multiplexity", "robustness")
    table = Table(*net.by, "layer", *(c.replace("_centralization", " centr.").replace("_", " ") for c in columns),
                  title="multilayer network measures", title_justify="left")
    for row in net.measures_:
        table.add_row(*(_fmt(row[k]) for k in (*net.by, "layer", *columns)))
    _wide().print(table)
    if to:
        console.print(f"wrote {len(net.measures_)} rows to {shown(to)}", highlight=False)


@multilayer_app.command("robustness")
def multilayer_robustness(
    project: Path = ProjectArg,
    county: str = typer.Option(None, "--county", help="The county (when grouping by county)."),
    year: int = typer.Option(None, "--year", help="The year (when grouping by year)."),
    by: str = ByOpt,
    layer: str = typer.Option("all", "--layer", help="A layer, or all (the aggregate)."),
    attack: str = typer.Option("degree", "--attack", help="degree, betweenness or random (static ranking on the "
                               "intact network; random averages 20 seeded orders)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random attack."),
    steps: int = typer.Option(None, "--steps", min=1, help="Show only the first N removals."),
    json: bool = JsonOpt,
) -> None:
    """How one network falls apart as its key organisations go: the largest component after each removal
    and the area under that curve."""
    from peelian.network.multilayer import AGGREGATE, MultilayerNetworks

    with open_project(project, read_only=True) as proj:
        net = MultilayerNetworks(by=by, seed=seed).fit(proj)
        if layer != AGGREGATE and layer not in net.layers:
            from peelian.errors import NetworkDataError

            raise NetworkDataError(f"unknown layer {layer!r} (known: {', '.join(net.layers)}, all)")
        result = net.robustness(net.group(county=county, year=year), attack, layer, steps=steps)
    if json:
        emit_json(result)
        return
    where = ", ".join(f"{k} {result[k]}" for k in net.by)
    table = Table("removed", "organisation", "largest component", "share",
                  title=f"{where}, {layer}: {attack} attack on {result['nodes']} organisations, {result['ties']} ties",
                  title_justify="left")
    for step in result["curve"]:
        label = f"{step['name']} ({step['organisation']})" if step["organisation"] else "–"
        table.add_row(str(step["removed"]), label, f"{step['largest_component']:g}", f"{step['share']:.1%}")
    console.print(table)
    console.print(f"robustness (area under the curve): {result['auc']:.3f}", highlight=False)


@multilayer_app.command("panel")
def multilayer_panel(
    project: Path = ProjectArg,
    outcome: Path = typer.Option(..., "--outcome", help="CSV with county, year and the outcome (and controls)."),
    y: str = typer.Option(..., "--y", help="The outcome column."),
    x: str = typer.Option(..., "--x", help="Regressors: network measures (centralization = degree_centralization, "
                          "blau, …) or outcome-file columns, comma-separated."),
    by: str = typer.Option("county,year", "--by", help="Entity and time: county,year (the only panel there is)."),
    layer: str = typer.Option("all", "--layer", help="The layer whose measures enter the model, or all."),
    entity_effects: bool = typer.Option(True, "--entity-effects/--no-entity-effects", help="County fixed effects."),
    time_effects: bool = typer.Option(True, "--time-effects/--no-time-effects", help="Year fixed effects."),
    json: bool = JsonOpt,
) -> None:
    """Fixed-effects panel model (linearmodels PanelOLS, county and year effects, errors clustered by county)
    of an outcome on network measures."""
    from peelian.errors import NetworkDataError
    from peelian.network.multilayer import MEASURE_COLUMNS, MultilayerNetworks, parse_by
    from peelian.network.panel import panel_model, read_outcomes

    aliases = {"centralization": "degree_centralization", "degree": "degree_centralization",
               "betweenness": "betweenness_centralization"}
    terms = [aliases.get(t.strip(), t.strip()) for t in x.split(",") if t.strip()]
    with user_errors():
        if parse_by(by) != ("county", "year"):
            raise NetworkDataError("a panel model needs --by county,year")
        outcomes = read_outcomes(outcome, [y.strip().lower(), *(t.lower() for t in terms if t not in MEASURE_COLUMNS)])
    with open_project(project, read_only=True) as proj:
        net = MultilayerNetworks(by="county,year").fit(proj)
        if layer != "all" and layer not in net.layers:
            raise NetworkDataError(f"unknown layer {layer!r} (known: {', '.join(net.layers)}, all)")
        result = panel_model(net.measures_, outcomes, y=y.strip().lower(),
                             x=[t if t in MEASURE_COLUMNS else t.lower() for t in terms], layer=layer,
                             entity_effects=entity_effects, time_effects=time_effects)
    if json:
        emit_json(result)
        return
    table = Table("term", "estimate", "std. error", "t", "p", "95% CI",
                  title=f"{result['y']} on {layer} measures: {result['nobs']} county-years, {result['entities']} "
                        f"counties, {result['periods']} years; R² after fixed effects {result['r2']:.3f}",
                  title_justify="left")
    for c in result["coefficients"]:
        table.add_row(c["term"], f"{c['estimate']:.4g}", f"{c['std_error']:.4g}", f"{c['t']:.2f}", f"{c['p']:.3f}",
                      f"[{c['ci_low']:.4g}, {c['ci_high']:.4g}]")
    _wide().print(table)
    effects = " and ".join(n for n, on in (("county", entity_effects), ("year", time_effects)) if on) or "no"
    dropped = result["dropped"]
    console.print(f"{effects} fixed effects; standard errors clustered by county; left out: "
                  f"{dropped['no_outcome']} county-years without the outcome, {dropped['missing_measure']} "
                  "without a measure", highlight=False)
