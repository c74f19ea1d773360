"""The demo corpus: it builds, reconciles, is realistic where the product measures, and is reproducible."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from pathlib import Path

import orjson
import pytest

from peelian import Project
from peelian.demo import DemoManifest, build_demo, generate, mastodon_importable
from peelian.demo.texts import INTENTS, REPLY_KINDS, TOPICS

POSTS = 1_500


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoManifest]:
    path = tmp_path_factory.mktemp("demo") / "demo.peelian"
    return path, build_demo(path, posts=POSTS, seed=11)


@pytest.fixture
def project(built: tuple[Path, DemoManifest]) -> Project:
    proj = Project.open(built[0], read_only=True)
    yield proj
    proj.close()


def test_size_is_about_what_was_asked(built: tuple[Path, DemoManifest]) -> None:
    manifest = built[1]
    assert abs(manifest.counts["posts"] - POSTS) < 0.03 * POSTS
    assert manifest.params["posts"] == POSTS and manifest.params["seed"] == 11


def test_counts_reconcile_and_every_generated_post_is_stored(built: tuple[Path, DemoManifest],
                                                             project: Project) -> None:
    manifest = built[1]
    assert all(r.reconciles for r in manifest.reports)
    assert sum(r.posts_new for r in manifest.reports) == manifest.counts["posts"]
    stored = {r["platform"]: r["n"] for r in project.query("SELECT platform, count(*) AS n FROM posts GROUP BY 1")}
    assert stored == manifest.counts["by_platform"]
    assert project.scalar("SELECT count(*) FROM posts WHERE is_partial") == 0
    # Duplicates come from parents repeated in includes.tweets, reblogged statuses and the repeated tweets.
    assert sum(r.duplicates for r in manifest.reports) >= manifest.mess["duplicate_tweets"] > 0


def test_only_the_deliberate_truncated_line_is_quarantined(built: tuple[Path, DemoManifest],
                                                            project: Project) -> None:
    manifest = built[1]
    rows = project.query("SELECT path, location, reason FROM quarantine")
    assert len(rows) == 1
    assert rows[0]["path"] == manifest.mess["truncated_file"]
    assert "truncated JSON at the end of the file" in rows[0]["reason"]
    assert sum(r.quarantined for r in manifest.reports) == 1


def test_orphan_reply_is_kept_and_its_missing_parent_is_a_notice(built: tuple[Path, DemoManifest],
                                                                 project: Project) -> None:
    mess = built[1].mess
    orphan = project.query("SELECT reply_to_post_id, kind FROM posts WHERE platform = 'twitter' AND post_id = ?",
                           [mess["orphan_post_id"]])
    assert orphan == [{"reply_to_post_id": mess["missing_parent_id"], "kind": "reply"}]
    assert project.scalar("SELECT count(*) FROM posts WHERE post_id = ?", [mess["missing_parent_id"]]) == 0
    notices = project.query("SELECT notice_type, post_id FROM notices")
    assert notices == [{"notice_type": "not_found", "post_id": mess["missing_parent_id"]}]


def test_forces_account_types_and_pseudonymised_citizens(built: tuple[Path, DemoManifest], project: Project) -> None:
    forces = {r["author_force"] for r in project.query("SELECT DISTINCT author_force FROM posts "
                                                       "WHERE author_force IS NOT NULL")}
    assert forces == set(built[1].params["force_names"]) and len(forces) == 4
    types = {r["t"] for r in project.query("SELECT DISTINCT author_account_type AS t FROM posts WHERE t IS NOT NULL")}
    assert types == {"force_corporate", "team", "unit", "officer"}
    citizen_handles = project.query("SELECT DISTINCT author_handle FROM posts WHERE author_role = 'citizen'")
    assert citizen_handles and all(r["author_handle"].startswith("c_") for r in citizen_handles)
    kinds = {r["kind"] for r in project.query("SELECT DISTINCT kind FROM posts")}
    assert kinds == {"original", "reply", "repost", "quote"}


def test_mastodon_files_are_imported_when_an_importer_exists(built: tuple[Path, DemoManifest],
                                                             project: Project) -> None:
    manifest = built[1]
    if not mastodon_importable():
        assert manifest.mastodon_files == []
        return
    assert manifest.mastodon_files
    police = project.scalar("SELECT count(*) FROM posts WHERE platform = 'mastodon' AND author_role = 'police'")
    assert police > 0
    assert manifest.counts["by_platform"]["mastodon"] == project.scalar(
        "SELECT count(*) FROM posts WHERE platform = 'mastodon'")


def test_threads_run_several_turns_deep(project: Project) -> None:
    depth = project.scalar(
        """WITH RECURSIVE chain(platform, post_id, depth) AS (
               SELECT platform, post_id, 0 FROM posts WHERE reply_to_post_id IS NULL
               UNION ALL
               SELECT p.platform, p.post_id, c.depth + 1 FROM posts p
               JOIN chain c ON p.platform = c.platform AND p.reply_to_post_id = c.post_id
           ) SELECT max(depth) FROM chain""")
    assert depth >= 5
    # Police and the same citizen alternate: a police reply to a citizen who answered a police reply.
    alternations = project.scalar(
        """SELECT count(*) FROM posts c2
           JOIN posts p1 ON p1.platform = c2.platform AND p1.post_id = c2.reply_to_post_id
           JOIN posts c1 ON c1.platform = p1.platform AND c1.post_id = p1.reply_to_post_id
           JOIN posts p2 ON p2.platform = c2.platform AND p2.reply_to_post_id = c2.post_id
           WHERE c1.author_role = 'citizen' AND p1.author_role = 'police' AND c2.author_id = c1.author_id
             AND p2.author_role = 'police'""")
    assert alternations > 0


def _delay_sql(where: str = "") -> str:
    return f"""SELECT median(epoch(r.created_at) - epoch(c.created_at)) / 60 FROM posts r
               JOIN posts c ON c.platform = r.platform AND c.post_id = r.reply_to_post_id
               WHERE r.author_role = 'police' AND c.author_role = 'citizen' {where}"""


def test_reply_delay_distribution_is_recovered_from_stored_posts(built: tuple[Path, DemoManifest],
                                                                  project: Project) -> None:
    observed = built[1].reply_delay["observed"]
    assert observed["all"]["n"] == project.scalar(
        "SELECT count(*) FROM posts r JOIN posts c ON c.platform = r.platform AND c.post_id = r.reply_to_post_id "
        "WHERE r.author_role = 'police' AND c.author_role = 'citizen'")
    assert project.scalar(_delay_sql()) == pytest.approx(observed["all"]["median_minutes"], rel=0.01)
    for account_type in ("force_corporate", "officer"):
        sql = _delay_sql(f"AND r.author_account_type = '{account_type}'")
        assert project.scalar(sql) == pytest.approx(observed[account_type]["median_minutes"], rel=0.01)
    assert observed["officer"]["median_minutes"] < observed["force_corporate"]["median_minutes"]
    assert observed["office_hours"]["median_minutes"] < observed["off_hours"]["median_minutes"]
    model = built[1].reply_delay["model"]
    assert model["distribution"] == "lognormal" and model["off_hours_factor"] > 1


def test_ground_truth_covers_every_coded_post_with_valid_codes(built: tuple[Path, DemoManifest],
                                                               project: Project) -> None:
    manifest = built[1]
    assert manifest.truth_csv is not None
    with open(manifest.truth_csv, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["platform", "post_id", "dimension", "code"]
    valid = {
        "mode": {"inform", "request", "engage"},
        "topic": set(TOPICS),
        "objective": {"tactical", "operational", "influence", "capacity", "unclear"},
        "citizen_intent": {c for codes in INTENTS.values() for c in codes},
        "practice": {p for practices, _ in REPLY_KINDS.values() for p in practices},
        "stance": {"towards", "away", "against", "neutral"},
    }
    assert all(r["code"] in valid[r["dimension"]] for r in rows)
    codes: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        codes.setdefault((r["platform"], r["post_id"]), set()).add(r["dimension"])
    posts = project.query("SELECT platform, post_id, author_role, kind FROM posts")
    for p in posts:
        dims = codes.get((p["platform"], p["post_id"]), set())
        if p["kind"] == "repost":
            assert not dims
        elif p["author_role"] == "citizen":
            assert dims == {"citizen_intent"}
        elif p["kind"] == "original":
            assert dims == {"mode", "topic", "objective"}
        else:
            assert dims == {"mode", "practice", "stance"}
    assert set(codes) <= {(p["platform"], p["post_id"]) for p in posts}
    by_dimension = Counter(r["dimension"] for r in rows)
    assert by_dimension["topic"] == sum(1 for p in posts if p["kind"] == "original" and p["author_role"] == "police")


def test_registry_and_expectations_files(built: tuple[Path, DemoManifest], project: Project) -> None:
    manifest = built[1]
    assert project.scalar("SELECT count(*) FROM registry") == manifest.counts["police_accounts"] + (
        project.scalar("SELECT count(*) FROM registry WHERE platform = 'mastodon'"))
    with open(manifest.expectations_csv, encoding="utf-8") as fh:
        survey = list(csv.DictReader(fh))
    assert list(survey[0]) == ["survey", "topic", "expected_share"]
    assert {r["topic"] for r in survey} == set(TOPICS)
    assert sum(float(r["expected_share"]) for r in survey) == pytest.approx(1.0)


def test_texts_are_complete_varied_and_fit_the_platform(project: Project) -> None:
    texts = [r["text"] for r in project.query("SELECT text FROM posts WHERE kind <> 'repost'")]
    assert not [t for t in texts if "{" in t or "}" in t]
    assert max(len(t) for t in texts) <= 280
    originals = [r["text"] for r in project.query(
        "SELECT text FROM posts WHERE author_role = 'police' AND kind = 'original'")]
    assert len(set(originals)) > 0.95 * len(originals)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.name != "manifest.json"}


def test_same_seed_same_corpus_whatever_the_workers(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", posts=800, seed=3, months=1)
    b = generate(tmp_path / "b", posts=800, seed=3, months=1, workers=2)
    c = generate(tmp_path / "c", posts=800, seed=4, months=1)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert a.counts == b.counts and a.reply_delay == b.reply_delay
    first_ids = {line.split(",")[1] for line in (tmp_path / "a" / "truth.csv").read_text().splitlines()[1:]}
    other_ids = {line.split(",")[1] for line in (tmp_path / "c" / "truth.csv").read_text().splitlines()[1:]}
    assert not first_ids & other_ids
    assert c.counts != a.counts


def test_x_pages_have_the_twarc2_shape(built: tuple[Path, DemoManifest]) -> None:
    manifest = built[1]
    lines = manifest.x_files[1].read_bytes().splitlines()
    pages = [orjson.loads(line) for line in lines]
    assert all(set(p) <= {"data", "includes", "meta", "errors", "__twarc"} for p in pages)
    assert all(p["meta"]["result_count"] == len(p["data"]) for p in pages)
    assert "next_token" not in pages[-1]["meta"] and all("next_token" in p["meta"] for p in pages[:-1])
    for page in pages:
        users = {u["id"] for u in page["includes"]["users"]}
        included = {t["id"] for t in page["includes"].get("tweets", [])}
        for tweet in page["data"]:
            assert tweet["author_id"] in users
            assert tweet["created_at"].endswith(".000Z") and tweet["id"].isdigit()
            for ref in tweet.get("referenced_tweets", []):
                assert ref["id"] in included or any(e["resource_id"] == ref["id"] for e in page.get("errors", []))
            for mention in tweet.get("entities", {}).get("mentions", []):
                assert tweet["text"][mention["start"]:mention["end"]] == "@" + mention["username"]


def test_mastodon_statuses_have_the_real_status_shape(tmp_path: Path, shared_fixtures: Path) -> None:
    manifest = generate(tmp_path, posts=2_000, seed=5, months=1, mastodon=True)
    real = orjson.loads((shared_fixtures / "mastodon" / "Mastodon.py__test_entity_status.00.GET.200.json")
                        .read_bytes())
    statuses = [s for path in manifest.mastodon_files for s in orjson.loads(path.read_bytes())]
    assert statuses
    for status in statuses:
        assert set(status) - {"application"} == set(real), set(status) ^ set(real)
        assert set(status["account"]) == set(real["account"])
        assert status["content"] == "" if status["reblog"] else status["content"].startswith("<p>")
    replies = [s for s in statuses if s["in_reply_to_id"]]
    assert replies and all(s["mentions"] for s in replies)
