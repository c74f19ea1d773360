"""CrowdTangle: the search / historical-data CSV export (Facebook pages and groups) and the
API's post objects (`{"status": 200, "result": {"posts": [...]}}`, or single posts).

The CSV has no post-id column: the id is taken from `URL` (`…/posts/<id>`, or the video,
photo and permalink forms) and stored as `<Facebook Id>_<post id>`, the Graph API's form, so
that CrowdTangle and Graph API data about the same post merge. `Post Created` carries the
time-zone abbreviation of the exporting user's settings; common ones are mapped to their UTC
offsets and a row with an unknown or ambiguous one is quarantined rather than guessed.
`like_count` is the sum of all reactions (like, love, wow, haha, sad, angry, care), as the
Graph API's reactions total is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from peelian.ingest.base import (
    JsonImporter,
    Sample,
    as_int,
    as_str,
    parse_time,
    raw_json,
    shape,
)
from peelian.ingest.formats.analytics import csv_records, header_key
from peelian.ingest.records import Notice, Post, Record, Reject

PLATFORM = "facebook"
CSV_REQUIRED = ("page name", "post created", "url")
REACTION_COLUMNS = ("likes", "love", "wow", "haha", "sad", "angry", "care")
API_REACTIONS = ("likeCount", "loveCount", "wowCount", "hahaCount", "sadCount", "angryCount", "careCount",
                 "thankfulCount")
# UTC offsets in hours of the abbreviations CrowdTangle writes. Ambiguous ones (IST: India,
# Ireland or Israel) are deliberately absent, so such rows are quarantined instead of guessed.
TZ_OFFSETS: dict[str, float] = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MET": 1,
    "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "TRT": 3, "SAST": 2, "WAT": 1, "CAT": 2, "EAT": 3,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "AST": -4, "ADT": -3, "NST": -3.5, "NDT": -2.5,
    "BRT": -3, "BRST": -2, "ART": -3, "CLT": -4, "CLST": -3, "COT": -5, "PET": -5, "VET": -4,
    "PKT": 5, "NPT": 5.75, "BDT": 6, "ICT": 7, "WIB": 7, "SGT": 8, "MYT": 8, "PHT": 8, "HKT": 8, "AWST": 8,
    "JST": 9, "KST": 9, "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
}
OFFSET_RE = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$")
URL_ID_RES = (
    re.compile(r"/posts/(?:[^/?#]*[:.-])?(\d+)"),
    re.compile(r"/videos/(?:[^/?#]+/)?(\d+)"),
    re.compile(r"/photos/[^/?#]+/(\d+)"),
    re.compile(r"/permalink/(\d+)"),
    re.compile(r"[?&](?:story_fbid|fbid)=(\d+)"),
)
URL_OWNER_RE = re.compile(r"facebook\.com/(\d+)/")


def _is_api_post(obj: Any) -> bool:
    return (isinstance(obj, dict) and "platformId" in obj and isinstance(obj.get("account"), dict)
            and ("statistics" in obj or "date" in obj))


class CrowdTangleImporter(JsonImporter):
    format = "crowdtangle"
    platform = PLATFORM
    description = "CrowdTangle search/historical CSV export and API post JSON"
    extensions = (".csv", ".json", ".jsonl")
    salvage_keys = ("posts",)
    whole_documents = True

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        header = sample.csv_header
        if header:
            keys = {header_key(c) for c in header}
            if all(k in keys for k in CSV_REQUIRED):
                return 0.95 if {"facebook id", "user name", "total interactions"} & keys else 0.8
            return 0.0
        obj = sample.first_json
        if isinstance(obj, dict):
            result = obj.get("result")
            if isinstance(result, dict) and ("posts" in result or "pagination" in result) and "status" in obj:
                return 0.95
            if _is_api_post(obj):
                return 0.9
            if isinstance(obj.get("posts"), list) and obj["posts"] and _is_api_post(obj["posts"][0]):
                return 0.9
        if isinstance(obj, list) and obj and _is_api_post(obj[0]):
            return 0.9
        if obj is None and '"platformId"' in sample.json_text and '"statistics"' in sample.json_text:
            return 0.6
        return 0.0

    def read(self, path: Path) -> Iterator[Record]:
        with open(path, "rb") as fh:
            start = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
        if start[:1] in (b"{", b"["):
            yield from super().read(path)
        else:
            yield from self._read_csv(path)

    # ---- CSV ---------------------------------------------------------------------------------
    def _read_csv(self, path: Path) -> Iterator[Record]:
        for item in csv_records(path, _header_problem):
            yield item if isinstance(item, Reject) else _csv_post(item[1], item[0], item[2])

    # ---- API JSON ----------------------------------------------------------------------------
    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, list):
            yield from self._read_items(value, where)
        elif isinstance(value, dict) and isinstance(value.get("result"), dict):
            if value.get("status") not in (None, 200):
                yield Notice(PLATFORM, "error", where, detail={"status": value.get("status"),
                                                               "message": value.get("message")})
            yield from self._posts(value["result"].get("posts") or [], f"{where}, result.posts")
        elif isinstance(value, dict) and isinstance(value.get("posts"), list):
            yield from self._posts(value["posts"], f"{where}, posts")
        elif isinstance(value, dict) and "status" in value and "message" in value and "result" not in value:
            yield Notice(PLATFORM, "error", where, detail={"status": value.get("status"),
                                                           "message": value.get("message")})
        elif _is_api_post(value):
            yield _api_post(value, where)
        else:
            yield Reject(where, f"not a CrowdTangle API response or post (found {shape(value)})", raw_json(value))

    def _posts(self, posts: Any, where: str) -> Iterator[Record]:
        if not isinstance(posts, list):
            yield Reject(where, f"posts is {shape(posts)}, not a list", raw_json(posts))
            return
        for i, post in enumerate(posts):
            yield _api_post(post, f"{where}[{i}]")


def _cell(row: dict[str, str], column: str) -> str | None:
    value = (row.get(column) or "").strip()
    return None if value in ("", "-", "N/A", "n/a") else value


def _count(row: dict[str, str], column: str) -> int | None:
    try:
        return as_int(_cell(row, column))
    except ValueError as exc:
        raise _CellError(column, str(exc)) from exc


class _CellError(ValueError):
    def __init__(self, column: str, problem: str):
        super().__init__(problem)
        self.column = column


def parse_ct_time(text: str) -> datetime:
    """`2021-07-05 18:02:45 BRT` (or a numeric offset) to naive UTC; unknown zones raise."""
    parts = text.strip().rsplit(" ", 1)
    if len(parts) != 2 or not re.match(r"^\d{4}-\d{2}-\d{2}", parts[0]):
        raise ValueError(f"unrecognised time {text!r} (expected e.g. '2021-07-05 18:02:45 BRT')")
    stamp, zone = parts
    local = datetime.strptime(stamp.strip(), "%Y-%m-%d %H:%M:%S" if stamp.count(":") == 2 else "%Y-%m-%d %H:%M")
    key = zone.strip().upper()
    if key in TZ_OFFSETS:
        offset = timedelta(hours=TZ_OFFSETS[key])
    elif match := OFFSET_RE.match(key):
        sign = 1 if match.group(1) == "+" else -1
        offset = sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    else:
        raise ValueError(f"unknown or ambiguous time zone {zone!r} in {text!r}; known abbreviations: "
                         + ", ".join(sorted(TZ_OFFSETS)))
    return local.replace(tzinfo=timezone(offset)).astimezone(UTC).replace(tzinfo=None)


def post_id_from_url(url: str | None) -> str | None:
    for pattern in URL_ID_RES:
        if url and (match := pattern.search(url)):
            return match.group(1)
    return None


def _header_problem(header: list[str]) -> str | None:
    """What is wrong with a header that lacks the export's columns (None when it has them)."""
    missing = [c for c in CSV_REQUIRED if c not in header]
    if not missing:
        return None
    return "not a CrowdTangle export header: missing column(s) " + ", ".join(repr(c.title()) for c in missing)


def _csv_post(row: dict[str, str], where: str, cells: list[str]) -> Post | Reject:
    url = _cell(row, "url")
    post = post_id_from_url(url)
    if post is None:
        return Reject(where, f"column 'URL': no post id in {url!r} (expected …/posts/<id>)", ",".join(cells))
    owner = _cell(row, "facebook id")
    if owner is None and url and (match := URL_OWNER_RE.search(url)):
        owner = match.group(1)
    created_text = _cell(row, "post created")
    if created_text is None:
        return Reject(where, "column 'Post Created' is empty", ",".join(cells))
    try:
        created = parse_ct_time(created_text)
    except ValueError as exc:
        return Reject(where, f"column 'Post Created': {exc}", ",".join(cells))
    try:
        reactions = [_count(row, c) for c in REACTION_COLUMNS if c in row]
        likes = sum(r for r in reactions if r is not None) if any(r is not None for r in reactions) else None
        is_video = "video" in (_cell(row, "type") or "").lower()
        views = _count(row, "post views") if is_video and "post views" in row else None
        followers = _count(row, "followers at posting") if "followers at posting" in row else None
        if followers is None and "likes at posting" in row:
            followers = _count(row, "likes at posting")
        return Post(
            platform=PLATFORM,
            post_id=f"{owner}_{post}" if owner and owner.isdigit() else post,
            location=where,
            author_id=owner,
            author_handle=_cell(row, "user name"),
            author_name=_cell(row, "page name"),
            created_at=created,
            text=(row.get("message") or "").strip() or None,
            like_count=likes,
            reply_count=_count(row, "comments") if "comments" in row else None,
            repost_count=_count(row, "shares") if "shares" in row else None,
            view_count=views,
            author_followers=followers,
            url=url,
        )
    except _CellError as exc:
        return Reject(where, f"column {exc.column.title()!r}: {exc}", ",".join(cells))


def _api_post(p: Any, where: str) -> Post | Reject:
    if not isinstance(p, dict):
        return Reject(where, f"post is {shape(p)}", raw_json(p))
    ct_id = as_str(p.get("id"))
    post_id = as_str(p.get("platformId")) or (ct_id.split("|", 1)[-1] if ct_id else None)
    if not post_id:
        return Reject(where, "CrowdTangle post without platformId or id", raw_json(p))
    account = p.get("account") if isinstance(p.get("account"), dict) else {}
    try:
        actual = (p.get("statistics") or {}).get("actual") or {}
        reactions = [as_int(actual.get(k)) for k in API_REACTIONS if k in actual]
        language = p.get("languageCode")
        return Post(
            platform=str(p.get("platform") or PLATFORM).lower(),
            post_id=post_id,
            location=where,
            author_id=as_str(account.get("platformId")),
            author_handle=account.get("handle") or None,
            author_name=account.get("name"),
            created_at=parse_time(p.get("date")),
            text=p.get("message") or None,
            language=language if language and language != "und" else None,
            like_count=sum(r for r in reactions if r is not None) if reactions else None,
            reply_count=as_int(actual.get("commentCount")),
            repost_count=as_int(actual.get("shareCount")),
            author_followers=as_int(account.get("subscriberCount")),
            url=p.get("postUrl"),
        )
    except (ValueError, TypeError, AttributeError) as exc:
        return Reject(where, f"invalid CrowdTangle post: {exc}", raw_json(p))
