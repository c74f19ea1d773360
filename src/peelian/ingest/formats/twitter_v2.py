"""X/Twitter API v2: raw response pages (`data`/`includes`/`meta`/`errors`), twarc2 JSONL
(one page per line, streaming messages with an object `data`), twarc's flattened form
(one tweet per line with expansions inlined), compliance output (batch jobs and the compliance
stream), and single API responses, as NDJSON or as one (pretty-printed) document.

Expanded tweets in `includes.tweets` are stored as partial posts (they are often the
parents of replies); earlier versions of edited tweets become `edit_version` notices;
entries of `errors[]` become notices (`not_found`, `forbidden`, ...), as do compliance events
and withheld tweets that arrive without their text. twarc's flattened form writes `{}` for a
missing expansion: it is read as absent. A retweet's metrics are the original's (or zero), so
a repost is stored without metrics.

academictwitteR (`get_all_tweets(..., data_path=)`) writes each page as two files: `data_<id>.json`,
a bare array of the page's tweets, and `users_<id>.json`, the page's `includes`
(`{"users": [...], "tweets": [...]}`, R writing an empty list as `{}`). A `data_` file takes
its authors from the `users_` file of the same id next to it, so the pair imports alike whether
named together, in either order, or as their folder; without it the tweets are stored with
their author ids only and one `authors_unresolved` notice says which file was missing. A
`users_` file on its own gives its users as accounts and its tweets as partial posts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from peelian.errors import FormatError
from peelian.ingest.base import (
    BulkSink,
    JsonImporter,
    Sample,
    as_int,
    as_str,
    load_json_document,
    parse_time,
    raw_json,
)
from peelian.ingest.formats.twitter_v1 import text_field
from peelian.ingest.formats.twitter_v2_bulk import stage_pages
from peelian.ingest.records import Account, Notice, Post, Record, Reject
from peelian.store.privacy import normalise_handle

PLATFORM = "twitter"
INVALID = (ValueError, TypeError, AttributeError, KeyError)
# Events of the v2 compliance streams (`{"data": {"<event>": {...}}}`); each becomes a notice of that type.
COMPLIANCE_EVENTS = {
    "delete", "withheld", "scrub_geo", "drop", "undrop", "tweet_edit", "user_delete", "user_undelete",
    "user_withheld", "user_suspend", "user_unsuspend", "user_protect", "user_unprotect",
    "user_profile_modification",
}


ACADEMIC_DATA = re.compile(r"^(.*)data_(\d+)\.json$")
ACADEMIC_USERS = re.compile(r"^(.*)users_(\d+)\.json$")
INCLUDES_KEYS = {"users", "tweets", "media", "places", "polls"}


def _is_includes_file(obj: Any) -> bool:
    """An academictwitteR `users_<id>.json`: a page's `includes` alone, with users in it."""
    if not isinstance(obj, dict) or not obj.keys() or not obj.keys() <= INCLUDES_KEYS:
        return False
    users = obj.get("users")
    return isinstance(users, list) and any(isinstance(u, dict) and "username" in u and "id" in u for u in users[:3])


def _is_tweet(obj: Any) -> bool:
    return isinstance(obj, dict) and "id" in obj and ("text" in obj or "edit_history_tweet_ids" in obj)


def _is_withheld_stub(obj: Any) -> bool:
    """A tweet withheld so completely that only its id and the withholding are sent."""
    return isinstance(obj, dict) and "id" in obj and isinstance(obj.get("withheld"), dict) and "text" not in obj


def _compliance_event(obj: Any) -> str | None:
    data = obj.get("data") if isinstance(obj, dict) else None
    if isinstance(data, dict) and len(data) == 1:
        event = next(iter(data))
        return event if event in COMPLIANCE_EVENTS else None
    return None


def _is_page(obj: Any) -> bool:
    """A response page, judged by its shape; each tweet in it is checked on its own when read."""
    if not isinstance(obj, dict):
        return False
    data = obj.get("data")
    if isinstance(data, list):
        return True
    return _is_tweet(data) or _is_withheld_stub(data)


def _looks_like_page(obj: Any) -> bool:
    """Stricter than `_is_page`, for detection: one of the first items must be a v2 tweet."""
    if not isinstance(obj, dict):
        return False
    data = obj.get("data")
    if isinstance(data, list):
        return any(_is_v2_tweet(t) for t in data[:3]) or (not data and ("includes" in obj or "meta" in obj))
    return _is_v2_tweet(data)


V2_TWEET_FIELDS = ("edit_history_tweet_ids", "author_id", "conversation_id", "public_metrics", "referenced_tweets")


def _is_v2_tweet(obj: Any) -> bool:
    """For detection: v1.1 statuses and other platforms' comments have an id and a text too."""
    return _is_tweet(obj) and "id_str" not in obj and any(k in obj for k in V2_TWEET_FIELDS)


class TwitterV2Importer(JsonImporter):
    format = "twitter-v2"
    platform = PLATFORM
    description = "X/Twitter API v2 responses, twarc2 JSONL (pages or flattened), compliance output"
    extensions = (".jsonl", ".json", ".ndjson")

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        obj = sample.first_json
        if obj is None:
            head = sample.text.lstrip()[:65536]
            if head[:1] in ("{", "[") and '"edit_history_tweet_ids"' in head and '"id_str"' not in head:
                return 0.6  # a document too large for the sniff window to parse
            if head[:2] == "[{" and '"author_id"' in head and '"conversation_id"' in head and '"id_str"' not in head:
                return 0.6  # a bare array of tweets (academictwitteR) too large to parse
            if head.startswith('{"users":[{') and '"username"' in head:
                return 0.6  # a large academictwitteR users_ file
            return 0.0
        if isinstance(obj, list) and any(_is_v2_tweet(t) for t in obj[:3]):
            return 0.9  # a bare array of tweets: academictwitteR's data_<id>.json
        if _is_includes_file(obj):
            return 0.9
        if obj == {} and ACADEMIC_USERS.match(sample.path.name):
            return 0.6  # an academictwitteR users_ file of a page that had no includes
        if _looks_like_page(obj):
            return 0.95 if ("__twarc" in obj or "includes" in obj or "meta" in obj) else 0.8
        if _is_v2_tweet(obj) and ("author" in obj or "__twarc" in obj or "public_metrics" in obj
                                  or "conversation_id" in obj or "edit_history_tweet_ids" in obj):
            return 0.9
        if _compliance_event(obj):
            return 0.8
        if isinstance(obj, dict) and obj.get("action") in {"delete", "scrub_geo", "withheld"} and "id" in obj:
            return 0.7
        if isinstance(obj, dict) and "errors" in obj and "data" not in obj and "title" in str(obj.get("errors"))[:200]:
            return 0.4
        return 0.0

    _users: dict[str, dict[str, Any]] = {}  # academictwitteR: the users of a data_ file's users_ file
    _included: list[Any] = []  # and its tweets
    _users_file = False  # reading an academictwitteR users_ file (where `{}` is an empty page's includes)
    _unresolved = 0  # tweets read without their author's user object

    @classmethod
    def holds_no_posts(cls, sample: Sample) -> str | None:
        obj = sample.first_json
        data = obj.get("data") if isinstance(obj, dict) else None
        if isinstance(data, dict):
            data = [data]
        if isinstance(data, list) and data and all(
                isinstance(u, dict) and "username" in u and "id" in u and "text" not in u for u in data[:3]):
            return ("an X/Twitter API v2 user lookup (users, followers or following): accounts, not posts; "
                    "import tweets instead: a search, a user's timeline or a twarc2 file")
        return None

    def stage_bulk(self, path: Path, sink: BulkSink) -> bool:
        return stage_pages(self, path, sink)

    def read(self, path: Path) -> Iterator[Record]:
        match = ACADEMIC_DATA.match(path.name)
        if match is None:
            self._users_file = ACADEMIC_USERS.match(path.name) is not None
            yield from super().read(path)
            return
        companion = path.with_name(f"{match.group(1)}users_{match.group(2)}.json")
        missing = None
        if companion.is_file():
            includes = load_json_document(companion)
            if includes != {} and not _is_includes_file(includes):
                raise FormatError(f"{companion.name}, next to it, is not an academictwitteR users_ file "
                                  "(expected {\"users\": [...], \"tweets\": [...]})", path=str(path))
            self._users = {u["id"]: u for u in _list(includes.get("users"))
                           if isinstance(u, dict) and isinstance(u.get("id"), str)}
            self._included = _list(includes.get("tweets"))
        else:
            missing = companion.name
        yield from super().read(path)
        for i, tweet in enumerate(self._included):
            yield self._tweet(tweet, f"{companion.name}, tweets[{i}]", self._users, partial=True)
        for i, user in enumerate(self._users.values()):
            yield from self._account(user, f"{companion.name}, users[{i}]")
        if missing and self._unresolved:
            yield Notice(PLATFORM, "authors_unresolved", "file", detail={
                "missing": missing, "tweets": self._unresolved,
                "message": f"an academictwitteR data_ file without {missing} next to it: its tweets are "
                           "stored with their author ids only (no handles, names or followers, and registry "
                           f"accounts known only by handle are not recognised); put {missing} beside it and "
                           "import again with --force"})

    def _account(self, user: Any, where: str) -> Iterator[Record]:
        try:
            yield Account(PLATFORM, user["id"], where, text_field(user.get("username"), "username"),
                          text_field(user.get("name"), "name"),
                          as_int((user.get("public_metrics") or {}).get("followers_count")))
        except INVALID as exc:
            yield Reject(where, f"invalid user: {exc}", raw_json(user))

    def _read_value(self, value: Any, where: str, depth: int = 0) -> Iterator[Record]:
        if _is_includes_file(value) or (value == {} and self._users_file):
            yield from self._read_includes(value, where)
        elif _is_page(value):
            yield from self._read_page(value, where)
        elif _is_tweet(value):
            yield from self._read_flat(value, where)
        elif event := _compliance_event(value):
            yield _event_notice(event, value["data"][event], where)
        elif _is_withheld_stub(value):
            yield _withheld_notice(value, where)
        elif isinstance(value, dict) and "action" in value and "id" in value:
            yield Notice(PLATFORM, str(value["action"])[:40], where, post_id=as_str(value["id"]),
                         detail={k: value[k] for k in ("created_at", "redacted_at", "reason") if k in value})
        elif isinstance(value, dict) and "errors" in value and "data" not in value:
            errors = value["errors"] if isinstance(value["errors"], list) else [value["errors"]]
            for i, error in enumerate(errors):
                yield _error_notice(error, f"{where}, errors[{i}]")
        elif isinstance(value, dict) and "title" in value and ("detail" in value or "type" in value):
            yield _error_notice(value, where)  # a whole request failed (problem+json)
        elif isinstance(value, list) and depth < 2:
            for i, item in enumerate(value):
                yield from self._read_value(item, f"{where}, item {i + 1}", depth + 1)
        else:
            keys = ", ".join(list(value)[:6]) if isinstance(value, dict) else type(value).__name__
            yield Reject(where, f"not an X/Twitter v2 tweet, page or compliance record (found: {keys})",
                         raw_json(value))

    def _read_includes(self, includes: dict[str, Any], where: str) -> Iterator[Record]:
        """An academictwitteR users_ file on its own: its users are accounts, its tweets partial posts."""
        users = {u["id"]: u for u in _list(includes.get("users"))
                 if isinstance(u, dict) and isinstance(u.get("id"), str)}
        for i, tweet in enumerate(_list(includes.get("tweets"))):
            yield self._tweet(tweet, f"{where}, tweets[{i}]", users, partial=True)
        for i, user in enumerate(_list(includes.get("users"))):
            yield from self._account(user, f"{where}, users[{i}]")

    # ---- raw pages ---------------------------------------------------------------------------
    def _read_page(self, page: dict[str, Any], where: str) -> Iterator[Record]:
        includes = page.get("includes") if isinstance(page.get("includes"), dict) else {}
        users = {u["id"]: u for u in _list(includes.get("users"))
                 if isinstance(u, dict) and isinstance(u.get("id"), str)}
        included = _list(includes.get("tweets"))
        data = page["data"]
        tweets = data if isinstance(data, list) else [data]
        superseded = _superseded(tweets + included)
        for i, tweet in enumerate(tweets):
            yield self._tweet(tweet, f"{where}, data[{i}]" if isinstance(data, list) else f"{where}, data",
                              users, partial=False)
        for i, tweet in enumerate(included):
            loc = f"{where}, includes.tweets[{i}]"
            if isinstance(tweet, dict) and isinstance(tweet.get("id"), str) and tweet["id"] in superseded:
                yield Notice(PLATFORM, "edit_version", loc, post_id=tweet["id"],
                             detail={"latest_version": superseded[tweet["id"]]})
            else:
                yield self._tweet(tweet, loc, users, partial=True)
        for i, user in enumerate(users.values()):
            yield from self._account(user, f"{where}, includes.users[{i}]")
        for i, error in enumerate(_list(page.get("errors"))):
            yield _error_notice(error, f"{where}, errors[{i}]")

    def _tweet(self, t: Any, loc: str, users: dict[str, dict[str, Any]], *, partial: bool) -> Record:
        if _is_withheld_stub(t):
            return _withheld_notice(t, loc)
        if not _is_tweet(t):
            return Reject(loc, "tweet without an id or text", raw_json(t))
        try:
            author = users.get(t.get("author_id")) or {}
            reply_user = users.get(t.get("in_reply_to_user_id")) or {}
            return _post(t, loc, author, reply_user, partial=partial)
        except INVALID as exc:
            return Reject(loc, f"invalid tweet: {exc}", raw_json(t))

    # ---- flattened ---------------------------------------------------------------------------
    def _read_flat(self, t: dict[str, Any], where: str) -> Iterator[Record]:
        try:
            author = t.get("author") or self._users.get(t.get("author_id"))
            if not author and t.get("author_id"):
                self._unresolved += 1
            yield _post(t, where, author or {},
                        t.get("in_reply_to_user") or self._users.get(t.get("in_reply_to_user_id")) or {},
                        partial=False)
        except INVALID as exc:
            yield Reject(where, f"invalid tweet: {exc}", raw_json(t))
            return
        for i, ref in enumerate(_list(t.get("referenced_tweets"))):
            if isinstance(ref, dict) and _is_tweet(ref) and "text" in ref:
                try:
                    yield _post(ref, f"{where}, referenced_tweets[{i}]", ref.get("author") or {},
                                ref.get("in_reply_to_user") or {}, partial=True)
                except INVALID as exc:
                    yield Reject(f"{where}, referenced_tweets[{i}]", f"invalid tweet: {exc}", raw_json(ref))


def _superseded(tweets: list[Any]) -> dict[str, str]:
    """Earlier version id → latest version id, from the edit histories (oldest first) on the page."""
    superseded = {}
    for t in tweets:
        history = t.get("edit_history_tweet_ids") if isinstance(t, dict) else None
        if isinstance(history, list) and len(history) > 1 and isinstance(history[-1], str):
            superseded.update((old, history[-1]) for old in history[:-1] if isinstance(old, str))
    return superseded


def _id(value: Any, field: str) -> str | None:
    """An id as a string of digits; None when absent or a `{}` placeholder."""
    if value.__class__ is str and value.isdigit():
        return value  # the common case, first: this runs several times per tweet
    text = as_str(value)
    if text is not None and not text.isdigit():
        raise ValueError(f"{field} {text[:60]!r} is not numeric")
    return text


def _count(value: Any) -> int | None:
    """`as_int`, with the common case (a JSON integer) first: this runs six times per tweet."""
    return value if value.__class__ is int else as_int(value)


def _time(value: Any) -> datetime | None:
    """`parse_time`, with the v2 form first: "2021-05-18T19:24:56.000Z" is always UTC, so it is
    read as naive UTC directly instead of through an aware datetime."""
    if value.__class__ is str and len(value) == 24 and value[10] == "T" and value[23] == "Z":
        try:
            return datetime.fromisoformat(value[:23])
        except ValueError:
            pass
    return parse_time(value)


def _list(value: Any) -> list[Any]:
    """A JSON list, with `{}` or null (R and twarc placeholders) read as empty."""
    return value if isinstance(value, list) else []


def _post(t: dict[str, Any], loc: str, author: dict[str, Any], reply_user: dict[str, Any], *, partial: bool) -> Post:
    post_id = _id(t["id"], "tweet id")
    if not post_id:
        raise ValueError("tweet id is empty")
    kind, reply_to, quoted, reposted = "original", None, None, None
    for ref in _list(t.get("referenced_tweets")):
        ref_type, ref_id = ref.get("type"), _id(ref.get("id"), "referenced tweet id")
        if ref_type == "replied_to":
            reply_to = ref_id
        elif ref_type == "quoted":
            quoted = ref_id
        elif ref_type == "retweeted":
            reposted = ref_id
    # `post_kind`, `unescape` and `status_url`, written out: calling them adds ~1.5% per tweet here.
    if reposted:
        kind = "repost"
    elif reply_to:
        kind = "reply"
    elif quoted:
        kind = "quote"
    note = t.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) and note.get("text") else t.get("text")
    text = text_field(text, "text")
    # A retweet reports the original's retweet_count and zero for the rest: none of it is the repost's own.
    metrics = (t.get("public_metrics") or {}) if kind != "repost" else {}
    author_id = _id(t.get("author_id"), "author_id") or _id(author.get("id"), "author.id")
    mentions = [
        (as_str(m.get("id")), m["username"])
        for m in _list((t.get("entities") or {}).get("mentions"))
        if isinstance(m, dict) and isinstance(m.get("username"), str) and m["username"]
    ]
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        location=loc,
        author_id=author_id,
        author_handle=text_field(author.get("username"), "author.username"),
        author_name=text_field(author.get("name"), "author.name"),
        created_at=_time(t.get("created_at")),
        text=html.unescape(text) if text and "&" in text else text,
        language=text_field(t.get("lang"), "lang"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_account_id=_id(t.get("in_reply_to_user_id"), "in_reply_to_user_id"),
        reply_to_handle=text_field(reply_user.get("username"), "in_reply_to_user.username"),
        conversation_id=_id(t.get("conversation_id"), "conversation_id"),
        quoted_post_id=quoted,
        reposted_post_id=reposted,
        like_count=_count(metrics.get("like_count")),
        reply_count=_count(metrics.get("reply_count")),
        repost_count=_count(metrics.get("retweet_count")),
        quote_count=_count(metrics.get("quote_count")),
        view_count=_count(metrics.get("impression_count")),
        author_followers=_count((author.get("public_metrics") or {}).get("followers_count")),
        url=f"https://x.com/i/web/status/{post_id}",
        is_partial=partial,
        mentions=mentions,
    )


def _withheld_notice(t: dict[str, Any], loc: str) -> Notice:
    withheld = t["withheld"]
    return Notice(PLATFORM, "withheld", loc, post_id=as_str(t["id"]), detail={
        "country_codes": withheld.get("country_codes"), "copyright": withheld.get("copyright"),
        "scope": withheld.get("scope")})


def _event_notice(event: str, body: Any, loc: str) -> Notice:
    body = body if isinstance(body, dict) else {}
    tweet = body.get("tweet") if isinstance(body.get("tweet"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    detail = {k: body[k] for k in ("event_at", "withheld_in_countries", "initial_tweet_id", "edit_tweet_ids")
              if k in body}
    return Notice(PLATFORM, event, loc, post_id=as_str(tweet.get("id")),
                  account_id=as_str(tweet.get("author_id") or user.get("id")), detail=detail or None)


def _error_notice(error: Any, loc: str) -> Notice:
    if not isinstance(error, dict):
        return Notice(PLATFORM, "error", loc, detail={"value": str(error)[:200]})
    title = str(error.get("title") or error.get("type") or "error")
    notice_type = title.lower().replace(" error", "").replace(" ", "_")[:40]
    resource_type = error.get("resource_type")
    resource_id = as_str(error.get("resource_id") or error.get("value"))
    detail = {"title": title, "resource_type": resource_type, "parameter": error.get("parameter")}
    if resource_type == "tweet":
        detail["detail"] = error.get("detail")
        return Notice(PLATFORM, notice_type, loc, post_id=resource_id, detail=detail)
    # User errors name the account in the message; keep only the (pseudonymisable) account reference,
    # written as the pipeline writes an account known only by its handle.
    if resource_id and str(error.get("parameter") or "").endswith("username"):
        resource_id = "@" + normalise_handle(resource_id)
    return Notice(PLATFORM, notice_type, loc, account_id=resource_id, detail=detail)
