"""Storage layer: the DuckDB project, its schema, the registry, privacy and exports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
    from peelian.store.project import Project, utcnow

# Each name's module is imported on first use (see peelian._lazy).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "project": ("Project", "utcnow"),
})
