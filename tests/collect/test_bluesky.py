"""Collecting Bluesky: paging an author feed, resuming after a kill, threads, unknown accounts,
deleted posts and drifted responses, all served by a mock transport."""

from __future__ import annotations

from datetime import datetime

import httpx
import orjson
import pytest

from peelian import Project
from peelian.collect import collect_bluesky, collect_status
from peelian.collect import base as collect_base
from peelian.errors import BadResponseError, UnknownAccountError
from tests.collect.fakes import POLICE_DID, POLICE_HANDLE, FakeBluesky, fetcher, json_response


def posts(project: Project) -> list[tuple]:
    """Every stored post as what it says, independent of the project's pseudonym key."""
    return project.con.execute("SELECT created_at, text, kind, is_partial, reply_count FROM posts "
                               "ORDER BY created_at, text").fetchall()


def test_author_feed_is_paged_to_the_end_and_every_response_kept_as_received(project):
    fake = FakeBluesky(n=250)
    report = collect_bluesky(project, [POLICE_HANDLE], fetcher=fetcher(fake))
    assert fake.feed_calls() == 3  # 100 + 100 + 50
    assert project.scalar("SELECT count(*) FROM posts") == 250
    assert report.total("posts_new") == 250 and report.total("pages") == 3 and not report.errors
    # the three pages are one import: one response a line, each exactly as served
    (batch,) = (project.folder / "collected" / "bluesky" / POLICE_HANDLE).glob("feed-*.jsonl")
    served = [body for method, body in fake.served if method == "app.bsky.feed.getAuthorFeed"]
    assert batch.read_bytes() == b"".join(body + b"\n" for body in served)
    first = orjson.loads(served[0])
    assert [item["post"]["uri"] for item in first["feed"]] == [p["uri"] for p in fake.posts[:100]]
    requests = [c for c in fake.calls if c.url.path.endswith("getAuthorFeed")]
    assert requests[1].url.params["cursor"] == first["cursor"]
    assert requests[0].url.params["filter"] == "posts_no_replies"
    assert project.scalar("SELECT count(*) FROM imports WHERE path = ?", [str(batch)]) == 1
    (row,) = collect_status(project)
    assert row["status"] == "done" and not row["in_progress"] and row["pages"] == 3 and row["records"] == 250
    assert row["account_id"] == POLICE_DID
    assert row["newest_seen"] == datetime(2025, 3, 11, 21, 0)  # post 249, 249 hours after the first


def test_since_stops_at_the_page_that_reaches_it(project):
    fake = FakeBluesky(n=250)
    collect_bluesky(project, [POLICE_HANDLE], since=datetime(2025, 3, 10), fetcher=fetcher(fake))
    # posts after 2025-03-10 are the newest 46: the first page holds them all, so paging stops there
    assert fake.feed_calls() == 1
    assert project.scalar("SELECT count(*) FROM posts WHERE created_at >= '2025-03-10'") == 46


def test_a_later_run_fetches_only_what_is_new(project):
    fake = FakeBluesky(n=250)
    collect_bluesky(project, [POLICE_HANDLE], fetcher=fetcher(fake))
    fake.add_posts(5)
    fake.calls.clear()
    report = collect_bluesky(project, [POLICE_HANDLE], fetcher=fetcher(fake))
    assert fake.feed_calls() == 1 and report.total("posts_new") == 5
    assert project.scalar("SELECT count(*) FROM posts") == 255


class Killed(BaseException):
    """Stands for the process being killed (a BaseException, like KeyboardInterrupt)."""


def _uninterrupted(tmp_path, threads: bool) -> list[tuple]:
    with Project.init(tmp_path / "whole.peelian") as whole:
        collect_bluesky(whole, [POLICE_HANDLE], threads=threads, fetcher=fetcher(FakeBluesky(n=250)))
        return posts(whole)


@pytest.mark.parametrize("threads", [False, True])
def test_a_collection_killed_while_fetching_resumes_to_the_same_posts(project, tmp_path, threads):
    fake = FakeBluesky(n=250)
    requests = []

    def kill_on_third_page(request):
        requests.append(request)
        if request.url.path.endswith("getAuthorFeed") and len([r for r in requests
                                                               if r.url.path.endswith("getAuthorFeed")]) == 3:
            raise Killed
        return None

    fake.inject.append(kill_on_third_page)
    with pytest.raises(Killed):
        collect_bluesky(project, [POLICE_HANDLE], threads=threads, batch_pages=1, fetcher=fetcher(fake))
    assert project.scalar("SELECT count(*) FROM posts WHERE author_handle IS NOT NULL AND kind = 'original'") > 0
    (row,) = collect_status(project)
    assert row["in_progress"] and row["status"] == "running"
    fake.inject.clear()
    fake.calls.clear()
    report = collect_bluesky(project, [POLICE_HANDLE], threads=threads, batch_pages=1, fetcher=fetcher(fake))
    assert report.targets[0].resumed and fake.feed_calls() == 1  # only the page it had not stored
    assert posts(project) == _uninterrupted(tmp_path, threads)


def test_a_collection_killed_between_import_and_cursor_resumes_without_duplicates(project, tmp_path, monkeypatch):
    fake = FakeBluesky(n=250)
    real_save, saves = collect_base.save_state, []

    def save_then_die(con, state):
        saves.append(state.pages)
        if state.kind == "feed" and state.pages == 2:  # the second page is imported, its cursor not yet saved
            raise Killed
        real_save(con, state)

    monkeypatch.setattr(collect_base, "save_state", save_then_die)
    with pytest.raises(Killed):
        collect_bluesky(project, [POLICE_HANDLE], threads=True, batch_pages=1, fetcher=fetcher(fake))
    monkeypatch.setattr(collect_base, "save_state", real_save)
    assert project.scalar("SELECT count(*) FROM posts WHERE kind = 'original'") == 200
    collect_bluesky(project, [POLICE_HANDLE], threads=True, fetcher=fetcher(fake))
    assert posts(project) == _uninterrupted(tmp_path, True)
    assert project.scalar("SELECT count(*) FROM (SELECT post_id FROM posts GROUP BY post_id HAVING count(*) > 1)") == 0


def test_threads_bring_replies_several_levels_deep_and_are_fetched_again_only_when_they_grow(project):
    fake = FakeBluesky(n=30, reply_every=3)
    report = collect_bluesky(project, [POLICE_HANDLE], threads=True, fetcher=fetcher(fake))
    assert report.total("threads") == 10 == fake.thread_calls()
    assert fake.calls[-1].url.params["depth"] == "10"
    assert project.scalar("SELECT count(*) FROM posts") == 30 + 10 * 3
    # the third level: a citizen's reply to the police answer to a citizen's question
    thanks = project.query("SELECT reply_to_post_id FROM posts WHERE text = 'Thanks'")
    assert len(thanks) == 10
    answer = project.query("SELECT reply_to_post_id, author_id FROM posts WHERE post_id = ?",
                           [thanks[0]["reply_to_post_id"]])
    assert answer and answer[0]["reply_to_post_id"] is not None
    fake.calls.clear()
    collect_bluesky(project, [POLICE_HANDLE], threads=True, fetcher=fetcher(fake))
    assert fake.thread_calls() == 0
    fake.posts[2]["replyCount"] = 7  # a new reply to the newest post with a thread: it is fetched again
    collect_bluesky(project, [POLICE_HANDLE], threads=True, from_start=True, fetcher=fetcher(fake))
    assert fake.thread_calls() == 1
    (row,) = collect_status(project)
    assert row["threads_fetched"] == 10 and row["threads_pending"] == 0


def test_a_deleted_post_is_a_notice_not_an_error(project):
    fake = FakeBluesky(n=9, reply_every=3)
    gone = fake.posts[2]["uri"]  # post 6, which has replies
    fake.deleted.add(gone)
    report = collect_bluesky(project, [POLICE_HANDLE], threads=True, fetcher=fetcher(fake))
    assert not report.errors and report.total("notices") == 1
    assert project.scalar("SELECT count(*) FROM notices WHERE notice_type = 'not_found'") == 1
    state = project.query("SELECT status, last_error FROM collect_state WHERE kind = 'thread' AND target = ?", [gone])
    assert state == [{"status": "done", "last_error": f"400: NotFound: Post not found: {gone}"}]


def test_an_unknown_actor_is_a_typed_error_that_changes_nothing(project):
    marker = project.commit_marker
    with pytest.raises(UnknownAccountError, match="no account 'nobody.bsky.social'.*Profile not found"):
        collect_bluesky(project, ["@nobody.bsky.social"], fetcher=fetcher(FakeBluesky(n=1)))
    assert project.commit_marker == marker and collect_status(project) == []


def test_registry_accounts_are_collected_with_threads_and_an_unknown_one_is_reported(project, tmp_path):
    from peelian.store.registry import import_registry

    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,account_id,force,account_type\n"
                        f"bluesky,{POLICE_HANDLE},{POLICE_DID},North Police,force_corporate\n"
                        "bluesky,gone.bsky.social,,North Police,team\n"
                        "twitter,northpolice,,North Police,force_corporate\n")
    import_registry(project, registry)
    fake = FakeBluesky(n=12, reply_every=3)
    report = collect_bluesky(project, from_registry=True, fetcher=fetcher(fake))
    assert [t.target for t in report.targets] == [POLICE_DID, "gone.bsky.social"]
    assert report.errors == ["gone.bsky.social: bluesky: no account 'gone.bsky.social' can be collected "
                             "(InvalidRequest Profile not found)"]
    assert report.total("threads") == 4
    gone = [r for r in collect_status(project) if r["target"] == "gone.bsky.social"]
    assert gone[0]["status"] == "error" and "Profile not found" in gone[0]["last_error"]
    police = project.query("SELECT DISTINCT author_handle, author_force FROM posts WHERE author_role = 'police'")
    assert police == [{"author_handle": POLICE_HANDLE, "author_force": "North Police"}]


def test_a_response_that_drifted_from_the_schema_is_kept_quarantined_and_reported(project):
    fake = FakeBluesky(n=150)
    drifted = {"items": [{"post": fake.posts[100]}], "cursor": "x"}
    fake.inject.append(lambda r: json_response(200, drifted) if r.url.params.get("cursor") else None)
    report = collect_bluesky(project, [POLICE_HANDLE], fetcher=fetcher(fake))
    assert project.scalar("SELECT count(*) FROM posts") == 100
    assert report.total("quarantined") == 1
    (error,) = report.errors
    assert "without a feed list (found: cursor, items)" in error and "quarantined" in error
    kept = report.targets[0].files[-1]
    assert orjson.loads(open(kept, "rb").read()) == drifted
    (row,) = collect_status(project)
    assert row["status"] == "error" and row["in_progress"]  # the next run retries that page


def test_the_real_thread_sample_is_collected(project, shared_fixtures):
    sample = (shared_fixtures / "bluesky" / "atproto__thread_view_post_with_embed_media.json").read_bytes()
    fake = FakeBluesky(n=1, reply_every=1)
    fake.threads[fake.posts[0]["uri"]] = orjson.loads(sample)
    collect_bluesky(project, [POLICE_HANDLE], threads=True, fetcher=fetcher(fake))
    root = orjson.loads(sample)["thread"]["post"]
    assert project.scalar("SELECT count(*) FROM posts WHERE created_at = ?",
                          [datetime.fromisoformat(root["record"]["createdAt"].replace("Z", ""))]) == 1


def test_an_html_page_mid_collection_keeps_what_was_fetched_and_the_next_run_completes(project, tmp_path):
    fake = FakeBluesky(n=250)
    html = b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head></html>"
    fake.inject.append(lambda r: httpx.Response(200, content=html, headers={"content-type": "text/html"})
                       if r.url.params.get("cursor") and len(fake.calls) > 3 else None)
    with pytest.raises(BadResponseError, match="an HTML page instead of JSON \\(200: 503 Service Unavailable\\)"):
        collect_bluesky(project, [POLICE_HANDLE], fetcher=fetcher(fake, max_tries=3))
    assert project.scalar("SELECT count(*) FROM posts") == 200  # the pages fetched before were stored
    (row,) = collect_status(project)
    assert row["in_progress"]
    fake.inject.clear()
    collect_bluesky(project, [POLICE_HANDLE], fetcher=fetcher(fake))
    assert posts(project) == _uninterrupted(tmp_path, False)
