"""No citizen's original handle or id survives an import anywhere Peelian stores or hands out data.

Each format is imported into a pseudonymising project (the real-format samples of ../shared, when
present, and small files written here that put citizens' handles everywhere a platform does:
post links, at:// ids, ActivityPub URIs, profile links in text, mentions, notices, records that
go to the quarantine). Every citizen's handle and id is collected from the input files, then looked
for in every text column of every table, in `peelian export` of every table as CSV, JSON Lines and
Parquet, in the force report and in every file of the project's folder.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest

from peelian import Project
from peelian.demo import build_demo
from peelian.demo.build import SOURCE_FOLDER
from peelian.ingest import import_files
from peelian.store.export import EXPORTABLE
from peelian.store.privacy import normalise_handle
from peelian.store.registry import import_registry
from tests.conftest import SHARED_FIXTURES

# Keys whose value is an account (handle, id, DID, profile URL), and keys whose object is an account.
ACCOUNT_KEYS = {"username", "screen_name", "acct", "handle", "did", "author_id", "in_reply_to_user_id",
                "in_reply_to_user_id_str", "in_reply_to_screen_name", "in_reply_to_account_id", "user_id",
                "user_id_str", "accountId", "attributedTo", "actor", "authorChannelUrl", "userName"}
ACCOUNT_OBJECTS = {"user", "account", "author", "from", "by", "owner", "reblogged_by"}
ACCOUNT_LISTS = {"mentions", "user_mentions", "users"}
OBJECT_FIELDS = ("id", "id_str", "did", "username", "screen_name", "acct", "handle", "url", "pk")
CSV_COLUMNS = {"user_id", "username", "user_url", "shared_user_id", "shared_username", "user name", "facebook id",
               "author", "author_id", "handle", "screen_name", "account_id", "author_handle"}
# Free text may hold a handle as a plain word (#CDU, "welt"): there only @handle and /handle count.
FREE_TEXT = {("posts", "text"), ("quarantine", "reason"), ("quarantine", "path"), ("imports", "path"),
             ("notices", "detail"), ("audit_log", "detail"), ("audit_log", "target")}
# Columns whose values Peelian writes itself (a citizen called @Twitter is no leak in `platform`).
OWN_COLUMNS = {"platform", "format", "notice_type", "kind", "role", "author_role", "account_type",
               "author_account_type", "peelian_version", "sha256", "blake3", "language", "status", "source"}
MONTH = "2025-05"
FORCE = "Test Police"
POLICE = {"testpolice", "900", "did:plc:police00000000000000", "testpolice.bsky.social"}


# ---- what the input files say about accounts --------------------------------------------------

def _collect(value: Any, found: set[str], parent: str | None = None) -> None:
    if isinstance(value, dict):
        if parent in ACCOUNT_LISTS:
            found.update(str(value[k]) for k in OBJECT_FIELDS if isinstance(value.get(k), (str, int)))
        for key, item in value.items():
            if key in ACCOUNT_KEYS and isinstance(item, (str, int)):
                found.add(str(item))
            elif key == "authorChannelId" and isinstance(item, dict):
                found.add(str(item.get("value")))
            elif key == "authorDisplayName" and isinstance(item, str) and item.startswith("@"):
                found.add(item)
            if key in ACCOUNT_OBJECTS and isinstance(item, dict):
                found.update(str(item[k]) for k in OBJECT_FIELDS if isinstance(item.get(k), (str, int)))
            _collect(item, found, key)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found, parent)


def _json_values(path: Path) -> Iterator[Any]:
    data = path.read_bytes()
    if path.suffix == ".js":
        data = data[data.find(b"=") + 1:].strip().rstrip(b";")
    try:
        yield orjson.loads(data)
        return
    except orjson.JSONDecodeError:
        pass
    for line in data.splitlines():
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError:
            continue


def account_values(paths: Iterable[Path]) -> set[str]:
    """Every handle, id and profile link of an account in the files (citizens and police alike)."""
    found: set[str] = set()
    for path in paths:
        if path.suffix == ".csv":
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8", errors="replace"))):
                found.update(v for k, v in row.items() if k and k.strip().lower() in CSV_COLUMNS and v)
            continue
        for value in _json_values(path):
            _collect(value, found)
    values = set()
    for raw in found:
        handle = raw.strip().lstrip("@")
        if handle.startswith(("http://", "https://")):  # a profile link: the account is its last part
            if match := re.match(r"^https?://[^/]+/(?:@|users/|channel/)?([^/]+)$", handle):
                values.add(match.group(1))
            continue
        values.add(handle)
        if "@" in handle:  # user@instance: the user part is what a link spells out
            values.add(handle.split("@", 1)[0])
    return {v for v in values if len(v) >= 3 and v.lower() not in {"none", "null", "true", "false"}}


# ---- where they must not be -------------------------------------------------------------------

class Leaks:
    """Finds the citizens' values in cells (structured or free text), collecting every hit."""

    def __init__(self, values: set[str], police: set[str] = frozenset()):
        police_lower = {normalise_handle(p) for p in police}
        self.values = sorted((v for v in values if normalise_handle(v) not in police_lower), key=lambda v: -len(v))
        assert self.values, "no citizen handles or ids were found in the input"

        def any_of(values: list[str]) -> str:
            return "(?:" + "|".join(re.escape(v) for v in values) + ")" if values else "(?!)"

        handles = [v for v in self.values if not v.isdigit()]
        ids = [v for v in self.values if v.isdigit()]
        # One pattern per kind of cell (thousands of values: one alternation, not one search each).
        self.token = re.compile(r"(?<![A-Za-z0-9_])" + any_of(self.values) + r"(?![A-Za-z0-9_])", re.I)
        self.linked = re.compile(r"(?<=[@/=])" + any_of(handles) + r"(?![A-Za-z0-9_])"
                                 r"|(?<![A-Za-z0-9_.,])" + any_of(ids) + r"(?![A-Za-z0-9_])", re.I)
        self.hits: list[tuple[str, str, str]] = []

    def check(self, where: str, cell: Any, *, free_text: bool) -> None:
        if cell is None:
            return
        text = cell if isinstance(cell, str) else orjson.dumps(cell, default=str).decode()
        for match in (self.linked if free_text else self.token).finditer(text):
            start = max(0, match.start() - 80)
            self.hits.append((where, match.group(0), text[start:start + 200]))

    def rows(self, source: str, table: str, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            for column, cell in row.items():
                if column in OWN_COLUMNS:
                    continue
                self.check(f"{source} {table}.{column}", cell, free_text=(table, column) in FREE_TEXT)

    def report(self) -> str:
        seen: dict[tuple[str, str], str] = {}
        for where, value, text in self.hits:
            seen.setdefault((where, value), text)
        return "\n".join(f"{where}: {value!r} in {text!r}" for (where, value), text in list(seen.items())[:40])


def scan_database(project: Project, leaks: Leaks) -> None:
    con = project.con
    for (table,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall():
        columns = [c for c, t in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
            "AND table_schema = 'main'", [table]).fetchall() if t in ("VARCHAR", "JSON") or t.startswith("VARCHAR")]
        if not columns:
            continue
        select = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
        cursor = con.execute(f'SELECT DISTINCT {select} FROM "{table}"')
        leaks.rows("database", table, (dict(zip(columns, row, strict=True)) for row in cursor.fetchall()))


def scan_exports(cli, project_path: Path, out: Path, leaks: Leaks) -> None:
    out.mkdir(exist_ok=True)
    for table in EXPORTABLE:
        for suffix in (".csv", ".jsonl", ".parquet"):
            target = out / f"{table}{suffix}"
            result = cli("export", project_path, table, "--to", target)
            assert result.exit_code == 0, result.output
            if suffix == ".csv":
                rows = csv.DictReader(io.StringIO(target.read_text(encoding="utf-8")))
            elif suffix == ".jsonl":
                rows = (orjson.loads(line) for line in target.read_bytes().splitlines() if line.strip())
            else:
                rows = pq.read_table(target).to_pylist()
            leaks.rows(f"export {suffix}", table, rows)


def scan_folder(project: Project, leaks: Leaks) -> None:
    """Every file Peelian writes beside the database (logs, reports, models), not the demo's input files."""
    for path in project.folder.rglob("*"):
        if path.is_file() and SOURCE_FOLDER not in path.parts and path.name != "secret.key":
            leaks.check(f"file {path.relative_to(project.folder)}", path.read_bytes().decode("utf-8", "replace"),
                        free_text=True)


def scan_report(cli, project_path: Path, out: Path, leaks: Leaks, force: str = FORCE, month: str = MONTH) -> None:
    target = out / "report.html"
    result = cli("report", project_path, "--force", force, "--month", month, "--to", target)
    assert result.exit_code == 0, result.output
    leaks.check("force report", target.read_text(encoding="utf-8"), free_text=True)


def import_and_scan(cli, tmp_path: Path, files: list[Path], *, registry: Path | None = None,
                    police: set[str] = frozenset(), report: bool = False) -> Project:
    leaks = Leaks(account_values(files), police)
    path = tmp_path / "leak.peelian"
    project = Project.init(path)
    try:
        if registry is not None:
            import_registry(project, registry)
        import_files(project, files)
        scan_database(project, leaks)
    finally:
        project.close()
    scan_exports(cli, path, tmp_path / "exports", leaks)
    if report:
        scan_report(cli, path, tmp_path, leaks)
    project = Project.open(path)
    scan_folder(project, leaks)
    assert not leaks.hits, "citizens' handles or ids left in plain text:\n" + leaks.report()
    return project


# ---- the real-format samples ------------------------------------------------------------------

def fixture_files(folder: str) -> list[Path]:
    """The files of one real-format sample folder in ../shared/fixtures, skipping the test where it is absent."""
    source = SHARED_FIXTURES / folder
    if not source.is_dir():
        pytest.skip(f"../shared/fixtures/{folder} is not present")
    return sorted(p for p in source.iterdir() if p.is_file())


FIXTURE_FOLDERS = ["twitter_v2", "twitter_v2_academictwitteR", "twitter_v1", "twitter_archive", "mastodon", "bluesky",
                   "facebook_graph_api", "facebook_scraper", "instagram_graph_api", "youtube_api"]


@pytest.mark.parametrize("folder", FIXTURE_FOLDERS)
def test_real_format_samples_leave_no_citizen_identity(cli, tmp_path, folder):
    files = fixture_files(folder)
    if not account_values(files):
        pytest.skip(f"no account handles or ids in ../shared/fixtures/{folder}")
    import_and_scan(cli, tmp_path, files).close()


# ---- files that put citizens everywhere a platform can ----------------------------------------

REGISTRY = (
    "platform,handle,account_id,force,account_type\n"
    f"twitter,testpolice,900,{FORCE},force_corporate\n"
    f"mastodon,testpolice,,{FORCE},force_corporate\n"
    f"bluesky,testpolice.bsky.social,,{FORCE},force_corporate\n"
)
POLICE_DID = "did:plc:police00000000000000"


def _twitter_v2(folder: Path) -> Path:
    users = [{"id": "900", "username": "testpolice", "name": "Test Police"},
             {"id": "7100000001", "username": "rosie_citizen", "name": "Rosie C"},
             {"id": "7100000002", "username": "bob_citizen", "name": "Bob C"}]
    police = {"id": "5000", "text": "Have you seen this van? Call 101", "author_id": "900", "conversation_id": "5000",
              "created_at": "2025-05-02T09:00:00.000Z", "edit_history_tweet_ids": ["5000"], "lang": "en",
              "public_metrics": {"like_count": 1, "reply_count": 2, "retweet_count": 0, "quote_count": 0}}
    reply = {"id": "5001", "text": "@testpolice @bob_citizen saw it, see https://twitter.com/bob_citizen/status/1 "
             "and mastodon.social/@rosie or bsky.app/profile/rosie.bsky.social. Are you on it?",
             "author_id": "7100000001", "conversation_id": "5000", "in_reply_to_user_id": "900",
             "created_at": "2025-05-02T09:30:00.000Z", "edit_history_tweet_ids": ["5001"], "lang": "en",
             "referenced_tweets": [{"type": "replied_to", "id": "5000"}],
             "entities": {"mentions": [{"start": 0, "end": 11, "username": "testpolice", "id": "900"},
                                       {"start": 12, "end": 24, "username": "bob_citizen", "id": "7100000002"}]},
             "public_metrics": {"like_count": 0, "reply_count": 0, "retweet_count": 0, "quote_count": 0}}
    broken = dict(reply, id="5002", text=5)  # quarantined: its raw record names its author
    page = {"data": [police, reply], "includes": {"users": users}}
    errors = {"data": [broken], "includes": {"users": users},
              "errors": [{"title": "Not Found Error", "resource_type": "user", "parameter": "usernames",
                          "value": "gone_citizen", "detail": "Could not find user with usernames: [gone_citizen]."}]}
    path = folder / "tweets.jsonl"
    path.write_bytes(orjson.dumps(page) + b"\n" + orjson.dumps(errors) + b"\n")
    return path


def _account(acct: str, account_id: str, host: str) -> dict[str, Any]:
    user = acct.split("@")[0]
    return {"id": account_id, "username": user, "acct": acct, "display_name": user.title(),
            "url": f"https://{host}/@{user}", "followers_count": 3, "note": ""}


def _status(status_id: str, account: dict[str, Any], content: str, **extra: Any) -> dict[str, Any]:
    return {"id": status_id, "created_at": "2025-05-03T10:00:00.000Z", "in_reply_to_id": None,
            "in_reply_to_account_id": None, "visibility": "public", "language": "en", "content": content,
            "uri": f"{account['url'].replace('/@', '/users/')}/statuses/{status_id}",
            "url": f"{account['url']}/{status_id}", "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
            "account": account, "mentions": [], "reblog": None, **extra}


def _mastodon(folder: Path) -> Path:
    police = _account("testpolice", "1", "mastodon.social")
    rosie = _account("rosiec@mastodon.green", "8100000002", "mastodon.green")
    bob = _account("bobm@fosstodon.org", "8100000003", "fosstodon.org")
    statuses = [
        _status("2001", police, "<p>Road closed on the A38</p>"),
        _status("2002", rosie, '<p><span class="h-card"><a href="https://mastodon.social/@testpolice">@<span>'
                'testpolice</span></a></span> why? ask <a href="https://fosstodon.org/@bobm">@bobm</a> '
                "https://fosstodon.org/@bobm</p>", in_reply_to_id="2001", in_reply_to_account_id="1",
                mentions=[{"id": "1", "username": "testpolice", "acct": "testpolice",
                           "url": "https://mastodon.social/@testpolice"},
                          {"id": "8100000003", "username": "bobm", "acct": "bobm@fosstodon.org",
                           "url": "https://fosstodon.org/@bobm"}]),
        _status("2003", bob, "", reblog=_status("2002", rosie, "<p>boosted</p>"), url=None),
        _status("2004", bob, 7),  # content that is not text: quarantined
    ]
    path = folder / "statuses.json"
    path.write_bytes(orjson.dumps(statuses))
    outbox = {"@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection", "orderedItems": [
        {"type": "Create", "actor": "https://mastodon.green/users/rosiec", "published": "2025-05-04T10:00:00Z",
         "object": {"id": "https://mastodon.green/users/rosiec/statuses/3001", "type": "Note",
                    "attributedTo": "https://mastodon.green/users/rosiec", "content": "<p>reply</p>",
                    "inReplyTo": "https://fosstodon.org/users/bobm/statuses/77",
                    "url": "https://mastodon.green/@rosiec/3001", "published": "2025-05-04T10:00:00Z"}},
        {"type": "Announce", "actor": "https://mastodon.green/users/rosiec", "published": "2025-05-04T11:00:00Z",
         "id": "https://mastodon.green/users/rosiec/statuses/3002/activity",
         "object": "https://fosstodon.org/users/bobm/statuses/78"},
        {"type": "Like", "actor": "https://mastodon.green/users/rosiec",
         "id": "https://mastodon.green/users/rosiec#likes/9", "object": "https://fosstodon.org/users/bobm/statuses/79"},
    ]}
    outbox_path = folder / "outbox.json"
    outbox_path.write_bytes(orjson.dumps(outbox))
    return path, outbox_path


def _bluesky(folder: Path) -> Path:
    police = {"did": POLICE_DID, "handle": "testpolice.bsky.social", "displayName": "Test Police"}
    rosie = {"did": "did:plc:rosie000000000000000000", "handle": "rosie.bsky.social", "displayName": "Rosie"}
    bob = {"did": "did:plc:bob00000000000000000000", "handle": "bob.bsky.social", "displayName": "Bob"}
    police_uri = f"at://{POLICE_DID}/app.bsky.feed.post/3kpolice"
    rosie_uri = f"at://{rosie['did']}/app.bsky.feed.post/3krosie"

    def view(uri: str, author: dict[str, Any], text: str, **record: Any) -> dict[str, Any]:
        return {"uri": uri, "cid": "bafy", "author": author, "indexedAt": "2025-05-05T10:00:00.000Z",
                "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2025-05-05T10:00:00.000Z",
                           **record}, "likeCount": 0, "replyCount": 0, "repostCount": 0}

    reply_ref = {"root": {"uri": police_uri, "cid": "bafy"}, "parent": {"uri": police_uri, "cid": "bafy"}}
    text = "@bob.bsky.social look https://bsky.app/profile/bob.bsky.social"
    feed = {"feed": [
        {"post": view(police_uri, police, "Appeal: missing bike")},
        {"post": view(rosie_uri, rosie, text, reply=reply_ref,
                      facets=[{"index": {"byteStart": 0, "byteEnd": 16},
                               "features": [{"$type": "app.bsky.richtext.facet#mention", "did": bob["did"]}]}]),
         "reply": {"root": view(police_uri, police, "Appeal: missing bike"),
                   "parent": view(police_uri, police, "Appeal: missing bike")}},
        {"post": view(rosie_uri, rosie, text, reply=reply_ref),
         "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": bob, "indexedAt": "2025-05-05T11:00:00.000Z"}},
        {"post": {"uri": f"at://{bob['did']}/app.bsky.feed.post/3kgone", "notFound": True}},
    ]}
    path = folder / "bluesky.json"
    path.write_bytes(orjson.dumps(feed))
    records = {"records": [{"uri": f"at://{bob['did']}/app.bsky.graph.follow/3kf", "cid": "bafy",
                            "value": {"$type": "app.bsky.graph.follow", "subject": rosie["did"],
                                      "createdAt": "2025-05-05T10:00:00.000Z"}}]}
    records_path = folder / "records.json"
    records_path.write_bytes(orjson.dumps(records))
    return path, records_path


def _facebook(folder: Path) -> Path:
    post = {"id": "9142420001_77", "from": {"id": "9142420001", "name": "Rosie Citizen"},
            "message": "Lost dog in the park",
            "created_time": "2025-05-06T10:00:00+0000", "permalink_url": "https://www.facebook.com/9142420001/posts/77",
            "comments": {"data": [{"id": "77_1", "from": {"id": "9143430001", "name": "Bob Citizen"},
                                   "message": "facebook.com/bob.citizen.9 has seen it",
                                   "created_time": "2025-05-06T11:00:00+0000",
                                   "permalink_url": "https://www.facebook.com/9142420001/posts/77?comment_id=1"}]}}
    path = folder / "facebook.json"
    path.write_bytes(orjson.dumps({"data": [post]}))
    return path


def test_own_files_leave_no_citizen_identity_and_police_keep_theirs(cli, tmp_path):
    folder = tmp_path / "input"
    folder.mkdir()
    registry = tmp_path / "registry.csv"
    registry.write_text(REGISTRY)
    files = [_twitter_v2(folder), *_mastodon(folder), *_bluesky(folder), _facebook(folder)]
    project = import_and_scan(cli, tmp_path, files, registry=registry, police=POLICE, report=True)
    try:
        assert project.scalar("SELECT count(DISTINCT platform) FROM posts") == 4
        urls = {r["url"] for r in project.query("SELECT url FROM posts WHERE author_role = 'police'")}
        assert {"https://mastodon.social/@testpolice/2001", "https://x.com/i/web/status/5000",
                "https://bsky.app/profile/testpolice.bsky.social/post/3kpolice"} <= urls
        # references still meet what they point at: the citizen's Bluesky reply is a reply to the police post
        assert project.scalar("SELECT count(*) FROM posts r JOIN posts p ON r.reply_to_post_id = p.post_id "
                              "WHERE r.platform = 'bluesky' AND p.author_role = 'police'") >= 1
        assert project.scalar("SELECT count(*) FROM quarantine") >= 2
    finally:
        project.close()


def test_the_demo_leaves_no_citizen_identity(cli, tmp_path):
    path = tmp_path / "demo.peelian"
    manifest = build_demo(path, posts=2400, seed=5, forces=6, months=2, start="2025-04-01")
    assert manifest.mastodon_files, "the demo writes Mastodon files"
    registry = list(csv.DictReader(manifest.registry_csv.open(encoding="utf-8")))
    police = {row[key] for row in registry for key in ("handle", "account_id") if row.get(key)}
    leaks = Leaks(account_values(manifest.files), police)
    project = Project.open(path)
    try:
        scan_database(project, leaks)
        forces = [r["force"] for r in project.query("SELECT DISTINCT force FROM registry ORDER BY 1")]
        month = str(project.scalar("SELECT strftime(max(created_at), '%Y-%m') FROM posts"))
    finally:
        project.close()
    scan_exports(cli, path, tmp_path / "exports", leaks)
    scan_report(cli, path, tmp_path, leaks, force=forces[0], month=month)
    project = Project.open(path)
    try:
        scan_folder(project, leaks)
    finally:
        project.close()
    assert not leaks.hits, "citizens' handles or ids left in plain text:\n" + leaks.report()


def test_importer_options_naming_a_citizen_are_stored_as_pseudonyms(cli, tmp_path):
    """`--option handle=…` (an X archive without its manifest) names the archive's owner: the imports table
    keeps a citizen's id and handle as the same pseudonyms as their posts and drops the display name; a
    registry account stays as given; the same file with the same options is still known as imported."""
    registry = tmp_path / "registry.csv"
    registry.write_text(REGISTRY)
    tweets, police_tweets = tmp_path / "tweets.js", tmp_path / "police" / "tweets.js"
    police_tweets.parent.mkdir()
    for file, post_id in ((tweets, "6001"), (police_tweets, "6002")):
        file.write_bytes(b"window.YTD.tweets.part0 = " + orjson.dumps([{"tweet": {
            "id_str": post_id, "id": post_id, "created_at": "Fri May 02 13:02:05 +0000 2025", "full_text": "a bike",
            "lang": "en", "favorite_count": "0", "retweet_count": "0",
            "entities": {"user_mentions": [], "urls": []}}}]))
    citizen = {"handle": "rosie_citizen", "account_id": "7100000001", "display_name": "Rosie Quartermaine"}
    path = tmp_path / "leak.peelian"
    project = Project.init(path)
    try:
        import_registry(project, registry)
        import_files(project, [tweets], options=citizen)
        import_files(project, [police_tweets], options={"handle": "testpolice", "account_id": "900"})
        assert import_files(project, [tweets], options=citizen)[0].skipped_identical_to is not None
        stored = [orjson.loads(r["options"]) for r in project.query("SELECT options FROM imports ORDER BY import_id")]
        author = project.query("SELECT author_id, author_handle FROM posts WHERE author_role = 'citizen'")[0]
        assert stored == [{"account_id": author["author_id"], "handle": author["author_handle"]},
                          {"account_id": "900", "handle": "testpolice"}]
        leaks = Leaks(set(citizen.values()), POLICE)
        scan_database(project, leaks)
    finally:
        project.close()
    scan_exports(cli, path, tmp_path / "exports", leaks)
    assert not leaks.hits, "citizens' handles or ids left in plain text:\n" + leaks.report()
