"""`peelian check`: the pre-publication check of a draft post, or of a CSV of posts."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from peelian.cli.app import REPORT, app
from peelian.cli.common import JsonOpt, console, emit_json, shown, user_errors


@app.command(rich_help_panel=REPORT)
def check(
    draft: str = typer.Argument(..., help="The draft: a text file, - for standard input, or a CSV of posts.",
                                show_default=False),
    text: str = typer.Option(None, "--text", help="CSV mode: the column holding each post's text."),
    out: Path = typer.Option(None, "--out", help="CSV mode: write the posts with what was found here."),
    json: bool = JsonOpt,
) -> None:
    """Check a draft before publishing: personal data, identified children or sexual-offence victims,
    anything that could prejudice a trial, unverified casualty details (see docs/checks.md)."""
    with user_errors():
        from peelian.checks.batch import decode_draft
        from peelian.errors import DraftError

        csv_mode = text is not None or out is not None or draft.lower().endswith(".csv")
        if csv_mode:
            if draft == "-":
                raise DraftError("a CSV of posts must be a file, not standard input")
            if text is None or out is None:
                raise DraftError("checking a CSV needs --text COLUMN and --out FILE", path=draft)
            _check_csv(Path(draft), text, out, json)
            return
        data = sys.stdin.buffer.read() if draft == "-" else Path(draft).read_bytes()
        _check_one(decode_draft(data, "standard input" if draft == "-" else draft), json)


def _check_one(draft: str, as_json: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    from peelian.checks import RISKS, check_draft

    findings = check_draft(draft)
    if as_json:
        emit_json({"findings": [f.to_dict() for f in findings], "risks": sorted({f.risk for f in findings})})
        return
    if not findings:
        console.print("No risks found. The check is rules only: read the draft again before posting.")
        return
    table = Table("risk", "severity", "text", "characters", "why", title=f"{len(findings)} possible problem(s)",
                  title_justify="left")
    for f in findings:
        table.add_row(RISKS[f.risk], f.severity, escape(f.text), f"{f.start}-{f.end}", escape(f.reason))
    console.print(table)


def _check_csv(source: Path, column: str, out: Path, as_json: bool) -> None:
    from peelian.checks import RISKS, check_csv

    summary = check_csv(source, column, out)
    if as_json:
        emit_json({**summary.to_dict(), "out": str(out)})
        return
    console.print(f"checked {summary.rows:,} posts: {summary.flagged:,} with possible problems; wrote {shown(out)}",
                  highlight=False)
    for risk, count in sorted(summary.by_risk.items()):
        console.print(f"  {RISKS[risk]}: {count:,}", highlight=False)
