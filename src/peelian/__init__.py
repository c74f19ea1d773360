"""Peelian: measure and improve how police and the public talk to each other on social media."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Project", "__version__"]

if TYPE_CHECKING:
    from peelian.store.project import Project


def __getattr__(name: str) -> Any:
    """`peelian.Project` on first use: importing the package (as `peelian --help` does) must not load DuckDB."""
    if name == "Project":
        from peelian.store.project import Project

        return Project
    raise AttributeError(f"module 'peelian' has no attribute {name!r}")
