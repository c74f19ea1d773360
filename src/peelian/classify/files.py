"""Classifiers for anyone with a labelled spreadsheet: train on a CSV, predict another, no project needed.

`train_file` reads any CSV with a text column and a label column (several labels per row with
`label_sep`), cross-validates like `train_model`, and writes a model folder (model.joblib +
metadata.json, the same layout as the project registry). `predict_file` applies a model folder
to another CSV in chunks and writes it back with `predicted`, `probability` and one `p_<code>`
column per code; given the label column too, it also scores the predictions. Text cells of the
output are neutralised against spreadsheet formulas (`peelian.store.safe_text`), and undone on reading.

Problems are reported by file, row and column, counting the header as row 1 as a spreadsheet
does; every problem of a kind is listed at once. The output is written to a temporary file and
moved into place at the end, so a failed run leaves no half-written CSV.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from peelian.classify.evaluation import Progress, check_training_set, score_predictions
from peelian.classify.normalise import normalise
from peelian.classify.registry import (
    METADATA_FILE,
    library_versions,
    load_classifier,
    read_metadata,
    write_model_folder,
)
from peelian.classify.training import AUTO, select_and_fit
from peelian.errors import InputError, ModelError
from peelian.store.project import utcnow
from peelian.store.safe_text import neutralise_cell, restore_cell

CHUNK_ROWS = 20_000
_SHOW_ROWS = 10


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_SHOW_ROWS])
    more = f" and {len(numbers) - _SHOW_ROWS} more" if len(numbers) > _SHOW_ROWS else ""
    return f"row{'s' if len(numbers) > 1 else ''} {shown}{more} (row 1 is the header)"


def _chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a CSV file", path=str(path))
    try:
        for frame in pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                                 chunksize=chunk_rows):
            yield frame.map(restore_cell)  # a predictions file Peelian wrote reads back as it was
    except pd.errors.EmptyDataError:
        raise InputError("the file is empty (no header row)", path=str(path)) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start}); save the spreadsheet as CSV UTF-8",
                         path=str(path)) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"not a readable CSV: {exc}", path=str(path)) from None


def _check_columns(path: Path, frame: pd.DataFrame, wanted: dict[str, str | None]) -> None:
    missing = [f"{role} column {name!r}" for role, name in wanted.items() if name and name not in frame.columns]
    if missing:
        available = ", ".join(repr(c) for c in frame.columns)
        raise InputError(f"no {' and no '.join(missing)}; the columns are: {available}", path=str(path),
                         location="row 1")


def _split_labels(value: str, label_sep: str | None) -> list[str]:
    if label_sep is None:
        return [value.strip()] if value.strip() else []
    return list(dict.fromkeys(v.strip() for v in value.split(label_sep) if v.strip()))


def read_labelled(path: str | Path, *, text: str, label: str, label_sep: str | None = None
                  ) -> tuple[list[str], list[list[str]]]:
    """Texts and label lists of a labelled CSV; empty texts or labels are errors naming their rows."""
    path = Path(path)
    texts: list[str] = []
    labels: list[list[str]] = []
    empty_text: list[int] = []
    empty_label: list[int] = []
    offset = 2
    for frame in _chunks(path, CHUNK_ROWS):
        _check_columns(path, frame, {"text": text, "label": label})
        for i, (t, lab) in enumerate(zip(frame[text].tolist(), frame[label].tolist(), strict=True)):
            codes = _split_labels(lab, label_sep)
            if not t.strip():
                empty_text.append(offset + i)
            if not codes:
                empty_label.append(offset + i)
            texts.append(t)
            labels.append(codes)
        offset += len(frame)
    if offset == 2:
        raise InputError("the file has a header but no rows", path=str(path))
    problems = []
    if empty_text:
        problems.append(f"empty text in column {text!r} on {_rows(empty_text)}")
    if empty_label:
        problems.append(f"empty label in column {label!r} on {_rows(empty_label)}")
    if problems:
        raise InputError("; ".join(problems), path=str(path))
    return texts, labels


def _labels_sha256(texts: list[str], labels: list[list[str]]) -> str:
    digest = hashlib.sha256()
    for t, codes in sorted(zip(texts, labels, strict=True), key=lambda x: (x[0], x[1])):
        digest.update(f"{'|'.join(sorted(codes))}\t{normalise(t)}\n".encode())
    return digest.hexdigest()


def train_file(path: str | Path, *, text: str, label: str, model_out: str | Path, algorithm: str = AUTO,
               label_sep: str | None = None, n_splits: int = 5, C: float | None = None, seed: int = 0,
               learning_curve: bool = True, progress: Progress | None = None) -> dict[str, Any]:
    """Cross-validate and train on a labelled CSV; write the model folder. Returns its metadata."""
    path, model_out = Path(path), Path(model_out)
    if model_out.exists() and (not model_out.is_dir() or
                               (any(model_out.iterdir()) and not (model_out / METADATA_FILE).exists())):
        raise ModelError(f"{model_out} exists and is not a Peelian model folder; choose a new folder for --model-out")
    texts, labels = read_labelled(path, text=text, label=label, label_sep=label_sep)
    multi_label = label_sep is not None
    used = sorted({c for codes in labels for c in codes})
    if not multi_label and len(used) < 2:
        raise ModelError(f"{path}: every row of column {label!r} has the same label ({used[0]!r}); a classifier "
                         "needs at least two different labels")
    check_training_set(labels, multi_label, str(path))
    classifier, evaluation = select_and_fit(texts, labels, multi_label=multi_label, algorithm=algorithm,
                                            n_splits=n_splits, C=C, seed=seed, learning_curve=learning_curve,
                                            progress=progress)
    meta = {
        "model_id": f"file-{classifier.algorithm}-{utcnow().strftime('%Y%m%dT%H%M%S')}",
        "source": {"file": str(path), "text_column": text, "label_column": label, "label_sep": label_sep},
        "algorithm": classifier.algorithm, "validated": True, "created_at": utcnow().isoformat(),
        "training_set_sha256": _labels_sha256(texts, labels), "n_training": len(texts),
        "parameters": classifier.describe(), "evaluation": evaluation, "libraries": library_versions(),
    }
    write_model_folder(model_out, classifier, meta)
    return meta


def predict_file(model_dir: str | Path, path: str | Path, *, text: str, out: str | Path, label: str | None = None,
                 label_sep: str | None = None, chunk_rows: int = CHUNK_ROWS,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Predict every row of a CSV with a model folder; with `label`, also score against that column."""
    model_dir, path, out = Path(model_dir), Path(path), Path(out)
    meta = read_metadata(model_dir)
    classifier = load_classifier(model_dir)
    if out.resolve() == path.resolve():
        raise InputError("--out must differ from the input file, which would be overwritten", path=str(out))
    if meta.get("source", {}).get("label_sep") is not None and label_sep is None:
        label_sep = meta["source"]["label_sep"]
    join = label_sep or "; "
    classes = classifier.classes_.tolist()
    known = set(classes) | set(getattr(classifier, "skipped_codes_", {}) or {})
    tmp = out.with_name(out.name + ".partial")
    true: list[list[str]] = []
    predicted: list[list[str]] = []
    empty_text: list[int] = []
    unknown: dict[str, list[int]] = {}
    offset = 2
    try:
        for frame in _chunks(path, chunk_rows):
            _check_columns(path, frame, {"text": text, "label": label})
            texts = frame[text].tolist()
            empty_text += [offset + i for i, t in enumerate(texts) if not t.strip()]
            if label:
                for i, value in enumerate(frame[label].tolist()):
                    codes = _split_labels(value, label_sep)
                    for code in codes:
                        if code not in known:
                            unknown.setdefault(code, []).append(offset + i)
                    true.append(codes)
            if not empty_text and not unknown:
                proba = classifier.predict_proba(texts)
                decided = classifier.decide(proba)
                predicted += decided
                frame = frame.assign(predicted=[join.join(c) for c in decided],
                                     probability=np.round(classifier.confidence(proba), 4),
                                     **{f"p_{c}": np.round(proba[:, j], 4) for j, c in enumerate(classes)})
                # CRLF rows, as Excel writes them: a bare CR in a post is then quoted, not a row break.
                frame.map(neutralise_cell).to_csv(tmp, mode="w" if offset == 2 else "a", header=offset == 2,
                                                  index=False, lineterminator="\r\n")
            offset += len(frame)
            if progress:
                progress(offset - 2)
        problems = []
        if empty_text:
            problems.append(f"empty text in column {text!r} on {_rows(empty_text)}")
        for code, rows in unknown.items():
            problems.append(f"label {code!r} in column {label!r} on {_rows(rows)} was never seen in training "
                            f"(the model knows: {', '.join(classes)})")
        if problems:
            raise InputError("; ".join(problems), path=str(path))
        if offset == 2:
            raise InputError("the file has a header but no rows", path=str(path))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    result: dict[str, Any] = {"model": meta.get("model_id"), "algorithm": meta.get("algorithm"),
                              "validated": bool(meta.get("validated")), "rows": offset - 2, "out": str(out)}
    if label:
        result["evaluation"] = score_predictions(true, predicted, classes, multi_label=classifier.multi_label)
    return result
