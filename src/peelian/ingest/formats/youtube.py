"""YouTube Data API v3 comments: `commentThreads.list` (top-level comments with their first
replies) and `comments.list` (replies by `parentId`, or comments by id) responses, and single
thread or comment resources.

A top-level comment replies to its video: `reply_to_post_id` is the video id (a reference;
videos are not imported) and the conversation is the thread id, which YouTube makes equal to
the top-level comment's id. Replies point at their thread's top-level comment (YouTube
threads are one level deep). `textOriginal` is the author's text; the HTML `textDisplay` is
only converted when the original is not in the response.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, raw_json, shape
from peelian.ingest.htmltext import html_to_text
from peelian.ingest.records import Notice, Post, Record, Reject

PLATFORM = "youtube"
THREAD = "youtube#commentThread"
COMMENT = "youtube#comment"


class YouTubeImporter(JsonImporter):
    format = "youtube"
    platform = PLATFORM
    description = "YouTube Data API v3 commentThreads.list and comments.list responses"
    extensions = (".json", ".jsonl", ".ndjson")
    salvage_keys = ("items",)
    whole_documents = True

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if isinstance(obj, dict):
            kind = str(obj.get("kind", ""))
            if kind.startswith(("youtube#commentThread", "youtube#comment")):
                return 0.95
            items = obj.get("items")
            if isinstance(items, list) and items and isinstance(items[0], dict) \
                    and str(items[0].get("kind", "")).startswith("youtube#comment"):
                return 0.95
            return 0.0
        if obj is None and '"youtube#comment' in sample.json_text:
            return 0.7
        return 0.0

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, list):
            yield from self._read_items(value, where)
            return
        if not isinstance(value, dict):
            yield Reject(where, f"not a YouTube comment resource (found {shape(value)})", raw_json(value))
            return
        kind = value.get("kind")
        if isinstance(value.get("items"), list):
            for i, item in enumerate(value["items"]):
                yield from self._resource(item, f"{where}, items[{i}]")
        elif kind in (THREAD, COMMENT):
            yield from self._resource(value, where)
        elif isinstance(value.get("error"), dict):
            error = value["error"]
            yield Notice(PLATFORM, "error", where, detail={"code": error.get("code"), "message": error.get("message")})
        elif str(kind or "").endswith("ListResponse"):
            return  # a list response without items: an empty page
        else:
            yield Reject(where, f"not a YouTube comment resource (found {shape(value)})", raw_json(value))

    def _resource(self, item: Any, where: str) -> Iterator[Record]:
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind == THREAD or (isinstance(item, dict) and "topLevelComment" in (item.get("snippet") or {})):
            yield from self._thread(item, where)
        elif kind == COMMENT or (isinstance(item, dict) and "textOriginal" in (item.get("snippet") or {})):
            yield _comment(item, where, thread_id=None, video_id=None, reply_count=None)
        else:
            yield Reject(where, f"not a YouTube comment or comment thread (found {shape(item)})", raw_json(item))

    def _thread(self, thread: dict[str, Any], where: str) -> Iterator[Record]:
        snippet = thread.get("snippet") if isinstance(thread.get("snippet"), dict) else {}
        thread_id = as_str(thread.get("id"))
        video_id = as_str(snippet.get("videoId"))
        top = snippet.get("topLevelComment")
        try:
            total = as_int(snippet.get("totalReplyCount"))
        except ValueError as exc:
            yield Reject(where, f"invalid comment thread: {exc}", raw_json(thread))
            return
        if not isinstance(top, dict):
            yield Reject(where, "comment thread without a topLevelComment", raw_json(thread))
            return
        top_post = _comment(top, f"{where}, snippet.topLevelComment", thread_id=thread_id, video_id=video_id,
                            reply_count=total, video_channel=as_str(snippet.get("channelId")))
        yield top_post
        author = top_post.author_id if isinstance(top_post, Post) else None
        replies = (thread.get("replies") or {}).get("comments") if isinstance(thread.get("replies"), dict) else None
        for i, reply in enumerate(replies or []):
            post = _comment(reply, f"{where}, replies.comments[{i}]", thread_id=thread_id, video_id=video_id,
                            reply_count=None)
            if isinstance(post, Post) and post.reply_to_post_id == thread_id and author:
                post.reply_to_account_id = author
            yield post


def _comment(c: Any, where: str, *, thread_id: str | None, video_id: str | None, reply_count: int | None,
             video_channel: str | None = None) -> Post | Reject:
    if not isinstance(c, dict) or not as_str(c.get("id")) or not isinstance(c.get("snippet"), dict):
        return Reject(where, f"comment without an id or snippet (found {shape(c)})", raw_json(c))
    s = c["snippet"]
    comment_id = as_str(c["id"]) or ""
    try:
        parent = as_str(s.get("parentId"))
        video = video_id or as_str(s.get("videoId"))
        text = s.get("textOriginal")
        if text is None and s.get("textDisplay") is not None:
            text = html_to_text(str(s["textDisplay"]))
        if text is not None and not isinstance(text, str):
            raise TypeError(f"textOriginal is {type(text).__name__}, not text")
        channel = s.get("authorChannelId")
        author_id = as_str(channel.get("value")) if isinstance(channel, dict) else as_str(channel)
        name = s.get("authorDisplayName")
        # Since 2023 the display name is the channel's @handle; older responses give a plain name.
        handle = name[1:] if isinstance(name, str) and name.startswith("@") else None
        reply_to = parent or video
        thread = thread_id or parent or comment_id
        return Post(
            platform=PLATFORM,
            post_id=comment_id,
            location=where,
            author_id=author_id,
            author_handle=handle,
            author_name=name if handle is None else None,
            created_at=parse_time(s.get("publishedAt")),
            text=text,
            kind="reply" if reply_to else "original",
            reply_to_post_id=reply_to,
            reply_to_account_id=video_channel if not parent and video else None,
            conversation_id=thread,
            like_count=as_int(s.get("likeCount")),
            reply_count=reply_count,
            url=f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None,
        )
    except (ValueError, TypeError, AttributeError) as exc:
        return Reject(where, f"invalid YouTube comment: {exc}", raw_json(c))
