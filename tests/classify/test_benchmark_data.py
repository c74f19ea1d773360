"""`benchmarks/classify.py --data`: the default model against the reference on a user's CSV."""

from __future__ import annotations

import csv
import json
import statistics
import subprocess
import sys
from pathlib import Path

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
