"""Codings: validation, append-only history, undo, the coder's queue and the item the interface shows."""

from __future__ import annotations

import threading

import pytest

from peelian.coding.codebook import default_codebook, import_codebook
from peelian.coding.codings import (
    coding_item,
    coding_queue,
    effective_codings,
    next_item,
    record_coding,
    undo_last,
)
from peelian.coding.samples import create_sample
from peelian.errors import CodingError, NotFoundError

from .conftest import add_posts


@pytest.fixture
def sampled(posts_project):
    create_sample(posts_project, "s1", post_ids=["p1", "c1", "r1", "p2", "r2"], coders=["ana", "ben"], overlap=1.0,
                  shuffle=False)
    return posts_project


def test_record_and_read_back(sampled) -> None:
    coding = record_coding(sampled, "ana", "twitter", "r1", "practice", ["advice", "redirection"], note="101")
    assert (coding.sample, coding.codes, coding.status, coding.codebook_version, coding.source) == \
        ("s1", ["advice", "redirection"], "coded", "1.0", "web")
    row = sampled.query("SELECT * FROM codings")[0]
    assert row["coder"] == "ana" and row["note"] == "101" and row["sample_name"] == "s1"


@pytest.mark.parametrize(("args", "error", "message"), [
    (("r1", "stance", ["towards", "away"]), CodingError, "takes exactly one code, got 2"),
    (("r1", "stance", []), CodingError, "takes exactly one code, got 0"),
    (("r1", "stance", ["friendly"]), CodingError, "unknown code 'friendly' for dimension 'stance' \\(its codes: "
                                                  "towards, away, against, neutral\\)"),
    (("r1", "tone", ["x"]), CodingError, "has no dimension 'tone'"),
    (("p1", "stance", ["towards"]), CodingError, "applies to police posts \\(reply\\), not to this police original"),
    (("nope", "mode", ["inform"]), NotFoundError, "no post 'nope'"),
])
def test_invalid_codings_are_refused(sampled, args, error, message) -> None:
    post_id, dimension, codes = args
    with pytest.raises(error, match=message):
        record_coding(sampled, "ana", "twitter", post_id, dimension, codes)
    assert sampled.scalar("SELECT count(*) FROM codings") == 0


def test_status_rules(sampled) -> None:
    assert record_coding(sampled, "ana", "twitter", "r1", "practice", [], status="coded").codes == []
    assert record_coding(sampled, "ana", "twitter", "r1", "stance", None, status="skipped").status == "skipped"
    flagged = record_coding(sampled, "ana", "twitter", "r1", "mode", ["engage"], status="flagged", note="unsure")
    assert flagged.status == "flagged" and flagged.codes == ["engage"]
    with pytest.raises(CodingError, match="skipped coding carries no codes"):
        record_coding(sampled, "ana", "twitter", "r1", "stance", ["away"], status="skipped")
    with pytest.raises(CodingError, match="status must be one of coded, skipped, flagged"):
        record_coding(sampled, "ana", "twitter", "r1", "stance", ["away"], status="retracted")
    with pytest.raises(CodingError, match="needs a coder"):
        record_coding(sampled, " ", "twitter", "r1", "stance", ["away"])


def test_sample_assignment_is_checked_and_inferred(sampled) -> None:
    with pytest.raises(CodingError, match="not assigned to 'cy' in sample 's1'"):
        record_coding(sampled, "cy", "twitter", "r1", "stance", ["away"], sample="s1")
    free = record_coding(sampled, "cy", "twitter", "r1", "stance", ["away"])
    assert free.sample is None
    assert record_coding(sampled, "ana", "twitter", "r1", "stance", ["away"]).sample == "s1"


def test_codings_record_the_active_codebook_version(sampled) -> None:
    record_coding(sampled, "ana", "twitter", "p1", "mode", ["inform"])
    book = default_codebook()
    book.version = "1.1"
    import_codebook(sampled, book)
    assert record_coding(sampled, "ana", "twitter", "p2", "mode", ["inform"]).codebook_version == "1.1"
    assert [r["codebook_version"] for r in sampled.query("SELECT codebook_version FROM codings ORDER BY 1")] == \
        ["1.0", "1.1"]


def test_history_is_append_only_and_latest_wins(sampled) -> None:
    record_coding(sampled, "ana", "twitter", "r1", "stance", ["away"])
    record_coding(sampled, "ana", "twitter", "r1", "stance", ["towards"])
    assert sampled.scalar("SELECT count(*) FROM codings") == 2
    (current,) = effective_codings(sampled, coder="ana", dimension="stance")
    assert current.codes == ["towards"]


def test_undo_steps_back_through_changes_without_deleting(sampled) -> None:
    a1 = record_coding(sampled, "ana", "twitter", "r1", "stance", ["away"])
    record_coding(sampled, "ana", "twitter", "r2", "stance", ["neutral"])
    a3 = record_coding(sampled, "ana", "twitter", "r1", "stance", ["towards"])
    record_coding(sampled, "ben", "twitter", "r1", "stance", ["against"])
    assert undo_last(sampled, "ana").coding_id == a3.coding_id
    state = {c.post_id: c.codes for c in effective_codings(sampled, coder="ana")}
    assert state == {"r1": ["away"], "r2": ["neutral"]}
    assert undo_last(sampled, "ana").post_id == "r2"
    assert undo_last(sampled, "ana").coding_id == a1.coding_id
    assert effective_codings(sampled, coder="ana") == []
    assert undo_last(sampled, "ana") is None
    assert [c.codes for c in effective_codings(sampled, coder="ben")] == [["against"]]
    statuses = [r["status"] for r in sampled.query("SELECT status FROM codings ORDER BY coding_id")]
    assert statuses == ["coded"] * 4 + ["retracted"] * 3
    record_coding(sampled, "ana", "twitter", "r2", "stance", ["away"])
    assert {c.post_id: c.codes for c in effective_codings(sampled, coder="ana")} == {"r2": ["away"]}


def test_queue_progress_and_next_item(sampled) -> None:
    queue = coding_queue(sampled, "ana", "s1")
    assert [(e.post_id, e.dimensions, e.status) for e in queue] == [
        ("p1", ["mode", "topic", "objective"], "todo"), ("c1", ["citizen_intent"], "todo"),
        ("r1", ["mode", "practice", "stance"], "todo"), ("p2", ["mode", "topic", "objective"], "todo"),
        ("r2", ["mode", "practice", "stance"], "todo")]
    item = next_item(sampled, "ana", "s1")
    assert item.post["post_id"] == "p1" and item.progress == {"done": 0, "total": 5, "index": 1}
    assert [d["id"] for d in item.dimensions] == ["mode", "topic", "objective"]
    mode = item.dimensions[0]
    assert mode["codes"][0] == {"id": "inform", "label": "Inform", "key": "i", "colour": "#4e79a7",
                                "definition": "One-way provision of information to the public (push).",
                                "include": mode["codes"][0]["include"], "exclude": mode["codes"][0]["exclude"],
                                "examples": mode["codes"][0]["examples"], "parent": None}
    assert mode["current"] is None
    record_coding(sampled, "ana", "twitter", "p1", "mode", ["request"])
    item = next_item(sampled, "ana", "s1")
    assert item.post["post_id"] == "p1"
    assert item.dimensions[0]["current"]["codes"] == ["request"]
    record_coding(sampled, "ana", "twitter", "p1", "topic", None, status="skipped")
    record_coding(sampled, "ana", "twitter", "p1", "objective", ["tactical"], status="flagged")
    item = next_item(sampled, "ana", "s1")
    assert item.post["post_id"] == "c1" and item.progress == {"done": 1, "total": 5, "index": 2}
    assert item.parent["post_id"] == "p1" and item.post["author_role"] == "citizen"
    assert item.to_dict()["post"]["text"].startswith("@")
    assert next_item(sampled, "ben", "s1").progress["done"] == 0


def test_item_for_a_given_post_and_finished_queue(sampled) -> None:
    record_coding(sampled, "ana", "twitter", "r1", "stance", ["away"])
    item = coding_item(sampled, "ana", "twitter", "r1")
    assert item.sample == "s1" and item.position == 3 and item.progress["index"] == 3
    assert {d["id"]: d["current"] and d["current"]["codes"] for d in item.dimensions} == \
        {"mode": None, "practice": None, "stance": ["away"]}
    outside = coding_item(sampled, "ana", "twitter", "p9")
    assert outside.sample is None and outside.progress["index"] == 0
    for post_id, dims in (("p1", {"mode": ["inform"], "topic": ["appeal"], "objective": ["tactical"]}),
                          ("c1", {"citizen_intent": ["question"]}),
                          ("r1", {"mode": ["engage"], "practice": ["advice"], "stance": ["towards"]}),
                          ("p2", {"mode": ["inform"], "topic": ["appeal"], "objective": ["tactical"]}),
                          ("r2", {"mode": ["engage"], "practice": [], "stance": ["neutral"]})):
        for dim, codes in dims.items():
            record_coding(sampled, "ana", "twitter", post_id, dim, codes)
    assert next_item(sampled, "ana", "s1") is None
    assert all(e.status == "done" for e in coding_queue(sampled, "ana"))
    with pytest.raises(NotFoundError):
        coding_queue(sampled, "ana", "nope")


def test_queue_sees_role_changes_after_new_posts(sampled) -> None:
    assert coding_queue(sampled, "ana", "s1")[1].dimensions == ["citizen_intent"]
    sampled.con.execute("UPDATE posts SET author_role = 'media' WHERE post_id = 'c1'")
    add_posts(sampled, [dict(platform="twitter", post_id="new", author_role="citizen", kind="original", text="x")])
    assert coding_queue(sampled, "ana", "s1")[1].dimensions == []
    assert coding_queue(sampled, "ana", "s1")[1].status == "missing"


def test_several_coders_at_once(sampled) -> None:
    errors: list[Exception] = []

    def work(coder: str) -> None:
        try:
            for post_id in ("r1", "r2"):
                for code in ("towards", "away", "neutral"):
                    record_coding(sampled, coder, "twitter", post_id, "stance", [code])
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in ("ana", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sampled.scalar("SELECT count(DISTINCT coding_id) FROM codings") == 12
    assert {(c.coder, c.post_id): c.codes[0] for c in effective_codings(sampled)} == {
        ("ana", "r1"): "neutral", ("ana", "r2"): "neutral", ("ben", "r1"): "neutral", ("ben", "r2"): "neutral"}


def test_cached_thread_context_sees_new_posts(sampled) -> None:
    from datetime import datetime

    before = coding_item(sampled, "ana", "twitter", "r1")
    assert [p["post_id"] for p in before.thread] == ["p1", "c1"]
    before.thread[0]["text"] = "changed by a caller"
    assert coding_item(sampled, "ana", "twitter", "r1").thread[0]["text"].startswith("Appeal")
    add_posts(sampled, [dict(platform="twitter", post_id="c1b", author_role="citizen", kind="reply", text="me too",
                             reply_to_post_id="p1", conversation_id="p1", created_at=datetime(2024, 1, 3, 10, 30))])
    after = coding_item(sampled, "ana", "twitter", "r1")
    assert [p["post_id"] for p in after.thread] == ["p1", "c1", "c1b"]
