"""The monthly force report: its numbers, that it is self-contained, privacy, the CLI and the PDF."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from peelian import Project
from peelian.errors import InputError
from peelian.metrics.compute import compute_metrics
from peelian.metrics.params import Filters, MetricParams
from peelian.report.force_report import (
    build_force_report,
    format_seconds,
    mask_citizens,
    parse_month,
    render_force_report,
    write_force_report,
)
from tests.web.conftest import build_project


@pytest.fixture
def report_project(tmp_path: Path):
    project = build_project(tmp_path / "report.peelian")
    yield project
    project.close()


def test_headline_figures_are_the_metrics_of_the_month_and_the_month_before(report_project: Project) -> None:
    report = build_force_report(report_project, "Kent", "2025-05")
    may = compute_metrics(report_project, MetricParams(), (), None,
                          Filters(force="Kent", date_from="2025-05-01", date_to="2025-05-31"), mixes=()).rows[0]
    april = compute_metrics(report_project, MetricParams(), (), None,
                            Filters(force="Kent", date_from="2025-04-01", date_to="2025-04-30"), mixes=()).rows[0]
    figures = {f.key: f for f in report.figures}
    for key in ("response_rate", "two_way_ratio", "posts", "audience_citizens", "unanswered"):
        assert figures[key].value == may[key] and figures[key].previous == april[key], key
    assert figures["posts"].value == 30
    assert all(f.definition for f in report.figures)
    assert report.period == parse_month("2025-05")
    assert {r["force"] for r in report.forces} == {"Kent", "West Midlands"}
    assert {r["account"] for r in report.accounts} == {"@kentpolice", "@kent_pc"}
    assert len(report.unanswered) == report.unanswered_total == may["unanswered"]


def test_html_is_self_contained_and_hides_citizens(report_project: Project) -> None:
    page = render_force_report(build_force_report(report_project, "West Midlands", "2025-05"))
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert "<link" not in page
    assert "vegaEmbed" in page and page.count("<script>") >= 4
    assert not re.search(r"c_[0-9a-f]{16}", page)
    assert "@citizen Where can I report it?" in page
    specs = re.findall(r'<script type="application/json" id="spec-([\w-]+)">(.*?)</script>', page, re.S)
    assert {name for name, _ in specs} == {"trend", "accounts", "forces", "content"}
    for _, raw in specs:
        assert json.loads(raw)["data"]["values"]
    for heading in ("Headline figures", "Trends", "Compared with the other forces", "Unanswered citizen posts",
                    "public wants", "Data and method"):
        assert heading in page
    assert "accuracy 0.81" in page  # the classifier behind the coded shares


def test_bad_month_or_force_is_refused(report_project: Project, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="2025-05"):
        build_force_report(report_project, "Kent", "May 2025")
    with pytest.raises(InputError, match="no force 'Essex'"):
        build_force_report(report_project, "Essex", "2025-05")
    with pytest.raises(InputError, match="does not exist"):
        write_force_report(report_project, "Kent", "2025-05", tmp_path / "missing" / "r.html")


def test_helpers() -> None:
    assert parse_month("2024-12") == (date(2024, 12, 1), date(2024, 12, 31))
    assert parse_month("2024-02")[1] == date(2024, 2, 29)
    assert format_seconds(45) == "45 s" and format_seconds(3900) == "1 h 5 min" and format_seconds(3 * 86400) == "3.0 days"
    assert mask_citizens("@wmp thanks @someone and c_0123456789abcdef", frozenset({"wmp"})) == \
        "@wmp thanks @citizen and citizen"


def test_cli_report_writes_the_file_and_audits(report_project: Project, cli, tmp_path: Path) -> None:
    path = report_project.path
    report_project.close()
    result = cli("report", path, "--force", "Kent", "--month", "2025-05", "--to", tmp_path / "kent.html")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "kent.html").read_text().startswith("<!doctype html>")
    with Project.open(path) as project:
        assert project.scalar("SELECT count(*) FROM audit_log WHERE action = 'export' AND target = 'force_report'") == 1
    bad = cli("report", path, "--force", "Kent", "--month", "2025-13", "--to", tmp_path / "x.html")
    assert bad.exit_code == 2 and "2025-05" in bad.output


@pytest.mark.browser
def test_pdf_is_printed_with_the_charts(report_project: Project, tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium is not installed")
    files = write_force_report(report_project, "Kent", "2025-05", tmp_path / "kent.html", pdf=True)
    assert [f.suffix for f in files] == [".html", ".pdf"]
    pdf = files[1].read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
