"""The demo's inter-organisational networks: organisations of several sectors across counties and twenty
years of agreements between them, with churn, written as the CSVs a user would import.

Seeded with its own random generator, so adding it changed none of the demo's posts. The counties are
Iowa's (as in Carr, Siciliano & Ramirez's study design); names, ties and outcomes are invented. The
outcomes file holds a synthetic violent-crime rate built as county level + year trend − 0.8 × the county's
active mutual-aid agreements + noise, so `peelian multilayer panel` has a known effect to find.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 2005, 2024
# County, seat and approximate centre (lat, lon).
COUNTIES = (
    ("Polk", "Des Moines", 41.68, -93.57), ("Linn", "Cedar Rapids", 42.08, -91.60),
    ("Scott", "Davenport", 41.64, -90.62), ("Johnson", "Iowa City", 41.67, -91.59),
    ("Black Hawk", "Waterloo", 42.47, -92.31), ("Story", "Ames", 42.04, -93.46),
    ("Dubuque", "Dubuque", 42.47, -90.88), ("Woodbury", "Sioux City", 42.39, -96.05),
)
# Sector, name pattern, how many per county (min, max).
KINDS = (
    ("police", "{town} Police Department", (2, 4)),
    ("police", "{county} County Sheriff's Office", (1, 1)),
    ("fire", "{town} Fire Department", (1, 3)),
    ("ems", "{county} County EMS", (1, 1)),
    ("government", "{county} County Board of Supervisors", (1, 1)),
    ("government", "City of {town}", (1, 2)),
    ("education", "{town} Community School District", (1, 2)),
    ("health", "{town} Regional Medical Center", (0, 1)),
    ("nonprofit", "{county} County Crisis Services", (1, 2)),
    ("private", "{town} Security Services", (0, 1)),
)
TOWN_SUFFIXES = ("", " Heights", " Springs", " Center", " Grove", " Falls")
# Which sector pairs sign which layers, and how often (relative weights).
LAYER_AFFINITY = {
    "contract": {("police", "government"): 5, ("police", "education"): 4, ("police", "private"): 2,
                 ("ems", "government"): 3, ("police", "police"): 2},
    "mutual_aid": {("police", "police"): 6, ("fire", "fire"): 5, ("fire", "ems"): 4, ("police", "fire"): 2},
    "sharing": {("police", "police"): 4, ("police", "ems"): 2, ("police", "government"): 2,
                ("fire", "police"): 1},
    "working_group": {("police", "nonprofit"): 4, ("police", "health"): 3, ("police", "education"): 2,
                      ("government", "nonprofit"): 2, ("ems", "health"): 2},
}
NEW_PER_COUNTY_YEAR = {"contract": 1.6, "mutual_aid": 1.4, "sharing": 1.0, "working_group": 1.2}
MEAN_YEARS = {"contract": 4, "mutual_aid": 8, "sharing": 5, "working_group": 3}


@dataclass
class NetworkDemo:
    organisations_csv: Path
    agreements_csv: Path
    outcomes_csv: Path
    organisations: int
    agreements: int


def generate_networks(out_dir: Path, *, seed: int = 7, counties: int = len(COUNTIES)) -> NetworkDemo:
    """Write organisations.csv, agreements.csv and outcomes.csv into `out_dir`."""
    rng = random.Random(f"networks-{seed}")
    out_dir.mkdir(parents=True, exist_ok=True)
    orgs = []
    for county, seat, lat, lon in COUNTIES[:counties]:
        towns = [seat] + [f"{seat}{suffix}" for suffix in rng.sample(TOWN_SUFFIXES[1:], 3)]
        for sector, pattern, (low, high) in KINDS:
            for i in range(rng.randint(low, high)):
                town = towns[i % len(towns)]
                orgs.append({"id": f"{county[:3].upper()}-{len(orgs) + 1:03d}",
                             "name": pattern.format(town=town, county=county), "sector": sector, "county": county,
                             "lat": round(lat + rng.uniform(-0.2, 0.2), 4),
                             "lon": round(lon + rng.uniform(-0.25, 0.25), 4),
                             "area": f"IA-{county[:2].upper()}-{i % 3}"})
    by_county: dict[str, list[dict]] = {}
    for org in orgs:
        by_county.setdefault(org["county"], []).append(org)
    agreements = []
    active_aid: dict[tuple[str, int], int] = {}
    names = [c[0] for c in COUNTIES[:counties]]
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for county in names:
            for layer, rate in NEW_PER_COUNTY_YEAR.items():
                new = sum(rng.random() < rate / 3 for _ in range(3)) + (2 if year == FIRST_YEAR else 0)
                for _ in range(new):
                    pair = _pair(rng, by_county[county], layer, orgs if rng.random() < 0.08 else None)
                    if pair is None:
                        continue
                    years = max(1, round(rng.expovariate(1 / MEAN_YEARS[layer])))
                    end = year + years - 1
                    agreements.append({
                        "org_a": pair[0]["id"], "org_b": pair[1]["id"], "layer": layer,
                        "start": f"{year}-{rng.randint(1, 12):02d}-01",
                        "end": "" if end > LAST_YEAR else f"{end}-12-31",
                        "sector_a": pair[0]["sector"], "sector_b": pair[1]["sector"],
                        "county": county if pair[0]["county"] != pair[1]["county"] else "",
                        "value": round(rng.lognormvariate(10, 1), 2) if layer == "contract" else "",
                        "source": "demo: synthetic agreement register"})
                    if layer == "mutual_aid":
                        for y in range(year, min(end, LAST_YEAR) + 1):
                            active_aid[(county, y)] = active_aid.get((county, y), 0) + 1
    outcomes = []
    for county in names:
        level = rng.uniform(180, 420)
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            rate = level - 3.0 * (year - FIRST_YEAR) - 0.8 * active_aid.get((county, year), 0) + rng.gauss(0, 6)
            outcomes.append({"county": county, "year": year, "violent_crime_rate": round(rate, 2),
                             "population": int(rng.uniform(40_000, 500_000))})
    paths = (out_dir / "organisations.csv", out_dir / "agreements.csv", out_dir / "outcomes.csv")
    for path, rows in zip(paths, (orgs, agreements, outcomes), strict=True):
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return NetworkDemo(*paths, organisations=len(orgs), agreements=len(agreements))


def _pair(rng: random.Random, local: list[dict], layer: str, everyone: list[dict] | None) -> tuple[dict, dict] | None:
    """Two organisations whose sectors sign this layer, weighted by affinity; one partner from anywhere
    when `everyone` is given (a cross-county agreement)."""
    kinds = list(LAYER_AFFINITY[layer].items())
    (first, second), _ = rng.choices(kinds, weights=[w for _, w in kinds])[0]
    a_pool = [o for o in local if o["sector"] == first]
    b_pool = [o for o in (everyone or local) if o["sector"] == second]
    if not a_pool or not b_pool:
        return None
    a, b = rng.choice(a_pool), rng.choice(b_pool)
    return None if a["id"] == b["id"] else (a, b)
