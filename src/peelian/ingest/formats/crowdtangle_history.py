"""CrowdTangle per-post history CSV: one Facebook post's interactions over time, one row per
step (`ID`, `Score Date (GMT)`, `Timestep`, `Likes`, `Comments`, `Shares`, `Love`, `Wow`, `Haha`,
`Sad`, `Angry`, `Care`, `Post Views`, …, `Score`, `Post Date (GMT)`, `URL`).

Each row is a reference to the post (a partial post: the history has no author name or text)
with its counts at `Score Date (GMT)` as `MetricSnapshot`s, so the series sits beside the post
that a CrowdTangle export, the Graph API or Hootsuite stored. The post id is the Graph API's
`<page id>_<post id>` when the page id is known (from `URL`, or `--option page_id=`), as the
CrowdTangle export importer writes it, so the two meet; else the bare post id (`ID`, which
CrowdTangle writes with a trailing tab so spreadsheets keep its digits).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from peelian.ingest.base import Importer, Sample, as_int
from peelian.ingest.formats.analytics import (
    EMPTY,
    csv_import,
    metric_name,
    snapshots,
    sniffed_keys,
)
from peelian.ingest.formats.crowdtangle import URL_OWNER_RE, post_id_from_url
from peelian.ingest.records import Post, Record

PLATFORM = "facebook"
SOURCE = "crowdtangle-history"
NOT_COUNTS = {"id", "score date (gmt)", "timestep", "score", "post date (gmt)", "url", "page name", "facebook id"}
ID_RE = re.compile(r"^(?:\d+\|)?(?:(\d+)_)?(\d+)$")


class CrowdTangleHistoryImporter(Importer):
    format = "crowdtangle-history"
    platform = PLATFORM
    description = "CrowdTangle per-post history CSV (one post's interactions over time)"
    extensions = (".csv",)

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        keys = sniffed_keys(sample.csv_header)
        return 0.95 if "score date (gmt)" in keys and ("id" in keys or "url" in keys) else 0.0

    def read(self, path: Path) -> Iterator[Record]:
        page_id = str(self.options.get("page_id") or "").strip() or None
        yield from csv_import(path, lambda row, where: _records(row, where, page_id))


def _records(row: dict[str, str], where: str, page_id: str | None) -> Iterator[Record]:
    url = _cell(row, "url")
    raw_id = (_cell(row, "id") or "").strip()
    match = ID_RE.match(raw_id)
    post = post_id_from_url(url) or (match.group(2) if match else None)
    if post is None:
        raise ValueError(f"no post id: column 'ID' is {raw_id!r} and column 'URL' names no post")
    owner = (match.group(1) if match else None) or page_id
    if owner is None and url and (found := URL_OWNER_RE.search(url)):
        owner = found.group(1)
    post_id = f"{owner}_{post}" if owner else post
    when = _time(row, "score date (gmt)")
    if when is None:
        raise ValueError("column 'Score Date (GMT)' is empty")
    values = {}
    for column, value in row.items():
        if column in NOT_COUNTS or (value or "").strip() in EMPTY:
            continue
        try:
            values[metric_name(column)] = as_int(value)
        except ValueError as exc:
            raise ValueError(f"column {column!r}: {exc}") from exc
    yield Post(platform=PLATFORM, post_id=post_id, location=where, author_id=owner,
               created_at=_time(row, "post date (gmt)"), url=url, is_partial=True)
    yield from snapshots(PLATFORM, post_id, when, SOURCE, values)


def _cell(row: dict[str, Any], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return None if value in EMPTY else value


def _time(row: dict[str, str], column: str) -> datetime | None:
    """`2021-07-05 00:00:00` (GMT, seconds optional); None when the cell is empty."""
    text = _cell(row, column)
    if text is None:
        return None
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, form)
        except ValueError:
            continue
    raise ValueError(f"column {column.title()!r}: unrecognised time {text!r} (expected e.g. '2021-07-05 00:00:00')")
