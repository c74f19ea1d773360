"""Ingest layer: one importer per platform format, format detection, and the import pipeline."""

from peelian.ingest.formats import IMPORTERS, available_formats, detect_format, get_importer
from peelian.ingest.pipeline import FileReport, import_file, import_files

__all__ = ["IMPORTERS", "FileReport", "available_formats", "detect_format", "get_importer", "import_file",
           "import_files"]
