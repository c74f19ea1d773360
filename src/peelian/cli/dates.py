"""Date options read the same way by every command: a bad value is refused naming the option the user
typed (--from, --to-date, --as-of, --period) and the value, never the library's parameter
(date_from, as_of) that the user never saw; exit code 2, before the project is opened.

The library (peelian.metrics.params) keeps the range every filter may name; it is imported when a
command runs, so `peelian --help` stays fast.
"""

from __future__ import annotations

from datetime import date, datetime

from peelian.errors import InputError


def read_day(value: str | None, option: str) -> date | None:
    """`value` as a day (YYYY-MM-DD) within the filters' range, else InputError naming `option`."""
    from peelian.metrics.params import check_date

    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"cannot read {option} {value!r}; write YYYY-MM-DD") from None
    try:
        return check_date(option, day)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def read_period(date_from: str | None, date_to: str | None, first: str, last: str) -> tuple[date | None, date | None]:
    """The first and last day options (named `first` and `last` as the command spells them) as days in order."""
    start, end = read_day(date_from, first), read_day(date_to, last)
    if start and end and end < start:
        raise InputError(f"{last} {end} is before {first} {start}")
    return start, end


def read_moment(value: str | None, option: str) -> datetime | None:
    """A moment (YYYY-MM-DD[THH:MM] UTC, or 'now') on the filters' days, else InputError naming `option`."""
    from peelian.metrics.params import check_date
    from peelian.store.project import utcnow

    if value is None:
        return None
    if value.lower() == "now":
        return utcnow()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"cannot read {option} {value!r}; write YYYY-MM-DD, YYYY-MM-DDTHH:MM or now") from None
    try:
        check_date(option, moment.date())
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return moment


def read_assessment_period(value: str | None, option: str) -> str | None:
    """An assessment period (2025-Q2, 2025-06, 2025) the library accepts, else InputError naming `option`
    before the library's reason (which says "period", not the option typed); returned as given."""
    from peelian.assess.measures import parse_period
    from peelian.errors import AssessmentError

    if value is None:
        return None
    try:
        parse_period(value)
    except AssessmentError as exc:
        raise InputError(f"{option} {value!r}: {exc.reason}") from None
    return value
