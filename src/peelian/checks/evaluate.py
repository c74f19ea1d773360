"""Precision and recall of the check against a labelled set of drafts, per risk, at two levels.

Span level: a gold span is found (recall) when a finding of the same risk overlaps it; a finding is right
(precision) when it overlaps a gold span of the same risk. Post level: a draft has a risk in the gold when
any of its spans has it, and the check flags it when any finding has it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from peelian.checks.rules import RISKS, Finding, check_draft
from peelian.errors import DraftError


@dataclass
class Score:
    """Counts for one risk at one level, and the ratios (None where nothing was there to count)."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float | None:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else None

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.true_positives, "fp": self.false_positives, "fn": self.false_negatives,
                "precision": self.precision, "recall": self.recall}


@dataclass
class Evaluation:
    """Scores per risk (and "all") at span and post level, and the drafts the check got wrong."""

    drafts: int
    spans: dict[str, Score]
    posts: dict[str, Score]
    errors: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"drafts": self.drafts, "spans": {k: v.to_dict() for k, v in self.spans.items()},
                "posts": {k: v.to_dict() for k, v in self.posts.items()}}


def load_labelled(path: Path) -> list[dict[str, Any]]:
    """The labelled drafts of a JSON-lines file: `text` and `spans` (`start`, `end`, `risk`) on every line."""
    rows = []
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            text, spans = row["text"], row["spans"]
            for span in spans:
                if span["risk"] not in RISKS or not 0 <= span["start"] < span["end"] <= len(text):
                    raise ValueError(f"bad span {span}")
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DraftError(f"not a labelled draft: {exc}", path=str(path), location=f"line {number}") from None
        rows.append(row)
    return rows


def _overlaps(a: Mapping[str, Any] | Finding, start: int, end: int) -> bool:
    a_start, a_end = (a.start, a.end) if isinstance(a, Finding) else (a["start"], a["end"])
    return a_start < end and start < a_end


def evaluate(rows: Sequence[Mapping[str, Any]],
             check: Callable[[str], Iterable[Finding]] = check_draft) -> Evaluation:
    """Score `check` (the rules, by default) on labelled drafts."""
    spans = {risk: Score() for risk in [*RISKS, "all"]}
    posts = {risk: Score() for risk in [*RISKS, "all"]}
    errors: list[dict[str, Any]] = []
    for row in rows:
        found = list(check(row["text"]))
        gold = row["spans"]
        wrong: dict[str, list[Any]] = {"missed": [], "extra": []}
        for risk in RISKS:
            gold_r = [g for g in gold if g["risk"] == risk]
            found_r = [f for f in found if f.risk == risk]
            for g in gold_r:
                hit = any(_overlaps(f, g["start"], g["end"]) for f in found_r)
                for key in (risk, "all"):
                    if hit:
                        spans[key].true_positives += 1
                    else:
                        spans[key].false_negatives += 1
                if not hit:
                    wrong["missed"].append(g)
            for f in found_r:
                if not any(_overlaps(g, f.start, f.end) for g in gold_r):
                    for key in (risk, "all"):
                        spans[key].false_positives += 1
                    wrong["extra"].append(f.to_dict())
            gold_has, found_has = bool(gold_r), bool(found_r)
            for key in (risk, "all"):
                score = posts[key]
                score.true_positives += gold_has and found_has
                score.false_positives += found_has and not gold_has
                score.false_negatives += gold_has and not found_has
        if wrong["missed"] or wrong["extra"]:
            errors.append({"id": row.get("id"), "text": row["text"], **wrong})
    return Evaluation(len(rows), spans, posts, errors)
