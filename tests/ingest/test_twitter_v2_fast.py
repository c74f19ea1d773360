"""The DuckDB fast path for twarc2 JSONL against the plain Python reader: the same files into two
projects must leave identical posts, accounts, mentions, notices, quarantine and counts."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from peelian import Project
from peelian.demo import generate
from peelian.ingest import import_files, pipeline
from peelian.ingest.formats import twitter_v2_duckdb
from peelian.store.project import FOLDER_SUFFIX, SECRET_FILE
from peelian.store.registry import import_registry

TABLES = {
    "posts": "SELECT * FROM posts",
    "accounts": "SELECT * FROM accounts",
    "mentions": "SELECT * FROM mentions",
    "notices": "SELECT * FROM notices",
    "quarantine": "SELECT * FROM quarantine",
}
COUNTS = ("records_read", "posts_new", "posts_updated", "duplicates", "notices", "quarantined", "accounts_seen")


def _tweet(tweet_id: str, **extra) -> dict:
    return {"id": tweet_id, "text": f"post {tweet_id} @someone &amp; @Police_1", "author_id": "7",
            "created_at": "2024-05-01T08:00:00.000Z", "conversation_id": tweet_id, "lang": "en",
            "edit_history_tweet_ids": [tweet_id],
            "entities": {"mentions": [{"id": "8", "username": "someone"}, {"username": "Police_1"}]},
            "public_metrics": {"like_count": 1, "reply_count": 2, "retweet_count": 3, "quote_count": 4}, **extra}


USERS = [{"id": "7", "username": "author", "name": "An Author", "public_metrics": {"followers_count": 5}},
         {"id": "8", "username": "someone", "name": "Some One"}]


def _page(*tweets: dict, **extra) -> dict:
    return {"data": list(tweets), "includes": {"users": USERS}, "meta": {"result_count": len(tweets)}, **extra}


def odd_lines() -> bytes:
    """Standard pages around every kind of line the fast path must leave to Python."""
    values: list[dict | list | bytes] = [
        _page(_tweet("1"), _tweet("2", referenced_tweets=[{"type": "replied_to", "id": "1"}],
                                  in_reply_to_user_id="7")),
        _page(_tweet("3", referenced_tweets=[{"type": "retweeted", "id": "1"}]),
              _tweet("4", note_tweet={"text": "a long &lt;note&gt; for @someone"})),
        {**_page(_tweet("5")), "includes": {"users": USERS, "tweets": [_tweet("1", text="older copy")]}},
        _page(_tweet("6"), errors=[{"title": "Not Found Error", "resource_type": "tweet", "resource_id": "9"}]),
        _page(_tweet("10", edit_history_tweet_ids=["9", "10"]), includes={"tweets": [_tweet("9")]}),
        b'{"data": [{"id": "11", "text": "trailing",}]}',
        b'{"data": [{"id": "12", "text": "nan", "public_metrics": {"like_count": NaN}}]}',
        b'{"data": [{"id": "13", "text": "cut',
        _page(_tweet("14", author_id=14)),
        _page(_tweet("15", public_metrics={"like_count": "1,234"})),
        _page(_tweet("16", public_metrics={"like_count": True})),
        _page(_tweet("17", lang={})),
        _page({"id": "18", "withheld": {"country_codes": ["DE"]}}),
        _page(_tweet("19"), _tweet("19b")),
        {"data": _tweet("20")},
        {"data": {"delete": {"tweet": {"id": "2", "author_id": "7"}}}},
        {**_tweet("21"), "author": USERS[0]},
        [_page(_tweet("22"))],
        _page(_tweet("23", created_at="2024-02-30T08:00:00.000Z")),
        _page(_tweet("24", created_at="Wed May 01 08:00:00 +0000 2024")),
        {"data": [_tweet("25")], "includes": {"users": [*USERS, {"id": "7", "username": "renamed"}]}},
        _page(_tweet("26", text=None)),
        _page(_tweet("27", entities={"mentions": [{"id": 8, "username": "someone"}, "x", {"username": ""}]})),
        _page(_tweet("28", referenced_tweets={})),
        b"\xff\xfe not utf-8",
        b"",
        _page(_tweet("1", text="the full copy again")),
        _page(),
        "plain string".encode(),
        _page(_tweet("30", text="Infinity, and beyond: &#64;hidden")),
    ]
    return b"".join((v if isinstance(v, bytes) else orjson.dumps(v)) + b"\n" for v in values)


def _import(tmp_path: Path, name: str, files: list[Path], engine: str, registry: Path | None,
            pseudonymise: bool) -> tuple[dict, list]:
    path = tmp_path / f"{name}-{engine}.peelian"
    folder = path.with_name(path.name + FOLDER_SUFFIX)
    folder.mkdir()
    (folder / SECRET_FILE).write_text("ab" * 32)  # one key for both projects, so that pseudonyms compare
    project = Project.init(path, pseudonymise_citizens=pseudonymise)
    try:
        if registry:
            import_registry(project, registry)
        reports = import_files(project, files, format="twitter-v2", options={"engine": engine})
        tables = {t: sorted(map(repr, project.con.execute(q).fetchall())) for t, q in TABLES.items()}
    finally:
        project.close()
    return tables, [{c: getattr(r, c) for c in COUNTS} for r in reports]


def _assert_same(tmp_path: Path, name: str, files: list[Path], registry: Path | None = None,
                 pseudonymise: bool = True) -> dict:
    fast = _import(tmp_path, name, files, "duckdb", registry, pseudonymise)
    slow = _import(tmp_path, name, files, "python", registry, pseudonymise)
    for table in TABLES:
        assert fast[0][table] == slow[0][table], table
    assert fast[1] == slow[1]
    return fast[0]


@pytest.mark.parametrize("pseudonymise", [True, False])
def test_shared_fixtures_import_alike(shared_fixtures, tmp_path, pseudonymise):
    files = sorted((shared_fixtures / "twitter_v2").iterdir())
    tables = _assert_same(tmp_path, "fixtures", files, pseudonymise=pseudonymise)
    assert tables["posts"] and tables["notices"]


@pytest.mark.parametrize("merge_rows", [200_000, 3])
def test_odd_lines_import_alike(tmp_path, monkeypatch, merge_rows):
    monkeypatch.setattr(pipeline, "MERGE_ROWS", merge_rows)
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + odd_lines())
    tables = _assert_same(tmp_path, "odd", [path])
    assert tables["quarantine"] and tables["notices"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("demo"), posts=3000, seed=3, mastodon=False, truth=False)


@pytest.mark.parametrize("merge_rows", [200_000, 997])
def test_demo_corpus_imports_alike(demo, tmp_path, monkeypatch, merge_rows):
    monkeypatch.setattr(pipeline, "MERGE_ROWS", merge_rows)
    monkeypatch.setattr(twitter_v2_duckdb, "CHUNK_BYTES", 1 << 20)
    tables = _assert_same(tmp_path, "demo", list(demo.x_files), registry=demo.registry_csv)
    assert len(tables["posts"]) > 2000 and tables["quarantine"]


def test_the_fast_path_is_the_default_for_large_pages_files(tmp_path, monkeypatch):
    calls = []
    real = twitter_v2_duckdb.stage_pages
    monkeypatch.setattr(twitter_v2_duckdb, "stage_pages", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(twitter_v2_duckdb, "FAST_MIN_BYTES", 0)
    path = tmp_path / "pages.jsonl"
    path.write_bytes(odd_lines())
    project = Project.init(tmp_path / "default.peelian")
    (report,) = import_files(project, [path])
    project.close()
    assert calls and report.reconciles
