"""Assessments: start one per force and period, record answers (append-only), score it, compare forces.

An indicator's level is set by its measurement when the project holds enough evidence (the
posts behind it), else by the latest answer; each level says which evidence set it. An answer
that sits `contradiction_gap` levels or more from the measurement is flagged. Pillar scores
average their indicators' levels; the overall score averages the pillars; a level is reached
when the average reaches it (the score rounded down).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from peelian.assess.framework import LEVELS, Framework, Indicator, load_framework
from peelian.assess.measures import Measurement, Period, check_force, known_forces, latest_period, measure, parse_period
from peelian.assess.stats import tied_ranks
from peelian.errors import AssessmentError
from peelian.metrics.params import MetricParams
from peelian.store.project import Project, utcnow


@dataclass
class Answer:
    indicator: str
    level: int
    statement: str | None
    note: str | None
    answered_by: str | None
    answered_at: datetime

    def describe(self) -> str:
        who = f"{self.answered_by or 'unknown'}, {self.answered_at:%Y-%m-%d}"
        return f"answered level {self.level} '{self.statement}' ({who})"

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "statement": self.statement, "note": self.note, "answered_by": self.answered_by,
                "answered_at": self.answered_at.isoformat(timespec="seconds")}


@dataclass
class IndicatorScore:
    indicator: Indicator
    level: int | None
    source: str | None  # measured, answer, or None (no evidence)
    measurements: list[tuple[Measurement | None, int | None]]  # per measure: the figure and the level it reaches
    measured_level: int | None
    answer: Answer | None
    contradiction: str | None = None
    note: str | None = None

    def evidence(self) -> str:
        if self.source == "measured":
            return "; ".join(m.describe() for m, _ in self.measurements if m is not None)
        if self.source == "answer" and self.answer:
            return self.answer.describe()
        return self.note or "no evidence yet"

    def to_dict(self) -> dict[str, Any]:
        i = self.indicator
        return {"id": i.id, "name": i.name, "pillar": i.pillar, "kind": i.kind, "question": i.question,
                "level": self.level, "level_text": i.levels.get(self.level) if self.level else None,
                "source": self.source, "evidence": self.evidence(), "measured_level": self.measured_level,
                "measurements": [{**(m.to_dict() if m else {"metric": spec.metric, "value": None}),
                                  "level": lvl, "thresholds": list(spec.thresholds), "better": spec.better,
                                  "min_n": spec.min_n}
                                 for (m, lvl), spec in zip(self.measurements, i.measures, strict=True)],
                "answer": self.answer.to_dict() if self.answer else None, "contradiction": self.contradiction,
                "note": self.note, "levels": {str(k): v for k, v in i.levels.items()}}


@dataclass
class PillarScore:
    id: str
    name: str
    score: float | None
    level: int | None
    indicators: list[IndicatorScore]

    @property
    def scored(self) -> int:
        return sum(1 for i in self.indicators if i.level is not None)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "score": self.score, "level": self.level, "scored": self.scored,
                "indicators_total": len(self.indicators), "indicators": [i.to_dict() for i in self.indicators]}


@dataclass
class AssessmentResult:
    force: str
    period: Period
    framework: Framework
    pillars: list[PillarScore]
    score: float | None
    level: int | None
    assessment: dict[str, Any] | None  # the stored assessment row (None: measured evidence only)
    notes: list[str] = field(default_factory=list)

    @property
    def indicators(self) -> list[IndicatorScore]:
        return [i for p in self.pillars for i in p.indicators]

    @property
    def contradictions(self) -> list[IndicatorScore]:
        return [i for i in self.indicators if i.contradiction]

    def to_dict(self) -> dict[str, Any]:
        a = self.assessment
        return {"force": self.force, "period": self.period.label, "date_from": self.period.date_from.isoformat(),
                "date_to": self.period.date_to.isoformat(),
                "framework": {"id": self.framework.id, "name": self.framework.name, "version": self.framework.version},
                "score": self.score, "level": self.level,
                "assessment": {**a, "created_at": a["created_at"].isoformat(timespec="seconds")} if a else None,
                "contradictions": [i.indicator.id for i in self.contradictions], "notes": self.notes,
                "pillars": [p.to_dict() for p in self.pillars]}


def _level_of(score: float | None) -> int | None:
    return None if score is None else max(1, min(5, math.floor(score + 1e-9)))


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


# ---- storing ---------------------------------------------------------------------------------

def find_assessment(project: Project, force: str, period: str) -> dict[str, Any] | None:
    rows = project.query("SELECT * FROM assessments WHERE force = ? AND period = ? ORDER BY assessment_id DESC LIMIT 1",
                         [force, period])
    return rows[0] if rows else None


def start_assessment(project: Project, force: str, period: str | None = None, framework: Framework | None = None,
                     user: str | None = None, params: MetricParams | None = None) -> tuple[dict[str, Any], bool]:
    """The force's assessment for the period (default: the quarter of the newest post), started if
    new; returns (the assessment row, whether it was started now)."""
    framework = framework or load_framework()
    check_force(project, force)
    chosen = parse_period(period) if period else latest_period(project, params)
    existing = find_assessment(project, force, chosen.label)
    if existing is not None:
        return existing, False
    with project.transaction() as con:
        con.execute("INSERT INTO assessments VALUES (nextval('assessments_seq'), ?, ?, ?, ?, ?, ?, ?)",
                    [force, chosen.label, framework.id, framework.version, framework.sha256, utcnow(), user])
        project.audit("assessment_start", target=f"{force} {chosen.label}",
                      detail={"framework": framework.id, "version": framework.version}, username=user)
    return find_assessment(project, force, chosen.label), True  # type: ignore[return-value]


def latest_answers(project: Project, assessment_id: int) -> dict[str, Answer]:
    rows = project.query("""
        SELECT indicator, arg_max(level, answer_id) AS level, arg_max(statement, answer_id) AS statement,
               arg_max(note, answer_id) AS note, arg_max(answered_by, answer_id) AS answered_by,
               arg_max(answered_at, answer_id) AS answered_at
        FROM assessment_answers WHERE assessment_id = ? GROUP BY indicator""", [assessment_id])
    return {r["indicator"]: Answer(**r) for r in rows}


def answer_history(project: Project, assessment_id: int) -> list[dict[str, Any]]:
    return project.query("SELECT answer_id, indicator, level, statement, note, answered_by, answered_at "
                         "FROM assessment_answers WHERE assessment_id = ? ORDER BY answer_id", [assessment_id])


def _check_answer(framework: Framework, indicator_id: str, level: Any, source: str | None,
                  location: str) -> tuple[Indicator, int]:
    indicator = framework.indicator(indicator_id, source=source, location=location)
    if not indicator.question:
        raise AssessmentError(f"indicator {indicator_id!r} is measured from the posts, not answered",
                              path=source, location=location)
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise AssessmentError(f"level must be a whole number 1–5 (got {level!r})", path=source, location=location)
    return indicator, level


def record_answers(project: Project, force: str, answers: dict[str, Any], *, period: str | None = None,
                   framework: Framework | None = None, user: str | None = None, source: str | None = None,
                   params: MetricParams | None = None) -> dict[str, Any]:
    """Append answers ({indicator: level} or {indicator: {level, note}}) to the force's assessment
    for the period (started if need be). All are checked before any is written."""
    framework = framework or load_framework()
    check_force(project, force)
    checked = []
    for key, value in answers.items():
        location = f"answers.{key}"
        note = None
        if isinstance(value, dict):
            unknown = set(value) - {"level", "note"}
            if unknown:
                raise AssessmentError(f"unknown key {', '.join(sorted(map(str, unknown)))} (use level and note)",
                                      path=source, location=location)
            note = value.get("note")
            value = value.get("level")
        indicator, level = _check_answer(framework, str(key), value, source, location)
        checked.append((indicator, level, None if note is None else str(note)))
    if not checked:
        raise AssessmentError("no answers given", path=source)
    assessment, _ = start_assessment(project, force, period, framework, user, params)
    now = utcnow()
    with project.transaction() as con:
        for indicator, level, note in checked:
            con.execute("INSERT INTO assessment_answers "
                        "VALUES (nextval('assessment_answers_seq'), ?, ?, ?, ?, ?, ?, ?)",
                        [assessment["assessment_id"], indicator.id, level, indicator.levels[level], note, user, now])
        project.audit("assessment_answer", target=f"{force} {assessment['period']}", username=user,
                      detail={"answers": {i.id: lvl for i, lvl, _ in checked}, "source": source or "api"})
    return {"assessment": assessment, "answered": len(checked)}


def read_answers_file(path: str | Path) -> dict[str, Any]:
    """An answers file: YAML (or JSON) mapping indicator ids to a level or {level, note}, optionally
    under a top-level `answers:` key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssessmentError("no such file", path=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise AssessmentError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path=str(path),
                              location=f"line {mark.line + 1}" if mark else None) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssessmentError(f"cannot read the file: {exc}", path=str(path)) from None
    if isinstance(data, dict) and set(data) == {"answers"}:
        data = data["answers"]
    if not isinstance(data, dict):
        raise AssessmentError("an answers file maps indicator ids to levels (e.g. 'strategy: 3')", path=str(path))
    return data


# ---- scoring ---------------------------------------------------------------------------------

def score(framework: Framework, force: str, period: Period, measured: dict[str, Measurement],
          answers: dict[str, Answer], assessment: dict[str, Any] | None = None) -> AssessmentResult:
    """Levels per indicator, pillar and overall from the measurements and answers given."""
    pillars = []
    for pillar in framework.pillars:
        scores = []
        for indicator in pillar.indicators:
            figures: list[tuple[Measurement | None, int | None]] = []
            short: list[str] = []
            for rule in indicator.measures:
                m = measured.get(rule.metric)
                lvl = rule.level(m.value) if m is not None and m.n >= rule.min_n else None
                if m is None or m.value is None:
                    short.append(f"no {rule.metric} figure for {period.label}")
                elif m.n < rule.min_n:
                    short.append(f"{m.describe()}: fewer than {rule.min_n}, too few to set a level")
                figures.append((m, lvl))
            levels = [lvl for _, lvl in figures]
            complete = [v for v in levels if v is not None]
            measured_level = min(complete) if levels and len(complete) == len(levels) else None
            answer = answers.get(indicator.id) if indicator.question else None
            if measured_level is not None:
                level, source = measured_level, "measured"
            elif answer is not None:
                level, source = answer.level, "answer"
            else:
                level, source = None, None
            contradiction = None
            if measured_level is not None and answer is not None \
                    and abs(answer.level - measured_level) >= framework.contradiction_gap:
                evidence = "; ".join(m.describe() for m, _ in figures if m is not None)
                contradiction = f"{answer.describe()}; measured level {measured_level}: {evidence}"
            note = "; ".join(short) if short and indicator.measures else None
            scores.append(IndicatorScore(indicator, level, source, figures, measured_level, answer, contradiction,
                                         note))
        value = _mean([s.level for s in scores if s.level is not None])
        pillars.append(PillarScore(pillar.id, pillar.name, value, _level_of(value), scores))
    overall = _mean([p.score for p in pillars if p.score is not None])
    return AssessmentResult(force, period, framework, pillars, overall, _level_of(overall), assessment)


def assess(project: Project, force: str, period: str | None = None, framework: Framework | None = None,
           params: MetricParams | None = None, *, measured: dict[str, dict[str, Measurement]] | None = None,
           forces: list[str] | None = None) -> AssessmentResult:
    """The force's assessment for the period (default: its latest, else the quarter of the newest
    post): measured evidence plus the answers recorded, scored. `measured` reuses a `measure` run,
    `forces` a `known_forces` list."""
    framework = framework or load_framework()
    check_force(project, force, forces)
    if period:
        chosen = parse_period(period)
    else:
        rows = project.query("SELECT period FROM assessments WHERE force = ? ORDER BY assessment_id DESC LIMIT 1",
                             [force])
        chosen = parse_period(rows[0]["period"]) if rows else latest_period(project, params)
    if measured is None:
        measured = measure(project, chosen, framework.metrics(), params)
    assessment = find_assessment(project, force, chosen.label)
    answers = latest_answers(project, assessment["assessment_id"]) if assessment else {}
    result = score(framework, force, chosen, measured.get(force, {}), answers, assessment)
    if assessment is None:
        result.notes.append(f"no assessment started for {force} {chosen.label}: measured evidence only "
                            f"(start one with `peelian assess init`)")
    elif assessment["framework_sha256"] != framework.sha256:
        result.notes.append(f"answered against framework {assessment['framework']} {assessment['framework_version']}"
                            f" (another file than the one scored now: {framework.source})")
    return result


def history(project: Project, force: str, framework: Framework | None = None,
            params: MetricParams | None = None) -> list[dict[str, Any]]:
    """Every assessed period of the force, oldest first, with its scores (progress over time)."""
    framework = framework or load_framework()
    rows = project.query("SELECT DISTINCT period FROM assessments WHERE force = ?", [force])
    periods = sorted((parse_period(r["period"]) for r in rows), key=lambda p: (p.date_from, p.date_to))
    out = []
    for p in periods:
        result = assess(project, force, p.label, framework, params)
        out.append({"period": p.label, "score": result.score, "level": result.level,
                    "pillars": {x.id: x.score for x in result.pillars}})
    return out


def compare(project: Project, period: str | None = None, framework: Framework | None = None,
            params: MetricParams | None = None) -> dict[str, Any]:
    """All forces side by side for a period (default: the latest assessed, else the quarter of the
    newest post): overall and pillar scores, rank (equal scores tie) and change since the period before."""
    framework = framework or load_framework()
    if period:
        chosen = parse_period(period)
    else:
        rows = project.query("SELECT period FROM assessments")
        periods = sorted((parse_period(r["period"]) for r in rows), key=lambda p: p.date_to)
        chosen = periods[-1] if periods else latest_period(project, params)
    previous = chosen.previous()
    metrics = framework.metrics()
    now, before = measure(project, chosen, metrics, params), measure(project, previous, metrics, params)
    forces = sorted(set(known_forces(project)) | set(now))
    results = []
    for force in forces:
        current = assess(project, force, chosen.label, framework, params, measured=now, forces=forces)
        prior = assess(project, force, previous.label, framework, params, measured=before, forces=forces)
        results.append((current, prior))
    ranks = tied_ranks([(c.score, c.score, c.score) for c, _ in results])
    rows = []
    for (current, prior), rank in zip(results, ranks, strict=True):
        change = None if current.score is None or prior.score is None else round(current.score - prior.score, 2)
        rows.append({"force": current.force, "score": current.score, "level": current.level, "rank": rank.rank,
                     "tied": rank.tied, "previous_score": prior.score, "change": change,
                     "assessed": current.assessment is not None, "contradictions": len(current.contradictions),
                     "pillars": {p.id: {"score": p.score, "level": p.level} for p in current.pillars}})
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["force"]))
    return {"period": chosen.label, "previous_period": previous.label,
            "framework": {"id": framework.id, "name": framework.name, "version": framework.version},
            "pillars": [{"id": p.id, "name": p.name} for p in framework.pillars], "forces": rows}
