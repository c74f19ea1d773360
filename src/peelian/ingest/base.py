"""The small interface every format module implements, the JSON reader they share, and value helpers.

An importer is a class with a format name, a `sniff` that scores how sure it
is that a file is in its format (from content, not only the extension), and a
`read` that yields records (`Post`, `Account`, `Notice`, `Reject`). It never
touches the project: the pipeline merges what it yields. JSON formats subclass
`JsonImporter`, so that every one of them reads damaged files the same way
(`iter_json_values`).
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Protocol

import orjson

from peelian.errors import FormatError
from peelian.ingest.records import Record, Reject

if TYPE_CHECKING:
    import duckdb

    from peelian.store.identity import IdentityResolver

TEXT_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
             (b"\xfe\xff", "UTF-16"))
"""Byte-order marks of the Unicode encodings a file may be saved in besides UTF-8 (UTF-32 first: its
little-endian mark begins with UTF-16's); the names are Python codecs too."""


def bom_encoding(head: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding whose byte-order mark begins `head`, else None."""
    return next((name for bom, name in TEXT_BOMS if head.startswith(bom)), None)


SNIFF_BYTES = 256 * 1024
MERGE_ROWS = 100_000  # posts staged before a merge into the project tables (bounds memory)
EXCERPT_CHARS = 500
MAX_LINE_BYTES = 16 << 20
"""The longest line read as one record (an NDJSON line, a CSV line): a longer one is quarantined
unread, so that one runaway line cannot exhaust the import's memory (DuckDB's share is capped
at 512 MiB, and parsing takes many times a line's size). No platform's record comes near: a
twarc2 page of 100 tweets with all expansions is well under 1 MiB."""


_NOT_PARSED = object()


@dataclass
class Sample:
    """The head of a file, for format detection. `whole` when the head is the whole file."""

    path: Path
    head: bytes
    whole: bool = False
    parsed: Any = field(default=_NOT_PARSED, repr=False)  # the first JSON value, when known (`salvaged`)

    @cached_property
    def text(self) -> str:
        return self.head.decode("utf-8-sig", errors="replace")

    @cached_property
    def json_text(self) -> str:
        """The text when it starts as JSON does, else "": what the sniffers that look for quoted keys
        in a head too big or too damaged to parse may search (a README quoting the keys is no export)."""
        return self.text if self.text.lstrip()[:1] in ("[", "{") else ""

    @cached_property
    def first_json(self) -> Any:
        """The first JSON value: the first line of NDJSON, or the whole document if it fits in the head."""
        if self.parsed is not _NOT_PARSED:
            return self.parsed
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

    def salvaged(self) -> Sample | None:
        """What can still be read of a head that starts as JSON but does not parse, as a sample to
        sniff: the second line when it parses alone (NDJSON with a damaged first line, read so by
        `iter_json_values` too), else the JSON up to the damage with its open brackets closed.
        None when the head is not damaged JSON or nothing of it parses."""
        if self.first_json is not None or self.damage is None:
            return None
        lines = [line.strip() for line in self.text.splitlines() if line.strip()][:2]
        if len(lines) == 2 and (value := _parse_line(lines[1].encode())) is not _UNPARSED:
            return Sample(self.path, self.head, self.whole, value)
        value = _close_cut_json(self._escaped_text, self.damage.offset)
        return None if value is None else Sample(self.path, self.head, self.whole, value)

    @cached_property
    def _escaped_text(self) -> str:
        """The text with each byte that is not UTF-8 kept as one lone surrogate, so offsets map to bytes."""
        return self.head.removeprefix(_BOM).decode("utf-8", errors="surrogateescape")

    @cached_property
    def damage(self) -> JsonDamage | None:
        """Where a head that starts as JSON stops being JSON; None when it parses, when it is not
        JSON, or when it is only cut by the end of the sample (a file longer than the head)."""
        text = self._escaped_text
        body = text.lstrip()
        if not body or body[0] not in "[{":
            return None
        bom = len(_BOM) if self.head.startswith(_BOM) else 0

        def byte(pos: int) -> int:
            return len(text[:pos].encode("utf-8", errors="surrogateescape")) + bom

        offset, problem = self._json_failure(body)
        if offset is not None:
            offset += len(text) - len(body)
        bad = _ESCAPED_BYTE.search(text, 0, len(text) if offset is None else offset + 1)
        if bad and (self.whole or bad.start() < len(text) - 3):  # not a character cut by the end of the sample
            pos = bad.start()
            return JsonDamage(text.count("\n", 0, pos) + 1, byte(pos), pos,
                              f"not valid UTF-8 (0x{ord(text[pos]) - 0xDC00:02x})")
        if offset is None or (problem == "cut short" and not self.whole):
            return None
        return JsonDamage(text.count("\n", 0, offset) + 1, byte(offset), offset,
                          "cut short (the file ends inside a JSON value)" if problem == "cut short"
                          else "not valid JSON")

    @staticmethod
    def _json_failure(body: str) -> tuple[int | None, str]:
        """Where (an offset in `body`) and how ("cut short" or "invalid") JSON text stops parsing:
        NDJSON in its first line, a document where its parse fails; (None, "") when it parses."""
        lines = body.split("\n", 2)
        if _parse_line(lines[0].strip().encode("utf-8", errors="surrogateescape")) is not _UNPARSED:
            return None, ""  # NDJSON, or a document on one line, that parses
        ndjson = len(lines) > 1 and _parse_line(
            lines[1].strip().encode("utf-8", errors="surrogateescape")) is not _UNPARSED
        try:
            json.loads(lines[0] if ndjson else body)
        except json.JSONDecodeError as exc:
            cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(body.rstrip()) - 1
            return exc.pos, "cut short" if cut else "invalid"
        except (ValueError, RecursionError):
            return None, ""
        return None, ""


_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class JsonDamage:
    """Where a file that starts as JSON stops parsing: the line (from 1), the byte offset in the
    file, the offset in the sample's text, and what is wrong."""

    line: int
    byte: int
    offset: int
    problem: str

    def __str__(self) -> str:
        return f"line {self.line} is {self.problem} at byte {self.byte:,}"


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\],]')


def _close_cut_json(text: str, cut: int) -> Any:
    """The value of JSON text damaged at `cut`: the text up to its last complete member before the
    damage, with the brackets still open there closed. None when nothing of it parses."""
    checkpoints: list[tuple[int, str]] = []  # (where to cut, the closers then needed)
    closers: list[str] = []
    for token in _JSON_TOKEN.finditer(text, 0, cut):
        char = token.group()[0]
        if char in "{[":
            closers.append("}" if char == "{" else "]")
            checkpoints.append((token.end(), "".join(reversed(closers))))
        elif char in "}]":
            if closers:
                closers.pop()
        elif char == ",":
            checkpoints.append((token.start(), "".join(reversed(closers))))
    for end, closing in reversed(checkpoints[-50:]):
        try:
            return json.loads(text[:end] + closing)
        except (ValueError, RecursionError):
            continue
    return None


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

    @classmethod
    def holds_no_posts(cls, sample: Sample) -> str | None:
        """When the file is one of this platform's responses or export files that holds no posts
        (and `sniff` gave it 0), what it is and which file to import instead; else None."""
        return None

    def check(self, path: Path) -> None:
        """Raise an InputError when the options cannot work for this file at all (a column
        mapping naming missing columns), so the pipeline can refuse before importing anything."""

    def stage_bulk(self, path: Path, sink: BulkSink) -> bool:
        """Stage the whole file set-based (in DuckDB) instead of record by record; False when this
        format, or this file, has no bulk reader, and `read` is used instead."""
        return False


class BulkSink(Protocol):
    """What a bulk reader may do with the import in progress (the pipeline's writer)."""

    con: duckdb.DuckDBPyConnection
    identity: IdentityResolver
    staged_since_merge: int
    auto_merge: bool  # False: only the bulk reader decides when to merge (between whole chunks)

    def add(self, record: Record) -> None:
        """Stage one record read in Python."""

    def begin_line(self, seq: int) -> None:
        """Number the records that follow from `seq` on (bulk and Python records share one order)."""

    def stage(self, table: str, rows: Any) -> None:
        """Stage rows built in SQL (an Arrow table) into `posts`, `accounts` or `mentions`."""

    def count_bulk(self, *, records: int, accounts: int) -> None:
        """Count what was staged in bulk, for the import's summary."""

    def merge_chunk(self) -> None:
        """Merge everything staged so far into the project (the sink merges what is left at the end)."""

    def report_progress(self) -> None:
        """Tell the progress callback how many records have been read."""


class JsonImporter(Importer):
    """A format that arrives as JSON: NDJSON or one document, whole or damaged. Reading the file,
    and quarantining what cannot be parsed, is done here (`iter_json_values`); subclasses read
    one parsed value and name where its records are."""

    salvage_keys: ClassVar[tuple[str, ...]] = ()
    """Keys under which a document keeps its main list, so that a cut document keeps its complete items."""
    whole_documents: ClassVar[bool] = False
    """Name records by paths inside one "document" rather than by line and item (see `iter_json_values`)."""

    def read(self, path: Path) -> Iterator[Record]:
        for item in iter_json_values(path, salvage_keys=self.salvage_keys, whole_documents=self.whole_documents):
            if isinstance(item, Reject):
                yield item
            else:
                yield from self._read_value(item[1], item[0])

    @abstractmethod
    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        """Yield the records of one parsed value, found at `where`."""

    def _read_items(self, items: list[Any], where: str) -> Iterator[Record]:
        """The records of each item of a list found at `where`, located as `item N` (from 1)."""
        for number, item in enumerate(items, start=1):
            yield from self._read_value(item, f"{where}, item {number}")


# ---- shared readers ----------------------------------------------------------------------

def excerpt(raw: str | bytes | None) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    return raw if len(raw) <= EXCERPT_CHARS else raw[:EXCERPT_CHARS] + "…"


@dataclass(frozen=True, slots=True)
class Oversized:
    """A line longer than MAX_LINE_BYTES, left unread: its length (without the newline) and its head."""

    size: int
    head: bytes

    def reject(self, number: int) -> Reject:
        return Reject(f"line {number}", f"a line of {self.size:,} bytes, longer than the {MAX_LINE_BYTES:,}-byte "
                                        "limit for one record; it was not read (is the file damaged?)", self.head)


HEAD_BYTES = 4 * EXCERPT_CHARS  # what an excerpt can show of a line (UTF-8 takes up to 4 bytes a character)


def read_lines(fh: BinaryIO, limit: int = MAX_LINE_BYTES) -> Iterator[bytes | Oversized]:
    """The lines of a binary file, each with its newline; a line longer than `limit` bytes is
    skipped in pieces, never held whole, and comes as `Oversized`."""
    while line := fh.readline(limit + 1):
        if len(line) <= limit or line.endswith(b"\n"):
            yield line
            continue
        size, head = len(line), line[:HEAD_BYTES]
        del line
        while piece := fh.readline(1 << 20):
            size += len(piece)
            if piece.endswith(b"\n"):
                size -= 1
                break
        yield Oversized(size, head)


def iter_json_lines(path: Path) -> Iterator[tuple[int, Any] | Reject]:
    """Yield (line number, parsed value) for NDJSON; bad lines become Rejects naming the line."""
    with open(path, "rb") as fh:
        for number, line in enumerate(read_lines(fh), start=1):
            item = parse_json_line(number, line)
            if item is not None:
                yield item


def parse_json_line(number: int, line: bytes | Oversized) -> tuple[int, Any] | Reject | None:
    """One NDJSON line: (number, value), a Reject naming the line and the problem, or None if blank."""
    if isinstance(line, Oversized):
        return line.reject(number)
    stripped = line.strip()
    if not stripped:
        return None
    if number == 1 and stripped.startswith(b"\xef\xbb\xbf"):
        stripped = stripped[3:]
    try:
        return number, orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        return Reject(f"line {number}", _json_problem(exc, stripped, line.endswith(b"\n")), stripped)


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


def iter_json_values(path: Path, *, strip_js_assignment: bool = False, salvage_keys: Iterable[str] = (),
                     whole_documents: bool = False) -> Iterator[tuple[str, Any] | Reject]:
    """Yield (location, value) from NDJSON or from one JSON document, told apart by content, not extension.

    A file whose first non-blank line is a complete JSON object or array is NDJSON: one value
    per line ("line N"), bad lines become Rejects. Anything else is one document. How a
    document is located depends on `whole_documents`: when set, it is yielded whole as
    "document" (a one-line file too) and the importer names the paths inside it; when not, a
    one-line file is NDJSON ("line 1") and a top-level array is yielded item by item ("item N").

    A document that does not parse is salvaged, not lost: a top-level array keeps its complete
    items before the damage ("item N (line L)", or one "document" list when whole), then one
    Reject names the line and column of the damage; a document whose second line parses on
    its own is NDJSON with a bad first line; an object whose main list is under one of
    `salvage_keys` keeps that list's complete items as a "document" holding only that list
    (the key says what the items are), then the Reject. Anything else raises FormatError
    naming the line and column.
    """
    second = None
    if not strip_js_assignment:
        first, second = _first_two_lines(path)
        if first is None:
            raise FormatError("the file is empty", path=str(path))
        value = _parse_line(first)
        if value is not _UNPARSED:
            if whole_documents and second is None:
                yield "document", value
            else:
                yield from _numbered_lines(path)
            return
        if isinstance(first, Oversized) and second is not None and _parse_line(second) is not _UNPARSED:
            yield from _numbered_lines(path)  # NDJSON whose first line is too long to read
            return
    data, prefix_lines = _document_bytes(path, strip_js_assignment)
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield from _damaged_document(path, data, prefix_lines, exc, second, tuple(salvage_keys), whole_documents)
        return
    if isinstance(value, list) and not whole_documents:
        for number, item in enumerate(value, start=1):
            yield f"item {number}", item
    else:
        yield "document", value


def _first_two_lines(path: Path) -> tuple[bytes | Oversized | None, bytes | Oversized | None]:
    """The first two non-blank lines, stripped (None where the file has fewer; `Oversized` unread)."""
    found: list[bytes | Oversized | None] = []
    with open(path, "rb") as fh:
        for number, line in enumerate(read_lines(fh), start=1):
            if isinstance(line, Oversized):
                found.append(line)
            else:
                if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if not line.strip():
                    continue
                found.append(line.strip())
            if len(found) == 2:
                break
    found += [None] * (2 - len(found))
    return found[0], found[1]


_UNPARSED = object()


def _parse_line(line: bytes | Oversized) -> Any:
    """The JSON object or array on a line, or _UNPARSED (a bare number or string is no NDJSON record)."""
    if isinstance(line, Oversized) or line[:1] not in (b"{", b"["):
        return _UNPARSED
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return _UNPARSED


def _numbered_lines(path: Path) -> Iterator[tuple[str, Any] | Reject]:
    for item in iter_json_lines(path):
        yield item if isinstance(item, Reject) else (f"line {item[0]}", item[1])


def _damaged_document(path: Path, data: bytes, prefix_lines: int, exc: orjson.JSONDecodeError,
                      second: bytes | None, salvage_keys: tuple[str, ...],
                      whole_documents: bool) -> Iterator[tuple[str, Any] | Reject]:
    """What `iter_json_values` can still read of a document that does not parse (see there)."""
    opening = data.lstrip()[:1]
    if opening == b"[":
        yield from _salvage_array(data, prefix_lines, whole_documents)
    elif second is not None and _parse_line(second) is not _UNPARSED:
        yield from _numbered_lines(path)
    elif salvage_keys and opening == b"{" and (found := _salvage_keyed(data, prefix_lines, salvage_keys)):
        key, items, rejects = found
        yield "document", {key: items}
        if not rejects:  # the list is whole: the damage lies after it
            error = _document_error(path, data, exc, prefix_lines)
            rejects = [Reject(error.location or "file", f"{error.reason} {_salvaged(len(items))}")]
        yield from rejects
    else:
        raise _document_error(path, data, exc, prefix_lines) from exc


@dataclass(frozen=True, slots=True)
class _Item:
    """A complete item of a list: its number (from 1, damaged items counted), its line (from 0), its value."""

    number: int
    line: int
    value: Any


@dataclass(frozen=True, slots=True)
class _Damage:
    """A damaged item of a list: why, where (an offset in the text, its line from 0 and column from 1),
    the item's text, and the line (from 0) where reading went on after it (None: the walk ended)."""

    problem: str
    pos: int
    line: int
    column: int
    number: int
    raw: str
    resumed: int | None
    last: bool  # the list's last item: nothing after it was lost


@dataclass(frozen=True, slots=True)
class _Closed:
    """The list ended at its own `]`; `end` is the offset after it."""

    end: int


TRUNCATED = "truncated JSON (the file ends early)"


def _salvage_array(data: bytes, prefix_lines: int, whole: bool) -> Iterator[tuple[str, Any] | Reject]:
    """The complete items of a damaged top-level array (one by one, or as one "document" list
    when `whole`), one Reject per damaged item, and reading goes on at the item after it."""
    text, bad = _lenient_text(data)
    items: list[Any] = []
    rejects: list[Reject] = []
    read = 0
    for step in _list_items(text, text.index("[") + 1, bad):
        if isinstance(step, _Item):
            read += 1
            if whole:
                items.append(step.value)
            else:
                yield f"item {step.number} (line {step.line + 1 + prefix_lines})", step.value
            continue
        if isinstance(step, _Damage):
            reject = _damage_reject(step, read, prefix_lines)
        else:
            rest = _skip_space(text, step.end)
            if rest >= len(text):
                break
            line = text.count("\n", 0, rest)
            reject = Reject(f"line {line + 1 + prefix_lines}, column {rest - text.rfind(chr(10), 0, rest)}",
                            f"unexpected data after the end of the list {_salvaged(read)}",
                            _raw(text[rest:rest + EXCERPT_CHARS]))
        if whole:
            rejects.append(reject)
        else:
            yield reject
    if whole:
        if items:
            yield "document", items
        yield from rejects


def _salvage_keyed(data: bytes, prefix_lines: int,
                   keys: tuple[str, ...]) -> tuple[str, list[Any], list[Reject]] | None:
    """The first list under one of `keys` with complete items: its key, those items, and a Reject
    per damaged item (none when the list itself is whole). None when no such list is found."""
    text, bad = _lenient_text(data)
    pattern = re.compile(r'"(' + "|".join(re.escape(k) for k in keys) + r')"\s*:\s*\[')
    for match in pattern.finditer(text):
        items: list[Any] = []
        rejects: list[Reject] = []
        for step in _list_items(text, match.end(), bad):
            if isinstance(step, _Item):
                items.append(step.value)
            elif isinstance(step, _Damage):
                rejects.append(_damage_reject(step, len(items), prefix_lines))
        if items:
            return match.group(1), items, rejects
    return None


def _lenient_text(data: bytes) -> tuple[str, list[int]]:
    """The text with each byte that is not UTF-8 kept as a lone surrogate (so that reading goes on
    past it), and the offsets of those bytes in the text."""
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="surrogateescape")
        return text, [m.start() for m in _ESCAPED_BYTE.finditer(text)]


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _not_a_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_not_a_constant)


def _list_items(text: str, pos: int, bad: list[int]) -> Iterator[_Item | _Damage | _Closed]:
    """Walk the list whose `[` ends before `pos`: each complete item, each damaged one (after
    which the walk goes on at the next item, where one can be found), and `_Closed` at its end.

    An item is damaged when it does not parse, is not followed by `,` or `]`, or holds a byte
    that is not UTF-8. The next item is found by the layout of the items before: in a list
    written one item per line, the next line indented like them that opens the same way; in a
    list on one line, the next `,` after which a whole item follows that, when the items are
    objects, has at least half the keys of the first one (an object nested in the damaged item
    rarely has)."""
    lines = _LineCounter(text)
    pos = _skip_space(text, pos)
    if pos < len(text) and text[pos] == "]":
        yield _Closed(pos + 1)
        return
    indent = _item_indent(text, pos)
    keys: frozenset[str] | None = None
    number = 0
    while True:
        number += 1
        start = pos
        if start >= len(text):
            yield _damage(text, lines, TRUNCATED, start, start, number, None)
            return
        problem, fail, end, value = _decode_item(text, start)
        if problem is None:
            after = _skip_space(text, end)
            if (hit := _first_in(bad, start, end)) is not None:  # whole, but not readable: the next item is known
                last = after >= len(text) or text[after] == "]"
                yield _damage(text, lines, _not_utf8(text, hit), hit, start, number,
                              None if last else lines.at(_skip_space(text, after + 1)), last=last)
            else:
                if keys is None and isinstance(value, dict):
                    keys = frozenset(value)
                yield _Item(number, lines.at(start), value)
            if after < len(text) and text[after] == "]":
                yield _Closed(after + 1)
                return
            pos = _skip_space(text, after + 1)
            continue
        if (hit := _first_in(bad, start, fail + 1)) is not None:
            problem, fail = _not_utf8(text, hit), hit
        resume = _next_item(text, max(fail, start + 1), text[start], indent, keys)
        if resume is None:
            truncated = problem == TRUNCATED or fail >= len(text.rstrip()) - 1
            yield _damage(text, lines, TRUNCATED if truncated else problem, start if truncated else fail,
                          start, number, None)
            return
        if problem == TRUNCATED:  # not the end of the file: a string or value left open
            problem = "malformed JSON: a string or value is not closed"
        yield _damage(text, lines, problem, fail, start, number, lines.at(resume))
        pos = resume


def _decode_item(text: str, pos: int) -> tuple[str | None, int, int, Any]:
    """(problem or None, where it failed, where the item ends, value) for the item at `pos`,
    which must be followed by `,` or `]`."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        truncated = exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()) - 1
        return (TRUNCATED if truncated else f"malformed JSON: {exc.msg}"), exc.pos, exc.pos, None
    except ValueError as exc:
        return f"malformed JSON: {exc}", pos, pos, None
    except RecursionError:
        return "malformed JSON: nested too deeply", pos, pos, None
    after = _skip_space(text, end)
    if after >= len(text):
        return None, end, end, value  # a whole item; the walk finds the cut after it
    if text[after] not in ",]":
        return "malformed JSON: expected ',' or ']' after an item", after, after, None
    return None, end, end, value


def _next_item(text: str, pos: int, opening: str, indent: str | None, keys: frozenset[str] | None) -> int | None:
    """Where the item after a damaged one starts (see `_list_items`), searching from `pos`."""
    if opening not in "{[":
        opening = "{"
    if indent is not None:
        found = re.compile(r",[ \t]*\r?\n" + re.escape(indent) + re.escape(opening)).search(text, pos)
        return found.end() - 1 if found else None
    for found in re.compile(r",\s*" + re.escape(opening)).finditer(text, pos):
        start = found.end() - 1
        problem, _, _, value = _decode_item(text, start)
        if problem is None and (keys is None or not isinstance(value, dict)
                                or 2 * len(keys & value.keys()) >= len(keys)):
            return start
    return None


def _item_indent(text: str, pos: int) -> str | None:
    """The whitespace before the first item when it starts a line of its own (a list written one
    item per line), else None."""
    line_start = text.rfind("\n", 0, pos) + 1
    indent = text[line_start:pos]
    return indent if line_start and not indent.strip() else None


class _LineCounter:
    """Line numbers (from 0) of offsets visited in increasing order, counted once."""

    def __init__(self, text: str):
        self.text, self.pos, self.line = text, 0, 0

    def at(self, pos: int) -> int:
        if pos < self.pos:
            return self.text.count("\n", 0, pos)
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _first_in(offsets: list[int], start: int, end: int) -> int | None:
    """The first of the sorted `offsets` in [start, end), or None."""
    index = bisect.bisect_left(offsets, start)
    return offsets[index] if index < len(offsets) and offsets[index] < end else None


def _not_utf8(text: str, pos: int) -> str:
    byte = ord(text[pos]) - 0xDC00
    return f"not valid UTF-8 (byte 0x{byte:02x}); is the file in another encoding?"


def _damage(text: str, lines: _LineCounter, problem: str, fail: int, start: int, number: int,
            resumed: int | None, *, last: bool = False) -> _Damage:
    line = lines.at(start) + text.count("\n", start, fail)
    return _Damage(problem, fail, line, fail - text.rfind("\n", 0, fail), number,
                   text[start:start + EXCERPT_CHARS], resumed, last)


def _damage_reject(damage: _Damage, read: int, prefix_lines: int) -> Reject:
    """The Reject for a damaged item, naming its line and column and whether reading went on."""
    if damage.last:
        tail = f"(item {damage.number}, the list's last, is quarantined)"
    elif damage.resumed is None:
        tail = _salvaged(read)
    else:
        tail = (f"(item {damage.number} is quarantined; reading went on at the next item, "
                f"line {damage.resumed + 1 + prefix_lines})")
    return Reject(f"line {damage.line + 1 + prefix_lines}, column {damage.column}",
                  f"{damage.problem} {tail}", _raw(damage.raw))


def _raw(text: str) -> bytes:
    """Text of the file back as its bytes (bytes that are not UTF-8 included), for an excerpt."""
    return text.encode("utf-8", errors="surrogateescape")


def _salvaged(count: int) -> str:
    return f"({count} item(s) before it were read, the rest of the file was not)"


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


def raw_json(value: Any) -> bytes | None:
    """The JSON of a rejected value for the quarantine excerpt (cut at 4 bytes per excerpt character,
    the most UTF-8 needs); None when it cannot be written back (nested beyond orjson's limit)."""
    try:
        return orjson.dumps(value)[: 4 * EXCERPT_CHARS]
    except TypeError:
        return None


def shape(value: Any) -> str:
    """A short description of an unexpected JSON value, for reject reasons."""
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:6])
        return f"an object with keys: {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return f"a {type(value).__name__}: {excerpt(str(value))}"


def post_kind(*, reposted: object = None, reply_to: object = None, quoted: object = None) -> str:
    """What kind of post points at these (ids, or flags where a format has no id): a repost before a
    reply before a quote, so that a retweet of a reply is a repost and a reply that quotes is a reply."""
    return "repost" if reposted else "reply" if reply_to else "quote" if quoted else "original"


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
