"""Organisations and the agreements between them: reading, validating and storing the two CSVs.

A multilayer network is only as good as its ties, so nothing is dropped silently: every bad row is
reported (file, row, reason) and a file with one bad row imports nothing. Each import replaces its
table, so re-importing a corrected file is the way to fix one.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from peelian.errors import NetworkDataError
from peelian.store.csv_text import read_csv_text, sniff_delimiter
from peelian.store.project import Project, utcnow

LAYERS = ("contract", "mutual_aid", "sharing", "working_group")
# Words people use in agreement lists for the four layers (Carr, Siciliano & Ramirez's categories).
LAYER_ALIASES = {
    "contract": "contract", "contracts": "contract", "service_contract": "contract",
    "mutual_aid": "mutual_aid", "mutualaid": "mutual_aid",
    "sharing": "sharing", "shared_personnel": "sharing", "shared_equipment": "sharing", "shared_funding": "sharing",
    "shared_resources": "sharing",
    "working_group": "working_group", "working_groups": "working_group", "task_force": "working_group",
    "joint_working_group": "working_group",
}
ORG_COLUMNS = ("id", "name", "sector")
AGREEMENT_COLUMNS = ("org_a", "org_b", "layer", "start")
MAX_PROBLEMS_SHOWN = 50


@dataclass
class OrgImport:
    organisations: int
    sectors: dict[str, int]
    counties: int


@dataclass
class AgreementImport:
    agreements: int
    layers: dict[str, int]
    first_year: int
    last_year: int
    organisations: int


def _read(path: Path, required: tuple[str, ...], aliases: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    text = read_csv_text(path, NetworkDataError)
    reader = csv.DictReader(io.StringIO(text), delimiter=sniff_delimiter(text))
    header = [aliases.get(h.strip().lower(), h.strip().lower()) for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise NetworkDataError(f"missing required column(s): {', '.join(missing)} "
                               f"(found: {', '.join(header) or 'none'})", path=str(path), location="header")
    reader.fieldnames = header
    rows = []
    try:
        for number, raw in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in raw.items() if k is not None and isinstance(v, str | None)}
            if any(row.values()):
                rows.append((number, row))
    except csv.Error as exc:
        raise NetworkDataError(f"not a readable CSV: {exc}", path=str(path), location=f"row {reader.line_num}") from exc
    if not rows:
        raise NetworkDataError("the file has no rows", path=str(path))
    return rows


def _fail(path: Path, problems: list[str]) -> None:
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"\n  … and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        raise NetworkDataError(f"{len(problems)} invalid row(s), nothing was imported:\n  " + "\n  ".join(shown) + more,
                               path=str(path))


def _number(value: str, low: float, high: float, name: str, errors: list[str]) -> float | None:
    try:
        number = float(value)
    except ValueError:
        errors.append(f"{name} {value!r} is not a number")
        return None
    if not (low <= number <= high) or math.isnan(number):
        errors.append(f"{name} {value!r} is outside {low:g}…{high:g}")
        return None
    return number


def read_organisations(path: str | Path) -> list[dict]:
    """Validate an organisations CSV (id, name, sector, [county, lat, lon, area]); all bad rows at once."""
    path = Path(path)
    rows, problems, seen = [], [], {}
    for number, row in _read(path, ORG_COLUMNS, {"org_id": "id", "latitude": "lat", "longitude": "lon",
                                                  "lng": "lon", "area_code": "area"}):
        errors = [f"{c} is empty" for c in ORG_COLUMNS if not row.get(c)]
        if row.get("id") in seen:
            errors.append(f"id {row['id']!r} already on row {seen[row['id']]}")
        lat = lon = None
        if bool(row.get("lat")) != bool(row.get("lon")):
            errors.append("lat and lon must be given together")
        elif row.get("lat"):
            lat = _number(row["lat"], -90, 90, "lat", errors)
            lon = _number(row["lon"], -180, 180, "lon", errors)
        if errors:
            problems.append(f"row {number}: " + "; ".join(errors))
            continue
        seen[row["id"]] = number
        rows.append({"org_id": row["id"], "name": row["name"], "sector": row["sector"].lower(),
                     "county": row.get("county") or None, "lat": lat, "lon": lon, "area": row.get("area") or None,
                     "source_row": number})
    _fail(path, problems)
    return rows


def _date(value: str, *, end: bool) -> date:
    """YYYY-MM-DD, or a bare year: 1 January for a start, 31 December for an end."""
    if len(value) == 4 and value.isdigit():
        return date(int(value), 12, 31) if end else date(int(value), 1, 1)
    return date.fromisoformat(value)


def read_agreements(path: str | Path, organisations: dict[str, dict]) -> list[dict]:
    """Validate an agreements CSV against the stored organisations; all bad rows at once."""
    path = Path(path)
    rows, problems = [], []
    for number, row in _read(path, AGREEMENT_COLUMNS, {"start_date": "start", "end_date": "end", "from": "start",
                                                       "to": "end", "type": "layer"}):
        errors = [f"{c} is empty" for c in AGREEMENT_COLUMNS if not row.get(c)]
        a, b = row.get("org_a", ""), row.get("org_b", "")
        for side, org in (("org_a", a), ("org_b", b)):
            if org and org not in organisations:
                errors.append(f"{side} {org!r} is not a known organisation id (import it with `peelian orgs import`)")
        if a and a == b:
            errors.append(f"a self-tie: org_a and org_b are both {a!r}")
        raw_layer = row.get("layer", "")
        layer = LAYER_ALIASES.get(raw_layer.lower().replace(" ", "_").replace("-", "_"))
        if raw_layer and layer is None:
            errors.append(f"unknown layer {raw_layer!r} (known: {', '.join(LAYERS)})")
        start = end = None
        for name in ("start", "end"):
            if row.get(name):
                try:
                    parsed = _date(row[name], end=name == "end")
                except ValueError:
                    errors.append(f"{name} {row[name]!r} is not a date (YYYY-MM-DD or YYYY)")
                    continue
                start, end = (parsed, end) if name == "start" else (start, parsed)
        if start and end and end < start:
            errors.append(f"end {row['end']} is before start {row['start']}")
        for side, org in (("sector_a", a), ("sector_b", b)):
            given = row.get(side, "").lower()
            if given and org in organisations and given != organisations[org]["sector"]:
                errors.append(f"{side} {given!r} disagrees with organisation {org!r}'s sector "
                              f"{organisations[org]['sector']!r}")
        value = None
        if row.get("value"):
            value = _number(row["value"].replace(",", ""), -math.inf, math.inf, "value", errors)
        if errors:
            problems.append(f"row {number}: " + "; ".join(errors))
            continue
        rows.append({"org_a": a, "org_b": b, "layer": layer, "start_date": start, "end_date": end,
                     "county": row.get("county") or None, "value": value, "source": row.get("source") or None,
                     "source_row": number})
    _fail(path, problems)
    return rows


def import_organisations(project: Project, path: str | Path) -> OrgImport:
    """Replace the organisations table with the file's; refused while agreements name an id it lacks."""
    path = Path(path)
    rows = read_organisations(path)
    ids = {r["org_id"] for r in rows}
    now = utcnow()
    with project.transaction() as con:
        used = {r[0] for r in con.execute("SELECT org_a FROM agreements UNION SELECT org_b FROM agreements").fetchall()}
        orphans = sorted(used - ids)
        if orphans:
            raise NetworkDataError(f"stored agreements name organisation(s) missing from this file: "
                                   f"{', '.join(orphans[:20])}; add them or re-import the agreements first",
                                   path=str(path))
        con.execute("DELETE FROM organisations")
        con.executemany("INSERT INTO organisations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(r["org_id"], r["name"], r["sector"], r["county"], r["lat"], r["lon"], r["area"], str(path),
                          r["source_row"], now) for r in rows])
        project.audit("orgs_import", target=str(path), detail={"organisations": len(rows)})
    sectors: dict[str, int] = {}
    for r in rows:
        sectors[r["sector"]] = sectors.get(r["sector"], 0) + 1
    return OrgImport(organisations=len(rows), sectors=dict(sorted(sectors.items())),
                     counties=len({r["county"] for r in rows if r["county"]}))


def load_organisations(project: Project) -> dict[str, dict]:
    """Organisation id -> its attributes."""
    rows = project.query("SELECT org_id, name, sector, county, lat, lon, area FROM organisations")
    return {r["org_id"]: r for r in rows}


def import_agreements(project: Project, path: str | Path) -> AgreementImport:
    """Replace the agreements table with the file's, validated against the stored organisations."""
    path = Path(path)
    organisations = load_organisations(project)
    if not organisations:
        raise NetworkDataError("no organisations are stored; import them first with `peelian orgs import`",
                               path=str(path))
    rows = read_agreements(path, organisations)
    now = utcnow()
    with project.transaction() as con:
        con.execute("DELETE FROM agreements")
        con.executemany("INSERT INTO agreements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(i, r["org_a"], r["org_b"], r["layer"], r["start_date"], r["end_date"], r["county"],
                          r["value"], r["source"], str(path), r["source_row"], now) for i, r in enumerate(rows, 1)])
        project.audit("agreements_import", target=str(path), detail={"agreements": len(rows)})
    layers = {layer: sum(r["layer"] == layer for r in rows) for layer in LAYERS}
    years = [r["start_date"].year for r in rows] + [r["end_date"].year for r in rows if r["end_date"]]
    return AgreementImport(agreements=len(rows), layers=layers, first_year=min(years), last_year=max(years),
                           organisations=len({r["org_a"] for r in rows} | {r["org_b"] for r in rows}))
