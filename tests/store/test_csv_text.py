"""read_csv_text: one wording, each caller's error type, for a user's CSV that cannot be read."""

from __future__ import annotations

import pytest

from peelian.errors import CodingError, NetworkDataError, RegistryError
from peelian.store.csv_text import read_csv_text, sniff_delimiter


def test_drops_the_byte_order_mark(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbfforce,handle\nA,@a\n")
    assert read_csv_text(path, RegistryError) == "force,handle\nA,@a\n"


def test_not_utf8_raises_the_callers_error_naming_the_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"force\n\xff\xfe\n")
    with pytest.raises(RegistryError, match="save the registry as UTF-8 CSV") as caught:
        read_csv_text(path, RegistryError, "the registry")
    assert caught.value.path == str(path)


def test_missing_file_says_why(tmp_path):
    with pytest.raises(NetworkDataError, match="cannot read: No such file"):
        read_csv_text(tmp_path / "absent.csv", NetworkDataError)


def test_the_delimiter_is_the_one_the_header_holds_most_of():
    assert [sniff_delimiter(t) for t in ("a,b;c\n1;2;3", "a;b;c\n1,5;2", "a\tb\n1,2", "single\n")] == [",", ";", "\t", ","]


def test_every_users_csv_says_why_it_cannot_be_read_in_the_same_words(tmp_path):
    """The coding sheet, the long-format codings, the gold labels and the panel outcomes read the file through
    read_csv_text (each with its own error type), not their own copies of it."""
    from peelian.coding.agreement import read_long_csv
    from peelian.coding.gold import import_gold
    from peelian.coding.sheets import read_sheet_rows
    from peelian.network.panel import read_outcomes

    latin = tmp_path / "latin.csv"
    latin.write_bytes("unit,coder,code\n1,jos\xe9,a\n".encode("latin-1"))
    for read, error, what in ((read_sheet_rows, CodingError, "the sheet"), (read_long_csv, CodingError, "the file"),
                              (lambda p: import_gold(None, p), CodingError, "the labels"),
                              (lambda p: read_outcomes(p, ["x"]), NetworkDataError, "the outcomes")):
        with pytest.raises(error, match=f"not valid UTF-8; save {what} as UTF-8 CSV") as caught:
            read(latin)
        assert caught.value.path == str(latin)
