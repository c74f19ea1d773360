"""The sentence-embedding model (loaded offline from its package): a few dozen texts only."""

from __future__ import annotations

import os

import joblib
import numpy as np
import orjson
import pytest

from peelian.classify import apply_model, create_starter, estimate_prevalence
from peelian.classify.embeddings import embeddings_available
from peelian.classify.models import TextClassifier
from tests.classify.conftest import add_posts, labelled_posts

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not embeddings_available(), reason="the 'embeddings' extra is not installed")]


def test_embedding_and_combined_models_learn_and_store_only_the_head(tmp_path) -> None:
    data = labelled_posts(n_per_code=12)
    texts, labels = [t for t, _ in data], [[c] for _, c in data]
    embedded = TextClassifier("embedding").embed(texts)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert embedded.shape == (36, 384)
    assert np.allclose(np.linalg.norm(embedded, axis=1), 1.0, atol=1e-4)
    new = ["Have you seen missing lee? Call 101", "@kim thanks, glad we could help"]
    for algorithm in ("embedding", "combined"):
        model = TextClassifier(algorithm).fit(texts, labels, embeddings=embedded)
        assert model.predict(new) == [["request"], ["engage"]]
        joblib.dump(model, tmp_path / f"{algorithm}.joblib")
        assert (tmp_path / f"{algorithm}.joblib").stat().st_size < 2_000_000  # the head, not the 90 MB network
        again = joblib.load(tmp_path / f"{algorithm}.joblib")
        assert np.allclose(again.predict_proba(new), model.predict_proba(new), atol=1e-6)
        assert model.describe()["encoder"]["model"] == "all-MiniLM-L6-v2"


def test_starter_model_is_marked_unvalidated_everywhere(project, cli) -> None:
    posts = [("s1", "police", "original", "Do you recognise this man? We want to speak to him about a theft"),
             ("s2", "police", "reply", "@resident thanks for letting us know, the team will pass by this afternoon"),
             ("s3", "police", "original", "The A38 is closed northbound after a collision; please avoid the area"),
             ("s4", "police", "original", "Have you seen 14-year-old Amy? She was last seen on Friday")]
    add_posts(project, posts)
    info = create_starter(project, "mode")
    assert not info.validated and info.algorithm == "starter"
    assert project.scalar("SELECT validated FROM models WHERE model_id = ?", [info.model_id]) is False
    evaluation = orjson.loads(project.scalar("SELECT evaluation FROM models WHERE model_id = ?", [info.model_id]))
    assert evaluation["status"] == "UNVALIDATED" and "per_code" not in evaluation
    result = apply_model(project, "mode")
    assert result.predicted == 4 and not result.validated and result.to_dict()["status"] == "UNVALIDATED"
    predicted = {r["post_id"]: r["codes"] for r in project.query("SELECT post_id, codes FROM predictions")}
    assert predicted["s1"] == ["request"] and predicted["s2"] == ["engage"] and predicted["s3"] == ["inform"]
    report = estimate_prevalence(project, "mode")
    assert not report["validated"] and not report["adjusted"] and "UNVALIDATED" in report["note"]
    project.close()
    out = cli("classify", "evaluate", project.path, "--dimension", "mode")
    assert out.exit_code == 0 and "UNVALIDATED" in out.stdout
    out = cli("classify", "models", project.path)
    assert "UNVALIDATED" in out.stdout
