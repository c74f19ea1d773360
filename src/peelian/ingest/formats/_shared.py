"""Readers shared by the non-Twitter importers: JSON documents that may be NDJSON or cut
short, CSV with line numbers and per-row encoding checks, and HTML to plain text.

They live here rather than in `base.py` so that each importer stays one module while the
fiddly parts (salvaging a truncated array, naming the row of a bad byte) are written once.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from selectolax.lexbor import LexborHTMLParser

from peelian.errors import FormatError
from peelian.ingest.base import excerpt, iter_json_lines, load_json_document
from peelian.ingest.records import Reject

JsonItem = tuple[str, Any] | Reject


# ---- JSON ----------------------------------------------------------------------------------

def read_json_values(path: Path, salvage_keys: Iterable[str] = ()) -> Iterator[JsonItem]:
    """Yield (location, value) for a whole JSON document or for each line of NDJSON.

    A document that cannot be parsed is salvaged when it is a bare array, or an object whose
    main list is under one of `salvage_keys`: the items before the damage are yielded as a
    document holding just that list, followed by a Reject naming the line and column. Anything
    else unreadable raises FormatError (the pipeline quarantines it with its location).
    """
    first = _first_line(path)
    if first is None and _is_blank(path):
        raise FormatError("the file is empty", path=str(path))
    if first is not None:
        try:
            value = orjson.loads(first[1])
        except orjson.JSONDecodeError:
            value = None
        else:
            if not first[2]:
                yield "document", value
                return
        if value is not None:
            for item in iter_json_lines(path):
                yield item if isinstance(item, Reject) else (f"line {item[0]}", item[1])
            return
    try:
        yield "document", load_json_document(path)
    except FormatError as exc:
        salvaged = _salvage(path.read_bytes(), tuple(salvage_keys))
        if salvaged is None:
            raise
        document, count = salvaged
        yield "document", document
        yield Reject(exc.location or "file",
                     f"{exc.reason}; the {count} complete record(s) before it were imported, nothing after it")


def _is_blank(path: Path) -> bool:
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            if chunk.strip(b"\xef\xbb\xbf \t\r\n"):
                return False
    return True


def _first_line(path: Path) -> tuple[int, bytes, bool] | None:
    """The first non-empty line (number, bytes) and whether more content follows it."""
    with open(path, "rb") as fh:
        number = 0
        for raw in fh:
            number += 1
            line = raw.strip()
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:].strip()
            if not line:
                continue
            if line[:1] not in (b"{", b"["):
                return None
            more = any(rest.strip() for rest in fh)
            return number, line, more
    return None


def _salvage(data: bytes, keys: tuple[str, ...]) -> tuple[Any, int] | None:
    """Parse the complete items of the main list of a damaged document, up to the damage."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        text = data[: err.start].decode("utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        starts: list[tuple[str | None, int]] = [(None, len(text) - len(stripped) + 1)]
    elif stripped.startswith("{") and keys:
        pattern = re.compile(r'"(' + "|".join(re.escape(k) for k in keys) + r')"\s*:\s*\[')
        starts = [(m.group(1), m.end()) for m in pattern.finditer(text)]
    else:
        return None
    for key, start in starts:
        items = _items_from(text, start)
        if items:
            return (items if key is None else {key: items}), len(items)
    return None


def _items_from(text: str, start: int) -> list[Any]:
    """The complete JSON values of a list whose `[` ends just before `start`."""
    decoder = json.JSONDecoder()
    items: list[Any] = []
    pos = start
    length = len(text)
    while True:
        while pos < length and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= length or text[pos] == "]":
            break
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
        items.append(value)
    return items


def shape(value: Any) -> str:
    """A short description of an unexpected JSON value, for reject reasons."""
    if isinstance(value, dict):
        keys = ", ".join(list(value)[:6])
        return f"an object with keys: {keys}" if keys else "an empty object"
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    return f"a {type(value).__name__}: {excerpt(str(value))}"


def raw(value: Any) -> str:
    """The JSON text of a rejected value, cut to the excerpt length."""
    try:
        return excerpt(orjson.dumps(value).decode()) or ""
    except TypeError:
        return excerpt(str(value)) or ""


# ---- CSV -----------------------------------------------------------------------------------

def iter_csv_rows(path: Path) -> Iterator[tuple[int, list[str]] | Reject]:
    """Yield (row number, cells) for every record; the header is row 1.

    The row number is the physical line on which the record starts, so a quoted field
    spanning lines does not shift the numbers a user sees in an editor. Lines are decoded one
    by one: a record with bytes that are not UTF-8 becomes a Reject naming the row and byte,
    and the other records are unaffected.
    """
    bad_lines: dict[int, str] = {}

    def lines() -> Iterator[str]:
        with open(path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                try:
                    yield line.decode("utf-8")
                except UnicodeDecodeError as err:
                    bad_lines[number] = (f"not valid UTF-8 (byte 0x{line[err.start]:02x} at column {err.start + 1}); "
                                         "is the file in another encoding?")
                    yield line.decode("utf-8", errors="replace")

    reader = csv.reader(lines(), strict=True)
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            start, previous_end = previous_end + 1, reader.line_num
            problem = str(exc)
            if "unexpected end of data" in problem:
                problem = "a quoted field that is never closed runs to the end of the file"
            elif "expected after" in problem:
                problem += " (a quote inside a quoted field must be doubled)"
            elif "field larger than field limit" in problem:
                problem = (f"a field longer than {csv.field_size_limit():,} characters "
                           "(is a quote left open?)")
            yield Reject(f"row {start}", f"unreadable CSV: {problem}")
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if not cells:
            continue
        bad = next((bad_lines[n] for n in range(start, previous_end + 1) if n in bad_lines), None)
        if bad is not None:
            yield Reject(f"row {start}", bad, ",".join(cells))
            continue
        yield start, cells


# ---- HTML ----------------------------------------------------------------------------------

BLOCK_TAGS = {"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
HIDDEN_CLASSES = {"invisible", "quote-inline"}
_BREAK = "\x00"


def html_to_text(markup: str | None) -> str | None:
    """Plain text of a post's HTML: paragraphs become blank-line breaks, `<br>` a newline;
    `invisible` spans (the hidden parts of shortened links) and the `quote-inline` fallback
    that Mastodon clients hide are dropped; link and mention text is kept."""
    if markup is None:
        return None
    if "<" not in markup and "&" not in markup:
        return markup
    body = LexborHTMLParser(markup).body
    if body is None:
        return ""
    parts: list[str] = []
    # Iterative walk (a deeply nested document must not hit the recursion limit): the stack
    # holds the elements whose children are being read, and whether each is a block.
    stack: list[tuple[Any, bool]] = []
    node = body.first_child
    while node is not None or stack:
        if node is None:
            parent, block = stack.pop()
            if block:
                parts.append(_BREAK)
            node = parent.next
            continue
        tag = node.tag
        if tag == "-text":
            parts.append(node.text_content or "")
            node = node.next
        elif tag == "br":
            parts.append("\n")
            node = node.next
        elif tag in {"script", "style", "-comment"} or HIDDEN_CLASSES & set(
                (node.attributes.get("class") or "").split()):
            node = node.next
        else:
            block = tag in BLOCK_TAGS
            if block:
                parts.append(_BREAK)
            stack.append((node, block))
            node = node.first_child
    text = "".join(parts)
    paragraphs = [p.strip(" \t") for p in text.split(_BREAK)]
    text = "\n\n".join(p.strip("\n") for p in paragraphs if p.strip())
    return text
