"""Hootsuite Facebook post exports (Analytics → a Facebook page's posts → Export CSV), as forces'
digital teams download them for their pages (Victoria Police's Eyewatch pages are a published
example): `Date (GMT)`, `Facebook Page`, `Post ID`, `Post Permalink`, `Post Type`, `Post Message`,
`Tags`, `Reactions`, `Comments`, `Shares`, `Ow.ly Clicks`; the "post performance" variant adds
`Impressions`, `Reach`, `Engaged Users`, `Engagement Rate`, `Reactions: Like` … `Reactions:
Anger`, `Video Views` and more.

`Post ID` is the Graph API's `<page id>_<post id>`, so these posts merge with Graph API,
CrowdTangle and facebook-scraper data about the same post. The author is the page: its id from
`Post ID`, its name from `Facebook Page`, which is also offered to the registry as the handle
(a page registered by id or by its name is recognised). Reactions, comments, shares and video
views go to the post's counts; every count (impressions, reach, clicks, each reaction) becomes a
dated `MetricSnapshot`, dated by `--option observed_at=...`, else the file's modification time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from peelian.ingest.base import Importer, Sample
from peelian.ingest.formats.analytics import (
    count,
    csv_import,
    metric_name,
    observed_at,
    snapshots,
    sniffed_keys,
)
from peelian.ingest.records import Post, Record

PLATFORM = "facebook"
SOURCE = "hootsuite"
REQUIRED = ("date (gmt)", "facebook page", "post id", "post message")
NOT_COUNTS = {"date (gmt)", "facebook page", "post id", "post permalink", "post type", "post message", "tags"}
POST_ID_RE = re.compile(r"^(\d+)_(\d+)$")
TIME_FORMS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M",
              "%m/%d/%Y %I:%M:%S %p")


class HootsuiteImporter(Importer):
    format = "hootsuite"
    platform = PLATFORM
    description = "Hootsuite Facebook post export CSV (and its post performance variant)"
    extensions = (".csv",)

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        keys = sniffed_keys(sample.csv_header)
        return 0.95 if all(k in keys for k in REQUIRED) else 0.0

    def check(self, path: Path) -> None:
        observed_at(self.options, path, None)

    def read(self, path: Path) -> Iterator[Record]:
        when = observed_at(self.options, path, None)
        yield from csv_import(path, lambda row, where: _records(row, where, when))


def _records(row: dict[str, str], where: str, when: datetime) -> Iterator[Record]:
    post_id = (row.get("post id") or "").strip()
    match = POST_ID_RE.match(post_id)
    if match is None:
        raise ValueError(f"column 'Post ID': {post_id!r} is not a Facebook <page id>_<post id>")
    page = (row.get("facebook page") or "").strip() or None
    values = {metric_name(column): count(value, column)
              for column, value in row.items() if column not in NOT_COUNTS and "rate" not in column}
    yield Post(
        platform=PLATFORM,
        post_id=post_id,
        location=where,
        author_id=match.group(1),
        author_handle=page,
        author_name=page,
        created_at=_time(row.get("date (gmt)")),
        text=(row.get("post message") or "").strip() or None,
        like_count=values.get("reactions"),
        reply_count=values.get("comments"),
        repost_count=values.get("shares"),
        view_count=values.get("video_views"),
        url=(row.get("post permalink") or "").strip() or None,
    )
    yield from snapshots(PLATFORM, post_id, when, SOURCE, values)


def _time(value: str | None) -> datetime:
    """`Date (GMT)`: ISO (`2019-03-14 02:00`) or Hootsuite's US form (`03/14/2019 2:00 AM`), in UTC."""
    text = (value or "").strip()
    for form in TIME_FORMS:
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    raise ValueError(f"column 'Date (GMT)': unrecognised time {text!r} (expected e.g. '2019-03-14 02:00' "
                     "or '03/14/2019 2:00 AM')")
