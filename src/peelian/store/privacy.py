"""Keyed pseudonyms for citizen identities.

A pseudonym is an HMAC-SHA256 of the platform, the kind of identifier and its
normalised value, keyed by the project's secret. The same citizen gets the
same pseudonym in every import (so conversations and audience metrics still
work), nobody without the secret can reverse or recompute it, and a handle that
later turns out to be a police account can be matched back by computing its
pseudonym from the registry.
"""

from __future__ import annotations

import hashlib
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

    def hmac_pads(self) -> list[bytes]:
        """The key XOR the inner and the outer pad (RFC 2104), the parameters of `pseudonym_sql`: with
        them SQL computes the same HMAC-SHA256 as `hmac.digest` (they stand for the secret: keep
        them out of SQL text and logs)."""
        key = self._secret if len(self._secret) <= 64 else hashlib.sha256(self._secret).digest()
        key = key.ljust(64, b"\0")
        return [bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)]


def pseudonym_sql(platform: str, kind: str, value: str) -> str:
    """DuckDB SQL for `Pseudonymiser`'s pseudonym of the VARCHAR expression `value` (already
    normalised for a handle), given `hmac_pads()` as the statement's parameters $1 and $2:
    HMAC(k, m) = H((k ^ opad) || H((k ^ ipad) || m)), over the UTF-8 bytes of the same message."""
    if not (re.fullmatch(r"\w+", platform) and re.fullmatch(r"\w+", kind)):  # quoted into the SQL as they are
        raise ValueError(f"platform and kind must be words, not {platform!r} and {kind!r}")
    message = f"encode('{platform}' || chr(31) || '{kind}' || chr(31) || ({value}))"
    return f"'{PSEUDONYM_PREFIX}' || left(sha256($2 || unhex(sha256($1 || {message}))), 16)"


def normalise_handle(handle: str) -> str:
    """Handles compare case-insensitively and without a leading @."""
    return handle.strip().lstrip("@").lower()


def is_pseudonym(value: str | None) -> bool:
    return bool(value) and bool(PSEUDONYM_RE.match(value or ""))
