"""Reading a user's CSV file (a registry, a survey, organisation data, a coding sheet, gold labels) as
text, with one wording of why it cannot be read whichever file it is, and its delimiter."""

from __future__ import annotations

from pathlib import Path

from peelian.errors import InputError


def read_csv_text(path: Path, error: type[InputError], what: str = "the file") -> str:
    """The file's text, UTF-8 with a leading byte-order mark dropped; else `error` naming the file and
    saying why (not UTF-8, so save `what` as UTF-8 CSV; or the system's reason it cannot be read)."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"not valid UTF-8; save {what} as UTF-8 CSV", path=str(path)) from exc
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", path=str(path)) from exc


def sniff_delimiter(text: str) -> str:
    """`,`, `;` or tab, whichever the first line holds most of: a spreadsheet saves CSV with `;` where
    the decimal separator is a comma, and some users save tab-separated text."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)
