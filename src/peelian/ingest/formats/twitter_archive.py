"""The X/Twitter personal archive ("Download your archive"): `tweets.js` (`tweet.js` in older
archives, `tweets-part1.js`... in large ones), `deleted-tweets.js`, `community-tweet.js`,
`note-tweet.js`, and `manifest.js`.

Each data file is `window.YTD.<name>.partN = [...]`; the JavaScript prefix is cut off, never
evaluated. Records are v1.1-like statuses, wrapped as `{"tweet": {...}}` (unwrapped in the
earliest archives), with every number written as a string. They carry no author: the archive
owner is taken from `manifest.js` next to the file (the same name prefix, as in
`x__tweets.js` / `x__manifest.js`), or from the options `account_id` / `handle`.

What becomes what: tweets and community tweets are posts. Deleted tweets become one `delete`
notice each (post id, owner, times; no text): the owner removed them, and the other Twitter
importers record deletions the same way. Earlier versions of an edited tweet whose latest
version is in the same file become `edit_version` notices. `manifest.js` imported on its own is
one `archive_manifest` notice (it holds no posts). A long post's full text is in
`note-tweet.js`, which has no tweet id: when it sits next to `tweets.js` its texts replace the
truncated ones of tweets posted in the same second that start the same way; imported on its
own, each note is a `note_tweet` notice. Other archive files (likes, followers, account...)
are quarantined with a reason, without their content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from peelian.errors import FormatError
from peelian.ingest.base import (
    Importer,
    Sample,
    as_int,
    as_str,
    iter_json_values,
    load_json_document,
    parse_time,
    post_kind,
    raw_json,
)
from peelian.ingest.formats.twitter_v1 import (
    INVALID,
    PLATFORM,
    lenient_id,
    mentions_of,
    status_url,
    text_field,
    tweet_id,
    unescape,
)
from peelian.ingest.records import Notice, Post, Record, Reject

YTD_HEAD = re.compile(r"\s*window\.YTD\.([A-Za-z0-9_]+)\.part\d+\s*=")
MANIFEST_HEAD = re.compile(r"\s*window\.__THAR_CONFIG\s*=")
POST_SETS = {"tweets", "tweet", "community_tweet"}
DATASETS = POST_SETS | {"deleted_tweets", "note_tweet"}
OTHER_DATASETS = {  # what the archive's commonest other files hold, for the message that turns them away
    "tweet_headers": "only the ids and times of the account's tweets",
    "like": "the tweets the account liked, by id",
    "follower": "the accounts that follow it", "following": "the accounts it follows",
    "account": "the account's settings", "profile": "the account's profile",
    "direct_messages": "direct messages", "direct_messages_group": "group direct messages",
    "block": "blocked accounts", "mute": "muted accounts",
}
# The archive file name after an optional prefix (`milahu__tweets.js`) and before `-partN`.
FILE_NAME = re.compile(r"^(.*?)(deleted-tweets|community-tweet|note-tweet|tweets|tweet|manifest)(-part\d+)?\.js$")
STATUS_LINK = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:[A-Za-z0-9_]{1,15}|i|i/web)"
                         r"/status(?:es)?/(\d+)")
LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
NOT_COMPARED = re.compile(r"https://t\.co/\S+|…")
MATCH_CHARS = 40
MANIFEST_COUNTS = ("tweets", "deletedTweets", "communityTweet", "noteTweet")


@dataclass(frozen=True)
class Owner:
    account_id: str | None
    handle: str | None
    name: str | None


class TwitterArchiveImporter(Importer):
    format = "twitter-archive"
    platform = PLATFORM
    description = ("X/Twitter personal archive: tweets.js / tweet.js, deleted-tweets.js, community-tweet.js, "
                   "note-tweet.js")
    extensions = (".js",)

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        text = sample.text[:300]
        if (match := YTD_HEAD.match(text)) and match.group(1) in DATASETS:
            return 0.95
        return 0.0  # manifest.js and the archive's other files hold no posts (`holds_no_posts`)

    @classmethod
    def holds_no_posts(cls, sample: Sample) -> str | None:
        text = sample.text[:300]
        if MANIFEST_HEAD.match(text):
            return ("an X archive's manifest.js: it describes the archive and holds no posts; import "
                    "data/tweets.js (tweet.js in older archives) and data/deleted-tweets.js, which take "
                    "their author from this manifest beside them, or the whole data/ folder")
        if (match := YTD_HEAD.match(text)) and match.group(1) not in DATASETS:
            dataset = match.group(1)
            what = OTHER_DATASETS.get(dataset, "no posts")
            return (f"this X archive file holds `{dataset}` data, not posts ({what}); import data/tweets.js "
                    "(tweet.js in older archives), deleted-tweets.js and community-tweet.js from the same "
                    "archive, or the whole data/ folder")
        return None

    def read(self, path: Path) -> Iterator[Record]:
        with open(path, "rb") as fh:
            head = fh.read(300).decode("utf-8-sig", errors="replace")
        if MANIFEST_HEAD.match(head):
            yield _manifest_notice(load_json_document(path, strip_js_assignment=True))
            return
        match = YTD_HEAD.match(head)
        if match is None:
            raise FormatError("not an X archive data file: it does not start with `window.YTD.<name>.partN =`",
                              path=str(path), location="line 1")
        dataset = match.group(1)
        if dataset not in DATASETS:
            yield Reject("file", f"this archive file holds `{dataset}` data, not posts; Peelian reads tweets.js, "
                                 "tweet.js, deleted-tweets.js, community-tweet.js and note-tweet.js")
            return
        records: list[tuple[str, dict[str, Any]]] = []
        for item in iter_json_values(path, strip_js_assignment=True):
            if isinstance(item, Reject):
                yield item
            elif item[0] == "document":
                yield Reject("document", f"expected a list of records after `window.YTD.{dataset}.partN =`, "
                                         f"found {type(item[1]).__name__}")
            else:
                unwrapped = _unwrap(item[1], "noteTweet" if dataset == "note_tweet" else "tweet")
                if unwrapped is None:
                    yield Reject(item[0], f"not an archive {dataset} record ({_keys(item[1])})", raw_json(item[1]))
                else:
                    records.append((item[0], unwrapped))
        if dataset == "note_tweet":
            yield from (_note_notice(note, where) for where, note in records)
            return
        owner = self._owner(path)
        if dataset == "deleted_tweets":
            yield from (_deleted_notice(t, where, owner) for where, t in records)
        else:
            yield from self._posts(records, owner, _load_notes(path))

    def _posts(self, records: list[tuple[str, dict[str, Any]]], owner: Owner,
               notes: dict[datetime, list[str]]) -> Iterator[Record]:
        in_file = {t["id_str"] for _, t in records if isinstance(t.get("id_str"), str)}
        for where, t in records:
            versions = _edit_versions(t)
            if versions and t.get("id_str") in versions[:-1] and versions[-1] in in_file:
                yield Notice(PLATFORM, "edit_version", where, post_id=t["id_str"],
                             detail={"latest_version": versions[-1]})
                continue
            try:
                yield archive_post(t, where, owner, notes)
            except INVALID as exc:
                yield Reject(where, f"invalid tweet: {exc}", raw_json(t))

    def _owner(self, path: Path) -> Owner:
        """The account the archive belongs to: the options, else a manifest.js beside the file."""
        if self.options.get("account_id") or self.options.get("handle"):
            return Owner(as_str(self.options.get("account_id")), self.options.get("handle"),
                         self.options.get("display_name"))
        for manifest in _siblings(path, "manifest.js"):
            try:
                user = load_json_document(manifest, strip_js_assignment=True).get("userInfo")
            except (FormatError, AttributeError):
                continue
            if isinstance(user, dict):
                return Owner(lenient_id(user.get("accountId")), _opt_text(user.get("userName")),
                             _opt_text(user.get("displayName")))
        return Owner(None, None, None)


def archive_post(t: dict[str, Any], where: str, owner: Owner, notes: dict[datetime, list[str]]) -> Post:
    """One archive tweet as a post. Raises ValueError/TypeError naming the field that is wrong."""
    post_id = _archive_id(t)
    text = unescape(text_field(t.get("full_text"), "full_text") or text_field(t.get("text"), "text"))
    created = parse_time(t.get("created_at"))
    if notes and text and created:
        text = _full_text(text, created, notes)
    reply_to = tweet_id(t.get("in_reply_to_status_id_str") or t.get("in_reply_to_status_id"),
                        "in_reply_to_status_id_str")
    entities = t.get("entities") if isinstance(t.get("entities"), dict) else {}
    quoted = _quoted_id(entities, post_id)
    # The archive keeps no retweeted_status: the "RT @user:" prefix is the only sign of a retweet.
    kind = post_kind(reposted=text and text.startswith("RT @"), reply_to=reply_to, quoted=quoted)
    counted = kind != "repost"
    return Post(
        platform=PLATFORM,
        post_id=post_id,
        location=where,
        author_id=owner.account_id,
        author_handle=owner.handle,
        author_name=owner.name,
        created_at=created,
        text=text,
        language=text_field(t.get("lang"), "lang"),
        kind=kind,
        reply_to_post_id=reply_to,
        reply_to_account_id=tweet_id(t.get("in_reply_to_user_id_str") or t.get("in_reply_to_user_id"),
                                     "in_reply_to_user_id_str"),
        reply_to_handle=text_field(t.get("in_reply_to_screen_name"), "in_reply_to_screen_name"),
        conversation_id=None if reply_to else post_id,
        quoted_post_id=quoted if kind != "repost" else None,
        like_count=as_int(t.get("favorite_count")) if counted else None,
        repost_count=as_int(t.get("retweet_count")) if counted else None,
        url=status_url(post_id),
        mentions=mentions_of(entities),
    )


def _archive_id(t: dict[str, Any]) -> str:
    """The tweet id: `id_str`, or `id`, which the archive writes as a string too."""
    post_id = tweet_id(t.get("id_str") or (t.get("id") if isinstance(t.get("id"), str) else None), "id_str")
    if post_id is None:
        raise ValueError("no id_str")
    return post_id


def _unwrap(record: Any, wrapper: str) -> dict[str, Any] | None:
    if not isinstance(record, dict):
        return None
    inner = record.get(wrapper)
    if isinstance(inner, dict):
        return inner
    if wrapper == "tweet" and ("id_str" in record or "full_text" in record):
        return record  # the earliest archives have no {"tweet": ...} wrapper
    return None


def _edit_versions(t: dict[str, Any]) -> list[str]:
    """The ids of every version of an edited tweet, oldest first (empty when never edited)."""
    edit_info = t.get("edit_info") if isinstance(t.get("edit_info"), dict) else {}
    edit = edit_info.get("edit") if isinstance(edit_info.get("edit"), dict) else {}
    initial = edit_info.get("initial") or edit.get("editControlInitial") or {}
    ids = initial.get("editTweetIds") if isinstance(initial, dict) else None
    if not isinstance(ids, list) or len(ids) < 2 or not all(isinstance(i, str) for i in ids):
        return []
    return ids


def _quoted_id(entities: dict[str, Any], post_id: str) -> str | None:
    """The last link to another tweet: the archive keeps a quote only as its URL."""
    quoted = None
    for url in entities.get("urls") or []:
        if isinstance(url, dict) and isinstance(url.get("expanded_url"), str):
            match = STATUS_LINK.match(url["expanded_url"])
            if match and match.group(1) != post_id:
                quoted = match.group(1)
    return quoted


def _siblings(path: Path, name: str) -> list[Path]:
    """Companion files of an archive file: same folder, same name prefix, or no prefix."""
    match = FILE_NAME.match(path.name)
    prefix = match.group(1) if match else ""
    candidates = [path.parent / (prefix + name)] + ([path.parent / name] if prefix else [])
    return [c for c in candidates if c != path and c.is_file()]


def _load_notes(path: Path) -> dict[datetime, list[str]]:
    """Full texts of long posts from a note-tweet.js beside the file, by creation second."""
    notes: dict[datetime, list[str]] = {}
    for candidate in _siblings(path, "note-tweet.js"):
        try:
            records = load_json_document(candidate, strip_js_assignment=True)
        except FormatError:
            continue
        for record in records if isinstance(records, list) else []:
            note = _unwrap(record, "noteTweet")
            core = note.get("core") if note else None
            try:
                created = parse_time(note.get("createdAt")) if note else None
            except ValueError:
                continue
            if created and isinstance(core, dict) and isinstance(core.get("text"), str):
                notes.setdefault(created.replace(microsecond=0), []).append(core["text"])
        break
    return notes


def _full_text(text: str, created: datetime, notes: dict[datetime, list[str]]) -> str:
    """The note text of a truncated long post: posted in the same second (±1) and starting the same way."""
    candidates = [n for delta in (0, -1, 1) for n in notes.get(created + timedelta(seconds=delta), [])]
    key = _comparable(text)[:MATCH_CHARS]
    if not candidates or (not key and len(candidates) > 1):
        return text
    for note in candidates:
        if len(note) > len(text) and _comparable(note).startswith(key):
            mentions = LEADING_MENTIONS.match(text)
            return mentions.group(0) + note if mentions and not note.startswith("@") else note
    return text


def _comparable(text: str) -> str:
    return " ".join(NOT_COMPARED.sub(" ", LEADING_MENTIONS.sub("", text)).split())


def _deleted_notice(t: dict[str, Any], where: str, owner: Owner) -> Notice | Reject:
    try:
        post_id = _archive_id(t)
        detail = {key: _iso(t.get(key)) for key in ("created_at", "deleted_at") if t.get(key)}
    except INVALID as exc:
        return Reject(where, f"invalid deleted tweet: {exc}", raw_json(t))
    return Notice(PLATFORM, "delete", where, post_id=post_id, account_id=owner.account_id, detail=detail or None)


def _note_notice(note: dict[str, Any], where: str) -> Notice:
    core = note.get("core") if isinstance(note.get("core"), dict) else {}
    text = core.get("text")
    return Notice(PLATFORM, "note_tweet", where, detail={
        "note_tweet_id": as_str(note.get("noteTweetId")) if isinstance(note.get("noteTweetId"), (str, int)) else None,
        "created_at": note.get("createdAt") if isinstance(note.get("createdAt"), str) else None,
        "chars": len(text) if isinstance(text, str) else None,
    })


def _manifest_notice(config: Any) -> Notice:
    config = config if isinstance(config, dict) else {}
    user = config.get("userInfo") if isinstance(config.get("userInfo"), dict) else {}
    data_types = config.get("dataTypes") if isinstance(config.get("dataTypes"), dict) else {}
    counts = {}
    for key in MANIFEST_COUNTS:
        files = (data_types.get(key) or {}).get("files") if isinstance(data_types.get(key), dict) else None
        try:
            counts[key] = sum(as_int(f.get("count")) or 0 for f in files or [] if isinstance(f, dict))
        except ValueError:
            counts[key] = None
    archive = config.get("archiveInfo") if isinstance(config.get("archiveInfo"), dict) else {}
    return Notice(PLATFORM, "archive_manifest", "document", account_id=lenient_id(user.get("accountId")), detail={
        "message": "manifest.js describes the archive and holds no posts: import tweets.js (or tweet.js) and "
                   "deleted-tweets.js from the same folder; they take their author from this manifest",
        "generation_date": archive.get("generationDate") if isinstance(archive.get("generationDate"), str) else None,
        "records": counts,
    })


def _iso(value: Any) -> str:
    parsed = parse_time(value)
    return parsed.isoformat() if parsed else ""


def _opt_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _keys(value: Any) -> str:
    if isinstance(value, dict):
        return "keys: " + (", ".join(list(value)[:6]) or "none")
    return f"found {type(value).__name__}"

