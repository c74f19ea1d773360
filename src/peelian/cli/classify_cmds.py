"""`peelian classify ...`: train, evaluate, apply and inspect classifiers (library: peelian.classify)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from peelian.cli.app import classify_app
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

DimensionOpt = typer.Option(..., "--dimension", "-d", help="The codebook dimension, e.g. mode or topic.")
ModelOpt = typer.Option(None, "--model", help="A model id (default: the dimension's current model).")
AlgorithmOpt = typer.Option("auto", "--algorithm",
                            help="linear, embedding, combined, or auto (best cross-validated macro-F1).")
FoldsOpt = typer.Option(5, "--folds", help="Cross-validation folds (fewer when a code has fewer examples).")
SeedOpt = typer.Option(0, "--seed", help="Seed for folds and models: the same seed gives the same model.")
LearningCurveOpt = typer.Option(True, "--learning-curve/--no-learning-curve",
                                help="Also fit on 20–80 % of each fold to show the learning curve (5 × the fits).")
UNVALIDATED = "[bold red]UNVALIDATED[/]"


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A Rich progress display on stderr (stdout stays clean for --json); one bar per stage."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _print_scores(scores: dict[str, Any], human: dict[str, Any] | None, title: str) -> None:
    human_codes = (human or {}).get("per_code", {})
    table = Table(title=title, title_justify="left")
    for column in ("code", "support", "precision", "recall", "F1", "κ model", "κ humans"):
        table.add_column(column, justify="left" if column == "code" else "right")
    for code, s in scores["per_code"].items():
        table.add_row(escape(code), str(s["support"]), _f(s["precision"]), _f(s["recall"]), _f(s["f1"]),
                      _f(s.get("kappa")), _f(human_codes.get(code)))
    console.print(table)
    console.print(f"macro-F1 {_f(scores['macro_f1'])}   Cohen's κ model vs gold {_f(scores['kappa'])}   "
                  f"accuracy {_f(scores['accuracy'])}   n = {scores['n']}", highlight=False)
    if human:
        console.print(f"human–human agreement: Cohen's κ {_f(human['kappa'])} over {human['n_units']} posts coded by "
                      f"two or more of {human['n_coders']} coders", highlight=False)
    else:
        console.print("human–human agreement: not available (no post of this dimension was coded by two coders)")
    confusion = scores.get("confusion", {})
    if confusion.get("kind") == "matrix" and len(confusion["labels"]) <= 12:
        matrix = Table(title="confusion matrix (rows: gold, columns: predicted)", title_justify="left")
        matrix.add_column("gold \\ predicted")
        for code in confusion["labels"]:
            matrix.add_column(escape(code), justify="right")
        for code, row in zip(confusion["labels"], confusion["matrix"], strict=True):
            matrix.add_row(escape(code), *[str(v) for v in row])
        console.print(matrix)
    elif confusion.get("kind") == "per_code":
        matrix = Table("code", "true +", "false +", "false −", "true −", title="per-code confusion",
                       title_justify="left")
        for code, ((tn, fp), (fn, tp)) in confusion["matrices"].items():
            matrix.add_row(escape(code), str(tp), str(fp), str(fn), str(tn))
        console.print(matrix)


def _print_evaluation(evaluation: dict[str, Any], human: dict[str, Any] | None) -> None:
    _print_scores(evaluation, human, f"cross-validation ({evaluation.get('method', '')})")
    if evaluation.get("candidates") and len(evaluation["candidates"]) > 1:
        console.print("candidates (cross-validated macro-F1): " + ", ".join(
            f"{name} {_f(score)}" for name, score in evaluation["candidates"].items()), highlight=False)
    curve = evaluation.get("learning_curve") or []
    if curve:
        console.print("learning curve (labels → macro-F1): " + ", ".join(
            f"{p['n_labels']} → {_f(p['macro_f1'])}" for p in curve), highlight=False)


@classify_app.command("train")
def train(project: Path = ProjectArg, dimension: str = DimensionOpt, algorithm: str = AlgorithmOpt,
          folds: int = FoldsOpt, seed: int = SeedOpt, learning_curve: bool = LearningCurveOpt,
          json: bool = JsonOpt) -> None:
    """Train a classifier on the dimension's gold labels and print its cross-validated evaluation."""
    from peelian.classify import train_model

    with open_project(project) as proj, _progress() as progress:
        result = train_model(proj, dimension, algorithm=algorithm, n_splits=folds, seed=seed,
                             learning_curve=learning_curve, progress=progress)
    if json:
        emit_json(result.to_dict())
        return
    model = result.model
    console.print(f"model [bold]{model.model_id}[/] ({model.algorithm}, {model.n_training} gold posts, codebook "
                  f"version {model.codebook_version}) saved to {model.path}", highlight=False)
    _print_evaluation(result.evaluation, result.evaluation.get("human_agreement"))
    if result.evaluation.get("excluded"):
        console.print("left out: " + ", ".join(f"{n} ({why})" for why, n in result.evaluation["excluded"].items()),
                      highlight=False)


@classify_app.command("evaluate")
def evaluate(project: Path = ProjectArg, dimension: str = DimensionOpt, model: str = ModelOpt,
             json: bool = JsonOpt) -> None:
    """Per-code precision/recall/F1, macro-F1 and kappa against gold, next to the coders' own agreement."""
    from peelian.classify import evaluate_model
    from peelian.classify.starter import UNVALIDATED_NOTE

    with open_project(project) as proj:
        report = evaluate_model(proj, dimension, model_id=model)
    if json:
        emit_json(report)
        return
    info = report["model"]
    status = "validated" if report["validated"] else UNVALIDATED
    console.print(f"model [bold]{info['model_id']}[/] — {info['algorithm']}, {status}", highlight=False)
    if report["cross_validation"]:
        _print_evaluation(report["cross_validation"], report["human_agreement"])
    else:
        console.print(f"{UNVALIDATED}: {UNVALIDATED_NOTE}")
    if report["unseen_gold"]:
        _print_scores(report["unseen_gold"], report["human_agreement"],
                      f"against {report['unseen_gold']['n']} {report['unseen_gold_note']}")


@classify_app.command("apply")
def apply(project: Path = ProjectArg, dimension: str = DimensionOpt, model: str = ModelOpt,
          chunk_size: int = typer.Option(5000, "--chunk-size", help="Posts per committed chunk."),
          json: bool = JsonOpt) -> None:
    """Predict every post in the dimension's scope; an interrupted run resumes where it stopped."""
    from peelian.classify import apply_model
    from peelian.classify.starter import UNVALIDATED_NOTE

    with open_project(project) as proj, _progress() as progress:
        result = apply_model(proj, dimension, model_id=model, chunk_size=chunk_size,
                             progress=lambda done, total: progress(f"predicting {dimension}", done, total))
    if json:
        emit_json(result.to_dict())
        return
    rate = result.to_dict()["posts_per_second"]
    console.print(f"{result.predicted:,} posts predicted with {result.model_id}"
                  + (f" ({rate:,.0f} posts/s)" if rate else "")
                  + f"; {result.already_predicted:,} of {result.in_scope:,} in scope already had a prediction",
                  highlight=False)
    if not result.validated:
        console.print(f"{UNVALIDATED}: these predictions come from a starter model; {UNVALIDATED_NOTE}")


@classify_app.command("starter")
def starter(project: Path = ProjectArg, dimension: str = DimensionOpt, json: bool = JsonOpt) -> None:
    """Before any human coding: a zero-shot model from the codebook's definitions and examples (UNVALIDATED)."""
    from peelian.classify import create_starter
    from peelian.classify.starter import UNVALIDATED_NOTE

    with open_project(project) as proj:
        info = create_starter(proj, dimension)
    if json:
        emit_json({**info.to_dict(), "note": UNVALIDATED_NOTE})
        return
    console.print(f"starter model [bold]{info.model_id}[/] for {dimension} saved to {shown(info.path)}",
                  highlight=False)
    console.print(f"{UNVALIDATED}: {UNVALIDATED_NOTE}. Apply it with `peelian classify apply`, code a sample, "
                  "then train a real model.")


@classify_app.command("models")
def models(project: Path = ProjectArg,
           dimension: str = typer.Option(None, "--dimension", "-d", help="Only this dimension."),
           json: bool = JsonOpt) -> None:
    """The registered models, oldest first."""
    from peelian.classify import list_models

    with open_project(project, read_only=True) as proj:
        found = list_models(proj, dimension)
    if json:
        emit_json([{**m.to_dict(), "macro_f1": (m.evaluation or {}).get("macro_f1")} for m in found])
        return
    table = Table("dimension", "algorithm", "status", "codebook", "gold posts", "macro-F1")
    table.add_column("model (its id holds the UTC time it was trained)", no_wrap=True)
    for m in found:
        table.add_row(m.dimension, m.algorithm, "validated" if m.validated else UNVALIDATED, m.codebook_version,
                      str(m.n_training or 0), _f((m.evaluation or {}).get("macro_f1")), m.model_id)
    console.print(table)


@classify_app.command("prevalence")
def prevalence(project: Path = ProjectArg, dimension: str = DimensionOpt, model: str = ModelOpt,
               seed: int = SeedOpt, json: bool = JsonOpt) -> None:
    """Share of each code in scope: gold labels plus predictions corrected for the model's measured error."""
    from peelian.classify import estimate_prevalence

    with open_project(project) as proj:
        report = estimate_prevalence(proj, dimension, model_id=model, seed=seed)
    if json:
        emit_json(report)
        return
    level = f"{report['level']:.0%}"
    table = Table("code", "gold", "predicted", "raw share", "share", f"{level} interval",
                  title=f"{dimension}: {report['method']}", title_justify="left")
    for c in report["codes"]:
        interval = f"{_f(c['ci_low'])}–{_f(c['ci_high'])}" if c["ci_low"] is not None else "–"
        table.add_row(escape(c["code"]), f"{c['gold_count']:,}", f"{c['predicted_count']:,}", _f(c["raw_share"]),
                      _f(c["share"]), interval)
    console.print(table)
    console.print(f"{report['n_gold']:,} gold, {report['n_predicted']:,} predicted, {report['n_without_label']:,} "
                  f"without a label, of {report['n_posts']:,} posts in scope (model {report['model_id']})",
                  highlight=False)
    if report["note"]:
        console.print(escape(report["note"]), style=None if report["validated"] else "bold red")


@classify_app.command("train-file")
def train_file_cmd(
    file: Path = typer.Argument(..., help="A labelled CSV."),
    text: str = typer.Option(..., "--text", help="The column with the texts."),
    label: str = typer.Option(..., "--label", help="The column with the labels."),
    model_out: Path = typer.Option(..., "--model-out", help="Folder to write the model to."),
    algorithm: str = AlgorithmOpt,
    label_sep: str = typer.Option(None, "--label-sep", help="Several labels per row, split on this (multi-label)."),
    folds: int = FoldsOpt, seed: int = SeedOpt, learning_curve: bool = LearningCurveOpt, json: bool = JsonOpt,
) -> None:
    """Train on any labelled spreadsheet (no project needed) and print the cross-validated evaluation."""
    from peelian.classify import train_file

    with user_errors(), _progress() as progress:
        meta = train_file(file, text=text, label=label, model_out=model_out, algorithm=algorithm,
                          label_sep=label_sep, n_splits=folds, seed=seed, learning_curve=learning_curve,
                          progress=progress)
    if json:
        emit_json(meta)
        return
    console.print(f"model ({meta['algorithm']}, {meta['n_training']} rows) written to {shown(model_out)}",
                  highlight=False)
    _print_evaluation(meta["evaluation"], None)


@classify_app.command("predict-file")
def predict_file_cmd(
    model_dir: Path = typer.Argument(..., help="A model folder (from train-file, or a project's models/<id>)."),
    file: Path = typer.Argument(..., help="The CSV to predict."),
    text: str = typer.Option(..., "--text", help="The column with the texts."),
    out: Path = typer.Option(..., "--out", help="Where to write the CSV with predictions."),
    label: str = typer.Option(None, "--label", help="A column of true labels: also score the predictions."),
    label_sep: str = typer.Option(None, "--label-sep", help="Separator of several labels per row."),
    json: bool = JsonOpt,
) -> None:
    """Add predicted, probability and p_<code> columns to a CSV."""
    from peelian.classify import predict_file
    from peelian.classify.starter import UNVALIDATED_NOTE

    with user_errors(), _progress() as progress:
        result = predict_file(model_dir, file, text=text, out=out, label=label, label_sep=label_sep,
                              progress=lambda rows: progress("predicting rows", rows, None))
    if json:
        emit_json(result)
        return
    console.print(f"{result['rows']:,} rows predicted with {result['model']} → {result['out']}", highlight=False)
    if not result["validated"]:
        console.print(f"{UNVALIDATED}: {UNVALIDATED_NOTE}")
    if "evaluation" in result:
        _print_scores(result["evaluation"], None, f"against column {label!r}")
