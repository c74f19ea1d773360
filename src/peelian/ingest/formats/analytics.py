"""What the analytics exports (X Analytics, Hootsuite/Orlo/Sprout, CrowdTangle post history)
share: reading their CSV with a header, their counts, and the time their counts were measured.

These exports carry counts no API response gives (impressions, reach, engagements, clicks), as
they stood when the export was made. Each count becomes a `MetricSnapshot` dated `observed_at`;
the post's own columns take the counts the API has too (likes, replies, reposts, views).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from peelian.errors import InputError
from peelian.ingest.csvreader import iter_csv_rows, ragged_row
from peelian.ingest.records import MetricSnapshot, Record, Reject

EMPTY = {"", "-", "--", "n/a", "N/A", "null", "None"}
NUMBER_RE = re.compile(r"^-?\d+(?:\.\d+)?$")
GROUPED_RE = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def header_key(name: str) -> str:
    """A column name compared case- and space-insensitively (exports differ in both)."""
    return " ".join(name.strip().strip("\ufeff").lower().split())


def metric_name(column: str) -> str:
    """`user profile clicks` → `user_profile_clicks`; `Reactions: Like` → `reactions_like`."""
    return re.sub(r"[^0-9a-z]+", "_", column.lower()).strip("_")


def count(value: str | None, column: str) -> int | None:
    """A count as the exports write it: `12`, `12.0` (X Analytics), `1,234`; `-` or empty is None.
    Raises ValueError naming the column when it is not a whole number."""
    text = (value or "").strip()
    if text in EMPTY:
        return None
    if GROUPED_RE.match(text):
        text = text.replace(",", "")
    if NUMBER_RE.match(text):
        number = float(text)
        if number.is_integer():
            return int(number)
    raise ValueError(f"column {column!r}: {value!r} is not a count")


def csv_records(path: Path, header_problem: Callable[[list[str]], str | None] | None = None,
                ) -> Iterator[tuple[str, dict[str, str], list[str]] | Reject]:
    """(`row N`, {header key: cell}, cells) for each row after the header; Rejects for rows that
    cannot be read or do not line up with the header. A header that `header_problem` finds
    wrong (given the header keys, it names the problem) is one Reject and ends the file."""
    header: list[str] | None = None
    for item in iter_csv_rows(path):
        if isinstance(item, Reject):
            yield item
            continue
        number, cells = item
        if header is None:
            header = [header_key(c) for c in cells]
            if header_problem is not None and (problem := header_problem(header)):
                yield Reject("row 1", problem, ",".join(cells))
                return
            continue
        if ragged := ragged_row(number, cells, header):
            yield ragged
            continue
        yield f"row {number}", dict(zip(header, cells, strict=True)), cells


def sniffed_keys(header: list[str] | None) -> set[str]:
    """The header keys of a sniffed CSV header (empty when the sample is not a CSV), so that each
    export's sniffer only says which columns it needs."""
    return {header_key(c) for c in header} if header else set()


def csv_import(path: Path, records: Callable[[dict[str, str], str], Iterator[Record]]) -> Iterator[Record]:
    """The records `records(row, where)` makes of each row; a row it refuses with ValueError
    becomes a Reject naming the row, so one bad row never stops the file."""
    for item in csv_records(path):
        if isinstance(item, Reject):
            yield item
            continue
        where, row, cells = item
        try:
            yield from records(row, where)
        except ValueError as exc:
            yield Reject(where, str(exc), ",".join(cells))


def observed_at(options: dict[str, Any], path: Path, from_name: datetime | None) -> datetime:
    """When the export's counts were measured: the option `observed_at` (a date or time), else the
    date the file name gives (`from_name`), else the file's modification time (naive UTC)."""
    given = options.get("observed_at")
    if given:
        try:
            parsed = datetime.fromisoformat(str(given).strip().replace("Z", "+00:00"))
        except ValueError as exc:
            raise InputError(f"option observed_at: {given!r} is not a date or time (e.g. 2024-03-31 or "
                             "2024-03-31T18:00)", path=str(path)) from exc
        return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    if from_name is not None:
        return from_name
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


def day_after(text: str) -> datetime:
    """The end of a day named `YYYYMMDD` or `YYYY-MM-DD` (the next midnight, UTC)."""
    return datetime.strptime(text.replace("-", ""), "%Y%m%d") + timedelta(days=1)


def snapshots(platform: str, post_id: str, when: datetime, source: str,
              values: dict[str, int | None]) -> list[MetricSnapshot]:
    """One snapshot per count that is present."""
    return [MetricSnapshot(platform, post_id, when, metric, value, source)
            for metric, value in values.items() if value is not None]
