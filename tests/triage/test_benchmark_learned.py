"""`benchmarks/triage.py --learned`: each post's texts are encoded once, for the features and the layer's scores."""

from __future__ import annotations

import hashlib
import importlib.util
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from peelian.triage.rules import classify_text
from peelian.triage.semantic import (
    SemanticLayer,
    embedded_text,
    fires,
    is_guarded,
    tail,
)

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "triage.py"


class FakeEncoder:
    """Unit vectors drawn from each text's hash (the same text, the same vector), counting what it encodes."""

    def __init__(self) -> None:
        self.encoded: Counter[str] = Counter()

    def encode(self, texts: list[str]) -> Any:
        self.encoded.update(texts)
        vectors = [np.random.default_rng(int.from_bytes(hashlib.blake2b(t.encode()).digest()[:8], "little"))
                   .normal(size=16) for t in texts]
        return np.array([v / np.linalg.norm(v) for v in vectors], dtype=np.float32).reshape(len(texts), 16)


def _benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("bench_triage_learned", BENCHMARK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ROWS = [
    ("@wmp there's a man with a knife outside the shop on King St", True, "weapon"),
    ("@wmp thank you officers", False, ""),
    (("@wmp my neighbour has been shouting for an hour and I heard glass breaking, then a long silence, and now "
      "the door is open and the lights are off, nobody answers when I knock, I am worried she is hurt inside"), True,
     "welfare"),
    ("@wmp when will the road reopen after the crash this morning?", False, ""),
    ("@wmp when will the road reopen after the crash this morning?", False, ""),  # the same text twice
]


def test_learned_features_encode_each_text_once_and_score_as_the_layer() -> None:
    encoder = FakeEncoder()
    layer = SemanticLayer(encoder=encoder)
    layer._prepare()
    encoder.encoded.clear()  # the prototypes, encoded once per process
    features = _benchmark()._learned_features(layer, ROWS)
    assert encoder.encoded and max(encoder.encoded.values()) == 1, encoder.encoded.most_common(3)
    whole = [embedded_text(t) for t, _, _ in ROWS]
    assert features["ends"] == [2]  # the long post's end is encoded too
    assert set(encoder.encoded) == {*whole, tail(whole[2])}

    reference = SemanticLayer(encoder=FakeEncoder())
    expected = [classify_text(t).urgent or fires(s, is_guarded(t)) for (t, _, _), s in
                zip(ROWS, reference.scores([t for t, _, _ in ROWS]), strict=True)]
    assert list(features["base"]) == expected
    assert list(features["y"]) == [u for _, u, _ in ROWS]
    assert list(features["guard"]) == [is_guarded(t) for t, _, _ in ROWS]
    vectors = FakeEncoder().encode(whole)
    assert np.allclose(features["whole"][:, :16], vectors)
    pos, neg = vectors @ layer._protos.T, vectors @ layer._negs.T
    assert np.allclose(features["whole"][:, 16:], np.c_[
        np.sort(pos, axis=1)[:, -3:].mean(axis=1), np.sort(neg, axis=1)[:, -3:].mean(axis=1),
        np.sort(pos, axis=1)[:, -3:].mean(axis=1) - np.sort(neg, axis=1)[:, -3:].mean(axis=1),
        pos.max(axis=1), neg.max(axis=1)])
