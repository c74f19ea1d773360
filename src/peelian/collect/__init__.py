"""Collection: pull posts straight from open platform APIs (Bluesky, Mastodon) into a project.

Sits on top of `ingest`: each response is written to `<project>.d/collected/` exactly as received
and imported by the platform's importer, so collected data gets everything an import guarantees.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian._lazy import lazy_exports

if TYPE_CHECKING:
    from peelian.collect.base import CollectReport, TargetReport, collect_status
    from peelian.collect.bluesky import collect_bluesky
    from peelian.collect.http import Fetcher
    from peelian.collect.mastodon import collect_mastodon

# Each name's module is imported on first use (see peelian._lazy): httpx only when a collector runs.
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "base": ("CollectReport", "TargetReport", "collect_status"),
    "bluesky": ("collect_bluesky",),
    "http": ("Fetcher",),
    "mastodon": ("collect_mastodon",),
})
