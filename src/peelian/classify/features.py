"""Word 1–2-gram and character 2–5-gram TF-IDF features, hashed with numpy.

scikit-learn's TfidfVectorizer(analyzer="char_wb") builds n-grams one Python string at a time,
about 5,000 posts/s on the development machine: far below the 20,000 posts/s the linear model
must reach. This module computes the same kind of features with whole-array arithmetic: all
texts of a batch are laid end to end as one array of code points, every n-gram gets a
polynomial hash (mod 2**64) in a few vector operations, and the hash picks one of
2**`n_features_log2` buckets. Columns are then compacted to the buckets seen in training, so a
stored model holds weights only for features it learnt.

Conventions, on text already passed through `peelian.classify.normalise`:

- words are the space-separated tokens; word n-grams never cross a post boundary;
- character n-grams are taken inside each word padded with one space on both sides (the
  `char_wb` convention), so ` help ` gives ` h`, `he`, ..., `lp `, ` he`, ...;
- term frequency is sublinear (1 + log tf), weighted by smoothed idf
  (log((1 + n) / (1 + df)) + 1), and the word block and the character block are each scaled
  to unit length before they are put side by side, as a FeatureUnion of two TfidfVectorizers
  would do.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

_SPACE = 32
_BREAK = 10  # between posts
_BASE = np.uint64(0x100000001B3)  # FNV prime: odd, so powers stay distinct mod 2**64
_MIX = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio multiplier for Fibonacci hashing
_WORD_SEED = np.uint64(0x51ED270B27DE5D3B)
_BIGRAM = np.uint64(0x2545F4914F6CDD1D)
_BATCH = 50_000  # posts per internal batch: bounds the temporary arrays to about 100 MB


def _lay_out(texts: Sequence[str]) -> np.ndarray:
    """All texts as one uint64 array of code points: ` t1 \\n t2 \\n`."""
    joined = " " + " \n ".join(texts) + " \n"
    if joined.count("\n") != len(texts):
        raise ValueError("texts must be normalised (no line breaks) before hashing")
    return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _bucket(h: np.ndarray, salt: int, bits: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (((h ^ np.uint64(salt)) * _MIX) >> np.uint64(64 - bits)).astype(np.int64)


def _csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    """Counts from (row, col) pairs whose rows are already in order; duplicates are summed."""
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
    matrix = sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(n_rows, n_cols))
    matrix.sum_duplicates()
    return matrix


def char_ngram_buckets(cp: np.ndarray, ngram_range: tuple[int, int], bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(start position, bucket) of every n-gram that crosses no line break and has no inner space."""
    lo, hi = ngram_range
    n_pos = len(cp)
    is_space = np.concatenate([(cp == _SPACE), np.zeros(hi, dtype=bool)])
    is_break = np.concatenate([(cp == _BREAK), np.ones(hi, dtype=bool)])
    padded = np.concatenate([cp, np.zeros(hi, dtype=np.uint64)])
    h = np.zeros(n_pos, dtype=np.uint64)
    power = np.uint64(1)
    broken = np.zeros(n_pos, dtype=bool)
    spaced = np.zeros(n_pos, dtype=bool)
    buckets, valid = [], []
    with np.errstate(over="ignore"):
        for n in range(1, hi + 1):
            k = n - 1
            h += padded[k:k + n_pos] * power
            power *= _BASE
            broken |= is_break[k:k + n_pos]
            if n >= 3:
                spaced |= is_space[k - 1:k - 1 + n_pos]
            if n >= lo:
                buckets.append(_bucket(h, n, bits))
                valid.append(~(broken | spaced))
    b = np.stack(buckets, axis=1)
    v = np.stack(valid, axis=1)
    positions = np.broadcast_to(np.arange(n_pos)[:, None], b.shape)
    return positions[v], b[v]


class _Words:
    """The words of a batch of texts: where each starts and ends, its post and its hash."""

    def __init__(self, cp: np.ndarray):
        sep = (cp == _SPACE) | (cp == _BREAK)
        n_pos = len(cp)
        prev_sep = np.concatenate([[True], sep[:-1]])
        next_sep = np.concatenate([sep[1:], [True]])
        self.starts = np.flatnonzero(~sep & prev_sep)
        self.ends = np.flatnonzero(~sep & next_sep) + 1
        self.post = np.cumsum(cp == _BREAK)[self.starts]
        with np.errstate(over="ignore"):
            powers = np.cumprod(np.full(n_pos, _BASE, dtype=np.uint64)) * _WORD_SEED
            prefix = np.concatenate([[np.uint64(0)], np.cumsum(np.where(sep, np.uint64(0), cp * powers))])
            inverse = np.uint64(pow(int(_BASE), -1, 2**64))
            inv_powers = np.cumprod(np.full(n_pos, inverse, dtype=np.uint64))
            # sum of cp[i] * BASE**(i - start): the prefix difference divided by BASE**(start + 1)
            self.hash = (prefix[self.ends] - prefix[self.starts]) * inv_powers[self.starts]


def word_counts(words: _Words, n_texts: int, ngram_range: tuple[int, int], bits: int) -> sp.csr_matrix:
    """Word 1- and 2-gram counts, one row per text, 2**bits columns."""
    lo, hi = ngram_range
    rows, cols = [], []
    if lo <= 1 <= hi:
        rows.append(words.post)
        cols.append(_bucket(words.hash, 1, bits))
    if lo <= 2 <= hi and len(words.hash) > 1:
        same_post = words.post[:-1] == words.post[1:]
        with np.errstate(over="ignore"):
            pair = words.hash[:-1] * _BIGRAM + words.hash[1:]
        rows.append(words.post[:-1][same_post])
        cols.append(_bucket(pair[same_post], 2, bits))
    if not rows:
        return sp.csr_matrix((n_texts, 2**bits))
    row = np.concatenate(rows)
    order = np.argsort(row, kind="stable")
    return _csr(row[order], np.concatenate(cols)[order], n_texts, 2**bits)


def char_counts(cp: np.ndarray, words: _Words, n_texts: int, ngram_range: tuple[int, int], bits: int,
                column_map: np.ndarray | None = None, n_columns: int | None = None) -> sp.csr_matrix:
    """char_wb n-gram counts, one row per text.

    A word's n-grams are the same wherever it occurs, so they are hashed once per distinct word
    of the batch (texts × words) @ (words × n-grams). `column_map` (bucket → column or −1) keeps
    only the columns a model was trained on, before the product.
    """
    distinct, first, which = np.unique(words.hash, return_index=True, return_inverse=True)
    start = words.starts[first]
    length = words.ends[first] - start
    seg = length + 3  # space, word, space, break
    offsets = np.cumsum(seg) - seg
    laid = np.full(int(seg.sum()), _SPACE, dtype=np.uint64)
    laid[offsets + seg - 1] = _BREAK
    within = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    laid[np.repeat(offsets + 1, length) + within] = cp[np.repeat(start, length) + within]
    pos, bucket = char_ngram_buckets(laid, ngram_range, bits)
    word_of_position = np.cumsum(laid == _BREAK) - (laid == _BREAK)
    rows = word_of_position[pos]
    if column_map is None:
        word_ngrams = _csr(rows, bucket, len(distinct), 2**bits)
    else:
        cols = column_map[bucket]
        keep = cols >= 0
        word_ngrams = _csr(rows[keep], cols[keep], len(distinct), int(n_columns or 0))
    text_words = _csr(words.post, which.ravel(), n_texts, len(distinct))
    return (text_words @ word_ngrams).tocsr()


class HashedTfidf:
    """TF-IDF on hashed word and character n-grams; a drop-in for a FeatureUnion of two vectorisers.

    Parameters
    ----------
    word_ngrams, char_ngrams : inclusive n-gram ranges.
    n_features_log2 : hash space of each block (2**20 keeps collisions rare at any realistic vocabulary).

    Attributes
    ----------
    columns_ : dict block → sorted bucket ids seen in training (the model's columns).
    idf_ : dict block → idf weight of each column.
    n_features_out_ : number of output columns.
    """

    def __init__(self, word_ngrams: tuple[int, int] = (1, 2), char_ngrams: tuple[int, int] = (2, 5),
                 n_features_log2: int = 20):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.n_features_log2 = n_features_log2

    def fit(self, texts: Sequence[str]) -> HashedTfidf:
        cp = _lay_out(texts)
        words = _Words(cp)
        bits = self.n_features_log2
        counts = {"word": word_counts(words, len(texts), tuple(self.word_ngrams), bits),
                  "char": char_counts(cp, words, len(texts), tuple(self.char_ngrams), bits)}
        n = len(texts)
        self.columns_: dict[str, np.ndarray] = {}
        self.idf_: dict[str, np.ndarray] = {}
        for kind, matrix in counts.items():
            df = np.bincount(matrix.indices, minlength=matrix.shape[1])
            columns = np.flatnonzero(df)
            self.columns_[kind] = columns
            self.idf_[kind] = np.log((1 + n) / (1 + df[columns])) + 1.0
        self.n_features_out_ = sum(len(c) for c in self.columns_.values())
        self._lookup: dict[str, np.ndarray] = {}
        return self

    def _lookup_table(self, kind: str) -> np.ndarray:
        """Bucket → output column (−1 for buckets not seen in training); rebuilt after loading."""
        if not hasattr(self, "_lookup"):
            self._lookup = {}
        if kind not in self._lookup:
            lookup = np.full(2**self.n_features_log2, -1, dtype=np.int64)
            lookup[self.columns_[kind]] = np.arange(len(self.columns_[kind]))
            self._lookup[kind] = lookup
        return self._lookup[kind]

    def _transform_batch(self, texts: Sequence[str]) -> sp.csr_matrix:
        cp = _lay_out(texts)
        words = _Words(cp)
        bits = self.n_features_log2
        n_word = len(self.columns_["word"])
        counts = word_counts(words, len(texts), tuple(self.word_ngrams), bits)
        cols = self._lookup_table("word")[counts.indices]
        keep = cols >= 0
        rows = np.repeat(np.arange(len(texts)), np.diff(counts.indptr))[keep]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(texts)))])
        word_block = sp.csr_matrix((counts.data[keep], cols[keep], indptr), shape=(len(texts), n_word))
        char_block = char_counts(cp, words, len(texts), tuple(self.char_ngrams), bits,
                                 self._lookup_table("char"), len(self.columns_["char"]))
        blocks = []
        for kind, block in (("word", word_block), ("char", char_block)):
            block.data = (1.0 + np.log(block.data)) * self.idf_[kind][block.indices]
            blocks.append(normalize(block, copy=False))
        return sp.hstack(blocks, format="csr")

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if not hasattr(self, "columns_"):
            raise RuntimeError("HashedTfidf is not fitted")
        parts = [self._transform_batch(texts[i:i + _BATCH]) for i in range(0, len(texts), _BATCH)]
        if not parts:
            return sp.csr_matrix((0, self.n_features_out_))
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.fit(texts).transform(texts)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_lookup", None)  # 8 MB per block, rebuilt on first use
        return state
