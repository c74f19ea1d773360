"""The spreadsheet route: one CSV per coder out, the filled sheet back in, all or nothing.

A coder without the web interface fills a sheet in Excel or LibreOffice. On the way back
every cell is checked before anything is written: an unknown code, a coder who is not
assigned to the sample, a missing id, a duplicate row or a post outside the sample each
become one problem with its row and column, and the whole sheet is refused with the full
list, so the coder fixes everything in one pass and no half-applied sheet exists.

Cell grammar (also in docs/coding.md): blank = not coded yet; one code id (or its label) for
a single-label dimension; several separated by `;` for a multi-label one; `-` = none of the
codes apply (multi-label only); `skip` = skipped; `n/a` = the dimension does not apply to
this post (written by the export, accepted only where it is true).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peelian.coding.codebook import Codebook, Dimension, active_codebook
from peelian.coding.codings import Coding, insert_codings, effective_codings
from peelian.coding.samples import get_sample
from peelian.errors import CodingError, NotFoundError
from peelian.store.csv_text import read_csv_text, sniff_delimiter
from peelian.store.project import Project, utcnow
from peelian.store.safe_text import neutralise_cell, neutralise_row, restore_cell

FIXED_COLUMNS = ("sample", "coder", "position", "platform", "post_id", "author", "author_role", "kind",
                 "created_at", "context", "text")
REQUIRED_COLUMNS = ("sample", "coder", "platform", "post_id")
NOTE_COLUMN = "note"
NOT_APPLICABLE = "n/a"
SKIP = "skip"
NONE_APPLY = "-"
SEPARATORS = (";", "|", ",")


@dataclass
class Problem:
    """One bad cell (or row, when column is None) of a sheet."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class SheetError(CodingError):
    """A sheet with problems; `problems` lists every one (nothing was applied)."""

    def __init__(self, problems: list[Problem], *, path: str | None = None):
        self.problems = problems
        shown = [str(p) for p in problems[:200]]
        if len(problems) > 200:
            shown.append(f"… and {len(problems) - 200} more")
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun}, nothing was imported:\n  " + "\n  ".join(shown), path=path)


@dataclass
class SheetReport:
    """What an import applied."""

    path: str
    rows: int
    recorded: int
    unchanged: int
    blank: int
    samples: list[str] = field(default_factory=list)
    coders: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def parse_cell(dimension: Dimension, value: str, *, in_scope: bool = True) -> tuple[str, list[str]] | None:
    """A cell as (status, codes), or None when blank; raises CodingError with a readable reason."""
    text = (value or "").strip()
    if not text:
        return None
    low = text.lower()
    if low == NOT_APPLICABLE:
        if in_scope:
            raise CodingError(f"{dimension.id!r} applies to this post; code it or leave the cell blank")
        return None
    if not in_scope:
        raise CodingError(f"{dimension.id!r} applies only to {dimension.scope_text()}; leave this cell blank "
                          "or n/a")
    if low == SKIP:
        return ("skipped", [])
    if text == NONE_APPLY:
        if not dimension.multi_label:
            raise CodingError(f"'-' (none apply) is only for multi-label dimensions; {dimension.id!r} takes one "
                              "code")
        return ("coded", [])
    parts = [text]
    for sep in SEPARATORS:
        if sep in text:
            parts = text.split(sep)
            break
    by_id = {c.id.lower(): c.id for c in dimension.codes}
    by_label = {c.label.strip().lower(): c.id for c in dimension.codes}
    codes, unknown = [], []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        code = by_id.get(part.lower()) or by_label.get(part.lower())
        if code is None:
            unknown.append(part)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise CodingError(f"unknown code{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for "
                          f"{dimension.id!r} (codes: {', '.join(dimension.code_ids())})")
    if not dimension.multi_label and len(codes) > 1:
        raise CodingError(f"{dimension.id!r} takes one code, got {len(codes)} ({'; '.join(codes)})")
    return ("coded", codes)


def format_cell(coding: Coding | None) -> str:
    if coding is None:
        return ""
    if coding.status == "skipped":
        return SKIP
    if coding.status == "coded" and not coding.codes:
        return NONE_APPLY
    return "; ".join(coding.codes)


def posts_with_context(project: Project, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Posts with their parent's and thread start's text, in three set-based lookups."""
    if not keys:
        return {}
    cur = project.cursor()
    try:
        rows = cur.execute(
            "SELECT p.platform, p.post_id, p.author_handle, p.author_role, p.kind, p.created_at, p.text, "
            "p.reply_to_post_id, p.conversation_id FROM posts p JOIN (SELECT unnest(?) AS platform, "
            "unnest(?) AS post_id) k USING (platform, post_id)",
            [[k[0] for k in keys], [k[1] for k in keys]]).fetchall()
        out = {(r[0], r[1]): {"author": r[2], "author_role": r[3], "kind": r[4], "created_at": r[5], "text": r[6],
                              "reply_to": r[7], "conversation": r[8]} for r in rows}
        related = {(p, v["reply_to"]) for (p, _), v in out.items() if v["reply_to"]}
        related |= {(p, v["conversation"]) for (p, i), v in out.items() if v["conversation"] and v["conversation"] != i}
        texts: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        if related:
            rel = list(related)
            texts = {(r[0], r[1]): (r[2], r[3]) for r in cur.execute(
                "SELECT p.platform, p.post_id, p.author_handle, p.text FROM posts p JOIN (SELECT unnest(?) AS "
                "platform, unnest(?) AS post_id) k USING (platform, post_id)",
                [[k[0] for k in rel], [k[1] for k in rel]]).fetchall()}
    finally:
        cur.close()
    for (platform, post_id), post in out.items():
        context = []
        if post["conversation"] and post["conversation"] != post_id and post["conversation"] != post["reply_to"]:
            author, text = texts.get((platform, post["conversation"]), (None, None))
            if text:
                context.append(f"thread start (@{author}): {text}")
        if post["reply_to"]:
            author, text = texts.get((platform, post["reply_to"]), (None, None))
            context.append(f"in reply to (@{author}): {text}" if text else
                           f"in reply to post {post['reply_to']} (not in the project)")
        post["context"] = "\n".join(context)
    return out


def export_sheet(project: Project, sample: str, coder: str, path: str | Path) -> int:
    """Write the coder's sheet (their current codings pre-filled); returns the number of rows."""
    info = get_sample(project, sample)
    if coder not in info.coders:
        raise CodingError(f"{coder!r} is not a coder of sample {sample!r} (its coders: {', '.join(info.coders)})")
    codebook = active_codebook(project)
    items = project.query("SELECT platform, post_id, position FROM sample_items WHERE sample_name = ? AND coder = ? "
                          "ORDER BY position", [sample, coder])
    posts = posts_with_context(project, [(r["platform"], r["post_id"]) for r in items])
    current = {(c.platform, c.post_id, c.dimension): c
               for c in effective_codings(project, sample=sample, coder=coder)}
    notes = {(c.platform, c.post_id): c.note for c in current.values() if c.note}
    header = [*FIXED_COLUMNS, *codebook.dimension_ids(), NOTE_COLUMN]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for r in items:
        post = posts.get((r["platform"], r["post_id"]), {})
        cells = []
        for dim in codebook.dimensions:
            if post and not dim.applies_to(post["author_role"], post["kind"]):
                cells.append(NOT_APPLICABLE)
            else:
                cells.append(format_cell(current.get((r["platform"], r["post_id"], dim.id))))
        created = post.get("created_at")
        # Post text, context and notes are neutralised against spreadsheet formulas; code cells are
        # Peelian's own vocabulary (`-` is "none apply") and stay as they are.
        writer.writerow([*neutralise_row([sample, coder, r["position"], r["platform"], r["post_id"],
                                          post.get("author") or "", post.get("author_role") or "",
                                          post.get("kind") or "", created.isoformat(sep=" ") if created else "",
                                          post.get("context") or "", post.get("text") or ""]),
                         *cells, neutralise_cell(notes.get((r["platform"], r["post_id"]), ""))])
    try:
        Path(path).write_text(buffer.getvalue(), encoding="utf-8-sig")
    except OSError as exc:
        raise CodingError(f"cannot write: {exc.strerror}", path=str(path)) from exc
    project.audit("sheet_export", username=coder, target=sample, detail={"to": str(path), "rows": len(items)})
    return len(items)


def read_sheet_rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and non-empty rows with their spreadsheet row numbers (header = 1; a cell with line
    breaks does not shift them); `,`, `;` or tab as Excel may have saved it. Cells that Peelian
    neutralised against spreadsheet formulas when it wrote the sheet are read back as they were."""
    text = read_csv_text(path, CodingError, "the sheet")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [h.strip() for h in next(reader)]
        for number, raw in enumerate(reader, start=2):
            if any(cell.strip() for cell in raw):
                rows.append((number, [restore_cell(cell) for cell in raw]))
    except StopIteration:
        raise CodingError("the sheet is empty", path=str(path)) from None
    except csv.Error as exc:
        raise CodingError(f"not readable as CSV: {exc}", path=str(path), location=f"line {reader.line_num}") from exc
    return header, rows


def _canonical_columns(header: list[str], codebook: Codebook) -> tuple[dict[int, str], dict[str, str],
                                                                       list[Problem]]:
    """Column index → canonical name (fixed columns and dimension ids, case-insensitive)."""
    names = {c: c for c in (*FIXED_COLUMNS, NOTE_COLUMN)} | {d.id.lower(): d.id for d in codebook.dimensions}
    columns: dict[int, str] = {}
    labels: dict[str, str] = {}
    problems = []
    for i, name in enumerate(header):
        label = f"{column_letter(i)} ({name})"
        canonical = names.get(name.lower())
        if canonical is None:
            problems.append(Problem(1, label, f"unknown column {name!r}; dimension columns are "
                                              f"{', '.join(codebook.dimension_ids())}"))
        elif canonical in labels:
            problems.append(Problem(1, label, f"column {name!r} appears twice"))
        else:
            columns[i] = canonical
            labels[canonical] = label
    missing = [c for c in REQUIRED_COLUMNS if c not in labels]
    if missing:
        problems.append(Problem(1, None, f"missing required column(s): {', '.join(missing)}"))
    if not any(d.id in labels for d in codebook.dimensions):
        problems.append(Problem(1, None, f"no dimension columns (expected some of: "
                                         f"{', '.join(codebook.dimension_ids())})"))
    return columns, labels, problems


def import_sheet(project: Project, path: str | Path, *, source: str = "sheet") -> SheetReport:
    """Check every cell of a filled sheet, then record the changed codings in one transaction."""
    path = Path(path)
    header, raw_rows = read_sheet_rows(path)
    codebook = active_codebook(project)
    columns, labels, problems = _canonical_columns(header, codebook)
    if any(p.column is None for p in problems):
        raise SheetError(problems, path=str(path))
    dims = [d for d in codebook.dimensions if d.id in labels]
    rows: list[tuple[int, dict[str, str]]] = []
    for line, raw in raw_rows:
        if len(raw) > len(header) and any(c.strip() for c in raw[len(header):]):
            problems.append(Problem(line, None, "more cells than header columns (a stray delimiter?)"))
        rows.append((line, {name: (raw[i] if i < len(raw) else "").strip() for i, name in columns.items()}))

    keys = list({(r.get("platform", ""), r.get("post_id", "")) for _, r in rows})
    scope: dict[tuple[str, str], tuple[str, str]] = {}
    if keys:
        cur = project.cursor()
        try:
            scope = {(r[0], r[1]): (r[2], r[3]) for r in cur.execute(
                "SELECT p.platform, p.post_id, p.author_role, p.kind FROM posts p JOIN (SELECT unnest(?) AS "
                "platform, unnest(?) AS post_id) k USING (platform, post_id)",
                [[k[0] for k in keys], [k[1] for k in keys]]).fetchall()}
        finally:
            cur.close()

    samples: dict[str, Any] = {}
    assignments: dict[str, set[tuple[str, str, str]]] = {}
    seen: dict[tuple[str, str, str, str], int] = {}
    parsed: list[tuple[str, str, str, str, Dimension, tuple[str, list[str]], str | None]] = []
    blank = 0
    for line, row in rows:
        sample, coder, platform, post_id = (row.get(c, "") for c in REQUIRED_COLUMNS)
        empty = [c for c in REQUIRED_COLUMNS if not row.get(c)]
        for column in empty:
            problems.append(Problem(line, labels[column], f"{column} is empty"))
        if empty:
            continue
        if sample not in samples:
            try:
                samples[sample] = get_sample(project, sample)
                assignments[sample] = {(r["coder"], r["platform"], r["post_id"]) for r in project.query(
                    "SELECT coder, platform, post_id FROM sample_items WHERE sample_name = ?", [sample])}
            except NotFoundError:
                samples[sample] = None
        info = samples[sample]
        if info is None:
            problems.append(Problem(line, labels["sample"], f"no sample named {sample!r}"))
            continue
        if coder not in info.coders:
            problems.append(Problem(line, labels["coder"], f"{coder!r} is not a coder of sample {sample!r} "
                                                           f"(its coders: {', '.join(info.coders)})"))
            continue
        if (platform, post_id) not in scope:
            problems.append(Problem(line, labels["post_id"], f"post {post_id!r} on {platform!r} is not in the "
                                                             "project"))
            continue
        if (coder, platform, post_id) not in assignments[sample]:
            problems.append(Problem(line, labels["post_id"], f"post {post_id!r} is not in sample {sample!r} for "
                                                             f"coder {coder!r}"))
            continue
        key = (sample, coder, platform, post_id)
        if key in seen:
            problems.append(Problem(line, labels["post_id"], f"duplicate row: post {post_id!r} is already on row "
                                                             f"{seen[key]}"))
            continue
        seen[key] = line
        role, kind = scope[(platform, post_id)]
        note = row.get(NOTE_COLUMN) or None
        for dim in dims:
            applies = dim.applies_to(role, kind)
            try:
                cell = parse_cell(dim, row.get(dim.id, ""), in_scope=applies)
            except CodingError as exc:
                problems.append(Problem(line, labels[dim.id], exc.reason))
                continue
            if cell is None:
                blank += applies
                continue
            parsed.append((sample, coder, platform, post_id, dim, cell, note))
    if problems:
        problems.sort(key=lambda p: p.row)
        raise SheetError(problems, path=str(path))

    current: dict[tuple, Coding] = {}
    for sample in {p[0] for p in parsed}:
        for c in effective_codings(project, sample=sample):
            current[(c.sample, c.coder, c.platform, c.post_id, c.dimension)] = c
    new_rows, unchanged = [], 0
    now = utcnow()
    for sample, coder, platform, post_id, dim, (status, codes), note in parsed:
        existing = current.get((sample, coder, platform, post_id, dim.id))
        if existing and existing.status == status and existing.codes == codes and existing.note == note:
            unchanged += 1
            continue
        new_rows.append([sample, platform, post_id, coder, dim.id, codes, status, note, codebook.version, source, now])
    if new_rows:
        insert_codings(project, new_rows)
    report = SheetReport(path=str(path), rows=len(rows), recorded=len(new_rows), unchanged=unchanged, blank=blank,
                         samples=sorted({p[0] for p in parsed}), coders=sorted({p[1] for p in parsed}))
    project.audit("sheet_import", username=",".join(report.coders) or None, target=",".join(report.samples) or None,
                  detail=report.to_dict())
    return report


def codebook_for_sheet(codebook: Codebook) -> str:
    """A short legend of the sheet's dimension columns (printed by `sample export`)."""
    lines = []
    for dim in codebook.dimensions:
        kind = "several codes separated by ';', '-' for none" if dim.multi_label else "one code"
        lines.append(f"{dim.id} ({dim.scope_text()}; {kind}): {', '.join(dim.code_ids())}")
    return "\n".join(lines)
