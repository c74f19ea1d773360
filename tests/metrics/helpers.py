"""Hand-built projects: registry, accounts, posts, mentions, gold labels and predictions as rows.

Tests state conversations post by post with the times they happened, so every expected
figure can be worked out by hand from the test itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import orjson

from peelian import Project
from peelian.store.project import utcnow
from peelian.store.schema import role_for_account_type

T0 = datetime(2025, 3, 3, 10, 0)  # a Monday, 10:00 UTC (GMT, so also 10:00 in London)


def at(value: str | datetime | timedelta | int) -> datetime:
    """A time: an ISO string, a datetime, or minutes/timedelta after T0."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, timedelta):
        return T0 + value
    if isinstance(value, int):
        return T0 + timedelta(minutes=value)
    return datetime.fromisoformat(value)


class Corpus:
    """Rows to insert into a project; `save()` writes them in one transaction."""

    def __init__(self, project: Project, platform: str = "twitter"):
        self.project = project
        self.platform = platform
        self.accounts: dict[str, dict[str, Any]] = {}
        self.registry: list[tuple] = []
        self.posts: list[dict[str, Any]] = []
        self.mentions: list[tuple] = []
        self.gold_rows: list[tuple] = []
        self.prediction_rows: list[tuple] = []
        self.model_rows: list[tuple] = []

    def police(self, handle: str, force: str, account_type: str = "force_corporate", *,
               time_zone: str = "Europe/London", followers: int | None = None) -> str:
        account_id = f"id_{handle}"
        self.accounts[account_id] = {"handle": handle, "role": role_for_account_type(account_type), "force": force,
                                     "account_type": account_type, "followers": followers}
        self.registry.append((self.platform, handle.lower(), account_id, force, account_type, None, time_zone, None,
                              "test", len(self.registry) + 2, utcnow()))
        return account_id

    def citizen(self, name: str) -> str:
        account_id = f"c_{name}"
        self.accounts[account_id] = {"handle": name, "role": "citizen", "force": None, "account_type": None,
                                     "followers": None}
        return account_id

    def post(self, post_id: str, author: str, when: str | datetime | timedelta | int, text: str = "", *,
             reply_to: str | None = None, reply_to_account: str | None = None, kind: str | None = None,
             conversation_id: str | None = None, mentions: Iterable[str] = (), likes: int | None = None,
             replies: int | None = None, reposts: int | None = None, quotes: int | None = None,
             followers: int | None = None) -> str:
        account = self.accounts[author]
        parent = next((p for p in self.posts if p["post_id"] == reply_to), None)
        if reply_to_account is None and parent is not None:
            reply_to_account = parent["author_id"]
        self.posts.append({
            "platform": self.platform, "post_id": post_id, "author_id": author, "author_handle": account["handle"],
            "author_role": account["role"], "author_force": account["force"],
            "author_account_type": account["account_type"], "created_at": at(when), "text": text,
            "kind": kind or ("reply" if reply_to else "original"), "reply_to_post_id": reply_to,
            "reply_to_account_id": reply_to_account, "conversation_id": conversation_id,
            "like_count": likes, "reply_count": replies, "repost_count": reposts, "quote_count": quotes,
            "author_followers": followers if followers is not None else account["followers"],
            "url": f"https://example.org/{self.platform}/{post_id}",
        })
        for handle_or_id in mentions:
            mentioned = handle_or_id if handle_or_id in self.accounts else f"id_{handle_or_id}"
            self.mentions.append((self.platform, post_id, mentioned, self.accounts[mentioned]["handle"]))
        return post_id

    def gold(self, post_id: str, dimension: str, *codes: str, decided_at: datetime | None = None) -> None:
        self.gold_rows.append((post_id, dimension, list(codes), decided_at or utcnow()))

    def model(self, model_id: str, dimension: str, evaluation: dict[str, Any] | None = None,
              created_at: datetime | None = None, validated: bool = True) -> None:
        self.model_rows.append((model_id, dimension, "1", "test", validated, created_at or utcnow(), "x", None, 0,
                                orjson.dumps(evaluation).decode() if evaluation else None, None))

    def predict(self, post_id: str, dimension: str, *codes: str, model_id: str = "m1",
                created_at: datetime | None = None) -> None:
        self.prediction_rows.append((self.platform, post_id, dimension, model_id, list(codes), 0.9, None,
                                     created_at or utcnow()))

    def save(self) -> Project:
        con = self.project.con

        def insert(sql: str, rows: list) -> None:
            if rows:
                con.executemany(sql, rows)

        with self.project.transaction():
            insert("INSERT INTO registry VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.registry)
            insert(
                "INSERT INTO accounts (platform, account_id, handle, pseudonymised, role, force, account_type, "
                "followers_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(self.platform, k, a["handle"], a["role"] == "citizen", a["role"], a["force"], a["account_type"],
                  a["followers"]) for k, a in self.accounts.items()])
            columns = list(self.posts[0]) if self.posts else []
            insert(f"INSERT INTO posts ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                   [list(p.values()) for p in self.posts])
            insert("INSERT INTO mentions VALUES (?, ?, ?, ?)", self.mentions)
            for post_id, dimension, codes, decided_at in self.gold_rows:
                con.execute("INSERT INTO gold VALUES (nextval('gold_seq'), ?, ?, ?, ?, 'test', NULL, NULL, NULL, "
                            "'1', ?)", [self.platform, post_id, dimension, codes, decided_at])
            insert("INSERT INTO models VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.model_rows)
            insert("INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.prediction_rows)
        self.registry, self.posts, self.mentions = [], [], []
        self.gold_rows, self.prediction_rows, self.model_rows = [], [], []
        return self.project
