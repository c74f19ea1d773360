"""Pre-publication check of draft posts: personal data, children, sexual-offence victims, prejudice to a
trial, unverified casualty details.

Transparent rules only (no model, no project, no network), so a draft can be checked anywhere in a few
milliseconds and every finding says which rule fired and why. `docs/checks.md` gives the law or guidance
behind each rule and what it misses.
"""

from __future__ import annotations

from peelian.checks.batch import CsvCheck, check_csv, check_texts, decode_draft
from peelian.checks.rules import RISKS, RULES, SEVERITIES, Finding, check_draft

__all__ = ["RISKS", "RULES", "SEVERITIES", "CsvCheck", "Finding", "check_csv", "check_draft", "check_texts", "decode_draft"]
