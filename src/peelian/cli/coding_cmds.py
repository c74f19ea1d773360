"""Coding commands: codebooks, samples, coding sheets, reliability and adjudication.

`peelian code` (the browser coding interface) lives in cli/web_cmds.py; everything it
calls is in peelian.coding.codings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from peelian.cli.app import CODING, app, codebook_app, codings_app, sample_app
from peelian.cli.common import (
    JsonOpt,
    ProjectArg,
    console,
    emit_json,
    err_console,
    open_project,
    shown,
    user_errors,
)
from peelian.errors import CodingError

if TYPE_CHECKING:
    from peelian.coding.codebook import Codebook
    from peelian.coding.gold import Disagreement


def _split(values: list[str] | str | None) -> list[str]:
    """`a,b` and repeated options alike."""
    if values is None:
        return []
    items = [values] if isinstance(values, str) else values
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


# ---- codebook ---------------------------------------------------------------------------------

def _print_codebook(book: Codebook, dimension: str | None) -> None:
    console.print(f"[bold]{escape(book.name)}[/] — {book.id}, version {book.version}", highlight=False)
    if book.description:
        console.print(book.description, style="dim", highlight=False, markup=False)
    dims = [book.dimension(dimension)] if dimension else book.dimensions
    for dim in dims:
        kind = "multi-label" if dim.multi_label else "single label"
        table = Table("key", "code", "label", "definition", title=f"{dim.id} — {dim.label}",
                      caption=f"{dim.scope_text()}; {kind}" + (f"; {dim.level}" if dim.level != "nominal" else ""),
                      title_justify="left", caption_justify="left", show_lines=False)
        for code in dim.codes:
            name = code.id if not code.parent else f"  {code.id} (under {code.parent})"
            table.add_row(code.key or "", escape(name), escape(code.label), escape(code.definition))
        console.print(table)


@codebook_app.command("show")
def codebook_show(
    project: Path = ProjectArg,
    dimension: str = typer.Option(None, "--dimension", "-d", help="Only this dimension."),
    version: str = typer.Option(None, "--version", help="A stored version instead of the active one."),
    json: bool = JsonOpt,
) -> None:
    """Show the active codebook (the police encounters codebook until you import another)."""
    from peelian.coding.codebook import active_codebook, stored_codebook

    with open_project(project) as proj:
        book = stored_codebook(proj, version) if version else active_codebook(proj)
        if dimension:
            book.dimension(dimension)
    if json:
        emit_json(book.to_dict())
        return
    with user_errors():
        _print_codebook(book, dimension)


@codebook_app.command("import")
def codebook_import(
    project: Path = ProjectArg,
    file: Path = typer.Argument(..., help="A codebook: .yaml/.yml/.json (Peelian format) or REFI-QDA .qdc."),
    no_activate: bool = typer.Option(False, "--no-activate", help="Store it without making it the active codebook."),
    id: str = typer.Option(None, "--id", help=".qdc only: the codebook id (default: from the file)."),
    version: str = typer.Option(None, "--version", help=".qdc only: the version to record (default: from the file "
                                                         "or 1)."),
    name: str = typer.Option(None, "--name", help=".qdc only: the codebook name."),
) -> None:
    """Import a codebook and make it the active one; every coding records its version."""
    from peelian.coding.codebook import import_codebook, load_codebook
    from peelian.coding.refi import read_qdc

    warnings: list[str] = []
    with user_errors():
        if file.suffix.lower() == ".qdc":
            result = read_qdc(file, id=id, version=version, name=name)
            book, warnings = result.codebook, result.warnings
        else:
            if id or version or name:
                raise CodingError("--id, --version and --name apply to .qdc files; edit them in the YAML")
            book = load_codebook(file)
    with open_project(project) as proj:
        import_codebook(proj, book, activate=not no_activate)
    for warning in warnings:
        err_console.print(f"[yellow]note:[/] {escape(warning)}", highlight=False)
    codes = sum(len(d.codes) for d in book.dimensions)
    console.print(f"imported codebook {book.id} version {book.version}: {len(book.dimensions)} dimensions, "
                  f"{codes} codes" + ("" if no_activate else " (now active)"), highlight=False)


@codebook_app.command("export")
def codebook_export(
    project: Path = ProjectArg,
    to: Path = typer.Option(..., "--to", help="Destination: .yaml, .yml, .json or .qdc (REFI-QDA)."),
    version: str = typer.Option(None, "--version", help="A stored version instead of the active one."),
) -> None:
    """Export the active codebook as YAML (to edit) or REFI-QDA .qdc (for NVivo, ATLAS.ti, MAXQDA, QualCoder)."""
    from peelian.coding.codebook import active_codebook, save_codebook, stored_codebook

    with open_project(project) as proj:
        book = stored_codebook(proj, version) if version else active_codebook(proj)
        save_codebook(book, to)
    console.print(f"wrote codebook {book.id} version {book.version} to {shown(to)}", highlight=False)


@codebook_app.command("list")
def codebook_list(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """The codebook versions stored in the project."""
    from peelian.coding.codebook import active_codebook, list_codebooks

    with open_project(project) as proj:
        active_codebook(proj)
        rows = list_codebooks(proj)
    if json:
        emit_json(rows)
        return
    table = Table("codebook", "version", "name", "imported", "active")
    for r in rows:
        table.add_row(r["codebook_id"], r["version"], escape(r["name"]), str(r["imported_at"])[:19],
                      "yes" if r["is_active"] else "")
    console.print(table)


@codebook_app.command("validate")
def codebook_validate(file: Path = typer.Argument(..., help="A codebook file to check, without a project.")) -> None:
    """Check a codebook file; every problem is listed with its line and field."""
    from peelian.coding.codebook import load_codebook
    from peelian.coding.refi import read_qdc

    with user_errors():
        book = read_qdc(file).codebook if file.suffix.lower() == ".qdc" else load_codebook(file)
    console.print(f"{shown(file)}: valid — {book.id} version {book.version}, {len(book.dimensions)} dimensions",
                  highlight=False)


# ---- samples ----------------------------------------------------------------------------------

@sample_app.command("create")
def sample_create(
    project: Path = ProjectArg,
    name: str = typer.Option(..., "--name", help="A name for the sample, e.g. round1."),
    size: int = typer.Option(..., "--size", help="How many posts."),
    coders: list[str] = typer.Option(..., "--coders", help="Coder names, comma-separated: ana,ben,cy."),
    strategy: str = typer.Option(None, "--strategy",
                                 help="random or stratified (the default when --stratify is given); classifiers "
                                      "may add more."),
    stratify: list[str] = typer.Option([], "--stratify", help="Columns to stratify by, e.g. force,account_type,month "
                                                              "(any post or account column, month, year)."),
    overlap: float = typer.Option(0.25, "--overlap", help="Share of the sample coded by every coder."),
    seed: int = typer.Option(None, "--seed", help="Random seed (default: drawn and recorded)."),
    dimension: str = typer.Option(None, "--dimension", help="Draw only from the posts this dimension applies to."),
    include_sampled: bool = typer.Option(False, "--include-sampled", help="Allow posts already in another sample."),
    json: bool = JsonOpt,
) -> None:
    """Draw a coding sample and assign it to coders with an overlap for reliability."""
    from peelian.coding.samples import BUILTIN_STRATEGIES, create_sample

    if strategy and strategy not in BUILTIN_STRATEGIES:
        import peelian.classify  # noqa: F401  (registers the classifier's strategies, e.g. uncertainty)
    strata = _split(stratify)
    with open_project(project) as proj:
        sample = create_sample(proj, name, size, strategy=strategy or ("stratified" if strata else "random"),
                               stratify=strata, overlap=overlap, coders=_split(coders), seed=seed,
                               dimension=dimension, exclude_sampled=not include_sampled)
    if json:
        emit_json(sample.to_dict())
        return
    per_coder = (sample.size - sample.n_overlap) // max(len(sample.coders), 1)
    console.print(f"sample [bold]{escape(sample.name)}[/]: {sample.size} posts ({sample.strategy}, seed "
                  f"{sample.seed}); {sample.n_overlap} coded by all of {', '.join(sample.coders)}, about "
                  f"{per_coder} more each", highlight=False)
    if sample.params.get("strata"):
        console.print(f"{len(sample.params['strata'])} strata by {', '.join(sample.params['stratify'])}",
                      highlight=False)


@sample_app.command("list")
def sample_list(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """Samples with their design and each coder's progress."""
    from peelian.coding.samples import list_samples

    with open_project(project) as proj:
        rows = list_samples(proj)
    if json:
        emit_json(rows)
        return
    if not rows:
        console.print("no samples yet (peelian sample create PROJECT --name round1 --size 400 --coders ana,ben)")
        return
    table = Table("sample", "created", "strategy", "posts", "overlap", "coders (started/assigned)")
    for r in rows:
        progress = ", ".join(f"{p['coder']} {p['started']}/{p['assigned']}" for p in r["progress"])
        table.add_row(escape(r["name"]), str(r["created_at"])[:16], r["strategy"], str(r["size"]),
                      f"{r['n_overlap']} ({r['overlap']:.0%})", escape(progress))
    console.print(table)


@sample_app.command("show")
def sample_show(
    project: Path = ProjectArg,
    name: str = typer.Argument(..., help="The sample."),
    coder: str = typer.Option(None, "--coder", help="Only this coder's items."),
    json: bool = JsonOpt,
) -> None:
    """A sample's design and its items."""
    from peelian.coding.samples import get_sample, sample_items

    with open_project(project) as proj:
        sample = get_sample(proj, name)
        items = sample_items(proj, name, coder)
    if json:
        emit_json({**sample.to_dict(), "items": items})
        return
    console.print(f"[bold]{escape(sample.name)}[/] — {sample.strategy}, seed {sample.seed}, {sample.size} posts, "
                  f"overlap {sample.n_overlap}, coders {', '.join(sample.coders)}", highlight=False)
    table = Table("coder", "position", "platform", "post", "overlap")
    for r in items[:200]:
        table.add_row(r["coder"], str(r["position"]), r["platform"], r["post_id"], "yes" if r["is_overlap"] else "")
    console.print(table)
    if len(items) > 200:
        console.print(f"… {len(items) - 200} more (use --json for all)")


@sample_app.command("export")
def sample_export(
    project: Path = ProjectArg,
    name: str = typer.Argument(..., help="The sample."),
    coder: str = typer.Option(..., "--coder", help="Whose sheet."),
    to: Path = typer.Option(..., "--to", help="The CSV to write (opens in Excel or LibreOffice)."),
) -> None:
    """Write a coder's coding sheet; fill it and bring it back with `peelian codings import`."""
    from peelian.coding.codebook import active_codebook
    from peelian.coding.sheets import codebook_for_sheet, export_sheet

    with open_project(project) as proj:
        rows = export_sheet(proj, name, coder, to)
        legend = codebook_for_sheet(active_codebook(proj))
    console.print(f"wrote {rows} posts for {shown(coder)} to {shown(to)}", highlight=False)
    console.print("Cells: one code, or several separated by ';' (multi-label), '-' for none, 'skip', blank = not "
                  "yet; 'n/a' marks dimensions that do not apply.", highlight=False)
    console.print(legend, highlight=False, markup=False)


# ---- codings ----------------------------------------------------------------------------------

@codings_app.command("import")
def codings_import(
    project: Path = ProjectArg,
    file: Path = typer.Argument(..., help="A filled coding sheet (CSV)."),
    json: bool = JsonOpt,
) -> None:
    """Import a filled coding sheet: every cell is checked first; any problem rejects the whole sheet."""
    from peelian.coding.sheets import import_sheet

    with open_project(project) as proj:
        report = import_sheet(proj, file)
    if json:
        emit_json(report.to_dict())
        return
    console.print(f"{shown(file)}: {report.rows} rows — {report.recorded} codings recorded, "
                  f"{report.unchanged} unchanged, "
                  f"{report.blank} cells still blank ({', '.join(report.coders)} in {', '.join(report.samples)})",
                  highlight=False)


@codings_app.command("import-gold")
def codings_import_gold(
    project: Path = ProjectArg,
    file: Path = typer.Argument(..., help="Known labels: a CSV with platform, post_id, dimension, code "
                                "(one row per code)."),
    per_dimension: int = typer.Option(None, "--per-dimension", help="Keep a seeded random subset of this size."),
    seed: int = typer.Option(0, "--seed", help="Seed for --per-dimension."),
    decided_by: str = typer.Option(None, "--decided-by", help="Who decided these labels (kept with each)."),
    json: bool = JsonOpt,
) -> None:
    """Gold labels decided outside Peelian (an earlier study's gold standard); every row is checked first."""
    from peelian.coding.gold import import_gold

    with open_project(project) as proj:
        report = import_gold(proj, file, per_dimension=per_dimension, seed=seed, decided_by=decided_by)
    if json:
        emit_json(report.__dict__)
        return
    per = ", ".join(f"{d} {n}" for d, n in report.per_dimension.items())
    console.print(f"{report.labels} gold labels ({per}); {report.not_in_project} labelled posts are not in the "
                  "project", highlight=False)


@codings_app.command("list")
def codings_list(
    project: Path = ProjectArg,
    sample: str = typer.Option(None, "--sample", help="Only this sample."),
    coder: str = typer.Option(None, "--coder", help="Only this coder."),
    limit: int = typer.Option(50, "--limit", min=0, help="At most this many rows (0 for all)."),
    json: bool = JsonOpt,
) -> None:
    """The coding history, newest first, including undos (the table is append-only)."""
    from peelian.coding.codings import coding_history

    with open_project(project, read_only=True) as proj:
        rows = coding_history(proj, sample=sample, coder=coder, limit=limit or None)
    if json:
        emit_json(rows)
        return
    table = Table("#", "when", "coder", "sample", "post", "dimension", "codes", "status", "note", "source")
    for r in rows:
        table.add_row(str(r["coding_id"]), str(r["created_at"])[:19], r["coder"], r["sample_name"] or "",
                      f"{r['platform']}:{r['post_id']}", r["dimension"], escape("; ".join(r["codes"])), r["status"],
                      escape(r["note"] or ""), r["source"])
    console.print(table)


@codings_app.command("undo")
def codings_undo(
    project: Path = ProjectArg,
    coder: str = typer.Option(..., "--coder", help="Whose last decision to retract."),
    sample: str = typer.Option(None, "--sample", help="Only within this sample."),
) -> None:
    """Retract a coder's latest decision (adds a 'retracted' row; nothing is deleted)."""
    from peelian.coding.codings import undo_last

    with open_project(project) as proj:
        undone = undo_last(proj, coder, sample, source="cli")
    if undone is None:
        console.print(f"nothing to undo for {coder}", highlight=False)
        return
    console.print(f"retracted coding {undone.coding_id}: {undone.platform}:{undone.post_id} {undone.dimension} = "
                  f"{'; '.join(undone.codes) or undone.status}", highlight=False)


# ---- reliability --------------------------------------------------------------------------------

def _print_reliability(report: dict) -> None:
    from peelian.coding.reliability import COEFFICIENTS

    labels = report["coefficient_labels"]
    short = {"percent_agreement": "agree", "cohen_kappa": "Cohen κ", "fleiss_kappa": "Fleiss κ",
             "krippendorff_alpha": "Kripp. α", "gwet_ac1": "AC1", "brennan_prediger": "BP κ"}
    conf = f"{report['settings']['confidence']:.0%}"
    table = Table("dimension", "units", "coders", *[short[c] for c in COEFFICIENTS], title=report["title"],
                  caption=f"value [{conf} bootstrap CI]; units = coded by 2+ coders", title_justify="left")
    for d in report["dimensions"]:
        cells = []
        for c in COEFFICIENTS:
            v = d.get("coefficients", {}).get(c)
            if not v or v["value"] is None:
                cells.append("–")
                continue
            text = f"{v['value']:.3f}"
            if v["ci_low"] is not None:
                text += f"\n[{v['ci_low']:.3f}, {v['ci_high']:.3f}]"
            style = {"reliable": "green", "tentative": "yellow", "unreliable": "red"}
            colour = next((s for w, s in style.items() if v["interpretation"].startswith(w)), None) \
                if c == "krippendorff_alpha" else None
            cells.append(f"[{colour}]{escape(text)}[/]" if colour else escape(text))
        name = d["dimension"] + (" (multi)" if d.get("multi_label") else "")
        table.add_row(escape(name), str(d["n_units"]), str(d["n_coders"]), *cells)
    console.print(table)
    for d in report["dimensions"]:
        weak = [pc for pc in d.get("per_code", []) if (pc["coefficients"]["krippendorff_alpha"]["value"] or 0) < 0.667
                and pc["coefficients"]["krippendorff_alpha"]["value"] is not None]
        if weak:
            console.print(f"{d['dimension']}: codes below α 0.667: " + ", ".join(
                f"{pc['code']} ({pc['coefficients']['krippendorff_alpha']['value']:.2f})" for pc in weak),
                highlight=False, markup=False)
    console.print(f"guidance: {labels['krippendorff_alpha']} ≥ 0.800 reliable, ≥ 0.667 tentative; kappas: Landis & "
                  "Koch bands. Per code and confusion matrices: --json or --html.", style="dim", highlight=False)


@app.command("reliability", rich_help_panel=CODING)
def reliability(
    project: Path = ProjectArg,
    sample: str = typer.Argument(..., help="The sample."),
    dimension: list[str] = typer.Option([], "--dimension", "-d", help="Only these dimensions."),
    all_units: bool = typer.Option(False, "--all-units", help="Use every unit coded by 2+ coders, not only the "
                                                              "overlap."),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the CIs (0 for none)."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
    html: Path = typer.Option(None, "--html", help="Also write the HTML report here."),
    json: bool = JsonOpt,
) -> None:
    """Inter-coder reliability of a sample, per dimension and per code, with bootstrap CIs."""
    from peelian.coding.agreement import sample_reliability
    from peelian.report.reliability import write_reliability_report

    with open_project(project, read_only=True) as proj:
        report = sample_reliability(proj, sample, dimensions=_split(dimension) or None, overlap_only=not all_units,
                                    n_bootstrap=bootstrap, seed=seed)
        if html:
            write_reliability_report(report, html)
    if json:
        emit_json(report)
        return
    _print_reliability(report)
    if html:
        console.print(f"report written to {html}", highlight=False)


def _levels(values: list[str]) -> dict[str, str]:
    out = {}
    for item in _split(values):
        if "=" in item:
            dim, level = item.split("=", 1)
            out[dim.strip()] = level.strip()
        else:
            out["*"] = item
    return out


@app.command("reliability-file", rich_help_panel=CODING)
def reliability_file(
    file: Path = typer.Argument(..., help="Long CSV with columns unit, coder, dimension (optional), code."),
    level: list[str] = typer.Option([], "--level", help="nominal, ordinal, interval or ratio; for one dimension: "
                                                        "dim=ordinal."),
    multi_label: list[str] = typer.Option([], "--multi-label", help="Dimensions to treat as multi-label (also "
                                                                    "detected when a coder gives a unit 2+ codes)."),
    bootstrap: int = typer.Option(1000, "--bootstrap", help="Bootstrap resamples for the CIs (0 for none)."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
    html: Path = typer.Option(None, "--html", help="Also write the HTML report here."),
    json: bool = JsonOpt,
) -> None:
    """The same statistics for any long CSV (one row per unit, coder, dimension and code)."""
    from peelian.coding.agreement import file_reliability
    from peelian.report.reliability import write_reliability_report

    with user_errors():
        report = file_reliability(file, levels=_levels(level), multi_label=_split(multi_label), n_bootstrap=bootstrap,
                                  seed=seed)
        if html:
            write_reliability_report(report, html)
    if json:
        emit_json(report)
        return
    _print_reliability(report)


# ---- adjudication -------------------------------------------------------------------------------

def _ask_decision(item: Disagreement, book: Codebook, index: int, total: int) -> tuple[list[str], str | None] | None:
    """One disagreement on screen; returns the codes and reason, None to skip, raises typer.Abort to stop."""
    from rich.panel import Panel
    from rich.prompt import Prompt

    from peelian.coding.sheets import parse_cell

    dim = book.dimension(item.dimension)
    body = []
    if item.context:
        body.append(f"[dim]{shown(item.context)}[/]")
    body.append(shown(item.text or "(no text)"))
    body.append("")
    for c in item.codings:
        codes = "; ".join(c["codes"]) if c["codes"] else ("skip" if c["status"] == "skipped" else "-")
        flag = " [yellow](flagged)[/]" if c["status"] == "flagged" else ""
        note = f" — [italic]{escape(c['note'])}[/]" if c["note"] else ""
        body.append(f"[bold]{escape(c['coder'])}[/]: {escape(codes)}{flag}{note}")
    if item.majority:
        body.append(f"majority: {escape('; '.join(item.majority))}")
    console.print(Panel("\n".join(body), title=f"{index}/{total} · {item.platform}:{item.post_id} · "
                                               f"{item.dimension} ({'multi-label' if dim.multi_label else 'one code'})",
                        title_align="left"))
    console.print("  " + "  ".join(f"[bold]{c.key or '?'}[/]={escape(c.id)}" for c in dim.codes), highlight=False)
    keys = {c.key: c.id for c in dim.codes if c.key}
    while True:
        answer = Prompt.ask("decision (keys or codes, ';' between several; Enter skips, q quits)", default="",
                            show_default=False, console=console).strip()
        if answer.lower() == "q":
            raise typer.Abort()
        if not answer:
            return None
        tokens = [t for t in answer.replace(",", ";").split(";") if t.strip()] if answer != "-" else ["-"]
        if len(tokens) == 1 and tokens[0] not in keys and len(tokens[0]) > 1 and all(ch in keys for ch in tokens[0]) \
                and dim.multi_label and tokens[0] not in dim.code_ids():
            tokens = list(tokens[0])
        text = "; ".join(keys.get(t.strip(), t.strip()) for t in tokens)
        try:
            parsed = parse_cell(dim, text)
        except CodingError as exc:
            err_console.print(f"[red]{escape(exc.reason)}[/]", highlight=False)
            continue
        if parsed is None or parsed[0] != "coded":
            err_console.print("[red]name the codes (or '-' for none)[/]")
            continue
        reason = Prompt.ask("reason (optional)", default="", show_default=False, console=console).strip()
        return parsed[1], reason or None


@app.command("adjudicate", rich_help_panel=CODING)
def adjudicate(
    project: Path = ProjectArg,
    sample: str = typer.Argument(..., help="The sample."),
    adjudicator: str = typer.Option(None, "--adjudicator", help="Who decides (recorded with every gold label)."),
    dimension: str = typer.Option(None, "--dimension", "-d", help="Only this dimension."),
    majority: bool = typer.Option(False, "--majority", help="Set gold by majority rule for every unit a strict "
                                                            "majority agrees on; ties are left."),
    include_single: bool = typer.Option(False, "--include-single", help="With --majority: units coded by one coder "
                                                                        "become gold too."),
    decisions: Path = typer.Option(None, "--decisions", help="Apply decisions from a CSV (platform, post_id, "
                                                             "dimension, codes, reason) instead of asking."),
    to: Path = typer.Option(None, "--to", help="Write the open disagreements to a CSV to fill for --decisions."),
    json: bool = JsonOpt,
) -> None:
    """Walk a sample's disagreements and decide; each decision becomes the gold label."""
    from peelian.coding.codebook import active_codebook
    from peelian.coding.gold import (
        adjudicate as adjudicate_unit,
        apply_decisions,
        apply_majority,
        disagreements,
        export_disagreements,
    )

    with open_project(project) as proj:
        if to:
            n = export_disagreements(proj, sample, to, dimension=dimension)
            console.print(f"wrote {n} open disagreements to {shown(to)}; fill the codes column and run with --decisions",
                          highlight=False)
            return
        if majority:
            report = apply_majority(proj, sample, dimension=dimension, decided_by=adjudicator,
                                    include_single=include_single)
            if json:
                emit_json(report.to_dict())
            else:
                console.print(f"majority rule: {report.decided} units decided, {report.single_coder} single-coder "
                              f"units, {report.ties} ties left for adjudication, {report.already_gold} already had "
                              "gold", highlight=False)
            return
        if not adjudicator:
            raise typer.BadParameter("--adjudicator NAME is required to record decisions", param_hint="--adjudicator")
        if decisions:
            result = apply_decisions(proj, sample, decisions, adjudicator)
            if json:
                emit_json(result.__dict__)
            else:
                console.print(f"{result.decided} decisions recorded as gold; {result.left_blank} rows left blank",
                              highlight=False)
            return
        items = disagreements(proj, sample, dimension=dimension)
        if json:
            emit_json([d.to_dict() for d in items])
            return
        if not items:
            console.print("no open disagreements in this sample", highlight=False)
            return
        book = active_codebook(proj)
        decided = 0
        try:
            for i, item in enumerate(items, start=1):
                answer = _ask_decision(item, book, i, len(items))
                if answer is None:
                    continue
                adjudicate_unit(proj, sample, item.platform, item.post_id, item.dimension, answer[0], adjudicator,
                                reason=answer[1])
                decided += 1
        except (typer.Abort, EOFError):
            console.print("stopped; the decisions so far are saved")
        console.print(f"{decided} of {len(items)} disagreements decided", highlight=False)
