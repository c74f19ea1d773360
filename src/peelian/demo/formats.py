"""Write generated posts in real platform formats: twarc2 JSONL pages and Mastodon Status arrays.

The X writer produces what `twarc2 search` saves: one API response page per line with
`data`, `includes` (`users`, the referenced `tweets`), `meta`, `__twarc`, and `errors`
when a referenced tweet is gone. The Mastodon writer produces what the REST API returns:
bare JSON arrays of Status entities with HTML content. Both stream: a page is written as
soon as it is full, files rotate at a size limit, and nothing accumulates across pages.
The writers also add the deliberate mess of real collections when asked: duplicate tweets
across pages, and a truncated last line.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import orjson

from peelian.demo.simulate import Item
from peelian.demo.world import Actor, Clock, ForceSpec, _mix

PAGE_SIZE = 100
MASTODON_PAGE = 40
DUPLICATE_EVERY = 10  # pages (from the third); the page repeats the last tweet of the previous one
TWARC_VERSION = "2.14.0"
EXPANSIONS = ("author_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.author_id,"
              "entities.mentions.username,attachments.poll_ids,attachments.media_keys,geo.place_id,"
              "edit_history_tweet_ids")
TWEET_FIELDS = ("attachments,author_id,context_annotations,conversation_id,created_at,edit_controls,entities,geo,id,"
                "in_reply_to_user_id,lang,public_metrics,text,possibly_sensitive,referenced_tweets,reply_settings,"
                "source,withheld")
USER_FIELDS = ("created_at,description,entities,id,location,name,pinned_tweet_id,profile_image_url,protected,"
               "public_metrics,url,username,verified,verified_type,withheld")
ENTITY_RE = re.compile(r"(?<![\w@#/&])([@#])(\w+)|(https://[\w./-]*[\w/])")
BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def _token(n: int) -> str:
    x, out = _mix(n), []
    for _ in range(3):
        x = _mix(x)
        v = x
        for _ in range(12):
            v, r = divmod(v, 36)
            out.append(BASE36[r])
    return "".join(out)[:35]


class XStream:
    """One force's twarc2 JSONL output, rotating files every `tweets_per_file` data tweets."""

    def __init__(self, out_dir: Path, spec: ForceSpec, handles: list[str], clock: Clock, *, tweets_per_file: int,
                 duplicates: bool):
        self.out_dir, self.spec, self.clock = out_dir, spec, clock
        self.tweets_per_file = tweets_per_file
        self.duplicates = duplicates
        query = " OR ".join(f"from:{h} OR to:{h} OR @{h}" for h in handles)
        self.url = ("https://api.twitter.com/2/tweets/search/all?expansions=" + quote(EXPANSIONS, safe="")
                    + "&tweet.fields=" + quote(TWEET_FIELDS, safe="") + "&user.fields=" + quote(USER_FIELDS, safe="")
                    + "&max_results=100&query=" + quote(query, safe=""))
        self.slug = spec.short.lower()
        self.files: list[Path] = []
        self.fh: IO[bytes] | None = None
        self.in_file = 0
        self.pages = 0
        self.duplicates_written = 0
        self.first_line: bytes | None = None
        self.pending: dict[str, Any] | None = None
        self.last_item: Item | None = None

    # ---- JSON objects --------------------------------------------------------------------
    def user(self, actor: Actor, cache: dict[str, dict[str, Any]]) -> dict[str, Any]:
        found = cache.get(actor.x_id)
        if found is not None:
            return found
        user: dict[str, Any] = {
            "id": actor.x_id, "name": actor.name, "username": actor.handle, "created_at": actor.created_at,
            "description": actor.description, "protected": False,
            "profile_image_url": f"https://pbs.twimg.com/profile_images/{_mix(int(actor.x_id)) >> 4}/"
                                 f"{_mix(~int(actor.x_id)) & 0xFFFFFFFF:08x}_normal.jpg",
            "public_metrics": {"followers_count": actor.followers, "following_count": actor.following,
                               "tweet_count": actor.tweet_count, "listed_count": actor.followers // 90,
                               "like_count": actor.tweet_count // 3},
            "verified": actor.is_police, "verified_type": "government" if actor.is_police else "none",
        }
        if actor.location:
            user["location"] = actor.location
        if actor.is_police:
            user["url"] = "https://t.co/" + _token(int(actor.x_id))[:10]
            user["entities"] = {"url": {"urls": [{"start": 0, "end": 23, "url": user["url"],
                                                  "expanded_url": f"https://www.{actor.force.domain}",  # type: ignore[union-attr]
                                                  "display_url": actor.force.domain}]}}  # type: ignore[union-attr]
        cache[actor.x_id] = user
        return user

    def tweet(self, it: Item) -> dict[str, Any]:
        if it.js is not None:
            return it.js
        clock = self.clock
        if it.reposted is not None:
            original = self.tweet(it.reposted)
            text = f"RT @{it.reposted.author.handle}: {original['text']}"
            if len(text) > 140:
                text = text[:139] + "…"
            entities: dict[str, Any] = {"mentions": [{"start": 3, "end": 4 + len(it.reposted.author.handle),
                                                      "username": it.reposted.author.handle,
                                                      "id": it.reposted.author.x_id}]}
            metrics = {"retweet_count": it.reposted.reposts, "reply_count": 0, "like_count": 0, "quote_count": 0,
                       "bookmark_count": 0, "impression_count": 0}
        else:
            prefix = " ".join("@" + a.handle for a in it.prefix)
            text = f"{prefix} {it.body}" if prefix else it.body
            entities = self._entities(it, len(prefix) + 1 if prefix else 0)
            if "&" in text or "<" in text or ">" in text:
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            metrics = {"retweet_count": it.reposts, "reply_count": it.replies, "like_count": it.likes,
                       "quote_count": it.quotes, "bookmark_count": it.bookmarks, "impression_count": it.views}
        d: dict[str, Any] = {
            "edit_history_tweet_ids": [it.id],
            "id": it.id,
            "text": text,
            "author_id": it.author.x_id,
            "conversation_id": it.conversation_id,
            "created_at": clock.iso(it.t),
            "lang": "en",
            "possibly_sensitive": False,
            "reply_settings": "everyone",
            "edit_controls": {"edits_remaining": 5, "is_edit_eligible": it.kind == "original" and it.author.is_police,
                              "editable_until": clock.iso(it.t + 3600)},
            "public_metrics": metrics,
        }
        if entities:
            d["entities"] = entities
        if it.parent is not None:
            d["referenced_tweets"] = [{"type": "replied_to", "id": it.parent.id}]
            d["in_reply_to_user_id"] = it.parent.author.x_id
        elif it.missing_parent is not None:
            d["referenced_tweets"] = [{"type": "replied_to", "id": it.missing_parent[0]}]
            d["in_reply_to_user_id"] = it.missing_parent[1].x_id
        elif it.quoted is not None:
            d["referenced_tweets"] = [{"type": "quoted", "id": it.quoted.id}]
        elif it.reposted is not None:
            d["referenced_tweets"] = [{"type": "retweeted", "id": it.reposted.id}]
        it.js = d
        return d

    @staticmethod
    def _entities(it: Item, offset: int) -> dict[str, Any]:
        """Mentions of the reply prefix by position; hashtags, links and inline mentions by a scan of the body."""
        entities: dict[str, Any] = {}
        mentions = []
        pos = 0
        for actor in it.prefix:
            end = pos + 1 + len(actor.handle)
            mentions.append({"start": pos, "end": end, "username": actor.handle, "id": actor.x_id})
            pos = end + 1
        body = it.body
        if "@" in body or "#" in body or "https://" in body:
            inline = {a.handle: a for a in it.inline}
            links = dict(it.links)
            hashtags, urls = [], []
            for m in ENTITY_RE.finditer(body):
                sigil, word, link = m.group(1), m.group(2), m.group(3)
                start, end = m.start() + offset, m.end() + offset
                if link:
                    expanded = links.get(link, link)
                    display = expanded.removeprefix("https://").removeprefix("www.")
                    urls.append({"start": start, "end": end, "url": link, "expanded_url": expanded,
                                 "display_url": display if len(display) <= 26 else display[:25] + "…"})
                elif sigil == "@":
                    actor = inline.get(word)
                    if actor is not None:
                        mentions.append({"start": start, "end": end, "username": word, "id": actor.x_id})
                else:
                    hashtags.append({"start": start, "end": end, "tag": word})
            if hashtags:
                entities["hashtags"] = hashtags
            if urls:
                entities["urls"] = urls
        if mentions:
            entities["mentions"] = mentions
        return entities

    # ---- pages ----------------------------------------------------------------------------
    def write(self, items: list[Item]) -> None:
        """Write one block of posts as search pages, newest first."""
        items.sort(key=lambda it: it.t, reverse=True)
        users_cache: dict[str, dict[str, Any]] = {}
        for start in range(0, len(items), PAGE_SIZE):
            self._page(items[start:start + PAGE_SIZE], users_cache)

    def _page(self, chunk: list[Item], users_cache: dict[str, dict[str, Any]]) -> None:
        if self.duplicates and self.last_item is not None and self.pages % DUPLICATE_EVERY == 2:
            chunk = [self.last_item, *chunk]  # overlapping pagination: seen again at the top of the next page
            self.duplicates_written += 1
        self.last_item = chunk[-1]
        data = [self.tweet(it) for it in chunk]
        users: dict[str, dict[str, Any]] = {}
        included: dict[str, dict[str, Any]] = {}
        errors: list[dict[str, Any]] = []
        for it in chunk:
            for actor in (it.author, *it.prefix, *it.inline):
                if actor.x_id not in users:
                    users[actor.x_id] = self.user(actor, users_cache)
            ref = it.parent or it.quoted or it.reposted
            if ref is not None and ref.id not in included:
                included[ref.id] = self.tweet(ref)
                if ref.author.x_id not in users:
                    users[ref.author.x_id] = self.user(ref.author, users_cache)
            if it.missing_parent is not None:
                gone = it.missing_parent[0]
                errors.append({"value": gone, "detail": f"Could not find tweet with referenced_tweets.id: [{gone}].",
                               "title": "Not Found Error", "resource_type": "tweet",
                               "parameter": "referenced_tweets.id", "resource_id": gone,
                               "type": "https://api.twitter.com/2/problems/resource-not-found"})
        includes: dict[str, Any] = {"users": list(users.values())}
        if included:
            includes["tweets"] = list(included.values())
        page: dict[str, Any] = {
            "data": data,
            "includes": includes,
            "meta": {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"], "result_count": len(data)},
        }
        if errors:
            page["errors"] = errors
        retrieved = self.clock.iso(chunk[0].t + 2 * 86400 + self.pages % 3600)[:19] + "+00:00"
        page["__twarc"] = {"url": self.url, "version": TWARC_VERSION, "retrieved_at": retrieved}
        self._emit(page, len(data))

    def _emit(self, page: dict[str, Any], n: int) -> None:
        # Hold one page back so that the last page of a file can go without a next_token.
        if self.pending is not None:
            self.pending["meta"]["next_token"] = _token(self.pages)
            self._write_line(self.pending)
        if self.fh is None or self.in_file >= self.tweets_per_file:
            self._open()
        self.pending = page
        self.in_file += n
        self.pages += 1

    def _write_line(self, page: dict[str, Any]) -> None:
        line = orjson.dumps(page) + b"\n"
        assert self.fh is not None
        self.fh.write(line)
        if self.first_line is None:
            self.first_line = line

    def _open(self) -> None:
        if self.fh is not None:
            self.fh.close()
        path = self.out_dir / f"x-{self.slug}-{len(self.files) + 1:03d}.jsonl"
        self.fh = open(path, "wb")  # noqa: SIM115 (kept open across blocks, closed in close())
        self.files.append(path)
        self.in_file = 0
        self.first_line = None

    def close(self, *, truncate_last_line: bool = False) -> None:
        """Finish the stream; optionally end the last file with a re-fetched page cut off mid-line."""
        if self.pending is not None:
            self._write_line(self.pending)
            self.pending = None
        if self.fh is None:
            return
        if truncate_last_line and self.first_line is not None:
            self.fh.write(self.first_line[: len(self.first_line) // 2])
        self.fh.close()
        self.fh = None


class MastodonStream:
    """One force's Mastodon statuses: one JSON array per month, as a harvest of API pages saves them."""

    def __init__(self, out_dir: Path, spec: ForceSpec, clock: Clock):
        assert spec.mastodon_instance is not None
        self.out_dir, self.spec, self.clock = out_dir, spec, clock
        self.instance = spec.mastodon_instance
        self.files: list[Path] = []
        self.open: dict[str, IO[bytes]] = {}
        self.count: dict[str, int] = {}

    def account(self, actor: Actor, cache: dict[str, dict[str, Any]]) -> dict[str, Any]:
        assert actor.mastodon_id is not None and actor.mastodon_acct is not None
        found = cache.get(actor.mastodon_id)
        if found is not None:
            return found
        username = actor.mastodon_acct.split("@")[0]
        url = actor.mastodon_url or ""
        domain = url.split("/")[2]
        if actor.is_police:
            uri = f"https://{domain}/users/{username}"
            media = f"https://{domain}/system/accounts"
        else:
            uri = f"https://{domain}/users/{username}"
            media = f"https://{self.instance}/system/cache/accounts"
        path = "/".join(actor.mastodon_id[i:i + 3] for i in range(0, 18, 3))
        account = {
            "id": actor.mastodon_id, "username": username, "acct": actor.mastodon_acct,
            "display_name": actor.name, "locked": False, "bot": False, "discoverable": True, "indexable": True,
            "group": False, "created_at": actor.created_at[:10] + "T00:00:00.000Z",
            "note": f"<p>{html.escape(actor.description, quote=False)}</p>" if actor.description else "",
            "url": url, "uri": uri,
            "avatar": f"{media}/avatars/{path}/original/{_token(int(actor.mastodon_id))[:16]}.png",
            "avatar_static": f"{media}/avatars/{path}/original/{_token(int(actor.mastodon_id))[:16]}.png",
            "avatar_description": "",
            "header": f"https://{self.instance}/headers/original/missing.png",
            "header_static": f"https://{self.instance}/headers/original/missing.png",
            "header_description": "",
            "followers_count": actor.followers // 8 if actor.is_police else actor.followers // 3,
            "following_count": actor.following // 4, "statuses_count": actor.tweet_count // 10,
            "last_status_at": None, "hide_collections": False, "show_media": True, "show_media_replies": True,
            "show_featured": True, "emojis": [],
            "fields": [{"name": "Website", "value": _link_html(f"https://www.{actor.force.domain}"),  # type: ignore[union-attr]
                        "verified_at": None}] if actor.is_police else [],
        }
        cache[actor.mastodon_id] = account
        return account

    def status(self, it: Item, cache: dict[str, dict[str, Any]]) -> dict[str, Any]:
        if it.js is not None:
            return it.js
        author = it.author
        account = self.account(author, cache)
        username = account["username"]
        domain = account["url"].split("/")[2]
        ms = "000" if not author.is_police else f"{(int(it.id) >> 16) % 1000:03d}"
        created = self.clock.iso(it.t)[:-4] + ms + "Z"
        account = {**account, "last_status_at": created[:10]}
        if it.reposted is not None:
            original = self.status(it.reposted, cache)
            d = _status_shell(it, created, "", account, f"https://{domain}/users/{username}/statuses/{it.id}/activity",
                              f"https://{domain}/users/{username}/statuses/{it.id}/activity")
            d["reblog"] = original
            d["language"] = None
            it.js = d
            return d
        mentions = []
        prefix_html = []
        for actor in it.prefix:
            acc = self.account(actor, cache)
            mentions.append({"id": acc["id"], "username": acc["username"], "url": acc["url"], "acct": acc["acct"]})
            prefix_html.append(_hcard(acc["url"], acc["username"]))
        inline = {}
        for actor in it.inline:
            acc = self.account(actor, cache)
            mentions.append({"id": acc["id"], "username": acc["username"], "url": acc["url"], "acct": acc["acct"]})
            inline[acc["username"]] = acc["url"]
        tags: list[dict[str, str]] = []
        body = _body_html(it.body, inline, tags, self.instance)
        content = "<p>" + " ".join(prefix_html + [body]) + "</p>" if prefix_html else f"<p>{body}</p>"
        d = _status_shell(it, created, content, account, f"https://{domain}/users/{username}/statuses/{it.id}",
                          f"https://{domain}/@{username}/{it.id}")
        if it.parent is not None:
            d["in_reply_to_id"] = it.parent.id
            d["in_reply_to_account_id"] = it.parent.author.mastodon_id
        d["mentions"] = mentions
        d["tags"] = tags
        if author.is_police:
            d["application"] = {"name": "Web", "website": None}
        it.js = d
        return d

    def write(self, items: list[Item]) -> None:
        items.sort(key=lambda it: it.t, reverse=True)
        cache: dict[str, dict[str, Any]] = {}
        for it in items:
            month = self.clock.iso(it.t)[:7]
            fh = self.open.get(month)
            if fh is None:
                path = self.out_dir / f"mastodon-{self.spec.short.lower()}-{month}.json"
                fh = open(path, "wb")  # noqa: SIM115 (one array per month, closed in close())
                fh.write(b"[\n")
                self.open[month] = fh
                self.count[month] = 0
                self.files.append(path)
            if self.count[month]:
                fh.write(b",\n")
            fh.write(orjson.dumps(self.status(it, cache)))
            self.count[month] += 1

    def close(self) -> None:
        for fh in self.open.values():
            fh.write(b"\n]\n")
            fh.close()
        self.open.clear()
        self.files.sort()


def _status_shell(it: Item, created: str, content: str, account: dict[str, Any], uri: str, url: str) -> dict[str, Any]:
    return {
        "id": it.id, "created_at": created, "in_reply_to_id": None, "in_reply_to_account_id": None,
        "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en", "uri": uri, "url": url,
        "replies_count": it.replies, "reblogs_count": it.reposts, "favourites_count": it.likes, "quotes_count": 0,
        "edited_at": None, "favourited": False, "reblogged": False, "muted": False, "bookmarked": False,
        "content": content, "filtered": [], "reblog": None, "account": account, "media_attachments": [],
        "mentions": [], "tags": [], "emojis": [], "tagged_collections": [], "quote": None, "card": None, "poll": None,
        "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"},
    }


def _hcard(url: str, username: str) -> str:
    return (f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">@<span>{username}</span>'
            "</a></span>")


def _link_html(url: str) -> str:
    rest = url.removeprefix("https://").removeprefix("www.")
    invisible = url[: len(url) - len(rest)]
    visible, tail = rest[:30], rest[30:]
    cls = "ellipsis" if tail else ""
    return (f'<a href="{url}" target="_blank" rel="nofollow noopener" translate="no">'
            f'<span class="invisible">{invisible}</span><span class="{cls}">{visible}</span>'
            f'<span class="invisible">{tail}</span></a>')


def _body_html(text: str, inline: dict[str, str], tags: list[dict[str, str]], instance: str) -> str:
    """Mastodon's rendering of plain text: escaped, with h-card mentions, hashtag and link anchors."""
    escaped = html.escape(text, quote=True).replace("&#x27;", "&#39;")

    def render(m: re.Match[str]) -> str:
        sigil, word, link = m.group(1), m.group(2), m.group(3)
        if link:
            return _link_html(html.unescape(link))
        if sigil == "@":
            url = inline.get(word.lower())
            return _hcard(url, word.lower()) if url else m.group(0)
        tags.append({"name": word.lower(), "url": f"https://{instance}/tags/{word.lower()}"})
        return (f'<a href="https://{instance}/tags/{word}" class="mention hashtag" rel="tag">#<span>{word}</span>'
                "</a>")

    return ENTITY_RE.sub(render, escaped)
