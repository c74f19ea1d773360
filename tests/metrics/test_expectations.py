"""Expectations surveys: validation of every row, and the gap worked out by hand.

National survey: appeal 50%, traffic 50%. West Midlands posted 3 appeals and 1 traffic update
(gold topics): actual 75% / 25%. Gap: appeal −0.25, traffic +0.25; TVD 0.25. JSD (bits) with
m = (0.625, 0.375): ½[0.5 log2(0.5/0.625) + 0.5 log2(0.5/0.375)] + ½[0.75 log2(0.75/0.625)
+ 0.25 log2(0.25/0.375)] = ½(0.046555) + ½(0.051035) = 0.048795.
"""

from __future__ import annotations

import pytest

from peelian.errors import InputError, NotFoundError
from peelian.metrics import compute_metrics, expectations_gap, import_expectations, load_survey
from peelian.metrics.expectations import jensen_shannon, total_variation
from tests.metrics.helpers import Corpus


@pytest.fixture
def topics(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    c.police("gmp", "Greater Manchester")
    for i, topic in enumerate(["appeal", "appeal", "appeal", "traffic"]):
        c.post(f"T{i}", wmp, i, "post")
        c.gold(f"T{i}", "topic", topic)
    c.post("T9", wmp, 9, "uncoded")
    return c.save()


def write(tmp_path, text: str, name: str = "survey.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_gap_by_hand(topics, tmp_path):
    report = import_expectations(topics, write(tmp_path, "topic,expected_share\nappeal,0.5\ntraffic,50%\n"))
    assert report == {"surveys": ["survey"], "rows": 2, "forces": ["(national)"], "topics": ["appeal", "traffic"]}
    result = expectations_gap(topics)
    wm = next(f for f in result["forces"] if f["force"] == "West Midlands")
    assert wm["expectations"] == "national" and wm["source"] == "gold"
    assert (wm["original_posts"], wm["coded_posts"]) == (5, 4)
    gaps = {t["topic"]: t for t in wm["topics"]}
    assert gaps["appeal"]["gap"] == pytest.approx(-0.25) and gaps["traffic"]["gap"] == pytest.approx(0.25)
    assert gaps["court_result"]["gap"] == 0 and gaps["appeal"]["actual_posts"] == 3
    assert wm["tvd"] == pytest.approx(0.25)
    assert wm["jsd"] == pytest.approx(0.048795, abs=1e-6)
    assert result["all_forces"]["tvd"] == pytest.approx(0.25)
    row = next(r for r in compute_metrics(topics, by=("force",)) if r["force"] == "West Midlands")
    assert row["expectations_survey"] == "survey" and row["expectations_tvd"] == pytest.approx(0.25)
    assert row["topic_gap_traffic"] == pytest.approx(0.25)
    assert row["topic_share_unknown"] == pytest.approx(0.2)


def test_force_rows_win_and_respondent_counts_become_shares(topics, tmp_path):
    import_expectations(topics, write(tmp_path, "survey,force,topic,respondents\n"
                                                "s2,,appeal,10\ns2,,traffic,30\n"
                                                "s2,West Midlands,appeal,3\ns2,West Midlands,traffic,1\n"))
    survey = load_survey(topics)
    assert survey.name == "s2" and survey.shares[None] == {"appeal": 0.25, "traffic": 0.75}
    result = expectations_gap(topics, survey="s2")
    wm = next(f for f in result["forces"] if f["force"] == "West Midlands")
    assert wm["expectations"] == "force" and wm["tvd"] == pytest.approx(0)
    gm = next(f for f in result["forces"] if f["force"] == "Greater Manchester")
    assert (gm["expectations"], gm["coded_posts"], gm["tvd"]) == ("national", 0, None)  # GM posted nothing
    # re-importing the same survey replaces it
    import_expectations(topics, write(tmp_path, "survey,topic,respondents\ns2,appeal,1\n", "again.csv"))
    assert load_survey(topics, "s2").shares == {None: {"appeal": 1.0}}


def test_every_bad_row_is_reported(topics, tmp_path):
    bad = write(tmp_path, "topic,expected_share,force\n"
                          "appeal,0.5,\n"
                          "robbery,0.2,\n"
                          "traffic,1.5,\n"
                          "appeal,0.3,\n"
                          "insight,abc,\n"
                          "traffic,0.2,Atlantis\n")
    with pytest.raises(InputError) as err:
        import_expectations(topics, bad)
    message = str(err.value)
    assert "row 3: unknown topic 'robbery' (the codebook's topic codes: appeal, incident_update" in message
    assert "row 4: expected_share '1.5' is not between 0 and 1" in message
    assert "row 5: topic 'appeal' appears twice" in message
    assert "row 6: expected_share 'abc' is not a number" in message
    assert "row 7: force 'Atlantis' is not in the registry" in message
    assert topics.scalar("SELECT count(*) FROM expectations") == 0
    with pytest.raises(InputError, match="missing column"):
        import_expectations(topics, write(tmp_path, "theme,share\nappeal,1\n", "cols.csv"))
    with pytest.raises(InputError, match="on every row or on none"):
        import_expectations(topics, write(tmp_path, "topic,expected_share,respondents\nappeal,0.5,\ntraffic,,3\n",
                                          "mixed.csv"))


def test_no_survey(topics):
    with pytest.raises(NotFoundError, match="no expectations survey"):
        expectations_gap(topics)
    assert "expectations_tvd" not in compute_metrics(topics, by=("force",)).rows[0]


def test_distances():
    assert total_variation({"a": 1}, {"b": 1}) == 1 and jensen_shannon({"a": 1}, {"b": 1}) == pytest.approx(1)
    assert jensen_shannon({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0


def test_a_survey_saved_with_semicolons_is_read(topics, tmp_path):
    report = import_expectations(topics, write(tmp_path, "topic;expected_share\nappeal;0.5\ntraffic;50%\n"))
    assert report["rows"] == 2 and report["topics"] == ["appeal", "traffic"]
