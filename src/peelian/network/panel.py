"""Fixed-effects panel models linking network measures to outcomes (crime rates, say) per county and year.

The estimator is linearmodels' PanelOLS (entity and time effects, standard errors clustered by entity),
not a hand-written one: y_it = x_it'β + α_i + γ_t + ε_it.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from peelian.errors import NetworkDataError
from peelian.network.multilayer import AGGREGATE, MEASURE_COLUMNS
from peelian.store.csv_text import read_csv_text, sniff_delimiter

KEYS = ("county", "year")


def read_outcomes(path: str | Path, columns: list[str]) -> dict[tuple[str, int], dict[str, float]]:
    """county, year and the named numeric columns, per (county, year); all bad rows at once."""
    path = Path(path)
    text = read_csv_text(path, NetworkDataError, "the outcomes")
    reader = csv.DictReader(io.StringIO(text), delimiter=sniff_delimiter(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in (*KEYS, *columns) if c not in header]
    if missing:
        raise NetworkDataError(f"missing column(s): {', '.join(missing)} (found: {', '.join(header) or 'none'})",
                               path=str(path), location="header")
    out: dict[tuple[str, int], dict[str, float]] = {}
    problems = []
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None and isinstance(v, str | None)}
        if not any(row.values()):
            continue
        errors = []
        try:
            year = int(row["year"])
        except ValueError:
            errors.append(f"year {row['year']!r} is not a whole number")
            year = 0
        if not row["county"]:
            errors.append("county is empty")
        values = {}
        for column in columns:
            try:
                values[column] = float(row[column])
                if not math.isfinite(values[column]):
                    raise ValueError
            except ValueError:
                errors.append(f"{column} {row[column]!r} is not a finite number")
        if (row["county"], year) in out:
            errors.append(f"a second row for {row['county']} {year}")
        if errors:
            problems.append(f"row {number}: " + "; ".join(errors))
            continue
        out[(row["county"], year)] = values
    if problems:
        raise NetworkDataError("invalid rows:\n  " + "\n  ".join(problems[:50]), path=str(path))
    return out


def panel_model(measures: list[dict[str, Any]], outcomes: dict[tuple[str, int], dict[str, float]], *, y: str,
                x: list[str], layer: str = AGGREGATE, entity_effects: bool = True,
                time_effects: bool = True) -> dict[str, Any]:
    """Regress outcome `y` on network measures (and outcome-file controls) `x` of one layer.

    County-years lacking a measure (stability in a first year, distances without coordinates) or an
    outcome are left out and counted in `dropped`, never silently."""
    import numpy as np
    import pandas as pd
    from linearmodels.panel import PanelOLS

    if not x:
        raise NetworkDataError("name at least one regressor (--x)")
    rows, dropped = [], {"no_outcome": 0, "missing_measure": 0}
    for row in measures:
        if row["layer"] != layer:
            continue
        key = (row["county"], row["year"])
        if key not in outcomes:
            dropped["no_outcome"] += 1
            continue
        record = {"county": row["county"], "year": row["year"], **outcomes[key]}
        record.update({c: row[c] for c in x if c in MEASURE_COLUMNS})
        if any(record.get(c) is None for c in (y, *x)):
            dropped["missing_measure"] += 1
            continue
        rows.append(record)
    if not rows:
        raise NetworkDataError(f"no county-year has both the {layer} measures and the outcome {y}")
    frame = pd.DataFrame(rows).set_index(["county", "year"]).sort_index()
    model = PanelOLS(frame[y].astype(float), frame[x].astype(float), entity_effects=entity_effects,
                     time_effects=time_effects, drop_absorbed=True, check_rank=True)
    try:
        fit = model.fit(cov_type="clustered", cluster_entity=True)
        ci = fit.conf_int()
        coefficients = [
            {"term": term, "estimate": float(fit.params[term]), "std_error": float(fit.std_errors[term]),
             "t": float(fit.tstats[term]), "p": float(fit.pvalues[term]),
             "ci_low": float(ci.loc[term, "lower"]), "ci_high": float(ci.loc[term, "upper"])}
            for term in fit.params.index
        ]
    except (ValueError, ZeroDivisionError, ArithmeticError, np.linalg.LinAlgError) as exc:
        raise NetworkDataError(f"the panel model cannot be estimated: {exc}") from exc
    return {
        "y": y, "layer": layer, "entity_effects": entity_effects, "time_effects": time_effects,
        "cov_type": "clustered by county", "nobs": int(fit.nobs), "entities": int(fit.entity_info["total"]),
        "periods": int(fit.time_info["total"]), "r2": float(fit.rsquared), "dropped": dropped,
        "coefficients": coefficients,
    }
