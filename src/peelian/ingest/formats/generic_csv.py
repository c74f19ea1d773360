"""The generic CSV: any table of posts, read through a column mapping
(`--map text=message,created_at=time,post_id=id,author=user`).

A field without a mapping is read from a column with exactly the field's name, so a file
whose header already uses Peelian's field names needs no mapping; that is also the only case
in which detection picks this format (any other CSV could be anything). The mapping is
checked against the header before anything is imported: a missing column is a
`MappingError` listing what is missing and what the file has. Rows are numbered by the line
they start on, the header being row 1.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

from peelian.errors import FormatError, MappingError
from peelian.ingest.base import Importer, Sample, as_int, parse_time, post_kind
from peelian.ingest.csvreader import iter_csv_rows, ragged_row
from peelian.ingest.records import Post, Record, Reject

FIELDS: dict[str, str] = {
    "post_id": "the post's id (required)",
    "author": "the author's handle (this or author_id is required)",
    "author_id": "the author's account id",
    "author_name": "the author's display name",
    "created_at": "when it was posted: ISO 8601, epoch seconds or milliseconds (required; naive times are UTC)",
    "text": "the post's text (required column; may be empty, e.g. for reposts)",
    "language": "language code",
    "kind": "original, reply, repost or quote (inferred when not mapped)",
    "reply_to": "id of the post replied to",
    "reply_to_author": "handle of the author replied to",
    "conversation_id": "thread / conversation id",
    "quoted": "id of the quoted post",
    "reposted": "id of the reposted post",
    "likes": "like count", "replies": "reply count", "reposts": "repost/share count", "quotes": "quote count",
    "views": "view count",
    "url": "link to the post",
    "platform": "the platform of each row (else --platform, else 'other')",
}
REQUIRED = ("post_id", "created_at", "text")
COUNTS = {"likes": "like_count", "replies": "reply_count", "reposts": "repost_count", "quotes": "quote_count",
          "views": "view_count"}
KINDS = {"original": "original", "post": "original", "status": "original", "tweet": "original",
         "reply": "reply", "comment": "reply", "repost": "repost", "retweet": "repost", "reblog": "repost",
         "boost": "repost", "share": "repost", "quote": "quote"}


# Column names that often hold a required field, for the --map suggested when a CSV is not recognised.
LIKELY_COLUMNS: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "id", "post id", "tweet id", "tweet_id", "status id", "message id", "comment id",
                "comment_id", "facebook id"),
    "created_at": ("created_at", "created", "created time", "created_time", "date", "time", "timestamp",
                   "post created", "posted", "published", "published_at", "datetime"),
    "text": ("text", "message", "full_text", "content", "body", "post", "post text", "comment", "caption"),
    "author": ("author", "username", "user", "user name", "screen_name", "handle", "account", "from", "page name",
               "name"),
}


def csv_columns_hint(header: list[str]) -> str:
    """Why a CSV that no format recognises was refused, and the `--map` that reads it with this
    importer: the required fields, with a likely column for each (or a placeholder)."""
    pairs = []
    for field, likely in LIKELY_COLUMNS.items():
        column = _likely_column(header, likely)
        pairs.append(f"{field}={column if column is not None else '<column>'}")
    shown = ", ".join(repr(h) for h in header[:20]) + (", …" if len(header) > 20 else "")
    example = ",".join(pairs)
    if example != shlex.quote(example):  # a column name with spaces or quotes: one shell word
        example = shlex.quote(example)
    return (f"format not recognised: a CSV whose columns ({shown}) match no known export. The generic CSV "
            "importer reads it when told which column holds each of post_id, created_at, text and author (or "
            f"author_id): --map field=column,..., e.g. --map {example} (optional fields: "
            f"{', '.join(f for f in FIELDS if f not in LIKELY_COLUMNS)})")


def _likely_column(header: list[str], likely: tuple[str, ...]) -> str | None:
    """The first header column named like one of `likely` (ignoring case), usable in --map (no comma)."""
    folded = {h.casefold().strip(): h for h in reversed(header) if h and "," not in h and "=" not in h}
    return next((folded[name] for name in likely if name in folded), None)


def resolve_mapping(mapping: dict[str, str], header: list[str], path: str | None = None) -> dict[str, int]:
    """Field -> column index. Raises MappingError naming unknown fields or missing columns."""
    unknown = sorted(set(mapping) - set(FIELDS))
    if unknown:
        raise MappingError(f"unknown field(s) in --map: {', '.join(unknown)}; mappable fields: "
                           + ", ".join(FIELDS), path=path)
    columns = {name: i for i, name in reversed(list(enumerate(header)))}
    folded = {name.casefold(): i for i, name in reversed(list(enumerate(header)))}
    resolved: dict[str, int] = {}
    missing: list[str] = []
    for field, column in mapping.items():
        column = column.strip()
        index = columns.get(column, folded.get(column.casefold()))
        if index is None:
            missing.append(f"{column!r} (for {field})")
        else:
            resolved[field] = index
    if missing:
        raise MappingError(f"the mapping names column(s) the file does not have: {', '.join(missing)}; "
                           f"available columns: {', '.join(repr(h) for h in header)}", path=path,
                           location="row 1")
    for field in FIELDS:
        if field not in resolved and field in columns:
            resolved[field] = columns[field]
    lacking = [f for f in REQUIRED if f not in resolved]
    if "author" not in resolved and "author_id" not in resolved:
        lacking.append("author or author_id")
    if lacking:
        raise MappingError(f"no column for required field(s) {', '.join(lacking)}; map them with "
                           f"--map field=column (available columns: {', '.join(repr(h) for h in header)})",
                           path=path, location="row 1")
    return resolved


class GenericCsvImporter(Importer):
    format = "csv"
    platform = "other"
    description = "Any CSV of posts, read through a --map field=column mapping"
    extensions = (".csv",)

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        header = sample.csv_header
        if not header:
            return 0.0
        names = set(header)
        if all(f in names for f in REQUIRED) and ("author" in names or "author_id" in names):
            return 0.5
        return 0.0

    def _mapping(self) -> dict[str, str]:
        mapping = self.options.get("mapping") or {}
        if not isinstance(mapping, dict):
            raise MappingError("the mapping must be field=column pairs")
        return {str(k).strip(): str(v) for k, v in mapping.items()}

    def check(self, path: Path) -> None:
        """An unreadable or missing header is left to `read`, which quarantines the file."""
        for item in iter_csv_rows(path):
            if not isinstance(item, Reject):
                resolve_mapping(self._mapping(), [cell.strip() for cell in item[1]], str(path))
            return

    def read(self, path: Path) -> Iterator[Record]:
        mapping = self._mapping()
        default_platform = str(self.options.get("platform") or "other").strip().lower()
        rows = iter_csv_rows(path)
        header: list[str] | None = None
        fields: dict[str, int] = {}
        for item in rows:
            if isinstance(item, Reject):
                if header is None:
                    raise FormatError(f"the header cannot be read: {item.reason}", path=str(path),
                                      location="row 1")
                yield item
                continue
            number, cells = item
            if header is None:
                header = [cell.strip() for cell in cells]
                fields = resolve_mapping(mapping, header, str(path))
                continue
            if ragged := ragged_row(number, cells, header):
                yield ragged
                continue
            yield _row(cells, fields, header, number, default_platform)
        if header is None:
            yield Reject("file", "the file is empty: no header row")


def _row(cells: list[str], fields: dict[str, int], header: list[str], number: int,
         default_platform: str) -> Post | Reject:
    where = f"row {number}"

    def get(field: str) -> str | None:
        index = fields.get(field)
        if index is None:
            return None
        value = cells[index].strip()
        return value or None

    def column(field: str) -> str:
        return f"column {header[fields[field]]!r} ({field})"

    excerpt = ",".join(cells)
    post_id = get("post_id")
    if post_id is None:
        return Reject(where, f"{column('post_id')}: missing post id", excerpt)
    handle = get("author")
    author_id = get("author_id")
    if handle is None and author_id is None:
        which = "author" if "author" in fields else "author_id"
        return Reject(where, f"{column(which)}: missing author", excerpt)
    created_text = get("created_at")
    if created_text is None:
        return Reject(where, f"{column('created_at')}: missing time", excerpt)
    try:
        created = parse_time(created_text)
    except ValueError as exc:
        return Reject(where, f"{column('created_at')}: {exc}", excerpt)
    counts: dict[str, int | None] = {}
    for field, attribute in COUNTS.items():
        try:
            counts[attribute] = as_int(get(field))
        except ValueError as exc:
            return Reject(where, f"{column(field)}: {exc}", excerpt)
    reply_to, quoted, reposted = get("reply_to"), get("quoted"), get("reposted")
    kind_text = get("kind")
    if kind_text is not None:
        kind = KINDS.get(kind_text.lower())
        if kind is None:
            return Reject(where, f"{column('kind')}: unknown kind {kind_text!r} (use original, reply, repost or "
                                 "quote)", excerpt)
    else:
        kind = post_kind(reposted=reposted, reply_to=reply_to, quoted=quoted)
    reply_handle = get("reply_to_author")
    return Post(
        platform=(get("platform") or default_platform).lower(),
        post_id=post_id,
        location=where,
        author_id=author_id,
        author_handle=handle.lstrip("@") if handle else None,
        author_name=get("author_name"),
        created_at=created,
        text=cells[fields["text"]] or None,
        language=get("language"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_handle=reply_handle.lstrip("@") if reply_handle else None,
        conversation_id=get("conversation_id"),
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        url=get("url"),
        **counts,
    )

