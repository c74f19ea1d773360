"""Peelian: measure and improve how police and the public talk to each other on social media."""

__version__ = "0.1.0"

from peelian.store.project import Project  # noqa: E402

__all__ = ["Project", "__version__"]
