"""`peelian classify train-file` / `predict-file` on plain CSVs, and their error messages."""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest

from peelian.classify import predict_file, train_file
from peelian.errors import InputError, ModelError


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def model_dir(labelled_csv: Path, tmp_path: Path) -> Path:
    out = tmp_path / "model"
    train_file(labelled_csv, text="text", label="label", model_out=out, algorithm="linear", learning_curve=False)
    return out


def test_train_and_predict_through_the_cli(cli, labelled_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    result = cli("classify", "train-file", labelled_csv, "--text", "text", "--label", "label", "--model-out", out,
                 "--algorithm", "linear", "--json")
    assert result.exit_code == 0, result.output
    meta = orjson.loads(result.stdout)
    assert meta["algorithm"] == "linear" and meta["n_training"] == 60 and meta["evaluation"]["macro_f1"] > 0.8
    assert [p["fraction"] for p in meta["evaluation"]["learning_curve"]] == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert (out / "model.joblib").exists() and (out / "metadata.json").exists()
    new = _write(tmp_path / "new.csv", ["text", "truth"], [["Have you seen missing kim? Call 101", "request"],
                                                           ["@sam thanks, glad we could help", "engage"],
                                                           ["The A38 is closed after a crash", "inform"]])
    predicted = tmp_path / "predicted.csv"
    result = cli("classify", "predict-file", out, new, "--text", "text", "--out", predicted, "--label", "truth")
    assert result.exit_code == 0, result.output
    with predicted.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["predicted"] for r in rows] == ["request", "engage", "inform"]
    assert set(rows[0]) == {"text", "truth", "predicted", "probability", "p_engage", "p_inform", "p_request"}
    assert float(rows[0]["probability"]) == pytest.approx(float(rows[0]["p_request"]))
    assert "macro-F1 1.000" in result.stdout


def test_missing_column_lists_the_available_ones(labelled_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError) as excinfo:
        train_file(labelled_csv, text="message", label="label", model_out=tmp_path / "m")
    message = str(excinfo.value)
    assert str(labelled_csv) in message and "'message'" in message and "'id', 'text', 'label'" in message


def test_empty_texts_name_their_rows(tmp_path: Path) -> None:
    rows = [[f"text {i}", "a" if i % 2 else "b"] for i in range(12)]
    rows[2][0] = " "
    rows[7][0] = ""
    path = _write(tmp_path / "gaps.csv", ["text", "label"], rows)
    with pytest.raises(InputError, match=r"empty text in column 'text' on rows 4, 9 \(row 1 is the header\)"):
        train_file(path, text="text", label="label", model_out=tmp_path / "m")


def test_a_single_class_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "one.csv", ["text", "label"], [[f"text {i}", "same"] for i in range(12)])
    with pytest.raises(ModelError, match="same label \\('same'\\)"):
        train_file(path, text="text", label="label", model_out=tmp_path / "m")


def test_unknown_labels_at_prediction_name_rows_and_leave_no_output(model_dir: Path, tmp_path: Path) -> None:
    path = _write(tmp_path / "eval.csv", ["text", "label"], [["@jo thanks", "engage"], ["lost dog", "lost_property"],
                                                             ["found cat", "lost_property"]])
    out = tmp_path / "out.csv"
    with pytest.raises(InputError) as excinfo:
        predict_file(model_dir, path, text="text", out=out, label="label")
    message = str(excinfo.value)
    assert "'lost_property'" in message and "rows 3, 4" in message and "engage, inform, request" in message
    assert not out.exists() and not list(tmp_path.glob("*.partial"))


def test_predict_file_errors(model_dir: Path, tmp_path: Path, cli) -> None:
    path = _write(tmp_path / "new.csv", ["body"], [["hello"]])
    result = cli("classify", "predict-file", model_dir, path, "--text", "text", "--out", tmp_path / "o.csv")
    assert result.exit_code == 2
    assert "no text column 'text'; the columns are: 'body'" in result.output
    result = cli("classify", "predict-file", tmp_path, path, "--text", "body", "--out", tmp_path / "o.csv")
    assert result.exit_code == 2 and "not a Peelian model folder" in result.output
    with pytest.raises(InputError, match="must differ from the input"):
        predict_file(model_dir, path, text="body", out=path)
    with pytest.raises(InputError, match="file not found"):
        predict_file(model_dir, tmp_path / "nope.csv", text="body", out=tmp_path / "o.csv")


def test_multi_label_files(tmp_path: Path) -> None:
    rows = []
    for i in range(30):
        labels = ["traffic"] if i % 3 == 0 else ["appeal"] if i % 3 == 1 else ["traffic", "appeal"]
        text = {"traffic": "road closed on the A38", "appeal": "have you seen this man"}
        rows.append([" and ".join(text[lab] for lab in labels) + f" {i}", ";".join(labels)])
    path = _write(tmp_path / "multi.csv", ["text", "labels"], rows)
    meta = train_file(path, text="text", label="labels", label_sep=";", model_out=tmp_path / "m", algorithm="linear",
                      learning_curve=False)
    assert meta["parameters"]["multi_label"] and set(meta["parameters"]["thresholds"]) == {"appeal", "traffic"}
    new = _write(tmp_path / "new.csv", ["text"], [["road closed and have you seen this man"]])
    predict_file(tmp_path / "m", new, text="text", out=tmp_path / "p.csv")
    with (tmp_path / "p.csv").open(encoding="utf-8") as f:
        assert next(csv.DictReader(f))["predicted"] == "appeal;traffic"
