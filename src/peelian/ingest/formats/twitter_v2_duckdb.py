"""The DuckDB fast path for twarc2 JSONL (one X API v2 response page per line).

Per-record Python (parse, build a `Post`, resolve, stage a tuple) costs several times what
DuckDB needs to scan the same fields, so standard pages are read in bulk: Python reads the
file in chunks of lines (line numbers kept), DuckDB parses each line once (`json_transform`
with every field kept as JSON, so that its type can be checked) and builds the staging rows
in SQL, on a connection of its own; the rows reach the pipeline's staging tables as Arrow
tables (`_Writer.stage`). Python only resolves the distinct accounts of a chunk
(`IdentityResolver`), decodes HTML entities and pseudonymises @handles in the texts that need it.

The result must be exactly what `TwitterV2Importer.read` gives, so a line is staged in SQL
only when every value on it has the shape the Python reader accepts without a special case
(string ids of digits, texts that are strings, counts that are integers, no `errors`, no
edit histories, no duplicate users, ...). Every other line (flattened tweets, compliance
records, invalid JSON, withheld stubs, `{}` placeholders, anything odd) goes to the Python
reader, in file order. `seq` values come from line numbers (line << 32, then 256 per
tweet), so "later beats earlier" holds across both, and posts are merged at the same post
counts as the Python path (`MERGE_ROWS`), so even duplicates across merge chunks end alike.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

from peelian.ingest import pipeline
from peelian.ingest.base import _first_two_lines, _json_problem, _parse_line, _UNPARSED
from peelian.ingest.records import Record, Reject
from peelian.store.identity import MENTION_RE
from peelian.store.privacy import normalise_handle

if TYPE_CHECKING:
    from peelian.ingest.formats.twitter_v2 import TwitterV2Importer
    from peelian.ingest.pipeline import _Writer

PLATFORM = "twitter"
FAST_MIN_BYTES = 4 << 20  # smaller files: the fixed cost of the SQL per chunk outweighs the gain
CHUNK_BYTES = 32 << 20  # text read per chunk: bounds memory, large enough for DuckDB to use its threads
LINE_SHIFT = 32  # seq = line << 32 | tweet * 256 | account observation (author, reply, mentions)
TWEET_STEP = 256
MAX_MENTIONS = 250
MAX_TWEETS = (1 << LINE_SHIFT) // TWEET_STEP - 1
BOM = b"\xef\xbb\xbf"

_TWEET = ('{"id":"JSON","text":"JSON","note_tweet":"JSON","author_id":"JSON","conversation_id":"JSON",'
          '"in_reply_to_user_id":"JSON","created_at":"JSON","lang":"JSON","referenced_tweets":"JSON",'
          '"public_metrics":"JSON","entities":"JSON","edit_history_tweet_ids":"JSON"}')
_USER = '{"id":"JSON","username":"JSON","name":"JSON","public_metrics":"JSON"}'
PAGE = f'{{"data":[{_TWEET}],"includes":{{"users":[{_USER}],"tweets":[{_TWEET}]}},"errors":"JSON"}}'
METRICS = '{"like_count":"JSON","reply_count":"JSON","retweet_count":"JSON","quote_count":"JSON","impression_count":"JSON"}'
# Where DuckDB's JSON reader is more lenient than orjson (trailing commas, NaN/Infinity, exponents
# that overflow): such lines go to Python, which rejects them as the plain path does.
LENIENT = r",\s*[\]}]|[:\[,]\s*-?(?i:nan|inf|infinity)\s*[,\]}]|[:\[,]\s*-?[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{3}"

# Leaves come out of `json_transform` as minimal JSON text, so most type checks are checks on
# that text (a string starts with a quote, an object with a brace), with no second parse.
_MACROS = [
    # a JSON string's value; NULL for anything else
    "fp_s(j) AS CASE WHEN starts_with(j::VARCHAR, '\"') THEN j->>'$' END",
    # absent/null or a string: what `text_field` accepts without raising
    "fp_s_ok(j) AS j IS NULL OR starts_with(j::VARCHAR, '\"')",
    # absent/null or a string of ASCII digits: what `_id` accepts and returns unchanged
    "fp_id_ok(j) AS j IS NULL OR regexp_full_match(j::VARCHAR, '\"[0-9]+\"')",
    "fp_id(j) AS trim(j::VARCHAR, '\"')",
    # absent/null or a JSON integer that fits BIGINT: what `_count` returns unchanged
    "fp_int_ok(j) AS j IS NULL OR regexp_full_match(j::VARCHAR, '-?[0-9]{1,18}')",
    "fp_int(j) AS try_cast(j::VARCHAR AS BIGINT)",
    # absent/null or an object (a non-object would make `.get` raise, or is a placeholder)
    "fp_obj_ok(j) AS j IS NULL OR starts_with(j::VARCHAR, '{')",
]


def stage_pages(importer: TwitterV2Importer, path: Path, writer: _Writer) -> bool:
    """Stage a twarc2 JSONL file; False (nothing staged) when the file is not one (a document,
    flattened tweets, compliance output), which the Python reader then reads."""
    first, _ = _first_two_lines(path)
    if first is None:
        return False
    value = _parse_line(first)
    if value is _UNPARSED or not (isinstance(value, dict) and isinstance(value.get("data"), list)):
        return False
    # The chunk's work tables live on a connection of their own, in autocommit: inside the import's
    # transaction, each replaced table would be kept until the commit, and memory would grow with the file.
    work = writer.con.cursor()
    try:
        for macro in _MACROS:
            work.execute(f"CREATE OR REPLACE TEMP MACRO {macro}")
        for chunk in _chunks(path):
            _FastChunk(importer, writer, work, chunk).run()
            if writer.progress:
                writer.progress(writer.seen)
    finally:
        work.close()
    return True


_Line = tuple[int, bytes, str | None]  # number, the raw line, its stripped text (None: not UTF-8, or blank)


def _chunks(path: Path) -> Iterator[list[_Line]]:
    """The file's non-blank lines in chunks of about CHUNK_BYTES."""
    chunk: list[_Line] = []
    size = 0
    with open(path, "rb") as fh:
        for number, line in enumerate(fh, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if number == 1 and stripped.startswith(BOM):
                stripped = stripped[3:]
            try:
                text: str | None = stripped.decode("utf-8")
            except UnicodeDecodeError:
                text = None
            chunk.append((number, line, text))
            size += len(line)
            if size >= CHUNK_BYTES:
                yield chunk
                chunk, size = [], 0
    if chunk:
        yield chunk


class _FastChunk:
    """One chunk of lines: classified and built in SQL, then staged in file order."""

    def __init__(self, importer: TwitterV2Importer, writer: _Writer, work: Any, lines: list[_Line]):
        self.importer, self.writer, self.con, self.lines = importer, writer, work, lines

    def run(self) -> None:
        con = self.con
        candidates = [(n, text) for n, _, text in self.lines if text is not None and text[:1] == "{"]
        con.register("_fp_arrow", pa.table({"line_no": pa.array([n for n, _ in candidates], pa.int64()),
                                            "line": pa.array([t for _, t in candidates], pa.string())}))
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE fp_lines AS SELECT * FROM _fp_arrow")
        finally:
            con.unregister("_fp_arrow")
        self._parse()
        fast = dict(con.execute("SELECT line_no, n_posts FROM fp_ok").fetchall())
        if fast:
            self._build()
        self._stage_in_order(fast)

    # ---- SQL -------------------------------------------------------------------------------------
    def _parse(self) -> None:
        con = self.con
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fp_page AS
            SELECT line_no, try(json_transform(line, '{PAGE}')) AS p FROM fp_lines
            WHERE NOT regexp_matches(line, '{LENIENT}')""")
        tweet = f"""
            fp_id(t.id) AS post_id,
            fp_s(t.text) AS raw_text, t.note_tweet AS note, fp_id(t.author_id) AS author_id,
            fp_id(t.conversation_id) AS conversation_id, fp_id(t.in_reply_to_user_id) AS reply_uid,
            t.created_at::VARCHAR AS created_raw, nullif(fp_s(t.lang), '') AS language,
            CASE WHEN starts_with(t.referenced_tweets::VARCHAR, '[')
                 THEN json_transform(t.referenced_tweets, '[{{"type":"JSON","id":"JSON"}}]') END AS refs,
            left(t.referenced_tweets::VARCHAR, 1) AS refs_type,
            t.public_metrics AS pm_raw, json_transform(t.public_metrics, '{METRICS}') AS pm,
            list_filter(json_transform(t.entities, '{{"mentions":[{{"id":"JSON","username":"JSON"}}]}}').mentions,
                        lambda m: starts_with(m.username::VARCHAR, '"') AND m.username::VARCHAR <> '""') AS mentions,
            t.entities AS entities, t.edit_history_tweet_ids AS history, t.id AS id_j, t.text AS text_j,
            t.author_id AS author_j, t.conversation_id AS conv_j, t.in_reply_to_user_id AS reply_j,
            t.created_at AS created_j, t.lang AS lang_j"""
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fp_tw AS
            WITH raw AS (
                SELECT line_no, false AS is_partial, i AS pos, 'data[' || i || ']' AS loc, t FROM (
                    SELECT line_no, unnest(p.data) AS t, unnest(range(len(p.data))) AS i FROM fp_page)
                UNION ALL
                SELECT line_no, true, n + i, 'includes.tweets[' || i || ']', t FROM (
                    SELECT line_no, len(p.data) AS n, unnest(p.includes.tweets) AS t,
                           unnest(range(len(p.includes.tweets))) AS i
                    FROM fp_page WHERE p.includes.tweets IS NOT NULL)
            ), x AS (SELECT line_no, is_partial, pos, loc, {tweet} FROM raw)
            SELECT *,
                id_j IS NOT NULL AND fp_id_ok(id_j) AND starts_with(text_j::VARCHAR, '"')
                AND (note IS NULL OR NOT starts_with(note::VARCHAR, '{{') OR fp_s_ok(note->'$.text'))
                AND fp_id_ok(author_j) AND fp_id_ok(conv_j) AND fp_id_ok(reply_j)
                AND (created_j IS NULL OR (regexp_full_match(created_raw,
                     '"[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}\\.[0-9]{{3}}Z"')
                     AND NOT starts_with(created_raw, '"0000')
                     AND try_cast(substr(created_raw, 2, 23) AS TIMESTAMP) IS NOT NULL))
                AND fp_s_ok(lang_j)
                AND (refs_type IS NULL OR (refs_type = '[' AND coalesce(list_bool_and(list_transform(refs,
                     lambda r: r IS NOT NULL AND fp_id_ok(r.id) AND r.id IS NOT NULL AND fp_s_ok(r.type))), true)))
                AND fp_obj_ok(pm_raw) AND fp_int_ok(pm.like_count) AND fp_int_ok(pm.reply_count)
                AND fp_int_ok(pm.retweet_count) AND fp_int_ok(pm.quote_count) AND fp_int_ok(pm.impression_count)
                AND fp_obj_ok(entities)
                AND coalesce(list_bool_and(list_transform(mentions, lambda m: fp_s_ok(m.id))), true)
                AND coalesce(len(mentions), 0) <= {MAX_MENTIONS}
                AND NOT (starts_with(history::VARCHAR, '[') AND contains(history::VARCHAR, ','))
                AND pos < {MAX_TWEETS}
                AS ok
            FROM x""")
        con.execute(
            """CREATE OR REPLACE TEMP TABLE fp_us AS
            SELECT line_no, i AS upos, fp_id(u.id) AS id, nullif(fp_s(u.username), '') AS username,
                   nullif(fp_s(u.name), '') AS name, fp_int(u.public_metrics->'$.followers_count') AS followers,
                   u IS NOT NULL AND u.id IS NOT NULL AND fp_id_ok(u.id)
                   AND fp_s_ok(u.username) AND fp_s_ok(u.name) AND fp_obj_ok(u.public_metrics)
                   AND fp_int_ok(u.public_metrics->'$.followers_count') AS ok
            FROM (SELECT line_no, unnest(p.includes.users) AS u, unnest(range(len(p.includes.users))) AS i
                  FROM fp_page WHERE p.includes.users IS NOT NULL)""")
        con.execute(
            """CREATE OR REPLACE TEMP TABLE fp_ok AS
            SELECT g.line_no, len(g.p.data) + coalesce(len(g.p.includes.tweets), 0) AS n_posts FROM fp_page g
            WHERE g.p.data IS NOT NULL AND (g.p.errors IS NULL OR g.p.errors::VARCHAR = '[]')
              AND g.line_no NOT IN (
                SELECT line_no FROM fp_tw WHERE NOT coalesce(ok, false)
                UNION ALL SELECT line_no FROM fp_us WHERE NOT coalesce(ok, false)
                UNION ALL SELECT line_no FROM fp_us GROUP BY line_no, id HAVING count(*) > 1)""")

    def _build(self) -> None:
        con, writer = self.con, self.writer
        shift, step = LINE_SHIFT, TWEET_STEP
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fp_posts AS
            SELECT t.line_no, (t.line_no << {shift}) + t.pos * {step} AS seq, t.post_id, t.is_partial,
                'line ' || t.line_no || ', ' || t.loc AS loc, t.author_id, a.username AS author_handle,
                a.name AS author_name, a.followers AS author_followers, t.reply_uid, r.username AS reply_handle,
                nullif(CASE WHEN json_type(t.note) = 'OBJECT' AND json_type(t.note, '$.text') = 'VARCHAR'
                             AND t.note->>'$.text' <> '' THEN t.note->>'$.text' ELSE t.raw_text END, '') AS text,
                try_cast(substr(t.created_raw, 2, 23) AS TIMESTAMP) AS created_at, t.language, t.conversation_id,
                fp_id(list_filter(t.refs, lambda x: x.type::VARCHAR = '"replied_to"')[-1].id) AS reply_to,
                fp_id(list_filter(t.refs, lambda x: x.type::VARCHAR = '"quoted"')[-1].id) AS quoted,
                fp_id(list_filter(t.refs, lambda x: x.type::VARCHAR = '"retweeted"')[-1].id) AS reposted,
                t.pm, t.mentions
            FROM fp_tw t JOIN fp_ok USING (line_no)
            LEFT JOIN fp_us a ON a.line_no = t.line_no AND a.id = t.author_id
            LEFT JOIN fp_us r ON r.line_no = t.line_no AND r.id = t.reply_uid""")
        # Every account observation, in the order the writer makes them (author, reply-to, mentions
        # of each post; then the page's users), with the seq that orders them.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fp_obs AS
            SELECT seq, author_id AS account_id, author_handle AS handle, author_name AS name,
                   author_followers AS followers, false AS is_user FROM fp_posts
            UNION ALL SELECT seq + 1, reply_uid, reply_handle, NULL, NULL, false FROM fp_posts
                WHERE reply_uid IS NOT NULL OR reply_handle IS NOT NULL
            UNION ALL SELECT seq + 2 + i, nullif(m.id->>'$', ''), m.username->>'$', NULL, NULL, false FROM (
                SELECT seq, unnest(mentions) AS m, unnest(range(len(mentions))) AS i FROM fp_posts
                WHERE len(mentions) > 0)
            UNION ALL SELECT (u.line_no << {shift}) + o.n_posts * {step} + u.upos, u.id, u.username, u.name,
                u.followers, true FROM fp_us u JOIN fp_ok o USING (line_no)""")
        self._resolve()
        self._fix_texts()
        # The rows the writer would stage (see `_Writer._add_post` / `_add_account`).
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fp_accounts AS
            SELECT '{PLATFORM}' AS platform, m.account_id, m.handle,
                   CASE WHEN m.pseudonymised THEN NULL ELSE o.name END AS display_name, m.pseudonymised, m.role,
                   m.force, m.account_type, m.unit, o.followers AS followers_count, o.seq
            FROM fp_obs o JOIN fp_map m ON m.raw_id IS NOT DISTINCT FROM o.account_id
                AND m.raw_handle IS NOT DISTINCT FROM o.handle
            WHERE m.account_id IS NOT NULL""")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fp_mentions AS
            SELECT '{PLATFORM}' AS platform, p.post_id, m.account_id, m.handle, p.seq
            FROM (SELECT seq, post_id, unnest(mentions) AS mention FROM fp_posts WHERE len(mentions) > 0) p
            JOIN fp_map m ON m.raw_id IS NOT DISTINCT FROM nullif(p.mention.id->>'$', '')
                AND m.raw_handle = p.mention.username->>'$'""")
        pseudonymise = "true" if writer.identity.pseudonymise else "false"
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE fp_posts AS
            SELECT '{PLATFORM}' AS platform, p.post_id, a.account_id AS author_id, a.handle AS author_handle,
                a.role AS author_role, a.force AS author_force, a.account_type AS author_account_type, p.created_at,
                coalesce(f.text, p.text) AS text, p.language,
                CASE WHEN p.reposted IS NOT NULL THEN 'repost' WHEN p.reply_to IS NOT NULL THEN 'reply'
                     WHEN p.quoted IS NOT NULL THEN 'quote' ELSE 'original' END AS kind,
                p.reply_to AS reply_to_post_id, r.account_id AS reply_to_account_id, p.conversation_id,
                p.quoted AS quoted_post_id, p.reposted AS reposted_post_id,
                CASE WHEN p.reposted IS NULL THEN fp_int(p.pm.like_count) END AS like_count,
                CASE WHEN p.reposted IS NULL THEN fp_int(p.pm.reply_count) END AS reply_count,
                CASE WHEN p.reposted IS NULL THEN fp_int(p.pm.retweet_count) END AS repost_count,
                CASE WHEN p.reposted IS NULL THEN fp_int(p.pm.quote_count) END AS quote_count,
                CASE WHEN p.reposted IS NULL THEN fp_int(p.pm.impression_count) END AS view_count,
                p.author_followers,
                CASE WHEN {pseudonymise} AND a.pseudonymised AND p.author_handle IS NOT NULL
                          AND contains(lower('https://x.com/i/web/status/' || p.post_id), lower(p.author_handle))
                     THEN NULL ELSE 'https://x.com/i/web/status/' || p.post_id END AS url,
                p.is_partial, p.loc AS source_location, p.seq
            FROM fp_posts p
            JOIN fp_map a ON a.raw_id IS NOT DISTINCT FROM p.author_id AND a.raw_handle IS NOT DISTINCT FROM p.author_handle
            LEFT JOIN fp_map r ON (p.reply_uid IS NOT NULL OR p.reply_handle IS NOT NULL)
                AND r.raw_id IS NOT DISTINCT FROM p.reply_uid AND r.raw_handle IS NOT DISTINCT FROM p.reply_handle
            LEFT JOIN fp_text f ON f.seq = p.seq""")

    def _resolve(self) -> None:
        """Resolve each distinct (account id, handle) of the chunk once, as the writer would."""
        resolve = self.writer.identity.resolve
        pairs = self.con.execute("SELECT DISTINCT account_id, handle FROM fp_obs").fetchall()
        idents = [resolve(PLATFORM, account_id, handle, None) for account_id, handle in pairs]
        self.con.register("_fp_arrow", pa.table({
            "raw_id": pa.array([p[0] for p in pairs], pa.string()),
            "raw_handle": pa.array([p[1] for p in pairs], pa.string()),
            "account_id": pa.array([i.account_id for i in idents], pa.string()),
            "handle": pa.array([i.handle for i in idents], pa.string()),
            "pseudonymised": pa.array([i.pseudonymised for i in idents], pa.bool_()),
            "role": pa.array([i.role for i in idents], pa.string()),
            "force": pa.array([i.force for i in idents], pa.string()),
            "account_type": pa.array([i.account_type for i in idents], pa.string()),
            "unit": pa.array([i.unit for i in idents], pa.string()),
        }))
        try:
            self.con.execute("CREATE OR REPLACE TEMP TABLE fp_map AS SELECT * FROM _fp_arrow")
        finally:
            self.con.unregister("_fp_arrow")

    def _fix_texts(self) -> None:
        """Decode HTML entities, then pseudonymise citizens' @handles, in just the texts that need it.

        The replacement is `IdentityResolver.pseudonymise_text` with each handle's replacement
        computed once per chunk (the same few handles recur in most replies)."""
        identity = self.writer.identity
        pseudonymise = identity.pseudonymise
        where = "contains(text, '&') OR contains(text, '@')" if pseudonymise else "contains(text, '&')"
        rows = self.con.execute(f"SELECT seq, text FROM fp_posts WHERE {where}").fetchall()
        replacements: dict[str, str] = {}

        def replace(match: re.Match[str]) -> str:
            handle = match.group(1)
            found = replacements.get(handle)
            if found is None:
                assert identity.pseudonymiser is not None
                found = replacements[handle] = (
                    match.group(0) if (PLATFORM, normalise_handle(handle)) in identity.by_handle
                    else "@" + identity.pseudonymiser.handle(PLATFORM, handle))
            return found

        seqs, texts = [], []
        for seq, text in rows:
            if "&" in text:
                text = html.unescape(text)
            if pseudonymise and "@" in text:
                text = MENTION_RE.sub(replace, text)
            seqs.append(seq)
            texts.append(text)
        self.con.register("_fp_arrow", pa.table({"seq": pa.array(seqs, pa.int64()), "text": pa.array(texts, pa.string())}))
        try:
            self.con.execute("CREATE OR REPLACE TEMP TABLE fp_text AS SELECT * FROM _fp_arrow")
        finally:
            self.con.unregister("_fp_arrow")

    # ---- staging in file order ---------------------------------------------------------------------
    def _stage_in_order(self, fast: dict[int, int]) -> None:
        """Stage the chunk line by line as the Python path would: SQL-built rows in runs of fast lines,
        the other lines through the writer, with a merge wherever the Python path merges."""
        writer = self.writer
        run_lo: int | None = None
        pending = 0
        if fast:
            writer.seen += self.con.execute("SELECT count(*) FROM fp_posts").fetchall()[0][0]
            writer.accounts_seen += self.con.execute(
                "SELECT count(*) FROM fp_us JOIN fp_ok USING (line_no)").fetchall()[0][0]
        for number, raw, _ in self.lines:
            base = number << LINE_SHIFT
            n = fast.get(number)
            if n is None:
                if run_lo is not None:
                    self._flush(run_lo, base - 1)
                    run_lo, pending = None, 0
                writer.start_line(base)
                for record in self._python_records(number, raw):
                    writer.add(record)
                continue
            if run_lo is None:
                run_lo = base
            taken = 0
            while writer.staged_since_merge + pending + (n - taken) >= pipeline.MERGE_ROWS:
                taken += pipeline.MERGE_ROWS - writer.staged_since_merge - pending
                hi = base + (taken - 1) * TWEET_STEP + TWEET_STEP - 1
                self._flush(run_lo, hi)
                writer.merge_chunk()
                run_lo, pending = hi + 1, 0
            pending += n - taken
        if run_lo is not None:
            self._flush(run_lo, (1 << 62) - 1)

    def _flush(self, lo: int, hi: int) -> None:
        where = f"WHERE seq BETWEEN {lo} AND {hi}"
        posts = ", ".join(name for name, _ in pipeline.POST_COLUMNS)
        for table, query in (("stage_posts", f"SELECT {posts} FROM fp_posts {where}"),
                             ("stage_accounts", f"SELECT * FROM fp_accounts {where}"),
                             ("stage_mentions", f"SELECT platform, post_id, account_id, handle FROM fp_mentions {where}")):
            self.writer.stage(table, self.con.sql(query).to_arrow_table())

    def _python_records(self, number: int, raw: bytes) -> Iterator[Record]:
        """What the Python reader yields for one line (`iter_json_lines`, then `_read_value`)."""
        stripped = raw.strip()
        if number == 1 and stripped.startswith(BOM):
            stripped = stripped[3:]
        try:
            value: Any = orjson.loads(stripped)
        except orjson.JSONDecodeError as exc:
            yield Reject(f"line {number}", _json_problem(exc, stripped, raw.endswith(b"\n")), stripped)
            return
        yield from self.importer._read_value(value, f"line {number}")

