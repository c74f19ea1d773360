"""CSV rows numbered as a user sees them in an editor, for the CSV importers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from peelian.ingest.base import Oversized, read_lines
from peelian.ingest.records import Reject


def iter_csv_rows(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, list[str]] | Reject]:
    """Yield (row number, cells) for every record; the header is row 1.

    The row number is the physical line on which the record starts, so a quoted field
    spanning lines does not shift the numbers a user sees in an editor. Lines are decoded one
    by one: a record with bytes that are not UTF-8 becomes a Reject naming the row and byte,
    and the other records are unaffected. A line longer than MAX_LINE_BYTES is not read: its
    record becomes a Reject too. `encoding` is the file's, where an importer has detected
    another (it must keep `\\n` a byte of its own, as UTF-8 and the single-byte encodings do).
    CRLF line ends are read as LF, so a cell spanning lines holds the same text whichever system
    wrote the file (the same export saved on Windows is duplicates, not "updated" posts).
    """
    bad_lines: dict[int, str] = {}
    heads: dict[int, bytes] = {}

    def lines() -> Iterator[str]:
        with open(path, "rb") as fh:
            for number, line in enumerate(read_lines(fh), start=1):
                if isinstance(line, Oversized):
                    reject = line.reject(number)
                    bad_lines[number], heads[number] = reject.reason, line.head
                    yield "-\n"  # a placeholder: a row of its own, or a line of a quoted field
                    continue
                if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]
                if line.endswith(b"\r\n"):  # Windows line ends: a text spanning lines reads as written on any system
                    line = line[:-2] + b"\n"
                try:
                    yield line.decode(encoding)
                except UnicodeDecodeError as err:
                    bad_lines[number] = (f"not valid UTF-8 (byte 0x{line[err.start]:02x} at column {err.start + 1}); "
                                         "is the file in another encoding?" if encoding == "utf-8" else
                                         f"not valid {encoding} (byte 0x{line[err.start]:02x} at column "
                                         f"{err.start + 1}), the encoding detected for the file")
                    yield line.decode(encoding, errors="replace")

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
            elif "new-line character seen in unquoted field" in problem:
                problem = ("a line ends in a lone carriage return (\\r), as old Mac spreadsheets save CSV; "
                           "save it as 'CSV UTF-8' (Unix or Windows line ends)")
            elif "field larger than field limit" in problem:
                problem = (f"a field longer than {csv.field_size_limit():,} characters "
                           "(is a quote left open?)")
            yield Reject(f"row {start}", f"unreadable CSV: {problem}")
            continue
        start, previous_end = previous_end + 1, reader.line_num
        if not cells:
            continue
        bad_line = next((n for n in range(start, previous_end + 1) if n in bad_lines), None)
        if bad_line is not None:
            yield Reject(f"row {start}", bad_lines[bad_line], heads.get(bad_line, ",".join(cells)))
            continue
        yield start, cells


def ragged_row(number: int, cells: list[str], header: list[str]) -> Reject | None:
    """A Reject for a row whose cells do not line up with the header's columns; None when they do."""
    if len(cells) == len(header):
        return None
    return Reject(f"row {number}", f"{len(cells)} cells where the header has {len(header)} columns", ",".join(cells))
