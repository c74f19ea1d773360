"""Mastodon: REST API `Status` entities (timelines and account statuses as bare arrays,
single statuses, `/context` responses, edit histories, error bodies) and the ActivityPub
`outbox.json` of an account archive.

Post ids are the serving instance's local status ids (`in_reply_to_id` uses the same id
space, so reply links hold within one instance's data). A reblog is stored twice: the
wrapper as a `repost` by the booster and the boosted status as a partial post. Content is
HTML and is converted to plain text; a content warning becomes the first paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from peelian.ingest.base import JsonImporter, Sample, as_int, as_str, parse_time, post_kind, raw_json, shape
from peelian.ingest.htmltext import html_to_text
from peelian.ingest.records import Account, Notice, Post, Record, Reject

PLATFORM = "mastodon"
MAX_DEPTH = 20  # quotes of quotes of reblogs: deeper nesting is not real data
STATUS_PATH_RE = re.compile(
    r"^(https?://[^/]+)/(?:users/[^/]+/statuses|@[^/]+|ap/users/[^/]+/statuses)/(\d+)(?:/activity)?$")
ACTOR_RE = re.compile(r"^https?://([^/]+)/(?:users|ap/users|@)/?([^/]+)$")


def _is_status(obj: Any) -> bool:
    return (isinstance(obj, dict) and "id" in obj and isinstance(obj.get("account"), dict)
            and ("content" in obj or "reblog" in obj) and ("uri" in obj or "reblog" in obj or "visibility" in obj))


def _is_edit(obj: Any) -> bool:
    return (isinstance(obj, dict) and "id" not in obj and "content" in obj and "created_at" in obj
            and isinstance(obj.get("account"), dict))


def _is_account(obj: Any) -> bool:
    return isinstance(obj, dict) and "acct" in obj and "username" in obj and "id" in obj and "content" not in obj


def _is_outbox(obj: Any) -> bool:
    return (isinstance(obj, dict) and obj.get("type") in {"OrderedCollection", "OrderedCollectionPage"}
            and isinstance(obj.get("orderedItems"), list))


def _unwrap(obj: Any) -> Any:
    """Mastodon.py 2.x persists entities as {_mastopy_version, _mastopy_type, _mastopy_data}."""
    while isinstance(obj, dict) and "_mastopy_data" in obj and "_mastopy_type" in obj:
        obj = obj["_mastopy_data"]
    return obj


class MastodonImporter(JsonImporter):
    format = "mastodon"
    platform = PLATFORM
    description = "Mastodon REST API statuses (timelines, /context, single statuses) and archive outbox.json"
    extensions = (".json", ".jsonl", ".ndjson")
    salvage_keys = ("orderedItems", "descendants", "ancestors")
    whole_documents = True

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = _unwrap(sample.first_json)
        if isinstance(obj, list) and obj:
            first = _unwrap(obj[0])
            if _is_status(first):
                return 0.95
            if _is_edit(first):
                return 0.8
            return 0.0
        if _is_status(obj):
            return 0.95
        if isinstance(obj, dict):
            if isinstance(obj.get("ancestors"), list) and isinstance(obj.get("descendants"), list):
                return 0.95
            if _is_outbox(obj) and "activitystreams" in str(obj.get("@context", "")):
                return 0.9
            if _is_outbox(obj):
                return 0.7
            if _is_account(obj) and "followers_count" in obj and "note" in obj:
                return 0.6
            if isinstance(obj.get("error"), str) and set(obj) <= {"error", "error_description"}:
                return 0.5
            return 0.0
        if obj is None:
            text = sample.json_text
            if '"in_reply_to_account_id"' in text and '"reblogs_count"' in text and '"account"' in text:
                return 0.7
            if '"orderedItems"' in text and "activitystreams" in text:
                return 0.6
        return 0.0

    @classmethod
    def holds_no_posts(cls, sample: Sample) -> str | None:
        obj = _unwrap(sample.first_json)
        statuses = ("import statuses instead: an account's statuses (/api/v1/accounts/:id/statuses), a "
                    "timeline, a status context, or the outbox.json of an account archive")
        if isinstance(obj, list) and obj and all(_is_account(_unwrap(a)) for a in obj[:3]):
            return ("a Mastodon account list (followers, follows or an account search): accounts, not posts; "
                    + statuses)
        if not isinstance(obj, dict):
            return None
        if isinstance(obj.get("title"), str) and "version" in obj and (
                "uri" in obj and "stats" in obj or "domain" in obj and "usage" in obj):
            return ("a Mastodon instance document (/api/v1/instance or /api/v2/instance): the server, "
                    f"not posts; {statuses}")
        if isinstance(obj.get("options"), list) and "votes_count" in obj and "expires_at" in obj:
            return ("a Mastodon poll (/api/v1/polls/:id): its options and votes, not the post; "
                    f"the status that carries the poll holds it (`poll`); {statuses}")
        return None

    def _read_value(self, value: Any, where: str) -> Iterator[Record]:
        value = _unwrap(value)
        if isinstance(value, list):
            yield from self._read_items(value, where)
        elif _is_status(value):
            yield from self._status(value, where)
        elif isinstance(value, dict) and ("ancestors" in value or "descendants" in value):
            yield from self._context(value, where)
        elif _is_outbox(value):
            yield from self._outbox(value, where)
        elif _is_edit(value):
            account = value.get("account") or {}
            yield Notice(PLATFORM, "edit_version", where, account_id=as_str(account.get("id")),
                         detail={"created_at": value.get("created_at")})
        elif isinstance(value, dict) and "id" in value and "text" in value and "content" not in value \
                and set(value) <= {"id", "text", "spoiler_text", "content_type"}:
            yield self._source(value, where)
        elif _is_account(value):
            yield self._account(value, where)
        elif isinstance(value, dict) and isinstance(value.get("error"), str):
            message = value["error"]
            notice_type = "not_found" if "not found" in message.lower() else "error"
            yield Notice(PLATFORM, notice_type, where, detail={"error": message,
                                                               "description": value.get("error_description")})
        else:
            yield Reject(where, f"not a Mastodon status, context, edit history or outbox (found {shape(value)})",
                         raw_json(value))

    # ---- REST entities -----------------------------------------------------------------------
    def _context(self, value: dict[str, Any], where: str) -> Iterator[Record]:
        ancestors = value.get("ancestors") or []
        descendants = value.get("descendants") or []
        root = None
        if ancestors and isinstance(ancestors[0], dict) and ancestors[0].get("in_reply_to_id") is None:
            root = as_str(ancestors[0].get("id"))
        elif not ancestors and descendants and isinstance(descendants[0], dict):
            root = as_str(descendants[0].get("in_reply_to_id"))  # the focal status is the root
        for key, statuses in (("ancestors", ancestors), ("descendants", descendants)):
            if not isinstance(statuses, list):
                yield Reject(f"{where}, {key}", f"{key} is {shape(statuses)}, not a list", raw_json(statuses))
                continue
            for i, status in enumerate(statuses):
                loc = f"{where}, {key}[{i}]"
                if _is_status(status):
                    yield from self._status(status, loc, conversation_id=root)
                else:
                    yield Reject(loc, f"not a Mastodon status (found {shape(status)})", raw_json(status))

    def _status(self, s: dict[str, Any], where: str, *, partial: bool = False, conversation_id: str | None = None,
                depth: int = 0) -> Iterator[Record]:
        try:
            post = _status_post(s, where, partial=partial, conversation_id=conversation_id)
        except (ValueError, TypeError, AttributeError) as exc:
            yield Reject(where, f"invalid Mastodon status: {exc}", raw_json(s))
            return
        yield post
        if depth >= MAX_DEPTH:
            return
        reblog = s.get("reblog")
        if _is_status(reblog):
            yield from self._status(reblog, f"{where}, reblog", partial=True, depth=depth + 1)
        quoted = (s.get("quote") or {}).get("quoted_status") if isinstance(s.get("quote"), dict) else None
        if _is_status(quoted):
            yield from self._status(quoted, f"{where}, quote.quoted_status", partial=True, depth=depth + 1)

    def _source(self, value: dict[str, Any], where: str) -> Post | Reject:
        post_id = as_str(value.get("id"))
        if not post_id:
            return Reject(where, "status source without an id", raw_json(value))
        return Post(PLATFORM, post_id, where, text=_with_warning(value.get("spoiler_text"), value.get("text")),
                    is_partial=True)

    def _account(self, a: dict[str, Any], where: str) -> Account | Reject:
        account_id = as_str(a.get("id"))
        if not account_id:
            return Reject(where, "account without an id", raw_json(a))
        try:
            followers = as_int(a.get("followers_count"))
        except ValueError as exc:
            return Reject(where, f"invalid account: {exc}", raw_json(a))
        return Account(PLATFORM, account_id, where, a.get("acct"), a.get("display_name") or None, followers)

    # ---- ActivityPub outbox ------------------------------------------------------------------
    def _outbox(self, value: dict[str, Any], where: str) -> Iterator[Record]:
        for i, activity in enumerate(value["orderedItems"]):
            loc = f"{where}, orderedItems[{i}]"
            try:
                yield _activity(activity, loc)
            except (ValueError, TypeError, AttributeError, KeyError) as exc:
                yield Reject(loc, f"invalid activity: {exc}", raw_json(activity))


def _with_warning(spoiler: Any, text: str | None) -> str | None:
    """A content warning is part of what readers see first, so it leads the text."""
    if isinstance(spoiler, str) and spoiler.strip():
        return f"{spoiler.strip()}\n\n{text}" if text else spoiler.strip()
    return text


def _status_post(s: dict[str, Any], where: str, *, partial: bool, conversation_id: str | None) -> Post:
    post_id = as_str(s.get("id"))
    if not post_id:
        raise ValueError("status without an id")
    account = s["account"]
    reblog = s.get("reblog")
    reposted = as_str(reblog.get("id")) if isinstance(reblog, dict) else None
    quote = s.get("quote")
    quoted = None
    if isinstance(quote, dict):
        inner = quote.get("quoted_status")
        quoted = as_str(inner.get("id")) if isinstance(inner, dict) else as_str(quote.get("quoted_status_id"))
    reply_to = as_str(s.get("in_reply_to_id"))
    reply_account = as_str(s.get("in_reply_to_account_id"))
    mentions = [(as_str(m.get("id")), m["acct"]) for m in s.get("mentions") or []
                if isinstance(m, dict) and m.get("acct")]
    reply_handle = next((handle for mid, handle in mentions if mid == reply_account), None)
    if reply_account and reply_handle is None and reply_account == as_str(account.get("id")):
        reply_handle = account.get("acct")
    kind = post_kind(reposted=reposted, reply_to=reply_to, quoted=quoted)
    content = s.get("content")
    if content is not None and not isinstance(content, str):
        raise TypeError(f"content is {type(content).__name__}, not text")
    text = html_to_text(content) or None
    if reposted:
        text = None  # the wrapper has no text of its own; the boosted status carries it
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        location=where,
        author_id=as_str(account.get("id")),
        author_handle=account.get("acct") or account.get("username"),
        author_name=account.get("display_name") or None,
        created_at=parse_time(s.get("created_at")),
        text=_with_warning(s.get("spoiler_text"), text),
        language=s.get("language") or None,
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_account_id=reply_account,
        reply_to_handle=reply_handle,
        conversation_id=conversation_id or (post_id if not reply_to and not reposted else None),
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        like_count=as_int(s.get("favourites_count")),
        reply_count=as_int(s.get("replies_count")),
        repost_count=as_int(s.get("reblogs_count")),
        quote_count=as_int(s.get("quotes_count")),
        author_followers=as_int(account.get("followers_count")),
        url=s.get("url") or s.get("uri"),
        is_partial=partial,
        mentions=mentions,
    )


def _local_id(uri: Any, actor_host: str | None) -> str | None:
    """The archive owner's own statuses get their numeric local id (the id the REST API uses on
    their instance, so the two sources merge); anything on another server keeps its URI."""
    if not isinstance(uri, str) or not uri:
        return None
    match = STATUS_PATH_RE.match(uri)
    if match and actor_host and match.group(1).split("://", 1)[1] == actor_host:
        return match.group(2)
    return uri


def _activity(activity: Any, where: str) -> Post | Notice | Reject:
    if not isinstance(activity, dict):
        return Reject(where, f"activity is {shape(activity)}", raw_json(activity))
    kind = activity.get("type")
    actor = activity.get("actor")
    actor_match = ACTOR_RE.match(actor) if isinstance(actor, str) else None
    host = actor_match.group(1) if actor_match else None
    handle = actor_match.group(2) if actor_match else None
    if kind == "Announce":
        post_id = _local_id(activity.get("id"), host)
        if not post_id:
            return Reject(where, "Announce without an id", raw_json(activity))
        target = activity.get("object")
        target = target.get("id") if isinstance(target, dict) else target
        return Post(PLATFORM, post_id, where, author_id=actor, author_handle=handle,
                    created_at=parse_time(activity.get("published")), kind="repost",
                    reposted_post_id=_local_id(target, host), url=as_str(activity.get("id")))
    if kind != "Create":
        return Notice(PLATFORM, f"activity_{str(kind or 'unknown').lower()}", where,
                      detail={"type": kind, "id": activity.get("id")})
    note = activity.get("object")
    if not isinstance(note, dict):
        return Reject(where, f"Create activity whose object is {shape(note)}", raw_json(activity))
    post_id = _local_id(note.get("id"), host)
    if not post_id:
        return Reject(where, "Note without an id", raw_json(activity))
    content_map = note.get("contentMap") if isinstance(note.get("contentMap"), dict) else {}
    content = note.get("content") or next(iter(content_map.values()), None)
    reply_to = _local_id(note.get("inReplyTo"), host)
    mentions = [(None, str(t["name"]).lstrip("@")) for t in note.get("tag") or []
                if isinstance(t, dict) and t.get("type") == "Mention" and t.get("name")]
    quoted = _local_id(note.get("quoteUrl") or note.get("quoteUri") or note.get("_misskey_quote"), host)
    kind = post_kind(reply_to=reply_to, quoted=quoted)
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        location=where,
        author_id=note.get("attributedTo") or actor,
        author_handle=handle,
        created_at=parse_time(note.get("published") or activity.get("published")),
        text=_with_warning(note.get("summary"), html_to_text(content) or None),
        language=next(iter(content_map), None),
        kind=kind,
        reply_to_post_id=reply_to,
        conversation_id=as_str(note.get("conversation")) or (post_id if not reply_to else None),
        quoted_post_id=quoted,
        url=note.get("url") if isinstance(note.get("url"), str) else as_str(note.get("id")),
        mentions=mentions,
    )
