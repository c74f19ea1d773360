"""Triage commands: `triage` (the inbox, most urgent first), `triage targets`, `triage handle`,
`triage reopen`, `triage summary`.

`peelian triage PROJECT [options]` runs `triage show`, as `peelian metrics PROJECT` runs `metrics show`.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from peelian.cli.app import MEASURE, app
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
from peelian.errors import InputError, MetricsError

DEFAULT_COMMAND = "show"


triage_app = typer.Typer(help="The inbox of citizen posts awaiting a response, most urgent first, and "
                         "response-time targets.", no_args_is_help=True)
app.add_typer(triage_app, name="triage", rich_help_panel=MEASURE)

ForceOpt = typer.Option(None, "--force", help="Only this force, as named in the registry (peelian registry show).")
AccountOpt = typer.Option(None, "--account", help="Only posts addressed to this account id.")
SinceOpt = typer.Option("7d", "--since", help="Only posts made at most this long before 'now', e.g. 24h; "
                        "'all' for every age.")
AsOfOpt = typer.Option(None, "--as-of", help="'Now': YYYY-MM-DD[THH:MM] UTC or 'now' (default: the newest post).")
ByOpt = typer.Option(None, "--by", help="Who did it (default: the operating-system user).")


@triage_app.callback(cls=default_command_group(DEFAULT_COMMAND), invoke_without_command=False,
                     no_args_is_help=True)
def triage_group() -> None:
    """The inbox: `peelian triage PROJECT` lists the posts awaiting a response, most urgent first
    (same as `triage show`); `triage targets` sets response-time targets per intent."""


def _reach(since: str) -> str:
    """How far back the inbox reaches, as the summary lines say it ("all" reads "posts of any age")."""
    return "posts of any age" if since == "all" else f"posts of the last {since}"


def _since(value: str | None) -> str | None:
    """--since as the inbox takes it (None: every age); a duration it cannot read is refused naming the option,
    which the library's message does not."""
    from peelian.metrics.params import parse_duration

    if value is None or value.lower() == "all":
        return None
    try:
        parse_duration(value)
    except MetricsError as exc:
        raise InputError(f"--since {value!r}: {exc} (or all, for every age)") from None
    return value


@triage_app.command(DEFAULT_COMMAND)
def triage_show(
    project: Path = ProjectArg, force: str = ForceOpt, account: str = AccountOpt, since: str = SinceOpt,
    as_of: str = AsOfOpt,
    show_handled: bool = typer.Option(False, "--show-handled", help="Include posts marked handled elsewhere."),
    limit: int = typer.Option(50, "--limit", min=0, help="At most this many (0 for all)."),
    json: bool = JsonOpt,
) -> None:
    """Posts awaiting a response, most urgent first: immediate risk (call 999), then overdue against the
    target for their intent, then least time left; with the intent, where it came from, and the link."""
    from peelian.cli.metrics_cmds import build_filters, build_params
    from peelian.metrics import check_filters
    from peelian.triage import inbox

    with user_errors():
        params = build_params(as_of=as_of)
        filters = build_filters(force=force, account=account)
        window = _since(since)
    with open_project(project, read_only=True) as proj:
        result = inbox(proj, params, check_filters(proj, filters), since=window, limit=limit or None,
                       show_handled=show_handled)
    if json:
        emit_json(result)
        return
    counts = result["counts"]
    if counts["risk"]:
        console.print(f"[bold red]{counts['risk']:,} post(s) describe immediate risk.[/] {result['advice']}",
                      highlight=False)
    if not result["rows"]:
        console.print(f"nothing awaits a response ({_reach(result['since'])})")
        return
    out = Table("", "left", "target", "intent (source)", "age", "force", "to", "from", "post", "text", "link")
    for r in result["rows"]:
        source = r["intent_source"] + (f" {r['confidence']:.0%}" if r.get("confidence") is not None else "")
        why = "; ".join(f"{k}: {v}" for k, v in r["risk_reasons"].items())
        # every cell but the first is data (a citizen's text, link, ids) that Rich must not read as markup
        out.add_row("[bold red]999[/]" if r["risk"] else "", *map(shown, (
                    r["time_left"], r["target"], f"{', '.join(r['intents'])} ({source})" + (f" [{why}]" if why else ""),
                    r["age"], r["force"] or "", "@" + (r["account_handle"] or r["account"] or "?"), r["author"] or "",
                    r["post_id"], " ".join((r["text"] or "").split())[:80], r["url"] or "")))
    console.print(out)
    if result["risk_layers"]["note"]:
        console.print(result["risk_layers"]["note"], highlight=False, markup=False)
    console.print(f"{counts['total']:,} awaiting a response ({counts['risk']:,} immediate risk, "
                  f"{counts['overdue']:,} overdue, {counts['pending']:,} within target); {_reach(result['since'])}",
                  highlight=False)


@triage_app.command("targets")
def triage_targets(
    project: Path = ProjectArg,
    set_: str = typer.Option(None, "--set", help="Targets, e.g. urgent=15m,report=1h,question=4h,complaint=24h,"
                             "request_help=4h. Without it, the targets in force are listed."),
    force: str = typer.Option(None, "--force", help="The force these targets are for (default: every force "
                              "without its own)."),
    office_hours: bool = typer.Option(False, "--office-hours", help="Count the targets in office hours of the "
                                      "force's local time (default: elapsed time)."),
    hours: str = typer.Option("Mon-Fri 09:00-17:00", "--hours", help="The office hours --office-hours counts."),
    by: str = ByOpt, json: bool = JsonOpt,
) -> None:
    """Response-time targets per intent (per force, in elapsed time or office hours); lists them without --set."""
    from peelian.metrics.params import OfficeHours
    from peelian.triage import list_targets, parse_targets, set_targets

    with user_errors():
        targets = parse_targets(set_) if set_ is not None else None
        clock = OfficeHours.parse(hours) if office_hours else None
    if targets is None:
        with open_project(project, read_only=True) as proj:
            rows = list_targets(proj)
    else:
        with open_project(project) as proj:
            rows = set_targets(proj, targets, force=force, office_hours=clock, username=by or getpass.getuser())
    if json:
        emit_json(rows)
        return
    out = Table("force", "intent", "target", "clock", "source")
    for r in rows:
        out.add_row("all forces" if r["force"] == "*" else r["force"], r["intent"], r["target"], r["clock"],
                    r["source"])
    console.print(out)


def _platform(proj: Any, post_id: str, platform: str | None) -> str:
    from peelian.errors import InputError, NotFoundError

    if platform is not None:
        return platform
    found = [r["platform"] for r in proj.query("SELECT DISTINCT platform FROM posts WHERE post_id = ?", [post_id])]
    if not found:
        raise NotFoundError(f"no post {post_id!r}")
    if len(found) > 1:
        raise InputError(f"post {post_id!r} is on {', '.join(found)}; name one with --platform")
    return found[0]


@triage_app.command("handle")
def triage_handle(
    project: Path = ProjectArg,
    post_id: str = typer.Argument(..., help="The post's id.", show_default=False),
    reason: str = typer.Option(..., "--reason", help="Why, e.g. 'rang back', 'duplicate of a 101 call'.",
                               show_default=False),
    no_response: bool = typer.Option(False, "--no-response-needed", help="The post needs no response (default: "
                                     "it was handled elsewhere: phone, DM, in person)."),
    platform: str = typer.Option(None, "--platform", help="The post's platform (needed when the id is on several)."),
    by: str = ByOpt, json: bool = JsonOpt,
) -> None:
    """Take a post out of the inbox: handled elsewhere, or no response needed, with who and why (audited)."""
    from peelian.triage import mark_handled

    with user_errors():
        if not reason.strip():
            from peelian.errors import InputError

            raise InputError("--reason is empty; say why the post needs no reply on the platform")
    outcome = "no_response_needed" if no_response else "handled_elsewhere"
    with open_project(project) as proj:
        where = _platform(proj, post_id, platform)
        changed = mark_handled(proj, where, post_id, by or getpass.getuser(), outcome=outcome, reason=reason)
    result = {"platform": where, "post_id": post_id, "outcome": outcome, "changed": changed}
    if json:
        emit_json(result)
        return
    console.print(f"{where}:{post_id} marked {outcome.replace('_', ' ')}" if changed
                  else f"{where}:{post_id} was already marked handled", highlight=False)


@triage_app.command("reopen")
def triage_reopen(
    project: Path = ProjectArg,
    post_id: str = typer.Argument(..., help="The post's id.", show_default=False),
    platform: str = typer.Option(None, "--platform", help="The post's platform (needed when the id is on several)."),
    by: str = ByOpt, json: bool = JsonOpt,
) -> None:
    """Put a post marked handled back in the inbox (audited)."""
    from peelian.triage import reopen

    with open_project(project) as proj:
        where = _platform(proj, post_id, platform)
        changed = reopen(proj, where, post_id, by or getpass.getuser())
    if json:
        emit_json({"platform": where, "post_id": post_id, "changed": changed})
        return
    console.print(f"{where}:{post_id} is back in the inbox" if changed else f"{where}:{post_id} was not marked handled",
                  highlight=False)


@triage_app.command("summary")
def triage_summary(
    project: Path = ProjectArg, force: str = ForceOpt, account: str = AccountOpt, since: str = SinceOpt,
    date_from: str = typer.Option(None, "--from", help="Attainment: posts made on or after this day (YYYY-MM-DD)."),
    date_to: str = typer.Option(None, "--to", help="Attainment: posts made on or before this day."),
    as_of: str = AsOfOpt, json: bool = JsonOpt,
) -> None:
    """The inbox in numbers and target attainment per intent (share answered within its target)."""
    from peelian.cli.metrics_cmds import build_filters, build_params
    from peelian.metrics import check_filters
    from peelian.triage import attainment, inbox

    with user_errors():
        params = build_params(as_of=as_of)
        filters = build_filters(date_from, date_to, force=force, account=account)
        window = _since(since)
    with open_project(project, read_only=True) as proj:
        check_filters(proj, filters)
        box = inbox(proj, params, build_filters(force=force, account=account), since=window, limit=0)
        rows = attainment(proj, params, filters)
    if json:
        emit_json({"as_of": box["as_of"], "since": box["since"], "inbox": box["counts"], "attainment": rows,
                   "params": params.describe(), "filters": filters.describe()})
        return
    c = box["counts"]
    console.print(f"inbox ({_reach(box['since'])}): {c['total']:,} awaiting a response, {c['risk']:,} "
                  f"immediate risk, {c['overdue']:,} overdue, {c['pending']:,} within target", highlight=False)
    print_attainment(rows)


def print_attainment(rows: list[dict[str, Any]]) -> None:
    """The attainment table (also printed by `peelian metrics`)."""
    out = Table("intent", "target", "posts", "due", "within target", "attainment", "pending", "handled",
                title="target attainment", title_justify="left")
    for r in rows:
        out.add_row(r["intent"], r["target"], f"{r['posts']:,}", f"{r['due']:,}", f"{r['answered_within_target']:,}",
                    "-" if r["attainment"] is None else f"{r['attainment']:.0%}", f"{r['pending']:,}",
                    f"{r['handled']:,}")
    console.print(out)
