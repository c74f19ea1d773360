"""`peelian demo`: build a demo project from a seeded synthetic corpus, and optionally serve it."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.app import ADMIN, app
from peelian.cli.common import (
    EXIT_PARTIAL,
    JsonOpt,
    ProjectArg,
    console,
    emit_json,
    err_console,
    shown,
    user_errors,
)
from peelian.cli.project_cmds import status as print_status
from peelian.errors import ProjectError

DELIBERATE_QUARANTINE = 1  # the truncated last line the demo writes on purpose
# A coding round of this size per dimension, taken from the generator's ground truth, trains the
# classifiers that give the demo dashboard its content, mode and intent mixes.
DEMO_DIMENSIONS = ("mode", "topic", "citizen_intent")
DEMO_GOLD_PER_DIMENSION = 600


def _remove_project(path: Path) -> None:
    """Delete a project and its folder, but only if it really is a Peelian project."""
    from peelian.store.project import FOLDER_SUFFIX, Project

    if path.exists():
        Project.open(path, read_only=True).close()  # raises unless it is a Peelian project not in use
        path.unlink()
    for extra in (path.with_name(path.name + ".wal"), path.with_name(path.name + FOLDER_SUFFIX)):
        if extra.is_dir():
            shutil.rmtree(extra)
        elif extra.exists():
            extra.unlink()


@app.command(rich_help_panel=ADMIN)
def demo(
    project: Path = ProjectArg,
    posts: int = typer.Option(20_000, "--posts", min=100, help="About how many posts to generate."),
    seed: int = typer.Option(7, "--seed", help="Random seed: the same seed gives the same corpus."),
    forces: int = typer.Option(4, "--forces", min=1, max=8, help="How many forces (1-8)."),
    months: int = typer.Option(4, "--months", min=1, help="How many months of posts, from February 2025."),
    force: bool = typer.Option(False, "--force", help="Replace PROJECT if it exists (only a Peelian project)."),
    serve: bool = typer.Option(False, "--serve", help="Serve the web app on the demo project afterwards."),
    port: int = typer.Option(8000, "--port", help="Port for --serve."),
    json: bool = JsonOpt,
) -> None:
    """Build a demo project: synthetic police and citizen posts in real X and Mastodon formats, imported
    through the real importers, with a registry, an expectations survey and the true codes of every post."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from peelian.classify.known_labels import code_from_known_labels
    from peelian.demo import build_demo
    from peelian.demo.orgs import FIRST_YEAR, LAST_YEAR
    from peelian.network.orgdata import import_agreements, import_organisations
    from peelian.metrics import import_expectations
    from peelian.store.project import FOLDER_SUFFIX, Project
    from peelian.store.users import generate_password

    folder = project.with_name(project.name + FOLDER_SUFFIX)
    with user_errors():
        if project.exists() or folder.exists():
            if not force:
                raise ProjectError(f"{project} already exists; use --force to replace it")
            _remove_project(project)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=json) as progress:
        generating = progress.add_task("generating posts", total=posts)
        tasks: dict[str, int] = {}

        def on_generate(done: int, total: int) -> None:
            progress.update(generating, completed=min(done, total))

        def on_import(path: str, records: int) -> None:
            if path not in tasks:
                progress.update(generating, completed=posts)
                tasks[path] = progress.add_task(f"importing {Path(path).name}", total=None)
            progress.update(tasks[path], completed=records)

        with user_errors():
            manifest = build_demo(project, posts=posts, seed=seed, forces=forces, months=months,
                                  progress=on_generate, import_progress=on_import)
    with user_errors(), Project.open(project) as proj:
        expectations = import_expectations(proj, manifest.expectations_csv)
        import_organisations(proj, manifest.networks["organisations_csv"])
        import_agreements(proj, manifest.networks["agreements_csv"])
        coded = code_from_known_labels(proj, manifest.truth_csv, dimensions=DEMO_DIMENSIONS,
                                       per_dimension=DEMO_GOLD_PER_DIMENSION, seed=seed,
                                       decided_by="demo ground truth")
    quarantined = sum(r.quarantined for r in manifest.reports)
    if json:
        emit_json({**manifest.to_dict(), "expectations": expectations, "classifiers": coded.models})
    else:
        table = Table("file", "format", "read", "new", "updated", "duplicates", "notices", "quarantined", "seconds",
                      title="demo import summary")
        for r in manifest.reports:
            table.add_row(Path(r.path).name, r.format, f"{r.records_read:,}", f"{r.posts_new:,}",
                          f"{r.posts_updated:,}", f"{r.duplicates:,}", f"{r.notices:,}",
                          f"[yellow]{r.quarantined:,}[/]" if r.quarantined else "0", f"{r.seconds:.2f}")
        console.print(table)
        for r in manifest.reports:
            for q in r.quarantine_examples[:5]:
                err_console.print(f"[yellow]quarantined[/] {Path(r.path).name}, {q['location']}: {q['reason']}",
                                  highlight=False, soft_wrap=True)
        mess = manifest.mess
        console.print(f"deliberate mess: {mess['duplicate_tweets']} tweets repeated across pages, one truncated "
                      f"last line in {Path(mess['truncated_file'] or '-').name}, an orphan reply "
                      f"{mess['orphan_post_id']} whose parent was deleted (a not-found notice)", highlight=False)
        console.print(f"expectations survey: {', '.join(expectations['surveys'])} ({expectations['rows']} topics)")
        networks = manifest.networks
        console.print(f"inter-organisational networks: {networks['organisations']} organisations, "
                      f"{networks['agreements']} agreements {FIRST_YEAR}–{LAST_YEAR} (peelian multilayer); "
                      f"outcomes for panel models: {networks['outcomes_csv']}", highlight=False)
        for m in coded.models:
            console.print(f"{m['dimension']}: {m['gold_labels']} gold labels from the ground truth; linear model "
                          f"cross-validated macro-F1 {m['macro_f1']:.2f}, applied to {m['predicted']:,} posts",
                          highlight=False)
        console.print(f"source files, registry, ground truth and manifest: {shown(manifest.out_dir)}", highlight=False)
        print_status(project, json=False)
    if serve:
        password = generate_password("admin")
        console.print(f"demo login: admin / {password}", highlight=False)
        from peelian.web import serve as serve_app

        with user_errors():
            serve_app(project, port=port, admin_password=password, login_as=("admin", "admin"))
    elif quarantined != DELIBERATE_QUARANTINE:
        raise typer.Exit(EXIT_PARTIAL)
