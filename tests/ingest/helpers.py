"""Helpers shared by the importer tests."""

from __future__ import annotations

from typing import Any

from peelian import Project


def posts(project: Project) -> dict[str, dict[str, Any]]:
    """Stored posts by id, for asserting on fields."""
    return {r["post_id"]: r for r in project.query("SELECT * FROM posts")}
