""""Download your information" archives of Facebook, Instagram (with Threads) and TikTok: the
`.zip` as downloaded, read as one import, or the JSON files of the unpacked folder.

Every member that holds the owner's posts or comments is read (others are left alone):

- Facebook `your_posts_N.json` / `your_posts__check_ins__photos_and_videos_N.json`
  (`[{timestamp, data: [{post}], title, attachments}]`) and `comments.json`
  (`{comments_v2: [{timestamp, data: [{comment: {timestamp, comment, author}}], title}]}`);
- Instagram `posts_N.json` (`[{media: [{uri, creation_timestamp, title}], title?, creation_timestamp?}]`),
  `post_comments_N.json` and `reels_comments.json` (`string_map_data` with `Comment`,
  `Media Owner`, `Time`);
- Threads `threads_and_replies.json` (`{text_post_app_text_posts: [...]}`, items as Instagram posts);
- TikTok `user_data_tiktok.json` (posts under `Post.Posts.VideoList` or, older, `Video.Videos.VideoList`;
  comments under `Comment.Comments.CommentsList` or `Activity.Comments.CommentsList`).

The archives carry no post ids (TikTok's posts aside, whose `Link` holds the video id): a post
or comment gets `dyi-` and the first 24 hex digits of the sha256 of platform, account, what it
is (post or comment), epoch time and text, so that importing the archive again, zipped or
unpacked, merges. The author of everything is the archive's owner: the option `account`,
else the archive's profile file (Facebook `profile_information.json`, Instagram
`personal_information.json`, TikTok's `Profile`); an archive that names none is refused,
asking for `--account`. Meta writes UTF-8 bytes as `\\u00XX` escapes: strings are repaired.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import orjson

from peelian.errors import FormatError, InputError
from peelian.ingest.base import Importer, Sample, as_int, as_str, iter_json_values, raw_json, shape
from peelian.ingest.records import Post, Record, Reject

ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBER_BYTES = 2 << 30  # a member larger than this (uncompressed) is quarantined unread
TIKTOK_VIDEO_RE = re.compile(r"/video/(\d+)")
PROFILE_URI_RE = re.compile(r"facebook\.com/(?!profile\.php)([A-Za-z0-9.]+)/?$")
ITEM_ERRORS: tuple[type[Exception], ...] = (TypeError, ValueError, OverflowError, OSError)


@dataclass(frozen=True, slots=True)
class Kind:
    """A member of an archive that holds posts or comments: its platform, how it is named, a key
    its content holds (to confirm detection) and the reader of its parsed document."""

    platform: str
    name: re.Pattern[str]
    markers: tuple[str, ...]
    reader: str


KINDS = (
    Kind("facebook", re.compile(r"^your_posts(?:__check_ins__photos_and_videos)?_\d+\.json$"), ('"timestamp"',),
         "_facebook_posts"),
    Kind("facebook", re.compile(r"^comments(?:_\d+)?\.json$"), ('"comments_v2"', '"comments"'), "_facebook_comments"),
    Kind("instagram", re.compile(r"^posts_\d+\.json$"), ('"creation_timestamp"',), "_instagram_posts"),
    Kind("instagram", re.compile(r"^(?:post_comments(?:_\d+)?|reels_comments)\.json$"), ('"string_map_data"',),
         "_instagram_comments"),
    Kind("threads", re.compile(r"^threads_and_replies\.json$"), ('"text_post_app_text_posts"',), "_threads"),
    Kind("tiktok", re.compile(r"^user_data(?:_tiktok)?\.json$"), ('"ProfileMap"', '"VideoList"', '"CommentsList"'),
         "_tiktok"),
)
# Keys whose presence alone names a kind, for a member renamed by the user.
MARKERS_ALONE = {'"text_post_app_text_posts"': 4, '"comments_v2"': 1, '"comments_reels_comments"': 3}
PROFILE_FILES = {  # where each platform's archive names its owner
    "facebook": re.compile(r"(?:^|/)profile_information\.json$"),
    "instagram": re.compile(r"(?:^|/)personal_information\.json$"),
}


def _kind(name: str, text: str) -> Kind | None:
    """The kind of a member or file, from its name confirmed by its content (or a key alone)."""
    base = PurePosixPath(name).name
    for kind in KINDS:
        if kind.name.match(base) and any(marker in text for marker in kind.markers):
            return kind
    for marker, index in MARKERS_ALONE.items():
        if marker in text:
            return KINDS[index]
    return None


def demojibake(text: str) -> str:
    """Meta's `\\u00XX` escapes of UTF-8 bytes back to the characters they encode; other text unchanged."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return demojibake(value)


def stable_id(platform: str, account: str, what: str, when: datetime | None, text: str | None) -> str:
    """The id of a record that has none: the same post in a later download gets the same id."""
    epoch = str(int(when.replace(tzinfo=UTC).timestamp())) if when else ""
    key = "\x1f".join((platform, account.lower().lstrip("@"), what, epoch, text or ""))
    return "dyi-" + hashlib.sha256(key.encode()).hexdigest()[:24]


def _epoch(value: Any) -> datetime | None:
    if value in (None, "", 0):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"a timestamp that is not a number: {value!r}")
    return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)


def _path(doc: Any, *keys: str) -> Any:
    """doc[k1][k2]... matching keys without regard to case; None where a key is missing."""
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = next((v for k, v in doc.items() if isinstance(k, str) and k.lower() == key.lower()), None)
    return doc


class DyiArchiveImporter(Importer):
    format = "dyi-archive"
    platform = "facebook, instagram, threads, tiktok"
    description = ('"Download your information" archives (Facebook, Instagram, Threads, TikTok): '
                   "the .zip or its JSON files")
    extensions = (".zip", ".json")

    @classmethod
    def sniff(cls, sample: Sample) -> float:
        if sample.head.startswith(ZIP_MAGIC):
            try:
                with zipfile.ZipFile(sample.path) as archive:
                    names = archive.namelist()
            except (zipfile.BadZipFile, OSError):
                return 0.0
            if any(k.name.match(PurePosixPath(n).name) for n in names for k in KINDS):
                return 0.95
            return 0.5 if any(re.search(r"(^|/)(your_facebook_activity|your_instagram_activity|"
                                        r"personal_information)/", n) for n in names) else 0.0
        return 0.9 if _kind(sample.path.name, sample.text) is not None else 0.0

    # ---- the owner -----------------------------------------------------------------------
    def check(self, path: Path) -> None:
        if self.options.get("account"):
            return
        missing = [p for p in self._platforms(path) if self._owner(path, p) is None]
        if missing:
            raise InputError(f"the archive does not name its account ({', '.join(missing)}): give it with "
                             "--account HANDLE", path=str(path))

    def _platforms(self, path: Path) -> list[str]:
        if _is_zip(path):
            with zipfile.ZipFile(path) as archive:
                kinds = {k.platform for n in archive.namelist() for k in KINDS if k.name.match(PurePosixPath(n).name)}
            return sorted({"instagram" if k == "threads" else k for k in kinds})
        with open(path, "rb") as fh:
            kind = _kind(path.name, fh.read(1 << 20).decode("utf-8", errors="replace"))
        return [] if kind is None else ["instagram" if kind.platform == "threads" else kind.platform]

    def _owner(self, path: Path, platform: str) -> str | None:
        """The archive owner's handle on `platform` (Threads uses the Instagram handle)."""
        if account := as_str(self.options.get("account")):
            return account.lstrip("@")
        if platform == "threads":
            platform = "instagram"
        if platform == "tiktok":
            if not _is_zip(path):
                return _tiktok_owner(_load(path, path.name))
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if KINDS[5].name.match(PurePosixPath(name).name):
                        return _tiktok_owner(orjson.loads(archive.read(name)))
            return None
        pattern = PROFILE_FILES[platform]
        if _is_zip(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if pattern.search(name):
                        return _profile_owner(platform, orjson.loads(archive.read(name)))
            return None
        for folder in list(path.parents)[:5]:  # the unpacked archive: look for its profile file above the file
            for candidate in _profile_candidates(folder, platform):
                if candidate.is_file():
                    return _profile_owner(platform, _load(candidate, candidate.name))
        return None

    # ---- reading -------------------------------------------------------------------------
    def read(self, path: Path) -> Iterator[Record]:
        if not _is_zip(path):
            with open(path, "rb") as fh:
                kind = _kind(path.name, fh.read(1 << 20).decode("utf-8", errors="replace"))
            if kind is None:
                raise FormatError("not a file of a Download-your-information archive that holds posts or comments",
                                  path=str(path))
            yield from self._member(path, kind, "", self._owner_or_fail(path, kind.platform))
            return
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise FormatError(f"not a readable zip archive: {exc}", path=str(path)) from exc
        with archive, tempfile.TemporaryDirectory(prefix="peelian-dyi-") as tmp:
            members = [(info, kind) for info in sorted(archive.infolist(), key=lambda i: i.filename)
                       if not info.is_dir() and (kind := self._zip_kind(archive, info)) is not None]
            if not members:
                html = any(n.endswith(".html") for n in archive.namelist())
                raise FormatError("the archive holds no JSON file of posts or comments" + (
                    "; it was downloaded in HTML: request it again choosing the JSON format" if html else ""),
                    path=str(path))
            owners: dict[str, str] = {}
            for info, kind in members:
                where = f"{path.name}!{info.filename}"
                if info.file_size > MAX_MEMBER_BYTES:
                    yield Reject(where, f"a file of {info.file_size:,} bytes, larger than the "
                                        f"{MAX_MEMBER_BYTES:,}-byte limit; it was not read")
                    continue
                target = Path(tmp) / "member.json"
                try:
                    with archive.open(info) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst, 1 << 20)
                except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
                    yield Reject(where, f"cannot be extracted from the archive: {exc}")
                    continue
                if kind.platform not in owners:
                    owners[kind.platform] = self._owner_or_fail(path, kind.platform)
                yield from self._member(target, kind, where + " ", owners[kind.platform])

    @staticmethod
    def _zip_kind(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Kind | None:
        base = PurePosixPath(info.filename).name
        if not any(k.name.match(base) for k in KINDS):
            return None
        with archive.open(info) as fh:
            head = fh.read(1 << 20).decode("utf-8", errors="replace")
        return _kind(info.filename, head)

    def _owner_or_fail(self, path: Path, platform: str) -> str:
        owner = self._owner(path, platform)
        if owner is None:
            raise FormatError(f"the archive does not name its {platform} account: give it with --account HANDLE",
                              path=str(path))
        return owner

    def _member(self, path: Path, kind: Kind, prefix: str, owner: str) -> Iterator[Record]:
        reader: Callable[[Any, str, str], Iterator[Record]] = getattr(self, kind.reader)
        for item in iter_json_values(path, whole_documents=True):
            if isinstance(item, Reject):
                yield Reject(f"{prefix}{item.location}".strip(), item.reason, item.raw)
            else:
                yield from reader(item[1], f"{prefix}".strip(), owner)

    # ---- the platforms' shapes -------------------------------------------------------------
    def _items(self, doc: Any, where: str, *keys: str) -> Iterator[tuple[str, Any] | Reject]:
        """The items of the document's list (the document itself, or the first of `keys` present)."""
        items = doc if isinstance(doc, list) else next(
            (doc[k] for k in keys if isinstance(doc, dict) and isinstance(doc.get(k), list)), None)
        if items is None:
            yield Reject(where or "document", f"expected a list{' under ' + ' or '.join(keys) if keys else ''} "
                                              f"(found {shape(doc)})", raw_json(doc))
            return
        for number, item in enumerate(items, start=1):
            yield f"{where} item {number}".strip(), item

    def _post(self, platform: str, owner: str, what: str, where: str, when: datetime | None, text: str | None,
              **extra: Any) -> Post:
        post_id = extra.pop("post_id", None) or stable_id(platform, owner, what, when, text)
        return Post(platform=platform, post_id=post_id, location=where, author_handle=owner, created_at=when,
                    text=text, kind="reply" if what == "comment" else "original",
                    conversation_id=post_id if what == "post" else None, **extra)

    def _facebook_posts(self, doc: Any, where: str, owner: str) -> Iterator[Record]:
        def post(at: str, p: Any) -> Post:
            if not isinstance(p, dict):
                raise TypeError(f"found {shape(p)}")
            data = p.get("data") if isinstance(p.get("data"), list) else []
            text = next((_str(d["post"]) for d in data if isinstance(d, dict) and d.get("post")), None)
            return self._post("facebook", owner, "post", at, _epoch(p.get("timestamp")), text)

        yield from _each(self._items(doc, where, "status_updates_v2"), "Facebook post", post)

    def _facebook_comments(self, doc: Any, where: str, owner: str) -> Iterator[Record]:
        def comment(at: str, c: Any) -> Post:
            if not isinstance(c, dict):
                raise TypeError(f"found {shape(c)}")
            data = c.get("data") if isinstance(c.get("data"), list) else []
            found = next((d["comment"] for d in data if isinstance(d, dict) and isinstance(d.get("comment"), dict)),
                         {})
            when = _epoch(found.get("timestamp") or c.get("timestamp"))
            return self._post("facebook", owner, "comment", at, when, _str(found.get("comment")))

        yield from _each(self._items(doc, where, "comments_v2", "comments"), "Facebook comment", comment)

    def _media_posts(self, platform: str, items: Iterator[tuple[str, Any] | Reject], owner: str) -> Iterator[Record]:
        def post(at: str, p: Any) -> Post:
            if not isinstance(p, dict):
                raise TypeError(f"found {shape(p)}")
            media = p.get("media") if isinstance(p.get("media"), list) else []
            first = media[0] if media and isinstance(media[0], dict) else {}
            text = _str(p.get("title")) or _str(first.get("title"))
            when = _epoch(p.get("creation_timestamp") or first.get("creation_timestamp"))
            return self._post(platform, owner, "post", at, when, text)

        yield from _each(items, f"{platform.title()} post", post)

    def _instagram_posts(self, doc: Any, where: str, owner: str) -> Iterator[Record]:
        yield from self._media_posts("instagram", self._items(doc, where, "ig_posts"), owner)

    def _threads(self, doc: Any, where: str, owner: str) -> Iterator[Record]:
        yield from self._media_posts("threads", self._items(doc, where, "text_post_app_text_posts"), owner)

    def _instagram_comments(self, doc: Any, where: str, owner: str) -> Iterator[Record]:
        def comment(at: str, c: Any) -> Post:
            fields = c.get("string_map_data") if isinstance(c, dict) else None
            if not isinstance(fields, dict):
                raise TypeError(f"no string_map_data (found {shape(c)})")
            text = _str(_path(fields, "Comment", "value"))
            when = _epoch(_path(fields, "Time", "timestamp"))
            media_owner = _str(_path(fields, "Media Owner", "value"))
            return self._post("instagram", owner, "comment", at, when, text, reply_to_handle=media_owner)

        items = self._items(doc, where, "comments_reels_comments", "comments_media_comments")
        yield from _each(items, "Instagram comment", comment)

    def _tiktok(self, doc: Any, where: str, owner: str) -> Iterator[Record]:
        videos = _path(doc, "Post", "Posts", "VideoList") or _path(doc, "Video", "Videos", "VideoList")
        comments = _path(doc, "Comment", "Comments", "CommentsList") or _path(doc, "Activity", "Comments",
                                                                               "CommentsList")
        def post(at: str, v: Any) -> Post:
            link = as_str(v.get("Link")) if isinstance(v, dict) else None
            if link is None and not isinstance(v, dict):
                raise TypeError(f"found {shape(v)}")
            found = TIKTOK_VIDEO_RE.search(link or "")
            text = as_str(v.get("Title")) or as_str(v.get("Description"))
            when = _tiktok_time(v.get("Date"))
            return self._post("tiktok", owner, "post", at, when, text, post_id=found.group(1) if found else None,
                              like_count=as_int(v.get("Likes")), url=link)

        def comment(at: str, c: Any) -> Post:
            if not isinstance(c, dict):
                raise TypeError(f"found {shape(c)}")
            video = TIKTOK_VIDEO_RE.search(as_str(c.get("Url")) or "")
            return self._post("tiktok", owner, "comment", at, _tiktok_time(c.get("Date")), as_str(c.get("Comment")),
                              reply_to_post_id=video.group(1) if video else None)

        tiktok_errors = (TypeError, ValueError, AttributeError)
        yield from _each(_numbered(videos, f"{where} Post.Posts.VideoList"), "TikTok post", post, tiktok_errors)
        yield from _each(_numbered(comments, f"{where} Comment.Comments.CommentsList"), "TikTok comment", comment,
                         tiktok_errors)


def _each(items: Iterable[tuple[str, Any] | Reject], what: str, build: Callable[[str, Any], Record],
          errors: tuple[type[Exception], ...] = ITEM_ERRORS) -> Iterator[Record]:
    """The record `build(where, item)` makes of each item; an item it cannot read becomes a Reject
    naming what it should have been, so one bad item never stops the rest of the member."""
    for item in items:
        if isinstance(item, Reject):
            yield item
            continue
        at, value = item
        try:
            yield build(at, value)
        except errors as exc:
            yield Reject(at, f"invalid {what}: {exc}", raw_json(value))


def _numbered(items: Any, where: str) -> Iterator[tuple[str, Any]]:
    """(`<where> item N`, item) for each item of a list; nothing when it is not one."""
    for number, item in enumerate(items if isinstance(items, list) else [], start=1):
        yield f"{where} item {number}".strip(), item


def _tiktok_time(value: Any) -> datetime | None:
    """TikTok's `Date` ("2023-05-01 10:00:00", UTC)."""
    if value in (None, ""):
        return None
    return datetime.strptime(str(value).strip(), "%Y-%m-%d %H:%M:%S")


def _tiktok_owner(doc: Any) -> str | None:
    name = _path(doc, "Profile", "Profile Information", "ProfileMap", "userName") or _path(
        doc, "Profile", "Profile Info", "ProfileMap", "userName")
    return as_str(name)


def _profile_owner(platform: str, doc: Any) -> str | None:
    """The handle in a Facebook `profile_information.json` or an Instagram `personal_information.json`."""
    if platform == "facebook":
        profile = _path(doc, "profile_v2") or _path(doc, "profile")
        username = as_str(_path(profile, "username"))
        if username:
            return username
        match = PROFILE_URI_RE.search(as_str(_path(profile, "profile_uri")) or "")
        return match.group(1) if match else None
    users = _path(doc, "profile_user")
    first = users[0] if isinstance(users, list) and users else None
    return as_str(_path(first, "string_map_data", "Username", "value"))


def _profile_candidates(folder: Path, platform: str) -> list[Path]:
    if platform == "facebook":
        return [folder / "personal_information" / "profile_information" / "profile_information.json",
                folder / "profile_information" / "profile_information.json"]
    return [folder / "personal_information" / "personal_information" / "personal_information.json",
            folder / "personal_information" / "personal_information.json",
            folder / "account_information" / "personal_information.json"]


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == ZIP_MAGIC


def _load(path: Path, name: str) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise FormatError(f"not valid JSON: {exc}", path=name) from exc
