"""`peelian assess init|answer|show|compare` and `peelian benchmark`: the maturity self-assessment
and the force league tables (peelian.assess)."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from peelian.cli.app import MEASURE, app, assess_app
from peelian.cli.common import JsonOpt, ProjectArg, console, emit_json, open_project
from peelian.cli.dates import read_assessment_period

ForceOpt = typer.Option(..., "--force", help="The force, as named in the registry.")
PeriodOpt = typer.Option(None, "--period", help="A quarter (2025-Q2), month (2025-06) or year (2025); default: the "
                                               "force's latest assessment, else the quarter of the newest post.")
FrameworkOpt = typer.Option(None, "--framework", help="Your own framework file (YAML); default: the shipped NPCC "
                                                     "four-pillar framework.")


def _framework(path: Path | None) -> Any:
    from peelian.assess import load_framework

    return load_framework(path)


def _user(by: str | None) -> str:
    try:
        return by or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


@assess_app.command("init")
def init(project: Path = ProjectArg, force: str = ForceOpt, period: str = PeriodOpt,
         framework: Path = FrameworkOpt, by: str = typer.Option(None, help="Who starts it (default: your login)."),
         json: bool = JsonOpt) -> None:
    """Start a force's assessment for a period (the questionnaire comes from the framework)."""
    from peelian.assess import start_assessment

    read_assessment_period(period, "--period")
    with open_project(project) as proj:
        fw = _framework(framework)
        row, created = start_assessment(proj, force, period, fw, _user(by))
    if json:
        emit_json({"assessment": row, "created": created, "questions": [
            {"id": i.id, "question": i.question, "levels": i.levels} for i in fw.questions()]})
        return
    console.print(f"{'started' if created else 'already started'}: {row['force']} {row['period']} "
                  f"({fw.name} {fw.version}); {len(fw.questions())} questions to answer:")
    table = Table("indicator", "question", "kind", title_justify="left")
    for indicator in fw.questions():
        table.add_row(indicator.id, indicator.question, indicator.kind)
    console.print(table)
    console.print("answer with: peelian assess answer PROJECT --force F --file answers.yaml "
                  "(lines like 'strategy: 3'), or on the web app's Assessment page")


@assess_app.command("answer")
def answer(project: Path = ProjectArg, force: str = ForceOpt,
           file: Path = typer.Option(..., "--file", help="YAML mapping indicator ids to levels 1–5 "
                                                         "(or to {level, note})."),
           period: str = PeriodOpt, framework: Path = FrameworkOpt,
           by: str = typer.Option(None, help="Who answers (default: your login)."), json: bool = JsonOpt) -> None:
    """Record answers (kept as history: a new answer never erases an earlier one)."""
    from peelian.assess import read_answers_file, record_answers

    read_assessment_period(period, "--period")
    with open_project(project) as proj:
        fw = _framework(framework)
        result = record_answers(proj, force, read_answers_file(file), period=period, framework=fw, user=_user(by),
                                source=str(file))
    if json:
        emit_json(result)
        return
    a = result["assessment"]
    console.print(f"recorded {result['answered']} answers for {a['force']} {a['period']}")


def _show_table(result: Any) -> None:
    head = "-" if result.score is None else f"{result.score:.2f} (level {result.level})"
    console.print(f"[bold]{result.force}[/bold] {result.period.label} · {result.framework.name} "
                  f"{result.framework.version} · overall {head}")
    for note in result.notes:
        console.print(f"note: {note}")
    for pillar in result.pillars:
        score = "-" if pillar.score is None else f"{pillar.score:.2f} (level {pillar.level})"
        table = Table("indicator", "level", "set by", "evidence", title=f"{pillar.name}: {score}",
                      title_justify="left")
        for i in pillar.indicators:
            evidence = i.evidence()
            if i.contradiction:
                evidence += f"\n[red]CONTRADICTED[/red]: {i.contradiction}"
            table.add_row(i.indicator.id, "-" if i.level is None else str(i.level), i.source or "-", evidence)
        console.print(table)


@assess_app.command("show")
def show(project: Path = ProjectArg, force: str = ForceOpt, period: str = PeriodOpt,
         framework: Path = FrameworkOpt, json: bool = JsonOpt) -> None:
    """Scores per pillar and overall, each level with the evidence that set it, and contradictions."""
    from peelian.assess import assess

    read_assessment_period(period, "--period")
    with open_project(project, read_only=True) as proj:
        result = assess(proj, force, period, _framework(framework))
    if json:
        emit_json(result.to_dict())
        return
    _show_table(result)


@assess_app.command("compare")
def compare_cmd(project: Path = ProjectArg,
                period: str = typer.Option(None, "--period", help="A quarter, month or year; default: the latest "
                                                                  "assessed."),
                framework: Path = FrameworkOpt, json: bool = JsonOpt) -> None:
    """All forces side by side: overall and pillar scores, rank, change since the period before."""
    from peelian.assess import compare

    read_assessment_period(period, "--period")
    with open_project(project, read_only=True) as proj:
        result = compare(proj, period, _framework(framework))
    if json:
        emit_json(result)
        return
    table = Table("rank", "force", "overall", *[p["name"] for p in result["pillars"]],
                  f"change since {result['previous_period']}", "assessed", "contradictions",
                  title=f"{result['framework']['name']} · {result['period']}", title_justify="left")

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    for r in result["forces"]:
        rank = "-" if r["rank"] is None else f"{r['rank']}{'=' if r['tied'] else ''}"
        change = "-" if r["change"] is None else f"{r['change']:+.2f}"
        table.add_row(rank, r["force"], fmt(r["score"]), *[fmt(r["pillars"][p["id"]]["score"])
                                                           for p in result["pillars"]],
                      change, "yes" if r["assessed"] else "measured only", str(r["contradictions"]))
    console.print(table)


@app.command("benchmark", rich_help_panel=MEASURE)
def benchmark_cmd(
    project: Path = ProjectArg,
    metric: str = typer.Option("response_rate,median_response,two_way_ratio,expectations_gap", "--metric",
                               help="Comma-separated metrics of the common metric set (docs/metric-set.md); "
                                    "aliases: median_response, expectations_gap."),
    by: str = typer.Option("force", "--by", help="force, account_type or force,account_type."),
    account_type: str = typer.Option(None, "--account-type", help="Only this account type (e.g. officer)."),
    force: str = typer.Option(None, "--force", help="Only this force (with --by force,account_type)."),
    period: str = typer.Option(None, "--period", help="A quarter, month or year; default: all the data."),
    small_n: int = typer.Option(30, "--small-n", min=1, help="Mark figures resting on fewer posts than this."),
    json: bool = JsonOpt,
) -> None:
    """Rank forces (or account types) on the common metric set, with 95% intervals; overlapping
    intervals are tied (rank shown as 2=), small-n figures marked *."""
    from peelian.assess import benchmark, parse_period
    from peelian.assess.measures import format_value
    from peelian.metrics import check_filters
    from peelian.metrics.params import Filters

    read_assessment_period(period, "--period")
    filters = Filters.build(account_type=account_type, force=force)
    with open_project(project, read_only=True) as proj:
        check_filters(proj, filters)
        result = benchmark(proj, [m for m in metric.split(",") if m.strip()], by,
                           period=parse_period(period) if period else None, filters=filters, small_n=small_n)
    if json:
        emit_json(result.to_dict())
        return
    for ranking in result.rankings:
        s = ranking.spec
        better = {"higher": "higher is better", "lower": "lower is better"}.get(s.better, "ranked high to low")
        table = Table("rank", *result.by, "value", "95% interval", "n",
                      title=f"{s.label} ({s.name}; {better}; {ranking.method})", title_justify="left")
        for e in ranking.entries:
            rank = "-" if e.rank is None else f"{e.rank}{'=' if e.tied else ''}"
            interval = "" if e.low is None else f"{format_value(e.low, s.unit)} – {format_value(e.high, s.unit)}"
            n = "" if e.n is None else f"{e.n:,}{' *' if e.small else ''}"
            table.add_row(rank, *[str(e.group[k]) for k in result.by], format_value(e.value, s.unit), interval, n)
        console.print(table)
    console.print(f"= tied: 95% intervals overlap. * fewer than {small_n} posts behind the figure.")
