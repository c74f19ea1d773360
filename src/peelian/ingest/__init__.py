"""Ingest layer: one importer per platform format, format detection, and the import pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
    from peelian.ingest.formats import IMPORTERS, available_formats, detect_format, get_importer
    from peelian.ingest.pipeline import FileReport, import_file, import_files

# Each name's module is imported on first use (see peelian._lazy).
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "formats": ("IMPORTERS", "available_formats", "detect_format", "get_importer"),
    "pipeline": ("FileReport", "import_file", "import_files"),
})
