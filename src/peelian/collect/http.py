"""A polite HTTP client for public platform APIs: a request rate, the platforms' rate-limit headers,
and exponential back-off with jitter on 429, 5xx, network failures and unreadable bodies.

Every answer the caller gets is the response exactly as received (its bytes), so it can be written
to the project folder and audited; the parsed JSON rides along. Failures that retrying cannot fix
are raised as the typed errors of `peelian.errors`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from peelian import __version__
from peelian.errors import BadResponseError, NetworkError, RemoteAuthError

if TYPE_CHECKING:
    import httpx

USER_AGENT = f"peelian/{__version__} (research; +https://github.com/peelian)"
MAX_TRIES = 5
BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 60.0
MAX_LIMIT_WAIT_SECONDS = 15 * 60.0  # a reset further away than this is a wrong clock, not a plan
TIMEOUT_SECONDS = 30.0


@dataclass
class Page:
    """One response: its status, its body as received, the JSON in it, its Link header targets."""

    url: str
    status: int
    content: bytes
    data: Any
    links: dict[str, str] = field(default_factory=dict)


class Fetcher:
    """GET JSON from one or more hosts at no more than `rate` requests a second.

    `sleep`, `clock` and `jitter` are injectable so tests run without waiting; `transport` is an
    httpx transport (tests pass `httpx.MockTransport`)."""

    def __init__(self, *, rate: float = 2.0, transport: httpx.BaseTransport | None = None,
                 max_tries: int = MAX_TRIES, backoff: float = BACKOFF_SECONDS,
                 max_backoff: float = MAX_BACKOFF_SECONDS, timeout: float = TIMEOUT_SECONDS,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 jitter: Callable[[], float] = random.random, wall_clock: Callable[[], float] = time.time):
        import httpx

        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.max_tries, self.backoff, self.max_backoff = max_tries, backoff, max_backoff
        self.sleep, self.clock, self.jitter, self.wall_clock = sleep, clock, jitter, wall_clock
        self.client = httpx.Client(transport=transport, timeout=timeout, follow_redirects=True,
                                   headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        self._next_at = 0.0
        self._blocked_until: dict[str, float] = {}  # per host: a rate limit used up until then (clock time)
        self.requests = 0
        self.waited = 0.0

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Page:
        """The response to a GET. 2xx and 4xx answers with a JSON body are returned (a 4xx body names
        the problem, e.g. a post not found); 401/403 raise RemoteAuthError; 429, 5xx, network errors
        and bodies that are not JSON are retried, then raised as NetworkError/BadResponseError."""
        import httpx

        host = urlsplit(url).netloc
        problem = ""
        bad_body: tuple[str, bytes] | None = None
        for attempt in range(self.max_tries):
            if attempt:
                self._pause(self._backoff(attempt))
            self._wait_turn(host)
            try:
                response = self.client.get(url, params={k: v for k, v in (params or {}).items() if v is not None})
            except httpx.TransportError as exc:
                problem, bad_body = f"{type(exc).__name__}: {exc or 'no answer'}", None
                continue
            finally:
                self.requests += 1
            self._note_limits(host, response.headers)
            shown = str(response.url)
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"{response.status_code} {response.reason_phrase}"
                self._respect_retry_after(host, response.headers)
                bad_body = None
                continue
            if response.status_code in (401, 403):
                raise RemoteAuthError(f"{shown}: refused ({response.status_code} {_message(response.content)}); "
                                      "this API needs a login or the content is private")
            try:
                data = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                problem = _describe_bad_body(response, exc)
                bad_body = (problem, response.content)
                continue
            if response.status_code >= 300 and not isinstance(data, dict):
                problem, bad_body = f"{response.status_code} without an error body", (problem, response.content)
                continue
            links = {rel: str(link.get("url")) for rel, link in response.links.items() if link.get("url")}
            return Page(shown, response.status_code, response.content, data, links)
        where = f"{url} ({self.max_tries} tries)"
        if bad_body is not None:
            raise BadResponseError(f"{where}: {bad_body[0]}", content=bad_body[1])
        raise NetworkError(f"{where}: {problem}")

    # ---- pacing ----------------------------------------------------------------------------------
    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            self.sleep(seconds)

    def _wait_turn(self, host: str) -> None:
        now = self.clock()
        ready = max(self._next_at, self._blocked_until.get(host, 0.0))
        if ready > now:
            self._pause(ready - now)
            now = ready
        self._next_at = now + self.interval

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with equal jitter: half the step fixed, half random."""
        step = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return step / 2 + self.jitter() * step / 2

    def _respect_retry_after(self, host: str, headers: httpx.Headers) -> None:
        value = headers.get("retry-after")
        if not value:
            return
        seconds = _seconds(value, self.wall_clock())
        if seconds is not None:
            self._blocked_until[host] = max(self._blocked_until.get(host, 0.0),
                                            self.clock() + min(seconds, MAX_LIMIT_WAIT_SECONDS))

    def _note_limits(self, host: str, headers: httpx.Headers) -> None:
        """Bluesky sends `RateLimit-Remaining` / `RateLimit-Reset` (epoch seconds); Mastodon sends
        `X-RateLimit-Remaining` / `X-RateLimit-Reset` (an ISO time). When none is left, wait for the reset."""
        remaining = headers.get("ratelimit-remaining") or headers.get("x-ratelimit-remaining")
        reset = headers.get("ratelimit-reset") or headers.get("x-ratelimit-reset")
        if remaining is None or reset is None:
            return
        try:
            if int(float(remaining)) > 0:
                return
        except ValueError:
            return
        seconds = _reset_in(reset, self.wall_clock())
        if seconds is not None:
            self._blocked_until[host] = self.clock() + min(max(seconds, 0.0), MAX_LIMIT_WAIT_SECONDS) + 1.0


def _seconds(value: str, now: float) -> float | None:
    """Retry-After: delta seconds or an HTTP date."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError):
        return None


def _reset_in(value: str, now: float) -> float | None:
    """A rate-limit reset as seconds from now: epoch seconds (Bluesky) or an ISO time (Mastodon)."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp() - now
    return number - now if number > 1e9 else number  # some servers send seconds to wait


def _message(content: bytes) -> str:
    try:
        data = orjson.loads(content)
    except orjson.JSONDecodeError:
        return "no JSON body"
    if isinstance(data, dict):
        parts = [str(data[k]) for k in ("error", "message", "error_description") if data.get(k)]
        return ": ".join(parts) or "no message"
    return "no message"


def _describe_bad_body(response: httpx.Response, exc: Exception) -> str:
    content = response.content
    kind = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    head = content[:200].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or kind == "text/html":
        title = ""
        lower = content.lower()
        start, end = lower.find(b"<title>"), lower.find(b"</title>")
        if 0 <= start < end:
            title = ": " + content[start + 7:end].decode("utf-8", "replace").strip()[:80]
        return f"an HTML page instead of JSON ({response.status_code}{title})"
    if not content.strip():
        return f"an empty body ({response.status_code}, {kind})"
    if content.lstrip()[:1] in (b"{", b"["):
        return f"truncated or malformed JSON ({len(content):,} bytes: {exc})"
    return f"not JSON ({response.status_code}, {kind})"
