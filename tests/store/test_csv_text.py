"""read_csv_text: one wording, each caller's error type, for a user's CSV that cannot be read."""

from __future__ import annotations

import pytest

from peelian.errors import NetworkDataError, RegistryError
from peelian.store.csv_text import read_csv_text


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
