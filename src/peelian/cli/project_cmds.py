"""Project commands: init, import, status, quarantine, imports, export, demo."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.app import PROJECT, app
from peelian.cli.common import (
    EXIT_PARTIAL,
    JsonOpt,
    ProjectArg,
    console,
    emit_json,
    err_console,
    open_project,
    shown,
    user_errors,
)
from peelian.errors import InputError, MappingError, ProjectError, ProjectExistsError, ProjectLockedError
from peelian.store.names import EXPORTABLE


@app.command(rich_help_panel=PROJECT)
def init(
    project: Path = ProjectArg,
    keep_citizen_identities: bool = typer.Option(
        False, "--keep-citizen-identities",
        help="Store citizen handles and ids as they are (default: keyed pseudonyms)."),
) -> None:
    """Create a new, empty project (a DuckDB file plus a sibling folder)."""
    from peelian.store.project import Project

    with user_errors():
        if project.is_dir():
            raise ProjectError(f"{project} is a folder; name the project file to create, "
                               f"e.g. peelian init {project / 'study.peelian'}")
        if project.exists() and not _is_project(project):
            raise ProjectExistsError(f"{project} already exists and is not a Peelian project; init never "
                                     "overwrites a file: name a new file for the project")
        Project.init(project, pseudonymise_citizens=not keep_citizen_identities).close()
    console.print(f"created {shown(project)} (citizen identities "
                  f"{'kept' if keep_citizen_identities else 'pseudonymised'}; secret in {shown(project)}.d/)",
                  highlight=False)


def _is_project(path: Path) -> bool:
    """Whether an existing file opens as a Peelian project (one held open elsewhere counts)."""
    from peelian.store.project import Project

    try:
        Project.open(path, read_only=True).close()
    except ProjectLockedError:
        return True
    except ProjectError:
        return False
    return True


def parse_mapping(items: list[str]) -> dict[str, str]:
    """`a=b,c=d` pairs (repeatable) as a dict; used for --map and --option."""
    mapping: dict[str, str] = {}
    for item in items:
        for pair in item.split(","):
            if not pair.strip():
                continue
            if "=" not in pair:
                raise MappingError(f"expected key=value pairs, got {pair!r}")
            field, column = pair.split("=", 1)
            mapping[field.strip()] = column.strip()
    return mapping


@app.command("import", rich_help_panel=PROJECT)
def import_(
    project: Path = ProjectArg,
    files: list[Path] = typer.Argument(..., help="Files or folders to import (a folder: every file in it, "
                                       "recursively); the format is detected from the content."),
    format: str = typer.Option(None, "--format", "-f", help="Skip detection and read as this format "
                               "(see `peelian formats`)."),
    map: list[str] = typer.Option([], "--map", help="Generic CSV: field=column pairs, e.g. "
                                  "text=message,created_at=time,post_id=id,author=user."),
    platform: str = typer.Option(None, "--platform", help="Generic CSV: the platform the rows come from."),
    option: list[str] = typer.Option([], "--option", "-o", help="Importer option as key=value, e.g. "
                                     "handle=wmpolice for an X archive without its manifest.js."),
    account: str = typer.Option(None, "--account", help="Download-your-information archives: the account "
                                "handle (the archive's owner), when the archive does not name its account."),
    force: bool = typer.Option(False, "--force", help="Import again even if this exact file was imported before."),
    json: bool = JsonOpt,
) -> None:
    """Import exports into the project. Every record is stored, merged as a duplicate or quarantined."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from peelian.ingest import import_files

    with user_errors():
        options: dict[str, object] = {}
        if map:
            options["mapping"] = parse_mapping(map)
        if platform:
            options["platform"] = platform
        options.update(parse_mapping(option))
        if account:
            options["account"] = account
        for path in files:
            if not path.exists():
                raise InputError("no such file or folder", path=str(path))
    with open_project(project) as proj, Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(), console=err_console, transient=True, disable=json,
    ) as progress:
        tasks: dict[str, int] = {}

        def on_progress(path: str, records: int) -> None:
            if path not in tasks:
                tasks[path] = progress.add_task(Path(path).name, total=None)
            progress.update(tasks[path], completed=records)

        reports = import_files(proj, files, format=format, options=options or None, force=force,
                               progress=on_progress)
    if json:
        emit_json([r.to_dict() for r in reports])
    else:
        table = Table("file", "format", "read", "new", "updated", "duplicates", "notices", "quarantined", "seconds",
                      title="import summary")
        for r in reports:
            if r.skipped_identical_to is not None or r.skipped is not None:
                table.add_row(shown(Path(r.path).name), r.format, "-", "-", "-", "-", "-", "-", "-",
                              end_section=False)
                continue
            table.add_row(shown(Path(r.path).name), r.format, f"{r.records_read:,}", f"{r.posts_new:,}",
                          f"{r.posts_updated:,}", f"{r.duplicates:,}", f"{r.notices:,}",
                          f"[red]{r.quarantined:,}[/]" if r.quarantined else "0", f"{r.seconds:.2f}")
        console.print(table)
        for r in reports:
            if r.skipped_identical_to is not None:
                console.print(f"{shown(r.path)}: identical to import #{r.skipped_identical_to}, nothing to do "
                              "(use --force to read it again)", highlight=False)
            if r.skipped is not None:
                err_console.print(f"[yellow]skipped[/] {shown(r.path)}: {shown(r.skipped)}", highlight=False,
                                  soft_wrap=True)
            for q in r.quarantine_examples[:5]:
                err_console.print(f"[yellow]quarantined[/] {shown(r.path)}, {shown(q['location'])}: "
                                  f"{shown(q['reason'])}",
                                  highlight=False, soft_wrap=True)
            if r.quarantined > 5:
                err_console.print(f"  … and {r.quarantined - 5} more: peelian quarantine {shown(project)}",
                                  highlight=False)
        notices = sum(r.notices for r in reports if r.skipped_identical_to is None and r.skipped is None)
        if notices:  # counted in the table; where to read them, as the quarantine lines say for theirs
            err_console.print(f"{notices:,} notice(s) (deletions, withheld or missing posts, superseded edits, "
                              f"API errors the files report): peelian export {shown(project)} notices --to notices.csv",
                              highlight=False, soft_wrap=True)
    if any(r.quarantined for r in reports):
        raise typer.Exit(EXIT_PARTIAL)


@app.command(rich_help_panel=PROJECT)
def formats(json: bool = JsonOpt) -> None:
    """List the import formats Peelian reads."""
    from peelian.ingest import available_formats

    rows = [{"format": name, "platform": cls.platform, "description": cls.description}
            for name, cls in sorted(available_formats().items())]
    if json:
        emit_json(rows)
        return
    table = Table("format", "platform", "what")
    for r in rows:
        table.add_row(r["format"], r["platform"], r["description"])
    console.print(table)


@app.command(rich_help_panel=PROJECT)
def status(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """Counts by platform, force, account type and kind; imports and quarantine."""
    from peelian.store.status import project_status

    with open_project(project, read_only=True) as proj:
        report = project_status(proj)
    if json:
        emit_json(report)
        return
    t = report["totals"]
    i = report["imports"]
    span = [f"{t[k]:%Y-%m-%d %H:%M}" if t[k] else "-" for k in ("first_post", "last_post")]
    console.print(f"[bold]{shown(report['project'])}[/] — {t['posts']:,} posts by {t['authors']:,} accounts, "
                  f"{span[0]} to {span[1]} (UTC)", highlight=False)
    if t["untimed_posts"]:  # counted in the total, but in no figure by date
        console.print(f"{t['untimed_posts']:,} post(s) without a time (their export gave none): "
                      "no figure by date counts them",
                      highlight=False)
    console.print(f"{i['imports']} imports: {i['records_read']:,} records read = {i['posts_new']:,} new + "
                  f"{i['posts_updated']:,} updated + {i['duplicates']:,} duplicates + {i['notices']:,} notices + "
                  f"{i['quarantined']:,} quarantined")
    for title, key, label in (("platform", "by_platform", "platform"), ("role", "by_role", "role"),
                              ("force", "by_force", "force"), ("account type", "by_account_type", "account_type"),
                              ("kind", "by_kind", "kind")):
        table = Table(title, "posts", title=f"by {title}", title_justify="left")
        for row in report[key]:
            table.add_row(str(row[label]), f"{row['posts']:,}")
        console.print(table)
    console.print(f"registry: {report['registry_entries']} accounts; quarantine: {report['quarantined']} records"
                  + (f" (peelian quarantine {shown(project)})" if report["quarantined"] else ""), highlight=False)


@app.command(rich_help_panel=PROJECT)
def quarantine(
    project: Path = ProjectArg,
    import_id: int = typer.Option(None, "--import", help="Only this import."),
    limit: int = typer.Option(100, min=0, help="At most this many rows (0 for all)."),
    json: bool = JsonOpt,
) -> None:
    """What was rejected, why, and where (file, line or row)."""
    from peelian.store.status import count_quarantine, list_quarantine

    with open_project(project, read_only=True) as proj:
        total = count_quarantine(proj, import_id=import_id)
        rows = list_quarantine(proj, import_id=import_id, limit=limit or None)
    if json:
        emit_json(rows)
        return
    if not rows:
        console.print("nothing quarantined" + (f" by import #{import_id}" if import_id is not None else ""))
        return
    table = Table("import", "file", "where", "reason", "excerpt")
    for r in rows:
        table.add_row(str(r["import_id"]), shown(r["path"]), shown(r["location"]), shown(r["reason"]),
                      shown((r["raw_excerpt"] or "")[:60]))
    console.print(table)
    if len(rows) < total:  # so the listing agrees with the count peelian status gives
        console.print(f"showing {len(rows):,} of {total:,} (--limit N, or 0 for all)", highlight=False)


@app.command(rich_help_panel=PROJECT)
def imports(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """The history of imports with their counts."""
    from peelian.store.status import list_imports

    with open_project(project, read_only=True) as proj:
        rows = list_imports(proj)
    if json:
        emit_json(rows)
        return
    table = Table("#", "file", "format", "when", "read", "new", "updated", "dup", "notices", "quarantined")
    for r in rows:
        table.add_row(str(r["import_id"]), shown(r["path"]), r["format"], str(r["started_at"])[:19],
                      *(f"{r[k]:,}" for k in ("records_read", "posts_new", "posts_updated", "duplicates", "notices",
                                             "quarantined")))
    console.print(table)


@app.command(rich_help_panel=PROJECT)
def export(
    project: Path = ProjectArg,
    table: str = typer.Argument(..., help=f"One of: {', '.join(EXPORTABLE)}; or dataset: the national lake "
                                "(partitioned Parquet with a manifest, docs/national.md)."),
    to: str = typer.Option(..., "--to", help="Destination; .parquet, .csv, .jsonl or .json (dataset: a lake folder, "
                           "s3a:// or abfss:// URI, created or merged into)."),
    force: list[str] = typer.Option(None, "--force", help="dataset only: export just this force (repeatable)."),
) -> None:
    """Export a table to Parquet, CSV or JSON Lines, or the project's facts into a national lake."""
    from peelian.store.export import export_table

    if table == "dataset":
        from peelian.national.lake import export_dataset

        with open_project(project) as proj:
            result = export_dataset(proj, to, forces=force or None)
        rows = ", ".join(f"{n:,} {t}" for t, n in result["rows"].items())
        console.print(f"exported {len(result['forces'])} force(s) to the lake {shown(to)} as source {result['source']} "
                      f"(pseudonym key fingerprint {result['key_fingerprint']}): {rows}")
        return
    with open_project(project) as proj:
        rows = export_table(proj, table, to)
        proj.audit("export", target=table, detail={"to": str(to), "rows": rows})
    console.print(f"wrote {rows:,} rows of {table} to {shown(to)}", highlight=False)
