"""Keyed pseudonyms for citizen identities.

A pseudonym is an HMAC-SHA256 of the platform, the kind of identifier and its
normalised value, keyed by the project's secret. The same citizen gets the
same pseudonym in every import (so conversations and audience metrics still
work), nobody without the secret can reverse or recompute it, and a handle that
later turns out to be a police account can be matched back by computing its
pseudonym from the registry.
"""

from __future__ import annotations

import hmac
import re
from functools import lru_cache

PSEUDONYM_PREFIX = "c_"
PSEUDONYM_RE = re.compile(r"^c_[0-9a-f]{16}$")


class Pseudonymiser:
    def __init__(self, secret: bytes):
        self._secret = secret
        # Small caches: the identity resolver remembers whole accounts, and @handles in text, itself.
        self.account_id = lru_cache(maxsize=20_000)(self._account_id)
        self.handle = lru_cache(maxsize=20_000)(self._handle)

    def _digest(self, platform: str, kind: str, value: str) -> str:
        msg = f"{platform}\x1f{kind}\x1f{value}".encode()
        return PSEUDONYM_PREFIX + hmac.digest(self._secret, msg, "sha256")[:8].hex()

    def _account_id(self, platform: str, account_id: str) -> str:
        return self._digest(platform, "id", account_id)

    def _handle(self, platform: str, handle: str) -> str:
        return self._digest(platform, "handle", normalise_handle(handle))


def normalise_handle(handle: str) -> str:
    """Handles compare case-insensitively and without a leading @."""
    return handle.strip().lstrip("@").lower()


def is_pseudonym(value: str | None) -> bool:
    return bool(value) and bool(PSEUDONYM_RE.match(value or ""))
