"""The small interface every format module implements, and shared readers.

An importer is a class with a format name, a `sniff` that scores how sure it
is that a file is in its format (from content, not only the extension), and a
`read` that yields records (`Post`, `Account`, `Notice`, `Reject`). It never
touches the project: the pipeline merges what it yields.
"""

from __future__ import annotations

import csv
import io
import json
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

    def check(self, path: Path) -> None:
        """Raise an InputError when the options cannot work for this file at all (a column
        mapping naming missing columns), so the pipeline can refuse before importing anything."""


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
    data, prefix_lines = _document_bytes(path, strip_js_assignment)
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise _document_error(path, data, exc, prefix_lines) from exc


def _document_bytes(path: Path, strip_js_assignment: bool) -> tuple[bytes, int]:
    """The JSON text of a file (BOM and any `window.X = ... ;` wrapper removed) and the lines cut before it."""
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not strip_js_assignment:
        return data, 0
    eq = data.find(b"=")
    if eq < 0:
        raise FormatError("no `window.YTD... =` assignment found", path=str(path))
    prefix_lines = data[:eq].count(b"\n")
    data = data[eq + 1:].strip()
    if data.endswith(b";"):
        data = data[:-1]
    return data, prefix_lines


def _document_error(path: Path, data: bytes, exc: orjson.JSONDecodeError, prefix_lines: int) -> FormatError:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1 + prefix_lines
        return FormatError(
            f"not valid UTF-8 (byte 0x{data[err.start]:02x}); is the file in another encoding?",
            path=str(path), location=f"line {line}",
        )
    truncated = exc.pos >= len(data) - 1
    problem = "truncated JSON (the file ends early)" if truncated else f"malformed JSON: {exc.msg}"
    return FormatError(problem, path=str(path), location=f"line {exc.lineno + prefix_lines}, column {exc.colno}")


def iter_json_values(path: Path, *, strip_js_assignment: bool = False) -> Iterator[tuple[str, Any] | Reject]:
    """Yield (location, value) from NDJSON or from one JSON document, told apart by content, not extension.

    A file whose first non-blank line is a complete JSON value is NDJSON: one value per line
    ("line N"), bad lines become Rejects. Anything else is one document; a top-level array is
    yielded item by item ("item N") so that, when the document is cut short or damaged, the
    items before the damage are still read and the rest becomes one Reject naming the line.
    A damaged document whose second line parses on its own is NDJSON with a bad first line.
    Anything else unreadable raises FormatError.
    """
    second = None
    if not strip_js_assignment:
        first, second = _first_two_lines(path)
        if first is None:
            raise FormatError("the file is empty", path=str(path))
        if _parses(first):
            yield from _numbered_lines(path)
            return
    data, prefix_lines = _document_bytes(path, strip_js_assignment)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if data.lstrip()[:1] == b"[":
            yield from _salvage_array(data, prefix_lines)
        elif second is not None and _parses(second):
            yield from _numbered_lines(path)
        else:
            raise _document_error(path, data, exc, prefix_lines) from exc
        return
    if isinstance(value, list):
        for number, item in enumerate(value, start=1):
            yield f"item {number}", item
    else:
        yield "document", value


def _first_two_lines(path: Path) -> tuple[bytes | None, bytes | None]:
    """The first two non-blank lines, stripped (None where the file has fewer)."""
    found: list[bytes | None] = []
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                found.append(line.strip())
                if len(found) == 2:
                    break
    found += [None] * (2 - len(found))
    return found[0], found[1]


def _parses(line: bytes) -> bool:
    if line[:1] not in (b"{", b"["):
        return False
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


def _numbered_lines(path: Path) -> Iterator[tuple[str, Any] | Reject]:
    for item in iter_json_lines(path):
        yield item if isinstance(item, Reject) else (f"line {item[0]}", item[1])


def _salvage_array(data: bytes, prefix_lines: int) -> Iterator[tuple[str, Any] | Reject]:
    """Yield the complete items of a damaged top-level array, then one Reject for the damage."""
    try:
        text, bad_byte = data.decode("utf-8"), None
    except UnicodeDecodeError as err:
        text, bad_byte = data[: err.start].decode("utf-8"), err.start
    decoder = json.JSONDecoder()
    pos = _skip_space(text, text.index("[") + 1)
    count = line = counted = 0
    truncated = False
    while True:
        if pos >= len(text):
            problem, fail, truncated = "truncated JSON (the file ends early)", pos, True
            break
        if text[pos] == "]":
            problem, fail = "unexpected data after the end of the list", _skip_space(text, pos + 1)
            break
        if count:
            if text[pos] != ",":
                problem, fail = "malformed JSON: expected ',' or ']' between items", pos
                break
            pos = _skip_space(text, pos + 1)
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            problem, fail = f"malformed JSON: {exc.msg}", exc.pos
            if exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()) - 1:
                problem, fail, truncated = "truncated JSON (the file ends early)", pos, True
            break
        except RecursionError:
            problem, fail = "malformed JSON: nested too deeply", pos
            break
        line += text.count("\n", counted, pos)
        counted = pos
        count += 1
        yield f"item {count} (line {line + 1 + prefix_lines})", value
        pos = _skip_space(text, end)
    raw: str | bytes = text[fail:fail + EXCERPT_CHARS]
    if bad_byte is not None and truncated:
        problem = f"not valid UTF-8 (byte 0x{data[bad_byte]:02x}); is the file in another encoding?"
        fail_line = data.count(b"\n", 0, bad_byte) + 1 + prefix_lines
        column = bad_byte - data.rfind(b"\n", 0, bad_byte)
        raw = data[bad_byte:bad_byte + EXCERPT_CHARS]
    else:
        fail_line = text.count("\n", 0, fail) + 1 + prefix_lines
        column = fail - text.rfind("\n", 0, fail)
    yield Reject(f"line {fail_line}, column {column}",
                 f"{problem} ({count} item(s) before it were read, the rest of the file was not)", raw)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


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
