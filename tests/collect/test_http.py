"""The polite client: back-off with jitter on 429/5xx and network failures, the platforms' rate-limit
headers, a request rate, and bad responses (HTML error pages, truncated JSON) as typed errors."""

from __future__ import annotations

import httpx
import pytest

from peelian.errors import BadResponseError, NetworkError, RemoteAuthError
from tests.collect.fakes import fetcher, json_response

URL = "https://public.api.bsky.app/xrpc/app.bsky.feed.getAuthorFeed"


def answers(*responses):
    """A handler giving the responses in turn (an exception instance is raised)."""
    queue = list(responses)
    calls = []

    def handler(request):
        calls.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    handler.calls = calls
    return handler


def test_5xx_and_network_errors_are_retried_with_growing_jittered_waits():
    sleeps = []
    handler = answers(httpx.Response(503, text="busy"), httpx.ConnectError("refused"),
                      httpx.Response(502, text="bad gateway"), json_response(200, {"feed": []}))
    page = fetcher(handler, sleeps, backoff=1.0).get(URL)
    assert page.status == 200 and page.data == {"feed": []} and len(handler.calls) == 4
    # equal jitter: half of each step fixed, half random (the test's jitter is 0.5)
    assert sleeps == [0.75, 1.5, 3.0]


def test_retry_after_on_429_is_respected():
    sleeps = []
    handler = answers(json_response(429, {"error": "RateLimitExceeded"}, **{"retry-after": "30"}),
                      json_response(200, {"feed": []}))
    fetcher(handler, sleeps).get(URL)
    assert sum(sleeps) >= 30


def test_a_used_up_rate_limit_waits_for_its_reset():
    sleeps = []
    # the test's wall clock reads 1_750_000_000: the limit resets 120 s later
    handler = answers(json_response(200, {"feed": []}, **{"ratelimit-remaining": "0", "ratelimit-reset": "1750000120"}),
                      json_response(200, {"feed": []}))
    client = fetcher(handler, sleeps)
    client.get(URL)
    client.get(URL)
    assert sleeps and 120 <= sum(sleeps) <= 122


def test_mastodon_rate_limit_reset_is_an_iso_time():
    sleeps = []
    handler = answers(json_response(200, [], **{"x-ratelimit-remaining": "0",
                                                 "x-ratelimit-reset": "2025-06-15T15:07:00.000Z"}),
                      json_response(200, []))
    client = fetcher(handler, sleeps)
    client.get("https://police.example/api/v1/accounts/1/statuses")
    client.get("https://police.example/api/v1/accounts/1/statuses")
    assert 20 <= sum(sleeps) <= 22  # 1_750_000_000 is 15:06:40 UTC: the reset is 20 s later


def test_requests_are_spaced_at_the_polite_rate():
    sleeps = []
    client = fetcher(answers(*[json_response(200, {}) for _ in range(3)]), sleeps, rate=2.0)
    for _ in range(3):
        client.get(URL)
    assert sleeps == [0.5, 0.5]


def test_an_html_error_page_is_retried_then_a_typed_error_naming_it():
    page = httpx.Response(200, headers={"content-type": "text/html"},
                          text="<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body></body></html>")
    handler = answers(*[page] * 3)
    with pytest.raises(BadResponseError, match=r"an HTML page instead of JSON \(200: 502 Bad Gateway\)") as caught:
        fetcher(handler, [], max_tries=3).get(URL)
    assert len(handler.calls) == 3 and caught.value.content.startswith(b"<!DOCTYPE html>")


def test_truncated_json_is_retried_and_a_good_answer_wins():
    cut = httpx.Response(200, headers={"content-type": "application/json"}, content=b'{"feed": [{"post": {"uri"')
    handler = answers(cut, json_response(200, {"feed": []}))
    assert fetcher(handler, []).get(URL).data == {"feed": []}
    with pytest.raises(BadResponseError, match="truncated or malformed JSON"):
        fetcher(answers(cut, cut), [], max_tries=2).get(URL)


def test_a_network_that_stays_down_is_a_network_error():
    with pytest.raises(NetworkError, match=r"3 tries\): ConnectError: no route"):
        fetcher(answers(*[httpx.ConnectError("no route")] * 3), [], max_tries=3).get(URL)


def test_a_refusal_is_an_auth_error_at_once():
    handler = answers(json_response(401, {"error": "This API requires an authenticated user"}))
    with pytest.raises(RemoteAuthError, match="401 This API requires an authenticated user"):
        fetcher(handler, []).get("https://police.example/api/v1/accounts/lookup")
    assert len(handler.calls) == 1


def test_an_error_body_is_returned_for_the_caller_to_read():
    page = fetcher(answers(json_response(404, {"error": "Record not found"})), []).get("https://x.example/a")
    assert page.status == 404 and page.data == {"error": "Record not found"}
