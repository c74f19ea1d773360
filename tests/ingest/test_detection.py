"""Detection of damaged files: a file of a known format that no longer parses is still recognised
(and imported, its damage quarantined with its line), or refused with where it is damaged; a CSV
that no format recognises is refused with the columns and the --map that would read it."""

from __future__ import annotations

import re

import pytest

from peelian import Project
from peelian.errors import PeelianError, UnknownFormatError
from peelian.ingest import import_file
from peelian.ingest.formats import detect_format, twitter_v2_bulk
from peelian.ingest.formats.twitter_v2 import TwitterV2Importer
from tests.ingest.helpers import quarantine

JSON_FOLDERS = ("twitter_v2", "twitter_v1", "mastodon", "bluesky", "facebook_graph_api", "instagram_graph_api",
                "youtube_api")
WHERE = re.compile(r"line \d+ is (not valid JSON|cut short \(the file ends inside a JSON value\)|"
                   r"not valid UTF-8 \(0x[0-9a-f]{2}\)) at byte [\d,]+")


def damaged_copies(data: bytes) -> dict[str, bytes]:
    """The ways the attack damaged small files: cut short, a byte that is not UTF-8, a quote too many."""
    middle = len(data) // 2
    return {"cut at 60%": data[: len(data) * 6 // 10], "cut at 40%": data[: len(data) * 4 // 10],
            "a bad byte": data[:middle] + b"\xff" + data[middle + 1:],
            "a stray quote": data[:middle] + b'"' + data[middle + 1:]}


def test_a_damaged_file_is_its_format_or_refused_saying_where(shared_fixtures, tmp_path):
    """Every damaged copy of every JSON sample: detected as the sample's own format (never another),
    or refused with the line and byte where the JSON breaks."""
    recognised = refused = 0
    for folder in JSON_FOLDERS:
        for source in sorted((shared_fixtures / folder).glob("*.json*")):
            try:
                expected = detect_format(source).format
            except PeelianError:
                continue
            for damage, data in damaged_copies(source.read_bytes()).items():
                path = tmp_path / source.name
                path.write_bytes(data)
                try:
                    found = detect_format(path).format
                except UnknownFormatError as exc:
                    refused += 1
                    assert WHERE.search(exc.reason), f"{source.name}, {damage}: {exc.reason}"
                else:
                    recognised += 1
                    assert found == expected, f"{source.name}, {damage}"
    assert recognised > 3 * refused  # most damaged files are still read


@pytest.mark.parametrize(("name", "fmt"), [
    ("twitter_v1/python-twitter__get_user_timeline.json", "twitter-v1"),
    ("mastodon/Mastodon.py__test_home_tl.01.GET.200.json", "mastodon"),
    ("facebook_graph_api/restfb__v2_1_feed-got.json", "facebook-graph"),
    ("youtube_api/python-youtube__comment_threads_comment_threads_by_video_paged_1.json", "youtube"),
])
def test_a_truncated_list_imports_what_comes_before_the_cut(project, shared_fixtures, tmp_path, name, fmt):
    data = (shared_fixtures / name).read_bytes()
    path = tmp_path / "cut.json"
    path.write_bytes(data[: len(data) * 6 // 10])
    report = import_file(project, path)
    assert report.format == fmt and report.reconciles
    assert report.posts_new > 0 and report.quarantined == 1
    (bad,) = quarantine(project)
    assert bad["location"].startswith("line ") and "truncated JSON" in bad["reason"]


def test_ndjson_with_a_damaged_first_line_is_recognised_and_read_in_bulk(project, plain, shared_fixtures, tmp_path,
                                                                         monkeypatch):
    data = (shared_fixtures / "twitter_v2/twarc-csv__geo_tweets.jsonl").read_bytes()
    first, rest = data.split(b"\n", 1)
    path = tmp_path / "pages.jsonl"
    path.write_bytes(first[:100] + b"\xff" + first[101:] + b"\n" + rest)
    assert detect_format(path).format == "twitter-v2"
    built: list[int] = []
    real_build = twitter_v2_bulk._Chunk.build
    monkeypatch.setattr(twitter_v2_bulk._Chunk, "build", lambda chunk: built.append(1) or real_build(chunk))
    report = import_file(project, path)
    assert built, "the pages after a damaged first line are read by the bulk reader"
    assert report.posts_new > 0 and report.quarantined == 1
    (bad,) = quarantine(project)
    assert bad["location"] == "line 1" and "not valid UTF-8 (byte 0xff" in bad["reason"]
    monkeypatch.setattr(TwitterV2Importer, "stage_bulk", lambda self, path, sink: False)
    by_record = import_file(plain, path)
    assert (by_record.records_read, by_record.quarantined) == (report.records_read, report.quarantined)


def test_a_damaged_single_object_is_quarantined_as_what_it_looks_like(project, shared_fixtures, tmp_path):
    data = (shared_fixtures / "bluesky/atproto__feed_record.json").read_bytes()
    path = tmp_path / "record.json"
    path.write_bytes(data[: len(data) * 6 // 10])
    report = import_file(project, path)
    assert report.format == "bluesky" and report.quarantined == 1
    (bad,) = quarantine(project)
    assert bad["location"].startswith("line ")
    assert bad["reason"].startswith("looks like bluesky but cannot be read: truncated JSON")


def test_damaged_json_of_no_known_format_names_the_line_and_byte(tmp_path):
    path = tmp_path / "export.json"
    for data, problem, at in ((b'{"rows": [\n  {"a": 1},\n  {"a": "\xe9t\xe9"}\n]}\n', "not valid UTF-8 (0xe9)", b"\xe9"),
                              (b'{"rows": [\n  {"a": 1},\n  {"a": 2 "b": 3}\n]}\n', "not valid JSON", b'"b"')):
        path.write_bytes(data)
        with pytest.raises(UnknownFormatError) as caught:
            detect_format(path)
        assert f"line 3 is {problem} at byte {data.index(at)}," in caught.value.reason


def test_a_csv_with_other_columns_is_told_how_to_map_them(tmp_path):
    path = tmp_path / "scraped.csv"
    path.write_text("Post ID,Message,Date,Page Name,Shares\n1,hello,2024-05-01,West Mids Police,3\n")
    with pytest.raises(UnknownFormatError) as caught:
        detect_format(path)
    reason = caught.value.reason
    assert "'Post ID', 'Message', 'Date', 'Page Name', 'Shares'" in reason
    assert "post_id, created_at, text and author" in reason
    assert "--map 'post_id=Post ID,created_at=Date,text=Message,author=Page Name'" in reason


def test_a_csv_without_likely_columns_gets_placeholders(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("alpha,beta\n1,2\n")
    with pytest.raises(UnknownFormatError) as caught:
        detect_format(path)
    assert "--map 'post_id=<column>,created_at=<column>,text=<column>,author=<column>'" in caught.value.reason


# Keys that JSON formats look for in a head too big (or too damaged) to parse, written as a
# document quotes them: a README or a field-mapping note beside the exports.
QUOTED_KEYS = ('"source_platform"', '"timestamp_collected"', '"__import_meta"', '"at://did:plc:x"', '"feed"',
               '"platformId"', '"statistics"', '"created_time"', '"2024-05-01T10:00:00+0000"', '"post_id"',
               '"comments_full"', '"post_text"', '"youtube#commentThread"', '"cid"', '"votes"', '"timestamp"',
               '"media_type"', '"in_reply_to_account_id"', '"reblogs_count"', '"account"')


def test_a_text_document_quoting_json_keys_is_not_a_json_format(shared_fixtures, tmp_path):
    """A note that quotes the keys of the formats (the fixtures' own FORMATS.md, or any) is not an
    export: it is refused as not recognised, never read as damaged JSON of some format."""
    note = tmp_path / "notes.md"
    note.write_text("# Field notes\n\n" + "".join(f"- {key}: a key we read\n" for key in QUOTED_KEYS))
    for path in (note, shared_fixtures / "FORMATS.md"):
        with pytest.raises(UnknownFormatError) as caught:
            detect_format(path)
        assert caught.value.reason.startswith("format not recognised;"), caught.value.reason


def test_packed_re_encoded_and_binary_files_are_told_what_to_do(shared_fixtures, tmp_path):
    """A gzipped capture, a zip that is no download-your-information archive, a UTF-16 save (Windows
    PowerShell's `>` writes it) and a binary file are each named for what they are, with what to
    do; "name it with --format" would not help any of them."""
    import gzip
    import io
    import zipfile

    data = (shared_fixtures / "twitter_v2" / "twarc-csv__two_tweets.jsonl").read_bytes()
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        archive.writestr("tweets.jsonl", data)
    text = data.decode()
    Project.init(tmp_path / "p.peelian").close()
    project_bytes = (tmp_path / "p.peelian").read_bytes()
    cases = {"capture.jsonl.gz": (gzip.compress(data), "the file is gzip-compressed; decompress it (gunzip -k FILE)"),
             "capture.zip": (packed.getvalue(), "the file is a zip archive but not a 'Download your information' "
                                                "archive; unzip it and import the folder it holds"),
             "bom.jsonl": (text.encode("utf-16"), "the file is UTF-16 text; Peelian reads exports in UTF-8"),
             "le.jsonl": (text.encode("utf-16-le"), "iconv -f UTF-16LE -t UTF-8 FILE > FILE-utf8"),
             "be.jsonl": (text.encode("utf-16-be"), "iconv -f UTF-16BE -t UTF-8 FILE > FILE-utf8"),
             "utf32.jsonl": (text.encode("utf-32"), "the file is UTF-32 text"),
             "photo.json": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
                            "the file is binary (it holds NUL bytes), not a text export"),
             "sparse.json": (b"\x01" + bytes(4095), "the file is binary"),
             "project.peelian": (project_bytes, "the file is a DuckDB database (a Peelian project?), not an export")}
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(UnknownFormatError) as caught:
            detect_format(path)
        assert message in caught.value.reason, (name, caught.value.reason)
        assert "--format" not in caught.value.reason


def test_a_named_format_still_refuses_a_file_that_is_not_text(project, shared_fixtures, tmp_path):
    """--format skips detection: a gzipped capture read as twitter-v2 was one 'not valid UTF-8 (byte
    0x8b)' line, and a UTF-16 CSV read as facebook-scraper fifty rows of CSV-module jargon."""
    import gzip

    data = (shared_fixtures / "twitter_v2" / "twarc-csv__two_tweets.jsonl").read_bytes()
    packed = tmp_path / "capture.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    report = import_file(project, packed, format="twitter-v2")
    assert (report.records_read, report.quarantined, report.posts_new) == (1, 1, 0)
    scraped = tmp_path / "scraped.csv"
    scraped.write_bytes((shared_fixtures / "facebook_scraper" / "Ajay263__Scrapped_FB.csv").read_text().encode("utf-16"))
    report = import_file(project, scraped, format="facebook-scraper")
    assert (report.records_read, report.quarantined) == (1, 1)
    reasons = [r["reason"] for r in quarantine(project)]
    assert reasons == ["the file is gzip-compressed; decompress it (gunzip -k FILE) and import the file it holds "
                       "(read as twitter-v2, the format named)",
                       "the file is UTF-16 text; Peelian reads exports in UTF-8: save it as UTF-8 (e.g. iconv -f "
                       "UTF-16 -t UTF-8 FILE > FILE-utf8) and import that (read as facebook-scraper, the format named)"]
    plain = import_file(project, shared_fixtures / "twitter_v2" / "twarc-csv__two_tweets.jsonl", format="twitter-v2")
    assert plain.posts_new == 2


def test_a_named_format_reads_a_text_file_with_a_stray_nul_quarantining_only_its_record(project, tmp_path):
    path = tmp_path / "posts.csv"
    path.write_bytes(b"id,when,message,user\n1,2025-05-01 10:00,hello,alice\n2,2025-05-01 11:00,he\x00llo,bob\n")
    report = import_file(project, path, format="csv",
                         options={"mapping": {"post_id": "id", "created_at": "when", "text": "message", "author": "user"}})
    assert report.records_read == 2 and report.posts_new >= 1
