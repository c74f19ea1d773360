"""`benchmarks/classify.py --data`: the default model against the reference on a user's CSV."""

from __future__ import annotations

import csv
import importlib.util
import json
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from peelian.classify.training import candidate_set
from tests.classify.conftest import labelled_posts

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "classify.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(BENCHMARK), *args], capture_output=True, text=True, timeout=300,
                          check=False)


def test_data_path_compares_default_and_reference_on_stratified_splits(tmp_path: Path) -> None:
    path = tmp_path / "coded.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["post", "mode"])
        writer.writerows(labelled_posts(n_per_code=12))
    args = ["--data", str(path), "--text", "post", "--label", "mode", "--runs", "2", "--default-algorithm", "linear"]
    out = _run(*args, "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["rows"] == 36 and result["classes"] == ["engage", "inform", "request"]
    assert [r["seed"] for r in result["per_run"]] == [7, 8]
    for run in result["per_run"]:
        assert (run["n_train"], run["n_test"]) == (27, 9)  # 75/25
        assert run["default"]["chosen"] in {c.name for c in candidate_set("linear")}
        for model in ("default", "reference"):
            assert 0.0 <= run[model]["macro_f1"] <= 1.0 and run[model]["fit_s"] > 0
    assert result["median"]["reference"]["macro_f1"] == statistics.median(
        r["reference"]["macro_f1"] for r in result["per_run"])

    text = _run(*args)
    assert text.returncode == 0, text.stderr
    assert "med default" in text.stdout and "med reference" in text.stdout and "load average" in text.stdout

    missing = _run("--data", str(path), "--text", "post")
    assert missing.returncode == 2 and "--data needs --text and --label" in missing.stderr


def test_data_path_names_the_problem_in_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "coded.csv"
    path.write_text("post,mode\nroad closed,inform\n,engage\n", encoding="utf-8")
    out = _run("--data", str(path), "--text", "post", "--label", "mode", "--default-algorithm", "linear")
    assert out.returncode == 1 and "empty text in column 'post' on row 3" in out.stderr
    assert "Traceback" not in out.stderr


def _slice(source: Path, out: Path, per_code: int) -> list[tuple[str, str]]:
    """The first `per_code` posts of each code of a hand-written police set, as (text, mode)."""
    with source.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    picked = [(r["text"], r["mode"]) for code in ("engage", "inform", "request")
              for r in [r for r in rows if r["mode"] == code][:per_code]]
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "mode"])
        writer.writerows(picked)
    return picked


def test_test_data_trains_on_one_file_and_scores_on_the_other(tmp_path: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "classify"
    train = _slice(data / "police_mode_a.csv", tmp_path / "a.csv", 15)
    test = _slice(data / "police_mode_b.csv", tmp_path / "b.csv", 8)
    args = ["--data", str(tmp_path / "a.csv"), "--test-data", str(tmp_path / "b.csv"), "--text", "text",
            "--label", "mode", "--runs", "2", "--default-algorithm", "linear"]
    out = _run(*args, "--json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert (result["rows"], result["test_rows"], result["test_size"]) == (45, 24, None)
    assert result["test_data"] == str(tmp_path / "b.csv") and result["codes_not_in_training"] == []
    assert [r["seed"] for r in result["per_run"]] == [7, 8]
    assert all((r["n_train"], r["n_test"]) == (45, 24) for r in result["per_run"])  # all of each file, no split

    # the reference is scored on the test file: the same figure as fitting it here on a and scoring on b
    from peelian.classify import score_predictions

    spec = importlib.util.spec_from_file_location("classify_benchmark", BENCHMARK)
    assert spec and spec.loader
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    predict = benchmark.reference_model([t for t, _ in train], [[c] for _, c in train], False)
    expected = score_predictions([[c] for _, c in test], predict([t for t, _ in test]),
                                 ["engage", "inform", "request"], multi_label=False)["macro_f1"]
    assert [r["reference"]["macro_f1"] for r in result["per_run"]] == [pytest.approx(expected)] * 2

    text = _run(*args)
    assert text.returncode == 0, text.stderr
    assert "scored on all of" in text.stdout and "fixed split differ only in the default's seed" in text.stdout


def test_test_data_problems_are_one_line_errors(tmp_path: Path) -> None:
    _slice(Path(__file__).resolve().parents[1] / "data" / "classify" / "police_mode_a.csv", tmp_path / "a.csv", 5)
    (tmp_path / "other.csv").write_text("post,mode\nroad closed,inform\n", encoding="utf-8")
    common = ["--data", str(tmp_path / "a.csv"), "--text", "text", "--label", "mode", "--default-algorithm", "linear"]
    missing = _run(*common, "--test-data", str(tmp_path / "nope.csv"))
    assert missing.returncode == 1 and missing.stderr == f"error: {tmp_path / 'nope.csv'}: file not found\n"
    column = _run(*common, "--test-data", str(tmp_path / "other.csv"))
    assert column.returncode == 1 and "Traceback" not in column.stderr
    assert column.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'other.csv'}, row 1: no text column 'text'; the columns are: 'post', 'mode'"]
    alone = _run("--test-data", str(tmp_path / "a.csv"), "--text", "text", "--label", "mode")
    assert alone.returncode == 2 and "--test-data needs --data" in alone.stderr
