"""Bulk reading of twarc2 JSONL (one X API v2 response page per line) in DuckDB.

Reading a tweet in Python (parse, build a `Post`, resolve its accounts, stage a tuple) costs
many times what DuckDB needs to scan the same fields, so pages are read set-based: Python cuts
the file into chunks of whole lines (keeping line numbers), DuckDB parses each line once
(`json_transform`) and builds the staging rows in SQL, two chunks at a time on worker
connections (DuckDB's own threads lowered by as many meanwhile: the chunks are the parallelism),
accounts included: the registry is joined and citizens' pseudonyms are computed in
SQL (`pseudonym_sql`). Python only resolves the accounts whose handles are not plain ASCII words
(`IdentityResolver`, whose normal form of such handles SQL does not reproduce) and rewrites the
texts that need it (HTML entities, citizens' @handles).

The result is what `TwitterV2Importer.read` gives, because a line is read in SQL only when
every value the importer reads has the plain shape that both readers treat alike: strings where
text is expected, digit strings for ids, integers for counts, the API's time format, no errors,
withheld stubs or edit histories. A typed transform would coerce anything else silently, so
text-like values are kept as JSON to check their type, counts and trailing commas are checked on
the raw text (`PYTHON_LINE`), and every other line (including those that do not parse, which it
quarantines with the reason) goes to the Python reader. `seq` values are line-based (line << 32,
then 256 per tweet) on both sides, so "later beats earlier" holds whichever reader staged a
record. One difference is left: a JSON object with a repeated key keeps the first value here and
the last in Python.
"""

from __future__ import annotations

import html
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peelian.ingest.base import (
    _UNPARSED,
    HEAD_BYTES,
    MAX_LINE_BYTES,
    MERGE_ROWS,
    BulkSink,
    Oversized,
    _first_two_lines,
    _parse_line,
    parse_json_line,
    read_lines,
)
from peelian.ingest.records import Reject
from peelian.store.arrowsql import execute_with
from peelian.store.identity import PROFILE_PASS_SQL
from peelian.store.privacy import pseudonym_sql

if TYPE_CHECKING:
    import duckdb

    from peelian.ingest.formats.twitter_v2 import TwitterV2Importer
    from peelian.store.identity import IdentityResolver, RegistryEntry

PLATFORM = "twitter"
# Text per chunk: bounds memory. Larger chunks cost less CPU per page (a chunk's statements, and its accounts
# resolved once however often they appear in it): 64 MiB took about 5% less than 32 and about 200 MB more memory.
CHUNK_BYTES = 64 << 20
assert CHUNK_BYTES > MAX_LINE_BYTES  # so a line that fills a whole chunk is one too long to read
LINE_SHIFT = 32  # seq = line << 32 | tweet * 256 | account observation (author, reply-to, mentions)
TWEET_STEP = 256
MAX_MENTIONS = TWEET_STEP - 2
MAX_TWEETS = (1 << LINE_SHIFT) // TWEET_STEP - 1
LINES_PER_BATCH = 8
WORKERS = 2  # chunks built at once (the machines Peelian targets have two cores or more)
AHEAD = WORKERS + 1  # chunks submitted at once: one waits, so a worker never idles while this thread merges

# Where the Python reader insists on text (`text_field`: texts, languages, handles, names, user ids)
# the value is kept as JSON, so that its type can be checked; a typed transform would turn a number
# into text. Ids elsewhere may be numbers in both readers.
_TWEET = ('{"id":"VARCHAR","text":"JSON","note_tweet":{"text":"JSON"},"author_id":"VARCHAR",'
          '"conversation_id":"VARCHAR","in_reply_to_user_id":"VARCHAR","created_at":"VARCHAR","lang":"JSON",'
          '"edit_history_tweet_ids":["VARCHAR"],"referenced_tweets":[{"type":"VARCHAR","id":"VARCHAR"}],'
          '"public_metrics":{"like_count":"BIGINT","reply_count":"BIGINT","retweet_count":"BIGINT",'
          '"quote_count":"BIGINT","impression_count":"BIGINT"},'
          '"entities":{"mentions":[{"id":"JSON","username":"JSON"}]}}')
_USER = '{"id":"JSON","username":"JSON","name":"JSON","public_metrics":{"followers_count":"BIGINT"}}'
PAGE = f'{{"data":[{_TWEET}],"includes":{{"users":[{_USER}],"tweets":[{_TWEET}]}},"errors":"JSON"}}'

# Lines for the Python reader, told by their raw text: a count that is not a plain integer (a typed
# transform would round it), and trailing commas (which DuckDB's JSON parser accepts and orjson refuses).
# Two patterns, not one alternation: each then keeps its fast literal scan.
PYTHON_LINE = (r'_count"\s*:\s*(?:[^-0-9\sn]|-?[0-9]+[.eE]|-?[0-9]{19})', r',\s*[\]}]')

# A pair of plain values (`_Chunk._resolve`): resolved in SQL.
PLAIN_PAIR = ("(raw_id IS NULL OR regexp_full_match(raw_id, '[0-9]+'))"
              " AND (raw_handle IS NULL OR regexp_full_match(raw_handle, '[A-Za-z0-9_]+'))")

_MACROS = [
    # absent, empty (both readers take "" for absent) or ASCII digits: ids both readers keep as they are
    "fb_ids_ok(s) AS regexp_full_match(s, '[0-9]*')",
    # a JSON leaf that is absent, null or a string: what `text_field` accepts
    "fb_text_ok(j) AS j IS NULL OR starts_with(j::VARCHAR, '\"')",
    "fb_text(j) AS nullif(j->>'$', '')",
    ("fb_time_ok(s) AS s IS NULL OR (regexp_full_match(s, '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
     "\\.[0-9]{3}Z') AND NOT starts_with(s, '0000') AND try_cast(left(s, 23) AS TIMESTAMP) IS NOT NULL)"),
]


def stage_pages(importer: TwitterV2Importer, path: Path, sink: BulkSink) -> bool:
    """Stage a twarc2 JSONL file; False (nothing staged) when the file is not one (a document,
    flattened tweets, compliance output), which the Python reader then reads."""
    first, second = _first_two_lines(path)
    if first is None:
        return False
    value = _parse_line(first)
    if value is _UNPARSED and second is not None and (isinstance(first, Oversized) or first[:1] == b"{"):
        value = _parse_line(second)  # a damaged or oversized first page (the Python reader quarantines it)
    if value is _UNPARSED or not (isinstance(value, dict) and isinstance(value.get("data"), list)):
        return False
    sink.auto_merge = False
    # Chunks are built on worker connections, in autocommit (inside the import's transaction every
    # replaced table would be kept until the commit, and memory would grow with the file), while
    # this thread stages and merges the chunk before: DuckDB releases the GIL, so the SQL of one
    # chunk runs beside the Python work of another.
    connections: Queue[duckdb.DuckDBPyConnection] = Queue()
    workers: list[duckdb.DuckDBPyConnection] = []
    pool = ThreadPoolExecutor(max_workers=WORKERS)
    in_flight: deque[tuple[_Lines, Future[_Built]]] = deque()
    threads: int | None = _fewer_threads(sink.con)  # None once set back
    try:
        for _ in range(WORKERS):
            work = sink.con.cursor()
            workers.append(work)
            for macro in _MACROS:
                work.execute(f"CREATE OR REPLACE TEMP MACRO {macro}")
            connections.put(work)
        registry = _Registry(sink.identity)

        def build(lines: _Lines) -> _Built:
            work = connections.get()
            try:
                return _Chunk(sink.identity, registry, work, lines).build()
            finally:
                connections.put(work)

        spare: list[bytearray] = []  # buffers of chunks already staged, for the next reads
        for lines in _chunks(path, spare):
            in_flight.append((lines, pool.submit(build, lines)))
            if len(in_flight) >= AHEAD:
                _stage_chunk(importer, sink, *in_flight.popleft(), spare)
        while in_flight:
            wait_for([in_flight[0][1]])  # the next chunk to stage (an error of its build is raised as it is)
            if threads is not None and all(future.done() for _, future in in_flight):
                _set_threads(sink.con, threads)  # every chunk is built: the merges left may use every thread
                threads = None
            _stage_chunk(importer, sink, *in_flight.popleft(), spare)
    except BaseException:
        _stop(pool, workers, [future for _, future in in_flight])
        raise
    finally:
        _shut_down(pool)
        for work in workers:
            work.close()
        if threads is not None:
            _set_threads(sink.con, threads)
    return True


def _fewer_threads(con: duckdb.DuckDBPyConnection) -> int:
    """Lower DuckDB's threads by WORKERS while chunks are built, and return the setting it had (set back
    once every chunk is built: the merges left then run alone, on every thread).

    The import is already parallel: WORKERS chunks are built at once and this thread merges beside them,
    each on a thread of its own. DuckDB's threads (one pool, shared by every connection) only add to
    them, and their coordination costs CPU: on two cores, a statement left to one thread builds a chunk
    for about 15% less CPU (the head of the benchmark's 1M file: 3.0 CPU-seconds against 3.5)."""
    (threads,) = con.execute("SELECT current_setting('threads')").fetchall()[0]
    _set_threads(con, max(1, int(threads) - WORKERS))
    return int(threads)


def _set_threads(con: duckdb.DuckDBPyConnection, threads: int) -> None:
    """Set DuckDB's threads (a setting of the database) from a cursor of its own: the import's transaction
    may be aborted by the error that ends it, and then refuses every statement, a SET included."""
    with con.cursor() as cursor:
        cursor.execute(f"SET threads = {int(threads)}")


def _stop(pool: ThreadPoolExecutor, workers: list[duckdb.DuckDBPyConnection], pending: list[Future[_Built]]) -> None:
    """The import failed or was interrupted: nothing more will be staged, so the chunks still waiting
    are cancelled and the SQL of those being built is interrupted (DuckDB stops it at once). An
    interrupt only stops a statement already running, so it is repeated until every build has ended:
    a build between two statements, or not yet at its first, would otherwise run its next one to the end.
    A second Ctrl-C meanwhile cannot cut the stop short (the import is already stopping and the first
    interrupt is what is raised): it would leave builds running that nothing interrupts any more."""
    pool.shutdown(wait=False, cancel_futures=True)
    while not all(future.done() for future in pending):
        try:
            for work in workers:
                work.interrupt()
            wait_for(pending, timeout=0.05)
        except KeyboardInterrupt:
            continue


def _shut_down(pool: ThreadPoolExecutor) -> None:
    """Wait for the pool's threads before the worker connections are closed: a build still running
    uses one, and one started after they were closed waited for one for ever (and so did the
    interpreter's exit, which joins the pool's threads). A Ctrl-C during the wait cannot cut it
    short; it is raised once the threads are gone."""
    interrupted: KeyboardInterrupt | None = None
    while True:
        try:
            pool.shutdown(wait=True)
            break
        except KeyboardInterrupt as exc:
            interrupted = exc
    if interrupted is not None:
        raise interrupted


def _stage_chunk(importer: TwitterV2Importer, sink: BulkSink, lines: _Lines, future: Future[_Built],
                 spare: list[bytearray]) -> None:
    """Stage a built chunk, read its other lines in Python (in this thread: the sink is not
    thread-safe), and merge, so that chunks reach the project in file order. Its buffer is then
    spare: nothing reads the chunk's bytes any more (what DuckDB built from them it copied)."""
    built = future.result()
    if built.fast:
        sink.count_bulk(records=built.posts.num_rows, accounts=built.users)
        sink.stage("posts", built.posts)
        sink.stage("accounts", built.accounts)
        sink.stage("mentions", built.mentions)
    _read_others(importer, sink, lines, built.fast)
    if sink.staged_since_merge >= MERGE_ROWS:
        sink.merge_chunk()  # between whole chunks, once MERGE_ROWS posts are staged
    sink.report_progress()
    if lines.buffer is not None:
        spare.append(lines.buffer)


def _read_others(importer: TwitterV2Importer, sink: BulkSink, lines: _Lines, fast: set[int]) -> None:
    """Lines not built in SQL, through the Python reader, with line-based seqs."""
    for index in range(len(lines)):
        number = lines.first_number + index
        if number in fast:
            continue
        item = parse_json_line(number, lines.line(index))
        if item is None:
            continue
        sink.begin_line(number << LINE_SHIFT)
        if isinstance(item, Reject):
            sink.add(item)
        else:
            for record in importer._read_value(item[1], f"line {number}"):
                sink.add(record)


@dataclass
class _Built:
    """A chunk built in SQL: the lines it covers and the rows to stage."""

    fast: set[int]
    posts: pa.Table | None = None
    accounts: pa.Table | None = None
    mentions: pa.Table | None = None
    users: int = 0


class _Registry:
    """The registry's twitter accounts as Arrow tables (by id; by normalised handle), with the role
    each gets, and the pseudonym key's pads: what resolving accounts in SQL (`_Chunk._resolve`) joins."""

    def __init__(self, identity: IdentityResolver):
        def table(entries: dict[tuple[str, str], RegistryEntry]) -> pa.Table:
            rows = [(key, entry) for (platform, key), entry in entries.items() if platform == PLATFORM]
            return pa.table({
                "key": pa.array([key for key, _ in rows], pa.string()),
                "role": pa.array([entry.role for _, entry in rows], pa.string()),
                "force": pa.array([entry.force for _, entry in rows], pa.string()),
                "account_type": pa.array([entry.account_type for _, entry in rows], pa.string()),
                "unit": pa.array([entry.unit for _, entry in rows], pa.string()),
            })

        self.by_id, self.by_handle = table(identity.by_id), table(identity.by_handle)
        self.pads = identity.pseudonymiser.hmac_pads() if identity.pseudonymiser is not None else None
        self.police_mentions = _police_mentions(
            key for platform, key in identity.by_handle if platform == PLATFORM)


def _police_mentions(handles: Iterable[str]) -> str | None:
    """A pattern for an @mention of one of these police handles (normalised) where `MENTION_RE` would take
    that handle and no more: the handle, then at most dots and dashes, then the end or a character no
    handle holds (never an "@"). A text whose every "@" starts such a mention is one that
    `IdentityResolver.pseudonymise_mentions` leaves as it is; only the handles that are plain ASCII words
    (whose normal form is their lower case) take part. None when there are none."""
    plain = sorted(h for h in set(handles) if re.fullmatch("[a-z0-9_]+", h))
    if not plain:
        return None
    return "@(?:" + "|".join(plain) + ")[.-]*(?:[^A-Za-z0-9_.@-]|$)"


class _Lines:
    """A chunk of whole lines of the file: its bytes, where each line starts and ends, its number.
    Lines longer than MAX_LINE_BYTES (`oversized`: index -> length) are never parsed."""

    def __init__(self, data: memoryview, first_number: int, oversized: dict[int, int] | None = None,
                 buffer: bytearray | None = None):
        self.data, self.first_number, self.buffer = data, first_number, buffer
        ends, find, pos, size = [], data.obj.find, 0, len(data)
        while pos < size:
            newline = find(b"\n", pos, size)
            if newline < 0:
                newline = size  # the last line of the file, without its newline
            ends.append(newline)
            pos = newline + 1
        self.ends = np.array(ends, dtype=np.int64)
        self.starts = np.concatenate([[0], self.ends[:-1] + 1]).astype(np.int64)
        long_lines = np.flatnonzero(self.ends - self.starts > MAX_LINE_BYTES)
        self.oversized = {int(i): int(self.ends[i] - self.starts[i]) for i in long_lines} | (oversized or {})

    def __len__(self) -> int:
        return len(self.ends)

    def line(self, index: int) -> bytes | Oversized:
        """The line's bytes with its newline, or what the Python reader gets for a line too long to read."""
        start = self.starts[index]
        if index in self.oversized:
            return Oversized(self.oversized[index], bytes(self.data[start:min(start + HEAD_BYTES, self.ends[index])]))
        return bytes(self.data[start:self.ends[index] + 1])

    def arrow(self) -> pa.Table:
        """All lines as an Arrow table (line_no, line) over the chunk's bytes, without a copy.

        The bytes are not checked for UTF-8 here: a line that is not valid UTF-8 fails DuckDB's
        JSON parser (which checks) and goes to the Python reader, which quarantines it."""
        offsets = np.append(self.starts, len(self.data))
        lines = pa.LargeStringArray.from_buffers(len(self), pa.py_buffer(offsets), pa.py_buffer(self.data))
        numbers = np.arange(self.first_number, self.first_number + len(self), dtype=np.int64)
        table = pa.table({"line_no": numbers, "line": lines})
        if self.oversized:  # never handed to DuckDB: parsing one could take more than its memory cap
            keep = np.ones(len(self), dtype=bool)
            keep[list(self.oversized)] = False
            table = table.filter(pa.array(keep))
        # Small batches: DuckDB parses a few pages at a time, whose text and parsed values stay in the
        # CPU's caches (on one thread, 8 pages a batch cost about 10% less CPU than 32, 20% less than
        # 1,000 or 1; a single batch of a few hundred large pages was also parsed on one thread only).
        return pa.Table.from_batches(table.to_batches(max_chunksize=LINES_PER_BATCH), schema=table.schema)


def _chunks(path: Path, spare: list[bytearray] | None = None) -> Iterator[_Lines]:
    """The file in chunks of about CHUNK_BYTES of whole lines. Each chunk ends at its last newline;
    the file is read again from there. A line longer than a whole chunk is skipped unread: it
    makes a chunk of its own that holds only its head.

    Chunks are read into buffers taken from `spare` when it has one (the caller puts back those it
    is done with): a fresh buffer for every chunk cost the kernel a page fault per 4 KiB, a quarter
    of the import's page faults."""
    number, offset = 1, 0
    with open(path, "rb") as fh:
        while True:
            buffer = spare.pop() if spare else bytearray(CHUNK_BYTES)
            size = fh.readinto(buffer)
            if not size:
                break
            data = memoryview(buffer)[:size]
            cut = buffer.rfind(b"\n", 0, size) + 1
            if not cut and size == CHUNK_BYTES:  # no line ends within the chunk
                del data
                if spare is not None:
                    spare.append(buffer)
                fh.seek(offset)
                skipped = next(read_lines(fh))
                assert isinstance(skipped, Oversized)
                offset = fh.tell()
                yield _Lines(memoryview(skipped.head + b"\n"), number, {0: skipped.size})
                number += 1
                continue
            cut = cut or size
            lines = _Lines(data[:cut], number, buffer=buffer)
            number += len(lines)
            offset += cut
            fh.seek(offset)
            yield lines


class _Chunk:
    """One chunk of lines: the standard pages parsed and built in SQL, on a worker connection."""

    def __init__(self, identity: IdentityResolver, registry: _Registry, work: Any, lines: _Lines):
        self.identity, self.registry, self.con, self.lines = identity, registry, work, lines

    def build(self) -> _Built:
        self._parse()
        fast = {n for (n,) in self.con.execute("SELECT line_no FROM fb_ok").fetchall()}
        if not fast:
            return _Built(fast)
        (users,) = self.con.execute("SELECT count(*) FROM fb_us SEMI JOIN fb_ok USING (line_no)").fetchall()[0]
        accounts, mentions, posts = self._build()
        return _Built(fast, posts, accounts, mentions, users)

    # ---- SQL ---------------------------------------------------------------------------------
    def _parse(self) -> None:
        con = self.con
        odd = " OR ".join(f"regexp_matches(line, '{pattern}')" for pattern in PYTHON_LINE)
        # Mentions as the Python reader takes them: those whose username is a non-empty string, with
        # an id that is absent, a string or an integer (as `as_str` writes them).
        tweet = """
            t.id AS post_id, nullif(t.author_id, '') AS author_id, nullif(t.conversation_id, '') AS conversation_id,
            nullif(t.in_reply_to_user_id, '') AS reply_uid,
            try_cast(left(t.created_at, 23) AS TIMESTAMP) AS created_at,
            coalesce(fb_text(t.note_tweet.text), fb_text(t.text)) AS text,
            fb_text(t.lang) AS language, t.public_metrics AS pm,
            nullif(list_filter(t.referenced_tweets, lambda x: x.type = 'replied_to')[-1].id, '') AS reply_to,
            nullif(list_filter(t.referenced_tweets, lambda x: x.type = 'quoted')[-1].id, '') AS quoted,
            nullif(list_filter(t.referenced_tweets, lambda x: x.type = 'retweeted')[-1].id, '') AS reposted,
            list_transform(list_filter(t.entities.mentions, lambda m: fb_text(m.username) IS NOT NULL
                                       AND starts_with(m.username::VARCHAR, '"')),
                           lambda m: {{'id': CASE WHEN starts_with(m.id::VARCHAR, '"') THEN m.id->>'$'
                                                  ELSE m.id::VARCHAR END, 'username': m.username->>'$'}}) AS mentions,
            t IS NOT NULL AND t.id <> '' AND t.text IS NOT NULL AND fb_text_ok(t.text)
                AND fb_text_ok(t.note_tweet.text) AND fb_text_ok(t.lang)
                AND fb_ids_ok(concat(t.id, t.author_id, t.conversation_id, t.in_reply_to_user_id))
                AND fb_time_ok(t.created_at)
                AND coalesce(len(t.edit_history_tweet_ids), 0) <= 1
                AND coalesce(list_bool_and(list_transform(t.referenced_tweets,
                    lambda r: r IS NOT NULL AND fb_ids_ok(coalesce(r.id, '')))), true)
                AND coalesce(list_bool_and(list_transform(t.entities.mentions,
                    lambda m: m IS NOT NULL AND (m.id IS NULL OR starts_with(m.id::VARCHAR, '"')
                              OR regexp_full_match(m.id::VARCHAR, '-?[0-9]+')))), true)
                AND coalesce(len(t.entities.mentions), 0) <= {max_mentions} AS ok"""
        tweet = tweet.format(max_mentions=MAX_MENTIONS)
        shift, step = LINE_SHIFT, TWEET_STEP
        # Each page is parsed and unnested in one statement, straight into rows (not into a table of
        # whole pages, written and read again): its tweets (data, then includes.tweets) and its users
        # side by side, the shorter list padded with NULLs. fb_tw and fb_us are the two halves. The
        # checks are columns, not filters: DuckDB parses a filtered batch three times slower. A line
        # without tweets (or that does not parse) has none, and so goes to the Python reader.
        execute_with(
            con,
            f"""CREATE OR REPLACE TEMP TABLE fb_rows AS
            SELECT line_no, n_data, n_posts, line_ok,
                   i > n_data AS is_partial, i - 1 AS pos, (line_no << {shift}) + (i - 1) * {step} AS seq, {tweet},
                   j - 1 AS upos, u.id->>'$' AS uid, fb_text(u.username) AS username, fb_text(u.name) AS name,
                   u.public_metrics.followers_count AS followers,
                   u IS NOT NULL AND starts_with(u.id::VARCHAR, '"') AND u.id->>'$' <> '' AND fb_ids_ok(u.id->>'$')
                   AND fb_text_ok(u.username) AND fb_text_ok(u.name) AS uok
            FROM (SELECT line_no, len(p.data) AS n_data, len(p.data) + coalesce(len(p.includes.tweets), 0) AS n_posts,
                         NOT odd AND p.data IS NOT NULL AND p.errors IS NULL AND n_posts <= {MAX_TWEETS} AS line_ok,
                         unnest(list_concat(p.data, p.includes.tweets)) AS t,
                         generate_subscripts(list_concat(p.data, p.includes.tweets), 1) AS i,
                         unnest(p.includes.users) AS u, generate_subscripts(p.includes.users, 1) AS j
                  FROM (SELECT line_no, {odd} AS odd, try(json_transform(line, '{PAGE}')) AS p FROM _fb_lines))""",
            _fb_lines=self.lines.arrow())
        con.execute(
            """CREATE OR REPLACE TEMP VIEW fb_tw AS SELECT * EXCLUDE (upos, uid, username, name, followers, uok)
            FROM fb_rows WHERE pos IS NOT NULL""")
        con.execute(
            """CREATE OR REPLACE TEMP VIEW fb_us AS SELECT line_no, upos, uid AS id, username, name, followers, uok AS ok
            FROM fb_rows WHERE upos IS NOT NULL""")
        con.execute(
            """CREATE OR REPLACE TEMP TABLE fb_ok AS
            SELECT line_no, any_value(n_data) AS n_data, any_value(n_posts) AS n_posts FROM fb_tw
            WHERE line_no NOT IN (SELECT line_no FROM fb_us WHERE NOT ok
                                  UNION ALL SELECT line_no FROM fb_us GROUP BY line_no, id HAVING count(*) > 1)
            GROUP BY line_no HAVING bool_and(line_ok AND ok)""")

    def _build(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        """The chunk's accounts, mentions and posts, each straight from its query into Arrow (a
        temporary table would write and read them once more)."""
        con = self.con
        shift, step = LINE_SHIFT, TWEET_STEP
        con.execute("DELETE FROM fb_rows WHERE line_no NOT IN (SELECT line_no FROM fb_ok)")
        # Each tweet with its author and the replied-to user from the page's users.
        with_users = """(SELECT t.*, a.username AS author_handle,
                a.name AS author_name, a.followers AS author_followers, r.username AS reply_handle
            FROM fb_tw t LEFT JOIN fb_us a ON a.line_no = t.line_no AND a.id = t.author_id
            LEFT JOIN fb_us r ON r.line_no = t.line_no AND r.id = t.reply_uid)"""
        # Every account observation, in the order the Python writer makes them (author, reply-to and
        # mentions of each post, then the page's users), with the seq that orders them, taken together
        # by distinct (account id, handle) pair as it comes (fb_pairs, which `_resolve` resolves): the
        # latest seq of the pair and its latest name and follower count, each with its seq, so that
        # the accounts' "latest" values are picked among a chunk's few pairs (`accounts` below), not
        # among every observation.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fb_pairs AS
            WITH p AS (SELECT seq, author_id, author_handle, author_name, author_followers, reply_uid,
                              reply_handle FROM {with_users}),
            o AS (SELECT seq, author_id AS account_id, author_handle AS handle, author_name AS name,
                   author_followers AS followers FROM p
            UNION ALL SELECT seq + 1, reply_uid, reply_handle, NULL, NULL FROM p
                WHERE reply_uid IS NOT NULL OR reply_handle IS NOT NULL
            UNION ALL SELECT seq + 2 + i - 1, nullif(m.id, ''), m.username, NULL, NULL
            FROM (SELECT seq, unnest(mentions) AS m, generate_subscripts(mentions, 1) AS i FROM fb_tw
                  WHERE len(mentions) > 0)
            UNION ALL SELECT (u.line_no << {shift}) + o.n_posts * {step} + u.upos, u.id, u.username, u.name,
                u.followers FROM fb_us u JOIN fb_ok o USING (line_no))
            SELECT raw_id, raw_handle, {PLAIN_PAIR} AS plain, seq, name, name_seq, followers, followers_seq
            FROM (SELECT account_id AS raw_id, handle AS raw_handle, max(seq) AS seq,
                         arg_max(name, seq) FILTER (WHERE name IS NOT NULL) AS name,
                         max(seq) FILTER (WHERE name IS NOT NULL) AS name_seq,
                         arg_max(followers, seq) FILTER (WHERE followers IS NOT NULL) AS followers,
                         max(seq) FILTER (WHERE followers IS NOT NULL) AS followers_seq
                  FROM o GROUP BY account_id, handle)""")
        self._resolve()
        self._fix_texts()
        accounts = f"""SELECT '{PLATFORM}' AS platform, m.account_id,
                arg_max(m.handle, o.seq) FILTER (WHERE m.handle IS NOT NULL) AS handle,
                arg_max(o.name, o.name_seq) FILTER (WHERE o.name IS NOT NULL AND NOT m.pseudonymised) AS display_name,
                bool_or(m.pseudonymised) AS pseudonymised, arg_max(m.role, o.seq) AS role,
                arg_max(m.force, o.seq) AS force, arg_max(m.account_type, o.seq) AS account_type,
                arg_max(m.unit, o.seq) AS unit,
                arg_max(o.followers, o.followers_seq) FILTER (WHERE o.followers IS NOT NULL) AS followers_count,
                max(o.seq) AS seq
            FROM fb_pairs o JOIN fb_map m
                ON m.raw_id IS NOT DISTINCT FROM o.raw_id AND m.raw_handle IS NOT DISTINCT FROM o.raw_handle
            WHERE m.account_id IS NOT NULL
            GROUP BY m.account_id"""
        # Repeated mentions are left to the merge, which inserts distinct mentions anyway.
        mentions = f"""SELECT '{PLATFORM}' AS platform, p.post_id, m.account_id, m.handle
            FROM (SELECT post_id, unnest(mentions) AS mention FROM fb_tw WHERE len(mentions) > 0) p
            JOIN fb_map m ON m.raw_id IS NOT DISTINCT FROM nullif(p.mention.id, '')
                AND m.raw_handle IS NOT DISTINCT FROM p.mention.username"""
        metric = "CASE WHEN p.reposted IS NULL THEN p.pm.{} END AS {}"
        posts = f"""SELECT '{PLATFORM}' AS platform, p.post_id, a.account_id AS author_id, a.handle AS author_handle,
                a.role AS author_role, a.force AS author_force, a.account_type AS author_account_type, p.created_at,
                coalesce(f.text, p.text) AS text, p.language,
                CASE WHEN p.reposted IS NOT NULL THEN 'repost' WHEN p.reply_to IS NOT NULL THEN 'reply'
                     WHEN p.quoted IS NOT NULL THEN 'quote' ELSE 'original' END AS kind,
                p.reply_to AS reply_to_post_id, r.account_id AS reply_to_account_id, p.conversation_id,
                p.quoted AS quoted_post_id, p.reposted AS reposted_post_id,
                {metric.format("like_count", "like_count")}, {metric.format("reply_count", "reply_count")},
                {metric.format("retweet_count", "repost_count")}, {metric.format("quote_count", "quote_count")},
                {metric.format("impression_count", "view_count")},
                p.author_followers,
                'https://x.com/i/web/status/' || p.post_id AS url,
                p.is_partial,
                'line ' || p.line_no || ', ' || CASE WHEN p.is_partial THEN 'includes.tweets[' || (p.pos - d.n_data)
                    ELSE 'data[' || p.pos END || ']' AS source_location,
                p.seq
            FROM {with_users} p JOIN fb_ok d USING (line_no)
            JOIN fb_map a ON a.raw_id IS NOT DISTINCT FROM p.author_id
                AND a.raw_handle IS NOT DISTINCT FROM p.author_handle
            LEFT JOIN fb_map r ON r.raw_id IS NOT DISTINCT FROM p.reply_uid
                AND r.raw_handle IS NOT DISTINCT FROM p.reply_handle
            LEFT JOIN fb_text f ON f.seq = p.seq"""
        return con.sql(accounts).to_arrow_table(), con.sql(mentions).to_arrow_table(), con.sql(posts).to_arrow_table()

    def _resolve(self) -> None:
        """Resolve each distinct (account id, handle) of the chunk as `IdentityResolver.resolve` does.

        Pairs of plain values (a digit id, an ASCII word handle: nearly all) are resolved in SQL, the
        registry joined and the pseudonyms computed by DuckDB (`pseudonym_sql`); for these a handle's
        normal form is its lower case. The others (handles with other characters, which Python
        normalises by its own rules) go through `IdentityResolver.resolve`. The map is joined on both
        raw values (IS NOT DISTINCT FROM: either may be absent)."""
        registry = self.registry
        entry = "CASE WHEN i.key IS NOT NULL THEN i.{0} ELSE h.{0} END"  # by id first, as `lookup`
        found = "(i.key IS NOT NULL OR h.key IS NOT NULL)"
        if registry.pads is None:
            account_id, handle, pseudonymised = "p.aid", "p.raw_handle", "false"
        else:
            pseudonymised = f"NOT {found} AND p.aid IS NOT NULL"
            account_id = f"CASE WHEN {pseudonymised} THEN {pseudonym_sql(PLATFORM, 'id', 'p.aid')} ELSE p.aid END"
            handle = (f"CASE WHEN {pseudonymised} AND p.raw_handle IS NOT NULL THEN "
                      f"{pseudonym_sql(PLATFORM, 'handle', 'p.norm')} ELSE p.raw_handle END")
        execute_with(
            self.con,
            f"""CREATE OR REPLACE TEMP TABLE fb_map AS
            WITH p AS (SELECT raw_id, raw_handle, lower(raw_handle) AS norm,
                              coalesce(raw_id, '@' || lower(raw_handle)) AS aid
                       FROM fb_pairs WHERE plain)
            SELECT p.raw_id, p.raw_handle, {account_id} AS account_id, {handle} AS handle,
                   {pseudonymised} AS pseudonymised, coalesce({entry.format("role")}, 'citizen') AS role,
                   {entry.format("force")} AS force, {entry.format("account_type")} AS account_type,
                   {entry.format("unit")} AS unit
            FROM p LEFT JOIN _fb_by_id i ON i.key = p.aid LEFT JOIN _fb_by_handle h ON h.key = p.norm""",
            registry.pads, _fb_by_id=registry.by_id, _fb_by_handle=registry.by_handle)
        others = self.con.sql("SELECT raw_id, raw_handle FROM fb_pairs WHERE NOT plain").to_arrow_table()
        if others.num_rows:
            execute_with(self.con, "INSERT INTO fb_map SELECT * FROM _fb_others", _fb_others=self._identities(others))

    def _identities(self, pairs: pa.Table) -> pa.Table:
        """The identities of (raw_id, raw_handle) pairs, from `IdentityResolver.resolve`."""
        resolve = self.identity.resolve
        idents = [resolve(PLATFORM, account_id, handle, None)
                  for account_id, handle in zip(pairs["raw_id"].to_pylist(), pairs["raw_handle"].to_pylist())]
        return pa.table({
            "raw_id": pc.cast(pairs["raw_id"], pa.string()), "raw_handle": pc.cast(pairs["raw_handle"], pa.string()),
            "account_id": pa.array([i.account_id for i in idents], pa.string()),
            "handle": pa.array([i.handle for i in idents], pa.string()),
            "pseudonymised": pa.array([i.pseudonymised for i in idents], pa.bool_()),
            "role": pa.array([i.role for i in idents], pa.string()),
            "force": pa.array([i.force for i in idents], pa.string()),
            "account_type": pa.array([i.account_type for i in idents], pa.string()),
            "unit": pa.array([i.unit for i in idents], pa.string()),
        })

    def _fix_texts(self) -> None:
        """Decode HTML entities, then pseudonymise citizens' @handles and profile links, in just the
        texts that need it (`IdentityResolver.text_needs_pass`, asked here in SQL).

        Texts with an entity or what may be a profile link (`PROFILE_PASS_SQL`, in SQL) take the whole
        pass; the many others with an "@" only need their @handles replaced, without the profile
        patterns (which cost several times more), and none if every @handle is a police one
        (`_police_mentions`, in SQL). Each group goes through Python as one string joined
        with NUL (which neither an entity nor an @handle can span, and which decoding never produces),
        so the work is a few calls per chunk instead of a few per text; a group with NUL in a text of
        its own is done text by text."""
        whole = "contains(text, '&')"
        if self.identity.pseudonymise:
            whole += f" OR regexp_matches(text, '{PROFILE_PASS_SQL}')"
            mentions = "contains(text, '@')"
            if self.registry.police_mentions is not None:  # texts that mention only police stay as they are
                mentions += f" AND contains(regexp_replace(text, '{self.registry.police_mentions}', '', 'gi'), '@')"
            group = f"CASE WHEN {whole} THEN 0 WHEN {mentions} THEN 1 END"
        else:
            group = f"CASE WHEN {whole} THEN 0 END"
        groups = self.con.execute(
            f"""SELECT g, count(*), list(seq ORDER BY seq), string_agg(text, chr(0) ORDER BY seq)
            FROM (SELECT seq, text, {group} AS g FROM fb_tw) WHERE g IS NOT NULL GROUP BY g""").fetchall()
        seqs: list[int] = []
        texts: list[str] = []
        for g, count, group_seqs, joined in groups:
            fix = self._fix_text if g == 0 else self._fix_mentions
            if joined.count("\0") == count - 1:
                texts += fix(joined).split("\0")
            else:
                texts += [fix(text) for (text,) in self.con.execute(
                    f"SELECT text FROM fb_tw WHERE ({group}) = {g} ORDER BY seq").fetchall()]
            seqs += group_seqs
        self._table_from_arrow("fb_text", {"seq": pa.array(seqs, pa.int64()), "text": pa.array(texts, pa.string())})

    def _fix_text(self, text: str) -> str:
        if "&" in text:
            text = html.unescape(text)
        if self.identity.pseudonymise and self.identity.text_needs_pass(text):
            text = self.identity.pseudonymise_text(PLATFORM, text)
        return text

    def _fix_mentions(self, text: str) -> str:
        return self.identity.pseudonymise_mentions(PLATFORM, text)

    def _table_from_arrow(self, name: str, columns: dict[str, pa.Array]) -> None:
        execute_with(self.con, f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _fb_arrow",
                     _fb_arrow=pa.table(columns))
