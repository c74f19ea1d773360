"""The inter-coder reliability report: one self-contained HTML file, and the same data as JSON.

Built from `peelian.coding.agreement.sample_reliability` (or `file_reliability`): the
coefficients with confidence intervals and the n behind each, the per-code table, the
pairwise confusion matrices, the sample design and a methods paragraph, laid out so a
researcher can paste the tables and the paragraph into a paper.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from jinja2 import Environment, PackageLoader, select_autoescape

from peelian.coding.reliability import COEFFICIENTS
from peelian.errors import PeelianError

TEMPLATE = "reliability.html.j2"


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.{digits}f}"


def _percent(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.1%}"


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value or "")[:16].replace("T", " ")


def _band(interpretation: str | None) -> str:
    """A CSS class for the guidance band, so colour and words say the same thing."""
    text = (interpretation or "").lower()
    for word, cls in (("unreliable", "bad"), ("poor", "bad"), ("slight", "bad"), ("fair", "weak"),
                      ("tentative", "weak"), ("moderate", "weak"), ("reliable", "good"), ("substantial", "good"),
                      ("almost perfect", "good")):
        if word in text:
            return cls
    return "none"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("peelian.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = _number
    env.filters["pct"] = _percent
    env.filters["band"] = _band
    env.filters["when"] = _when
    return env


def render_reliability_html(report: dict[str, Any]) -> str:
    """The report as one HTML page (no external files, prints cleanly)."""
    return _environment().get_template(TEMPLATE).render(report=report, coefficients=COEFFICIENTS)


def reliability_json(report: dict[str, Any]) -> str:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=_plain).decode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def write_reliability_report(report: dict[str, Any], path: str | Path) -> Path:
    """Write HTML (`.html`/`.htm`) or JSON (`.json`) by extension."""
    path = Path(path)
    text = reliability_json(report) if path.suffix.lower() == ".json" else render_reliability_html(report)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise PeelianError(f"{path}: cannot write: {exc.strerror}") from exc
    return path
