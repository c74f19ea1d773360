"""Experiment: would a transparent model add to the check's legal-risk rules? (docs/checks.md, "A model?")

    python benchmarks/checks_model.py            # needs the embeddings extra (sentence-transformers + the model package)
    python benchmarks/checks_model.py --json

A logistic regression per legal risk (child, sexual-offence victim, prejudicial, casualty) on all-MiniLM-L6-v2
sentence embeddings (loaded offline through peelian.classify.embeddings), trained on the sentences of the
labelled sets, leave one set out: trained on two of the 370 set, the development set and the held-out set, and
scored on the third. A sentence is positive for a risk when a gold span of that risk overlaps it. For each
threshold it prints the model alone (precision / recall over sentences) and what it would add to the rules as an
extra detector: sentences it flags that no rule finding of that risk overlaps, right (a gold span is there) and
wrong (none is). The rules are whatever `peelian.checks` is importable, so pointing PYTHONPATH at an older
checkout scores the model against older rules.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from sklearn.linear_model import LogisticRegression

from peelian.checks import check_draft
from peelian.checks.evaluate import load_labelled
from peelian.classify.embeddings import EncoderSpec, SentenceEncoder

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "checks"
SETS = {"370 set": "drafts.jsonl", "development set": "drafts_dev.jsonl", "held-out set": "drafts_heldout.jsonl"}
RISKS = ("child", "sexual_offence_victim", "prejudicial", "casualty")
THRESHOLDS = (0.6, 0.7, 0.8, 0.9)
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")

Sentence = tuple[int, int, int, str, dict[str, bool]]


def sentences(rows: list[dict[str, Any]]) -> list[Sentence]:
    """(draft index, start, end, text, gold per risk) for every sentence of every draft."""
    out = []
    for index, row in enumerate(rows):
        for m in _SENTENCE.finditer(row["text"]):
            if m.group().strip():
                gold = {risk: any(g["risk"] == risk and g["start"] < m.end() and m.start() < g["end"]
                                  for g in row["spans"]) for risk in RISKS}
                out.append((index, m.start(), m.end(), m.group().strip(), gold))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = {name: load_labelled(DATA / file) for name, file in SETS.items()}
    split = {name: sentences(part) for name, part in rows.items()}
    encoder = SentenceEncoder(EncoderSpec(quantize=False))
    embedded = {name: encoder.encode([s[3] for s in part]) for name, part in split.items()}
    results: dict[str, Any] = {}
    for test in SETS:
        train = [name for name in SETS if name != test]
        x = np.vstack([embedded[name] for name in train])
        found = [check_draft(row["text"]) for row in rows[test]]
        for risk in RISKS:
            y = np.array([s[4][risk] for name in train for s in split[name]])
            model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000).fit(x, y)
            p = model.predict_proba(embedded[test])[:, 1]
            gold = np.array([s[4][risk] for s in split[test]])
            ruled = np.array([any(f.risk == risk and f.start < s[2] and s[1] < f.end for f in found[s[0]])
                              for s in split[test]])
            row: dict[str, Any] = {"gold": int(gold.sum()), "rules_right": int((ruled & gold).sum()),
                                   "rules_flagged": int(ruled.sum())}
            for t in THRESHOLDS:
                flagged = p >= t
                extra = flagged & ~ruled
                row[str(t)] = {"model_precision": float((flagged & gold).sum() / max(1, flagged.sum())),
                               "model_recall": float((flagged & gold).sum() / max(1, gold.sum())),
                               "adds_right": int((extra & gold).sum()), "adds_wrong": int((extra & ~gold).sum())}
            results[f"{test} / {risk}"] = row
    if args.json:
        print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
        return
    print(f"{'scored on / risk':<40}{'gold':>5}{'rules':>8}  " + "  ".join(f"t={t}: P/R, +right/+wrong" for t in THRESHOLDS))
    for name, row in results.items():
        cells = [f"{row[str(t)]['model_precision']:.2f}/{row[str(t)]['model_recall']:.2f}, "
                 f"+{row[str(t)]['adds_right']}/+{row[str(t)]['adds_wrong']}" for t in THRESHOLDS]
        print(f"{name:<40}{row['gold']:>5}{row['rules_right']:>5}/{row['rules_flagged']:<3}  "
              + "  ".join(f"{c:<24}" for c in cells))


if __name__ == "__main__":
    main()
