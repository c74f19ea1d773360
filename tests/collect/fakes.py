"""Platform APIs served by httpx.MockTransport, with responses shaped as the platforms document them
(and as the real samples in ../shared/fixtures are): no test reaches the network."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from peelian.collect.http import Fetcher

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
POLICE_DID = "did:plc:northpolice0000000000000"
POLICE_HANDLE = "northpolice.bsky.social"
Responder = Callable[[httpx.Request], httpx.Response | None]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def fetcher(handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float] | None = None,
            **options: Any) -> Fetcher:
    """A Fetcher on the mock transport whose waits are recorded, never slept."""
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        if sleeps is not None:
            sleeps.append(seconds)

    options.setdefault("rate", 1000.0)
    return Fetcher(transport=httpx.MockTransport(handler), sleep=sleep, clock=lambda: clock[0],
                   jitter=lambda: 0.5, wall_clock=lambda: 1_750_000_000.0 + clock[0], **options)


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=orjson.dumps(body), headers={"content-type": "application/json", **headers})


class FakeBluesky:
    """The public AppView for one police account: `n` posts an hour apart (newest first), every
    `reply_every`-th with a thread of citizen replies two levels deep."""

    def __init__(self, n: int = 250, reply_every: int = 3):
        self.posts: list[dict[str, Any]] = []
        self.threads: dict[str, dict[str, Any]] = {}
        self.calls: list[httpx.Request] = []
        self.served: list[tuple[str, bytes]] = []  # (method, body) of every answer
        self.inject: list[Responder] = []  # consulted first: a responder returning None lets the request through
        self.deleted: set[str] = set()
        self.reply_every = reply_every
        self.add_posts(n)

    # ---- data --------------------------------------------------------------------------------------
    def add_posts(self, n: int) -> None:
        """n newer posts (in front of the feed)."""
        start = len(self.posts)
        for i in range(start, start + n):
            created = START + timedelta(hours=i)
            rkey = f"3kpost{i:05d}"
            replies = 2 if self.reply_every and i % self.reply_every == 0 else 0
            view = post_view(POLICE_DID, POLICE_HANDLE, rkey, f"Police update number {i}", created, replies)
            self.posts.insert(0, view)
            if replies:
                self.threads[view["uri"]] = self._thread(view, i)

    def _thread(self, root: dict[str, Any], i: int) -> dict[str, Any]:
        created = START + timedelta(hours=i, minutes=5)
        first = post_view(f"did:plc:citizen{i:05d}a", f"citizen{i}a.bsky.social", f"3krep{i:05d}a",
                          f"A question about update {i}", created, 1, reply_to=root)
        second = post_view(POLICE_DID, POLICE_HANDLE, f"3krep{i:05d}b", f"Our answer on {i}",
                           created + timedelta(minutes=10), 1, reply_to=first, root=root)
        third = post_view(f"did:plc:citizen{i:05d}a", f"citizen{i}a.bsky.social", f"3krep{i:05d}c",
                          "Thanks", created + timedelta(minutes=20), 0, reply_to=second, root=root)
        node = lambda view, replies: {"$type": "app.bsky.feed.defs#threadViewPost", "post": view,  # noqa: E731
                                      "replies": replies}
        return {"thread": node(root, [node(first, [node(second, [node(third, [])])])])}

    def stored_uris(self) -> set[str]:
        out = {p["uri"] for p in self.posts}
        for thread in self.threads.values():
            stack = [thread["thread"]]
            while stack:
                n = stack.pop()
                out.add(n["post"]["uri"])
                stack.extend(n.get("replies", []))
        return out

    # ---- the API -----------------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = self._answer(request)
        self.served.append((request.url.path.rsplit("/", 1)[-1], response.content))
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        for responder in list(self.inject):
            answer = responder(request)
            if answer is not None:
                return answer
        method = request.url.path.rsplit("/", 1)[-1]
        params = request.url.params
        if method == "app.bsky.actor.getProfile":
            actor = params["actor"]
            if actor not in (POLICE_DID, POLICE_HANDLE):
                return json_response(400, {"error": "InvalidRequest", "message": "Profile not found"})
            return json_response(200, {"did": POLICE_DID, "handle": POLICE_HANDLE, "displayName": "North Police",
                                       "followersCount": 5400, "postsCount": len(self.posts)})
        if method == "app.bsky.feed.getAuthorFeed":
            limit = int(params.get("limit", 50))
            cursor = params.get("cursor")
            items = [p for p in self.posts if cursor is None or p["indexedAt"] < cursor]
            page = items[:limit]
            body: dict[str, Any] = {"feed": [{"post": p} for p in page]}
            if len(items) > limit:
                body["cursor"] = page[-1]["indexedAt"]
            return json_response(200, body, **{"ratelimit-limit": "3000", "ratelimit-remaining": "2999",
                                               "ratelimit-reset": "1750000300", "ratelimit-policy": "3000;w=300"})
        if method == "app.bsky.feed.getPostThread":
            uri = params["uri"]
            if uri in self.deleted or uri not in self.threads:
                return json_response(400, {"error": "NotFound", "message": f"Post not found: {uri}"})
            return json_response(200, self.threads[uri])
        return json_response(501, {"error": "MethodNotImplemented", "message": "Method Not Implemented"})

    def feed_calls(self) -> int:
        return sum(1 for c in self.calls if c.url.path.endswith("getAuthorFeed"))

    def thread_calls(self) -> int:
        return sum(1 for c in self.calls if c.url.path.endswith("getPostThread"))


def post_view(did: str, handle: str, rkey: str, text: str, created: datetime, replies: int,
              reply_to: dict[str, Any] | None = None, root: dict[str, Any] | None = None) -> dict[str, Any]:
    """A PostView as getAuthorFeed and getPostThread return it."""
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": iso(created), "langs": ["en"], "text": text}
    if reply_to is not None:
        root = root or reply_to
        record["reply"] = {"root": {"uri": root["uri"], "cid": root["cid"]},
                           "parent": {"uri": reply_to["uri"], "cid": reply_to["cid"]}}
    return {"uri": f"at://{did}/app.bsky.feed.post/{rkey}", "cid": f"bafyrei{rkey}",
            "author": {"did": did, "handle": handle, "displayName": handle.split(".")[0].title(),
                       "viewer": {"muted": False, "blockedBy": False}, "labels": [],
                       "createdAt": "2023-04-26T19:05:34.249Z"},
            "record": record, "replyCount": replies, "repostCount": 1, "likeCount": 4, "quoteCount": 0,
            "indexedAt": iso(created), "viewer": {}, "labels": []}


class FakeMastodon:
    """One instance's public API: `@police@<instance>` with `n` statuses an hour apart (newest first,
    ids increasing with time), every `reply_every`-th with two citizen replies in its context."""

    def __init__(self, n: int = 90, reply_every: int = 4, instance: str = "police.example"):
        self.instance = instance
        self.account = {"id": "109", "username": "police", "acct": "police", "display_name": "North Police",
                        "url": f"https://{instance}/@police", "uri": f"https://{instance}/users/police",
                        "followers_count": 1200, "following_count": 10, "statuses_count": n, "note": "<p></p>",
                        "locked": False, "bot": False, "created_at": "2022-11-01T00:00:00.000Z"}
        self.statuses: list[dict[str, Any]] = []
        self.contexts: dict[str, dict[str, Any]] = {}
        self.calls: list[httpx.Request] = []
        self.inject: list[Responder] = []
        self.reply_every = reply_every
        for i in range(n):
            self._add(i)

    def _add(self, i: int) -> None:
        created = START + timedelta(hours=i)
        replies = 2 if self.reply_every and i % self.reply_every == 0 else 0
        status = self._status(str(110000 + i * 10), self.account, f"<p>Police update {i}</p>", created, replies)
        self.statuses.insert(0, status)
        if replies:
            citizen = {**self.account, "id": f"5{i:04d}", "username": f"citizen{i}",
                       "acct": f"citizen{i}@other.example", "display_name": f"Citizen {i}",
                       "url": f"https://other.example/@citizen{i}"}
            first = self._status(str(110000 + i * 10 + 1), citizen, "<p>Is the road open?</p>",
                                 created + timedelta(minutes=3), 1, reply_to=status)
            second = self._status(str(110000 + i * 10 + 2), self.account, "<p>Yes, since 9am.</p>",
                                  created + timedelta(minutes=9), 0, reply_to=first)
            self.contexts[status["id"]] = {"ancestors": [], "descendants": [first, second]}

    def _status(self, status_id: str, account: dict[str, Any], content: str, created: datetime, replies: int,
                reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"id": status_id, "created_at": iso(created),
                "in_reply_to_id": reply_to["id"] if reply_to else None,
                "in_reply_to_account_id": reply_to["account"]["id"] if reply_to else None,
                "sensitive": False, "spoiler_text": "", "visibility": "public", "language": "en",
                "uri": f"https://{self.instance}/users/{account['username']}/statuses/{status_id}",
                "url": f"https://{self.instance}/@{account['username']}/{status_id}",
                "replies_count": replies, "reblogs_count": 0, "favourites_count": 2, "edited_at": None,
                "content": content, "reblog": None, "account": account, "media_attachments": [], "mentions": [],
                "tags": [], "emojis": [], "card": None, "poll": None}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        for responder in list(self.inject):
            answer = responder(request)
            if answer is not None:
                return answer
        path, params = request.url.path, request.url.params
        limits = {"x-ratelimit-limit": "300", "x-ratelimit-remaining": "299",
                  "x-ratelimit-reset": "2025-06-15T15:05:00.000Z"}
        if path == "/api/v1/accounts/lookup":
            if params["acct"] != "police":
                return json_response(404, {"error": "Record not found"})
            return json_response(200, self.account, **limits)
        if path == f"/api/v1/accounts/{self.account['id']}/statuses":
            limit = int(params.get("limit", 20))
            max_id = params.get("max_id")
            items = [s for s in self.statuses if max_id is None or int(s["id"]) < int(max_id)]
            if params.get("exclude_replies") == "true":
                items = [s for s in items if s["in_reply_to_id"] is None]
            page = items[:limit]
            headers = dict(limits)
            if page:
                base = f"https://{self.instance}/api/v1/accounts/{self.account['id']}/statuses"
                links = [f'<{base}?min_id={page[0]["id"]}>; rel="prev"']
                if len(items) > limit:
                    links.insert(0, f'<{base}?max_id={page[-1]["id"]}>; rel="next"')
                headers["link"] = ", ".join(links)
            return json_response(200, page, **headers)
        if path.startswith("/api/v1/statuses/") and path.endswith("/context"):
            status_id = path.split("/")[4]
            if status_id not in self.contexts:
                return json_response(404, {"error": "Record not found"})
            return json_response(200, self.contexts[status_id], **limits)
        return json_response(404, {"error": "Record not found"})

    def calls_to(self, suffix: str) -> int:
        return sum(1 for c in self.calls if c.url.path.endswith(suffix))
