"""Gold labels from a file of known codes: validated whole, sampled reproducibly."""

from __future__ import annotations

import json

import pytest

from peelian.coding.gold import gold_labels, import_gold
from peelian.errors import CodingError
from peelian.ingest import import_file

FLAT = "twitter_v2/twarc-csv__flat.jsonl"


def test_import_gold_validates_and_samples(project, shared_fixtures, tmp_path):
    import_file(project, shared_fixtures / FLAT)
    ids = [r["post_id"] for r in project.query("SELECT post_id FROM posts WHERE NOT is_partial ORDER BY post_id")]
    rows = ["platform,post_id,dimension,code"]
    rows += [f"twitter,{i},mode,{'engage' if n % 2 else 'inform'}" for n, i in enumerate(ids[:10])]
    rows += [f"twitter,{ids[0]},citizen_intent,question", f"twitter,{ids[0]},citizen_intent,complaint",
             "twitter,999,mode,inform"]
    path = tmp_path / "known.csv"
    path.write_text("\n".join(rows) + "\n")
    report = import_gold(project, path, per_dimension=4, seed=1)
    assert report.per_dimension == {"citizen_intent": 1, "mode": 4} and report.not_in_project == 1
    intent = gold_labels(project, "citizen_intent")
    assert [sorted(codes) for _, _, codes in intent] == [["complaint", "question"]]
    assert project.scalar("SELECT count(DISTINCT method) FROM gold") == 1


def test_import_gold_rejects_unknown_codes_and_changes_nothing(project, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("platform,post_id,dimension,code\ntwitter,1,mode,shout\ntwitter,2,colour,red\n")
    with pytest.raises(CodingError, match="row 2: code 'shout'") as err:
        import_gold(project, path)
    assert "row 3" in str(err.value)
    assert project.scalar("SELECT count(*) FROM gold") == 0


def test_import_gold_cli(cli, project_path, shared_fixtures, tmp_path):
    cli("import", project_path, shared_fixtures / FLAT)
    path = tmp_path / "k.csv"
    path.write_text("post_id,code\n1,inform\n")
    result = cli("codings", "import-gold", project_path, path)
    assert result.exit_code == 2 and "missing column" in result.output
    path.write_text("platform,post_id,dimension,code\n")
    result = cli("codings", "import-gold", project_path, path, "--json")
    assert json.loads(result.output)["labels"] == 0


def test_known_labels_saved_with_semicolons_are_read(project, tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("platform;post_id;dimension;code\ntwitter;1;mode;shout\n")
    with pytest.raises(CodingError, match="row 2: code 'shout'"):  # read as columns, so the code is checked
        import_gold(project, path)
