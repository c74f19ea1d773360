"""Storage layer: the DuckDB project, its schema, the registry, privacy and exports."""

from peelian.store.project import Project, utcnow

__all__ = ["Project", "utcnow"]
