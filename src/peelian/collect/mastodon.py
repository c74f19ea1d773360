"""Mastodon through an instance's public REST API (no login where the instance allows it): the
account by `accounts/lookup`, its statuses by `accounts/:id/statuses` (paged by the Link header),
and each status's replies by `statuses/:id/context`. Pages are imported by the `mastodon` importer.

Status ids are the instance's own, so a collection is per instance: `@police@instance.example` is
read from instance.example, and its replies are that instance's copies.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

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
from peelian.errors import CollectError, InputError, UnknownAccountError
from peelian.store.project import Project

DEFAULT_RATE = 1.0  # requests a second; instances allow 300 per 5 minutes per address by default
PAGE_SIZE = 40  # the statuses endpoint's maximum


def parse_account(account: str) -> tuple[str, str]:
    """(user, instance) from `@user@instance`, `user@instance` or `https://instance/@user`."""
    text = account.strip()
    if text.startswith(("https://", "http://")):
        parts = urlsplit(text)
        path = parts.path.strip("/")
        if parts.netloc and path.startswith("@") and "/" not in path:
            return path[1:], parts.netloc.lower()
    else:
        user, sep, instance = text.lstrip("@").partition("@")
        if sep and user and instance and "/" not in instance:
            return user, instance.lower()
    raise InputError(f"a Mastodon account is @user@instance (found {account!r})")


class MastodonCollector(FeedCollector):
    platform = "mastodon"
    format = "mastodon"

    def __init__(self, project: Project, fetcher: Fetcher, *, replies: bool = False, **options: Any):
        super().__init__(project, fetcher, **options)
        self.replies = replies

    def resolve(self, target: str) -> str:
        user, instance = parse_account(target)
        page = self.fetcher.get(f"https://{instance}/api/v1/accounts/lookup", {"acct": user})
        self.write_raw([page.content], target, "account")
        data = page.data if isinstance(page.data, dict) else {}
        if page.status in (404, 410):
            raise UnknownAccountError(f"mastodon: {instance} has no account {user!r} "
                                      f"({data.get('error') or page.status})")
        if page.status >= 400:
            raise CollectError(f"mastodon: {instance} refused the lookup of {user!r} "
                               f"({page.status}: {data.get('error') or 'error'})")
        if data.get("suspended") is True:
            raise UnknownAccountError(f"mastodon: {user}@{instance} is suspended")
        account_id = data.get("id")
        if not isinstance(account_id, (str, int)) or isinstance(account_id, bool):
            raise SchemaDriftError(f"mastodon: the lookup of {user}@{instance} has no account id")
        return f"{instance}/{account_id}"

    def fetch_feed(self, account_id: str, cursor: str | None) -> Page:
        instance, _, local_id = account_id.partition("/")
        page = self.fetcher.get(f"https://{instance}/api/v1/accounts/{local_id}/statuses", {
            "limit": PAGE_SIZE, "max_id": cursor, "exclude_replies": "false" if self.replies else "true"})
        if page.status >= 400:
            data = page.data if isinstance(page.data, dict) else {}
            if page.status in (404, 410):
                raise UnknownAccountError(f"mastodon: {instance} no longer has account {local_id} "
                                          f"({data.get('error') or page.status})")
            raise CollectError(f"mastodon: {instance} refused the statuses of {local_id} "
                               f"({page.status}: {data.get('error') or 'error'})")
        return page

    def read_feed(self, page: Page, account_id: str) -> FeedPage:
        instance, _, local_id = account_id.partition("/")
        if not isinstance(page.data, list):
            found = ", ".join(sorted(page.data)) if isinstance(page.data, dict) else type(page.data).__name__
            raise SchemaDriftError(f"mastodon: the statuses of {account_id} are not a list (found: {found})")
        times: list[datetime | None] = []
        roots: list[tuple[str, int, datetime | None]] = []
        for status in page.data:
            status = status if isinstance(status, dict) else {}
            when = item_time(status.get("created_at"))
            times.append(when)
            account = status.get("account") if isinstance(status.get("account"), dict) else {}
            replies = status.get("replies_count")
            if status.get("reblog") is None and str(account.get("id")) == local_id and status.get("id") is not None \
                    and isinstance(replies, int) and replies > 0:
                roots.append((f"{instance}/{status['id']}", replies, when))
        return FeedPage(times, roots, _max_id(page))

    def fetch_thread(self, root: str) -> Page:
        instance, _, status_id = root.partition("/")
        return self.fetcher.get(f"https://{instance}/api/v1/statuses/{status_id}/context")


def _max_id(page: Page) -> str | None:
    """The next (older) page's max_id, from the Link header; else the last status's id."""
    link = page.links.get("next")
    if link:
        values = parse_qs(urlsplit(link).query).get("max_id")
        return values[0] if values else None
    if page.links or not page.data:
        return None
    last = page.data[-1]
    return str(last["id"]) if isinstance(last, dict) and last.get("id") is not None else None


def registry_accounts(project: Project) -> list[str]:
    """The registry's Mastodon accounts that name their instance (user@instance)."""
    rows = project.query("SELECT DISTINCT handle FROM registry WHERE platform = 'mastodon' "
                         "AND contains(handle, '@') ORDER BY handle")
    return [r["handle"] for r in rows]


def collect_mastodon(project: Project, accounts: Sequence[str] = (), *, from_registry: bool = False,
                     since: datetime | None = None, replies: bool = False, context: bool | None = None,
                     from_start: bool = False, batch_pages: int = BATCH_PAGES, fetcher: Fetcher | None = None,
                     rate: float = DEFAULT_RATE, progress: ProgressCallback | None = None) -> CollectReport:
    """Collect each account's statuses (and, with `context`, the replies to them). Resumes any
    unfinished collection of an account."""
    targets = [f"{u}@{i}" for u, i in map(parse_account, accounts)]
    targets = list(dict.fromkeys([*targets, *(registry_accounts(project) if from_registry else [])]))
    if not targets:
        raise CollectError("no Mastodon account to collect: name one with --account @user@instance, or add "
                           "user@instance handles to the registry and use --registry")
    return run_collector(lambda f: MastodonCollector(project, f, replies=replies, since=since,
                                                     threads=from_registry if context is None else context,
                                                     from_start=from_start, batch_pages=batch_pages,
                                                     progress=progress),
                         targets, fetcher or Fetcher(rate=rate), own=fetcher is None, keep_going=from_registry)
