"""Reliability of a project's sample, and of any long CSV, as report-ready data.

Glue between the codings table (or a file) and the pure statistics in
`peelian.coding.reliability`: it picks the units (by default the sample's overlap, the
posts every coder was assigned), the effective codings, the categories from the codebook
(so q for AC1 and Brennan–Prediger counts unused codes), and writes the sample design and
a methods paragraph next to the figures so the report can be pasted into a paper.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from peelian import __version__
from peelian.coding.codebook import active_codebook
from peelian.coding.codings import effective_codings
from peelian.coding.reliability import COEFFICIENT_LABELS, LEVELS, LongRecord, analyse_long
from peelian.coding.samples import get_sample
from peelian.coding.sheets import Problem, SheetError
from peelian.errors import CodingError
from peelian.store.csv_text import read_csv_text, sniff_delimiter
from peelian.store.project import Project, utcnow

GUIDANCE = {
    "krippendorff_alpha": "α ≥ 0.800 reliable; 0.667 ≤ α < 0.800 tentative conclusions only (Krippendorff 2004)",
    "kappa": "Landis & Koch (1977): < 0 poor, 0–0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, "
             "0.61–0.80 substantial, 0.81–1 almost perfect",
}


def sample_reliability(project: Project, sample: str, *, dimensions: list[str] | None = None,
                       overlap_only: bool = True, n_bootstrap: int = 1000, confidence: float = 0.95,
                       seed: int = 0) -> dict[str, Any]:
    """Every coefficient per dimension and per code for a sample, with the design behind it."""
    info = get_sample(project, sample)
    codebook = active_codebook(project)
    wanted = dimensions or codebook.dimension_ids()
    for dim_id in wanted:
        codebook.dimension(dim_id)
    where = "sample_name = ?" + (" AND is_overlap" if overlap_only else "")
    units = {(r["platform"], r["post_id"]) for r in project.query(
        f"SELECT DISTINCT platform, post_id FROM sample_items WHERE {where}", [sample])}
    records: list[LongRecord] = []
    observed: dict[str, set[str]] = {}
    versions: set[str] = set()
    for c in effective_codings(project, sample=sample):
        if c.dimension not in wanted or (c.platform, c.post_id) not in units or not c.is_value:
            continue
        versions.add(c.codebook_version)
        unit = f"{c.platform}:{c.post_id}"
        observed.setdefault(c.dimension, set()).update(c.codes)
        if c.codes:
            records += [LongRecord(unit, c.coder, c.dimension, code) for code in c.codes]
        else:
            records.append(LongRecord(unit, c.coder, c.dimension, None))
    categories = {}
    for dim_id in wanted:
        known = codebook.dimension(dim_id).code_ids()
        categories[dim_id] = known + sorted(observed.get(dim_id, set()) - set(known))
    results = analyse_long(
        records, multi_label=[d.id for d in codebook.dimensions if d.multi_label and d.id in wanted],
        levels={d.id: d.level for d in codebook.dimensions}, categories=categories, coders=info.coders,
        n_bootstrap=n_bootstrap, confidence=confidence, seed=seed)
    by_dim = {r["dimension"]: r for r in results}
    out_dims = []
    for dim_id in wanted:
        dim = codebook.dimension(dim_id)
        result = by_dim.get(dim_id) or {"dimension": dim_id, "n_units": 0, "n_coders": 0, "coefficients": {},
                                        "per_code": [], "pairwise": [], "multi_label": dim.multi_label,
                                        "level": dim.level, "categories": categories[dim_id]}
        result.update({"label": dim.label, "scope": dim.scope_text()})
        out_dims.append(result)
    report = {
        "title": f"Inter-coder reliability: sample {sample}",
        "generated_at": utcnow(),
        "peelian_version": __version__,
        "project": str(project.path),
        "codebook": {"id": codebook.id, "name": codebook.name, "version": codebook.version,
                     "versions_in_codings": sorted(versions)},
        "sample": {**info.to_dict(), "units_analysed": "overlap" if overlap_only else "all",
                   "n_units_available": len(units)},
        "settings": {"n_bootstrap": n_bootstrap, "confidence": confidence, "seed": seed},
        "coefficient_labels": COEFFICIENT_LABELS,
        "guidance": GUIDANCE,
        "dimensions": out_dims,
    }
    report["methods_text"] = methods_text(report)
    return report


def methods_text(report: dict[str, Any]) -> str:
    """A paragraph describing the design and results, for a methods section."""
    parts = []
    sample = report.get("sample")
    if sample:
        coders = sample.get("coders", [])
        design = sample.get("strategy", "random")
        if sample.get("stratify"):
            design += " (proportional allocation by " + ", ".join(sample["stratify"]) + ")"
        parts.append(
            f"A {design} sample of {sample.get('size', 0):,} posts was drawn (seed {sample.get('seed')}). "
            f"{len(coders)} coders ({', '.join(coders)}) coded it with the codebook "
            f"{report['codebook']['name']} (version {report['codebook']['version']}); "
            f"{sample.get('n_overlap', 0):,} posts ({sample.get('overlap', 0):.0%}) were coded independently by "
            "every coder to measure reliability.")
    for dim in report["dimensions"]:
        coef = dim.get("coefficients", {})
        alpha = coef.get("krippendorff_alpha", {})
        if alpha.get("value") is None:
            parts.append(f"For {dim['dimension']}, no units were coded by two or more coders.")
            continue
        ci = ""
        if alpha.get("ci_low") is not None:
            ci = f", {report['settings']['confidence']:.0%} CI {alpha['ci_low']:.3f}–{alpha['ci_high']:.3f}"
        extra = []
        for key, name in (("percent_agreement", "agreement"), ("gwet_ac1", "AC1"), ("cohen_kappa", "mean κ")):
            value = coef.get(key, {}).get("value")
            if value is not None:
                extra.append(f"{name} {value:.0%}" if key == "percent_agreement" else f"{name} {value:.3f}")
        kind = "yes/no decisions per code" if dim.get("multi_label") else f"{dim.get('level', 'nominal')} level"
        parts.append(f"For {dim['dimension']} ({kind}; {dim['n_units']} units, {dim['n_coders']} coders), "
                     f"Krippendorff's α = {alpha['value']:.3f}{ci}" + (f" ({'; '.join(extra)})" if extra else "")
                     + ".")
    settings = report.get("settings", {})
    if settings.get("n_bootstrap"):
        parts.append(f"Confidence intervals are percentile intervals from {settings['n_bootstrap']:,} bootstrap "
                     f"resamples of units (seed {settings.get('seed')}). Computed with Peelian "
                     f"{report.get('peelian_version', __version__)}.")
    return " ".join(parts)


# ---- any long CSV -----------------------------------------------------------------------------

def read_long_csv(path: str | Path) -> list[LongRecord]:
    """Rows unit, coder, [dimension,] code; every bad row is reported at once."""
    path = Path(path)
    text = read_csv_text(path, CodingError)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    header = [h.strip().lower() for h in next(reader, [])]
    missing = [c for c in ("unit", "coder", "code") if c not in header]
    if missing:
        raise CodingError(f"missing column(s) {', '.join(missing)}; expected unit, coder, dimension, code "
                          f"(found: {', '.join(header) or 'nothing'})", path=str(path), location="line 1")
    idx = {name: header.index(name) for name in ("unit", "coder", "dimension", "code") if name in header}
    records, problems = [], []
    line = reader.line_num
    for raw in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in raw):
            continue
        cell = {name: raw[i].strip() if i < len(raw) else "" for name, i in idx.items()}
        bad = [name for name in ("unit", "coder") if not cell[name]]
        for name in bad:
            problems.append(Problem(start, name, f"{name} is empty"))
        if bad:
            continue
        records.append(LongRecord(cell["unit"], cell["coder"], cell.get("dimension") or "value", cell["code"] or None))
    if problems:
        raise SheetError(problems, path=str(path))
    if not records:
        raise CodingError("no rows", path=str(path))
    return records


def file_reliability(path: str | Path, *, levels: dict[str, str] | None = None, multi_label: list[str] | None = None,
                     n_bootstrap: int = 1000, confidence: float = 0.95, seed: int = 0) -> dict[str, Any]:
    """The sample report's statistics for a long CSV from anywhere (another tool, another project)."""
    records = read_long_csv(path)
    levels = dict(levels or {})
    for dim, level in levels.items():
        if level not in LEVELS:
            raise CodingError(f"unknown level {level!r} for {dim!r} (use one of {', '.join(LEVELS)})")
    if "*" in levels:
        default = levels.pop("*")
        for dim in {r.dimension for r in records}:
            levels.setdefault(dim, default)
    try:
        results = analyse_long(records, multi_label=multi_label, levels=levels, n_bootstrap=n_bootstrap,
                               confidence=confidence, seed=seed)
    except ValueError as exc:
        raise CodingError(str(exc), path=str(path)) from exc
    report = {
        "title": f"Inter-coder reliability: {Path(path).name}",
        "generated_at": utcnow(),
        "peelian_version": __version__,
        "source": str(path),
        "settings": {"n_bootstrap": n_bootstrap, "confidence": confidence, "seed": seed},
        "coefficient_labels": COEFFICIENT_LABELS,
        "guidance": GUIDANCE,
        "dimensions": results,
    }
    report["methods_text"] = methods_text(report)
    return report
