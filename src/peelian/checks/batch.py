"""Checking many drafts at once (a CSV of last month's posts, say) and reading drafts from files.

The output CSV keeps every input column and adds what the check found; it is written through
`peelian.store.safe_text` because it holds post text a spreadsheet would otherwise run as formulas.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from peelian.checks.rules import SEVERITIES, Finding, check_draft
from peelian.errors import DraftError
from peelian.ingest.base import bom_encoding
from peelian.store.csv_text import sniff_delimiter
from peelian.store.safe_text import neutralise_row

ADDED_COLUMNS = ("check_risks", "check_severity", "check_findings", "check_details")


@dataclass
class CsvCheck:
    """What `check_csv` did: rows read, rows with any finding, findings per risk."""

    rows: int = 0
    flagged: int = 0
    by_risk: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, object]:
        return {"rows": self.rows, "flagged": self.flagged, "by_risk": dict(self.by_risk)}


def decode_draft(data: bytes, name: str = "the draft", kind: str = "draft") -> str:
    """The text of a draft (or, with `kind="CSV"`, a CSV of drafts) read as bytes; a binary, non-UTF-8 or
    empty one is a `DraftError` naming it. The single place both readers decide what counts as text.
    UTF-16 and UTF-32 with a byte-order mark (Notepad's "Unicode", Excel's "Unicode Text") are read too:
    the mark says what they are, and their NUL bytes are no sign of a binary file."""
    encoding = bom_encoding(data) or "utf-8-sig"
    if encoding == "utf-8-sig" and b"\x00" in data:
        raise DraftError(f"is a binary file, not a {'text draft' if kind == 'draft' else kind}", path=name)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        label = "UTF-8" if encoding == "utf-8-sig" else encoding
        raise DraftError(f"is not {label} text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                         "save it as UTF-8", path=name) from None
    if not text.strip():
        raise DraftError(f"the {kind} is empty", path=name)
    return text


def check_texts(texts: Iterable[str]) -> Iterator[list[Finding]]:
    """`check_draft` over many texts, lazily (a blank text has no findings)."""
    for text in texts:
        yield check_draft(text) if text and text.strip() else []


def worst(findings: list[Finding]) -> str:
    return min((f.severity for f in findings), key=SEVERITIES.index, default="")


def check_csv(source: Path, text_column: str, out: Path) -> CsvCheck:
    """Check the `text_column` of every row of `source` and write `out`: the input columns plus the risks
    found, the worst severity, the number of findings and the findings as JSON."""
    content = decode_draft(source.read_bytes(), str(source), kind="CSV")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=sniff_delimiter(content))
    header = next(reader)
    if text_column not in header:
        raise DraftError(f"has no column {text_column!r} (columns: {', '.join(header)})", path=str(source))
    index = header.index(text_column)
    summary = CsvCheck()
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(neutralise_row([*header, *ADDED_COLUMNS]))
        for row in reader:
            text = row[index] if index < len(row) else ""
            findings = check_draft(text) if text.strip() else []
            summary.rows += 1
            summary.flagged += bool(findings)
            risks = sorted({f.risk for f in findings})
            summary.by_risk.update(risks)
            details = orjson.dumps([f.to_dict() for f in findings]).decode()
            writer.writerow(neutralise_row([*row, ";".join(risks), worst(findings), len(findings), details]))
    return summary
