"""Public expectations surveys and the expectations gap.

A survey says what share of police content the public wants on each topic (national,
or per force). The gap compares that with the topic shares of police original posts:
per topic (expected − actual), and over all topics as the total variation distance and
the Jensen–Shannon divergence (base 2, so both lie in [0, 1]). Survey shares from
multi-answer questions may sum to more than 1; both distributions are normalised to
sum to 1 before they are compared, and the raw shares are kept alongside.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peelian.errors import InputError, MetricsError
from peelian.metrics.codes import code_ids
from peelian.store.csv_text import read_csv_text, sniff_delimiter
from peelian.store.project import Project, utcnow


@dataclass
class Survey:
    """One imported survey: expected shares per force (None = national) and topic."""

    name: str
    shares: dict[str | None, dict[str, float]] = field(default_factory=dict)
    imported_at: Any = None

    def for_force(self, force: str | None) -> tuple[dict[str, float] | None, str | None]:
        """The force's own expectations, else the national ones; with the scope used."""
        if force is not None and force in self.shares:
            return self.shares[force], "force"
        if None in self.shares:
            return self.shares[None], "national"
        return None, None


def normalise(values: Mapping[str, float]) -> dict[str, float]:
    total = sum(v for v in values.values() if v > 0)
    return {k: (v / total if total > 0 and v > 0 else 0.0) for k, v in values.items()}


def total_variation(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    keys = set(p) | set(q)
    return 0.5 * sum(abs(p.get(k, 0.0) - q.get(k, 0.0)) for k in keys)


def jensen_shannon(p: Mapping[str, float], q: Mapping[str, float]) -> float:
    """JSD in bits: ½ KL(p‖m) + ½ KL(q‖m), m = (p + q)/2, with 0·log 0 = 0."""
    total = 0.0
    for k in set(p) | set(q):
        a, b = p.get(k, 0.0), q.get(k, 0.0)
        m = (a + b) / 2
        if a > 0:
            total += 0.5 * a * math.log2(a / m)
        if b > 0:
            total += 0.5 * b * math.log2(b / m)
    return max(0.0, total)


def gap(expected: Mapping[str, float], actual_counts: Mapping[str, int | float],
        topics: list[str] | None = None) -> dict[str, Any]:
    """Per-topic expected − actual and the two distances; actual None when nothing is coded."""
    exp = normalise(expected)
    total = sum(actual_counts.values())
    act = {k: v / total for k, v in actual_counts.items()} if total > 0 else None
    names = list(dict.fromkeys([*(topics or []), *expected, *actual_counts]))
    rows = []
    for topic in names:
        e = exp.get(topic, 0.0)
        a = act.get(topic, 0.0) if act is not None else None
        rows.append({"topic": topic, "expected_share_raw": expected.get(topic), "expected": e, "actual": a,
                     "actual_posts": int(actual_counts.get(topic, 0)), "gap": e - a if a is not None else None})
    return {
        "topics": rows,
        "coded_posts": int(total),
        "tvd": total_variation(exp, act) if act is not None else None,
        "jsd": jensen_shannon(exp, act) if act is not None else None,
    }


# ---- surveys --------------------------------------------------------------------------------

def read_survey_csv(project: Project, path: str | Path, survey: str | None = None) -> list[dict[str, Any]]:
    """Validate every row against the codebook's topics (and the registry's forces); all
    problems are reported at once, naming the row."""
    path = Path(path)
    text = read_csv_text(path, InputError, "the survey")
    reader = csv.DictReader(io.StringIO(text), delimiter=sniff_delimiter(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "topic" not in header or not ({"expected_share", "respondents"} & set(header)):
        need = [c for c in ("topic",) if c not in header]
        if not {"expected_share", "respondents"} & set(header):
            need.append("expected_share or respondents")
        raise InputError(f"missing column(s): {', '.join(need)} (found: {', '.join(header) or 'none'})",
                         path=str(path), location="header")
    topics = code_ids(project, "topic")
    if not topics:
        raise MetricsError("the active codebook has no 'topic' dimension to compare expectations with")
    forces = {f for (f,) in project.con.execute("SELECT DISTINCT force FROM registry").fetchall()}
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: set[tuple[str, str | None, str]] = set()
    for number, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        errors: list[str] = []
        topic = row.get("topic", "")
        force = row.get("force") or None
        name = survey or row.get("survey") or path.stem
        if not topic:
            errors.append("topic is empty")
        elif topic not in topics:
            errors.append(f"unknown topic {topic!r} (the codebook's topic codes: {', '.join(topics)})")
        if force is not None and forces and force not in forces:
            errors.append(f"force {force!r} is not in the registry (forces: {', '.join(sorted(forces))})")
        share = _share(row.get("expected_share", ""), errors)
        respondents = _count(row.get("respondents", ""), errors)
        if share is None and respondents is None and not errors:
            errors.append("needs expected_share or respondents")
        if (name, force, topic) in seen:
            errors.append(f"topic {topic!r} appears twice for survey {name!r}"
                          + (f", force {force!r}" if force else " (national)"))
        seen.add((name, force, topic))
        if errors:
            problems.append(f"row {number}: " + "; ".join(errors))
            continue
        rows.append({"survey": name, "force": force, "topic": topic, "expected_share": share,
                     "respondents": respondents, "row": number})
    if not rows and not problems:
        raise InputError("the survey has no rows", path=str(path))
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["survey"], row["force"])].append(row)
    for (name, force), group in groups.items():
        where = f"survey {name!r}" + (f", force {force!r}" if force else " (national)")
        with_share = [r for r in group if r["expected_share"] is not None]
        if with_share and len(with_share) < len(group):
            problems.append(f"{where}: give expected_share on every row or on none (rows "
                            + ", ".join(str(r["row"]) for r in group if r["expected_share"] is None) + " lack it)")
            continue
        if not with_share:
            total = sum(r["respondents"] for r in group)
            if total <= 0:
                problems.append(f"{where}: respondents add up to 0, so no shares can be computed")
                continue
            for r in group:
                r["expected_share"] = r["respondents"] / total
        elif sum(r["expected_share"] for r in group) <= 0:
            problems.append(f"{where}: expected shares add up to 0")
    if problems:
        raise InputError("invalid rows, nothing was imported:\n  " + "\n  ".join(problems), path=str(path))
    return rows


def _share(value: str, errors: list[str]) -> float | None:
    if not value:
        return None
    percent = value.endswith("%")
    try:
        number = float(value.rstrip("%").strip())
    except ValueError:
        errors.append(f"expected_share {value!r} is not a number")
        return None
    if percent:
        number /= 100
    if not 0 <= number <= 1 or math.isnan(number):
        errors.append(f"expected_share {value!r} is not between 0 and 1 (write a percentage as e.g. 45%)")
        return None
    return number


def _count(value: str, errors: list[str]) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        errors.append(f"respondents {value!r} is not a whole number")
        return None
    if number < 0:
        errors.append(f"respondents {value!r} is negative")
        return None
    return number


def import_expectations(project: Project, path: str | Path, survey: str | None = None) -> dict[str, Any]:
    """Import a survey CSV; a survey imported again under the same name is replaced."""
    rows = read_survey_csv(project, path, survey)
    now = utcnow()
    surveys = sorted({r["survey"] for r in rows})
    with project.transaction() as con:
        for name in surveys:
            con.execute("DELETE FROM expectations WHERE survey = ?", [name])
        con.executemany("INSERT INTO expectations VALUES (?, ?, ?, ?, ?, ?)",
                        [(r["survey"], r["force"], r["topic"], r["expected_share"], r["respondents"], now)
                         for r in rows])
        project.audit("expectations_import", target=", ".join(surveys), detail={"path": str(path), "rows": len(rows)})
    return {"surveys": surveys, "rows": len(rows),
            "forces": sorted({r["force"] or "(national)" for r in rows}),
            "topics": sorted({r["topic"] for r in rows})}


def list_surveys(project: Project) -> list[dict[str, Any]]:
    return project.query(
        "SELECT survey, count(*) AS rows, count(DISTINCT coalesce(force, '')) AS scopes, "
        "max(imported_at) AS imported_at "
        "FROM expectations GROUP BY survey ORDER BY max(imported_at) DESC, survey")


def load_survey(project: Project, survey: str | None = None) -> Survey | None:
    """The named survey, or the one imported last; None when there is none."""
    if survey is None:
        survey = project.scalar("SELECT survey FROM expectations ORDER BY imported_at DESC, survey LIMIT 1")
        if survey is None:
            return None
    rows = project.query("SELECT force, topic, expected_share, imported_at FROM expectations WHERE survey = ?",
                         [survey])
    if not rows:
        from peelian.errors import NotFoundError

        known = [r["survey"] for r in list_surveys(project)]
        raise NotFoundError(f"no survey {survey!r} (imported: {', '.join(known) or 'none'})")
    result = Survey(survey, imported_at=max(r["imported_at"] for r in rows))
    for r in rows:
        result.shares.setdefault(r["force"], {})[r["topic"]] = float(r["expected_share"])
    return result
