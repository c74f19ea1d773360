"""Parameters: the defaults of docs/metrics.md, parsing, validation with clear messages."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from peelian.errors import MetricsError
from peelian.metrics import Filters, MetricParams, OfficeHours, parse_duration
from peelian.metrics.compute import parse_by
from peelian.metrics.params import format_duration, humane_duration


def test_defaults_are_those_of_the_metric_definitions():
    p = MetricParams()
    assert p.window == timedelta(hours=72)
    assert p.office_hours == OfficeHours(days=(1, 2, 3, 4, 5), start=time(9), end=time(17))
    assert p.needs_response == "intents"
    assert p.needs_response_intents == ("question", "report", "urgent", "request_help", "complaint")
    assert p.response_limit is None and p.include_reposts is False and p.question_fallback is True
    assert p.pending == "exclude"
    assert p.describe() == {
        "window": "72h", "office_hours": "Mon-Fri 09:00-17:00 force local time",
        "needs_response": "citizen_intent in {question, report, urgent, request_help, complaint}; "
                          "uncoded: contains a question",
        "response_limit": "none", "pending": "left out of the response rates until their window closes",
        "include_reposts": "false", "codes": "gold, then predictions, then heuristics",
        "as_of": "newest post", "top_share": "0.1", "default_time_zone": "Europe/London"}


@pytest.mark.parametrize(("text", "seconds"), [("72h", 259200), ("90m", 5400), ("3d", 259200), ("1w", 604800),
                                               ("45", 45), ("1.5h", 5400), (" 24 h ", 86400)])
def test_durations(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


def test_bad_duration():
    with pytest.raises(MetricsError, match="cannot read 'soon' as a duration"):
        parse_duration("soon")


def test_formats():
    assert format_duration(timedelta(hours=72)) == "72h" and format_duration(5400) == "90m"
    assert format_duration(45) == "45s" and format_duration(None) == "-"
    assert humane_duration(3 * 86400 + 4 * 3600 + 5) == "3d 4h" and humane_duration(125) == "2m"


def test_office_hours_parsing():
    oh = OfficeHours.parse("Mon-Fri 08:00-18:00")
    assert oh.days == (1, 2, 3, 4, 5) and oh.start == time(8) and oh.end == time(18)
    assert OfficeHours.parse("Mon,Wed,Sat-Sun 8:30-12:00").days == (1, 3, 6, 7)
    assert OfficeHours.parse("Mon,Wed,Sat-Sun 8:30-12:00").describe() == "Mon,Wed,Sat-Sun 08:30-12:00"
    for bad, message in (("weekdays", "cannot read office hours"), ("Mon-Fry 09:00-17:00", "unknown day"),
                         ("Fri-Mon 09:00-17:00", "runs backwards"), ("Mon 17:00-09:00", "end after")):
        with pytest.raises((MetricsError, ValueError), match=message):
            OfficeHours.parse(bad)


def test_build_names_the_bad_parameter():
    assert MetricParams.build(window="24h", office_hours="Mon-Sat 08:00-20:00").office_hours.days[-1] == 6
    with pytest.raises(MetricsError, match="needs_response"):
        MetricParams.build(needs_response="some")
    with pytest.raises(MetricsError, match="window"):
        MetricParams.build(window="0h")
    with pytest.raises(MetricsError, match="unknown time zone"):
        MetricParams.build(default_time_zone="Mars/Olympus")
    assert MetricParams(response_limit="none").response_limit is None
    assert MetricParams(needs_response_intents="question, urgent").needs_response_intents == ("question", "urgent")


def test_filters_and_grouping():
    with pytest.raises(MetricsError, match="before date_from"):
        Filters.build(date_from="2025-02-01", date_to="2025-01-01")
    assert Filters(force="X").describe() == {"force": "X"}
    assert parse_by("force,account_type,month") == (("force", "account_type"), "month")
    assert parse_by(["account", "week"]) == (("account",), "week")
    with pytest.raises(MetricsError, match="cannot group by 'colour'"):
        parse_by("colour")
    with pytest.raises(MetricsError, match="two periods"):
        parse_by("week,month")
