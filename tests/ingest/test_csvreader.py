"""CSV rows as a user sees them: row numbers, and cells that do not depend on the system that wrote the file."""

from __future__ import annotations

from peelian.ingest import import_file
from peelian.ingest.csvreader import iter_csv_rows

SCRAPER = "facebook_scraper/teohsinyee__Scrapped_FB.csv"


def test_crlf_line_ends_read_as_lf_inside_a_cell_too(tmp_path):
    lf = b'id,text\n1,"first line\nsecond line"\n2,plain\n'
    (tmp_path / "lf.csv").write_bytes(lf)
    (tmp_path / "crlf.csv").write_bytes(lf.replace(b"\n", b"\r\n"))
    rows = list(iter_csv_rows(tmp_path / "crlf.csv"))
    assert rows == list(iter_csv_rows(tmp_path / "lf.csv"))
    assert rows == [(1, ["id", "text"]), (2, ["1", "first line\nsecond line"]), (4, ["2", "plain"])]


def test_the_same_export_saved_with_windows_line_ends_is_duplicates_not_updates(project, shared_fixtures, tmp_path):
    """A facebook-scraper CSV with multi-line posts, imported as saved on Windows and then as
    downloaded: the texts kept a carriage return per line, and the second import "updated" them."""
    source = shared_fixtures / SCRAPER
    crlf = tmp_path / "windows.csv"
    crlf.write_bytes(source.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    first = import_file(project, crlf)
    again = import_file(project, source)
    assert first.posts_new == 5 and (again.posts_new, again.posts_updated, again.duplicates) == (0, 0, 5)
    assert project.scalar("SELECT count(*) FROM posts WHERE contains(text, chr(13))") == 0


def test_old_mac_line_ends_are_named_not_python_jargon(tmp_path):
    """The csv module's 'do you need to open the file in universal-newline mode?' reached the user."""
    path = tmp_path / "mac.csv"
    path.write_bytes(b"id,text\r1,hello\r2,bye\r")
    (reject,) = list(iter_csv_rows(path))
    assert reject.location == "row 1"
    assert reject.reason == ("unreadable CSV: a line ends in a lone carriage return (\\r), as old Mac spreadsheets "
                             "save CSV; save it as 'CSV UTF-8' (Unix or Windows line ends)")
