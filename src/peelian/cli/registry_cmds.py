"""`peelian registry ...`: which accounts are police, of which force and type."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.app import registry_app
from peelian.cli.common import JsonOpt, ProjectArg, console, emit_json, open_project


@registry_app.command("import")
def registry_import(
    project: Path = ProjectArg,
    csv_path: Path = typer.Argument(..., help="Registry CSV: platform, handle and/or account_id, force, "
                                    "account_type, [unit, time_zone, notes]."),
    json: bool = JsonOpt,
) -> None:
    """Replace the registry with a CSV and re-tag every stored post."""
    from peelian.store.registry import import_registry

    with open_project(project) as proj:
        report = import_registry(proj, csv_path)
    if json:
        emit_json(report.__dict__)
        return
    console.print(f"registry: {report.entries} accounts of {len(report.forces)} force(s) "
                  f"({', '.join(report.forces)}); {report.accounts_tagged} stored accounts re-tagged, "
                  f"{report.posts_retagged} posts updated")


@registry_app.command("show")
def registry_show(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """List the registry."""
    with open_project(project, read_only=True) as proj:
        rows = proj.query(
            "SELECT platform, handle, account_id, force, account_type, unit, time_zone FROM registry "
            "ORDER BY force, account_type, handle"
        )
    if json:
        emit_json(rows)
        return
    table = Table("platform", "handle", "account id", "force", "type", "unit", "time zone")
    for r in rows:
        table.add_row(*(str(r[k] or "") for k in ("platform", "handle", "account_id", "force", "account_type",
                                                   "unit", "time_zone")))
    console.print(table)
