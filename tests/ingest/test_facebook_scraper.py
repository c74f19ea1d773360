"""facebook-scraper output: the two real CSVs (../shared/fixtures/facebook_scraper/, comments_full
empty) and test files written from the documented shape with comments and replies
(tests/data/formats/facebook_scraper/: a cp1252 CSV as written on Windows, a user's JSON dump)."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from peelian.ingest import detect_format, import_file
from peelian.ingest.formats.facebook_scraper import csv_encoding, python_literal
from peelian.store.registry import import_registry
from tests.ingest.helpers import counts, posts, quarantine

DATA = Path(__file__).parent.parent / "data" / "formats" / "facebook_scraper"
CP1252 = DATA / "cp1252_with_comments.csv"
DUMP = DATA / "posts.json"
POST = "111222333444555_4000000000000001"
COMMENT, REPLY, POLICE_REPLY = ("4000000000000001_611111111111111", "4000000000000001_622222222222222",
                                "4000000000000001_633333333333333")


def test_the_real_csvs_are_detected_and_reconcile(plain, shared_fixtures):
    files = sorted((shared_fixtures / "facebook_scraper").glob("*.csv"))
    assert len(files) == 2
    for path in files:
        assert detect_format(path).format == "facebook-scraper", path.name
        report = import_file(plain, path)
        assert report.reconciles and report.quarantined == 0, (path.name, report.quarantine_examples)
    rows = posts(plain)
    post = rows["2289183541309568_3537028359858407"]  # <page_id>_<post_id>, the Graph API's form
    assert post["created_at"] == datetime(2023, 1, 10, 19, 26, 3)  # `timestamp` (UTC), not the local `time`
    assert (post["like_count"], post["reply_count"], post["repost_count"]) == (1636, 219, 0)
    assert post["url"] == "https://facebook.com/nashtvz/posts/3537028359858407"
    assert post["author_handle"] == "nashtvz" and post["text"].startswith("Winky D DiBigman just dropped")
    share = rows["2289183541309568_3536993319861911"]  # a share with the sharer's own words: a quote
    assert (share["kind"], share["quoted_post_id"], share["text"]) == (
        "quote", "100044504766887_722889649204521", "Message from Our Chairman 🙏")
    assert rows["100044504766887_722889649204521"]["is_partial"]
    assert rows["2227686867513186_3256408687974327"]["like_count"] == 443  # all reactions, as the Graph API counts


def test_a_cp1252_csv_is_decoded_and_comments_thread(plain):
    assert csv_encoding(CP1252) == "cp1252"
    report = import_file(plain, CP1252)
    # 2 posts, the shared post (partial), 1 comment, 2 replies, the notices about estimated and unknown times
    assert counts(report) == (8, 6, 0, 2, 0)
    rows = posts(plain)
    assert rows[POST]["text"] == "Café patrol tonight in the town centre – stay safe"
    comment, reply, police = rows[COMMENT], rows[REPLY], rows[POLICE_REPLY]
    assert (comment["kind"], comment["reply_to_post_id"], comment["conversation_id"]) == ("reply", POST, POST)
    assert comment["reply_to_account_id"] == "111222333444555" and comment["text"] == "Très bien, merci à l’équipe"
    assert comment["created_at"] == datetime(2021, 5, 19, 20, 18, 25) and comment["like_count"] == 2
    assert (reply["reply_to_post_id"], reply["reply_to_account_id"], reply["conversation_id"]) == (
        COMMENT, "100012345678901", POST)
    assert reply["created_at"] is None and reply["text"] == "Agreed — well done"
    assert comment["author_handle"] == "jane.doe.5" and reply["author_handle"] is None  # profile.php?id= names no handle
    assert police["author_handle"] == "ExamplePolice"
    repost = rows["111222333444555_4000000000000002"]
    assert (repost["kind"], repost["quoted_post_id"], repost["created_at"]) == (
        "quote", "100044504766887_722889649204521", datetime(2021, 5, 20, 8, 30))  # no timestamp: `time`


def _notices(project, notice_type: str) -> list[dict]:
    import orjson

    return [orjson.loads(r["detail"]) for r in project.query(
        "SELECT detail FROM notices WHERE notice_type = ? ORDER BY import_id", [notice_type])]


def _rows_with_lines(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Each record of a CSV with the line it starts on (the row number a user sees in an editor)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        found, start = [], 2
        for row in reader:
            found.append((start, row))
            start = reader.line_num + 1
    return found


def test_a_post_without_a_time_is_named_by_a_notice(project, shared_fixtures, tmp_path):
    """Rows with no timestamp or time (and the shared post a share names) were stored without a time and without a
    word: `peelian status` counted them, the import did not say where they came from."""
    source = shared_fixtures / "facebook_scraper" / "Ajay263__Scrapped_FB.csv"
    rows = list(csv.reader(source.open(encoding="utf-8", newline="")))
    keep = [i for i, column in enumerate(rows[0]) if column not in ("time", "timestamp")]
    untimed = tmp_path / "untimed.csv"
    with untimed.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([[row[i] for i in keep] for row in rows])
    report = import_file(project, untimed)
    assert report.reconciles and report.notices == 2  # unknown_time, and approximate_time for the shared post
    (notice,) = _notices(project, "unknown_time")
    assert notice["file"] == "untimed.csv" and notice["records"] == 4
    # the share's row is untimed too: its shared_time is the shared post's time, not the share's
    assert notice["locations"] == [f"row {line}" for line, _ in _rows_with_lines(untimed)]
    assert notice["records"] == project.scalar("SELECT count(*) FROM posts WHERE created_at IS NULL")


def test_the_real_csvs_store_every_post_with_a_time(plain, shared_fixtures):
    """Ajay263's file has exact timestamps, and the post its share names (a partial post) the day its
    `shared_time` gives (a bare day there): it was stored with no time, which no figure by date counts."""
    for path in sorted((shared_fixtures / "facebook_scraper").glob("*.csv")):
        import_file(plain, path)
    assert _notices(plain, "unknown_time") == []
    assert plain.scalar("SELECT count(*) FROM posts WHERE created_at IS NULL") == 0
    shared = posts(plain)["100044504766887_722889649204521"]
    assert shared["is_partial"] and shared["created_at"] == datetime(2023, 1, 6)


SHARE = {"post_id": "4000000000000003", "post_text": None, "shared_text": "Appeal for information",
         "time": "2021-05-20 08:30:00", "timestamp": 1621499400, "user_id": "111222333444555",
         "username": "Example Police", "page_id": "111222333444555", "shared_post_id": "722889649204521",
         "shared_user_id": "100044504766887", "shared_username": "John Smith", "comments_full": []}


@pytest.mark.parametrize(("suffix", "shared_time"), [
    (".json", "2021-05-19 14:05:33"),  # the scraper's datetime as a JSON dump writes it (json.dump default=str)
    (".json", "2021-05-19T14:05:33"),  # isoformat()
    (".csv", "2021-05-19 14:05:33"),  # the scraper's CSV: str(datetime)
])
def test_a_shared_post_keeps_the_full_time_its_shared_time_carries(plain, tmp_path, suffix, shared_time):
    """The shared post's only time is the share's `shared_time`: it is stored to the second, as given (the scraper's
    local time, like `time`), and counted as approximate; the sharing post keeps its own exact timestamp."""
    path = tmp_path / f"share{suffix}"
    record = {**SHARE, "shared_time": shared_time}
    if suffix == ".json":
        path.write_text(json.dumps([record]), encoding="utf-8")
    else:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, list(record))
            writer.writeheader()
            writer.writerow(record)
    report = import_file(plain, path)
    assert report.reconciles and report.posts_new == 2
    rows = posts(plain)
    shared = rows["100044504766887_722889649204521"]
    assert shared["is_partial"] and shared["created_at"] == datetime(2021, 5, 19, 14, 5, 33)
    assert rows["111222333444555_4000000000000003"]["created_at"] == datetime(2021, 5, 20, 8, 30)
    (approximate,) = _notices(plain, "approximate_time")
    assert approximate["records"] == 1 and _notices(plain, "unknown_time") == []


def test_the_json_dump_stores_the_same_posts(plain, tmp_path):
    import_file(plain, CP1252)
    report = import_file(plain, DUMP)
    assert detect_format(DUMP).format == "facebook-scraper"
    assert report.reconciles and report.quarantined == 0 and report.posts_new == 0, report.quarantine_examples
    assert report.duplicates == 6  # every post, comment and reply merges with the CSV's


def test_commenters_are_pseudonymised_and_the_police_page_kept(project, tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,account_id,force,account_type\n"
                        "facebook,ExamplePolice,111222333444555,example,force_corporate\n")
    import_registry(project, registry)
    import_file(project, CP1252)
    stored = project.query("SELECT * FROM posts")
    assert {r["author_handle"] for r in stored if r["author_role"] != "citizen"} == {"ExamplePolice"}
    dump = repr(stored) + repr(project.query("SELECT * FROM accounts"))
    for real in ("jane.doe.5", "100012345678901", "Jane Doe", "Zoë Example", "100098765432109", "100044504766887"):
        assert real not in dump
    assert "John Smith" not in repr(project.query("SELECT * FROM accounts"))  # the sharer's name (in text it stays)


def test_a_damaged_row_of_a_utf8_file_is_quarantined_alone(project, shared_fixtures, tmp_path):
    data = (shared_fixtures / "facebook_scraper" / "teohsinyee__Scrapped_FB.csv").read_bytes()
    path = tmp_path / "damaged.csv"
    path.write_bytes(data.replace(b"KEAGUNGAN", b"KEAG\xc9UNGAN", 1))  # one Latin-1 byte in a UTF-8 file
    assert csv_encoding(path) == "utf-8"
    report = import_file(project, path)
    assert report.reconciles and report.quarantined == 1 and report.posts_new == 4
    assert "not valid UTF-8" in quarantine(project)[0]["reason"]


def test_unreadable_comments_quarantine_their_row(project, tmp_path):
    path = tmp_path / "bad.csv"
    text = CP1252.read_bytes().decode("cp1252").replace("'comment_id'", "__import__('os').system('true') or 'x'", 1)
    path.write_bytes(text.encode("cp1252"))
    report = import_file(project, path)
    assert report.reconciles and report.quarantined == 1
    assert "comments_full cannot be read" in quarantine(project)[0]["reason"]


@pytest.mark.parametrize("text", ["__import__('os')", "[1, (lambda: 2)()]", "datetime.datetime(2021, x)", "[1,"])
def test_python_literal_never_evaluates_code(text):
    with pytest.raises(ValueError):
        python_literal(text)


def test_python_literal_reads_reprs_with_datetimes():
    assert python_literal("[{'a': None, 'b': -1, 't': datetime.datetime(2021, 5, 19, 20, 18, 25)}]") == [
        {"a": None, "b": -1, "t": datetime(2021, 5, 19, 20, 18, 25)}]
