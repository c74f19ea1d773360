"""How posts are shown to a given role: the single place where citizen identities are masked.

Citizen handles are stored as keyed pseudonyms (`c_…`) unless the project keeps
them on purpose. Analysts and admins see whatever is stored; viewers see
"citizen" instead of any citizen handle, and every @mention in a text that is
not a registered police/partner account becomes "@citizen". Post ids that embed an account
(Bluesky `at://<did>/…`, Facebook `<owner>_<post>`, ActivityPub URIs) carry the author's
pseudonym, so a viewer gets them as opaque tokens (`shown_id`) that the routes read back (`read_id`).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any, overload
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from peelian.errors import NotFoundError
from peelian.report.force_report import CITIZEN as CITIZEN_LABEL
from peelian.report.force_report import mask_citizens

PSEUDONYM_ANYWHERE = re.compile(r"c_[0-9a-f]{16}")
ID_FIELDS = ("post_id", "conversation_id", "reply_to_post_id")
ID_TOKEN = "v."  # no stored post id starts so: X ids are digits, the others URIs or <owner>_<post>
# Deterministic authenticated encryption (AES-SIV): the same id gives the same token, so pages cache and
# links compare; the key lives in this process only, so tokens end with the server, as sessions do.
_ID_CIPHER = AESSIV(AESSIV.generate_key(256))


def shown_id(value: str | None) -> str | None:
    """A post or conversation id as a viewer may see it: one embedding a pseudonym becomes a token."""
    if value is None or not PSEUDONYM_ANYWHERE.search(value):
        return value
    sealed = _ID_CIPHER.encrypt(value.encode(), None)
    return ID_TOKEN + base64.urlsafe_b64encode(sealed).decode().rstrip("=")


@overload
def read_id(value: str) -> str: ...
@overload
def read_id(value: None) -> None: ...
def read_id(value: str | None) -> str | None:
    """The id behind a `shown_id` token (any other value as it is); a token this server did not make is a
    NotFoundError, as an unknown id would be."""
    if value is None or not value.startswith(ID_TOKEN):
        return value
    body = value.removeprefix(ID_TOKEN)
    try:
        return _ID_CIPHER.decrypt(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), None).decode()
    except (InvalidTag, ValueError, binascii.Error):
        raise NotFoundError(f"no post {value!r}") from None


def author_label(row: dict[str, Any], show_identities: bool) -> str:
    if row.get("author_role") == "citizen":
        if not show_identities or not row.get("author_handle"):
            return CITIZEN_LABEL
        return str(row["author_handle"])
    return "@" + str(row.get("author_handle") or row.get("author_id") or "unknown")


def web_link(url: str | None) -> str | None:
    """A post's stored link if it is an http(s) one, else None: importers keep links as the file gives them,
    so a citizen's `javascript:` or `data:` link must not become a link on a page."""
    if not url or url != url.strip():
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def present_rows(rows: list[dict[str, Any]], show_identities: bool, known_handles: frozenset[str]) -> list[dict[str, Any]]:
    """Copies of post rows with `who` and `body` added; for viewers (and coders) citizen ids are dropped and
    post ids that embed one are tokens, so no template can leak them. The input rows are left as they are
    (they may be cached and shared)."""
    out = []
    for source in rows:
        row = dict(source)
        row["who"] = author_label(row, show_identities)
        row["body"] = (row.get("text") or "") if show_identities else mask_citizens(row.get("text"), known_handles)
        if "url" in row:
            row["url"] = web_link(row["url"])
        if not show_identities:
            row["text"] = row["body"]  # the unmasked text stays out of a viewer's rows, as the ids do
            for key in ID_FIELDS:
                if key in row:
                    row[key] = shown_id(row[key])
        if not show_identities and row.get("author_role") == "citizen":
            row["author_id"] = None
            row["author_handle"] = None
            row["author"] = None  # the inbox's and unanswered rows name their citizen here
        if not show_identities:
            for key in ("account_handle", "citizen_handle", "citizen_id", "handle"):
                if key in row and row[key] and PSEUDONYM_ANYWHERE.search(str(row[key])):
                    row[key] = CITIZEN_LABEL
        out.append(row)
    return out
