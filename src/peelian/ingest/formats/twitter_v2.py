"""X/Twitter API v2: raw response pages (`data`/`includes`/`meta`/`errors`), twarc2 JSONL
(one page per line, streaming messages with an object `data`), twarc's flattened form
(one tweet per line with expansions inlined), compliance lines, and single API responses.

Expanded tweets in `includes.tweets` are stored as partial posts (they are often the
parents of replies); earlier versions of edited tweets become `edit_version` notices;
entries of `errors[]` become notices (`not_found`, `forbidden`, ...).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from peelian.errors import FormatError
from peelian.ingest.base import Importer, Sample, as_int, as_str, iter_json_lines, load_json_document, parse_time
from peelian.ingest.records import Account, Notice, Post, Record, Reject

PLATFORM = "twitter"
KINDS = {"retweeted": "repost", "replied_to": "reply", "quoted": "quote"}
TWEET_KEYS = {"id", "text", "edit_history_tweet_ids", "author_id", "created_at", "conversation_id"}


def _is_tweet(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and ("text" in obj or "edit_history_tweet_ids" in obj)


def _is_page(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    data = obj.get("data")
    if isinstance(data, list):
        return all(_is_tweet(t) for t in data[:3]) and ("includes" in obj or "meta" in obj or bool(data))
    return _is_tweet(data)


class TwitterV2Importer(Importer):
    format = "twitter-v2"
    platform = PLATFORM
    description = "X/Twitter API v2 responses, twarc2 JSONL (pages or flattened), compliance output"
    extensions = (".jsonl", ".json", ".ndjson")

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if _is_page(obj):
            return 0.95 if ("__twarc" in obj or "includes" in obj or "meta" in obj) else 0.8
        if isinstance(obj, dict) and _is_tweet(obj) and ("author" in obj or "__twarc" in obj or "public_metrics" in obj
                                                          or "conversation_id" in obj):
            return 0.9
        if isinstance(obj, dict) and obj.get("action") in {"delete", "scrub_geo", "withheld"} and "id" in obj:
            return 0.7
        if isinstance(obj, dict) and "errors" in obj and "data" not in obj and "title" in str(obj.get("errors"))[:200]:
            return 0.4
        return 0.0

    def read(self, path: Path) -> Iterator[Record]:
        if path.suffix.lower() == ".json":
            try:
                document = load_json_document(path)
            except FormatError:
                document = None  # perhaps JSONL named .json: read it line by line below
            if document is not None:
                yield from self._read_value(document, "document")
                return
        for item in iter_json_lines(path):
            if isinstance(item, Reject):
                yield item
                continue
            number, value = item
            yield from self._read_value(value, f"line {number}")

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        if _is_page(value):
            yield from self._read_page(value, where)
        elif isinstance(value, dict) and _is_tweet(value):
            yield from self._read_flat(value, where)
        elif isinstance(value, dict) and "action" in value and "id" in value:
            yield Notice(PLATFORM, str(value["action"]), where, post_id=as_str(value["id"]),
                         detail={k: value[k] for k in ("created_at", "redacted_at", "reason") if k in value})
        elif isinstance(value, dict) and "errors" in value and "data" not in value:
            for i, error in enumerate(value["errors"] or []):
                yield _error_notice(error, f"{where}, errors[{i}]")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from self._read_value(item, f"{where}, item {i + 1}")
        else:
            keys = ", ".join(list(value)[:6]) if isinstance(value, dict) else type(value).__name__
            yield Reject(where, f"not an X/Twitter v2 tweet, page or compliance record (found: {keys})",
                         str(value)[:500])

    # ---- raw pages ---------------------------------------------------------------------------
    def _read_page(self, page: dict[str, Any], where: str) -> Iterator[Record]:
        includes = page.get("includes") or {}
        users = {u["id"]: u for u in includes.get("users") or [] if isinstance(u, dict) and "id" in u}
        data = page["data"]
        tweets = data if isinstance(data, list) else [data]
        superseded = {
            old: t["id"]
            for t in tweets + list(includes.get("tweets") or [])
            if isinstance(t, dict)
            for old in (t.get("edit_history_tweet_ids") or [])[:-1]
        }
        for i, tweet in enumerate(tweets):
            loc = f"{where}, data[{i}]" if isinstance(data, list) else f"{where}, data"
            yield self._tweet(tweet, loc, users, partial=False)
        for i, tweet in enumerate(includes.get("tweets") or []):
            loc = f"{where}, includes.tweets[{i}]"
            if isinstance(tweet, dict) and tweet.get("id") in superseded:
                yield Notice(PLATFORM, "edit_version", loc, post_id=as_str(tweet["id"]),
                             detail={"latest_version": superseded[tweet["id"]]})
            else:
                yield self._tweet(tweet, loc, users, partial=True)
        for user in users.values():
            yield Account(PLATFORM, as_str(user["id"]) or "", where, user.get("username"), user.get("name"),
                          as_int((user.get("public_metrics") or {}).get("followers_count")))
        for i, error in enumerate(page.get("errors") or []):
            yield _error_notice(error, f"{where}, errors[{i}]")

    def _tweet(self, t: Any, loc: str, users: dict[str, dict[str, Any]], *, partial: bool) -> Post | Reject:
        if not _is_tweet(t):
            return Reject(loc, "tweet without an id or text", str(t)[:500])
        try:
            author = users.get(t.get("author_id")) or {}
            reply_user = users.get(t.get("in_reply_to_user_id")) or {}
            return _post(t, loc, author, reply_user, partial=partial)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            return Reject(loc, f"invalid tweet: {exc}", str(t)[:500])

    # ---- flattened ---------------------------------------------------------------------------
    def _read_flat(self, t: dict[str, Any], where: str) -> Iterator[Record]:
        try:
            yield _post(t, where, t.get("author") or {}, t.get("in_reply_to_user") or {}, partial=False)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            yield Reject(where, f"invalid tweet: {exc}", str(t)[:500])
            return
        for i, ref in enumerate(t.get("referenced_tweets") or []):
            if isinstance(ref, dict) and _is_tweet(ref) and "text" in ref:
                try:
                    yield _post(ref, f"{where}, referenced_tweets[{i}]", ref.get("author") or {},
                                ref.get("in_reply_to_user") or {}, partial=True)
                except (ValueError, TypeError, AttributeError, KeyError) as exc:
                    yield Reject(f"{where}, referenced_tweets[{i}]", f"invalid tweet: {exc}", str(ref)[:500])


def _post(t: dict[str, Any], loc: str, author: dict[str, Any], reply_user: dict[str, Any], *, partial: bool) -> Post:
    post_id = as_str(t["id"])
    if not post_id or not post_id.isdigit():
        raise ValueError(f"tweet id {t['id']!r} is not numeric")
    kind, reply_to, quoted, reposted = "original", None, None, None
    for ref in t.get("referenced_tweets") or []:
        ref_type, ref_id = ref.get("type"), as_str(ref.get("id"))
        if ref_type == "replied_to":
            reply_to = ref_id
        elif ref_type == "quoted":
            quoted = ref_id
        elif ref_type == "retweeted":
            reposted = ref_id
    if reposted:
        kind = "repost"
    elif reply_to:
        kind = "reply"
    elif quoted:
        kind = "quote"
    note = t.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) and note.get("text") else t.get("text")
    metrics = t.get("public_metrics") or {}
    author_id = as_str(t.get("author_id")) or as_str(author.get("id"))
    handle = author.get("username")
    mentions = [
        (as_str(m.get("id")), m["username"])
        for m in (t.get("entities") or {}).get("mentions") or []
        if isinstance(m, dict) and m.get("username")
    ]
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        location=loc,
        author_id=author_id,
        author_handle=handle,
        author_name=author.get("name"),
        created_at=parse_time(t.get("created_at")),
        text=html.unescape(text) if text and "&" in text else text,
        language=t.get("lang"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_account_id=as_str(t.get("in_reply_to_user_id")),
        reply_to_handle=reply_user.get("username"),
        conversation_id=as_str(t.get("conversation_id")),
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        like_count=as_int(metrics.get("like_count")),
        reply_count=as_int(metrics.get("reply_count")),
        repost_count=as_int(metrics.get("retweet_count")),
        quote_count=as_int(metrics.get("quote_count")),
        view_count=as_int(metrics.get("impression_count")),
        author_followers=as_int((author.get("public_metrics") or {}).get("followers_count")),
        url=f"https://x.com/i/web/status/{post_id}",
        is_partial=partial,
        mentions=mentions,
    )


def _error_notice(error: Any, loc: str) -> Notice:
    if not isinstance(error, dict):
        return Notice(PLATFORM, "error", loc, detail={"value": str(error)[:200]})
    title = str(error.get("title") or error.get("type") or "error")
    notice_type = title.lower().replace(" error", "").replace(" ", "_")
    resource_type = error.get("resource_type")
    resource_id = as_str(error.get("resource_id") or error.get("value"))
    detail = {"title": title, "resource_type": resource_type, "parameter": error.get("parameter")}
    if resource_type == "tweet":
        detail["detail"] = error.get("detail")
        return Notice(PLATFORM, notice_type, loc, post_id=resource_id, detail=detail)
    # User errors name the account in the message; keep only the (pseudonymisable) account reference.
    return Notice(PLATFORM, notice_type, loc, account_id=resource_id, detail=detail)
