"""Facebook Graph API: page feeds and other edges (`{"data": [...], "paging": ...}`), single
post and comment objects, comments nested in posts (`comments.data[]`, and replies nested in
comments), and error bodies.

Post ids are Graph ids as they are (`<page id>_<post id>`; comments `<object id>_<comment
id>`), the same ids the CrowdTangle importer builds, so the sources merge. Every Graph field
is optional: an object with a post id but neither `created_time` nor `from` (for example a
reactions or attachments response) is a partial post that fills in counts. Objects that are
only a profile (`id`, `name`, ...) are stored as accounts; post insights become a notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, raw_json, shape
from peelian.ingest.records import Account, Notice, Post, Record, Reject

PLATFORM = "facebook"
POST_KEYS = {"created_time", "message", "story", "from", "comments", "likes", "reactions", "parent_id", "shares",
             "permalink_url", "attachments", "child_attachments", "status_type", "full_picture", "object", "parent"}
COMMENT_KEYS = {"object", "parent", "comment_count", "like_count", "can_comment", "user_likes"}
MAX_DEPTH = 10


def _is_graph_object(obj: Any) -> bool:
    if not isinstance(obj, dict) or "id" not in obj:
        return False
    if "timestamp" in obj or "platformId" in obj or "kind" in obj:
        return False  # Instagram Graph, CrowdTangle and YouTube objects have ids too
    return "created_time" in obj or ("_" in str(obj["id"]) and bool(POST_KEYS & set(obj)))


def _is_profile(obj: Any) -> bool:
    return (isinstance(obj, dict) and "id" in obj and "name" in obj
            and not (POST_KEYS | {"insights", "timestamp", "text"}) & set(obj))


class FacebookGraphImporter(JsonImporter):
    format = "facebook-graph"
    platform = PLATFORM
    description = "Facebook Graph API page feeds, posts and comments (JSON)"
    extensions = (".json", ".jsonl", ".ndjson")
    salvage_keys = ("data",)
    whole_documents = True

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if isinstance(obj, dict) and isinstance(obj.get("data"), list) and not {"includes", "meta"} & set(obj):
            data = obj["data"]
            if data and _is_graph_object(data[0]):
                return 0.9
            paging = obj.get("paging")
            if isinstance(paging, dict) and ("cursors" in paging or "next" in paging or "previous" in paging):
                return 0.6 if not data or _is_profile(data[0]) else 0.3
            return 0.0
        if isinstance(obj, dict):
            if _is_graph_object(obj):
                return 0.9 if "created_time" in obj or "from" in obj else 0.75
            if "insights" in obj and "_" in str(obj.get("id", "")):
                return 0.75
            if isinstance(obj.get("comments"), dict) and "id" in obj and "kind" not in obj:
                return 0.75
            if _is_profile(obj) and ("category" in obj or "engagement" in obj or "fan_count" in obj):
                return 0.5
            error = obj.get("error")
            if isinstance(error, dict) and ("fbtrace_id" in error or error.get("type") == "OAuthException"):
                return 0.6
            return 0.0
        if obj is None and '"created_time"' in sample.json_text and '+0000"' in sample.json_text:
            return 0.6
        return 0.0

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, list):
            yield from self._read_items(value, where)
        elif isinstance(value, dict) and isinstance(value.get("data"), list) and "id" not in value:
            for i, item in enumerate(value["data"]):
                yield from self._object(item, f"{where}, data[{i}]")
        elif isinstance(value, dict) and isinstance(value.get("error"), dict) and "id" not in value:
            error = value["error"]
            yield Notice(PLATFORM, "error", where, detail={k: error.get(k) for k in ("message", "type", "code")})
        elif isinstance(value, dict) and "data" not in value and "id" not in value and "paging" in value:
            yield Notice(PLATFORM, "empty_page", where, detail={"paging": sorted(value["paging"])})
        else:
            yield from self._object(value, where)

    def _object(self, obj: Any, where: str) -> Iterator[Record]:
        if not isinstance(obj, dict) or as_str(obj.get("id")) is None:
            yield Reject(where, f"Graph object without an id (found {shape(obj)})", raw_json(obj))
            return
        keys = set(obj)
        if "insights" in keys and not (POST_KEYS - {"object", "parent"}) & keys:
            yield _insights(obj, where)
        elif _is_profile(obj):
            yield Account(PLATFORM, as_str(obj["id"]) or "", where, obj.get("username"), obj.get("name"))
        elif COMMENT_KEYS & keys:
            yield from self._comment(obj, where, None, None, depth=0)
        else:
            yield from self._post(obj, where)

    def _post(self, p: dict[str, Any], where: str) -> Iterator[Record]:
        post_id = as_str(p["id"])
        author = p.get("from") if isinstance(p.get("from"), dict) else {}
        try:
            parent = as_str(p.get("parent_id"))
            post = Post(
                platform=PLATFORM,
                post_id=post_id or "",
                location=where,
                author_id=as_str(author.get("id")),
                author_name=author.get("name"),
                author_handle=author.get("username"),
                created_at=parse_time(p.get("created_time")),
                text=_text(p.get("message"), p.get("story")),
                kind="repost" if parent else "original",
                reposted_post_id=parent,
                conversation_id=post_id,
                like_count=_total(p.get("reactions")) if "reactions" in p else _total(p.get("likes")),
                reply_count=_total(p.get("comments")),
                repost_count=as_int((p.get("shares") or {}).get("count")) if isinstance(p.get("shares"), dict)
                else None,
                url=p.get("permalink_url") or _post_url(post_id),
                is_partial="created_time" not in p and not author,
            )
        except (ValueError, TypeError, AttributeError) as exc:
            yield Reject(where, f"invalid Graph post: {exc}", raw_json(p))
            return
        yield post
        yield from self._nested_comments(p, where, post_id or "", as_str(author.get("id")), post_id or "", 0)

    def _nested_comments(self, obj: dict[str, Any], where: str, parent_id: str, parent_author: str | None,
                         conversation: str, depth: int) -> Iterator[Record]:
        comments = obj.get("comments")
        if not isinstance(comments, dict) or "data" not in comments:
            return
        data = comments["data"]
        if not isinstance(data, list):
            yield Reject(f"{where}, comments.data", f"comments.data is {shape(data)}, not a list", raw_json(data))
            return
        for i, comment in enumerate(data):
            loc = f"{where}, comments.data[{i}]"
            if not isinstance(comment, dict) or as_str(comment.get("id")) is None:
                yield Reject(loc, f"comment without an id (found {shape(comment)})", raw_json(comment))
                continue
            yield from self._comment(comment, loc, parent_id, parent_author, depth=depth, conversation=conversation)

    def _comment(self, c: dict[str, Any], where: str, parent_id: str | None, parent_author: str | None, *,
                 depth: int, conversation: str | None = None) -> Iterator[Record]:
        comment_id = as_str(c["id"]) or ""
        author = c.get("from") if isinstance(c.get("from"), dict) else {}
        explicit_parent = c.get("parent") if isinstance(c.get("parent"), dict) else {}
        target = c.get("object") if isinstance(c.get("object"), dict) else {}
        reply_to = as_str(explicit_parent.get("id")) or parent_id or as_str(target.get("id"))
        if reply_to is None and "_" in comment_id:
            reply_to = comment_id.split("_", 1)[0]  # a comment id is <commented object id>_<comment id>
        if conversation is None:
            conversation = as_str(target.get("id")) or (reply_to if not explicit_parent else None)
        try:
            post = Post(
                platform=PLATFORM,
                post_id=comment_id,
                location=where,
                author_id=as_str(author.get("id")),
                author_name=author.get("name"),
                created_at=parse_time(c.get("created_time")),
                text=_text(c.get("message"), None),
                kind="reply",
                reply_to_post_id=reply_to,
                reply_to_account_id=parent_author if reply_to == parent_id and not explicit_parent else None,
                conversation_id=conversation,
                like_count=as_int(c.get("like_count")) if "like_count" in c else
                _total(c.get("reactions")) if "reactions" in c else _total(c.get("likes")),
                reply_count=as_int(c.get("comment_count")) if "comment_count" in c else _total(c.get("comments")),
                url=c.get("permalink_url"),
                is_partial="created_time" not in c and not author,
            )
        except (ValueError, TypeError, AttributeError) as exc:
            yield Reject(where, f"invalid Graph comment: {exc}", raw_json(c))
            return
        yield post
        if depth < MAX_DEPTH:
            yield from self._nested_comments(c, where, comment_id, as_str(author.get("id")), conversation or "",
                                             depth + 1)


def _text(message: Any, story: Any) -> str | None:
    """`message` is what the author wrote; `story` ("X shared a link.") only stands in when there is none."""
    for value in (message, story):
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise TypeError(f"message is {type(value).__name__}, not text")
        return value
    return None


def _total(edge: Any) -> int | None:
    """The total of a likes/reactions/comments edge: `summary.total_count`, or the legacy `count`.

    The length of `data` is not a total (it is one page), so without either it stays unknown.
    """
    if not isinstance(edge, dict):
        return None
    summary = edge.get("summary")
    if isinstance(summary, dict) and "total_count" in summary:
        return as_int(summary["total_count"])
    if "count" in edge:
        return as_int(edge["count"])
    return None


def _post_url(post_id: str | None) -> str | None:
    if post_id and "_" in post_id:
        owner, post = post_id.split("_", 1)
        if owner.isdigit() and post.isdigit():
            return f"https://www.facebook.com/{owner}/posts/{post}"
    return None


def _insights(obj: dict[str, Any], where: str) -> Notice:
    """Page-post insights are measurements of a post, not a post: kept as a notice with the values."""
    values: dict[str, Any] = {}
    insights = obj.get("insights")
    data = insights.get("data") if isinstance(insights, dict) else insights
    for metric in data if isinstance(data, list) else []:
        if isinstance(metric, dict) and metric.get("name"):
            points = metric.get("values") or []
            values[f"{metric['name']}/{metric.get('period', '')}"] = (
                points[-1].get("value") if points and isinstance(points[-1], dict) else None)
    return Notice(PLATFORM, "insights", where, post_id=as_str(obj["id"]), detail=values)
