"""Twitter API v1.1 status JSON: timelines (bare arrays), standard search (`statuses`), premium
search (`results`), single statuses, streaming NDJSON, and JSON VCR cassettes (tweepy) whose
response bodies hold any of those as strings.

Ids come from `id_str` only: `id` is an int64 that JavaScript and float parsers round, so a file
that passed through one carries a wrong `id` next to a right `id_str`. A retweet's or quote's
nested original (`retweeted_status`, `quoted_status`) is also yielded as a partial post, because
it is often the post a conversation is about. Stream lines that are not tweets (`delete`,
`limit`, `warning`, `friends`, `event`, ...) become notices, never rejects.

The status helpers here are shared with the X personal archive importer, whose records are
v1.1-like statuses, and the text and link helpers with the other X readers (v2, Zeeschuimer).
"""

from __future__ import annotations

import base64
import gzip
import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import orjson

from peelian.ingest.base import JsonImporter, Sample, as_int, parse_time, post_kind, raw_json
from peelian.ingest.records import Notice, Post, Record, Reject

PLATFORM = "twitter"
INVALID = (ValueError, TypeError, AttributeError, KeyError)
# Stream messages that carry no tweet; each becomes one notice of this type.
MESSAGE_TYPES = {
    "delete": "delete", "scrub_geo": "scrub_geo", "limit": "limit", "warning": "warning",
    "disconnect": "disconnect", "friends": "friends", "friends_str": "friends", "event": "event",
    "direct_message": "direct_message", "status_withheld": "withheld", "user_withheld": "withheld",
    "user_update": "user_update", "control": "control",
}
ERROR_CODES = {34: "not_found", 50: "not_found", 144: "not_found", 63: "suspended", 136: "forbidden",
               179: "forbidden", 88: "rate_limit"}
RFC_TIME = re.compile(r'"created_at"\s*:\s*"\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}"')
MAX_NESTING = 2  # a retweet of a quote: outer status → retweeted_status → quoted_status
MAX_WRAPPING = 3  # cassette → response body → page or list → status
SNIFF_TEXT = 64 * 1024  # how much of an unparsable head (a large pretty-printed document) to search


# ---- helpers shared with the other X importers -------------------------------------------

def tweet_id(value: Any, field: str) -> str | None:
    """An id as a string of ASCII digits; None when absent; ValueError for anything else."""
    if value is None or value == "" or value == {}:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    raise ValueError(f"{field} {brief(value)} is not a numeric id")


def brief(value: Any) -> str:
    """A short, safe rendering of a bad value for a reject reason."""
    return (raw_json(value) or b"(deeply nested)")[:60].decode("utf-8", errors="replace")


def lenient_id(value: Any) -> str | None:
    """An id where a bad value should not cost the whole record (mentions, stream messages)."""
    try:
        return tweet_id(value, "id")
    except ValueError:
        return None


def text_field(value: Any, field: str) -> str | None:
    """A text field: None when absent (or a `{}` placeholder); ValueError when it is not text."""
    if isinstance(value, str):
        return value or None
    if value is None or value == {}:
        return None
    raise ValueError(f"{field} is {type(value).__name__}, not text")


def unescape(text: str | None) -> str | None:
    """v1.1 and archive text escapes &, < and > as HTML entities."""
    return html.unescape(text) if text and "&" in text else text


def mentions_of(entities: Any) -> list[tuple[str | None, str]]:
    if not isinstance(entities, dict):
        return []
    return [
        (lenient_id(m.get("id_str")), m["screen_name"])
        for m in entities.get("user_mentions") or []
        if isinstance(m, dict) and isinstance(m.get("screen_name"), str) and m["screen_name"]
    ]


def status_url(post_id: str) -> str:
    """A link without the author's handle, so it never undoes a citizen's pseudonym."""
    return f"https://x.com/i/web/status/{post_id}"


def is_status(obj: Any) -> bool:
    """Shaped like a status (one without `id_str` is then rejected with that reason)."""
    return isinstance(obj, dict) and ("id_str" in obj or "id" in obj) and ("text" in obj or "full_text" in obj)


def _looks_like_status(obj: Any) -> bool:
    """Stricter, for detection: X API v2 tweets have id and text but never id_str."""
    return is_status(obj) and "id_str" in obj and ("user" in obj or "created_at" in obj)


def _is_stream_message(obj: dict[str, Any]) -> bool:
    """A v1.1 stream message, by its shape (other platforms' streams use keys such as `event` too)."""
    body = next((obj[k] for k in MESSAGE_TYPES if k in obj), None)
    if "event" in obj:
        return "source" in obj and "target" in obj
    if isinstance(body, list):
        return "friends" in obj or "friends_str" in obj
    return isinstance(body, dict) and bool(body.keys() & {"status", "track", "code", "user_id_str", "id_str",
                                                          "up_to_status_id_str", "withheld_in_countries"})


def _is_cassette(obj: Any) -> bool:
    if not isinstance(obj, dict) or not isinstance(obj.get("interactions"), list):
        return False
    return any("api.twitter.com/1.1/" in str((i.get("request") or {}).get("uri"))
               for i in obj["interactions"][:20] if isinstance(i, dict))


class TwitterV1Importer(JsonImporter):
    format = "twitter-v1"
    platform = PLATFORM
    description = ("Twitter API v1.1 statuses: timelines, search, premium search, streaming NDJSON, "
                   "tweepy JSON cassettes")
    extensions = (".json", ".jsonl", ".ndjson")

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if obj is None:
            head = sample.text.lstrip()[:SNIFF_TEXT]
            if head[:1] not in ("[", "{"):
                return 0.0
            if '"interactions"' in head and "api.twitter.com/1.1/" in head:
                return 0.85
            return 0.6 if '"id_str"' in head and '"screen_name"' in head and RFC_TIME.search(head) else 0.0
        if isinstance(obj, list):
            return 0.9 if obj and _looks_like_status(obj[0]) else 0.0
        if not isinstance(obj, dict):
            return 0.0
        if _looks_like_status(obj):
            return 0.9
        for key in ("statuses", "results"):
            items = obj.get(key)
            if isinstance(items, list) and (_looks_like_status(items[0]) if items else
                                            ("search_metadata" in obj or "requestParameters" in obj)):
                return 0.95
        if _is_cassette(obj):
            return 0.9
        if _is_stream_message(obj):
            return 0.8
        errors = obj.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict) and "code" in errors[0]:
            return 0.4
        return 0.0

    def _read_value(self, value: Any, where: str, depth: int = 0) -> Iterator[Record]:
        if depth > MAX_WRAPPING:
            yield Reject(where, "nested too deeply to be a status, page or stream message", raw_json(value))
        elif isinstance(value, list):
            for i, item in enumerate(value, start=1):
                yield from self._read_value(item, f"{where}, item {i}", depth + 1)
        elif not isinstance(value, dict):
            yield Reject(where, f"not a Twitter v1.1 status ({type(value).__name__}: {brief(value)})", raw_json(value))
        elif is_status(value):
            yield from self._status(value, where, partial=False, depth=0)
        elif isinstance(value.get("statuses"), list) or isinstance(value.get("results"), list):
            key = "statuses" if isinstance(value.get("statuses"), list) else "results"
            for i, item in enumerate(value[key]):
                yield from self._read_value(item, f"{where}, {key}[{i}]", depth + 1)
        elif isinstance(value.get("interactions"), list):
            yield from self._read_cassette(value["interactions"])
        elif isinstance(value.get("errors"), list) or isinstance(value.get("error"), (dict, str)):
            errors = value["errors"] if isinstance(value.get("errors"), list) else [value["error"]]
            for i, error in enumerate(errors):
                yield _error_notice(error, f"{where}, errors[{i}]")
        elif isinstance(value.get("message"), dict) and "for_user" in value:
            yield from self._read_value(value["message"], f"{where}, message", depth + 1)
        elif key := next((k for k in MESSAGE_TYPES if k in value), None):
            yield _message_notice(key, value, where)
        else:
            keys = ", ".join(list(value)[:6]) or "none"
            yield Reject(where, f"not a Twitter v1.1 status, search page or stream message (keys: {keys})",
                         raw_json(value))

    def _status(self, s: dict[str, Any], where: str, *, partial: bool, depth: int) -> Iterator[Record]:
        try:
            post = status_post(s, where, partial=partial)
        except INVALID as exc:
            yield Reject(where, f"invalid status: {exc}", raw_json(s))
            return
        yield post
        if depth >= MAX_NESTING:
            return
        original = s.get("retweeted_status")
        if isinstance(original, dict):
            yield from self._status(original, f"{where}, retweeted_status", partial=True, depth=depth + 1)
            return  # the retweet's copy of quoted_status repeats the original's
        quoted = s.get("quoted_status")
        if isinstance(quoted, dict):
            yield from self._status(quoted, f"{where}, quoted_status", partial=True, depth=depth + 1)

    def _read_cassette(self, interactions: list[Any]) -> Iterator[Record]:
        """Statuses in the recorded response bodies; other responses become one notice each."""
        for i, interaction in enumerate(interactions, start=1):
            request = interaction.get("request") if isinstance(interaction, dict) else None
            response = interaction.get("response") if isinstance(interaction, dict) else None
            if not isinstance(request, dict) or not isinstance(response, dict):
                yield Reject(f"interaction {i}", "cassette interaction without a request and a response")
                continue
            path = urlsplit(str(request.get("uri") or "")).path  # the query may name an account: left out
            where = f"interaction {i} ({request.get('method') or 'GET'} {path})"
            status = (response.get("status") or {}).get("code") if isinstance(response.get("status"), dict) else None
            try:
                body = _cassette_body(response.get("body"))
            except (ValueError, OSError, EOFError) as exc:
                yield Reject(where, f"response body is not readable JSON: {exc}")
                continue
            if _holds_statuses(body):
                yield from self._read_value(body, where, depth=1)
            else:
                yield Notice(PLATFORM, "other_response", where, detail={"path": path, "status": status})


def _cassette_body(body: Any) -> Any:
    """The parsed body of a VCR response: `{"string": ...}` (text or parsed) or `{"base64_string": ...}`."""
    content = body
    if isinstance(body, dict) and body.get("base64_string"):
        content = base64.b64decode(body["base64_string"])
        if content[:2] == b"\x1f\x8b":
            content = gzip.decompress(content)
    elif isinstance(body, dict):
        content = body.get("string")
    if content is None or isinstance(content, (dict, list)):
        return content
    if isinstance(content, str):
        content = content.encode()
    if not content.strip():
        return None
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise ValueError(exc.msg) from exc


def _holds_statuses(body: Any) -> bool:
    if isinstance(body, list):
        return not body or is_status(body[0])
    if not isinstance(body, dict):
        return False
    return (is_status(body) or isinstance(body.get("statuses"), list) or isinstance(body.get("results"), list)
            or isinstance(body.get("errors"), list))



def status_post(s: dict[str, Any], where: str, *, partial: bool) -> Post:
    """One v1.1 status as a post. Raises ValueError/TypeError naming the field that is wrong."""
    post_id = tweet_id(s.get("id_str"), "id_str")
    if post_id is None:
        raise ValueError("no id_str (the numeric `id` is not used: ids above 2^53 lose precision)")
    user = s.get("user") or {}
    if not isinstance(user, dict):
        raise TypeError(f"user is {type(user).__name__}, not an object")
    extended = s.get("extended_tweet") if isinstance(s.get("extended_tweet"), dict) else {}
    text = (text_field(extended.get("full_text"), "extended_tweet.full_text")
            or text_field(s.get("full_text"), "full_text") or text_field(s.get("text"), "text"))
    original = s.get("retweeted_status")
    reposted = lenient_id(original.get("id_str")) if isinstance(original, dict) else None
    quoted = tweet_id(s.get("quoted_status_id_str"), "quoted_status_id_str")
    if quoted is None and isinstance(s.get("quoted_status"), dict):
        quoted = lenient_id(s["quoted_status"].get("id_str"))
    reply_to = tweet_id(s.get("in_reply_to_status_id_str"), "in_reply_to_status_id_str")
    if isinstance(original, dict):
        quoted = None  # a retweet carries a copy of the original's quote fields
    kind = post_kind(reposted=isinstance(original, dict), reply_to=reply_to,
                     quoted=quoted or s.get("is_quote_status") is True)
    created = s.get("created_at") or s.get("timestamp_ms")
    # A retweet's counts are the original's (and zero likes): they describe the original, not the repost.
    counted = kind != "repost"
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        location=where,
        author_id=tweet_id(user.get("id_str"), "user.id_str"),
        author_handle=text_field(user.get("screen_name"), "user.screen_name"),
        author_name=text_field(user.get("name"), "user.name"),
        created_at=parse_time(created),
        text=unescape(text),
        language=text_field(s.get("lang"), "lang"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_account_id=tweet_id(s.get("in_reply_to_user_id_str"), "in_reply_to_user_id_str"),
        reply_to_handle=text_field(s.get("in_reply_to_screen_name"), "in_reply_to_screen_name"),
        # v1.1 has no conversation id; only a post that replies to nothing is known to start its own.
        conversation_id=None if reply_to else post_id,
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        like_count=as_int(s.get("favorite_count")) if counted else None,
        reply_count=as_int(s.get("reply_count")) if counted else None,
        repost_count=as_int(s.get("retweet_count")) if counted else None,
        quote_count=as_int(s.get("quote_count")) if counted else None,
        author_followers=as_int(user.get("followers_count")),
        url=status_url(post_id),
        is_partial=partial,
        mentions=mentions_of(extended.get("entities") or s.get("entities")),
    )


def _message_notice(key: str, message: dict[str, Any], where: str) -> Notice:
    """A stream message as a notice. Details keep counts and codes, never names or message text."""
    body = message[key]
    notice_type = MESSAGE_TYPES[key]
    if key == "delete" and isinstance(body, dict):
        status = body.get("status")
        if isinstance(status, dict):
            return Notice(PLATFORM, notice_type, where, post_id=lenient_id(status.get("id_str") or status.get("id")),
                          account_id=lenient_id(status.get("user_id_str") or status.get("user_id")),
                          detail=_pick(body, "timestamp_ms"))
        return Notice(PLATFORM, notice_type, where, detail={"of": next(iter(body), None)})
    if key == "scrub_geo" and isinstance(body, dict):
        return Notice(PLATFORM, notice_type, where, post_id=lenient_id(body.get("up_to_status_id_str")),
                      account_id=lenient_id(body.get("user_id_str") or body.get("user_id")))
    if key == "status_withheld" and isinstance(body, dict):
        return Notice(PLATFORM, notice_type, where, post_id=lenient_id(body.get("id_str") or body.get("id")),
                      account_id=lenient_id(body.get("user_id")), detail=_pick(body, "withheld_in_countries"))
    if key == "user_withheld" and isinstance(body, dict):
        return Notice(PLATFORM, notice_type, where, account_id=lenient_id(body.get("id_str") or body.get("id")),
                      detail=_pick(body, "withheld_in_countries"))
    if key in ("friends", "friends_str"):
        return Notice(PLATFORM, notice_type, where, detail={"count": len(body) if isinstance(body, list) else None})
    if key == "event":
        source = message.get("source") if isinstance(message.get("source"), dict) else {}
        target = message.get("target_object") if isinstance(message.get("target_object"), dict) else {}
        return Notice(PLATFORM, notice_type, where, post_id=lenient_id(target.get("id_str")),
                      account_id=lenient_id(source.get("id_str")),
                      detail={"event": str(body)[:60], **_pick(message, "created_at")})
    if isinstance(body, dict):
        return Notice(PLATFORM, notice_type, where,
                      detail=_pick(body, "track", "code", "percent_full", "reason", "timestamp_ms") or None)
    return Notice(PLATFORM, notice_type, where)


def _pick(obj: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: obj[k] for k in keys if obj.get(k) is not None}


def _error_notice(error: Any, where: str) -> Notice:
    if not isinstance(error, dict):
        return Notice(PLATFORM, "error", where, detail={"message": str(error)[:200]})
    code = error.get("code")
    return Notice(PLATFORM, ERROR_CODES.get(code, "error") if isinstance(code, int) else "error", where,
                  detail={"code": code, "message": str(error.get("message") or "")[:200]})
