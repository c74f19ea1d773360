"""The vectorised n-gram hashing must count exactly what a plain Python loop counts."""

from __future__ import annotations

import pickle
from collections import Counter
from itertools import pairwise

import numpy as np
import pytest

from peelian.classify import features as F

M = 2**64
BITS = 20


def _hash(s: str) -> int:
    h, p = 0, 1
    for ch in s:
        h = (h + ord(ch) * p) % M
        p = (p * int(F._BASE)) % M
    return h


def _bucket(h: int, salt: int) -> int:
    return (((h ^ salt) * int(F._MIX)) % M) >> (64 - BITS)


def reference_char(text: str) -> Counter[int]:
    counts: Counter[int] = Counter()
    for word in text.split():
        padded = f" {word} "
        for n in range(2, 6):
            for i in range(len(padded) - n + 1):
                counts[_bucket(_hash(padded[i:i + n]), n)] += 1
    return counts


def reference_word(text: str) -> Counter[int]:
    hashes = [(_hash(w) * int(F._WORD_SEED)) % M for w in text.split()]
    counts: Counter[int] = Counter(_bucket(h, 1) for h in hashes)
    counts.update(_bucket((a * int(F._BIGRAM) + b) % M, 2) for a, b in pairwise(hashes))
    return counts


TEXTS = ["help ! ! ! sooo", "", "a", "do you recognise this man ?", "@user thanks :police_car: é ü 北京", "ab ab ab"]


def _row(matrix, i: int) -> Counter[int]:
    row = matrix.getrow(i)
    return Counter(dict(zip(row.indices.tolist(), row.data.astype(int).tolist(), strict=True)))


def test_counts_match_a_plain_python_reference() -> None:
    cp = F._lay_out(TEXTS)
    words = F._Words(cp)
    chars = F.char_counts(cp, words, len(TEXTS), (2, 5), BITS)
    word = F.word_counts(words, len(TEXTS), (1, 2), BITS)
    for i, text in enumerate(TEXTS):
        assert _row(chars, i) == reference_char(text), text
        assert _row(word, i) == reference_word(text), text


def test_blocks_have_unit_length_and_unseen_ngrams_are_dropped() -> None:
    vec = F.HashedTfidf().fit(["the road is closed", "have you seen this man"])
    X = vec.transform(["the road is closed", "zzzz qqqq", ""])
    n_word = len(vec.columns_["word"])
    word_norms = np.sqrt(np.asarray(X[:, :n_word].multiply(X[:, :n_word]).sum(axis=1))).ravel()
    char_norms = np.sqrt(np.asarray(X[:, n_word:].multiply(X[:, n_word:]).sum(axis=1))).ravel()
    assert word_norms[0] == pytest.approx(1.0) and char_norms[0] == pytest.approx(1.0)
    assert X[1].nnz == 0 and X[2].nnz == 0
    assert X.shape == (3, vec.n_features_out_)


def test_idf_weights_rare_ngrams_higher() -> None:
    vec = F.HashedTfidf().fit(["road closed", "road open", "road works"])
    X = vec.transform(["road closed"]).toarray().ravel()
    lookup = vec._lookup_table("word")
    road, closed = (lookup[_bucket((_hash(w) * int(F._WORD_SEED)) % M, 1)] for w in ("road", "closed"))
    assert X[closed] > X[road] > 0


def test_pickled_vectoriser_transforms_the_same() -> None:
    vec = F.HashedTfidf().fit(["the road is closed", "have you seen this man"])
    copy = pickle.loads(pickle.dumps(vec))
    a = vec.transform(["the man is closed"])
    b = copy.transform(["the man is closed"])
    assert (a != b).nnz == 0


def test_line_breaks_are_refused() -> None:
    with pytest.raises(ValueError, match="normalised"):
        F.HashedTfidf().fit(["two\nlines"])
