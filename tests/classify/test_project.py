"""Training, registry, application and active learning on a real project file."""

from __future__ import annotations

import dataclasses

import orjson
import pytest

from peelian.classify import (
    apply_model,
    effective_labels,
    evaluate_model,
    get_model,
    propose_uncertain,
    train_model,
)
from peelian.classify.registry import METADATA_FILE, MODEL_FILE, TRAINING_POSTS_FILE
from peelian.classify.training import training_set
from peelian.coding.codebook import active_codebook, default_codebook, import_codebook
from peelian.coding.codings import record_coding
from peelian.coding.gold import set_gold
from peelian.coding.samples import create_sample
from peelian.errors import ModelError, NotFoundError, SampleError
from tests.classify.conftest import add_posts, labelled_posts


def _train(project):
    return train_model(project, "mode", algorithm="linear", learning_curve=False)


def test_training_registers_a_versioned_model(mode_project) -> None:
    result = _train(mode_project)
    info = result.model
    assert info.validated and info.algorithm == "linear" and info.n_training == 60
    assert (info.codebook_id, info.codebook_version) == ("police_encounters", "1.0")
    assert {p.name for p in info.path.iterdir()} == {MODEL_FILE, METADATA_FILE, TRAINING_POSTS_FILE}
    meta = orjson.loads((info.path / METADATA_FILE).read_bytes())
    data = training_set(mode_project, active_codebook(mode_project).dimension("mode"))
    assert meta["training_set_sha256"] == info.training_set_sha256 == data.sha256()
    assert meta["codebook"] == {"id": "police_encounters", "version": "1.0"}
    assert meta["libraries"]["scikit-learn"]
    row = mode_project.query("SELECT * FROM models WHERE model_id = ?", [info.model_id])[0]
    evaluation = orjson.loads(row["evaluation"])
    assert evaluation["per_code"].keys() == {"inform", "request", "engage"}
    assert evaluation["macro_f1"] == result.evaluation["macro_f1"] > 0.8
    assert evaluation["confusion"]["kind"] == "matrix"
    again = _train(mode_project)
    assert again.model.model_id != info.model_id
    assert again.model.training_set_sha256 == info.training_set_sha256


def test_predictions_round_trip_and_leave_gold_alone(mode_project) -> None:
    info = _train(mode_project).model
    gold_before = mode_project.query("SELECT * FROM gold ORDER BY gold_id")
    result = apply_model(mode_project, "mode", chunk_size=40)
    assert (result.in_scope, result.predicted, result.already_predicted) == (150, 150, 0)
    rows = mode_project.query("SELECT * FROM predictions")
    assert len(rows) == 150
    assert {(r["platform"], r["post_id"]) for r in rows} == {
        (r["platform"], r["post_id"]) for r in mode_project.query("SELECT * FROM posts WHERE author_role = 'police'")}
    for r in rows:
        probabilities = orjson.loads(r["probabilities"])
        assert r["model_id"] == info.model_id and r["dimension"] == "mode"
        assert len(r["codes"]) == 1 and r["codes"][0] in probabilities
        assert r["probability"] == pytest.approx(max(probabilities.values()), abs=1e-4)
        assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-3)
    assert mode_project.query("SELECT * FROM gold ORDER BY gold_id") == gold_before
    assert mode_project.scalar("SELECT count(*) FROM codings") == 0


def test_apply_resumes_after_an_interruption(mode_project) -> None:
    _train(mode_project)

    def interrupt(done: int, total: int) -> None:
        if done >= 50:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_model(mode_project, "mode", chunk_size=50, progress=interrupt)
    assert mode_project.scalar("SELECT count(*) FROM predictions") == 50
    result = apply_model(mode_project, "mode", chunk_size=50)
    assert (result.already_predicted, result.predicted) == (50, 100)
    assert mode_project.scalar("SELECT count(*) FROM predictions") == 150
    assert mode_project.scalar("SELECT count(DISTINCT (platform, post_id)) FROM predictions") == 150


def test_a_model_refuses_another_codebook_version(mode_project) -> None:
    info = _train(mode_project).model
    book = default_codebook()
    changed = dataclasses.replace(book, version="1.1")
    changed.dimension("mode").codes[0].definition += " Also press releases."
    import_codebook(mode_project, changed)
    with pytest.raises(ModelError) as excinfo:
        apply_model(mode_project, "mode")
    message = str(excinfo.value)
    assert info.model_id in message and "version 1.0" in message and "version 1.1" in message
    assert mode_project.scalar("SELECT count(*) FROM predictions") == 0


def test_gold_labels_win_in_effective_labels(mode_project) -> None:
    _train(mode_project)
    apply_model(mode_project, "mode")
    predicted = mode_project.query("SELECT codes FROM predictions WHERE post_id = 'u00'")[0]["codes"]
    other = next(c for c in ("inform", "request", "engage") if [c] != predicted)
    set_gold(mode_project, "twitter", "u00", "mode", [other], method="adjudication", decided_by="ben")
    rows = {r[1]: r for r in effective_labels(mode_project, "mode").fetchall()}
    assert len(rows) == 150
    assert rows["u00"][2] == [other] and rows["u00"][3] == "gold" and rows["u00"][4] is None
    assert rows["u01"][3] == "model" and rows["u01"][6] is True
    assert sum(r[3] == "gold" for r in rows.values()) == 61


def test_evaluate_scores_gold_the_model_never_saw(mode_project) -> None:
    _train(mode_project)
    add_posts(mode_project, [("n1", "police", "original", "Have you seen missing jo? Call 101"),
                             ("n2", "police", "reply", "@kim thanks for letting us know")])
    set_gold(mode_project, "twitter", "n1", "mode", ["request"], method="adjudication")
    set_gold(mode_project, "twitter", "n2", "mode", ["engage"], method="adjudication")
    report = evaluate_model(mode_project, "mode")
    assert report["validated"] and report["cross_validation"]["n"] == 60
    assert report["unseen_gold"]["n"] == 2
    assert report["human_agreement"] is None


def test_human_agreement_is_shown_next_to_the_model(mode_project) -> None:
    for post, (a, b) in {"u00": ("inform", "inform"), "u01": ("request", "request"),
                         "u02": ("engage", "inform"), "u03": ("engage", "engage")}.items():
        record_coding(mode_project, "ana", "twitter", post, "mode", [a])
        record_coding(mode_project, "ben", "twitter", post, "mode", [b])
    _train(mode_project)
    human = evaluate_model(mode_project, "mode")["human_agreement"]
    # p_o = 3/4; ana: inform 1, request 1, engage 2; ben: inform 2, request 1, engage 1
    # p_e = (1·2 + 1·1 + 2·1) / 16 = 5/16; κ = (12/16 − 5/16) / (11/16) = 7/11
    assert human["kappa"] == pytest.approx(7 / 11)
    assert human["n_units"] == 4 and human["n_coders"] == 2


def test_uncertainty_sampling_keeps_a_random_share(mode_project) -> None:
    info = _train(mode_project).model
    keys = propose_uncertain(mode_project, "mode", 10, random_share=0.3, seed=4)
    assert len(keys) == len(set(keys)) == 10
    assert all(post.startswith("u") for _, post in keys)
    lowest = mode_project.query("SELECT post_id FROM predictions WHERE post_id LIKE 'u%' "
                                "ORDER BY probability, hash(platform || ':' || post_id) LIMIT 7")
    assert {r["post_id"] for r in lowest} <= {post for _, post in keys}
    assert propose_uncertain(mode_project, "mode", 10, random_share=0.3, seed=4) == keys
    margin = propose_uncertain(mode_project, "mode", 5, random_share=0.0, measure="margin")
    gaps = {}
    for r in mode_project.query("SELECT post_id, probabilities FROM predictions WHERE post_id LIKE 'u%'"):
        top = sorted(orjson.loads(r["probabilities"]).values(), reverse=True)
        gaps[r["post_id"]] = top[0] - top[1]
    assert sorted(gaps[post] for _, post in margin) == sorted(gaps.values())[:5]
    sample = create_sample(mode_project, "round2", 12, strategy="uncertainty", dimension="mode", coders=["ana", "ben"],
                           seed=1)
    assert sample.strategy == "uncertainty" and sample.size == 12
    assert sample.params["model_id"] == info.model_id
    assert len(sample.params["random_posts"]) == round(12 * 0.2)
    taken = {r["post_id"] for r in mode_project.query("SELECT post_id FROM sample_items")}
    again = propose_uncertain(mode_project, "mode", 10)
    assert not taken & {post for _, post in again}
    with pytest.raises(SampleError, match="eligible"):
        propose_uncertain(mode_project, "mode", 1000)


def test_no_model_yet_is_a_clear_error(mode_project) -> None:
    with pytest.raises(NotFoundError, match="classify train"):
        apply_model(mode_project, "mode")
    _train(mode_project)
    with pytest.raises(ModelError, match="classifies dimension 'mode'"):
        apply_model(mode_project, "topic", model_id=get_model(mode_project,
                                                              mode_project.scalar("SELECT model_id FROM models"))
                    .model_id)


def test_sample_create_cli_draws_by_uncertainty(mode_project, cli) -> None:
    info = _train(mode_project).model
    path = mode_project.path
    mode_project.close()
    result = cli("sample", "create", path, "--name", "round2", "--size", "10", "--strategy", "uncertainty",
                 "--dimension", "mode", "--coders", "ana,ben", "--seed", "3", "--json")
    assert result.exit_code == 0, result.output
    sample = orjson.loads(result.stdout)
    assert sample["strategy"] == "uncertainty" and sample["model_id"] == info.model_id
    assert len(sample["random_posts"]) == 2
    result = cli("sample", "create", path, "--name", "round3", "--size", "10", "--strategy", "uncertainty",
                 "--coders", "ana")
    assert result.exit_code == 2 and "needs a dimension" in result.output


def test_too_few_gold_labels_says_when_codings_await_adjudication(project) -> None:
    """Two coders had coded a sample, and training said "0 labelled posts" without saying that
    classifiers train on gold labels, which their codings become by adjudication."""
    add_posts(project, [(f"p{i}", "police", "original", text) for i, (text, _) in enumerate(labelled_posts(3))])
    with pytest.raises(ModelError, match=r"has 0 labelled posts; at least 10 are needed[^(]*$"):
        train_model(project, "mode", algorithm="linear", learning_curve=False)
    create_sample(project, "round1", 6, coders=["ana", "ben"], overlap=1.0, seed=1)
    for post_id in project.query("SELECT DISTINCT post_id FROM sample_items WHERE sample_name = 'round1'"):
        for coder in ("ana", "ben"):
            record_coding(project, coder, "twitter", post_id["post_id"], "mode", "inform", sample="round1")
    with pytest.raises(ModelError, match=r"\(6 coded post\(s\) have no gold label yet: make them gold with "
                                         r"peelian adjudicate PROJECT round1 --majority"):
        train_model(project, "mode", algorithm="linear", learning_curve=False)
