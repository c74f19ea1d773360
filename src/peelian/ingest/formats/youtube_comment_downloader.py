"""youtube-comment-downloader (egbertbouman): one comment per JSON line, or with `--pretty`
one document `{"comments": [...]}`. A comment is `{cid, text, time, author, channel, votes,
replies, photo, heart, reply}` and, in newer versions only, `time_parsed` (epoch seconds).

`cid` is YouTube's comment id, so comments merge with the Data API's; a reply's cid is
`<parent cid>.<child>`, and it replies to its parent in the parent's thread. The file does not
name its video: it comes from the option `video`, else from a file named after it
(`<11-character video id>.json`, as the downloader's own examples name it; the stem must hold
an upper-case letter or a digit, as random ids all but always do, so that no word is taken for one); without it a
top-level comment replies to nothing known.

`time` is relative ("7 months ago") and is never turned into a date here. `time_parsed` is the
downloader's own estimate (the download time less that age), stored as the comment's time but
only as precise as the unit in `time`; a file without it stores its comments with no time.
Either way one notice per file says so. `votes` is abbreviated ("1.2K") and stored as shown
(1200). `author` is the channel's @handle in newer versions, its display name in older ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, raw_json, shape
from peelian.ingest.records import Notice, Post, Record, Reject

PLATFORM = "youtube"
VIDEO_ID_RE = re.compile(r"^(?=.*[A-Z0-9])[A-Za-z0-9_-]{11}$")  # a word such as "old_version" is no video id
ABBREVIATED_RE = re.compile(r"^(\d+(?:[.,]\d+)?)\s*([KkMmBb])$")
MULTIPLIERS = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}
EXAMPLES = 5  # relative times quoted in the file's notice


def _is_comment(obj: Any) -> bool:
    return isinstance(obj, dict) and "cid" in obj and "text" in obj and ("votes" in obj or "time" in obj)


def abbreviated_count(value: Any) -> int | None:
    """A count as YouTube shows it: "15", "1,024", "1.2K", "3M" (rounded as shown); None when empty."""
    if isinstance(value, str) and (match := ABBREVIATED_RE.match(value.strip())):
        return round(float(match.group(1).replace(",", ".")) * MULTIPLIERS[match.group(2).lower()])
    return as_int(value)


class YouTubeCommentDownloaderImporter(JsonImporter):
    format = "youtube-comment-downloader"
    platform = PLATFORM
    description = "youtube-comment-downloader JSON lines (or --pretty JSON) of a video's comments"
    extensions = (".json", ".jsonl", ".ndjson")
    salvage_keys = ("comments",)

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if isinstance(obj, dict) and isinstance(obj.get("comments"), list) and obj["comments"]:
            obj = obj["comments"][0]
        if _is_comment(obj):
            return 0.95
        if obj is None and '"cid"' in sample.json_text and '"votes"' in sample.json_text:
            return 0.6
        return 0.0

    def read(self, path: Path) -> Iterator[Record]:
        self._video = as_str(self.options.get("video")) or (path.stem if VIDEO_ID_RE.match(path.stem) else None)
        self._channels: dict[str, str | None] = {}  # top-level cid -> its author's channel, for replies
        self._estimated = self._unknown = 0
        self._examples: list[str] = []
        yield from super().read(path)
        detail: dict[str, Any] = {"examples": self._examples}
        if self._estimated:
            yield Notice(PLATFORM, "approximate_time", "file", detail={
                **detail, "comments": self._estimated,
                "note": "times are the downloader's estimate from relative ages (\"7 months ago\"): "
                        "precise only to the unit shown"})
        if self._unknown:
            yield Notice(PLATFORM, "unknown_time", "file", detail={
                **detail, "comments": self._unknown,
                "note": "only relative ages (\"7 months ago\") in the file: comments stored without a time"})

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, dict) and isinstance(value.get("comments"), list):
            for number, item in enumerate(value["comments"], start=1):
                yield self._comment(item, f"{where}, comments item {number}")
        elif isinstance(value, list):
            yield from self._read_items(value, where)
        else:
            yield self._comment(value, where)

    def _comment(self, c: Any, where: str) -> Post | Reject:
        if not _is_comment(c) or not as_str(c.get("cid")):
            return Reject(where, f"not a youtube-comment-downloader comment (found {shape(c)})", raw_json(c))
        cid = as_str(c["cid"]) or ""
        try:
            text = c.get("text")
            if text is not None and not isinstance(text, str):
                raise TypeError(f"text is {type(text).__name__}, not text")
            parent = cid.split(".", 1)[0] if "." in cid else None
            if c.get("reply") and parent is None:
                raise ValueError("a reply whose cid names no parent (<parent>.<child>)")
            created = parse_time(c["time_parsed"]) if c.get("time_parsed") not in (None, "") else None
            author = c.get("author")
            handle = author[1:] if isinstance(author, str) and author.startswith("@") else None
            channel = as_str(c.get("channel"))
            post = Post(
                platform=PLATFORM,
                post_id=cid,
                location=where,
                author_id=channel,
                author_handle=handle,
                author_name=author if handle is None and isinstance(author, str) else None,
                created_at=created,
                text=text,
                kind="reply" if parent or self._video else "original",
                reply_to_post_id=parent or self._video,
                reply_to_account_id=self._channels.get(parent) if parent else None,
                conversation_id=parent or cid,
                like_count=abbreviated_count(c.get("votes")),
                reply_count=abbreviated_count(c.get("replies")) if not parent else None,
                url=f"https://www.youtube.com/watch?v={self._video}&lc={cid}" if self._video else None,
            )
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            return Reject(where, f"invalid youtube-comment-downloader comment: {exc}", raw_json(c))
        if parent is None:
            self._channels[cid] = channel
        if created is None:
            self._unknown += 1
        else:
            self._estimated += 1
        if len(self._examples) < EXAMPLES and isinstance(c.get("time"), str) and c["time"] not in self._examples:
            self._examples.append(c["time"])
        return post
