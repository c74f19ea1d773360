"""The inbox's order, found by a partition and a sort of the rows up to the page, is the full sort's."""

from __future__ import annotations

import importlib

import numpy as np

inbox_module = importlib.import_module("peelian.triage.inbox")


def test_partial_order_equals_the_full_sort_for_every_page_size() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    risk = rng.random(n) < 0.1
    semantic = risk & (rng.random(n) < 0.3)
    left = rng.choice([-7200, -60, 0, 60, 3600], n) * 1_000_000 + rng.integers(0, 3, n)  # many ties
    created = rng.integers(0, 50, n) * 1_000_000
    nids = rng.integers(0, n // 2, n)  # a post may have a row per force addressed
    full = np.lexsort((nids, created, left, left >= 0, semantic, ~risk))
    keys = np.stack([~risk, semantic, left >= 0, left, created, nids], axis=1)
    for first in (0, 1, 2, 49, 50, 51, 333, n - 1, n, None):
        order = inbox_module._order(nids, created, left, semantic, risk, first)
        upto = n if first is None else first
        assert len(order) >= upto
        assert (keys[order[:upto]] == keys[full[:upto]]).all(), first
    far = left.copy()
    far[0] = -(2**52)  # a time left beyond what the packed key holds: sorted in full
    far_keys = np.stack([~risk, semantic, far >= 0, far, created, nids], axis=1)
    expected = np.lexsort((nids, created, far, far >= 0, semantic, ~risk))[:10]
    assert (far_keys[inbox_module._order(nids, created, far, semantic, risk, 10)[:10]] == far_keys[expected]).all()
