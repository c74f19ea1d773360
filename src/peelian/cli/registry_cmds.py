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


@registry_app.command("import-policeuk")
def registry_import_policeuk(
    project: Path = ProjectArg,
    paths: list[Path] = typer.Argument(..., help="police.uk API responses, files or folders: /forces, /forces/{force} "
                                       "(engagement_methods) and /{force}/{neighbourhood} (contact_details), the "
                                       "neighbourhoods in a folder named after their force id.", show_default=False),
    json: bool = JsonOpt,
) -> None:
    """Add the accounts police.uk publishes for forces and neighbourhood teams to the registry.

    Hand-kept entries (from `registry import`) win over police.uk's for the same account and are
    never changed; police.uk entries of the forces imported are replaced. Stored posts are re-tagged."""
    from peelian.store.policeuk import import_policeuk

    with open_project(project) as proj:
        report = import_policeuk(proj, paths)
    if json:
        emit_json(report.__dict__)
        return
    console.print(f"police.uk: {report.accounts} accounts of {len(report.forces)} force(s) "
                  f"({', '.join(report.forces)}) from {report.files} file(s); {report.added} added, "
                  f"{report.replaced} earlier police.uk entries replaced; {report.accounts_tagged} stored accounts "
                  f"re-tagged, {report.posts_retagged} posts updated", highlight=False)
    if report.kept_manual:
        console.print(f"kept the hand-kept entries for {len(report.kept_manual)} account(s): "
                      f"{', '.join(report.kept_manual)}", highlight=False)
    if report.skipped_links:
        console.print("not accounts (left out): " + ", ".join(f"{k} {v}" for k, v in report.skipped_links.items()),
                      highlight=False)


@registry_app.command("show")
def registry_show(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """List the registry."""
    with open_project(project, read_only=True) as proj:
        rows = proj.query(
            "SELECT platform, handle, account_id, force, account_type, unit, time_zone, "
            "CASE WHEN starts_with(source_path, 'police.uk:') THEN 'police.uk' ELSE 'hand-kept' END AS source "
            "FROM registry ORDER BY force, account_type, handle"
        )
    if json:
        emit_json(rows)
        return
    table = Table("platform", "handle", "account id", "force", "type", "unit", "time zone", "source")
    for r in rows:
        table.add_row(*(str(r[k] or "") for k in ("platform", "handle", "account_id", "force", "account_type",
                                                   "unit", "time_zone", "source")))
    console.print(table)
