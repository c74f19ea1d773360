"""Known labels → gold → a trained, applied linear model per dimension (what the demo runs)."""

from __future__ import annotations

from peelian import Project
from peelian.classify.known_labels import code_from_known_labels
from peelian.demo import build_demo


def test_known_labels_code_the_corpus(tmp_path):
    path = tmp_path / "k.peelian"
    manifest = build_demo(path, posts=1500, seed=3)
    with Project.open(path) as project:
        result = code_from_known_labels(project, manifest.truth_csv, dimensions=("mode", "citizen_intent"),
                                        per_dimension=200, seed=3)
        assert result.gold.per_dimension["mode"] == 200
        assert project.scalar("SELECT count(*) FROM gold WHERE dimension = 'mode' AND method = 'import'") == 200
        by_dim = {m["dimension"]: m for m in result.models}
        assert set(by_dim) == {"mode", "citizen_intent"}
        # the demo's template texts are easy: a working model must do far better than chance
        assert by_dim["mode"]["macro_f1"] > 0.6
        in_scope = project.scalar(
            "SELECT count(*) FROM posts WHERE author_role = 'police' AND kind <> 'repost'")
        predicted = project.scalar("SELECT count(*) FROM predictions WHERE dimension = 'mode'")
        assert predicted == by_dim["mode"]["predicted"] and 0 < predicted <= in_scope
