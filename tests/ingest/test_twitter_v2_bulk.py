"""The bulk (DuckDB) reader of twarc2 pages stores exactly what the record-by-record reader stores.

Each file is imported twice, into two projects sharing one secret and registry: once as users
import it (bulk), once with the bulk reader switched off. Every table the import writes must
come out the same, row for row, and so must the import's counts.
"""

from __future__ import annotations

import random
import shutil
from typing import Any

import pytest

from peelian import Project
from peelian.demo import generate
from peelian.ingest import import_file
from peelian.ingest.formats import twitter_v2_bulk
from peelian.ingest.formats.twitter_v2 import TwitterV2Importer
from peelian.store.identity import IdentityResolver
from peelian.store.project import SECRET_FILE
from peelian.store.registry import import_registry
from tests.ingest.helpers import lines

TABLES = {
    "posts": "SELECT * EXCLUDE (first_import_id, last_import_id) FROM posts",
    "accounts": "SELECT * EXCLUDE (first_seen_import, last_seen_import) FROM accounts",
    "mentions": "SELECT * FROM mentions",
    "notices": "SELECT * EXCLUDE (import_id) FROM notices",
    "quarantine": "SELECT * EXCLUDE (import_id, path) FROM quarantine",
}
REPORT_FIELDS = ("records_read", "posts_new", "posts_updated", "duplicates", "notices", "quarantined", "accounts_seen")
PAGE_FIXTURES = [
    "twarc-csv__cotweet.jsonl", "twarc-csv__edited.jsonl", "twarc-csv__edited_after.jsonl",
    "twarc-csv__edited_before.jsonl", "twarc-csv__geo_tweets.jsonl", "twarc-csv__many_urls.jsonl",
    "twarc-csv__media_tweet.jsonl", "twarc-csv__mentions_tweet.jsonl", "twarc-csv__noflat.jsonl",
    "twarc-csv__quoted_edit.jsonl", "twarc-csv__streaming_output_with_error.jsonl",
    "twarc-csv__two_tweets.jsonl", "twarc-csv__verified_type.jsonl",
]


@pytest.fixture
def twin_projects(tmp_path):
    """Two empty projects with the same secret, so that their pseudonyms can be compared."""
    bulk = Project.init(tmp_path / "bulk.peelian")
    plain = Project.init(tmp_path / "plain.peelian")
    plain.close()
    shutil.copy(bulk.folder / SECRET_FILE, plain.folder / SECRET_FILE)
    plain = Project.open(tmp_path / "plain.peelian")
    yield bulk, plain
    bulk.close()
    plain.close()


def import_both(twin_projects, path, monkeypatch, *, registry=None) -> tuple[Any, Any, int]:
    """Both reports, and how many lines the bulk import built in SQL (not in Python)."""
    bulk, plain = twin_projects
    if registry:
        import_registry(bulk, registry)
        import_registry(plain, registry)
    built_in_sql: list[int] = []
    real_build = twitter_v2_bulk._Chunk.build

    def build(chunk):
        built = real_build(chunk)
        built_in_sql.extend(built.fast)
        return built

    with monkeypatch.context() as patch:
        patch.setattr(twitter_v2_bulk._Chunk, "build", build)
        bulk_report = import_file(bulk, path)
    with monkeypatch.context() as patch:
        patch.setattr(TwitterV2Importer, "stage_bulk", lambda self, path, sink: False)
        plain_report = import_file(plain, path)
    return bulk_report, plain_report, len(built_in_sql)


def assert_same(twin_projects, bulk_report, plain_report) -> None:
    bulk, plain = twin_projects
    assert [getattr(bulk_report, f) for f in REPORT_FIELDS] == [getattr(plain_report, f) for f in REPORT_FIELDS]
    assert bulk_report.reconciles
    for table, query in TABLES.items():
        got, want = bulk.con.execute(query).fetchall(), plain.con.execute(query).fetchall()
        assert sorted(got, key=repr) == sorted(want, key=repr), table


@pytest.mark.parametrize("name", PAGE_FIXTURES)
def test_every_page_sample_imports_alike(twin_projects, shared_fixtures, monkeypatch, name):
    bulk_report, plain_report, _ = import_both(twin_projects, shared_fixtures / "twitter_v2" / name, monkeypatch)
    assert_same(twin_projects, bulk_report, plain_report)


def tweet(tweet_id: str, **extra: Any) -> dict:
    return {"id": tweet_id, "text": f"@someone post {tweet_id}", "author_id": "7",
            "created_at": "2024-05-01T08:00:00.000Z", "conversation_id": "100", "lang": "en",
            "edit_history_tweet_ids": [tweet_id], "referenced_tweets": [{"type": "replied_to", "id": "100"}],
            "in_reply_to_user_id": "8",
            "entities": {"mentions": [{"start": 0, "end": 8, "username": "someone", "id": "8"}]},
            "public_metrics": {"like_count": 1, "reply_count": 0, "retweet_count": 0, "quote_count": 0}, **extra}


def page(*tweets: dict, users: list[dict] | None = None, included: list[dict] | None = None, **extra: Any) -> dict:
    users = users if users is not None else [
        {"id": "7", "username": "MetPolice", "name": "Met", "public_metrics": {"followers_count": 10}},
        {"id": "8", "username": "someone", "name": "Some One", "public_metrics": {"followers_count": 3}}]
    return {"data": list(tweets), "includes": {"users": users, "tweets": included or []},
            "meta": {"result_count": len(tweets)}, **extra}


MESSY_LINES: list[dict | bytes] = [
    page(tweet("1"), tweet("2", text="Tom &amp; Jerry @someone @MetPolice a@b.com"), included=[tweet("100")]),
    b"",
    page(tweet("3", text=5)),  # a text that is not text: quarantined
    page(tweet("4"), errors=[{"title": "Not Found Error", "resource_type": "tweet", "resource_id": "9"}]),
    page(tweet("5", edit_history_tweet_ids=["4", "5"])),  # an edited tweet: the earlier version is a notice
    b'{"data": [{"id": "6", "text": "cut',  # malformed
    page(tweet("7", public_metrics={"like_count": 2.5})),
    page(tweet("8"), users=[{"id": 7, "username": "numeric"}]),
    b'{"data": [{"id": "9", "text": "x", "author_id": "7",},]}',  # trailing commas
    b'{"data": [{"id": "10", "text": "caf\xe9"}]}',  # not UTF-8
    {"id": "11", "text": "a flattened tweet", "author_id": "7", "author": {"id": "7", "username": "MetPolice"},
     "edit_history_tweet_ids": ["11"]},
    page(tweet("12", id="12x")),
    page(tweet("13", created_at="2024-05-01 08:00:00")),
    page(tweet("1", public_metrics={"like_count": 99}), tweet("14", referenced_tweets=[{"type": "quoted", "id": ""}])),
    page(tweet("15"), users=[{"id": "8", "username": "a"}, {"id": "8", "username": "b"}]),
    page(tweet("16", note_tweet={"text": "a long note @someone"}, lang="", author_id="")),
    page(tweet("17", referenced_tweets=[{"type": "retweeted", "id": "1"}], text="RT @MetPolice: post 1")),
    page(tweet("18", withheld={"country_codes": ["DE"]})),
    page({"id": "19", "withheld": {"country_codes": ["DE"]}}),
    page(),  # no tweets, only users: the page has no rows in SQL, and goes to the Python reader
    # texts are fixed joined into one string: entities and @handles at the ends of texts must not run on
    page(tweet("21", text="@someone Fish &amp chips &lt3 &#38; x@someone"), tweet("22", text="&am"),
         tweet("23", text="p; @someone"), tweet("24", text="@MetPolice")),
    page(tweet("25", text="a NUL \u0000 @someone &amp; here")),  # a chunk with NUL in a text goes text by text
    # links to profiles are pseudonymised like @handles, in texts with and without an "@" or "&"
    page(tweet("26", text="see https://twitter.com/someone/status/1 and X.com/MetPolice"),
         tweet("27", text="mastodon.social/@someone &amp; bsky.app/profile/someone.bsky.social"),
         tweet("28", text="netflix.com/someone is no profile, x.com/i/web/status/1 neither")),
    # Python's IGNORECASE takes a dotted or dotless i for an "i" (DuckDB's RE2 does not)
    page(tweet("29", text="see twİtter.com/someone"), tweet("30", text="twıtter.com/someone @someone")),
    # texts that mention only police stay out of Python; what follows a police handle decides whether it is one
    page(tweet("31", text="@MetPolice. thanks (@METPOLICE) @metpolice"), tweet("32", text="@MetPolice-x @MetPolice_"),
         tweet("33", text="@MetPolice@mastodon.social @MetPolice.uk"), tweet("34", text="me@MetPolice @MetPolice,@someone"),
         tweet("35", text="@MetPolice.-! @MetPolice.@someone @@MetPolice @MetPoliceK")),
]


def messy_file(tmp_path, chunks: int = 1):
    path = tmp_path / "messy.jsonl"
    path.write_bytes(lines(*MESSY_LINES) * chunks + lines(page(tweet("20")))[:-10])  # cut last line
    return path


def registry_csv(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text("platform,handle,account_id,force,account_type\ntwitter,MetPolice,7,met,force_corporate\n")
    return path


def test_odd_lines_go_to_the_python_reader_and_end_alike(twin_projects, tmp_path, monkeypatch):
    bulk_report, plain_report, in_sql = import_both(twin_projects, messy_file(tmp_path), monkeypatch,
                                            registry=registry_csv(tmp_path))
    assert_same(twin_projects, bulk_report, plain_report)
    assert bulk_report.quarantined >= 5 and bulk_report.notices >= 2
    assert in_sql >= 5  # the plain pages did go through SQL
    bulk = twin_projects[0]
    text = bulk.scalar("SELECT text FROM posts WHERE post_id = '2'")
    assert text.startswith("Tom & Jerry @c_") and "@MetPolice a@b.com" in text
    linked = bulk.scalar("SELECT text FROM posts WHERE post_id = '26'")
    assert linked.startswith("see https://twitter.com/c_") and linked.endswith("X.com/MetPolice")
    assert "someone" not in bulk.scalar("SELECT text FROM posts WHERE post_id = '27'")
    assert bulk.scalar("SELECT text FROM posts WHERE post_id = '28'").startswith("netflix.com/someone")


def test_texts_that_mention_only_police_are_not_rewritten_in_python(tmp_path, monkeypatch):
    project = Project.init(tmp_path / "p.peelian")
    import_registry(project, registry_csv(tmp_path))
    rewritten: list[str] = []
    real_fix = twitter_v2_bulk._Chunk._fix_mentions

    def fix_mentions(chunk, text):
        rewritten.append(text)
        return real_fix(chunk, text)

    monkeypatch.setattr(twitter_v2_bulk._Chunk, "_fix_mentions", fix_mentions)
    path = tmp_path / "police.jsonl"
    path.write_bytes(lines(page(tweet("1", text="@MetPolice thanks"), tweet("2", text="(@metpolice). @MetPolice"),
                                tweet("3", text="@someone and @MetPolice"))))
    import_file(project, path)
    assert rewritten == ["@someone and @MetPolice"]
    assert project.scalar("SELECT text FROM posts WHERE post_id = '2'") == "(@metpolice). @MetPolice"
    assert project.scalar("SELECT text FROM posts WHERE post_id = '3'").startswith("@c_")
    project.close()


def test_chunk_boundaries_and_repeats_across_chunks_end_alike(twin_projects, tmp_path, monkeypatch):
    monkeypatch.setattr(twitter_v2_bulk, "CHUNK_BYTES", 3000)  # a few lines per chunk,
    monkeypatch.setattr(twitter_v2_bulk, "MERGE_ROWS", 1)  # and a merge after each
    path = messy_file(tmp_path, chunks=3)
    bulk_report, plain_report, in_sql = import_both(twin_projects, path, monkeypatch, registry=registry_csv(tmp_path))
    assert_same(twin_projects, bulk_report, plain_report)
    assert bulk_report.duplicates > 0 and in_sql >= 15


def test_the_demo_corpus_imports_alike(twin_projects, tmp_path, monkeypatch):
    manifest = generate(tmp_path / "demo", posts=1500, seed=3, mastodon=False, truth=False, mess=False)
    monkeypatch.setattr(twitter_v2_bulk, "CHUNK_BYTES", 200_000)
    for path in manifest.x_files:
        bulk_report, plain_report, in_sql = import_both(twin_projects, path, monkeypatch, registry=manifest.registry_csv)
        assert_same(twin_projects, bulk_report, plain_report)
        assert in_sql == len(path.read_bytes().splitlines())  # every page in SQL



@pytest.mark.parametrize("pseudonymise", [True, False])
def test_accounts_resolved_in_sql_match_the_resolver(tmp_path, pseudonymise):
    """The SQL resolution (registry joins, HMAC pseudonyms in DuckDB) gives what
    `IdentityResolver.resolve` gives, for plain pairs and for the odd ones it leaves to Python."""
    project = Project.init(tmp_path / "p.peelian", pseudonymise_citizens=pseudonymise)
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,account_id,force,account_type\ntwitter,MetPolice,7,met,force_corporate\n"
                        "twitter,HandleOnly,,kent,force_corporate\ntwitter,,555,kent,partner\n"
                        "twitter,@ByBoth,556,essex,media\ntwitter,Ünïcødé,,essex,force_corporate\n")
    import_registry(project, registry)
    identity = IdentityResolver.for_project(project)
    assert identity.pseudonymise is pseudonymise
    rng = random.Random(12)
    ids = [None, "7", "555", "556", "8", "0123", "-5", "12a", " 9", "\u0661\u0662"] + [
        str(rng.randrange(10 ** 18)) for _ in range(200)]
    handles = [None, "MetPolice", "metpolice", "HANDLEONLY", "handleonly", "ByBoth", "someone", "c_0123456789abcdef",
               "Ünïcødé", "İstanbul", "名前", " padded ", "@at", "dot.ted", "ǅemal", "ß"] + [
        "".join(rng.choice("abcXYZ_09") for _ in range(rng.randrange(1, 16))) for _ in range(200)]
    pairs = {(rng.choice(ids), rng.choice(handles)) for _ in range(2000)}
    pairs |= {(i, None) for i in ids} | {(None, h) for h in handles}
    pairs |= {("555", "HandleOnly"), ("7", "handleonly"), ("556", "MetPolice"), ("9", "BYBOTH")}  # id before handle
    con = project.con.cursor()
    con.execute("CREATE TEMP TABLE fb_raw (raw_id VARCHAR, raw_handle VARCHAR)")
    con.executemany("INSERT INTO fb_raw VALUES (?, ?)", sorted(pairs, key=repr))
    con.execute(f"CREATE TEMP TABLE fb_pairs AS SELECT *, {twitter_v2_bulk.PLAIN_PAIR} AS plain FROM fb_raw")
    chunk = twitter_v2_bulk._Chunk(identity, twitter_v2_bulk._Registry(identity), con, None)
    chunk._resolve()
    got = {(r[0], r[1]): tuple(r[2:]) for r in con.execute("SELECT * FROM fb_map").fetchall()}
    assert len(got) == con.execute("SELECT count(*) FROM fb_map").fetchone()[0] == len(pairs)
    for raw_id, raw_handle in pairs:
        want = identity.resolve("twitter", raw_id, raw_handle, None)
        assert got[(raw_id, raw_handle)] == (want.account_id, want.handle, want.pseudonymised, want.role, want.force,
                                             want.account_type, want.unit), (raw_id, raw_handle)
    pseudonymised = sum(row[2] for row in got.values())
    assert (pseudonymised > 1000) if pseudonymise else pseudonymised == 0


def test_an_interrupt_mid_import_stops_the_chunks_in_flight_and_closes_their_connections(tmp_path, shared_fixtures,
                                                                                          monkeypatch):
    """Ctrl-C while a chunk is staged (a KeyboardInterrupt from the step that reads its other lines): the chunks
    still waiting are cancelled and those being built are stopped, so the import ends at once, with every worker
    connection closed (a build that started after the connections were closed waited for one for ever)."""
    import threading

    page = (shared_fixtures / "twitter_v2/twarc-csv__two_tweets.jsonl").read_bytes().rstrip(b"\n") + b"\n"
    path = tmp_path / "pages.jsonl"
    path.write_bytes(page * (twitter_v2_bulk.AHEAD + 3))
    monkeypatch.setattr(twitter_v2_bulk, "CHUNK_BYTES", len(page))  # a line per chunk
    workers: list[Any] = []
    built: list[int] = []

    def build(self):
        workers.append(self.con)
        built.append(self.lines.first_number)
        if self.lines.first_number > 1:  # a long build, that only an interrupt of its connection ends
            self.con.execute("SELECT sum(hash(range)) FROM range(1000000000000000)").fetchall()
        return twitter_v2_bulk._Built(set())

    def read_others(importer, sink, lines, fast):
        raise KeyboardInterrupt

    monkeypatch.setattr(twitter_v2_bulk._Chunk, "build", build)
    monkeypatch.setattr(twitter_v2_bulk, "_read_others", read_others)
    project = Project.init(tmp_path / "p.peelian")
    raised: list[BaseException] = []

    def run() -> None:
        try:
            import_file(project, path)
        except BaseException as exc:  # noqa: BLE001  (the interrupt is what this thread is for)
            raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    stuck = thread.is_alive()
    for con in workers if stuck else []:  # let the thread end, so that a failure leaves nothing running
        con.interrupt()
    thread.join(30)
    project.close()
    assert not stuck, "the import went on building after the interrupt"
    assert len(raised) == 1 and isinstance(raised[0], KeyboardInterrupt)
    assert set(built) <= set(range(1, twitter_v2_bulk.AHEAD + 1))  # no chunk started after the interrupt
    for con in workers:
        with pytest.raises(Exception, match="(?i)closed"):
            con.execute("SELECT 1")


def test_a_second_ctrl_c_while_an_import_stops_does_not_leave_a_build_running(monkeypatch):
    """_stop interrupts the builds until every one has ended; a Ctrl-C during that loop used to end it early,
    and the build it had not yet stopped ran on (the pool's shut-down then waited for it for ever)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import wait as real_wait

    import duckdb

    con = duckdb.connect()
    started = threading.Event()

    def endless() -> None:
        started.set()
        con.execute("SELECT sum(hash(range)) FROM range(1000000000000000)").fetchall()

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(endless)
    started.wait(5)
    calls = []

    def wait_interrupted_once(pending, timeout):
        calls.append(timeout)
        if len(calls) == 1:
            raise KeyboardInterrupt  # the second Ctrl-C, before this round's interrupt reached the build
        return real_wait(pending, timeout=timeout)

    monkeypatch.setattr(twitter_v2_bulk, "wait_for", wait_interrupted_once)
    try:
        try:
            twitter_v2_bulk._stop(pool, [con], [future])
        except KeyboardInterrupt:
            pytest.fail("a second Ctrl-C ended the stop before every build had ended")
        assert future.done()
    finally:
        while not future.done():  # a failure must leave nothing running
            con.interrupt()
            real_wait([future], timeout=0.05)
        pool.shutdown(wait=True)
        con.close()


@pytest.mark.parametrize("fails", [None, "build", "transaction"])
def test_chunks_are_built_with_fewer_duckdb_threads_and_the_setting_comes_back(tmp_path, shared_fixtures, monkeypatch,
                                                                               fails):
    """While chunks are staged, WORKERS of them are built at once beside the merges, so DuckDB's own threads are
    lowered by WORKERS (their coordination only cost CPU then), and set back once every chunk is built (the
    merges left run alone); the setting is what it was once the import ends, also when a build fails or a statement aborts the import's transaction (where no SET can run), and
    the error raised is the one that stopped the import."""
    import duckdb

    page = (shared_fixtures / "twitter_v2/twarc-csv__two_tweets.jsonl").read_bytes().rstrip(b"\n") + b"\n"
    path = tmp_path / "pages.jsonl"
    path.write_bytes(page * 3)
    monkeypatch.setattr(twitter_v2_bulk, "CHUNK_BYTES", len(page))  # a line per chunk
    seen: list[int] = []
    staged: list[int] = []  # the threads each chunk is staged and merged with
    real_build, real_read_others = twitter_v2_bulk._Chunk.build, twitter_v2_bulk._read_others

    def build(self):
        seen.append(self.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        if fails == "build":
            raise RuntimeError("build failed")
        return real_build(self)

    def read_others(importer, sink, lines, fast):
        staged.append(sink.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        if fails == "transaction":
            sink.con.execute("SELECT CAST('x' AS INTEGER)")
        real_read_others(importer, sink, lines, fast)

    monkeypatch.setattr(twitter_v2_bulk._Chunk, "build", build)
    monkeypatch.setattr(twitter_v2_bulk, "_read_others", read_others)
    project = Project.init(tmp_path / "p.peelian")
    project.con.execute(f"SET threads = {twitter_v2_bulk.WORKERS + 3}")
    try:
        if fails:
            with pytest.raises(RuntimeError if fails == "build" else duckdb.ConversionException):
                import_file(project, path)
        else:
            assert import_file(project, path).posts_new == 2
            assert staged[-1] == twitter_v2_bulk.WORKERS + 3  # every chunk built: the last merges use every thread
        assert seen and set(seen) == {3}
        assert project.scalar("SELECT current_setting('threads')") == twitter_v2_bulk.WORKERS + 3
    finally:
        project.close()
