"""The small interface every format module implements, and shared readers.

An importer is a class with a format name, a `sniff` that scores how sure it
is that a file is in its format (from content, not only the extension), and a
`read` that yields records (`Post`, `Account`, `Notice`, `Reject`). It never
touches the project: the pipeline merges what it yields.
"""

from __future__ import annotations

import csv
import io
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import orjson

from peelian.errors import FormatError
from peelian.ingest.records import Record, Reject

SNIFF_BYTES = 256 * 1024
EXCERPT_CHARS = 500


@dataclass
class Sample:
    """The head of a file, for format detection."""

    path: Path
    head: bytes

    @cached_property
    def text(self) -> str:
        return self.head.decode("utf-8-sig", errors="replace")

    @cached_property
    def first_json(self) -> Any:
        """The first JSON value: the first line of NDJSON, or the whole document if it fits in the head."""
        text = self.text.lstrip()
        if not text or text[0] not in "[{":
            return None
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
        for line in text.splitlines():
            if line.strip():
                try:
                    return orjson.loads(line)
                except orjson.JSONDecodeError:
                    return None
        return None

    @cached_property
    def csv_header(self) -> list[str] | None:
        text = self.text
        if not text or text.lstrip()[:1] in "[{":
            return None
        try:
            row = next(csv.reader(io.StringIO(text)))
        except (StopIteration, csv.Error):
            return None
        return [c.strip() for c in row] if len(row) > 1 else None


class Importer(ABC):
    """One format. Subclasses set the class attributes and implement sniff and read."""

    format: ClassVar[str]
    platform: ClassVar[str]
    description: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, options: dict[str, Any] | None = None):
        self.options = options or {}

    @classmethod
    @abstractmethod
    def sniff(cls, sample: Sample) -> float:
        """0 when the file is not in this format, up to 1 when certain."""

    @abstractmethod
    def read(self, path: Path) -> Iterator[Record]:
        """Yield every record of the file, rejecting (not raising on) bad ones."""


# ---- shared readers ----------------------------------------------------------------------

def excerpt(raw: str | bytes | None) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return raw if len(raw) <= EXCERPT_CHARS else raw[:EXCERPT_CHARS] + "…"


def iter_json_lines(path: Path) -> Iterator[tuple[int, Any] | Reject]:
    """Yield (line number, parsed value) for NDJSON; bad lines become Rejects naming the line."""
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if number == 1 and stripped.startswith(b"\xef\xbb\xbf"):
                stripped = stripped[3:]
            try:
                value = orjson.loads(stripped)
            except orjson.JSONDecodeError as exc:
                yield Reject(f"line {number}", _json_problem(exc, stripped, line.endswith(b"\n")), stripped)
                continue
            yield number, value


def _json_problem(exc: orjson.JSONDecodeError, raw: bytes, complete: bool) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return f"not valid UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start + 1}); is the file in another encoding?"
    if not complete:
        return f"truncated JSON at the end of the file ({exc.msg})"
    return f"malformed JSON: {exc.msg} at column {exc.colno}"


def load_json_document(path: Path, *, strip_js_assignment: bool = False) -> Any:
    """Parse a whole-file JSON document; raises FormatError naming the line and column."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if strip_js_assignment:
        eq = data.find(b"=")
        if eq < 0:
            raise FormatError("no `window.YTD... =` assignment found", path=str(path))
        prefix_lines = data[:eq].count(b"\n")
        data = data[eq + 1:].strip()
        if data.endswith(b";"):
            data = data[:-1]
    else:
        prefix_lines = 0
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1 + prefix_lines
            raise FormatError(
                f"not valid UTF-8 (byte 0x{data[err.start]:02x}); is the file in another encoding?",
                path=str(path), location=f"line {line}",
            ) from exc
        truncated = exc.pos >= len(data) - 1
        problem = "truncated JSON (the file ends early)" if truncated else f"malformed JSON: {exc.msg}"
        raise FormatError(problem, path=str(path), location=f"line {exc.lineno + prefix_lines}, column {exc.colno}") from exc


# ---- value helpers -----------------------------------------------------------------------

def as_str(value: Any) -> str | None:
    """Platform ids stay strings, even where a platform sent a number."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_int(value: Any) -> int | None:
    """Counts arrive as ints, strings ("0") or locale-formatted strings; None when absent."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    text = str(value).strip()
    if text in {"-", "N/A", "n/a", "null", "None"}:
        return None
    digits = text.replace(",", "").replace(".", "").replace(" ", "").replace("\u00a0", "")
    if digits.lstrip("-").isdigit():
        return int(digits)
    raise ValueError(f"not a count: {value!r}")


def parse_time(value: Any) -> datetime | None:
    """Parse the many timestamp forms platforms use into naive UTC.

    ISO 8601 with Z, offsets with or without a colon, Twitter's RFC-2822-like form,
    epoch seconds or milliseconds. A naive ISO time is taken as UTC.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    text = str(value).strip()
    if text.isdigit():
        return parse_time(int(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            try:
                parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
            except ValueError as exc:
                raise ValueError(f"unrecognised time {text!r}") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed
