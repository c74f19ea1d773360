"""National commands: `national metrics|classify|network` over a lake written by `peelian export
PROJECT dataset`. PySpark is imported only inside the commands that start it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.app import national_app
from peelian.cli.common import JsonOpt, console, emit_json, user_errors

LakeArg = typer.Argument(..., help="The lake (peelian export PROJECT dataset --to LAKE): a folder, s3a://bucket/prefix "
                         "or abfss://container@account.dfs.core.windows.net/prefix.", show_default=False)
EngineOpt = typer.Option("duckdb", "--engine", help="duckdb (this machine) or spark.")
MasterOpt = typer.Option("local[2]", "--master", help="Spark master: local[N], spark://host:7077, yarn, ... "
                         "(an active session, as in a Databricks job, is used instead).")


@national_app.command("metrics")
def metrics(
    lake: str = LakeArg,
    engine: str = EngineOpt,
    master: str = MasterOpt,
    to: str = typer.Option(None, "--to", help="Write the set: .parquet, .csv or .json (and <name>.schema.md)."),
    json: bool = JsonOpt,
) -> None:
    """The common metric set (docs/metric-set.md) of every force in the lake, by force × account type × month."""
    with user_errors():
        from peelian.national import national_metric_set
        from peelian.national.output import metric_set_destination, write_metric_set

        if to:
            metric_set_destination(to)
        table = national_metric_set(lake, engine=engine, master=master)
        written = write_metric_set(table, to) if to else None
    summary = {"engine": engine, "rows": table.num_rows, "forces": len(set(table.column("force").to_pylist())),
               "written": written}
    if json:
        emit_json(summary)
        return
    console.print(f"{table.num_rows:,} rows for {summary['forces']} forces computed on {engine}"
                  + (f"; wrote {written['path']}" if written else ""))


@national_app.command("classify")
def classify(
    lake: str = LakeArg,
    model: Path = typer.Option(..., "--model", help="A model folder (peelian classify train)."),
    engine: str = typer.Option("spark", "--engine", help="spark or duckdb (this machine predicts)."),
    master: str = MasterOpt,
    batch_partitions: int = typer.Option(64, "--batch-partitions", min=1,
                                         help="Partitions per Spark job (the work an interruption can lose)."),
    json: bool = JsonOpt,
) -> None:
    """Batch prediction of every text in the model's scope, resumable per force × platform × month partition."""
    with user_errors():
        from peelian.national.classify import classify_lake

        result = classify_lake(lake, model, engine=engine, master=master, batch_partitions=batch_partitions)
    if json:
        emit_json(result)
        return
    console.print(f"{result['posts_predicted']:,} posts predicted in {result['partitions_predicted']} partitions "
                  f"({result['already_done']} done before) into {result['output']}")


@national_app.command("network")
def network(
    lake: str = LakeArg,
    engine: str = EngineOpt,
    master: str = MasterOpt,
    kind: str = typer.Option("both", help="Which interactions make an edge: reply, mention or both."),
    force: str = typer.Option(None, help="Only this force's accounts and the accounts they interact with."),
    min_weight: int = typer.Option(1, min=1, help="Drop pairs with fewer interactions (a count: 1 or more)."),
    json: bool = JsonOpt,
) -> None:
    """Interaction edges summed per pair on the engine; density, reciprocity and the other measures on the driver."""
    with user_errors():
        from peelian.national.network import national_network

        summary = national_network(lake, engine=engine, kind=kind, min_weight=min_weight, force=force, master=master)
    if json:
        emit_json(summary)
        return
    table = Table("measure", "value", title=f"national interaction network ({engine})", title_justify="left")
    for key in ("nodes", "edges", "density", "reciprocity", "transitivity", "degree_centralization", "robustness"):
        value = summary[key]
        table.add_row(key.replace("_", " "), f"{value:,}" if isinstance(value, int) else f"{value:.3f}")
    console.print(table)
