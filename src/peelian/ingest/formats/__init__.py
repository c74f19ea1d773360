"""The format registry: one module per format, one line here per importer.

Detection reads the head of the file and asks every importer how sure it is;
the most confident wins. Extensions only break ties.
"""

from __future__ import annotations

from pathlib import Path

from peelian.errors import NoPostsError, UnknownFormatError
from peelian.ingest.base import SNIFF_BYTES, Importer, Sample, bom_encoding
from peelian.ingest.formats.bluesky import BlueskyImporter
from peelian.ingest.formats.crowdtangle import CrowdTangleImporter
from peelian.ingest.formats.crowdtangle_history import CrowdTangleHistoryImporter
from peelian.ingest.formats.dyi_archive import DyiArchiveImporter
from peelian.ingest.formats.facebook_graph import FacebookGraphImporter
from peelian.ingest.formats.facebook_scraper import FacebookScraperImporter
from peelian.ingest.formats.generic_csv import GenericCsvImporter, csv_columns_hint
from peelian.ingest.formats.hootsuite import HootsuiteImporter
from peelian.ingest.formats.instagram import InstagramImporter
from peelian.ingest.formats.mastodon import MastodonImporter
from peelian.ingest.formats.twitter_archive import TwitterArchiveImporter
from peelian.ingest.formats.twitter_v1 import TwitterV1Importer
from peelian.ingest.formats.twitter_v2 import TwitterV2Importer
from peelian.ingest.formats.x_analytics import XAnalyticsImporter
from peelian.ingest.formats.youtube import YouTubeImporter
from peelian.ingest.formats.youtube_comment_downloader import YouTubeCommentDownloaderImporter
from peelian.ingest.formats.zeeschuimer import ZeeschuimerImporter

IMPORTERS: list[type[Importer]] = [
    MastodonImporter,
    BlueskyImporter,
    FacebookGraphImporter,
    FacebookScraperImporter,
    YouTubeImporter,
    YouTubeCommentDownloaderImporter,
    InstagramImporter,
    CrowdTangleImporter,
    DyiArchiveImporter,
    ZeeschuimerImporter,
    GenericCsvImporter,
    TwitterArchiveImporter,
    TwitterV1Importer,
    TwitterV2Importer,
    XAnalyticsImporter,
    HootsuiteImporter,
    CrowdTangleHistoryImporter,
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
    """The importer most confident that `path` is in its format.

    A file that starts as JSON but does not parse (cut short, a bad byte, a broken record) is
    sniffed again on what can still be read of it (`Sample.salvaged`), so that a damaged file of
    a known format is imported, its damage quarantined with its line, rather than refused. When
    no format is recognised, the error says what was found: damaged JSON and where, or a CSV
    and how to map its columns. A file that a format knows as one of its platform's files that
    hold no posts (`Importer.holds_no_posts`) raises NoPostsError saying what it is and which
    file to import instead."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        if head.lstrip()[:1] == b"{" and b"\n" not in head.strip():
            head += fh.readline(MAX_FIRST_LINE)  # NDJSON whose first record is longer than the sniff window
        whole = not fh.read(1)
    if not head.strip():
        raise UnknownFormatError("the file is empty", path=str(path))
    sample = Sample(path=path, head=head, whole=whole)
    score, best = _most_confident(sample)
    if score < MIN_CONFIDENCE and (salvaged := sample.salvaged()) is not None:
        score, best = max((score, best), _most_confident(salvaged), key=lambda pair: pair[0])
    if score < MIN_CONFIDENCE:
        for cls in IMPORTERS:
            if (what := cls.holds_no_posts(sample)) is not None:
                raise NoPostsError(what, path=str(path))
        raise UnknownFormatError(_not_recognised(sample, best if score > 0 else None), path=str(path))
    return best


def check_named_format(path: Path, cls: type[Importer]) -> None:
    """A format named with --format skips detection, but not the check that the file is text it can
    read: a gzipped or UTF-16 file read as NDJSON or CSV fails on every line, in words about JSON or
    CSV. UnknownFormatError says what the file is instead; a zip is left to a format that reads zips."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04") and ".zip" in cls.extensions:
        return
    if (why := _not_text(head, nul_is_binary=False)) is not None:
        raise UnknownFormatError(f"{why} (read as {cls.format}, the format named)", path=str(path))


def _most_confident(sample: Sample) -> tuple[float, type[Importer]]:
    scored = []
    for cls in IMPORTERS:
        score = cls.sniff(sample)
        if score > 0 and sample.path.suffix.lower() in cls.extensions:
            score += 0.05
        scored.append((score, cls))
    return max(scored, key=lambda pair: pair[0])


# Files packed in a way no format reads as it is: (leading bytes, what the file is, what to do).
PACKED = ((b"\x1f\x8b", "gzip-compressed", "decompress it (gunzip -k FILE) and import the file it holds"),
          (b"PK\x03\x04", "a zip archive but not a 'Download your information' archive",
           "unzip it and import the folder it holds"),
          (b"BZh", "bzip2-compressed", "decompress it (bunzip2 -k FILE) and import the file it holds"),
          (b"\xfd7zXZ\x00", "xz-compressed", "decompress it (unxz -k FILE) and import the file it holds"),
          (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", "extract it and import the folder it holds"))


def _not_text(head: bytes, *, nul_is_binary: bool = True) -> str | None:
    """Why a head is no export of any format as it stands (compressed, UTF-16 or UTF-32 text, binary):
    naming the format would not help, so the message says what to do instead. None for plain text.
    `nul_is_binary=False` when a format was named: a stray NUL in a text file is one damaged record
    for the format to quarantine, not a reason to refuse the file."""
    for magic, what, todo in PACKED:
        if head.startswith(magic):
            return f"the file is {what}; {todo}"
    if head[8:12] == b"DUCK":
        return "the file is a DuckDB database (a Peelian project?), not an export"
    encoding = bom_encoding(head)
    window = head[:4096]
    if encoding is None and b"\x00" in window:
        half = max(len(window) // 2, 1)
        # ASCII in UTF-16 without a byte-order mark: every other byte is NUL
        odd, even = window[1::2].count(0), window[0::2].count(0)
        if odd > 0.6 * half and even < 0.1 * half:
            encoding = "UTF-16LE"
        elif even > 0.6 * half and odd < 0.1 * half:
            encoding = "UTF-16BE"
        elif nul_is_binary:
            return "the file is binary (it holds NUL bytes), not a text export; is it the right file?"
    if encoding is not None:
        return (f"the file is {encoding} text; Peelian reads exports in UTF-8: save it as UTF-8 "
                f"(e.g. iconv -f {encoding} -t UTF-8 FILE > FILE-utf8) and import that")
    return None


def _not_recognised(sample: Sample, closest: type[Importer] | None) -> str:
    """Why no format claims the file, and what to do about it (`closest`: a format it is a little like)."""
    if (why := _not_text(sample.head)) is not None:
        return why
    known = "(known: " + ", ".join(sorted(c.format for c in IMPORTERS)) + ")"
    if sample.damage is not None:
        found = (f"it looks a little like {closest.format}, but not enough to be sure" if closest else
                 "what can be read before that matches no known format")
        return (f"format not recognised: the file starts as JSON, but {sample.damage}, and {found}; "
                f"repair the file, or name its format with --format {known}")
    if sample.csv_header is not None:
        return csv_columns_hint(sample.csv_header)
    return f"format not recognised; name it with --format {known}"
