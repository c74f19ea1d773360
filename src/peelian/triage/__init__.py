"""Triage of inbound citizen posts: intents (gold, then the classifier, then transparent rules), a
high-recall layer for immediate risk (keyword rules OR sentence-embedding prototypes), response-time
targets per force and intent, the inbox (most urgent first), posts handled elsewhere, and target
attainment. See docs/triage.md.

Sits beside the metrics layer: it reads the metrics' fitted dialogue and imports nothing above it.
"""

from __future__ import annotations

from peelian.triage.inbox import (
    DEFAULT_SINCE,
    DEFAULT_TARGETS,
    OUTCOMES,
    Target,
    Targets,
    attainment,
    deadline,
    inbox,
    list_targets,
    mark_handled,
    parse_targets,
    reopen,
    set_targets,
    summary,
)
from peelian.triage.rules import (
    INTENTS,
    RISK_ADVICE,
    RISK_RULES,
    RuleResult,
    classify_text,
)
from peelian.triage.semantic import RiskFinding, detect

__all__ = [
    "DEFAULT_SINCE", "DEFAULT_TARGETS", "INTENTS", "OUTCOMES", "RISK_ADVICE", "RISK_RULES", "RiskFinding",
    "RuleResult", "Target", "Targets", "attainment", "classify_text", "deadline", "detect", "inbox", "list_targets",
    "mark_handled", "parse_targets", "reopen", "set_targets", "summary",
]
