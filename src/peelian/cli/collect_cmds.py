"""`peelian collect ...`: pull police and citizen posts straight from open platform APIs."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from peelian.cli.app import collect_app
from peelian.cli.common import EXIT_PARTIAL, JsonOpt, ProjectArg, console, emit_json, err_console, open_project

if TYPE_CHECKING:
    from peelian.collect.base import CollectReport

DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]
SinceOpt = typer.Option(None, "--since", formats=DATE_FORMATS,
                        help="Only posts from this day (UTC) on: paging stops at the first page that reaches it.")
FromStartOpt = typer.Option(False, "--from-start", help="Walk back to --since (or the first post) even where an "
                                                        "earlier collection finished; by default a later run "
                                                        "fetches only posts newer than the last one's.")


@collect_app.command("bluesky")
def collect_bluesky_cmd(
    project: Path = ProjectArg,
    actor: list[str] = typer.Option([], "--actor", help="A Bluesky handle or DID (repeatable).", show_default=False),
    registry: bool = typer.Option(False, "--registry", help="Every Bluesky account in the registry (with threads, "
                                                            "unless --no-threads)."),
    since: datetime | None = SinceOpt,
    replies: bool = typer.Option(False, "--replies", help="Also the account's own replies (getAuthorFeed "
                                                          "posts_with_replies)."),
    threads: bool | None = typer.Option(None, "--threads/--no-threads", show_default=False,
                                        help="Fetch the thread of each of the account's posts that has replies "
                                             "(getPostThread), again when its reply count grows."),
    depth: int = typer.Option(10, "--depth", min=1, max=1000, help="Reply levels to fetch below each post."),
    from_start: bool = FromStartOpt,
    rate: float = typer.Option(3.0, "--rate", min=0.01, help="Requests a second at most."),
    json: bool = JsonOpt,
) -> None:
    """Collect an account's posts (and the replies to them) from Bluesky's public API, no login needed.

    Every response is kept under <project>.d/collected/bluesky/ and imported; an interrupted
    collection resumes where it stopped."""
    from peelian.collect import collect_bluesky

    with open_project(project) as proj, _progress(json) as progress:
        report = collect_bluesky(proj, actor, from_registry=registry, since=since, replies=replies,
                                 threads=threads, depth=depth, from_start=from_start, rate=rate, progress=progress)
    _finish(report, json)


@collect_app.command("mastodon")
def collect_mastodon_cmd(
    project: Path = ProjectArg,
    account: list[str] = typer.Option([], "--account", help="@user@instance (repeatable).", show_default=False),
    registry: bool = typer.Option(False, "--registry", help="Every user@instance Mastodon account in the registry "
                                                            "(with context, unless --no-context)."),
    since: datetime | None = SinceOpt,
    replies: bool = typer.Option(False, "--replies", help="Also the account's own replies."),
    context: bool | None = typer.Option(None, "--context/--no-context", show_default=False,
                                        help="Fetch the context (the replies) of each status that has replies."),
    from_start: bool = FromStartOpt,
    rate: float = typer.Option(1.0, "--rate", min=0.01, help="Requests a second at most."),
    json: bool = JsonOpt,
) -> None:
    """Collect an account's statuses (and the replies to them) from its Mastodon instance's public API.

    Every response is kept under <project>.d/collected/mastodon/ and imported; an interrupted
    collection resumes where it stopped."""
    from peelian.collect import collect_mastodon

    with open_project(project) as proj, _progress(json) as progress:
        report = collect_mastodon(proj, account, from_registry=registry, since=since, replies=replies,
                                  context=context, from_start=from_start, rate=rate, progress=progress)
    _finish(report, json)


@collect_app.command("status")
def collect_status_cmd(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """What each collector has fetched: its accounts, cursors, threads and errors."""
    from peelian.collect import collect_status

    with open_project(project, read_only=True) as proj:
        rows = collect_status(proj)
    if json:
        emit_json(rows)
        return
    if not rows:
        console.print("nothing collected yet: see `peelian collect bluesky --help`")
        return
    table = Table("platform", "account", "state", "newest post", "pages", "records", "threads", "last fetched",
                  "last error")
    for r in rows:
        state = "in progress" if r["in_progress"] else r["status"]
        threads = f"{r['threads_fetched']}" + (f" (+{r['threads_pending']} to fetch)" if r["threads_pending"] else "")
        table.add_row(r["platform"], r["target"], state, _when(r["newest_seen"]), str(r["pages"]),
                      f"{r['records'] + r['thread_records']:,}", threads, _when(r["last_fetched_at"]),
                      escape(r["last_error"] or ""))
    console.print(table)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


@contextlib.contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A Rich progress display on stderr (pages fetched, records stored), or nothing with --json."""
    if quiet or not err_console.is_terminal:
        yield None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    totals = {"pages": 0, "records": 0}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"),
                  TextColumn("{task.fields[pages]:,} responses, {task.fields[records]:,} records stored"),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("starting", pages=0, records=0)

        def update(label: str, pages: int, records: int) -> None:
            totals["pages"] += pages
            totals["records"] += records
            bar.update(task, description=escape(label), **totals)

        yield update


def _finish(report: CollectReport, as_json: bool) -> None:
    """One line per account; errors on stderr; exit 1 when an account failed or records were quarantined."""
    partial = bool(report.errors) or report.total("quarantined") > 0
    if as_json:
        emit_json({"ok": not partial, **report.to_dict()})
    else:
        for t in report.targets:
            parts: list[Any] = [f"{t.pages} page(s)"]
            if t.threads:
                parts.append(f"{t.threads} thread(s)")
            parts += [f"{t.posts_new:,} new posts", f"{t.posts_updated:,} updated", f"{t.notices:,} notices",
                      f"{t.quarantined:,} quarantined"]
            resumed = " (resumed)" if t.resumed else ""
            console.print(f"{report.platform} {escape(t.target)}{resumed}: {', '.join(parts)}", highlight=False)
        for error in report.errors:
            err_console.print(f"[bold red]error:[/] {escape(error)}", highlight=False, soft_wrap=True)
        if report.total("quarantined"):
            err_console.print("some records were quarantined: see `peelian quarantine`", highlight=False)
    if partial:
        raise typer.Exit(EXIT_PARTIAL)
