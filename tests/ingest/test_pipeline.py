"""The import pipeline: all-or-nothing, idempotent, counts that reconcile, updates and partial posts."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
import sys
import textwrap

import blake3
import orjson
import pytest

from peelian import Project
from peelian.errors import InputError
from peelian.ingest import import_file
from peelian.store.export import export_table
from peelian.store.status import project_status


def tweet(tweet_id, text="hello", author="1", likes=0, **extra):
    return {"id": tweet_id, "text": text, "author_id": author, "created_at": "2025-03-01T10:00:00.000Z",
            "conversation_id": extra.pop("conversation_id", tweet_id),
            "public_metrics": {"like_count": likes, "reply_count": 0, "retweet_count": 0, "quote_count": 0},
            **extra}


def page(tweets, included=(), users=({"id": "1", "username": "alice", "name": "Alice"},)):
    return {"data": list(tweets), "includes": {"users": list(users), "tweets": list(included)},
            "meta": {"result_count": len(tweets)}}


def write_jsonl(path, pages):
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in pages))
    return path


def test_reimport_of_same_file_changes_nothing(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [page([tweet("10"), tweet("11")])])
    first = import_file(project, path)
    assert (first.posts_new, first.reconciles) == (2, True)
    again = import_file(project, path)
    assert again.skipped_identical_to == first.import_id
    forced = import_file(project, path, force=True)
    assert (forced.posts_new, forced.posts_updated, forced.duplicates) == (0, 0, 2)
    assert project.scalar("SELECT count(*) FROM posts") == 2
    assert project.scalar("SELECT count(*) FROM imports") == 2


def test_identical_content_is_found_by_its_hash_whatever_the_path(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [page([tweet("10"), tweet("11")])])
    first = import_file(project, path)
    stored = project.scalar("SELECT blake3 FROM imports WHERE import_id = ?", [first.import_id])
    assert stored == blake3.blake3(path.read_bytes()).hexdigest()  # hashed while the file imported
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())
    assert import_file(project, copy).skipped_identical_to == first.import_id
    same_size = write_jsonl(tmp_path / "b.jsonl", [page([tweet("12"), tweet("13")])])
    assert same_size.stat().st_size == path.stat().st_size
    other = import_file(project, same_size)
    assert (other.skipped_identical_to, other.posts_new) == (None, 2)
    assert project.scalar("SELECT blake3 FROM imports WHERE import_id = ?", [other.import_id]) == (
        blake3.blake3(same_size.read_bytes()).hexdigest())


def test_a_file_imported_before_blake3_is_still_found_by_its_sha256(project, tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [page([tweet("10"), tweet("11")])])
    first = import_file(project, path)
    project.con.execute("UPDATE imports SET blake3 = NULL, sha256 = ? WHERE import_id = ?",
                        [hashlib.sha256(path.read_bytes()).hexdigest(), first.import_id])  # as recorded then
    assert import_file(project, path).skipped_identical_to == first.import_id
    same_size = write_jsonl(tmp_path / "b.jsonl", [page([tweet("12"), tweet("13")])])
    assert import_file(project, same_size).posts_new == 2


def test_later_export_updates_metrics_and_keeps_history(project, tmp_path):
    import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("10", likes=1)])]))
    later = import_file(project, write_jsonl(tmp_path / "b.jsonl", [page([tweet("10", likes=7), tweet("12")])]))
    assert (later.posts_new, later.posts_updated, later.duplicates) == (1, 1, 0)
    row = project.query("SELECT like_count, first_import_id, last_import_id FROM posts WHERE post_id = '10'")[0]
    assert row == {"like_count": 7, "first_import_id": 1, "last_import_id": 2}
    assert [r["path"].split("/")[-1] for r in project.query("SELECT path FROM imports ORDER BY import_id")] == [
        "a.jsonl", "b.jsonl"]


def test_partial_post_from_expansion_is_completed_by_full_record(project, tmp_path):
    parent = tweet("1", text="the parent")
    child = tweet("2", text="a reply", referenced_tweets=[{"type": "replied_to", "id": "1"}], conversation_id="1")
    first = import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([child], included=[parent])]))
    assert first.posts_new == 2
    assert project.scalar("SELECT is_partial FROM posts WHERE post_id = '1'") is True
    later = import_file(project, write_jsonl(tmp_path / "b.jsonl", [page([parent])]))
    assert later.posts_updated == 1
    assert project.scalar("SELECT is_partial FROM posts WHERE post_id = '1'") is False
    assert project.query("SELECT kind, reply_to_post_id, conversation_id FROM posts WHERE post_id = '2'") == [
        {"kind": "reply", "reply_to_post_id": "1", "conversation_id": "1"}]


def test_duplicates_within_a_file_are_merged_and_counted(project, tmp_path):
    report = import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("10")]), page([tweet("10")])]))
    assert (report.records_read, report.posts_new, report.duplicates, report.reconciles) == (2, 1, 1, True)


def test_missing_parent_is_kept_as_a_reference(project, tmp_path):
    orphan = tweet("5", referenced_tweets=[{"type": "replied_to", "id": "404"}], conversation_id="400")
    import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([orphan])]))
    assert project.query("SELECT reply_to_post_id, conversation_id FROM posts") == [
        {"reply_to_post_id": "404", "conversation_id": "400"}]


def test_killed_import_leaves_project_unchanged(tmp_path):
    """A process that dies in the middle of an import (no cleanup at all) commits nothing."""
    path = tmp_path / "p.peelian"
    with Project.init(path) as project:
        import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("1")])]))
    big = write_jsonl(tmp_path / "big.jsonl", [page([tweet(str(i)) for i in range(100 + k * 100, 200 + k * 100)])
                                               for k in range(20)])
    script = textwrap.dedent(f"""
        import os
        from peelian import Project
        from peelian.ingest import pipeline
        original = pipeline._Writer._merge_accounts
        def die(self, *args):
            original(self, *args)
            os._exit(9)  # like kill -9: no rollback, no close
        pipeline._Writer._merge_accounts = die
        pipeline.import_file(Project.open({str(path)!r}), {str(big)!r})
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert result.returncode == 9, result.stderr.decode()
    with Project.open(path) as project:
        assert project.scalar("SELECT count(*) FROM posts") == 1
        assert project.scalar("SELECT count(*) FROM imports") == 1
        report = import_file(project, big)
        assert report.posts_new == 2000 and report.reconciles


def test_unknown_format_is_recorded_not_lost(project, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\nnothing social\n")
    report = import_file(project, path)
    assert report.error and "not recognised" in report.error
    assert (report.records_read, report.quarantined, report.reconciles) == (1, 1, True)
    assert project.query("SELECT location, reason FROM quarantine")[0]["location"] == "file"


def test_missing_file_is_an_input_error(project, tmp_path):
    with pytest.raises(InputError, match="no such file"):
        import_file(project, tmp_path / "absent.jsonl")


def test_status_reconciles_with_imports(project, tmp_path):
    import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("1"), tweet("2")])]))
    (tmp_path / "b.jsonl").write_bytes(orjson.dumps(page([tweet("3")])) + b"\n{\"data\": [")
    import_file(project, tmp_path / "b.jsonl")
    status = project_status(project)
    imports = status["imports"]
    assert imports["records_read"] == (imports["posts_new"] + imports["posts_updated"] + imports["duplicates"]
                                       + imports["notices"] + imports["quarantined"])
    assert status["totals"]["posts"] == 3 and status["quarantined"] == 1


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_export_posts(project, tmp_path, suffix):
    import duckdb

    import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("1"), tweet("2")])]))
    out = tmp_path / f"posts{suffix}"
    assert export_table(project, "posts", out) == 2
    reader = {".parquet": "read_parquet", ".csv": "read_csv", ".jsonl": "read_json"}[suffix]
    ids = duckdb.sql(f"SELECT CAST(post_id AS VARCHAR) AS id FROM {reader}('{out}') ORDER BY id").fetchall()
    assert ids == [("1",), ("2",)]


def test_export_rejects_unknown_table_and_format(project, tmp_path):
    with pytest.raises(InputError, match="cannot export"):
        export_table(project, "secrets", tmp_path / "x.csv")
    with pytest.raises(InputError, match="unknown export format"):
        export_table(project, "posts", tmp_path / "x.xlsx")


def test_merging_in_chunks_counts_each_post_once(project, tmp_path, monkeypatch):
    """Large files are merged every MERGE_ROWS posts; counts and values match a single merge."""
    from peelian.ingest import pipeline

    monkeypatch.setattr(pipeline, "MERGE_ROWS", 3)
    parent = tweet("1", text="the parent", likes=4)
    pages = [page([tweet("2", referenced_tweets=[{"type": "replied_to", "id": "1"}])], included=[parent]),
             page([tweet("3"), tweet("4")]), page([parent, tweet("5")]), page([tweet("2")])]
    report = import_file(project, write_jsonl(tmp_path / "a.jsonl", pages))
    assert (report.records_read, report.posts_new, report.posts_updated, report.duplicates) == (7, 5, 0, 2)
    assert report.reconciles
    assert project.query("SELECT is_partial, like_count, text FROM posts WHERE post_id = '1'") == [
        {"is_partial": False, "like_count": 4, "text": "the parent"}]
    assert project.scalar("SELECT count(*) FROM posts") == 5
    again = import_file(project, write_jsonl(tmp_path / "b.jsonl", [page([tweet("3", likes=9), tweet("6")])]))
    assert (again.posts_new, again.posts_updated, again.duplicates) == (1, 1, 0)


def test_an_account_keeps_its_latest_values_and_the_last_import_that_saw_it(project, tmp_path, monkeypatch):
    """Each merge stages every account its posts name; one already seen and unchanged is left as it is,
    one changed (or first seen again in a later import) is updated."""
    from peelian.ingest import pipeline
    from peelian.ingest.formats import twitter_v2_bulk

    monkeypatch.setattr(pipeline, "MERGE_ROWS", 1)
    monkeypatch.setattr(twitter_v2_bulk, "CHUNK_BYTES", 400)
    monkeypatch.setattr(twitter_v2_bulk, "MERGE_ROWS", 1)

    def alice(followers, name="Alice"):
        return ({"id": "1", "username": "alice", "name": name, "public_metrics": {"followers_count": followers}},)

    account = "SELECT followers_count, first_seen_import, last_seen_import FROM accounts"  # a citizen: no name
    import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("1")], users=alice(5)),
                                                            page([tweet("2")], users=alice(5)),
                                                            page([tweet("3")], users=alice(7, "Alice B"))]))
    assert project.query(account) == [{"followers_count": 7, "first_seen_import": 1, "last_seen_import": 1}]
    import_file(project, write_jsonl(tmp_path / "b.jsonl", [page([tweet("4")], users=alice(7, "Alice B"))]))
    assert project.query(account) == [{"followers_count": 7, "first_seen_import": 1, "last_seen_import": 2}]


def test_mentions_are_stored_once_across_merges_and_imports(project, tmp_path, monkeypatch):
    """A merge looks up stored mentions only for posts stored before it: a post seen again in a
    later merge, or a later import, adds its new mentions and never repeats one."""
    from peelian.ingest import pipeline
    from peelian.ingest.formats import twitter_v2_bulk

    monkeypatch.setattr(pipeline, "MERGE_ROWS", 2)  # the record-by-record reader merges every 2 posts,
    monkeypatch.setattr(twitter_v2_bulk, "CHUNK_BYTES", 1000)  # the bulk reader after each chunk of a page
    monkeypatch.setattr(twitter_v2_bulk, "MERGE_ROWS", 1)

    def mentioning(tweet_id, *handles):
        return tweet(tweet_id, text=" ".join(f"@{h}" for h in handles),
                     entities={"mentions": [{"username": h, "id": str(100 + len(h))} for h in handles]})

    pages = [page([mentioning("1", "bob"), mentioning("2", "bob", "carol")]),
             page([mentioning("3", "dave"), mentioning("1", "bob")]),
             page([mentioning("2", "bob", "carol", "erin"), mentioning("4")])]
    import_file(project, write_jsonl(tmp_path / "a.jsonl", pages))
    import_file(project, write_jsonl(tmp_path / "b.jsonl", [page([mentioning("3", "dave", "frank"),
                                                                  mentioning("5", "bob", "bob")])]))
    rows = project.query("SELECT post_id, count(*) AS n, count(DISTINCT handle) AS handles FROM mentions "
                         "GROUP BY post_id ORDER BY post_id")
    assert [(r["post_id"], r["n"], r["handles"]) for r in rows] == [("1", 1, 1), ("2", 3, 3), ("3", 2, 2), ("5", 1, 1)]


def test_merge_takes_each_column_from_the_best_copy_that_has_it(project):
    """Copies of one post merged at once: full beats partial, later beats earlier, column by column,
    so a value only a lower-ranked copy has is kept rather than lost to the winner's gap."""
    from peelian.ingest.pipeline import _Writer
    from peelian.ingest.records import Post

    copies = [
        Post("twitter", "1", "copy 1", author_id="1", text="first", like_count=1, conversation_id="100"),
        Post("twitter", "1", "copy 2", author_id="1", text="partial", language="en", like_count=9,
             quoted_post_id="5", is_partial=True),
        Post("twitter", "1", "copy 3", author_id="1", text="second", reply_count=2),
        Post("twitter", "2", "copy 4", author_id="1", text="only partial", is_partial=True),
    ]
    with project.transaction() as con:
        writer = _Writer(project, con, 1, "test")
        for post in copies:
            writer.add(post)
        writer.merge_chunk()
    rows = project.query("SELECT post_id, text, language, like_count, reply_count, conversation_id, quoted_post_id, "
                         "is_partial, source_location FROM posts ORDER BY post_id")
    assert rows == [
        {"post_id": "1", "text": "second", "language": "en", "like_count": 1, "reply_count": 2, "conversation_id": "100",
         "quoted_post_id": "5", "is_partial": False, "source_location": "copy 1"},
        {"post_id": "2", "text": "only partial", "language": None, "like_count": None, "reply_count": None,
         "conversation_id": None, "quoted_post_id": None, "is_partial": True, "source_location": "copy 4"},
    ]


def test_posts_staged_once_are_written_without_the_dedup(project, monkeypatch):
    """A merge whose posts are each staged once (no expansions, no repeats) writes them as staged,
    without the dedup aggregate; a merge with a repeated post still dedups."""
    from peelian.ingest import pipeline
    from peelian.ingest.pipeline import _Writer
    from peelian.ingest.records import Post

    queries: list[str] = []
    arrow_with = pipeline.arrow_with

    def recording(con, sql, **tables):
        queries.append(sql)
        return arrow_with(con, sql, **tables)

    def dedups() -> int:
        return sum("GROUP BY platform, post_id" in q for q in queries)

    monkeypatch.setattr(pipeline, "arrow_with", recording)
    with project.transaction() as con:
        writer = _Writer(project, con, 1, "test")
        writer.add(Post("twitter", "1", "line 1", author_id="1", text="one", like_count=3, language="en"))
        writer.add(Post("twitter", "2", "line 2", author_id="1", text="two", is_partial=True))
        writer.merge_chunk()
        assert dedups() == 0
        writer.add(Post("twitter", "3", "line 3", author_id="1", text="three"))
        writer.add(Post("twitter", "3", "line 4", author_id="1", text="three, later", reply_count=1))
        writer.merge_chunk()
        assert dedups() == 1
    rows = project.query("SELECT post_id, text, language, like_count, reply_count, is_partial, source_location, "
                         "first_import_id FROM posts ORDER BY post_id")
    assert rows == [
        {"post_id": "1", "text": "one", "language": "en", "like_count": 3, "reply_count": None, "is_partial": False,
         "source_location": "line 1", "first_import_id": 1},
        {"post_id": "2", "text": "two", "language": None, "like_count": None, "reply_count": None, "is_partial": True,
         "source_location": "line 2", "first_import_id": 1},
        {"post_id": "3", "text": "three, later", "language": None, "like_count": None, "reply_count": 1,
         "is_partial": False, "source_location": "line 3", "first_import_id": 1},
    ]


def test_duckdbs_share_of_an_import_is_at_most_a_quarter_of_the_machine(monkeypatch):
    from peelian.ingest import pipeline

    sizes = {"SC_PHYS_PAGES": 1 << 20, "SC_PAGE_SIZE": 4096}  # a 4 GiB machine
    monkeypatch.setattr(pipeline.os, "sysconf", sizes.__getitem__)
    assert pipeline._import_memory() == 1 << 30
    sizes["SC_PHYS_PAGES"] = 4 << 20  # 16 GiB
    assert pipeline._import_memory() == 1536 << 20
    monkeypatch.delattr(pipeline.os, "sysconf")  # as on Windows
    assert pipeline._import_memory() == 1536 << 20


def test_an_import_writes_row_groups_as_they_fill_and_sets_the_buffer_back(project, tmp_path, monkeypatch):
    """During an import DuckDB writes each full row group out at once (a commit compressing buffered ones
    runs on one core, after everything else); the setting is DuckDB's default again afterwards, after a
    failed import too."""
    from peelian.ingest import pipeline

    def buffered() -> int:
        return int(project.scalar("SELECT current_setting('write_buffer_row_group_count')"))

    default, seen, finish = buffered(), [], pipeline._Writer.finish

    def finish_then(fail: bool):
        def run(writer, report):
            seen.append(int(writer.con.execute("SELECT current_setting('write_buffer_row_group_count')").fetchall()[0][0]))
            if fail:
                raise RuntimeError("the import fails before its commit")
            finish(writer, report)
        return run

    monkeypatch.setattr(pipeline._Writer, "finish", finish_then(False))
    assert import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("10")])])).posts_new == 1
    monkeypatch.setattr(pipeline._Writer, "finish", finish_then(True))
    with pytest.raises(RuntimeError, match="fails before its commit"):
        import_file(project, write_jsonl(tmp_path / "b.jsonl", [page([tweet("11")])]))
    assert seen == [1, 1] and default != 1 and buffered() == default
    assert project.scalar("SELECT count(*) FROM posts") == 1


def test_an_import_merged_more_than_once_is_checkpointed_at_its_commit(project, tmp_path, monkeypatch):
    """An import merged more than once commits as a checkpoint, its rows written into the project file
    (a post changed after its row group was written made DuckDB log every row of the import); a small
    import keeps DuckDB's log; the checkpoint threshold is set back afterwards, after a failed import too."""
    from peelian.ingest import pipeline
    from peelian.ingest.formats import twitter_v2_bulk

    def threshold() -> str:
        return project.scalar("SELECT current_setting('checkpoint_threshold')")

    def logged() -> int:
        wal = project.path.with_name(project.path.name + ".wal")
        return wal.stat().st_size if wal.exists() else 0

    default = threshold()
    small = import_file(project, write_jsonl(tmp_path / "a.jsonl", [page([tweet("10", likes=1), tweet("11")])]))
    assert small.posts_new == 2
    assert logged() > 0 and threshold() == default

    monkeypatch.setattr(twitter_v2_bulk, "CHUNK_BYTES", 1000)  # a chunk, and a merge, for each page
    monkeypatch.setattr(twitter_v2_bulk, "MERGE_ROWS", 1)
    pages = [page([tweet("12", likes=1), tweet("13")]), page([tweet("14")]), page([tweet("12", likes=2)])]
    merged = import_file(project, write_jsonl(tmp_path / "b.jsonl", pages))
    assert (merged.posts_new, merged.duplicates) == (3, 1)
    assert project.scalar("SELECT like_count FROM posts WHERE post_id = '12'") == 2
    assert logged() == 0 and threshold() == default

    calls, utcnow, asked = [], pipeline.utcnow, []
    checkpoint_at_commit = pipeline._checkpoint_at_commit

    @contextlib.contextmanager
    def recording(con):
        with checkpoint_at_commit(con) as checkpoint:
            yield lambda: (asked.append(1), checkpoint())

    def now_then_fail():
        calls.append(1)
        if len(calls) > 1:  # the import's end time, after the checkpoint was asked for
            raise RuntimeError("the import fails before its commit")
        return utcnow()

    monkeypatch.setattr(pipeline, "utcnow", now_then_fail)
    monkeypatch.setattr(pipeline, "_checkpoint_at_commit", recording)
    with pytest.raises(RuntimeError, match="fails before its commit"):
        import_file(project, write_jsonl(tmp_path / "c.jsonl", pages[:2] + [page([tweet("15")])]))
    assert asked == [1] and threshold() == default
    assert project.scalar("SELECT count(*) FROM posts") == 5
