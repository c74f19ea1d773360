"""The format registry: one module per format, one line here per importer.

Detection reads the head of the file and asks every importer how sure it is;
the most confident wins. Extensions only break ties.
"""

from __future__ import annotations

from pathlib import Path

from peelian.errors import UnknownFormatError
from peelian.ingest.base import SNIFF_BYTES, Importer, Sample
from peelian.ingest.formats.bluesky import BlueskyImporter
from peelian.ingest.formats.crowdtangle import CrowdTangleImporter
from peelian.ingest.formats.facebook_graph import FacebookGraphImporter
from peelian.ingest.formats.generic_csv import GenericCsvImporter
from peelian.ingest.formats.instagram import InstagramImporter
from peelian.ingest.formats.mastodon import MastodonImporter
from peelian.ingest.formats.twitter_archive import TwitterArchiveImporter
from peelian.ingest.formats.twitter_v1 import TwitterV1Importer
from peelian.ingest.formats.twitter_v2 import TwitterV2Importer
from peelian.ingest.formats.youtube import YouTubeImporter
from peelian.ingest.formats.youtube_comment_downloader import YouTubeCommentDownloaderImporter
from peelian.ingest.formats.zeeschuimer import ZeeschuimerImporter

IMPORTERS: list[type[Importer]] = [
    MastodonImporter,
    BlueskyImporter,
    FacebookGraphImporter,
    YouTubeImporter,
    YouTubeCommentDownloaderImporter,
    InstagramImporter,
    CrowdTangleImporter,
    ZeeschuimerImporter,
    GenericCsvImporter,
    TwitterArchiveImporter,
    TwitterV1Importer,
    TwitterV2Importer,
]

MIN_CONFIDENCE = 0.3
MAX_FIRST_LINE = 64 * 1024 * 1024


def available_formats() -> dict[str, type[Importer]]:
    return {cls.format: cls for cls in IMPORTERS}


def get_importer(name: str) -> type[Importer]:
    formats = available_formats()
    if name not in formats:
        raise UnknownFormatError(f"unknown format {name!r}; known formats: {', '.join(sorted(formats))}")
    return formats[name]


def detect_format(path: Path) -> type[Importer]:
    """The importer most confident that `path` is in its format."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        if head.lstrip()[:1] == b"{" and b"\n" not in head.strip():
            head += fh.readline(MAX_FIRST_LINE)  # NDJSON whose first record is longer than the sniff window
    if not head.strip():
        raise UnknownFormatError("the file is empty", path=str(path))
    sample = Sample(path=path, head=head)
    scored = []
    for cls in IMPORTERS:
        score = cls.sniff(sample)
        if score > 0 and path.suffix.lower() in cls.extensions:
            score += 0.05
        scored.append((score, cls))
    score, best = max(scored, key=lambda pair: pair[0])
    if score < MIN_CONFIDENCE:
        raise UnknownFormatError(
            "format not recognised; name it with --format (known: "
            + ", ".join(sorted(c.format for c in IMPORTERS)) + ")",
            path=str(path),
        )
    return best
