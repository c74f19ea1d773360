"""`peelian collect bluesky|mastodon|status`: summaries, exit codes and one-line errors, on a mock transport."""

from __future__ import annotations

import subprocess
import sys

import httpx
import orjson
import pytest

from peelian import Project
from peelian.collect import bluesky as bluesky_module
from peelian.collect import mastodon as mastodon_module
from tests.collect.fakes import POLICE_HANDLE, FakeBluesky, FakeMastodon, fetcher, json_response


@pytest.fixture
def bluesky(monkeypatch):
    fake = FakeBluesky(n=120, reply_every=4)
    monkeypatch.setattr(bluesky_module, "Fetcher", lambda rate: fetcher(fake, max_tries=2))
    return fake


def test_collect_bluesky_then_status(cli, project_path, bluesky):
    result = cli("collect", "bluesky", project_path, "--actor", POLICE_HANDLE, "--threads", "--since", "2025-03-01")
    assert result.exit_code == 0, result.output
    assert f"bluesky {POLICE_HANDLE}: 2 page(s), 30 thread(s), 210 new posts" in result.output
    status = cli("collect", "status", project_path, "--json")
    (row,) = orjson.loads(status.output)
    assert row["target"] == POLICE_HANDLE and row["status"] == "done" and row["threads_fetched"] == 30
    table = cli("collect", "status", project_path)
    assert POLICE_HANDLE in table.output and "done" in table.output


def test_collect_json_summary(cli, project_path, bluesky):
    result = cli("collect", "bluesky", project_path, "--actor", POLICE_HANDLE, "--json")
    summary = orjson.loads(result.output)
    assert result.exit_code == 0 and summary["ok"] and summary["posts_new"] == 120 and summary["pages"] == 2


def test_an_unknown_actor_is_one_line_and_exit_2(cli, project_path, bluesky):
    result = cli("collect", "bluesky", project_path, "--actor", "nobody.bsky.social")
    assert result.exit_code == 2
    assert "error: bluesky: no account 'nobody.bsky.social' can be collected (InvalidRequest Profile not found)" \
        in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_no_account_named_is_a_usage_error(cli, project_path, bluesky):
    result = cli("collect", "bluesky", project_path)
    assert result.exit_code == 2 and "no Bluesky account to collect" in result.output


def test_a_network_failure_stores_the_pages_fetched_exits_4_and_says_what_was_committed(cli, project_path, monkeypatch):
    fake = FakeBluesky(n=250)
    fake.inject.append(lambda r: (_ for _ in ()).throw(httpx.ConnectError("network is unreachable"))
                       if r.url.params.get("cursor") else None)
    monkeypatch.setattr(bluesky_module, "Fetcher", lambda rate: fetcher(fake, max_tries=2))
    result = cli("collect", "bluesky", project_path, "--actor", POLICE_HANDLE)
    text = " ".join(result.output.split())
    assert result.exit_code == 4, text
    assert "(2 tries): ConnectError: network is unreachable; before it failed, the import was committed" in text
    with Project.open(project_path, read_only=True) as project:
        assert project.scalar("SELECT count(*) FROM posts") == 100


def test_a_network_down_from_the_start_exits_3(cli, project_path, monkeypatch):
    def down(request):
        raise httpx.ConnectError("name resolution failed")

    monkeypatch.setattr(bluesky_module, "Fetcher", lambda rate: fetcher(down, max_tries=2))
    result = cli("collect", "bluesky", project_path, "--actor", POLICE_HANDLE)
    assert result.exit_code == 3 and "name resolution failed" in result.output


def test_collect_mastodon_with_context(cli, project_path, monkeypatch):
    fake = FakeMastodon(n=50, reply_every=5)
    monkeypatch.setattr(mastodon_module, "Fetcher", lambda rate: fetcher(fake))
    result = cli("collect", "mastodon", project_path, "--account", "@police@police.example", "--context")
    assert result.exit_code == 0, result.output
    assert "mastodon police@police.example: 2 page(s), 10 thread(s), 70 new posts" in result.output


def test_a_drifted_page_exits_1(cli, project_path, bluesky):
    bluesky.inject.append(lambda r: httpx.Response(200, json={"data": []}) if r.url.params.get("cursor") else None)
    result = cli("collect", "bluesky", project_path, "--actor", POLICE_HANDLE)
    assert result.exit_code == 1 and "without a feed list (found: data)" in " ".join(result.output.split())


def test_the_cli_does_not_load_httpx_until_a_collector_runs():
    code = "import sys, peelian.cli.main; print('httpx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"


def test_an_instance_that_needs_a_login_is_one_line_and_exit_2(cli, project_path, monkeypatch):
    fake = FakeMastodon(n=5)
    fake.inject.append(lambda r: json_response(401, {"error": "This API requires an authenticated user"}))
    monkeypatch.setattr(mastodon_module, "Fetcher", lambda rate: fetcher(fake))
    result = cli("collect", "mastodon", project_path, "--account", "@police@police.example")
    text = " ".join(result.output.split())
    assert result.exit_code == 2, text
    assert "refused (401 This API requires an authenticated user); this API needs a login or the content is " \
           "private" in text
