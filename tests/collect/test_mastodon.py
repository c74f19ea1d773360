"""Collecting Mastodon: account lookup, statuses paged by the Link header, status context, resume,
unknown accounts, served by a mock transport."""

from __future__ import annotations

import orjson
import pytest

from peelian import Project
from peelian.collect import collect_mastodon, collect_status
from peelian.collect.mastodon import parse_account
from peelian.errors import InputError, UnknownAccountError
from tests.collect.fakes import FakeMastodon, fetcher, json_response


def stored(project: Project) -> list[tuple]:
    return project.con.execute("SELECT created_at, text, kind FROM posts ORDER BY created_at, text").fetchall()


def test_statuses_are_paged_by_the_link_header_and_contexts_bring_the_replies(project):
    fake = FakeMastodon(n=90, reply_every=4)
    report = collect_mastodon(project, ["@police@police.example"], context=True, fetcher=fetcher(fake))
    assert fake.calls_to("/statuses") == 3  # 40 + 40 + 10
    assert fake.calls_to("/context") == 23 == report.total("threads")
    assert project.scalar("SELECT count(*) FROM posts") == 90 + 23 * 2
    statuses = [c for c in fake.calls if c.url.path.endswith("/statuses")]
    assert statuses[0].url.params["exclude_replies"] == "true" and "max_id" not in statuses[0].url.params
    assert statuses[1].url.params["max_id"] == fake.statuses[39]["id"]
    answer = project.query("SELECT p.kind, q.text AS parent FROM posts p JOIN posts q "
                           "ON q.post_id = p.reply_to_post_id WHERE p.text = 'Yes, since 9am.' LIMIT 1")
    assert answer == [{"kind": "reply", "parent": "Is the road open?"}]
    (row,) = collect_status(project)
    assert row["target"] == "police@police.example" and row["account_id"] == "police.example/109"
    assert row["status"] == "done" and row["threads_fetched"] == 23


def test_a_killed_collection_resumes_to_the_posts_of_an_uninterrupted_one(project, tmp_path):
    fake = FakeMastodon(n=90)
    seen = []

    def die_on_third_page(request):
        seen.append(request.url.path)
        if request.url.path.endswith("/statuses") and seen.count(request.url.path) == 3:
            raise KeyboardInterrupt
        return None

    fake.inject.append(die_on_third_page)
    with pytest.raises(KeyboardInterrupt):
        collect_mastodon(project, ["police@police.example"], batch_pages=1, fetcher=fetcher(fake))
    assert project.scalar("SELECT count(*) FROM posts") == 80
    fake.inject.clear()
    fake.calls.clear()
    report = collect_mastodon(project, ["police@police.example"], batch_pages=1, fetcher=fetcher(fake))
    assert report.targets[0].resumed and fake.calls_to("/statuses") == 1
    with Project.init(tmp_path / "whole.peelian") as whole:
        collect_mastodon(whole, ["police@police.example"], fetcher=fetcher(FakeMastodon(n=90)))
        assert stored(project) == stored(whole)


def test_an_unknown_account_and_a_malformed_name_are_clear_errors(project):
    with pytest.raises(UnknownAccountError, match="police.example has no account 'nobody' \\(Record not found\\)"):
        collect_mastodon(project, ["@nobody@police.example"], fetcher=fetcher(FakeMastodon(n=1)))
    with pytest.raises(InputError, match="a Mastodon account is @user@instance"):
        collect_mastodon(project, ["police"], fetcher=fetcher(FakeMastodon(n=1)))


@pytest.mark.parametrize("text, expected", [
    ("@police@Police.Example", ("police", "police.example")),
    ("police@police.example", ("police", "police.example")),
    ("https://police.example/@police", ("police", "police.example")),
])
def test_account_forms(text, expected):
    assert parse_account(text) == expected


def test_the_real_context_sample_is_collected(project, shared_fixtures):
    sample = (shared_fixtures / "mastodon" / "Mastodon.py__test_entity_context.00.GET.200.json").read_bytes()
    fake = FakeMastodon(n=1, reply_every=1)
    fake.inject.append(lambda r: json_response(200, orjson.loads(sample))
                       if r.url.path.endswith("/context") else None)
    report = collect_mastodon(project, ["police@police.example"], context=True, fetcher=fetcher(fake))
    assert report.total("threads") == 1 and report.total("quarantined") == 0
    assert report.total("records_read") > 1
