"""Instagram Graph API: comment objects (with their `replies.data[]`), lists of comments or
media (`{"data": [...], "paging": ...}`), and media objects.

A top-level comment replies to its media (`media.id`; a reference when the media is not in
the project); a reply replies to the comment it is nested in, and every comment's
conversation is its media. The commenter is `username` or `user.id` / `from.id`: the API
gives one or the other, sometimes neither, and a comment without an author is still kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, raw_json, shape
from peelian.ingest.records import Notice, Post, Record, Reject

PLATFORM = "instagram"
MEDIA_KEYS = {"media_type", "caption", "permalink", "comments_count", "media_url", "media_product_type"}


def _is_comment(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and "timestamp" in obj and "text" in obj


def _is_media(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and "timestamp" in obj and bool(MEDIA_KEYS & set(obj))


class InstagramImporter(JsonImporter):
    format = "instagram-graph"
    platform = PLATFORM
    description = "Instagram Graph API comments (with replies) and media objects"
    extensions = (".json", ".jsonl", ".ndjson")
    salvage_keys = ("data",)
    whole_documents = True

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if isinstance(obj, dict) and isinstance(obj.get("data"), list) and obj["data"]:
            obj = obj["data"][0]
        if _is_comment(obj):
            return 0.9 if {"media", "username", "user", "like_count", "hidden", "replies"} & set(obj) else 0.5
        if _is_media(obj):
            return 0.85
        text = sample.json_text
        if obj is None and '"timestamp"' in text and any(
                key in text for key in ('"media"', '"media_type"', '"username"', '"like_count"', '"replies"')):
            return 0.5
        return 0.0

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, list):
            yield from self._read_items(value, where)
        elif isinstance(value, dict) and isinstance(value.get("data"), list) and "id" not in value:
            for i, item in enumerate(value["data"]):
                yield from self._object(item, f"{where}, data[{i}]")
        elif isinstance(value, dict) and isinstance(value.get("error"), dict):
            error = value["error"]
            yield Notice(PLATFORM, "error", where, detail={k: error.get(k) for k in ("message", "type", "code")})
        else:
            yield from self._object(value, where)

    def _object(self, obj: Any, where: str) -> Iterator[Record]:
        if _is_media(obj) and not _is_comment(obj):
            yield from self._media(obj, where)
        elif isinstance(obj, dict) and "id" in obj and ("text" in obj or "timestamp" in obj):
            media = obj.get("media") if isinstance(obj.get("media"), dict) else {}
            yield from self._comment(obj, where, reply_to=None, media_id=as_str(media.get("id")), parent_author=None)
        else:
            yield Reject(where, f"not an Instagram comment or media object (found {shape(obj)})", raw_json(obj))

    def _media(self, m: dict[str, Any], where: str) -> Iterator[Record]:
        media_id = as_str(m.get("id")) or ""
        owner = m.get("owner") if isinstance(m.get("owner"), dict) else {}
        try:
            post = Post(PLATFORM, media_id, where, author_id=as_str(owner.get("id")),
                        author_handle=m.get("username") or owner.get("username"),
                        created_at=parse_time(m.get("timestamp")), text=_text(m.get("caption")),
                        conversation_id=media_id, like_count=as_int(m.get("like_count")),
                        reply_count=as_int(m.get("comments_count")), url=m.get("permalink"))
        except (ValueError, TypeError, AttributeError) as exc:
            yield Reject(where, f"invalid Instagram media: {exc}", raw_json(m))
            return
        yield post
        comments = m.get("comments") if isinstance(m.get("comments"), dict) else {}
        for i, comment in enumerate(comments.get("data") or []):
            yield from self._comment(comment, f"{where}, comments.data[{i}]", reply_to=media_id, media_id=media_id,
                                     parent_author=post.author_id)

    def _comment(self, c: Any, where: str, *, reply_to: str | None, media_id: str | None,
                 parent_author: str | None) -> Iterator[Record]:
        comment_id = as_str(c.get("id")) if isinstance(c, dict) else None
        if not comment_id:
            yield Reject(where, f"comment without an id (found {shape(c)})", raw_json(c))
            return
        user = c.get("user") if isinstance(c.get("user"), dict) else c.get("from") if isinstance(c.get("from"),
                                                                                                dict) else {}
        parent = as_str(c.get("parent_id")) or reply_to or media_id
        try:
            post = Post(
                platform=PLATFORM,
                post_id=comment_id,
                location=where,
                author_id=as_str(user.get("id")),
                author_handle=c.get("username") or user.get("username"),
                created_at=parse_time(c.get("timestamp")),
                text=_text(c.get("text")),
                kind="reply" if parent else "original",
                reply_to_post_id=parent,
                reply_to_account_id=parent_author,
                conversation_id=media_id,
                like_count=as_int(c.get("like_count")),
                is_partial="timestamp" not in c,
            )
        except (ValueError, TypeError, AttributeError) as exc:
            yield Reject(where, f"invalid Instagram comment: {exc}", raw_json(c))
            return
        yield post
        replies = c.get("replies") if isinstance(c.get("replies"), dict) else {}
        data = replies.get("data") or []
        if not isinstance(data, list):
            yield Reject(f"{where}, replies.data", f"replies.data is {shape(data)}, not a list", raw_json(data))
            return
        for i, reply in enumerate(data):
            yield from self._comment(reply, f"{where}, replies.data[{i}]", reply_to=comment_id, media_id=media_id,
                                     parent_author=post.author_id)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise TypeError(f"text is {type(value).__name__}, not a string")
