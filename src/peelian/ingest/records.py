"""What importers yield: posts, accounts, notices and rejected records.

Every record read from a file becomes exactly one of these (a post seen in an
expansion as well as in the data is still two records: the merge counts the
second as a duplicate). That is what makes the import counts reconcile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Post:
    """One post in the common model. Ids are strings; times are naive UTC."""

    platform: str
    post_id: str
    location: str
    author_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    created_at: datetime | None = None
    text: str | None = None
    language: str | None = None
    kind: str = "original"
    reply_to_post_id: str | None = None
    reply_to_account_id: str | None = None
    reply_to_handle: str | None = None
    conversation_id: str | None = None
    quoted_post_id: str | None = None
    reposted_post_id: str | None = None
    like_count: int | None = None
    reply_count: int | None = None
    repost_count: int | None = None
    quote_count: int | None = None
    view_count: int | None = None
    author_followers: int | None = None
    url: str | None = None
    # True for a post known only from an expansion or a reference (fewer fields than a full record).
    is_partial: bool = False
    # (account_id or None, handle) for every account the post mentions.
    mentions: list[tuple[str | None, str]] = field(default_factory=list)


@dataclass(slots=True)
class Account:
    """An account seen in the file (authors arrive with posts; this is for extra profile data)."""

    platform: str
    account_id: str
    location: str
    handle: str | None = None
    display_name: str | None = None
    followers_count: int | None = None


@dataclass(slots=True)
class Notice:
    """A record that is not a post but carries information: a deletion, a withheld or not-found error."""

    platform: str
    notice_type: str
    location: str
    post_id: str | None = None
    account_id: str | None = None
    detail: dict | None = None


@dataclass(slots=True)
class MetricSnapshot:
    """One count of one post as measured at one time (an analytics export's impressions, a
    CrowdTangle history step). It rides along with the record of its post and is not counted
    as a record of its own, as an `Account` is not."""

    platform: str
    post_id: str
    observed_at: datetime
    metric: str
    value: int
    source: str


@dataclass(slots=True)
class Reject:
    """A record that could not be read: quarantined with the reason and where it was."""

    location: str
    reason: str
    raw: str | bytes | None = None


Record = Post | Account | Notice | MetricSnapshot | Reject
