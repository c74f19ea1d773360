"""Gold labels: adjudicated or majority decisions that classifiers train and are tested on.

The `gold` table is append-only like `codings`: a new decision on a post adds a row, and the
latest row per post and dimension is the gold label. Every row says how it was reached
(`method`: adjudication, majority, single_coder, import), by whom, when, why and from which sample,
so a training set can be traced back to the people and decisions behind it. Gold never
overwrites codings and model predictions never overwrite gold.
"""

from __future__ import annotations

import csv
import io
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from peelian.coding.codebook import Codebook, Dimension, active_codebook
from peelian.coding.codings import Coding, effective_codings, validate_codes
from peelian.coding.samples import get_sample
from peelian.coding.sheets import (
    NONE_APPLY,
    Problem,
    SheetError,
    column_letter,
    parse_cell,
    posts_with_context,
    read_sheet_rows,
)
from peelian.errors import CodebookError, CodingError
from peelian.store.csv_text import read_csv_text, sniff_delimiter
from peelian.store.project import Project, utcnow
from peelian.store.safe_text import neutralise_row

METHODS = ("adjudication", "majority", "single_coder", "import")
GOLD_COLUMNS = ("gold_id", "platform", "post_id", "dimension", "codes", "method", "decided_by", "reason",
                "sample_name", "codebook_version", "decided_at")

_gold_lock = threading.Lock()


@dataclass
class GoldLabel:
    """One row of the gold table."""

    gold_id: int
    platform: str
    post_id: str
    dimension: str
    codes: list[str]
    method: str
    decided_by: str | None
    reason: str | None
    sample: str | None
    codebook_version: str
    decided_at: datetime

    @classmethod
    def from_row(cls, row: tuple) -> GoldLabel:
        values = list(row)
        values[4] = list(values[4] or [])
        return cls(*values)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def gold_table(project: Project, dimension: str | None = None, *, sample: str | None = None,
               methods: list[str] | None = None) -> list[GoldLabel]:
    """The latest gold row per post and dimension, with who decided, how and why."""
    clauses, params = ["TRUE"], []
    if dimension is not None:
        clauses.append("dimension = ?")
        params.append(dimension)
    if sample is not None:
        clauses.append("sample_name = ?")
        params.append(sample)
    if methods:
        clauses.append("list_contains(?, method)")
        params.append(list(methods))
    cur = project.cursor()
    try:
        rows = cur.execute(
            f"SELECT {', '.join(GOLD_COLUMNS)} FROM gold WHERE {' AND '.join(clauses)} "
            "QUALIFY row_number() OVER (PARTITION BY platform, post_id, dimension ORDER BY gold_id DESC) = 1 "
            "ORDER BY gold_id", params).fetchall()
    finally:
        cur.close()
    return [GoldLabel.from_row(r) for r in rows]


def gold_labels(project: Project, dimension: str, *, sample: str | None = None,
                methods: list[str] | None = None) -> list[tuple[str, str, list[str]]]:
    """(platform, post_id, codes) of the latest gold label of each post on `dimension`."""
    return [(g.platform, g.post_id, g.codes) for g in gold_table(project, dimension, sample=sample, methods=methods)]


def set_gold(project: Project, platform: str, post_id: str, dimension: str, codes: list[str], *, method: str,
             decided_by: str | None = None, reason: str | None = None, sample: str | None = None) -> GoldLabel:
    """Append a gold decision, checked against the active codebook."""
    return _insert_gold(project, [_gold_row(active_codebook(project), platform, post_id, dimension, codes,
                                            method, decided_by, reason, sample)])[0]


def _gold_row(codebook: Codebook, platform: str, post_id: str, dimension: str, codes: list[str], method: str,
              decided_by: str | None, reason: str | None, sample: str | None) -> list[Any]:
    if method not in METHODS:
        raise CodingError(f"gold method must be one of {', '.join(METHODS)}, not {method!r}")
    try:
        dim = codebook.dimension(dimension)
    except Exception as exc:
        raise CodingError(str(exc)) from exc
    clean = validate_codes(dim, codes, "coded")
    return [platform, post_id, dim.id, clean, method, decided_by, (reason or "").strip() or None, sample,
            codebook.version, utcnow()]


def _insert_gold(project: Project, rows: list[list[Any]]) -> list[GoldLabel]:
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    placeholders = ", ".join("unnest(?)" for _ in columns)
    with _gold_lock, project.transaction() as con:
        result = con.execute(f"INSERT INTO gold SELECT nextval('gold_seq'), * FROM (SELECT {placeholders}) "
                             f"RETURNING {', '.join(GOLD_COLUMNS)}", [list(c) for c in columns]).fetchall()
    return sorted((GoldLabel.from_row(r) for r in result), key=lambda g: g.gold_id)


# ---- disagreements and adjudication ---------------------------------------------------------------

@dataclass
class Disagreement:
    """A post and dimension where the coders of a sample differ (or someone flagged it)."""

    sample: str
    platform: str
    post_id: str
    dimension: str
    reason: str
    codings: list[dict[str, Any]]
    text: str | None = None
    context: str | None = None
    gold: list[str] | None = None
    majority: list[str] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _units(project: Project, sample: str, dimension: str | None) -> dict[tuple[str, str, str], list[Coding]]:
    units: dict[tuple[str, str, str], list[Coding]] = {}
    for c in effective_codings(project, sample=sample, dimension=dimension):
        units.setdefault((c.platform, c.post_id, c.dimension), []).append(c)
    return units


def majority_codes(dim: Dimension, values: list[list[str]]) -> list[str] | None:
    """The codes a strict majority of coders chose, or None on a tie.

    Single label: the code chosen by more than half. Multi-label: each code is a yes/no
    decision, kept when more than half said yes; a code with exactly half is a tie.
    """
    n = len(values)
    if n == 0:
        return None
    if not dim.multi_label:
        (code, count), = Counter(v[0] for v in values if v).most_common(1) or [(None, 0)]
        return [code] if code is not None and count * 2 > n else None
    chosen = []
    for code in dim.code_ids():
        yes = sum(code in v for v in values)
        if yes * 2 == n:
            return None
        if yes * 2 > n:
            chosen.append(code)
    return chosen


def disagreements(project: Project, sample: str, *, dimension: str | None = None,
                  include_decided: bool = False) -> list[Disagreement]:
    """Units of the sample that need an adjudicator: coders differ, or a coder flagged the unit."""
    get_sample(project, sample)
    codebook = active_codebook(project)
    decided = {(g.platform, g.post_id, g.dimension): g.codes for g in gold_table(project, dimension)}
    out = []
    for (platform, post_id, dim_id), codings in _units(project, sample, dimension).items():
        values = [c for c in codings if c.is_value]
        flagged = any(c.status == "flagged" for c in codings)
        differ = len(values) >= 2 and len({frozenset(c.codes) for c in values}) > 1
        if not (differ or flagged):
            continue
        gold = decided.get((platform, post_id, dim_id))
        if gold is not None and not include_decided:
            continue
        try:
            dim = codebook.dimension(dim_id)
        except CodebookError:  # a dimension the active codebook no longer has: no majority to offer
            majority = None
        else:
            majority = majority_codes(dim, [c.codes for c in values]) if len(values) >= 2 else None
        out.append(Disagreement(
            sample=sample, platform=platform, post_id=post_id, dimension=dim_id,
            reason="disagreement" if differ else "flagged",
            codings=[{"coder": c.coder, "codes": c.codes, "status": c.status, "note": c.note} for c in codings],
            gold=gold, majority=majority))
    _attach_text(project, out)
    order = {d: i for i, d in enumerate(codebook.dimension_ids())}
    out.sort(key=lambda d: (d.platform, d.post_id, order.get(d.dimension, 99)))
    return out


def _attach_text(project: Project, items: list[Disagreement]) -> None:
    if not items:
        return
    posts = posts_with_context(project, list({(d.platform, d.post_id) for d in items}))
    for d in items:
        post = posts.get((d.platform, d.post_id), {})
        d.text = post.get("text")
        d.context = post.get("context") or None


def _check_in_sample(project: Project, sample: str, platform: str, post_id: str) -> None:
    if not project.scalar("SELECT count(*) FROM sample_items WHERE sample_name = ? AND platform = ? AND post_id = ?",
                          [sample, platform, post_id]):
        raise CodingError(f"post {post_id!r} on {platform!r} is not in sample {sample!r}")


def adjudicate(project: Project, sample: str, platform: str, post_id: str, dimension: str, codes: list[str],
               adjudicator: str, reason: str | None = None) -> GoldLabel:
    """Record an adjudicator's decision on one unit of a sample as its gold label."""
    if not (adjudicator or "").strip():
        raise CodingError("an adjudication needs the adjudicator's name")
    get_sample(project, sample)
    _check_in_sample(project, sample, platform, post_id)
    label = set_gold(project, platform, post_id, dimension, codes, method="adjudication",
                     decided_by=adjudicator.strip(), reason=reason, sample=sample)
    project.audit("adjudicate", username=adjudicator, target=f"{platform}:{post_id}",
                  detail={"sample": sample, "dimension": dimension, "codes": label.codes})
    return label


@dataclass
class MajorityReport:
    """What `apply_majority` decided and what it left for an adjudicator."""

    decided: int = 0
    single_coder: int = 0
    ties: int = 0
    already_gold: int = 0
    not_applicable: int = 0
    by_dimension: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def apply_majority(project: Project, sample: str, *, dimension: str | None = None, decided_by: str | None = None,
                   include_single: bool = False, overwrite: bool = False) -> MajorityReport:
    """Gold by majority rule for every unit of the sample a strict majority agrees on.

    Units coded by one coder become gold (method `single_coder`, decided by that coder) only
    with `include_single`; ties are left for adjudication; units that already have gold are kept
    unless `overwrite`. `decided_by` defaults to "majority rule"; the reason names the coders.
    """
    get_sample(project, sample)
    codebook = active_codebook(project)
    decided = {(g.platform, g.post_id, g.dimension) for g in gold_table(project, dimension)}
    report = MajorityReport()
    rows = []
    for (platform, post_id, dim_id), codings in _units(project, sample, dimension).items():
        stats = report.by_dimension.setdefault(dim_id, {"decided": 0, "single_coder": 0, "ties": 0})
        valued = [c for c in codings if c.is_value]
        values = [c.codes for c in valued]
        if not values:
            continue
        if (platform, post_id, dim_id) in decided and not overwrite:
            report.already_gold += 1
            continue
        try:
            dim = codebook.dimension(dim_id)
        except CodebookError:
            report.not_applicable += 1
            continue
        if len(values) == 1:
            if include_single:
                rows.append(_gold_row(codebook, platform, post_id, dim_id, values[0], "single_coder",
                                      decided_by or valued[0].coder, f"coded by one coder ({valued[0].coder})",
                                      sample))
                report.single_coder += 1
                stats["single_coder"] += 1
            continue
        chosen = majority_codes(dim, values)
        if chosen is None:
            report.ties += 1
            stats["ties"] += 1
            continue
        agree = [c.coder for c in valued if set(c.codes) == set(chosen)]
        rows.append(_gold_row(codebook, platform, post_id, dim_id, chosen, "majority", decided_by or "majority rule",
                              f"{len(agree)} of {len(values)} coders chose exactly this ({', '.join(agree)})",
                              sample))
        report.decided += 1
        stats["decided"] += 1
    _insert_gold(project, rows)
    project.audit("gold_majority", username=decided_by, target=sample, detail=report.to_dict())
    return report


# ---- decisions from a CSV (non-interactive adjudication) -------------------------------------------

DECISION_COLUMNS = ("platform", "post_id", "dimension", "codes")


def export_disagreements(project: Project, sample: str, path: str | Path, *, dimension: str | None = None) -> int:
    """A CSV of the open disagreements with each coder's codes, and an empty `codes` column to fill."""
    items = disagreements(project, sample, dimension=dimension)
    coders = get_sample(project, sample).coders
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["platform", "post_id", "dimension", "text", "context",
                     *[f"{c}_codes" for c in coders], *[f"{c}_note" for c in coders], "majority", "codes", "reason"])
    for d in items:
        by_coder = {c["coder"]: c for c in d.codings}
        cells = [_format_codes(by_coder[c]) if c in by_coder else "" for c in coders]
        notes = [by_coder[c]["note"] or "" if c in by_coder else "" for c in coders]
        majority = "; ".join(d.majority) if d.majority else ""
        # Text, context and notes are neutralised against spreadsheet formulas; code cells are Peelian's own.
        writer.writerow([*neutralise_row([d.platform, d.post_id, d.dimension, d.text or "", d.context or ""]),
                         *cells, *neutralise_row(notes), majority, "", ""])
    try:
        Path(path).write_text(buffer.getvalue(), encoding="utf-8-sig")
    except OSError as exc:
        raise CodingError(f"cannot write: {exc.strerror}", path=str(path)) from exc
    return len(items)


def _format_codes(coding: dict[str, Any]) -> str:
    if coding["status"] == "skipped":
        return "skip"
    text = "; ".join(coding["codes"]) if coding["codes"] else NONE_APPLY
    return text + (" (flagged)" if coding["status"] == "flagged" else "")


@dataclass
class DecisionsReport:
    decided: int
    left_blank: int


def apply_decisions(project: Project, sample: str, path: str | Path, adjudicator: str) -> DecisionsReport:
    """Apply an adjudicator's decisions from CSV (platform, post_id, dimension, codes[, reason]); all or nothing."""
    if not (adjudicator or "").strip():
        raise CodingError("decisions need the adjudicator's name")
    path = Path(path)
    get_sample(project, sample)
    codebook = active_codebook(project)
    header, raw_rows = read_sheet_rows(path)
    index = {h.lower(): i for i, h in enumerate(header)}
    missing = [c for c in DECISION_COLUMNS if c not in index]
    if missing:
        raise SheetError([Problem(1, None, f"missing required column(s): {', '.join(missing)}")], path=str(path))
    in_sample = {(r["platform"], r["post_id"]) for r in project.query(
        "SELECT DISTINCT platform, post_id FROM sample_items WHERE sample_name = ?", [sample])}
    problems: list[Problem] = []
    rows: list[list[Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    blank = 0

    def cell(raw: list[str], name: str) -> str:
        i = index.get(name)
        return raw[i].strip() if i is not None and i < len(raw) else ""

    def label(name: str) -> str:
        return f"{column_letter(index[name])} ({header[index[name]]})"

    for line, raw in raw_rows:
        platform, post_id, dim_id, codes_text = (cell(raw, c) for c in DECISION_COLUMNS)
        bad = False
        for name, value in (("platform", platform), ("post_id", post_id), ("dimension", dim_id)):
            if not value:
                problems.append(Problem(line, label(name), f"{name} is empty"))
                bad = True
        if bad:
            continue
        if (platform, post_id) not in in_sample:
            problems.append(Problem(line, label("post_id"), f"post {post_id!r} is not in sample {sample!r}"))
            continue
        try:
            dim = codebook.dimension(dim_id)
        except CodebookError:
            problems.append(Problem(line, label("dimension"), f"unknown dimension {dim_id!r} (dimensions: "
                                                              f"{', '.join(codebook.dimension_ids())})"))
            continue
        if (platform, post_id, dim.id) in seen:
            problems.append(Problem(line, label("post_id"), f"duplicate decision: already on row "
                                                            f"{seen[(platform, post_id, dim.id)]}"))
            continue
        seen[(platform, post_id, dim.id)] = line
        try:
            parsed = parse_cell(dim, codes_text)
        except CodingError as exc:
            problems.append(Problem(line, label("codes"), exc.reason))
            continue
        if parsed is None:
            blank += 1
            continue
        if parsed[0] != "coded":
            problems.append(Problem(line, label("codes"), "a decision names the codes (or '-' for none)"))
            continue
        rows.append(_gold_row(codebook, platform, post_id, dim.id, parsed[1], "adjudication", adjudicator.strip(),
                              cell(raw, "reason") or None, sample))
    if problems:
        raise SheetError(problems, path=str(path))
    _insert_gold(project, rows)
    project.audit("adjudicate", username=adjudicator, target=sample, detail={"from": str(path), "decided": len(rows)})
    return DecisionsReport(decided=len(rows), left_blank=blank)


# ---- known labels from a file ---------------------------------------------------------------------

@dataclass
class GoldImportReport:
    labels: int
    per_dimension: dict[str, int]
    not_in_project: int


def import_gold(project: Project, path: str | Path, *, per_dimension: int | None = None, seed: int = 0,
                decided_by: str | None = None, reason: str | None = None) -> GoldImportReport:
    """Gold labels from a long CSV of known codes (`platform,post_id,dimension,code`, one row per code).

    For labels decided outside Peelian: an earlier study's gold standard, or the demo's ground truth.
    Every row is validated against the active codebook first; a bad row rejects the whole file.
    `per_dimension` keeps a seeded random subset per dimension (a coding round of that size).
    """
    path = Path(path)
    text = read_csv_text(path, CodingError, "the labels")
    reader = csv.DictReader(io.StringIO(text), delimiter=sniff_delimiter(text))
    missing = {"platform", "post_id", "dimension", "code"} - set(reader.fieldnames or [])
    if missing:
        raise CodingError(f"missing column(s): {', '.join(sorted(missing))}", path=str(path), location="header")
    codebook = active_codebook(project)  # after the file's checks: on first use it installs the default codebook
    grouped: dict[tuple[str, str, str], list[str]] = {}
    problems = []
    for number, row in enumerate(reader, start=2):
        try:
            dim = codebook.dimension(row["dimension"])
        except CodebookError as exc:  # it names the known dimensions
            problems.append(f"row {number}: {exc}")
            continue
        if row["code"] not in dim.code_ids():
            problems.append(f"row {number}: code {row['code']!r} is not in dimension {dim.id!r}")
            continue
        grouped.setdefault((row["platform"], row["post_id"], dim.id), []).append(row["code"])
    if problems:
        raise CodingError("invalid rows, nothing was imported:\n  " + "\n  ".join(problems[:50]), path=str(path))
    known = {(p, i) for p, i in project.con.execute("SELECT platform, post_id FROM posts").fetchall()}
    keys = [k for k in grouped if (k[0], k[1]) in known]
    not_in_project = len(grouped) - len(keys)
    rng = random.Random(seed)
    chosen: list[tuple[str, str, str]] = []
    counts: dict[str, int] = {}
    for dim_id in sorted({k[2] for k in keys}):
        of_dim = sorted(k for k in keys if k[2] == dim_id)
        if per_dimension is not None and len(of_dim) > per_dimension:
            of_dim = rng.sample(of_dim, per_dimension)
        counts[dim_id] = len(of_dim)
        chosen.extend(of_dim)
    rows = [_gold_row(codebook, platform, post_id, dim_id, grouped[(platform, post_id, dim_id)], "import",
                      decided_by, reason, None) for platform, post_id, dim_id in chosen]
    _insert_gold(project, rows)
    return GoldImportReport(labels=len(rows), per_dimension=counts, not_in_project=not_in_project)
