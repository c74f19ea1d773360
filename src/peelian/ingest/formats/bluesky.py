"""Bluesky / AT Protocol: getAuthorFeed and getTimeline pages (`feed`), getPostThread
(`thread`), getPosts/searchPosts (`posts`), single PostViews, and repository records as
returned by com.atproto.repo.getRecord/listRecords (`{uri, cid, value}`).

The post id is the AT URI. Reposts in feeds have no record of their own in older responses:
they get `reason.uri` when the server sends it, else the synthetic id
`repost:<reposter DID>:<original URI>` (stable, and one per reposter and post, as on
Bluesky). A bare `app.bsky.feed.post` record without its `uri` is rejected: nothing in it
says which post it is, and an invented id would never meet the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, post_kind, raw_json, shape
from peelian.ingest.records import Notice, Post, Record, Reject

PLATFORM = "bluesky"
POST_TYPE = "app.bsky.feed.post"
REPOST_TYPE = "app.bsky.feed.repost"
NOT_FOUND = "app.bsky.feed.defs#notFoundPost"
BLOCKED = "app.bsky.feed.defs#blockedPost"
REASON_REPOST = "app.bsky.feed.defs#reasonRepost"


def _is_at_uri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("at://")


def _is_post_view(obj: Any) -> bool:
    return (isinstance(obj, dict) and _is_at_uri(obj.get("uri")) and isinstance(obj.get("author"), dict)
            and isinstance(obj.get("record"), dict))


def _is_repo_record(obj: Any) -> bool:
    return isinstance(obj, dict) and _is_at_uri(obj.get("uri")) and isinstance(obj.get("value"), dict)


def _is_missing(obj: Any) -> bool:
    return isinstance(obj, dict) and (obj.get("notFound") is True or obj.get("blocked") is True
                                      or obj.get("$type") in (NOT_FOUND, BLOCKED))


def did_of(uri: Any) -> str | None:
    """The repository (author) DID of an AT URI: at://<did>/<collection>/<rkey>."""
    if not _is_at_uri(uri):
        return None
    did = uri[5:].split("/", 1)[0]
    return did or None


def web_url(uri: str, handle: str | None) -> str | None:
    parts = uri[5:].split("/")
    if len(parts) == 3 and parts[1] == POST_TYPE:
        return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"
    return None


class BlueskyImporter(JsonImporter):
    format = "bluesky"
    platform = PLATFORM
    description = "Bluesky getAuthorFeed/getTimeline, getPostThread, getPosts, post views and repo records"
    extensions = (".json", ".jsonl", ".ndjson")
    salvage_keys = ("feed", "posts", "records")
    whole_documents = True

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if isinstance(obj, list) and obj:
            obj = obj[0]
        if isinstance(obj, dict):
            feed, thread, posts, records = obj.get("feed"), obj.get("thread"), obj.get("posts"), obj.get("records")
            if isinstance(feed, list) and (not feed or isinstance(feed[0], dict) and "post" in feed[0]):
                return 0.95 if not feed or _is_post_view(feed[0].get("post")) else 0.6
            if isinstance(thread, dict) and ("post" in thread or _is_missing(thread)):
                return 0.95
            if isinstance(posts, list) and posts and _is_post_view(posts[0]):
                return 0.9
            if isinstance(records, list) and records and _is_repo_record(records[0]):
                return 0.9
            if _is_post_view(obj) or _is_repo_record(obj):
                return 0.9
            if str(obj.get("$type", "")).startswith("app.bsky.feed."):
                return 0.8
            if _is_missing(obj) and _is_at_uri(obj.get("uri")):
                return 0.8
            if isinstance(obj.get("error"), str) and isinstance(obj.get("message"), str) and len(obj) == 2:
                return 0.4
            return 0.0
        if obj is None and '"at://did:' in sample.json_text and any(
                k in sample.json_text for k in ('"feed"', '"thread"', '"record"', '"records"')):
            return 0.6
        return 0.0

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if isinstance(value, list):
            yield from self._read_items(value, where)
        elif not isinstance(value, dict):
            yield Reject(where, f"not a Bluesky response (found {shape(value)})", raw_json(value))
        elif isinstance(value.get("feed"), list):
            for i, item in enumerate(value["feed"]):
                yield from self._feed_item(item, f"{where}, feed[{i}]")
        elif "thread" in value:
            yield from self._thread(value["thread"], f"{where}, thread")
        elif isinstance(value.get("posts"), list):
            for i, item in enumerate(value["posts"]):
                yield from self._post_view(item, f"{where}, posts[{i}]")
        elif isinstance(value.get("records"), list):
            for i, item in enumerate(value["records"]):
                yield self._repo_record(item, f"{where}, records[{i}]")
        elif _is_post_view(value):
            yield from self._post_view(value, where)
        elif _is_repo_record(value):
            yield self._repo_record(value, where)
        elif _is_missing(value):
            yield _missing_notice(value, where)
        elif str(value.get("$type", "")).startswith("app.bsky.") or "createdAt" in value and "text" in value:
            yield Reject(where, f"a bare {value.get('$type') or 'post'} record has no uri, so the post it belongs "
                                "to is unknown; export it with com.atproto.repo.getRecord or listRecords, which "
                                "give {uri, cid, value}", raw_json(value))
        elif isinstance(value.get("error"), str):
            notice_type = "not_found" if "notfound" in value["error"].lower() else "error"
            yield Notice(PLATFORM, notice_type, where, detail={"error": value["error"],
                                                               "message": value.get("message")})
        else:
            yield Reject(where, f"not a Bluesky feed, thread, post or record (found {shape(value)})", raw_json(value))

    # ---- feeds -------------------------------------------------------------------------------
    def _feed_item(self, item: Any, where: str) -> Iterator[Record]:
        if not isinstance(item, dict) or "post" not in item:
            yield Reject(where, f"feed item without a post (found {shape(item)})", raw_json(item))
            return
        reply = item.get("reply") if isinstance(item.get("reply"), dict) else {}
        parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
        parent_author = parent.get("author") if isinstance(parent.get("author"), dict) else {}
        reason = item.get("reason") if isinstance(item.get("reason"), dict) else {}
        if reason.get("$type") == REASON_REPOST or (reason and isinstance(reason.get("by"), dict)
                                                     and "indexedAt" in reason and not reason.get("$type")):
            yield self._repost(reason, item.get("post"), f"{where}, reason")
        yield from self._post_view(item["post"], f"{where}, post", parent_handle=parent_author.get("handle"))
        for key in ("root", "parent"):
            node = reply.get(key)
            if node is None:
                continue
            loc = f"{where}, reply.{key}"
            if _is_missing(node):
                yield _missing_notice(node, loc)
            else:
                yield from self._post_view(node, loc, partial=True)

    def _repost(self, reason: dict[str, Any], post: Any, where: str) -> Post | Reject:
        by = reason.get("by") if isinstance(reason.get("by"), dict) else {}
        original = post.get("uri") if isinstance(post, dict) else None
        did = as_str(by.get("did"))
        if not did or not _is_at_uri(original):
            return Reject(where, "repost without the reposter's DID or the original post's uri", raw_json(reason))
        repost_id = reason.get("uri") if _is_at_uri(reason.get("uri")) else f"repost:{did}:{original}"
        try:
            created = parse_time(reason.get("indexedAt"))
        except ValueError as exc:
            return Reject(where, f"invalid repost: {exc}", raw_json(reason))
        return Post(PLATFORM, repost_id, where, author_id=did, author_handle=by.get("handle"),
                    author_name=by.get("displayName") or None, created_at=created, kind="repost",
                    reposted_post_id=original)

    # ---- threads -----------------------------------------------------------------------------
    def _thread(self, root: Any, where: str) -> Iterator[Record]:
        """Walk the parent chain upwards and the replies downwards, without recursion."""
        stack: list[tuple[Any, str, str | None, str]] = [(root, where, None, "both")]
        while stack:
            node, loc, parent_handle, direction = stack.pop()
            if _is_missing(node):
                yield _missing_notice(node, loc)
                continue
            if not isinstance(node, dict) or not isinstance(node.get("post"), dict):
                yield Reject(loc, f"thread node without a post (found {shape(node)})", raw_json(node))
                continue
            parent = node.get("parent")
            parent_post = parent.get("post") if isinstance(parent, dict) else None
            if parent_handle is None and isinstance(parent_post, dict):
                parent_handle = (parent_post.get("author") or {}).get("handle")
            yield from self._post_view(node["post"], f"{loc}.post", parent_handle=parent_handle)
            handle = (node["post"].get("author") or {}).get("handle")
            if direction in ("both", "up") and parent is not None:
                stack.append((parent, f"{loc}.parent", None, "up"))
            if direction in ("both", "down"):
                replies = node.get("replies") or []
                if not isinstance(replies, list):
                    yield Reject(f"{loc}.replies", f"replies is {shape(replies)}, not a list", raw_json(replies))
                    continue
                for i in range(len(replies) - 1, -1, -1):
                    stack.append((replies[i], f"{loc}.replies[{i}]", handle, "down"))

    # ---- posts -------------------------------------------------------------------------------
    def _post_view(self, p: Any, where: str, *, partial: bool = False,
                   parent_handle: str | None = None) -> Iterator[Record]:
        if _is_missing(p):
            yield _missing_notice(p, where)
            return
        if not _is_post_view(p):
            yield Reject(where, f"not a Bluesky post view (found {shape(p)})", raw_json(p))
            return
        try:
            post = _post(p["uri"], p["record"], p["author"], where, view=p, partial=partial,
                         parent_handle=parent_handle)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            yield Reject(where, f"invalid Bluesky post: {exc}", raw_json(p))
            return
        yield post
        quoted = _embedded_record_view(p.get("embed"))
        if isinstance(quoted, dict) and _is_at_uri(quoted.get("uri")) and f"/{POST_TYPE}/" in quoted["uri"]:
            loc = f"{where}, embed"
            if _is_missing(quoted) or quoted.get("detached") is True:
                yield _missing_notice(quoted, loc)
            elif isinstance(quoted.get("value"), dict) and isinstance(quoted.get("author"), dict):
                try:
                    yield _post(quoted["uri"], quoted["value"], quoted["author"], loc, view=quoted, partial=True)
                except (ValueError, TypeError, AttributeError, KeyError) as exc:
                    yield Reject(loc, f"invalid quoted post: {exc}", raw_json(quoted))

    def _repo_record(self, item: Any, where: str) -> Record:
        if not _is_repo_record(item):
            return Reject(where, f"not a repository record {{uri, cid, value}} (found {shape(item)})", raw_json(item))
        uri, value = item["uri"], item["value"]
        segments = uri[5:].split("/")
        record_type = value.get("$type") or (segments[1] if len(segments) > 1 else None)
        did = did_of(uri)
        try:
            if record_type == POST_TYPE:
                return _post(uri, value, {"did": did}, where, view=None, partial=False, parent_handle=None)
            if record_type == REPOST_TYPE:
                subject = value.get("subject") if isinstance(value.get("subject"), dict) else {}
                return Post(PLATFORM, uri, where, author_id=did, created_at=parse_time(value.get("createdAt")),
                            kind="repost", reposted_post_id=as_str(subject.get("uri")))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            return Reject(where, f"invalid {record_type} record: {exc}", raw_json(item))
        return Notice(PLATFORM, "other_record", where, account_id=did, detail={"type": record_type, "uri": uri})


def _embedded_record_view(embed: Any) -> Any:
    """The quoted record of an embed view: record#view, or the record part of recordWithMedia#view."""
    if not isinstance(embed, dict):
        return None
    record = embed.get("record")
    if isinstance(record, dict) and "record" in record and "uri" not in record:
        record = record["record"]  # recordWithMedia#view wraps a record#view
    return record


def _quoted_uri(record: dict[str, Any], view: dict[str, Any] | None) -> str | None:
    if view is not None:
        embedded = _embedded_record_view(view.get("embed"))
        if isinstance(embedded, dict) and _is_at_uri(embedded.get("uri")):
            uri = embedded["uri"]
            return uri if f"/{POST_TYPE}/" in uri else None
    embed = record.get("embed")
    if isinstance(embed, dict):
        inner = embed.get("record")
        if isinstance(inner, dict) and isinstance(inner.get("record"), dict):
            inner = inner["record"]  # recordWithMedia
        if isinstance(inner, dict) and _is_at_uri(inner.get("uri")) and f"/{POST_TYPE}/" in inner["uri"]:
            return inner["uri"]
    return None


def _mentions(record: dict[str, Any]) -> list[tuple[str | None, str]]:
    """Mention facets carry the DID; the handle is the text they cover (UTF-8 byte offsets)."""
    text = record.get("text")
    if not isinstance(text, str):
        return []
    data = text.encode("utf-8")
    found = []
    for facet in record.get("facets") or []:
        if not isinstance(facet, dict):
            continue
        index = facet.get("index") or {}
        for feature in facet.get("features") or []:
            if isinstance(feature, dict) and str(feature.get("$type", "")).endswith("#mention"):
                start, end = index.get("byteStart"), index.get("byteEnd")
                handle = None
                if isinstance(start, int) and isinstance(end, int):
                    handle = data[start:end].decode("utf-8", errors="replace").lstrip("@") or None
                if handle:
                    found.append((as_str(feature.get("did")), handle))
    return found


def _post(uri: str, record: dict[str, Any], author: dict[str, Any], where: str, *, view: dict[str, Any] | None,
          partial: bool, parent_handle: str | None = None) -> Post:
    if not isinstance(record, dict):
        raise TypeError(f"record is {type(record).__name__}")
    text = record.get("text")
    if text is not None and not isinstance(text, str):
        raise TypeError(f"text is {type(text).__name__}, not a string")
    reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
    parent_uri = as_str((reply.get("parent") or {}).get("uri"))
    root_uri = as_str((reply.get("root") or {}).get("uri"))
    quoted = _quoted_uri(record, view)
    langs = record.get("langs")
    view = view or {}
    created = record.get("createdAt") or view.get("indexedAt")
    handle = author.get("handle")
    return Post(
        platform=PLATFORM,
        post_id=uri,
        location=where,
        author_id=as_str(author.get("did")) or did_of(uri),
        author_handle=handle,
        author_name=author.get("displayName") or None,
        created_at=parse_time(created),
        text=text or None,
        language=langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None,
        kind=post_kind(reply_to=parent_uri, quoted=quoted),
        reply_to_post_id=parent_uri,
        reply_to_account_id=did_of(parent_uri),
        reply_to_handle=parent_handle if parent_uri else None,
        conversation_id=root_uri or (uri if not parent_uri else None),
        quoted_post_id=quoted,
        like_count=as_int(view.get("likeCount")),
        reply_count=as_int(view.get("replyCount")),
        repost_count=as_int(view.get("repostCount")),
        quote_count=as_int(view.get("quoteCount")),
        url=web_url(uri, handle),
        is_partial=partial,
        mentions=_mentions(record),
    )


def _missing_notice(node: dict[str, Any], where: str) -> Notice:
    """A thread node or quoted record the server could not show: kept as a notice on its uri."""
    blocked = node.get("blocked") is True or str(node.get("$type", "")).endswith(("#blockedPost", "#viewBlocked"))
    detached = node.get("detached") is True
    notice_type = "blocked" if blocked else "detached" if detached else "not_found"
    author = node.get("author") if isinstance(node.get("author"), dict) else {}
    uri = as_str(node.get("uri"))
    return Notice(PLATFORM, notice_type, where, post_id=uri, account_id=as_str(author.get("did")) or did_of(uri),
                  detail={"type": node.get("$type")})
