"""Periods: empty periods shown as zeros, the returning share against the previous period,
the headline's last full month, weekly series.

West Midlands (wmp). January: an original post J0 (6 Jan), alice asks (10 Jan, answered an
hour later), bob asks (15 Jan). February: nothing. March: alice and carol ask (5 and 6 Mar).
April: bob and carol ask (2 and 3 Apr); wmp posts on 30 Apr 12:00, the newest post.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from peelian.metrics import Filters, compute_metrics, headline, response_time_distribution, time_series
from tests.metrics.helpers import Corpus


@pytest.fixture
def months(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    alice, bob, carol = c.citizen("alice"), c.citizen("bob"), c.citizen("carol")
    c.post("J0", wmp, "2025-01-06 10:00", "New year, new team")
    c.post("J1", alice, "2025-01-10 10:00", "any news?", reply_to="J0")
    c.post("J2", wmp, "2025-01-10 11:00", "Not yet", reply_to="J1")
    c.post("J3", bob, "2025-01-15 10:00", "and?", reply_to="J0")
    for pid, who, when in (("M1", alice, "2025-03-05 10:00"), ("M2", carol, "2025-03-06 10:00"),
                           ("A1", bob, "2025-04-02 10:00"), ("A2", carol, "2025-04-03 10:00")):
        c.post(pid, who, when, "@wmp hello?", mentions=["wmp"])
    c.post("A3", wmp, "2025-04-30 12:00", "Spring update")
    return c.save()


def test_months_with_empty_periods_and_returning_share(months):
    rows = compute_metrics(months, by=("force", "month"), filters=Filters(date_from="2025-01-01"))
    by_month = {r["period"]: r for r in rows}
    assert list(by_month) == [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1), date(2025, 4, 1)]
    jan, feb, mar, apr = by_month.values()
    assert feb["posts"] == 0 and feb["inbound_posts"] == 0 and feb["response_rate"] is None
    assert feb["period_end"] == date(2025, 2, 28)
    assert (jan["audience_citizens"], jan["returning_share"]) == (2, None)  # December lies before the data
    assert (feb["audience_citizens"], feb["returning_share"]) == (0, None)
    assert (mar["audience_citizens"], mar["returning_citizens"], mar["returning_share"]) == (2, 0, 0.0)
    assert (apr["audience_citizens"], apr["returning_citizens"], apr["returning_share"]) == (2, 1, 0.5)
    # January: 2 posts by 1 account over the 26 days from the first post (6 Jan) to 31 Jan
    assert jan["posts_per_account_week"] == pytest.approx(2 / (26 / 7))
    assert (jan["needs_response"], jan["responded"], jan["response_rate"]) == (2, 1, 0.5)


def test_returning_share_without_periods_uses_the_equally_long_range_before(months):
    april = compute_metrics(months, by=(), filters=Filters(date_from="2025-04-01", date_to="2025-04-30")).rows[0]
    # previous 30 days, 2–31 March: alice and carol; in April bob and carol: carol returned
    assert (april["audience_citizens"], april["returning_citizens"], april["returning_share"]) == (2, 1, 0.5)
    spring = compute_metrics(months, by=(), filters=Filters(date_from="2025-03-01", date_to="2025-04-30")).rows[0]
    assert spring["returning_share"] is None  # its previous 61 days start before the first post


def test_headline_last_full_month_and_previous(months):
    head = headline(months)
    assert head["period"] == {"from": date(2025, 3, 1), "to": date(2025, 3, 31)}
    assert head["previous_period"] == {"from": date(2025, 2, 1), "to": date(2025, 2, 28)}
    citizens = head["figures"]["audience_citizens"]
    assert (citizens["value"], citizens["previous"], citizens["change"]) == (2, 0, 2)
    rate = head["figures"]["response_rate"]
    assert (rate["value"], rate["previous"], rate["change"]) == (0.0, None, None)
    assert head["params"]["window"] == "72h" and head["sources"]["needs_response"]["source"] == "heuristic"
    custom = headline(months, filters=Filters(date_from="2025-01-01", date_to="2025-01-31"))
    assert custom["previous_period"] == {"from": date(2024, 12, 1), "to": date(2024, 12, 31)}
    assert custom["figures"]["response_rate"]["value"] == 0.5


def test_weekly_series_includes_empty_weeks(months):
    series = time_series(months, period="week")
    assert series[0]["period"] == date(2025, 1, 6) and series[-1]["period"] == date(2025, 4, 28)
    assert len(series) == 17
    assert sum(1 for s in series if s["posts"] == 0 and s["inbound_posts"] == 0) == 17 - 5
    assert all(s["period_end"] - s["period"] == timedelta(days=6) for s in series)
    quarters = compute_metrics(months, by=(), period="quarter")
    assert [r["period"] for r in quarters] == [date(2025, 1, 1), date(2025, 4, 1)]
    assert [r["needs_response"] for r in quarters] == [4, 2]


def test_response_time_histogram(months):
    bins = response_time_distribution(months)
    assert sum(b["posts"] for b in bins) == 6
    assert [b for b in bins if b["posts"]] == [
        {"bin": "1h–2h", "lower_s": 3600.0, "upper_s": 7200.0, "posts": 1, "share": pytest.approx(1 / 6)},
        {"bin": "no response", "lower_s": None, "upper_s": None, "posts": 5, "share": pytest.approx(5 / 6)},
    ]
