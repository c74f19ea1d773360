"""The framework as data: the shipped one is valid; a bad file is named by file, line and key."""

from __future__ import annotations

import pytest

from peelian.assess.framework import Measure, default_framework, load_framework
from peelian.errors import AssessmentError

SMALL = """\
id: tiny
name: Tiny
version: "0.1"
pillars:
  - id: p
    name: P
    indicators:
      - id: answers_fast
        name: Answers fast
        question: Do you answer fast?
        levels:
          1: not at all
          2: a little
          3: half
          4: mostly
          5: always
        measures:
          - metric: response_rate
            thresholds: [0.2, 0.4, 0.6, 0.8]
"""


def test_shipped_framework_has_four_pillars_of_four_to_eight_indicators():
    f = default_framework()
    assert [p.name for p in f.pillars] == ["Prioritise & Integrate", "Develop Capability", "Measure Impact",
                                            "Foster Innovation"]
    assert all(4 <= len(p.indicators) <= 8 for p in f.pillars)
    assert all(sorted(i.levels) == [1, 2, 3, 4, 5] for i in f.indicators.values())
    kinds = {i.kind for i in f.indicators.values()}
    assert kinds == {"measured", "self-reported", "both"}


def test_a_user_framework_file_is_read(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(SMALL)
    f = load_framework(path)
    assert f.id == "tiny" and f.indicator("answers_fast").measures[0].thresholds == (0.2, 0.4, 0.6, 0.8)
    assert f.sha256 != default_framework().sha256


def test_missing_level_names_file_line_and_key(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("          4: mostly\n", ""))
    with pytest.raises(AssessmentError) as err:
        load_framework(path)
    message = str(err.value)
    assert str(path) in message and "line 12" in message
    assert "pillars[0].indicators[0].levels: missing levels 4" in message


def test_unknown_metric_and_unordered_thresholds_are_reported_together(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("metric: response_rate", "metric: happiness")
                    .replace("[0.2, 0.4, 0.6, 0.8]", "[0.2, 0.6, 0.4, 0.8]"))
    with pytest.raises(AssessmentError) as err:
        load_framework(path)
    message = str(err.value)
    assert "line 18: pillars[0].indicators[0].measures[0].metric: unknown metric 'happiness'" in message
    assert "line 19: pillars[0].indicators[0].measures[0].thresholds: thresholds must rise" in message


def test_unknown_key_and_wrong_file_type(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(SMALL.replace("        question:", "        colour: red\n        question:"))
    with pytest.raises(AssessmentError, match=r"line 8: pillars\[0\].indicators\[0\]: unknown key colour"):
        load_framework(path)
    with pytest.raises(AssessmentError, match="unknown framework file type"):
        load_framework(tmp_path / "f.txt")


def test_measure_levels_count_thresholds_met():
    higher = Measure("response_rate", (0.3, 0.5, 0.7, 0.9))
    assert [higher.level(v) for v in (0.0, 0.3, 0.69, 0.7, 0.95)] == [1, 2, 3, 4, 5]
    lower = Measure("response_time_median_s", (86400, 14400, 3600, 1800), "lower")
    assert [lower.level(v) for v in (90000, 86400, 10800, 1800)] == [1, 2, 3, 5]
    assert higher.level(None) is None
