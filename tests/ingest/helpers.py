"""Helpers shared by the importer tests."""

from __future__ import annotations

from typing import Any

import orjson

from peelian import Project


def posts(project: Project) -> dict[str, dict[str, Any]]:
    """Stored posts by id, for asserting on fields."""
    return {r["post_id"]: r for r in project.query("SELECT * FROM posts")}


def lines(*values: dict | bytes) -> bytes:
    """NDJSON bytes from dicts (or raw bytes, for deliberately broken lines)."""
    return b"".join((v if isinstance(v, bytes) else orjson.dumps(v)) + b"\n" for v in values)


def counts(report: Any) -> tuple[int, int, int, int, int]:
    """An import report as (read, new, duplicates, notices, quarantined)."""
    return report.records_read, report.posts_new, report.duplicates, report.notices, report.quarantined


def post_ids(project: Project) -> set[str]:
    return {r["post_id"] for r in project.query("SELECT post_id FROM posts")}


def quarantine(project: Project) -> list[dict[str, Any]]:
    return project.query("SELECT location, reason FROM quarantine ORDER BY rowid")
