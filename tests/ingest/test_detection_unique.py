"""Detection is unambiguous: every real sample and every test file is claimed by exactly one format
with the top confidence (no tie at the top), the format it is in; a file that is a known
platform's response but holds no posts is refused with a message saying what it is and what to
import instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from peelian.errors import NoPostsError, UnknownFormatError
from peelian.ingest import import_file, import_files
from peelian.ingest.base import SNIFF_BYTES, Sample
from peelian.ingest.formats import IMPORTERS, MAX_FIRST_LINE, MIN_CONFIDENCE, detect_format
from tests.conftest import DATA, SHARED_FIXTURES

FORMATS = DATA / "formats"
# folder → the format of its files; None: each holds no posts
EXPECTED = {
    "bluesky": "bluesky", "facebook_graph_api": "facebook-graph", "facebook_scraper": "facebook-scraper",
    "instagram_graph_api": "instagram-graph", "mastodon": "mastodon", "twitter_archive": "twitter-archive",
    "twitter_v1": "twitter-v1", "twitter_v2": "twitter-v2", "twitter_v2_academictwitteR": "twitter-v2",
    "youtube_api": "youtube", "x_analytics": "x-analytics", "hootsuite": "hootsuite",
    "crowdtangle_history": "crowdtangle-history", "youtube_comment_downloader": "youtube-comment-downloader",
    "no_posts": None,
}
HOLDS_NO_POSTS = {"milahu__manifest.js"}  # a real sample that is an export's file without posts
# what each no-posts file is said to be, and a file the message points to instead
NO_POSTS_MESSAGES = {
    "milahu__manifest.js": ("manifest.js", "tweets.js"),
    "tweet-headers.js": ("`tweet_headers` data", "tweets.js"),
    "mastodon_instance_v1.json": ("instance document", "statuses"),
    "mastodon_instance_v2.json": ("instance document", "statuses"),
    "mastodon_poll.json": ("poll", "status"),
    "mastodon_accounts.json": ("account list", "statuses"),
    "twitter_v2_users.json": ("user lookup", "tweets"),
}


def sample_of(path: Path) -> Sample:
    """The sample detection reads (`detect_format`): the head, or a long first NDJSON line whole."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
        if head.lstrip()[:1] == b"{" and b"\n" not in head.strip():
            head += fh.readline(MAX_FIRST_LINE)
        whole = not fh.read(1)
    return Sample(path=path, head=head, whole=whole)


def scores(path: Path) -> list[tuple[float, str]]:
    sample = sample_of(path)
    found = []
    for cls in IMPORTERS:
        score = cls.sniff(sample)
        if score > 0 and path.suffix.lower() in cls.extensions:
            score += 0.05
        if score > 0:
            found.append((round(score, 6), cls.format))
    return sorted(found, reverse=True)


def every_file() -> list[tuple[str, Path]]:
    roots = [p for p in (SHARED_FIXTURES, FORMATS) if p.exists()]
    return [(path.relative_to(root).parts[0], path) for root in roots for path in sorted(root.rglob("*"))
            if path.is_file() and path.parent != root]


def test_the_files_cover_every_folder_expected():
    folders = {folder for folder, _ in every_file()}
    assert {"twitter_v2_academictwitteR", "x_analytics", "hootsuite", "crowdtangle_history", "no_posts"} <= folders


@pytest.mark.parametrize(("folder", "path"), every_file(), ids=lambda v: v if isinstance(v, str) else v.name)
def test_exactly_one_format_claims_each_file(folder, path):
    ranked = scores(path)
    top = [fmt for score, fmt in ranked if ranked and score == ranked[0][0] and score >= MIN_CONFIDENCE]
    assert len(top) <= 1, f"{path.name}: a tie at the top between {top}"
    expected = EXPECTED.get(folder, "unlisted")
    if expected is None or path.name in HOLDS_NO_POSTS:
        assert not top, f"{path.name} holds no posts but {top} claims it"
        with pytest.raises(NoPostsError) as caught:
            detect_format(path)
        what, instead = NO_POSTS_MESSAGES[path.name]
        assert what in caught.value.reason and instead in caught.value.reason
        return
    try:
        found = detect_format(path).format
    except NoPostsError:
        assert not top
        return
    except UnknownFormatError:
        # a member of another format's export that the format leaves alone (an archive's profile file)
        assert expected == "unlisted" and not top, f"{path.name} is not recognised"
        return
    assert [found] == top or (not top and found == expected)  # (not top: recognised from a longer read)
    if expected != "unlisted":
        assert found == expected, f"{path.name}: detected as {found}, expected {expected}"


def test_a_file_that_holds_no_posts_is_one_quarantined_record_saying_so(project):
    report = import_file(project, FORMATS / "no_posts" / "mastodon_poll.json")
    assert (report.records_read, report.quarantined, report.reconciles) == (1, 1, True)
    assert report.error.startswith("a Mastodon poll") and "import statuses instead" in report.error


def test_in_a_folder_such_files_are_skipped_with_the_message(project):
    reports = import_files(project, [FORMATS / "no_posts"])
    assert all(r.skipped and r.import_id is None for r in reports)
    assert {Path(r.path).name: r.skipped for r in reports}["tweet-headers.js"] == (
        "this X archive file holds `tweet_headers` data, not posts (only the ids and times of the account's tweets); "
        "import data/tweets.js (tweet.js in older archives), deleted-tweets.js and community-tweet.js from the same "
        "archive, or the whole data/ folder")
