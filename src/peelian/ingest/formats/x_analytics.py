"""X Analytics "tweet activity" CSV (analytics.twitter.com → Tweets → Export data), the file a
force's digital team downloads for its own account: `tweet_activity_metrics_<handle>_<YYYYMMDD>_
<YYYYMMDD>_en.csv`.

Columns: `Tweet id`, `Tweet permalink`, `Tweet text`, `time` (`2022-02-28 17:39 +0000`), then
counts: `impressions`, `engagements`, `engagement rate`, `retweets`, `replies`, `likes`,
`user profile clicks`, `url clicks`, `hashtag clicks`, `detail expands`, `permalink clicks`,
`app opens`, `app installs`, `follows`, `email tweet`, `dial phone`, `media views`, `media
engagements`, and the same again prefixed `promoted` (`-` for tweets that were not promoted).
Counts are written `12` or `12.0`.

There is no author column: the account is the permalink's handle, else the file name's. The
rows are the account's own tweets, so they are stored as its posts (police when the handle is
in the registry, a pseudonymised citizen otherwise) and partial, since the export does not say
whether a tweet replies, quotes or reposts: a twarc or API record of the same tweet (same id)
completes it, whichever is imported first. Every count becomes a dated `MetricSnapshot`; rates
are not stored (they are engagements / impressions). The snapshot's time is the end of the
export's period in the file name (`--option observed_at=...` overrides it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from peelian.ingest.base import Importer, Sample
from peelian.ingest.formats.analytics import (
    count,
    csv_import,
    day_after,
    metric_name,
    observed_at,
    snapshots,
    sniffed_keys,
)
from peelian.ingest.records import Post, Record

PLATFORM = "twitter"
SOURCE = "x-analytics"
REQUIRED = ("tweet id", "tweet permalink", "time")
MARKERS = ("impressions", "engagements", "tweet text")
NOT_COUNTS = {"tweet id", "tweet permalink", "tweet text", "time"}
PERMALINK_RE = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]{1,15})/status(?:es)?/(\d+)")
FILE_NAME_RE = re.compile(r"tweet_activity_metrics_([A-Za-z0-9_]{1,15})_(\d{8})_(\d{8})", re.IGNORECASE)


class XAnalyticsImporter(Importer):
    format = "x-analytics"
    platform = PLATFORM
    description = "X Analytics tweet activity CSV (a force's own tweets with impressions and engagements)"
    extensions = (".csv",)

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        keys = sniffed_keys(sample.csv_header)
        if all(k in keys for k in REQUIRED) and any(k in keys for k in MARKERS):
            return 0.95
        return 0.0

    def check(self, path: Path) -> None:
        self._when(path)

    def _when(self, path: Path) -> datetime:
        match = FILE_NAME_RE.search(path.name)
        return observed_at(self.options, path, day_after(match.group(3)) if match else None)

    def read(self, path: Path) -> Iterator[Record]:
        when = self._when(path)
        named = FILE_NAME_RE.search(path.name)
        account = self.options.get("handle") or (named.group(1) if named else None)
        yield from csv_import(path, lambda row, where: _records(row, where, when, account))


def _records(row: dict[str, str], where: str, when: datetime, account: str | None) -> Iterator[Record]:
    post_id = (row.get("tweet id") or "").strip()
    if not post_id.isdigit():
        raise ValueError(f"column 'Tweet id': {post_id!r} is not a tweet id")
    permalink = (row.get("tweet permalink") or "").strip()
    match = PERMALINK_RE.match(permalink)
    handle = match.group(1) if match else account
    if handle is None:
        raise ValueError("no account: the permalink names none and the file name is not "
                         "tweet_activity_metrics_<handle>_...; give --option handle=<handle>")
    values = {metric_name(column): count(value, column)
              for column, value in row.items() if column not in NOT_COUNTS and "rate" not in column}
    yield Post(
        platform=PLATFORM,
        post_id=post_id,
        location=where,
        author_handle=handle,
        created_at=_time(row.get("time")),
        text=(row.get("tweet text") or "").strip() or None,
        like_count=values.get("likes"),
        reply_count=values.get("replies"),
        repost_count=values.get("retweets"),
        view_count=values.get("impressions"),
        url=f"https://x.com/i/web/status/{post_id}",
        is_partial=True,
    )
    yield from snapshots(PLATFORM, post_id, when, SOURCE, values)


def _time(value: str | None) -> datetime:
    """`2022-02-28 17:39 +0000` (the export's form) to naive UTC."""
    text = (value or "").strip()
    for form in ("%Y-%m-%d %H:%M %z", "%Y-%m-%d %H:%M:%S %z"):
        try:
            return datetime.strptime(text, form).astimezone(UTC).replace(tzinfo=None)
        except ValueError:
            continue
    raise ValueError(f"column 'time': unrecognised time {text!r} (expected e.g. '2022-02-28 17:39 +0000')")
