"""Reading filters from query strings, with messages that name the bad field."""

from __future__ import annotations

from datetime import date
from typing import Any

from peelian.errors import InputError
from peelian.store.search import PostFilters


def _date(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(f"{name} must be a date like 2025-05-31 (got {value!r})") from None


def _float(name: str, value: str | None) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"{name} must be a number between 0 and 1 (got {value!r})") from None
    if not 0 <= number <= 1:
        raise InputError(f"{name} must be between 0 and 1 (got {value!r})")
    return number


def _int(name: str, value: str | None, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise InputError(f"{name} must be a whole number (got {value!r})") from None
    if not low <= number <= high:
        raise InputError(f"{name} must be between {low} and {high} (got {value!r})")
    return number


def filters_from(params: Any) -> PostFilters:
    """PostFilters from request query parameters (unknown parameters are ignored)."""
    def text(name: str) -> str | None:
        value = params.get(name)
        return value.strip() or None if isinstance(value, str) else None

    return PostFilters(
        force=text("force"), account_type=text("account_type"), account_id=text("account_id"),
        platform=text("platform"), date_from=_date("date_from", text("date_from")),
        date_to=_date("date_to", text("date_to")), kind=text("kind"), role=text("role"), code=text("code"),
        prediction=text("prediction"), min_confidence=_float("min_confidence", text("min_confidence")),
        max_confidence=_float("max_confidence", text("max_confidence")),
        conversation_id=text("conversation_id"), hour=_int("hour", text("hour"), 0, 23),
        weekday=_int("weekday", text("weekday"), 1, 7), time_zone=_zone(text("time_zone")),
    )


def _zone(value: str | None) -> str | None:
    if not value:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from None
    return value


def page_number(params: Any, name: str = "page") -> int:
    return _int(name, params.get(name), 1, 10_000_000) or 1
