"""The monthly force report carries the force's maturity scores and its benchmark position."""

from __future__ import annotations

from pathlib import Path

from peelian.assess import assess, benchmark, parse_period, record_answers
from peelian.report.force_report import build_force_report, render_force_report
from tests.web.conftest import build_project


def test_report_has_assessment_summary_and_benchmark_position(tmp_path: Path) -> None:
    project = build_project(tmp_path / "report.peelian")
    try:
        record_answers(project, "Kent", {"answered_within_hour": 1, "strategy": 4}, period="2025-Q2", user="ana")
        report = build_force_report(project, "Kent", "2025-05")
        scored = assess(project, "Kent", "2025-Q2")
        a = report.assessment
        assert a["period"] == "2025-Q2" and a["assessed"] and a["score"] == scored.score
        assert [p["score"] for p in a["pillars"]] == [p.score for p in scored.pillars]
        may = benchmark(project, ["response_rate", "response_time_median_s", "two_way_ratio"],
                        period=parse_period("2025-05"))
        expected = [next(e for e in r.entries if e.group["force"] == "Kent") for r in may.rankings]
        assert [b["rank"] for b in report.benchmark] == [f"{e.rank}{'=' if e.tied else ''}" for e in expected]
        assert [b["n"] for b in report.benchmark] == [e.n for e in expected]
        assert all(b["of"] == 2 for b in report.benchmark)
        page = render_force_report(report)
        assert "Benchmark position and maturity" in page and "Develop Capability" in page
        assert f"overall <b>{scored.score}</b>" in page
    finally:
        project.close()
