"""Every choice a metric makes, as explicit parameters with the defaults of docs/metrics.md.

Commercial tools disagree on what "response rate" or "response time" mean; Peelian makes
each choice a named parameter and prints the parameters with every figure, so two
numbers can always be compared knowing how each was made.
"""

from __future__ import annotations

import functools
import math
import re
import reprlib
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from peelian.errors import MetricsError

Period = Literal["week", "month", "quarter"]
PERIODS: tuple[str, ...] = ("week", "month", "quarter")
GROUP_KEYS: tuple[str, ...] = ("force", "account_type", "account", "platform")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_INTENTS = ("question", "report", "urgent", "request_help", "complaint")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|week|weeks)?\s*$", re.I)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400, "day": 86400,
          "days": 86400, "w": 604800, "week": 604800, "weeks": 604800}
# The days a filter may name: no social-media post lies outside them, and date arithmetic
# (the day after date_to, twelve months back) stays far from the ends of Python's calendar.
FIRST_DATE = date(1970, 1, 1)
LAST_DATE = date(2100, 12, 31)
# The longest duration (window, response limit, age): longer is a typo, and timedelta overflows.
MAX_DURATION = timedelta(days=36_525)


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(value: str) -> str:
    """An IANA time zone name zoneinfo knows; anything else (also what ZoneInfo would try to open as a
    file, such as a 300-character name) is a ValueError naming it."""
    if value not in _time_zones():
        raise ValueError(f"unknown time zone {reprlib.repr(value)} (use an IANA name such as Europe/London)")
    return value


def check_date(name: str, value: date | None) -> date | None:
    """A filter date within FIRST_DATE..LAST_DATE, or a ValueError naming the field."""
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{name} must lie between {FIRST_DATE} and {LAST_DATE} (got {value})")
    return value


def parse_duration(value: str | int | float | timedelta) -> timedelta:
    """'72h', '90m', '3d', '1w' or a number of seconds; a bare number means seconds."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise MetricsError(f"cannot read {reprlib.repr(value)} as a duration; write e.g. 90m, 24h, 3d or 1w")
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if not math.isfinite(seconds) or abs(seconds) > MAX_DURATION.total_seconds():
        raise MetricsError(f"the duration {reprlib.repr(value)} is longer than {MAX_DURATION.days:,} days")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta | float | None) -> str:
    """Seconds as whole hours, minutes or seconds: 72h, 90m, 45s; '-' for none."""
    if value is None:
        return "-"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def humane_duration(seconds: float | None) -> str:
    """An age or delay for people: 3d 4h, 5h 10m, 12m, 40s."""
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


class OfficeHours(BaseModel):
    """Office hours in a force's local time: `days` (1 = Monday … 7 = Sunday), [start, end)."""

    model_config = ConfigDict(frozen=True)

    days: tuple[int, ...] = (1, 2, 3, 4, 5)
    start: time = time(9, 0)
    end: time = time(17, 0)

    @field_validator("days")
    @classmethod
    def _days(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        if not days or any(d < 1 or d > 7 for d in days):
            raise ValueError("office-hours days are 1 (Monday) to 7 (Sunday)")
        return tuple(sorted(set(days)))

    @model_validator(mode="after")
    def _order(self) -> OfficeHours:
        if self.end <= self.start:
            raise ValueError("office hours must end after they start on the same day")
        return self

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """'Mon-Fri 09:00-17:00', 'Mon,Wed,Fri 08:30-18:00', 'Sat-Sun 10:00-14:00'."""
        match = re.match(r"^\s*([A-Za-z,\- ]+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$", text or "")
        if not match:
            raise MetricsError(f"cannot read office hours {text!r}; write e.g. 'Mon-Fri 09:00-17:00'")
        days: list[int] = []
        for part in match.group(1).replace(" ", "").split(","):
            ends = [p[:3].lower() for p in part.split("-")]
            if any(e not in DAY_NAMES for e in ends) or len(ends) > 2:
                raise MetricsError(f"unknown day in office hours {text!r}; use Mon Tue Wed Thu Fri Sat Sun")
            first, last = DAY_NAMES.index(ends[0]) + 1, DAY_NAMES.index(ends[-1]) + 1
            if last < first:
                raise MetricsError(f"day range {part!r} runs backwards; write e.g. Mon-Fri")
            days.extend(range(first, last + 1))
        try:
            start, end = (time.fromisoformat(t.zfill(5)) for t in (match.group(2), match.group(3)))
            return cls(days=tuple(days), start=start, end=end)
        except ValueError as exc:
            raise MetricsError(f"invalid office hours {text!r}: {exc}") from None

    def describe(self) -> str:
        runs: list[str] = []
        days = list(self.days)
        while days:
            first = last = days.pop(0)
            while days and days[0] == last + 1:
                last = days.pop(0)
            name = DAY_NAMES[first - 1].title()
            runs.append(name if first == last else f"{name}-{DAY_NAMES[last - 1].title()}")
        return f"{','.join(runs)} {self.start:%H:%M}-{self.end:%H:%M}"


class MetricParams(BaseModel):
    """All metric parameters. Defaults are those of docs/metrics.md; `describe()` prints them."""

    model_config = ConfigDict(frozen=True)

    window: timedelta = Field(timedelta(hours=72), description="a needs-response post with no response "
                              "within this time is unanswered")
    office_hours: OfficeHours = Field(OfficeHours(), description="office hours in the force's local time; "
                                      "response times are split by the inbound post's time")
    needs_response: Literal["intents", "all", "questions"] = Field(
        "intents", description="denominator of the response rate: coded intents (fallback: contains a "
        "question), all inbound posts, or questions only")
    needs_response_intents: tuple[str, ...] = Field(DEFAULT_INTENTS, description="citizen_intent codes that "
                                                    "need a response when needs_response='intents'")
    question_fallback: bool = Field(True, description="inbound posts without a citizen_intent code need a "
                                    "response when they contain a question (else they do not)")
    response_limit: timedelta | None = Field(None, description="time limit of the headline response rate and "
                                             "of the response-time figures (None: no limit)")
    pending: Literal["exclude", "count"] = Field(
        "exclude", description="needs-response posts with no response yet whose window has not closed by as_of "
        "(right-censored): 'exclude' leaves them out of the response rates until their window closes (they are "
        "reported as pending); 'count' counts them as not responded")
    include_reposts: bool = Field(False, description="count police reposts as police posts")
    use_predictions: bool = Field(True, description="use classifier predictions where no gold label exists")
    as_of: datetime | None = Field(None, description="the time 'now' for ages and pending posts (UTC); "
                                   "default: the newest post in the project")
    top_share: float = Field(0.10, gt=0, le=1, description="the top fraction of citizens in the concentration "
                             "figure")
    default_time_zone: str = Field("Europe/London", description="time zone of forces the registry gives none for")

    @field_validator("window", "response_limit", mode="before")
    @classmethod
    def _durations(cls, value: Any) -> Any:
        if value is None or value == "none" or value == "":
            return None
        return parse_duration(value)

    @field_validator("office_hours", mode="before")
    @classmethod
    def _office(cls, value: Any) -> Any:
        return OfficeHours.parse(value) if isinstance(value, str) else value

    @field_validator("window")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value.total_seconds() <= 0:
            raise ValueError("the window must be positive")
        return value

    @field_validator("needs_response_intents", mode="before")
    @classmethod
    def _intents(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = tuple(v.strip() for v in value.split(",") if v.strip())
        if not value:
            raise ValueError("needs_response_intents needs at least one code")
        return tuple(value)

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: datetime | None) -> datetime | None:
        """'Now' on the days a filter may name: 0001-01-01 passed and read as an empty project."""
        if value is not None:
            check_date("as_of", value.date())
        return value

    @field_validator("default_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_time_zone(value)

    @classmethod
    def build(cls, **values: Any) -> MetricParams:
        """Like the constructor, but a bad value raises MetricsError naming the parameter."""
        from pydantic import ValidationError

        try:
            return cls(**{k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}"
                                 for e in exc.errors())
            raise MetricsError(f"invalid metric parameters: {problems}") from None

    def describe(self) -> dict[str, str]:
        """The parameters in words, printed alongside every figure."""
        return {
            "window": format_duration(self.window),
            "office_hours": self.office_hours.describe() + " force local time",
            "needs_response": {
                "intents": "citizen_intent in {" + ", ".join(self.needs_response_intents) + "}"
                + ("; uncoded: contains a question" if self.question_fallback else "; uncoded: no"),
                "all": "all inbound posts",
                "questions": "citizen_intent = question" + ("; uncoded: contains a question"
                                                            if self.question_fallback else "; uncoded: no"),
            }[self.needs_response],
            "response_limit": format_duration(self.response_limit) if self.response_limit else "none",
            "pending": {"exclude": "left out of the response rates until their window closes",
                        "count": "counted as not responded in the response rates"}[self.pending],
            "include_reposts": str(self.include_reposts).lower(),
            "codes": "gold, then predictions, then heuristics" if self.use_predictions
            else "gold, then heuristics (predictions not used)",
            "as_of": self.as_of.isoformat(sep=" ") if self.as_of else "newest post",
            "top_share": f"{self.top_share:g}",
            "default_time_zone": self.default_time_zone,
        }


class Filters(BaseModel):
    """Which posts a figure covers. Dates are inclusive UTC calendar days."""

    model_config = ConfigDict(frozen=True)

    force: str | None = None
    account_type: str | None = None
    account_id: str | None = None
    platform: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_date(cls, value: Any, info: ValidationInfo) -> Any:
        """A day written as 2025-05-31 (a timestamp's day, too); nothing looser, such as a number."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        try:
            return date.fromisoformat(text) if len(text) <= 10 else datetime.fromisoformat(text).date()
        except ValueError:
            raise ValueError(f"{info.field_name} must be a date like 2025-05-31 (got {reprlib.repr(value)})") from None

    @field_validator("date_from", "date_to")
    @classmethod
    def _sane_date(cls, value: date | None, info: ValidationInfo) -> date | None:
        return check_date(str(info.field_name), value)

    @model_validator(mode="after")
    def _order(self) -> Filters:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(f"date_to {self.date_to} is before date_from {self.date_from}")
        return self

    @classmethod
    def build(cls, **values: Any) -> Filters:
        from pydantic import ValidationError

        try:
            return cls(**values)
        except ValidationError as exc:
            raise MetricsError("invalid filters: " + "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'filters'}: {e['msg']}" for e in exc.errors())) from None

    def replace(self, **values: Any) -> Filters:
        return self.model_copy(update=values)

    def describe(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.model_dump().items() if v is not None}
