"""Benchmark: classifier throughput, peak memory and macro-F1 against a plain TF-IDF + LR baseline.

    python benchmarks/classify.py                    # 50,000-post demo corpus, 1,500 training labels, 3 runs
    python benchmarks/classify.py --posts 20000 --labels 800 --runs 5
    python benchmarks/classify.py --data coded.csv --text text --label mode --runs 5   # your own labelled posts
    python benchmarks/classify.py --data 2025.csv --test-data 2026.csv --text text --label mode   # train on one, test on another

With `--data`, any labelled CSV: each run splits it 75/25 (stratified by label; `--test-size`)
with its own seed, trains the default model on the 75 % exactly as `peelian classify train-file`
does (model selection by cross-validation, then a fit on the whole 75 %) and, in the same run
on the same split, a plain TF-IDF + logistic regression reference; both are scored on the
25 % neither saw. It prints macro-F1, accuracy, Cohen's kappa and fit time per run and their
medians over `--runs` splits, the default's chosen candidate, and its cross-validated macro-F1
(CV-on-selection, and corrected for selection) next to its held-out figure. `--json` prints the
same as JSON.

With `--test-data` too, there is no split: both models train on all of `--data` and are scored on
all of the test file (same `--text` and `--label` columns), e.g. last year's coded posts against
this year's. The split being fixed, the `--runs` differ only in the default's seed (its
cross-validation folds and calibration folds, hence perhaps its chosen candidate); the reference
is deterministic and scores the same in every run.

Data: the demo corpus (`peelian.demo.build_demo`), generated in real platform formats and
imported through the real pipeline, built once into bench-data/ and reused. Its ground truth
(truth.csv) gives the true codes of every post; for each dimension measured, `--labels` posts in
scope are the training labels and the rest are held out. The demo writes its posts from
templates, so every model scores far higher on it than on real posts: the F1 figures compare
models on the same labels, they do not predict accuracy on a real corpus.

Measured, each in its own process so its peak memory (VmHWM: torch and DuckDB allocate outside
Python) is its own:

- each algorithm (linear, embedding, combined) trained on the labels, then `predict_proba` on
  the held-out posts timed `--runs` times (posts/s, median) with its macro-F1 on them;
- the baseline: scikit-learn TfidfVectorizer (word 1–2 + char_wb 2–5, sublinear tf) +
  LogisticRegression(C=10), trained and timed on the same posts in the same run;
- `apply_model` end to end (DuckDB streaming read, prediction, chunked commits) for the
  linear model on every post in scope;
- the sentence encoder alone at several batch sizes, full precision and int8.

Targets (docs/classify.md): linear ≥ 20,000 posts/s, embedding model on CPU ≥ 300 posts/s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"
DIMENSIONS = ("mode", "topic")
EMBEDDING_POSTS = 2_000  # embedding models are timed on this many held-out posts
ENCODER_POSTS = 500  # the encoder alone, per batch size and precision


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def corpus(posts: int, seed: int) -> Path:
    """The demo project, built once per size and seed."""
    path = DATA / f"classify-demo-{posts}-{seed}.peelian"
    if not path.exists():
        from peelian.demo import build_demo

        DATA.mkdir(exist_ok=True)
        started = time.perf_counter()
        build_demo(path, posts=posts, seed=seed)
        print(f"built the demo corpus ({posts:,} posts) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def true_codes(path: Path, dimension: str) -> dict[tuple[str, str], list[str]]:
    """The demo's ground truth for one dimension: (platform, post_id) → codes."""
    truth: dict[tuple[str, str], list[str]] = {}
    with (path.parent / f"{path.name}.d" / "demo-source" / "truth.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["dimension"] == dimension:
                truth.setdefault((row["platform"], row["post_id"]), []).append(row["code"])
    return truth


def labelled(path: Path, dimension: str, n_labels: int, seed: int) -> dict[str, Any]:
    """Training and held-out posts of one dimension, with the demo's true codes."""
    import random

    from peelian import Project
    from peelian.coding.codebook import default_codebook

    truth = true_codes(path, dimension)
    dim = default_codebook().dimension(dimension)
    with Project.open(path, read_only=True) as project:
        rows = project.con.execute(f"SELECT platform, post_id, text FROM posts p WHERE {dim.scope_sql('p')} "
                                   "AND coalesce(trim(text), '') <> '' ORDER BY platform, post_id").fetchall()
    items = [(r[2], truth[(r[0], r[1])]) for r in rows if (r[0], r[1]) in truth]
    random.Random(seed).shuffle(items)
    train, test = items[:n_labels], items[n_labels:]
    return {"train_texts": [t for t, _ in train], "train_labels": [c for _, c in train],
            "test_texts": [t for t, _ in test], "test_labels": [c for _, c in test], "multi_label": dim.multi_label}


# ---- workers (each in its own process) ---------------------------------------------------------

def _timed(predict: Any, texts: list[str], runs: int) -> tuple[dict[str, float], Any]:
    """Median posts per wall-clock second and per CPU-second (all threads of the process) over `runs`."""
    wall, cpu, out = [], [], None
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        out = predict(texts)
        wall.append(len(texts) / (time.perf_counter() - started))
        cpu.append(len(texts) / max(time.process_time() - started_cpu, 1e-9))
    return {"posts_per_s": statistics.median(wall), "posts_per_cpu_s": statistics.median(cpu)}, out


def work_model(args: argparse.Namespace) -> dict[str, Any]:
    from peelian.classify import TextClassifier, score_predictions
    from peelian.classify.embeddings import EncoderSpec

    data = labelled(args.project, args.dimension, args.labels, args.seed)
    model = TextClassifier(args.algorithm, multi_label=data["multi_label"],
                           encoder=EncoderSpec(quantize=bool(args.quantize)))
    started = time.perf_counter()
    model.fit(data["train_texts"], data["train_labels"])
    fit_seconds = time.perf_counter() - started
    texts, truth = data["test_texts"], data["test_labels"]
    if args.algorithm != "linear":
        texts, truth = texts[:EMBEDDING_POSTS], truth[:EMBEDDING_POSTS]
    model.predict_proba(texts[:50])  # warm-up: first call loads the encoder
    rates, proba = _timed(model.predict_proba, texts, args.runs)
    scores = score_predictions(truth, model.decide(proba), model.classes_.tolist(), multi_label=model.multi_label)
    return {**rates, "macro_f1": scores["macro_f1"], "fit_s": fit_seconds, "n_timed": len(texts),
            "peak_mb": peak_rss_mb()}


def work_baseline(args: argparse.Namespace) -> dict[str, Any]:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import MultiLabelBinarizer

    from peelian.classify import score_predictions

    data = labelled(args.project, args.dimension, args.labels, args.seed)
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    started = time.perf_counter()
    X = hstack([word.fit_transform(data["train_texts"]), char.fit_transform(data["train_texts"])]).tocsr()
    if data["multi_label"]:
        from sklearn.multiclass import OneVsRestClassifier

        binarizer = MultiLabelBinarizer()
        model: Any = OneVsRestClassifier(LogisticRegression(C=10, max_iter=2000))
        model.fit(X, binarizer.fit_transform(data["train_labels"]))
    else:
        model = LogisticRegression(C=10, max_iter=2000).fit(X, [c[0] for c in data["train_labels"]])
    fit_seconds = time.perf_counter() - started

    def predict(texts: list[str]) -> Any:
        return model.predict(hstack([word.transform(texts), char.transform(texts)]).tocsr())

    rates, predicted = _timed(predict, data["test_texts"], args.runs)
    if data["multi_label"]:
        codes = [list(binarizer.classes_[row.astype(bool)]) for row in predicted]
        classes = binarizer.classes_.tolist()
    else:
        codes = [[c] for c in predicted]
        classes = model.classes_.tolist()
    scores = score_predictions(data["test_labels"], codes, classes, multi_label=data["multi_label"])
    return {**rates, "macro_f1": scores["macro_f1"], "fit_s": fit_seconds,
            "n_timed": len(data["test_texts"]), "peak_mb": peak_rss_mb()}


def work_apply(args: argparse.Namespace) -> dict[str, Any]:
    """`apply_model` end to end on a copy of the corpus with gold labels and a trained linear model."""
    import shutil

    from peelian import Project
    from peelian.classify import apply_model, train_model
    from peelian.coding.codebook import active_codebook

    copy = DATA / "classify-apply.peelian"
    for p in (copy, Path(f"{copy}.wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(Path(f"{copy}.d"), ignore_errors=True)
    shutil.copy(args.project, copy)
    data_keys = _gold_keys(args.project, args.dimension, args.labels, args.seed)
    wall, cpu, result = [], [], None
    with Project.open(copy) as project:
        version = active_codebook(project).version
        project.con.executemany(
            "INSERT INTO gold VALUES (nextval('gold_seq'), ?, ?, ?, ?, 'adjudication', 'benchmark', NULL, NULL, ?, "
            "now())", [(p, i, args.dimension, codes, version) for p, i, codes in data_keys])
        model = train_model(project, args.dimension, algorithm="linear", learning_curve=False).model
        for _ in range(args.runs):
            project.con.execute("DELETE FROM predictions")
            started_cpu = time.process_time()
            result = apply_model(project, args.dimension, model_id=model.model_id, chunk_size=10_000)
            wall.append(result.predicted / result.seconds)
            cpu.append(result.predicted / (time.process_time() - started_cpu))
    return {"posts_per_s": statistics.median(wall), "posts_per_cpu_s": statistics.median(cpu),
            "n_timed": result.predicted if result else 0, "peak_mb": peak_rss_mb()}


def _gold_keys(path: Path, dimension: str, n_labels: int, seed: int) -> list[tuple[str, str, list[str]]]:
    import random

    truth = true_codes(path, dimension)
    keys = sorted(truth)
    random.Random(seed).shuffle(keys)
    return [(p, i, truth[(p, i)]) for p, i in keys[:n_labels]]


def work_encoder(args: argparse.Namespace) -> dict[str, Any]:
    from peelian.classify.embeddings import EncoderSpec, SentenceEncoder
    from peelian.classify.normalise import normalise_all

    data = labelled(args.project, "mode", 0, args.seed)
    texts = normalise_all(data["test_texts"][:ENCODER_POSTS])
    encoder = SentenceEncoder(EncoderSpec(quantize=args.quantize, batch_size=args.batch_size))
    encoder.encode(texts[:32])
    rates, _ = _timed(encoder.encode, texts, args.runs)
    return {**rates, "n_timed": len(texts), "peak_mb": peak_rss_mb()}


WORKERS = {"model": work_model, "baseline": work_baseline, "apply": work_apply, "encoder": work_encoder}


# ---- --data: the default model against the reference on a user's labelled CSV ---------------------

def reference_model(train_texts: list[str], train_labels: list[list[str]], multi_label: bool) -> Any:
    """A plain TF-IDF (word 1–2 + char_wb 2–5, sublinear tf) + LogisticRegression(C=10) on the raw
    texts: what anyone would try first. Returns a function from texts to code lists."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    X = hstack([word.fit_transform(train_texts), char.fit_transform(train_texts)]).tocsr()
    if multi_label:
        binarizer = MultiLabelBinarizer()
        model: Any = OneVsRestClassifier(LogisticRegression(C=10, max_iter=2000))
        model.fit(X, binarizer.fit_transform(train_labels))
    else:
        model = LogisticRegression(C=10, max_iter=2000).fit(X, [c[0] for c in train_labels])

    def predict(texts: list[str]) -> list[list[str]]:
        out = model.predict(hstack([word.transform(texts), char.transform(texts)]).tocsr())
        if multi_label:
            return [list(binarizer.classes_[row.astype(bool)]) for row in out]
        return [[c] for c in out]

    return predict


def split_indices(labels: list[list[str]], test_size: float, seed: int, multi_label: bool
                  ) -> tuple[Any, Any]:
    """One train/test split: stratified by label (plain shuffled for multi-label)."""
    import numpy as np
    from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

    n = len(labels)
    if multi_label:
        splitter: Any = ShuffleSplit(1, test_size=test_size, random_state=seed)
        return next(splitter.split(np.zeros(n)))
    splitter = StratifiedShuffleSplit(1, test_size=test_size, random_state=seed)
    return next(splitter.split(np.zeros(n), [c[0] for c in labels]))


def compare_on_file(path: Path, *, text: str, label: str, label_sep: str | None = None, runs: int = 3,
                    test_size: float = 0.25, seed: int = 7, algorithm: str = "auto",
                    test_path: Path | None = None) -> dict[str, Any]:
    """The default model and the reference on `runs` train/test splits of a labelled CSV or, with
    `test_path`, trained on all of `path` and scored on all of `test_path` in every run."""
    import numpy as np

    from peelian.classify import score_predictions
    from peelian.classify.evaluation import check_training_set
    from peelian.classify.files import read_labelled
    from peelian.classify.models import TextClassifier, uses_embeddings
    from peelian.classify.training import candidate_set, select_and_fit

    texts, labels = read_labelled(path, text=text, label=label, label_sep=label_sep)
    multi_label = label_sep is not None
    check_training_set(labels, multi_label, str(path))
    n_train_rows = len(texts)
    if test_path is not None:
        test_texts_all, test_labels_all = read_labelled(test_path, text=text, label=label, label_sep=label_sep)
        texts, labels = texts + test_texts_all, labels + test_labels_all
    classes = sorted({c for codes in labels for c in codes})
    unseen_codes = sorted(set(classes) - {c for codes in labels[:n_train_rows] for c in codes})
    embeddings, embed_s = None, 0.0
    if any(uses_embeddings(c.algorithm) for c in candidate_set(algorithm)):
        started = time.perf_counter()
        embeddings = TextClassifier("embedding").embed(texts)  # a text's embedding needs no fitting: once for all
        embed_s = time.perf_counter() - started

    def scored(true: list[list[str]], pred: list[list[str]]) -> dict[str, Any]:
        s = score_predictions(true, pred, classes, multi_label=multi_label)
        return {"macro_f1": s["macro_f1"], "accuracy": s["accuracy"], "kappa": s["kappa"]}

    per_run = []
    for run in range(runs):
        if test_path is None:
            train, test = split_indices(labels, test_size, seed + run, multi_label)
        else:
            train, test = np.arange(n_train_rows), np.arange(n_train_rows, len(texts))
        train_texts, test_texts = [texts[i] for i in train], [texts[i] for i in test]
        train_labels, test_labels = [labels[i] for i in train], [labels[i] for i in test]
        started = time.perf_counter()
        model, evaluation = select_and_fit(train_texts, train_labels, multi_label=multi_label, algorithm=algorithm,
                                           seed=seed + run, learning_curve=False,
                                           embeddings=None if embeddings is None else embeddings[train])
        default_fit = time.perf_counter() - started
        wanted = embeddings[test] if embeddings is not None and uses_embeddings(model.algorithm) else None
        default = scored(test_labels, model.predict(test_texts, embeddings=wanted))
        started = time.perf_counter()
        predict = reference_model(train_texts, train_labels, multi_label)
        reference_fit = time.perf_counter() - started
        reference = scored(test_labels, predict(test_texts))
        selection = evaluation["selection"]
        per_run.append({
            "run": run + 1, "seed": seed + run, "n_train": len(train), "n_test": len(test),
            "default": {**default, "fit_s": default_fit, "chosen": selection["chosen"]["name"],
                        "cv_macro_f1": evaluation["macro_f1"], "cv_macro_f1_corrected": selection["macro_f1_corrected"],
                        "n_candidates": selection["n_candidates"]},
            "reference": {**reference, "fit_s": reference_fit},
        })

    def median(model: str, key: str) -> float | None:
        values = [r[model][key] for r in per_run if r[model][key] is not None]
        return float(np.median(values)) if values else None

    medians = {m: {k: median(m, k) for k in ("macro_f1", "accuracy", "kappa", "fit_s")}
               for m in ("default", "reference")}
    medians["default"].update({k: median("default", k) for k in ("cv_macro_f1", "cv_macro_f1_corrected")})
    gains = [r["default"]["macro_f1"] - r["reference"]["macro_f1"] for r in per_run
             if r["default"]["macro_f1"] is not None and r["reference"]["macro_f1"] is not None]
    return {"data": str(path), "rows": n_train_rows, "test_data": None if test_path is None else str(test_path),
            "test_rows": len(texts) - n_train_rows if test_path is not None else None, "codes_not_in_training": unseen_codes,
            "classes": classes, "multi_label": multi_label, "runs": runs,
            "test_size": None if test_path is not None else test_size, "algorithm": algorithm, "embedding_s": embed_s, "per_run": per_run,
            "median": medians, "gain_macro_f1": {"median": float(np.median(gains)) if gains else None,
                                                 "min": min(gains) if gains else None,
                                                 "max": max(gains) if gains else None}}


def print_comparison(result: dict[str, Any]) -> None:
    def f(v: float | None, d: int = 3) -> str:
        return "–" if v is None else f"{v:.{d}f}"

    load = os.getloadavg()
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.python_version()}; load average at start "
          f"{result['load_start']:.1f}, now {load[0]:.1f}")
    codes = f"{len(result['classes'])} codes{', multi-label' if result['multi_label'] else ''}"
    if result["test_data"] is None:
        print(f"data: {result['data']} ({result['rows']:,} rows, {codes}); {result['runs']} split(s) "
              f"{1 - result['test_size']:.0%}/{result['test_size']:.0%}"
              f"{' stratified by label' if not result['multi_label'] else ''}, scored on the held-out part")
    else:
        print(f"trained on all of {result['data']} ({result['rows']:,} rows), scored on all of {result['test_data']} "
              f"({result['test_rows']:,} rows), {codes}; {result['runs']} run(s) on this one fixed split differ only "
              "in the default's seed (cross-validation and calibration folds); the reference is deterministic")
        if result["codes_not_in_training"]:
            print(f"codes in the test file but not in the training file (neither model can predict them): "
                  f"{', '.join(result['codes_not_in_training'])}")
    if result["embedding_s"]:
        n_posts = result["rows"] + (result["test_rows"] or 0)
        print(f"sentence embeddings of all {n_posts:,} posts computed once: {result['embedding_s']:.1f} s "
              "(not in the fit times below)")
    header = (f"{'run':>4} {'model':<10} {'macro-F1':>9} {'accuracy':>9} {'kappa':>7} {'fit s':>7}  "
              f"{'chosen (CV-on-selection F1 / corrected)':<40}")
    print(header)
    print("-" * len(header))
    rows = [(str(r["run"]), r) for r in result["per_run"]] + [("med", {**result["median"], "run": "median"})]
    for run, r in rows:
        d, ref = r["default"], r["reference"]
        chosen = (f"{d['chosen']} ({f(d['cv_macro_f1'])} / {f(d['cv_macro_f1_corrected'])})" if "chosen" in d
                  else f"CV {f(d['cv_macro_f1'])} / corrected {f(d['cv_macro_f1_corrected'])}")
        print(f"{run:>4} {'default':<10} {f(d['macro_f1']):>9} {f(d['accuracy']):>9} {f(d['kappa']):>7} "
              f"{f(d['fit_s'], 1):>7}  {chosen}")
        print(f"{run:>4} {'reference':<10} {f(ref['macro_f1']):>9} {f(ref['accuracy']):>9} {f(ref['kappa']):>7} "
              f"{f(ref['fit_s'], 1):>7}")
    gain = result["gain_macro_f1"]
    print(f"gain in held-out macro-F1, default − reference: median {f(gain['median'])} "
          f"(min {f(gain['min'])}, max {f(gain['max'])})")
    print("default = model selection by cross-validation as in `peelian classify train-file`; reference = "
          "TfidfVectorizer (word 1-2 + char_wb 2-5) + LogisticRegression(C=10) on the raw texts, same split")


def run_worker(kind: str, common: list[str], *extra: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, *common, *extra], capture_output=True,
                         text=True, check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode != 0:
        raise SystemExit(f"worker {kind} {' '.join(extra)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50_000, help="demo corpus size")
    parser.add_argument("--labels", type=int, default=1_500, help="training labels per dimension")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per measurement (median reported)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-embeddings", action="store_true", help="skip the sentence-embedding models")
    parser.add_argument("--sections", default="models,apply,encoder",
                        help="comma-separated parts to run: models, apply, encoder (default: all)")
    parser.add_argument("--data", type=Path, help="a labelled CSV of your own: compare the default model with "
                        "the TF-IDF + LR reference on it (needs --text and --label)")
    parser.add_argument("--text", help="with --data: the text column")
    parser.add_argument("--label", help="with --data: the label column")
    parser.add_argument("--label-sep", help="with --data: several labels per row, split on this (multi-label)")
    parser.add_argument("--test-size", type=float, default=0.25, help="with --data: held-out share (default 0.25)")
    parser.add_argument("--test-data", type=Path, help="with --data: no split; train on all of --data and score on "
                        "this labelled CSV (same --text and --label columns)")
    parser.add_argument("--default-algorithm", default="auto",
                        help="with --data: the default model's --algorithm (auto, linear, embedding, combined)")
    parser.add_argument("--json", action="store_true", help="with --data: print the result as JSON")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--project", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dimension", help=argparse.SUPPRESS)
    parser.add_argument("--algorithm", help=argparse.SUPPRESS)
    parser.add_argument("--quantize", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=64, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return
    if args.test_data and not args.data:
        parser.error("--test-data needs --data (the posts to train on)")
    if args.data:
        if not args.text or not args.label:
            parser.error("--data needs --text and --label")
        from peelian.errors import PeelianError

        load_start = os.getloadavg()[0]
        try:
            result = compare_on_file(args.data, text=args.text, label=args.label, label_sep=args.label_sep,
                                     runs=args.runs, test_size=args.test_size, seed=args.seed,
                                     algorithm=args.default_algorithm, test_path=args.test_data)
        except PeelianError as exc:
            raise SystemExit(f"error: {exc}") from None
        result["load_start"] = load_start
        result["load_end"] = os.getloadavg()[0]
        if args.json:
            print(json.dumps(result))
        else:
            print_comparison(result)
        return

    project = corpus(args.posts, args.seed)
    common = ["--project", str(project), "--labels", str(args.labels), "--runs", str(args.runs), "--seed",
              str(args.seed)]
    load = os.getloadavg()
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, {platform.python_version()}; load average at "
          f"start {load[0]:.1f}")
    print(f"data: the demo corpus ({args.posts:,} posts, seed {args.seed}, templated texts with known codes); "
          f"{args.labels:,} training labels per dimension; medians of {args.runs} runs\n")
    models = [("linear", "linear", 1)] + ([] if args.no_embeddings else [
        ("embedding (int8)", "embedding", 1), ("embedding (fp32)", "embedding", 0), ("combined (int8)", "combined", 1)])
    sections = set(args.sections.split(","))
    header = f"{'dimension':<10} {'model':<24} {'posts/s':>9} {'/CPU-s':>9} {'× baseline':>10} {'timed':>7} " \
             f"{'peak MB':>8} {'macro-F1':>9} {'baseline F1':>11}"
    if "models" in sections:
        print(header)
        print("-" * len(header))
    for dimension in DIMENSIONS if "models" in sections else ():
        base = run_worker("baseline", common, "--dimension", dimension)
        for name, algorithm, quantize in [("baseline", "", 0), *models]:
            result = base if not algorithm else run_worker("model", common, "--dimension", dimension, "--algorithm",
                                                           algorithm, "--quantize", str(quantize))
            print(f"{dimension:<10} {name:<24} {result['posts_per_s']:>9,.0f} {result['posts_per_cpu_s']:>9,.0f} "
                  f"{result['posts_per_s'] / base['posts_per_s']:>10.2f} {result['n_timed']:>7,} "
                  f"{result['peak_mb']:>8,.0f} {result['macro_f1']:>9.3f} {base['macro_f1']:>11.3f}", flush=True)
    if "models" in sections:
        print("baseline = scikit-learn TfidfVectorizer (word 1-2 + char_wb 2-5) + LogisticRegression(C=10), same "
              "labels; /CPU-s = posts per CPU-second of the process (all its threads)")
    if "apply" in sections:
        applied = run_worker("apply", common, "--dimension", "mode")
        print(f"\napply_model end to end (linear, mode, {applied['n_timed']:,} posts in scope, DuckDB read + "
              f"predict + chunked commits): {applied['posts_per_s']:,.0f} posts/s, {applied['posts_per_cpu_s']:,.0f} "
              f"per CPU-s, peak {applied['peak_mb']:,.0f} MB (target ≥ 20,000 posts/s)")
    if "encoder" in sections and not args.no_embeddings:
        print(f"\nsentence encoder alone ({ENCODER_POSTS} held-out posts; target ≥ 300 posts/s):")
        print(f"{'precision':<10} {'batch':>6} {'posts/s':>9} {'/CPU-s':>9} {'peak MB':>8}")
        for quantize in (0, 1):
            for batch in (16, 32, 64, 128):
                r = run_worker("encoder", common, "--quantize", str(quantize), "--batch-size", str(batch))
                print(f"{'int8' if quantize else 'fp32':<10} {batch:>6} {r['posts_per_s']:>9,.0f} "
                      f"{r['posts_per_cpu_s']:>9,.0f} {r['peak_mb']:>8,.0f}")
    print(f"\nload average at end {os.getloadavg()[0]:.1f} (other work on the machine slows every figure alike)")


if __name__ == "__main__":
    main()
