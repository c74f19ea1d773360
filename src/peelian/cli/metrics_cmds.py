"""Metrics commands: `metrics`, `metrics export`, `unanswered`, `threads`, `expectations import|gap|list`.

`peelian metrics PROJECT [options]` and `peelian metrics export PROJECT --to FILE` share one
command group: the group's class sends a first argument that is not a subcommand name to
the default subcommand `show`, so both forms work and `peelian metrics show PROJECT` too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from peelian.cli.app import MEASURE, app, expectations_app, metrics_app
from peelian.cli.common import (
    JsonOpt,
    ProjectArg,
    console,
    default_command_group,
    emit_json,
    err_console,
    open_project,
    shown,
    user_errors,
)
from peelian.cli.dates import read_moment, read_period
from peelian.errors import InputError

if TYPE_CHECKING:
    from peelian.metrics import Filters, MetricParams

DEFAULT_COMMAND = "show"
TABLE_WIDTH = 150
# The unanswered table without its link column; a terminal at least this much wider than the longest
# link shows links whole (a wrapped link cannot be clicked or copied).
UNANSWERED_WIDTH = 120


@metrics_app.callback(cls=default_command_group(DEFAULT_COMMAND), invoke_without_command=False,
                      no_args_is_help=True)
def metrics_group() -> None:
    """Dialogue and responsiveness metrics: `peelian metrics PROJECT [options]` shows them
    (same as `metrics show`); `peelian metrics export PROJECT --to FILE` writes the common metric set."""


# ---- shared options ------------------------------------------------------------------------------
ByOpt = typer.Option("force,account_type", "--by", help="Group by force, account_type, account, platform and "
                     "at most one of week, month, quarter (comma-separated).")
FromOpt = typer.Option(None, "--from", help="First day (YYYY-MM-DD, UTC). Default: the last full month.")
ToOpt = typer.Option(None, "--to", help="Last day (YYYY-MM-DD, UTC), inclusive.")
ForceOpt = typer.Option(None, "--force", help="Only this force, as named in the registry (peelian registry show).")
TypeOpt = typer.Option(None, "--account-type", help="Only this account type.")
AccountOpt = typer.Option(None, "--account", help="Only this account id.")
PlatformOpt = typer.Option(None, "--platform", help="Only this platform.")
WindowOpt = typer.Option(None, "--window", help="Unanswered after this long (default 72h).")
OfficeOpt = typer.Option(None, "--office-hours", help="Office hours in force local time "
                         "(default 'Mon-Fri 09:00-17:00').")
NeedsOpt = typer.Option(None, "--needs-response", help="Denominator: intents (default), all, questions.")
IntentsOpt = typer.Option(None, "--intents", help="citizen_intent codes that need a response "
                          "(default question,report,urgent,request_help,complaint).")
FallbackOpt = typer.Option(True, "--question-fallback/--no-question-fallback",
                           help="Uncoded inbound posts need a response when they contain a question.")
LimitOpt = typer.Option(None, "--response-limit", help="Time limit of the response rate, e.g. 1h (default none).")
RepostsOpt = typer.Option(False, "--include-reposts", help="Count police reposts as posts.")
PredictionsOpt = typer.Option(True, "--predictions/--no-predictions",
                              help="Use classifier predictions where no gold label exists.")
PendingOpt = typer.Option(None, "--pending", help="Needs-response posts still inside their window with no "
                          "response yet: exclude (default) leaves them out of the response rate until the window "
                          "closes; count counts them as not responded.")
AsOfOpt = typer.Option(None, "--as-of", help="'Now' for ages and pending posts: YYYY-MM-DD[THH:MM] UTC or 'now' "
                       "(default: the newest post).")


def build_params(window: str | None = None, office_hours: str | None = None, needs_response: str | None = None,
                 intents: str | None = None, question_fallback: bool = True, response_limit: str | None = None,
                 include_reposts: bool = False, predictions: bool = True, as_of: str | None = None,
                 pending: str | None = None) -> MetricParams:
    from peelian.metrics import MetricParams

    return MetricParams.build(window=window, office_hours=office_hours, needs_response=needs_response,
                              needs_response_intents=intents, question_fallback=question_fallback,
                              response_limit=response_limit, include_reposts=include_reposts,
                              use_predictions=predictions, as_of=read_moment(as_of, "--as-of"), pending=pending)


def build_filters(date_from: str | None = None, date_to: str | None = None, force: str | None = None,
                  account_type: str | None = None, account: str | None = None, platform: str | None = None,
                  options: tuple[str, str] = ("--from", "--to")) -> Filters:
    """The filters of a command whose day options are spelled `options` (first, last): a bad day names them."""
    from peelian.metrics import Filters

    first, last = read_period(date_from, date_to, *options)
    return Filters.build(force=force, account_type=account_type, account_id=account, platform=platform,
                         date_from=first, date_to=last)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _time(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 3600:
        return f"{value / 60:.0f}m"
    return f"{value / 3600:.1f}h"


def _wide() -> Console:
    """Metric tables are wide: never squeeze them into a narrow pipe."""
    return console if console.width >= TABLE_WIDTH else Console(width=TABLE_WIDTH)


def _print_params(params: MetricParams, filters: Filters, extra: dict[str, Any] | None = None) -> None:
    items = {**(extra or {}), **filters.describe(), **params.describe()}
    console.print("[dim]" + "; ".join(f"{k}: {v}" for k, v in items.items()) + "[/]", highlight=False,
                  soft_wrap=True)


@metrics_app.command(DEFAULT_COMMAND)
def metrics_show(
    project: Path = ProjectArg,
    by: str = ByOpt, date_from: str = FromOpt, date_to: str = ToOpt, force: str = ForceOpt,
    account_type: str = TypeOpt, account: str = AccountOpt, platform: str = PlatformOpt,
    window: str = WindowOpt, office_hours: str = OfficeOpt, needs_response: str = NeedsOpt,
    intents: str = IntentsOpt, question_fallback: bool = FallbackOpt, response_limit: str = LimitOpt,
    include_reposts: bool = RepostsOpt, predictions: bool = PredictionsOpt, as_of: str = AsOfOpt,
    pending: str = PendingOpt, json: bool = JsonOpt,
) -> None:
    """Dialogue and responsiveness per force and account type (default: the last full month)."""
    from peelian.metrics import check_filters, compute_metrics, headline_window, parse_by

    with user_errors():
        params = build_params(window, office_hours, needs_response, intents, question_fallback, response_limit,
                              include_reposts, predictions, as_of, pending)
        filters = build_filters(date_from, date_to, force, account_type, account, platform)
        keys, period = parse_by(by)
    with open_project(project, read_only=True) as proj:
        check_filters(proj, filters)
        if filters.date_from is None and filters.date_to is None:
            lo, hi, _, _ = headline_window(proj, params, filters)
            filters = filters.replace(date_from=lo, date_to=hi)
        table = compute_metrics(proj, params, keys, period, filters)
        from peelian.triage import attainment

        targets = attainment(proj, params, filters)
    if json:
        emit_json({**table.to_dict(), "target_attainment": targets})
        return
    names = [*keys, *(["period"] if period else [])]
    out = Table(*names, "posts", "two-way", "inbound", "needs resp.", "resp. rate", "pending", "≤1h", "≤24h",
                "median", "p90", "unanswered", "citizens", title=f"metrics {filters.date_from} to {filters.date_to}",
                title_justify="left")
    for r in table.rows:
        out.add_row(*(str(r.get(k) if k != "account" else r.get("account_handle") or r["account"]) for k in names),
                    f"{r['posts']:,}", _pct(r["two_way_ratio"]), f"{r['inbound_posts']:,}",
                    f"{r['needs_response']:,}", _pct(r["response_rate"]), f"{r['pending']:,}",
                    _pct(r["response_rate_1h"]), _pct(r["response_rate_24h"]), _time(r["response_time_median_s"]),
                    _time(r["response_time_p90_s"]), f"{r['unanswered']:,}", f"{r['audience_citizens']:,}")
    _wide().print(out)
    counts = {k: ", ".join(f"{s} {v[s]:,}" for s in ("gold", "predicted", "heuristic") if v.get(s))
              for k, v in table.sources.items()}
    sources = "; ".join(f"{k}: {v['source']}" + (f" ({counts[k]})" if counts[k] else "")
                        for k, v in table.sources.items())
    console.print(f"[dim]sources — {sources}[/]", highlight=False, soft_wrap=True)
    t = table.threads
    console.print(f"[dim]threads — {t['conversations']:,} conversations, {t['orphan_branches']:,} orphan branches "
                  f"({t['missing_parents']:,} missing parents, {t['cut_links']:,} links back in time cut, "
                  f"{t['self_replies']:,} self-replies)[/]", highlight=False, soft_wrap=True)
    if targets:
        from peelian.cli.triage_cmds import print_attainment

        print_attainment(targets)
    _print_params(params, filters)


@metrics_app.command("export")
def metrics_export(
    project: Path = ProjectArg,
    to: Path = typer.Option(..., "--to", help="Destination: .csv, .parquet or .json (a .schema.md is written "
                            "beside it)."),
    date_from: str = typer.Option(None, "--from-date", help="First day (YYYY-MM-DD, UTC). Default: all data."),
    date_to: str = typer.Option(None, "--to-date", help="Last day (YYYY-MM-DD, UTC), inclusive."),
    force: str = ForceOpt, account_type: str = TypeOpt, platform: str = PlatformOpt,
    window: str = WindowOpt, office_hours: str = OfficeOpt, needs_response: str = NeedsOpt,
    intents: str = IntentsOpt, question_fallback: bool = FallbackOpt, response_limit: str = LimitOpt,
    include_reposts: bool = RepostsOpt, predictions: bool = PredictionsOpt, as_of: str = AsOfOpt,
    pending: str = PendingOpt, json: bool = JsonOpt,
) -> None:
    """Export the common metric set (force × account type × month) with its schema document."""
    from peelian.metrics import check_filters, export_metric_set

    with user_errors():
        params = build_params(window, office_hours, needs_response, intents, question_fallback, response_limit,
                              include_reposts, predictions, as_of, pending)
        filters = build_filters(date_from, date_to, force, account_type, None, platform,
                                options=("--from-date", "--to-date"))
    with open_project(project) as proj:
        report = export_metric_set(proj, to, params, check_filters(proj, filters))
    if json:
        emit_json(report)
        return
    console.print(f"wrote {report['rows']:,} rows × {report['columns']} columns to {shown(report['path'])} "
                  f"(schema: {report['schema']})")


@app.command("unanswered", rich_help_panel=MEASURE)
def unanswered_cmd(
    project: Path = ProjectArg,
    older_than: str = typer.Option(None, "--older-than", help="Only posts at least this old, e.g. 24h; the "
                                   "window (72h) leaves only the overdue ones. Default: any age."),
    force: str = ForceOpt, account_type: str = TypeOpt, account: str = AccountOpt, platform: str = PlatformOpt,
    date_from: str = typer.Option(None, "--from", help="Posted on or after this day (YYYY-MM-DD, UTC)."),
    date_to: str = ToOpt, window: str = WindowOpt, needs_response: str = NeedsOpt, intents: str = IntentsOpt,
    question_fallback: bool = FallbackOpt, predictions: bool = PredictionsOpt, as_of: str = AsOfOpt,
    limit: int = typer.Option(100, "--limit", min=0, help="At most this many (0 for all)."),
    offset: int = typer.Option(0, "--offset", min=0, help="Skip this many first."),
    json: bool = JsonOpt,
) -> None:
    """Citizen posts still awaiting a response, oldest first: pending ones, inside the response window
    (with the time left), and overdue ones, past it. With post ids and links."""
    from peelian.metrics import check_filters, format_duration, unanswered, unanswered_counts

    with user_errors():
        params = build_params(window, None, needs_response, intents, question_fallback, None, False, predictions,
                              as_of)
        filters = build_filters(date_from, date_to, force, account_type, account, platform)
    with open_project(project, read_only=True) as proj:
        check_filters(proj, filters)
        rows = unanswered(proj, params, filters, older_than=older_than, limit=limit or None, offset=offset)
        counts = unanswered_counts(proj, params, filters, older_than=older_than)
    total = counts["total"]
    shown = _shown_of(len(rows), total, offset)
    if json:
        emit_json(rows)
        if shown:
            err_console.print(shown, highlight=False)
        return
    if not rows:
        console.print("no unanswered posts" + (f" here ({total:,} in all)" if total else ""))
        _print_params(params, filters)
        return
    longest = max(len(r["url"] or "") for r in rows)
    links = not console.is_terminal or console.width >= UNANSWERED_WIDTH + longest
    out = _unanswered_table(rows, links=links)
    # a pipe or file gets the whole table, links and all
    (console if console.is_terminal else Console(width=max(console.width, TABLE_WIDTH + longest))).print(out)
    if not links:
        console.print("[dim]links: widen the terminal, or use --json; "
                      "show a thread with peelian threads PROJECT POST[/]", highlight=False)
    console.print(f"{total:,} awaiting a response: {counts['pending']:,} pending (inside the "
                  f"{format_duration(params.window)} window), {counts['overdue']:,} overdue", highlight=False)
    if shown:
        console.print(shown, highlight=False)
    _print_params(params, filters, {"older_than": older_than or "any age"})


def _unanswered_table(rows: list[dict[str, Any]], *, links: bool) -> Table:
    """The unanswered posts as a table: the post id always (it finds the thread), the link whole or not at all."""
    out = Table("age", "window", "posted (UTC)", "force", "to", "from", Column("post", no_wrap=True), "text")
    if links:
        out.add_column("link", no_wrap=True, min_width=max(len(r["url"] or "") for r in rows))
    for r in rows:
        cells = [r["age"], f"{r['time_left']} left" if r["status"] == "pending" else "overdue",
                 f"{r['created_at']:%Y-%m-%d %H:%M}", r["force"],
                 "@" + (r["account_handle"] or r["account"] or "?"), r["author"] or "", r["post_id"],
                 " ".join((r["text"] or "").split())[:80]]
        out.add_row(*map(shown, cells), *([shown(r["url"])] if links else []))
    return out


def _shown_of(shown: int, total: int, offset: int) -> str | None:
    """'showing 100 of 2,881 …' when the list is a page of a longer one, else None."""
    if shown + offset >= total and not offset:
        return None
    if not shown:
        return f"showing none of {total:,}: --offset {offset:,} is past the end"
    first = f"{shown:,}" if not offset else f"{offset + 1:,}" if shown == 1 else f"{offset + 1:,}–{offset + shown:,}"
    return f"showing {first} of {total:,} (--limit N, or 0 for all; --offset N to page)"


@app.command("threads", rich_help_panel=MEASURE)
def threads_cmd(
    project: Path = ProjectArg,
    post: str = typer.Argument(None, help="A conversation id, the id of any post in it, or a link to a post. "
                               "Leave it out to list recent conversations.", show_default=False),
    conversation_id: str = typer.Option(None, "--conversation", help="The same as POST."),
    platform: str = typer.Option(None, "--platform", help="The platform, when the id exists on several; "
                                 "when listing, only this platform."),
    force: str = typer.Option(None, "--force", help="When listing: only conversations this force's police "
                              "took part in."),
    limit: int = typer.Option(20, "--limit", min=0, help="When listing: at most this many (0 for all)."),
    json: bool = JsonOpt,
) -> None:
    """One conversation as an indented tree: who, when, how long after the post it answers. Without
    POST, the most recently active conversations (with at least two posts), to pick one from."""
    from peelian.metrics import check_filters, conversation, recent_conversations
    from peelian.metrics.params import Filters

    with user_errors():
        if post and conversation_id and post != conversation_id:
            raise InputError(f"give the conversation once: POST {post!r} or --conversation {conversation_id!r}")
    wanted = post or conversation_id
    if not wanted:
        with open_project(project, read_only=True) as proj:
            check_filters(proj, Filters(force=force, platform=platform))
            recent = recent_conversations(proj, limit=limit or None, platform=platform, force=force)
        if json:
            emit_json(recent)
        else:
            _print_recent(project, recent)
        return
    with open_project(project, read_only=True) as proj:
        thread = conversation(proj, platform, wanted)
    if json:
        emit_json(thread.to_dict())
        return
    console.print(f"[bold]{thread.platform} conversation {thread.conversation_id}[/]: {thread.posts} posts "
                  f"({thread.police_posts} police, {thread.citizen_posts} citizen), "
                  f"{thread.orphan_branches} orphan branch(es)", highlight=False, soft_wrap=True)
    for line in thread.lines():
        console.print(shown(line), highlight=False, soft_wrap=True)


def _print_recent(project: Path, recent: list[dict[str, Any]]) -> None:
    if not recent:
        console.print("no conversations with replies")
        return
    # one line per conversation: only the text wraps when the terminal is narrow
    out = Table(*(Column(name, no_wrap=True) for name in ("last post (UTC)", "conversation", "platform", "posts")),
                Column("forces", no_wrap=True, max_width=26, overflow="ellipsis"),
                Column("started by", no_wrap=True, max_width=20, overflow="ellipsis"), "text",
                title="recent conversations, latest activity first")
    for r in recent:
        text = " ".join((r["text"] or "").split())
        out.add_row(f"{r['last_at']:%Y-%m-%d %H:%M}", shown(r["conversation_id"]), r["platform"],
                    f"{r['posts']:,} ({r['police_posts']:,} police)", shown(", ".join(r["forces"])),
                    shown("@" + str(r["author_handle"] or r["author_id"] or "?")),
                    shown(text if len(text) <= 50 else text[:49] + "…"))
    _wide().print(out)
    console.print(f"show one: peelian threads {project} {recent[0]['conversation_id']} (a conversation, "
                  "or any post id or link in it)", highlight=False, soft_wrap=True)


@expectations_app.command("import")
def expectations_import(
    project: Path = ProjectArg,
    csv_path: Path = typer.Argument(..., help="Survey CSV: topic, expected_share (or respondents), [force, survey]."),
    survey: str = typer.Option(None, "--survey", help="Survey name (default: the survey column, else the file "
                               "name)."),
    json: bool = JsonOpt,
) -> None:
    """Import a survey of what the public expects to see, per topic (national or per force)."""
    from peelian.metrics import import_expectations

    with open_project(project) as proj:
        report = import_expectations(proj, csv_path, survey)
    if json:
        emit_json(report)
        return
    console.print(f"imported {report['rows']} rows of survey {', '.join(report['surveys'])} "
                  f"({len(report['topics'])} topics; {', '.join(report['forces'])})")


@expectations_app.command("gap")
def expectations_gap_cmd(
    project: Path = ProjectArg,
    survey: str = typer.Option(None, "--survey", help="Survey name (default: the last imported)."),
    force: str = ForceOpt, platform: str = PlatformOpt,
    date_from: str = typer.Option(None, "--from", help="First day (YYYY-MM-DD, UTC). Default: all data."),
    date_to: str = ToOpt, predictions: bool = PredictionsOpt,
    json: bool = JsonOpt,
) -> None:
    """Expected vs actual topic shares of police original posts, per force, with TVD and JSD."""
    from peelian.metrics import check_filters, expectations_gap

    with user_errors():
        params = build_params(predictions=predictions)
        filters = build_filters(date_from, date_to, force, None, None, platform)
    with open_project(project, read_only=True) as proj:
        result = expectations_gap(proj, check_filters(proj, filters), params, survey)
    if json:
        emit_json(result)
        return
    groups = [*result["forces"], *([result["all_forces"]] if result["all_forces"] else [])]
    for g in groups:
        name = g["force"] or "all forces"
        console.print(f"[bold]{name}[/] — survey {result['survey']} ({g['expectations'] or 'no expectations'}); "
                      f"{g['coded_posts']:,} of {g['original_posts']:,} original posts coded (source: {g['source']}); "
                      f"TVD {_num(g['tvd'], 3)}, JSD {_num(g['jsd'], 3)} bits", highlight=False)
        out = Table("topic", "expected", "actual", "gap (expected − actual)", "posts")
        for t in g["topics"]:
            out.add_row(t["topic"], _pct(t["expected"]), _pct(t["actual"]),
                        "-" if t["gap"] is None else f"{t['gap'] * 100:+.0f} pts", f"{t['actual_posts']:,}")
        console.print(out)


@expectations_app.command("list")
def expectations_list(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """The imported surveys."""
    from peelian.metrics import list_surveys

    with open_project(project, read_only=True) as proj:
        rows = list_surveys(proj)
    if json:
        emit_json(rows)
        return
    out = Table("survey", "rows", "scopes", "imported")
    for r in rows:
        out.add_row(r["survey"], str(r["rows"]), str(r["scopes"]), f"{r['imported_at']:%Y-%m-%d %H:%M}")
    console.print(out)
