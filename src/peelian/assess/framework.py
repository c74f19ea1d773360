"""The maturity framework as data: pillars, indicators, five levels each, questions and measured rules.

A framework is a YAML file validated against `framework.schema.json` (shipped beside this
module, like the codebook's schema), so a force or an inspectorate can supply its own without
touching code. Every problem is reported at once with the file, the line and the key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from peelian.errors import AssessmentError

DEFAULT_FRAMEWORK_FILE = "framework.yaml"
SCHEMA_FILE = "framework.schema.json"
LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Measure:
    """A measured rule: a figure of the project and the four thresholds that reach levels 2–5."""

    metric: str
    thresholds: tuple[float, float, float, float]
    better: str = "higher"
    min_n: int = 10

    def level(self, value: float | None) -> int | None:
        """The level `value` reaches: 1, and one more for every threshold met (≥, or ≤ when lower is better)."""
        if value is None:
            return None
        if self.better == "lower":
            return 1 + sum(value <= t for t in self.thresholds)
        return 1 + sum(value >= t for t in self.thresholds)


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    pillar: str
    levels: dict[int, str]
    question: str | None = None
    measures: tuple[Measure, ...] = ()

    @property
    def kind(self) -> str:
        """measured, self-reported, or both (measured with a question to check against)."""
        if self.measures and self.question:
            return "both"
        return "measured" if self.measures else "self-reported"


@dataclass(frozen=True)
class Pillar:
    id: str
    name: str
    description: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    version: str
    pillars: tuple[Pillar, ...]
    contradiction_gap: int = 2
    sha256: str = ""
    source: str = DEFAULT_FRAMEWORK_FILE
    indicators: dict[str, Indicator] = field(default_factory=dict)

    def indicator(self, indicator_id: str, *, source: str | None = None, location: str | None = None) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise AssessmentError(f"unknown indicator {indicator_id!r} (the framework {self.id} "
                                  f"{self.version} has {', '.join(self.indicators)})",
                                  path=source, location=location) from None

    def questions(self) -> list[Indicator]:
        """The indicators a person answers (self-reported, or measured with a question)."""
        return [i for i in self.indicators.values() if i.question]

    def metrics(self) -> set[str]:
        return {m.metric for i in self.indicators.values() for m in i.measures}


@functools.cache
def framework_json_schema() -> dict[str, Any]:
    """The JSON schema of the YAML format (a package file, also published in docs/assessment.md)."""
    return json.loads(resources.files("peelian.assess").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


# libyaml's safe loader where PyYAML has it: the same nodes, marks and errors, read 30 times faster
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def default_framework() -> Framework:
    text = resources.files("peelian.assess").joinpath(DEFAULT_FRAMEWORK_FILE).read_text(encoding="utf-8")
    return parse_framework(text, source=DEFAULT_FRAMEWORK_FILE)


def load_framework(path: str | Path | None = None) -> Framework:
    """A framework file (`.yaml`, `.yml` or `.json`), or the shipped one without a path."""
    if path is None:
        return default_framework()
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        raise AssessmentError("unknown framework file type; use .yaml, .yml or .json", path=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AssessmentError("no such file", path=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssessmentError(f"cannot read the file: {exc}", path=str(path)) from None
    return parse_framework(text, source=str(path))


def parse_framework(text: str, source: str | None = None) -> Framework:
    """Parse and validate a framework; every problem is named with its line and key."""
    try:
        node = yaml.compose(text, Loader=LOADER)
        data = yaml.load(text, Loader=LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise AssessmentError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}", path=source,
                              location=f"line {mark.line + 1}" if mark else None) from None
    if not isinstance(data, dict):
        raise AssessmentError("a framework is a mapping with id, name, version and pillars", path=source)
    data = _string_level_keys(data)
    problems = _schema_problems(data, node) or _rule_problems(data, node)
    if problems:
        lines = [f"line {line}: {msg}" if line else msg for line, msg in problems]
        raise AssessmentError("invalid framework:\n  " + "\n  ".join(lines), path=source)
    indicators: dict[str, Indicator] = {}
    pillars = []
    for p in data["pillars"]:
        items = []
        for i in p["indicators"]:
            measures = tuple(Measure(m["metric"], tuple(float(t) for t in m["thresholds"]),  # type: ignore[arg-type]
                                     m.get("better", "higher"), int(m.get("min_n", 10))) for m in i.get("measures", ()))
            indicator = Indicator(i["id"], i["name"], p["id"], {int(k): v for k, v in i["levels"].items()},
                                  i.get("question"), measures)
            indicators[indicator.id] = indicator
            items.append(indicator)
        pillars.append(Pillar(p["id"], p["name"], p.get("description", ""), tuple(items)))
    return Framework(data["id"], data["name"], str(data["version"]), tuple(pillars),
                     int(data.get("contradiction_gap", 2)), hashlib.sha256(text.encode()).hexdigest(),
                     source or "<text>", indicators)


def _string_level_keys(data: dict[str, Any]) -> dict[str, Any]:
    """YAML reads `1:` as an integer key; the schema names levels as strings."""
    for pillar in data.get("pillars") or []:
        for indicator in (pillar.get("indicators") or []) if isinstance(pillar, dict) else []:
            if isinstance(indicator, dict) and isinstance(indicator.get("levels"), dict):
                indicator["levels"] = {str(k): v for k, v in indicator["levels"].items()}
    return data


def _key_path(path: list[Any]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path)) or "top"


def _schema_problems(data: dict[str, Any], node: yaml.Node | None) -> list[tuple[int | None, str]]:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(framework_json_schema())
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(error.absolute_path)
        if error.validator == "required":
            missing = [k for k in error.validator_value if k not in error.instance]
            what = "levels" if path and path[-1] == "levels" else "keys"
            message = f"{_key_path(path)}: missing {what} {', '.join(missing)}"
        elif error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            extra = [k for k in error.instance if k not in allowed]
            message = f"{_key_path(path)}: unknown key {', '.join(map(str, extra))} (allowed: {', '.join(allowed)})"
        elif error.validator == "anyOf" and path and "levels" in (error.instance or {}):
            message = f"{_key_path(path)}: an indicator needs a question, measures, or both"
        else:
            message = f"{_key_path(path)}: {error.message}"
        problems.append((_line_of(node, path), message))
    return problems


def _rule_problems(data: dict[str, Any], node: yaml.Node | None) -> list[tuple[int | None, str]]:
    """What the schema cannot say: unique ids, known metrics, thresholds in order."""
    from peelian.assess.measures import MEASURES

    problems: list[tuple[int | None, str]] = []
    seen: set[str] = set()
    for pi, pillar in enumerate(data["pillars"]):
        for ii, indicator in enumerate(pillar["indicators"]):
            path: list[Any] = ["pillars", pi, "indicators", ii]
            if indicator["id"] in seen:
                problems.append((_line_of(node, [*path, "id"]), f"{_key_path([*path, 'id'])}: indicator id "
                                 f"{indicator['id']!r} is used twice"))
            seen.add(indicator["id"])
            for mi, measure in enumerate(indicator.get("measures", ())):
                mpath = [*path, "measures", mi]
                if measure["metric"] not in MEASURES:
                    problems.append((_line_of(node, [*mpath, "metric"]), f"{_key_path([*mpath, 'metric'])}: unknown "
                                     f"metric {measure['metric']!r}; choose from {', '.join(sorted(MEASURES))}"))
                t = measure["thresholds"]
                ascending = measure.get("better", "higher") == "higher"
                if any((b <= a) if ascending else (b >= a) for a, b in zip(t, t[1:], strict=False)):
                    problems.append((_line_of(node, [*mpath, "thresholds"]), f"{_key_path([*mpath, 'thresholds'])}: "
                                     f"thresholds must {'rise' if ascending else 'fall'} from level 2 to level 5"))
    return problems


def _line_of(node: yaml.Node | None, path: list[Any]) -> int | None:
    """The 1-based line of the value at `path` (or of the nearest parent that exists)."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if str(k.value) == str(step)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            found = node.value[step]
        else:
            found = None
        if found is None:
            break
        node, line = found, found.start_mark.line + 1
    return line
