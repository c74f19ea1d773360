"""Bluesky through the public AppView (no login): an account's posts with
`app.bsky.feed.getAuthorFeed`, and the replies to them, several levels deep, with
`app.bsky.feed.getPostThread`. Pages are imported by the `bluesky` importer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from peelian.collect.base import (
    BATCH_PAGES,
    CollectReport,
    FeedCollector,
    FeedPage,
    ProgressCallback,
    SchemaDriftError,
    item_time,
    run_collector,
)
from peelian.collect.http import Fetcher, Page
from peelian.errors import CollectError, UnknownAccountError
from peelian.store.project import Project

PUBLIC_APPVIEW = "https://public.api.bsky.app/xrpc"
DEFAULT_RATE = 3.0  # requests a second; the AppView allows 3,000 per 5 minutes per address
PAGE_SIZE = 100  # getAuthorFeed's maximum
DEFAULT_DEPTH = 10  # reply levels below each post (getPostThread allows up to 1,000)
# Errors the AppView answers (400) when an account cannot be shown.
ACCOUNT_ERRORS = ("accounttakedown", "accountdeactivated", "blockedactor", "blockedbyactor", "profile not found",
                  "actor not found", "could not find", "unable to resolve handle")


class BlueskyCollector(FeedCollector):
    platform = "bluesky"
    format = "bluesky"

    def __init__(self, project: Project, fetcher: Fetcher, *, replies: bool = False, depth: int = DEFAULT_DEPTH,
                 base_url: str = PUBLIC_APPVIEW, **options: Any):
        super().__init__(project, fetcher, **options)
        self.replies, self.depth, self.base_url = replies, depth, base_url.rstrip("/")

    def _get(self, method: str, **params: Any) -> Page:
        return self.fetcher.get(f"{self.base_url}/{method}", params)

    def resolve(self, target: str) -> str:
        actor = target.strip().lstrip("@")
        page = self._get("app.bsky.actor.getProfile", actor=actor)
        self.write_raw([page.content], target, "profile")
        data = page.data if isinstance(page.data, dict) else {}
        if page.status >= 400:
            message = " ".join(str(data.get(k) or "") for k in ("error", "message")).strip()
            if page.status in (400, 404) and any(e in message.lower() for e in ACCOUNT_ERRORS):
                raise UnknownAccountError(f"bluesky: no account {actor!r} can be collected ({message})")
            raise CollectError(f"bluesky: the profile of {actor!r} was refused ({page.status}: {message})")
        did = data.get("did")
        if not isinstance(did, str) or not did.startswith("did:"):
            raise SchemaDriftError(f"bluesky: the profile of {actor!r} has no DID (found keys: "
                                   f"{', '.join(sorted(data)) or 'none'})")
        return did

    def fetch_feed(self, account_id: str, cursor: str | None) -> Page:
        page = self._get("app.bsky.feed.getAuthorFeed", actor=account_id, limit=PAGE_SIZE, cursor=cursor,
                         filter="posts_with_replies" if self.replies else "posts_no_replies")
        if page.status >= 400:
            data = page.data if isinstance(page.data, dict) else {}
            message = " ".join(str(data.get(k) or "") for k in ("error", "message")).strip()
            if any(e in message.lower() for e in ACCOUNT_ERRORS):
                raise UnknownAccountError(f"bluesky: the posts of {account_id} cannot be collected ({message})")
            raise CollectError(f"bluesky: getAuthorFeed refused ({page.status}: {message})")
        return page

    def read_feed(self, page: Page, account_id: str) -> FeedPage:
        data = page.data
        if not isinstance(data, dict) or not isinstance(data.get("feed"), list):
            found = ", ".join(sorted(data)) if isinstance(data, dict) else type(data).__name__
            raise SchemaDriftError(f"bluesky: getAuthorFeed answered without a feed list (found: {found})")
        times: list[datetime | None] = []
        roots: list[tuple[str, int, datetime | None]] = []
        for item in data["feed"]:
            post = item.get("post") if isinstance(item, dict) else None
            post = post if isinstance(post, dict) else {}
            record = post.get("record") if isinstance(post.get("record"), dict) else {}
            reason = item.get("reason") if isinstance(item, dict) and isinstance(item.get("reason"), dict) else None
            when = item_time(reason.get("indexedAt")) if reason else item_time(record.get("createdAt"),
                                                                              post.get("indexedAt"))
            times.append(when)
            author = post.get("author") if isinstance(post.get("author"), dict) else {}
            replies = post.get("replyCount")
            if reason is None and author.get("did") == account_id and isinstance(post.get("uri"), str) \
                    and isinstance(replies, int) and replies > 0:
                roots.append((post["uri"], replies, when))
        cursor = data.get("cursor")
        return FeedPage(times, roots, cursor if isinstance(cursor, str) and cursor else None)

    def fetch_thread(self, root: str) -> Page:
        return self._get("app.bsky.feed.getPostThread", uri=root, depth=self.depth, parentHeight=0)


def registry_actors(project: Project) -> list[str]:
    """The registry's Bluesky accounts: the DID where it is known, else the handle."""
    rows = project.query("SELECT DISTINCT coalesce(account_id, handle) AS actor FROM registry "
                         "WHERE platform = 'bluesky' AND coalesce(account_id, handle) IS NOT NULL ORDER BY actor")
    return [r["actor"] for r in rows]


def collect_bluesky(project: Project, actors: Sequence[str] = (), *, from_registry: bool = False,
                    since: datetime | None = None, replies: bool = False, threads: bool | None = None,
                    depth: int = DEFAULT_DEPTH, from_start: bool = False, batch_pages: int = BATCH_PAGES,
                    fetcher: Fetcher | None = None, rate: float = DEFAULT_RATE, base_url: str = PUBLIC_APPVIEW,
                    progress: ProgressCallback | None = None) -> CollectReport:
    """Collect the posts of each actor (handle or DID), and of every Bluesky account in the registry
    with `from_registry` (threads then default to on). Resumes any unfinished collection of an actor."""
    targets = list(dict.fromkeys([*actors, *(registry_actors(project) if from_registry else [])]))
    if not targets:
        raise CollectError("no Bluesky account to collect: name one with --actor, or add Bluesky accounts "
                           "to the registry and use --registry")
    return run_collector(lambda f: BlueskyCollector(project, f, replies=replies, depth=depth, base_url=base_url,
                                                    since=since, from_start=from_start, batch_pages=batch_pages,
                                                    threads=from_registry if threads is None else threads,
                                                    progress=progress),
                         targets, fetcher or Fetcher(rate=rate), own=fetcher is None, keep_going=from_registry)
