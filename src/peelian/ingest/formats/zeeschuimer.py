"""Zeeschuimer / 4CAT NDJSON: one captured item per line in the envelope
`{item_id, source_platform, timestamp_collected, ..., data}`, or 4CAT's re-export where the
platform object is at the top level and the envelope is under `__import_meta`.

`data` is the platform's own web-API object, so each platform has its own mapping: X
(GraphQL tweet results: `legacy` + `core.user_results.result`), Instagram (`media` with
`pk`, `taken_at`, `caption.text`) and TikTok (`itemStruct` with `createTime`, `desc`,
`author.uniqueId`, `stats`). Posts keep the platform's own ids, so an X item and the same
tweet from the API merge. Items from other platforms are quarantined, naming the platform.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, post_kind, raw_json, shape
from peelian.ingest.formats.twitter_v1 import unescape
from peelian.ingest.records import Notice, Post, Record, Reject

SUPPORTED = {"x.com": "twitter", "twitter.com": "twitter", "instagram.com": "instagram", "tiktok.com": "tiktok"}
MAX_DEPTH = 5


def _envelope(obj: Any) -> tuple[dict[str, Any], Any] | None:
    """(envelope, platform object) of a Zeeschuimer line or a 4CAT re-export line."""
    if not isinstance(obj, dict):
        return None
    if "source_platform" in obj and "data" in obj:
        return obj, obj["data"]
    meta = obj.get("__import_meta")
    if isinstance(meta, dict) and "source_platform" in meta:
        return meta, {k: v for k, v in obj.items() if k != "__import_meta"}
    return None


class ZeeschuimerImporter(JsonImporter):
    format = "zeeschuimer"
    platform = "various"
    description = "Zeeschuimer / 4CAT NDJSON captures of X, Instagram and TikTok"
    extensions = (".ndjson", ".jsonl", ".json")
    whole_documents = True

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if isinstance(obj, list) and obj:
            obj = obj[0]
        if _envelope(obj) is not None:
            return 0.95
        text = sample.json_text
        if obj is None and '"source_platform"' in text and any(
                key in text for key in ('"timestamp_collected"', '"__import_meta"')):
            return 0.7
        return 0.0

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, list):
            for i, entry in enumerate(value):
                yield from self._item(entry, f"{where}, item {i + 1}")
        else:
            yield from self._item(value, where)

    def _item(self, value: Any, where: str) -> Iterator[Record]:
        found = _envelope(value)
        if found is None:
            yield Reject(where, f"not a Zeeschuimer item: no source_platform and data (found {shape(value)})",
                         raw_json(value))
            return
        envelope, data = found
        source = str(envelope.get("source_platform") or "").lower().removeprefix("www.")
        platform = SUPPORTED.get(source)
        if platform is None:
            yield Reject(where, f"items from {source or 'an unnamed platform'!r} are not supported "
                                f"(supported: {', '.join(sorted(SUPPORTED))})", raw_json(value))
            return
        if not isinstance(data, dict):
            yield Reject(where, f"{source} item whose data is {shape(data)}", raw_json(value))
            return
        item_id = as_str(envelope.get("item_id"))
        try:
            if platform == "twitter":
                yield from _tweet(data, where, item_id, partial=False, depth=0)
            elif platform == "instagram":
                yield _instagram(data, where, item_id)
            else:
                yield _tiktok(data, where, item_id)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            yield Reject(where, f"invalid {source} item: {exc}", raw_json(value))


# ---- X ---------------------------------------------------------------------------------------

def _tweet_result(data: dict[str, Any]) -> dict[str, Any]:
    """Unwrap `tweet_results.result`, `TweetWithVisibilityResults.tweet` and `{"tweet": ...}` layers."""
    for _ in range(MAX_DEPTH):
        if isinstance(data.get("tweet_results"), dict):
            data = data["tweet_results"].get("result") or {}
        elif isinstance(data.get("result"), dict) and "legacy" not in data:
            data = data["result"]
        elif isinstance(data.get("tweet"), dict) and "legacy" not in data:
            data = data["tweet"]
        else:
            break
    return data


def _tweet(data: dict[str, Any], where: str, item_id: str | None, *, partial: bool,
           depth: int) -> Iterator[Post | Notice]:
    t = _tweet_result(data)
    typename = t.get("__typename")
    if typename in {"TweetTombstone", "TweetUnavailable"} or ("legacy" not in t and "tombstone" in t):
        yield Notice("twitter", "unavailable", where, post_id=as_str(t.get("rest_id")) or item_id,
                     detail={"type": typename})
        return
    legacy = t.get("legacy")
    if not isinstance(legacy, dict):
        raise ValueError(f"no tweet `legacy` object (found {shape(t)})")
    post_id = as_str(t.get("rest_id")) or as_str(legacy.get("id_str")) or item_id
    if not post_id:
        raise ValueError("tweet without an id")
    user = ((t.get("core") or {}).get("user_results") or {}).get("result") or {}
    user_legacy = user.get("legacy") or {}
    user_core = user.get("core") or {}
    handle = user_legacy.get("screen_name") or user_core.get("screen_name")
    retweeted = legacy.get("retweeted_status_result")
    retweeted = _tweet_result(retweeted) if isinstance(retweeted, dict) else None
    reposted = as_str(retweeted.get("rest_id")) if retweeted else None
    quoted_obj = t.get("quoted_status_result")
    quoted_obj = _tweet_result(quoted_obj) if isinstance(quoted_obj, dict) else None
    quoted = as_str(legacy.get("quoted_status_id_str")) or (as_str(quoted_obj.get("rest_id")) if quoted_obj else None)
    reply_to = as_str(legacy.get("in_reply_to_status_id_str"))
    note = (((t.get("note_tweet") or {}).get("note_tweet_results") or {}).get("result") or {}).get("text")
    text = note or legacy.get("full_text") or legacy.get("text")
    if text is not None and not isinstance(text, str):
        raise TypeError(f"full_text is {type(text).__name__}, not text")
    mentions = [(as_str(m.get("id_str")), m["screen_name"])
                for m in (legacy.get("entities") or {}).get("user_mentions") or []
                if isinstance(m, dict) and m.get("screen_name")]
    yield Post(
        platform="twitter",
        post_id=post_id,
        location=where,
        author_id=as_str(user.get("rest_id")) or as_str(legacy.get("user_id_str")),
        author_handle=handle,
        author_name=user_legacy.get("name") or user_core.get("name"),
        created_at=parse_time(legacy.get("created_at")),
        text=unescape(text),
        language=legacy.get("lang") if legacy.get("lang") not in (None, "und", "zxx") else None,
        kind=post_kind(reposted=reposted, reply_to=reply_to, quoted=quoted),
        reply_to_post_id=reply_to,
        reply_to_account_id=as_str(legacy.get("in_reply_to_user_id_str")),
        reply_to_handle=legacy.get("in_reply_to_screen_name"),
        conversation_id=as_str(legacy.get("conversation_id_str")),
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        like_count=as_int(legacy.get("favorite_count")),
        reply_count=as_int(legacy.get("reply_count")),
        repost_count=as_int(legacy.get("retweet_count")),
        quote_count=as_int(legacy.get("quote_count")),
        view_count=as_int((t.get("views") or {}).get("count")),
        author_followers=as_int(user_legacy.get("followers_count")),
        url=f"https://x.com/{handle or 'i/web'}/status/{post_id}",
        is_partial=partial,
        mentions=mentions,
    )
    if depth < MAX_DEPTH:
        if retweeted and "legacy" in retweeted:
            yield from _tweet(retweeted, f"{where}, retweeted_status_result", None, partial=True, depth=depth + 1)
        if quoted_obj and "legacy" in quoted_obj:
            yield from _tweet(quoted_obj, f"{where}, quoted_status_result", None, partial=True, depth=depth + 1)


# ---- Instagram -------------------------------------------------------------------------------

def _instagram(data: dict[str, Any], where: str, item_id: str | None) -> Post:
    media = data["media"] if isinstance(data.get("media"), dict) and "pk" in data["media"] else data
    post_id = as_str(media.get("pk")) or as_str(str(media.get("id") or "").split("_", 1)[0]) or item_id
    if not post_id:
        raise ValueError("Instagram media without pk or id")
    user = media.get("user") if isinstance(media.get("user"), dict) else media.get("owner") or {}
    caption = media.get("caption")
    text = caption.get("text") if isinstance(caption, dict) else caption
    if text is not None and not isinstance(text, str):
        raise TypeError(f"caption is {type(text).__name__}, not text")
    code = media.get("code") or media.get("shortcode")
    views = media.get("play_count") if media.get("play_count") is not None else media.get("view_count")
    return Post(
        platform="instagram",
        post_id=post_id,
        location=where,
        author_id=as_str(user.get("pk")) or as_str(user.get("id")),
        author_handle=user.get("username"),
        author_name=user.get("full_name") or None,
        created_at=parse_time(media.get("taken_at")),
        text=text or None,
        conversation_id=post_id,
        like_count=as_int(media.get("like_count")),
        reply_count=as_int(media.get("comment_count")),
        view_count=as_int(views),
        url=f"https://www.instagram.com/p/{code}/" if code else None,
    )


# ---- TikTok ----------------------------------------------------------------------------------

def _tiktok(data: dict[str, Any], where: str, item_id: str | None) -> Post:
    item = data["itemStruct"] if isinstance(data.get("itemStruct"), dict) else data
    post_id = as_str(item.get("id")) or item_id
    if not post_id:
        raise ValueError("TikTok item without an id")
    author = item.get("author")
    if isinstance(author, str):  # older captures give only the unique id
        author = {"uniqueId": author}
    author = author or {}
    stats = item.get("stats") or item.get("statsV2") or {}
    author_stats = item.get("authorStats") or {}
    desc = item.get("desc")
    if desc is not None and not isinstance(desc, str):
        raise TypeError(f"desc is {type(desc).__name__}, not text")
    handle = author.get("uniqueId")
    return Post(
        platform="tiktok",
        post_id=post_id,
        location=where,
        author_id=as_str(author.get("id")),
        author_handle=handle,
        author_name=author.get("nickname") or None,
        created_at=parse_time(as_int(item.get("createTime"))),
        text=desc or None,
        language=item.get("textLanguage") if item.get("textLanguage") not in (None, "", "un") else None,
        conversation_id=post_id,
        like_count=as_int(stats.get("diggCount")),
        reply_count=as_int(stats.get("commentCount")),
        repost_count=as_int(stats.get("shareCount")),
        view_count=as_int(stats.get("playCount")),
        author_followers=as_int(author_stats.get("followerCount")),
        url=f"https://www.tiktok.com/@{handle}/video/{post_id}" if handle else None,
    )
