"""Gold labels: disagreements, adjudication, majority rule, decisions from CSV, latest gold per post."""

from __future__ import annotations

from pathlib import Path

import pytest

from peelian.coding.codings import record_coding
from peelian.coding.gold import (
    adjudicate,
    apply_decisions,
    apply_majority,
    disagreements,
    export_disagreements,
    gold_labels,
    gold_table,
    majority_codes,
    set_gold,
)
from peelian.coding.codebook import default_codebook
from peelian.coding.samples import create_sample
from peelian.coding.sheets import SheetError
from peelian.errors import CodingError


@pytest.fixture
def coded(posts_project):
    """Three coders on five police replies: agreement, a 2–1 majority, a tie, a flag, a single coding."""
    create_sample(posts_project, "s1", post_ids=["r1", "r2", "r3", "r4", "r5"], coders=["ana", "ben", "cy"],
                  overlap=1.0, shuffle=False)
    stance = {"r1": ("towards", "towards", "towards"), "r2": ("towards", "towards", "away"),
              "r3": ("away", "against", None), "r4": ("neutral", "neutral", None), "r5": ("away", None, None)}
    for post_id, codes in stance.items():
        for coder, code in zip(("ana", "ben", "cy"), codes, strict=True):
            if code:
                record_coding(posts_project, coder, "twitter", post_id, "stance", [code], note=f"{coder} on {post_id}")
    record_coding(posts_project, "cy", "twitter", "r4", "stance", None, status="skipped")
    record_coding(posts_project, "ana", "twitter", "r1", "practice", ["advice", "banter"])
    record_coding(posts_project, "ben", "twitter", "r1", "practice", ["advice"])
    record_coding(posts_project, "cy", "twitter", "r1", "practice", ["advice", "banter"], status="flagged",
                  note="banter?")
    return posts_project


def test_majority_codes_rules() -> None:
    book = default_codebook()
    stance, practice = book.dimension("stance"), book.dimension("practice")
    assert majority_codes(stance, [["away"], ["away"], ["towards"]]) == ["away"]
    assert majority_codes(stance, [["away"], ["towards"]]) is None
    assert majority_codes(stance, [["away"], ["towards"], ["neutral"]]) is None
    assert majority_codes(practice, [["advice", "banter"], ["advice"], ["advice", "banter"]]) == ["advice", "banter"]
    assert majority_codes(practice, [["advice", "banter"], ["advice"]]) is None
    assert majority_codes(practice, [[], [], ["advice"]]) == []


def test_disagreements_list_codes_notes_and_flags(coded) -> None:
    items = disagreements(coded, "s1")
    assert [(d.post_id, d.dimension, d.reason) for d in items] == [
        ("r1", "practice", "disagreement"), ("r2", "stance", "disagreement"), ("r3", "stance", "disagreement")]
    r2 = items[1]
    assert [(c["coder"], c["codes"], c["note"]) for c in r2.codings] == [
        ("ana", ["towards"], "ana on r2"), ("ben", ["towards"], "ben on r2"), ("cy", ["away"], "cy on r2")]
    assert r2.majority == ["towards"] and r2.text.startswith("@pseud2") and "in reply to" in r2.context
    assert items[2].majority is None
    assert items[0].majority == ["advice", "banter"]
    assert [d.post_id for d in disagreements(coded, "s1", dimension="stance")] == ["r2", "r3"]


def test_adjudication_becomes_gold_and_closes_the_disagreement(coded) -> None:
    label = adjudicate(coded, "s1", "twitter", "r3", "stance", ["against"], "dee", reason="sarcastic")
    assert (label.method, label.decided_by, label.reason, label.sample, label.codebook_version) == \
        ("adjudication", "dee", "sarcastic", "s1", "1.0")
    assert [d.post_id for d in disagreements(coded, "s1", dimension="stance")] == ["r2"]
    assert [d.gold for d in disagreements(coded, "s1", dimension="stance", include_decided=True)] == \
        [None, ["against"]]
    assert gold_labels(coded, "stance") == [("twitter", "r3", ["against"])]
    adjudicate(coded, "s1", "twitter", "r3", "stance", ["away"], "eve", reason="on reflection")
    assert gold_labels(coded, "stance") == [("twitter", "r3", ["away"])]
    assert coded.scalar("SELECT count(*) FROM gold") == 2  # append-only
    assert coded.scalar("SELECT count(*) FROM audit_log WHERE action = 'adjudicate'") == 2


@pytest.mark.parametrize(("args", "message"), [
    (("r3", "stance", ["friendly"]), "unknown code 'friendly'"),
    (("r3", "stance", ["away", "against"]), "exactly one code"),
    (("p1", "mode", ["inform"]), "not in sample 's1'"),
])
def test_adjudication_is_checked(coded, args, message) -> None:
    post_id, dimension, codes = args
    with pytest.raises(CodingError, match=message):
        adjudicate(coded, "s1", "twitter", post_id, dimension, codes, "dee")
    with pytest.raises(CodingError, match="adjudicator"):
        adjudicate(coded, "s1", "twitter", "r3", "stance", ["away"], "")


def test_majority_rule(coded) -> None:
    report = apply_majority(coded, "s1", decided_by="script")
    assert (report.decided, report.ties, report.single_coder) == (4, 1, 0)
    gold = {(g.post_id, g.dimension): (g.codes, g.method, g.reason) for g in gold_table(coded)}
    assert gold == {
        ("r1", "stance"): (["towards"], "majority", "3 of 3 coders chose exactly this (ana, ben, cy)"),
        ("r2", "stance"): (["towards"], "majority", "2 of 3 coders chose exactly this (ana, ben)"),
        ("r4", "stance"): (["neutral"], "majority", "2 of 2 coders chose exactly this (ana, ben)"),
        ("r1", "practice"): (["advice", "banter"], "majority", "2 of 3 coders chose exactly this (ana, cy)"),
    }
    again = apply_majority(coded, "s1", include_single=True)
    assert (again.decided, again.already_gold, again.single_coder, again.ties) == (0, 4, 1, 1)
    assert gold_labels(coded, "stance", methods=["single_coder"]) == [("twitter", "r5", ["away"])]
    assert {g.decided_by for g in gold_table(coded)} == {"script", "ana"}
    assert report.by_dimension["stance"] == {"decided": 3, "single_coder": 0, "ties": 1}


def test_decisions_csv_round_trip(coded, tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    assert export_disagreements(coded, "s1", path) == 3
    text = path.read_text(encoding="utf-8-sig")
    header = text.splitlines()[0]
    assert header == ("platform,post_id,dimension,text,context,ana_codes,ben_codes,cy_codes,ana_note,ben_note,"
                      "cy_note,majority,codes,reason")
    assert "advice; banter (flagged)" in text
    filled = tmp_path / "decided.csv"
    filled.write_text("platform,post_id,dimension,codes,reason\n"
                      "twitter,r2,stance,Moving towards,clear\n"
                      "twitter,r3,stance,,\n"
                      "twitter,r1,practice,-,none really\n")
    result = apply_decisions(coded, "s1", filled, "dee")
    assert (result.decided, result.left_blank) == (2, 1)
    gold = {(g.post_id, g.dimension): (g.codes, g.method, g.decided_by, g.reason) for g in gold_table(coded)}
    assert gold == {("r2", "stance"): (["towards"], "adjudication", "dee", "clear"),
                    ("r1", "practice"): ([], "adjudication", "dee", "none really")}


def test_bad_decisions_reject_the_whole_file(coded, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("platform,post_id,dimension,codes\n"
                    "twitter,r2,stance,towards\n"
                    "twitter,r2,stance,away\n"
                    "twitter,p1,mode,inform\n"
                    "twitter,r3,tone,x\n"
                    "twitter,r3,stance,skip\n"
                    ",r3,stance,away\n")
    with pytest.raises(SheetError) as info:
        apply_decisions(coded, "s1", path, "dee")
    assert [str(p) for p in info.value.problems] == [
        "row 3, column B (post_id): duplicate decision: already on row 2",
        "row 4, column B (post_id): post 'p1' is not in sample 's1'",
        "row 5, column C (dimension): unknown dimension 'tone' (dimensions: mode, topic, practice, stance, "
        "objective, citizen_intent)",
        "row 6, column D (codes): a decision names the codes (or '-' for none)",
        "row 7, column A (platform): platform is empty",
    ]
    assert coded.scalar("SELECT count(*) FROM gold") == 0
    missing = tmp_path / "missing.csv"
    missing.write_text("post_id,codes\nr2,away\n")
    with pytest.raises(SheetError, match="missing required column\\(s\\): platform, dimension"):
        apply_decisions(coded, "s1", missing, "dee")


def test_set_gold_validates_method(coded) -> None:
    with pytest.raises(CodingError, match="gold method must be one of"):
        set_gold(coded, "twitter", "r1", "stance", ["away"], method="vote")


def test_only_an_unknown_dimension_is_taken_for_one(coded, tmp_path: Path, monkeypatch) -> None:
    """Where a dimension is looked up, only the codebook's "no such dimension" is reported as one; any other
    fault is raised, not counted as not applicable or shown as an unknown dimension."""
    from peelian.coding.codebook import Codebook
    from peelian.coding.gold import import_gold

    decisions = tmp_path / "decided.csv"
    decisions.write_text("platform,post_id,dimension,codes\ntwitter,r2,stance,towards\n")
    labels = tmp_path / "gold.csv"
    labels.write_text("platform,post_id,dimension,code\ntwitter,r2,stance,towards\n")

    def broken(self, id: str):
        raise RuntimeError("the codebook is broken")

    monkeypatch.setattr(Codebook, "dimension", broken)
    for call in (lambda: disagreements(coded, "s1"), lambda: apply_majority(coded, "s1"),
                 lambda: apply_decisions(coded, "s1", decisions, "dee"), lambda: import_gold(coded, labels)):
        with pytest.raises(RuntimeError, match="the codebook is broken"):
            call()
    assert coded.scalar("SELECT count(*) FROM gold") == 0
