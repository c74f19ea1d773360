"""facebook-scraper (kevinzg) output: the CSV its command line writes, or the JSON a user dumps
of `get_posts(...)` (an array, JSON lines, or one post), with `comments_full` when comments
were scraped.

Ids follow the Graph API so that the same post from the Graph API or CrowdTangle merges: a
post is `<page_id>_<post_id>` (the bare `post_id` without a page), a comment or reply
`<post_id>_<comment_id>`. `comments_full` holds comments with their `replies`: a comment
replies to its post, a reply to its comment, all in the post's conversation. In the CSV the
cell is the Python `repr` of that list (datetimes as `datetime.datetime(...)`), read by a
parser that accepts literals and datetimes only, never evaluated.

Times: `timestamp` (epoch, exact) where present; else `time`, which the scraper writes in
its machine's local time, `shared_time`, the shared post's `time` as the share shows it (a
datetime, so to the second; some files hold a bare day, stored as its midnight, as the
scraper gives a day without a time), and `comment_time`, its estimate from relative times
("2 hrs"): those are stored as given and one `approximate_time` notice per file counts them.
A post, comment or shared post stored with no time at all (no `timestamp`, `time`,
`shared_time` or `comment_time`: no figure by date counts it) is counted by one
`unknown_time` notice per file that names the rows it came from, as the YouTube comment
downloader's importer does for its comments. A share (`shared_post_id`) is a repost, or a
quote when the sharer wrote text; the shared post is kept as a partial post from
`shared_text`, `shared_username`, `shared_post_url` and `shared_time`. Real CSVs are UTF-8
or cp1252 (written on Windows): the encoding is detected (charset-normalizer) and a row that
does not decode is quarantined, never the whole file.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, raw_json, shape
from peelian.ingest.csvreader import iter_csv_rows, ragged_row
from peelian.ingest.records import Notice, Post, Record, Reject

PLATFORM = "facebook"
POST_KEYS = {"post_text", "shared_text", "comments_full", "post_url", "reaction_count", "shared_post_id"}
AUTHOR_KEYS = {"username", "user_id", "page_id", "user_url"}
ENCODING_SAMPLE = 16 << 20  # bytes read to decide a CSV's encoding
# Valid UTF-8 sequences of two to four bytes, and bytes of 0x80 and above (for the encoding guess).
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
HIGH_BYTE = re.compile(rb"[\x80-\xff]")
PROFILE_RE = re.compile(r"facebook\.com/([A-Za-z0-9.]+)(?:[/?#]|$)")
LOCATIONS = 20  # rows named in the file's unknown_time notice; the rest are counted
NOT_A_HANDLE = {"profile.php", "groups", "pages", "people", "story.php", "permalink.php", "watch", "photo.php",
                "events", "media", "photos", "videos", "comment", "l.php"}


def _keys(obj: Any) -> set[str]:
    return set(obj) if isinstance(obj, dict) else set()


def _is_post(obj: Any) -> bool:
    keys = _keys(obj)
    return "post_id" in keys and bool(keys & POST_KEYS) and bool(keys & AUTHOR_KEYS)


def csv_encoding(path: Path) -> str:
    """The encoding of a CSV: UTF-8 when its first bytes are (or when its valid multi-byte
    UTF-8 sequences far outnumber stray high bytes: a UTF-8 file with a few damaged rows),
    else what charset-normalizer finds (cp1252 among code pages that fit as well), else UTF-8 (rows
    that do not decode are quarantined)."""
    with open(path, "rb") as fh:
        data = fh.read(ENCODING_SAMPLE)
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and len(data) == ENCODING_SAMPLE:
            return "utf-8"  # a character cut by the end of the sample
    valid = sum(len(m) for m in UTF8_MULTIBYTE.findall(data))
    stray = len(HIGH_BYTE.findall(data)) - valid
    if valid and stray * 10 < valid:
        return "utf-8"
    matches = from_bytes(data)
    best = matches.best()
    if best is None or best.encoding in ("ascii", "utf_8"):
        return "utf-8"
    # Short texts fit several code pages equally well; Windows' Western one is what the scraper writes there.
    if any("cp1252" in m.could_be_from_charset and m.chaos <= best.chaos for m in matches):
        return "cp1252"
    return best.encoding


def python_literal(text: str) -> Any:
    """A Python `repr` of lists, dicts, strings, numbers, None/True/False and `datetime.datetime(...)`,
    as facebook-scraper's CSV writes `comments_full`. Raises ValueError on anything else."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not a Python literal ({exc.__class__.__name__})") from exc
    return _literal(tree.body)


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(n) for n in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k) if k is not None else None: _literal(v) for k, v in zip(node.keys, node.values,
                                                                                      strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value
    if isinstance(node, ast.Call) and ast.unparse(node.func) in ("datetime.datetime", "datetime") \
            and not node.keywords and all(isinstance(a, ast.Constant) and type(a.value) is int for a in node.args):
        return datetime(*(a.value for a in node.args))  # type: ignore[union-attr]
    raise ValueError(f"not a literal: {ast.unparse(node)[:80]}")


def _handle(url: Any) -> str | None:
    """The account name in a profile link (`facebook.com/<name>/?…`), None for numeric or page links."""
    match = PROFILE_RE.search(url) if isinstance(url, str) else None
    if match is None or match.group(1).lower() in NOT_A_HANDLE or match.group(1).isdigit():
        return None
    return match.group(1)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise TypeError(f"text is {type(value).__name__}, not a string")


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+\.\d+", value.strip()):
        value = float(value)
    return parse_time(value)


class FacebookScraperImporter(JsonImporter):
    format = "facebook-scraper"
    platform = PLATFORM
    description = "facebook-scraper posts (CSV or JSON) with their comments and replies (comments_full)"
    extensions = (".csv", ".json", ".jsonl")

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        header = sample.csv_header
        if header:
            return 0.9 if _is_post(dict.fromkeys(header)) else 0.0
        obj = sample.first_json
        if isinstance(obj, list) and obj:
            obj = obj[0]
        if _is_post(obj):
            return 0.9
        text = sample.json_text
        if obj is None and '"post_id"' in text and ('"comments_full"' in text or '"post_text"' in text):
            return 0.6
        return 0.0

    def read(self, path: Path) -> Iterator[Record]:
        self._approximate = self._untimed = 0
        self._untimed_at: list[str] = []
        with open(path, "rb") as fh:
            first = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        yield from (super().read(path) if first in (b"[", b"{") else self._read_csv(path))
        if self._approximate:
            yield Notice(PLATFORM, "approximate_time", "file", detail={
                "records": self._approximate,
                "note": "times from facebook-scraper's `time` or `shared_time` (the scraping machine's local time) "
                        "or `comment_time` (estimated from relative times), stored as given"})
        if self._untimed:
            yield Notice(PLATFORM, "unknown_time", "file", detail={
                "file": path.name, "records": self._untimed, "locations": self._untimed_at,
                "note": "stored without a time (no timestamp, time or comment_time, or a shared post whose share "
                        "gives no shared_time, until its own record is imported): no figure by date counts them"})

    def _timed(self, post: Post) -> Post:
        """`post`, counted for the file's unknown_time notice (with its row) when it has no time."""
        if post.created_at is None:
            self._untimed += 1
            if len(self._untimed_at) < LOCATIONS:
                self._untimed_at.append(post.location)
        return post

    def _read_csv(self, path: Path) -> Iterator[Record]:
        header: list[str] | None = None
        for item in iter_csv_rows(path, csv_encoding(path)):
            if isinstance(item, Reject):
                yield item
                continue
            number, cells = item
            if header is None:
                header = [c.strip() for c in cells]
                continue
            if (bad := ragged_row(number, cells, header)) is not None:
                yield bad
                continue
            row: dict[str, Any] = {k: (v if v != "" else None) for k, v in zip(header, cells, strict=True)}
            if isinstance(row.get("comments_full"), str):
                try:
                    row["comments_full"] = python_literal(row["comments_full"])
                except ValueError as exc:
                    yield Reject(f"row {number}", f"comments_full cannot be read: {exc}", ",".join(cells))
                    continue
            yield from self._post(row, f"row {number}")

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, list):
            yield from self._read_items(value, where)
        elif _is_post(value):
            yield from self._post(value, where)
        else:
            yield Reject(where, f"not a facebook-scraper post (found {shape(value)})", raw_json(value))

    def _post(self, p: dict[str, Any], where: str) -> Iterator[Record]:
        bare = as_str(p.get("post_id"))
        if not bare:
            yield Reject(where, "a post without a post_id", raw_json(p))
            return
        page = as_str(p.get("page_id"))
        post_id = f"{page}_{bare}" if page and page.isdigit() and bare.isdigit() else bare
        try:
            exact = p.get("timestamp") not in (None, "")
            created = _time(p["timestamp"] if exact else p.get("time"))
            own = _text(p.get("post_text"))
            text = own if own or "post_text" in p and p.get("shared_text") else _text(p.get("text"))
            shared = as_str(p.get("shared_post_id"))
            shared_owner = as_str(p.get("shared_user_id"))
            if shared and shared_owner and shared.isdigit() and shared_owner.isdigit():
                shared = f"{shared_owner}_{shared}"
            shared_created = _time(p.get("shared_time")) if shared else None
            likes = p.get("reaction_count") if p.get("reaction_count") not in (None, "") else p.get("likes")
            author = as_str(p.get("user_id"))
            post = Post(
                platform=PLATFORM, post_id=post_id, location=where,
                author_id=author, author_handle=_handle(p.get("user_url")), author_name=_text(p.get("username")),
                created_at=created, text=text,
                kind="quote" if shared and own else "repost" if shared else "original",
                quoted_post_id=shared if own else None, reposted_post_id=None if own else shared,
                conversation_id=post_id,
                like_count=as_int(likes), reply_count=as_int(p.get("comments")), repost_count=as_int(p.get("shares")),
                url=_text(p.get("post_url")) or _text(p.get("w3_fb_url")),
            )
            comments = p.get("comments_full")
            if comments is not None and not isinstance(comments, list):
                raise TypeError(f"comments_full is {shape(comments)}, not a list")
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            yield Reject(where, f"invalid facebook-scraper post: {exc}", raw_json(p))
            return
        if created is not None and not exact:
            self._approximate += 1
        yield self._timed(post)
        if shared and (p.get("shared_text") or p.get("shared_username")):
            if shared_created is not None:
                self._approximate += 1
            yield self._timed(Post(  # the shared post as far as the share shows it
                platform=PLATFORM, post_id=shared, location=f"{where}, shared_post_id", author_id=shared_owner,
                author_name=_text(p.get("shared_username")), created_at=shared_created,
                text=_text(p.get("shared_text")), conversation_id=shared, url=_text(p.get("shared_post_url")),
                is_partial=True))
        for i, comment in enumerate(comments or []):
            yield from self._comment(comment, f"{where}, comments_full[{i}]", post_id, bare, post_id, author)

    def _comment(self, c: Any, where: str, conversation: str, bare_post: str, parent: str,
                 parent_author: str | None) -> Iterator[Record]:
        comment_id = as_str(c.get("comment_id")) if isinstance(c, dict) else None
        if not comment_id:
            yield Reject(where, f"a comment without a comment_id (found {shape(c)})", raw_json(c))
            return
        post_id = comment_id if "_" in comment_id else f"{bare_post}_{comment_id}"
        try:
            created = _time(c.get("comment_time"))
            author = as_str(c.get("commenter_id"))
            post = Post(
                platform=PLATFORM, post_id=post_id, location=where,
                author_id=author, author_handle=_handle(c.get("commenter_url")),
                author_name=_text(c.get("commenter_name")), created_at=created, text=_text(c.get("comment_text")),
                kind="reply", reply_to_post_id=parent, reply_to_account_id=parent_author,
                conversation_id=conversation, like_count=as_int(c.get("comment_reaction_count")),
                url=_text(c.get("comment_url")),
            )
            replies = c.get("replies")
            if replies is not None and not isinstance(replies, list):
                raise TypeError(f"replies is {shape(replies)}, not a list")
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            yield Reject(where, f"invalid facebook-scraper comment: {exc}", raw_json(c))
            return
        if created is not None:
            self._approximate += 1
        yield self._timed(post)
        for i, reply in enumerate(replies or []):
            yield from self._comment(reply, f"{where}, replies[{i}]", conversation, bare_post, post_id, author)
