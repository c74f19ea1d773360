"""The dashboard rollup stays exactly equal to the figures computed from scratch, import after import.

A demo corpus (real twarc2 and Mastodon files) is imported in several steps; between them
the registry re-tags an account and a police account answers, late, a citizen post of the
first month. After each step the rollup is refreshed and every dashboard the rollup serves
(all forces, one force, one account type on one platform, by month and by quarter) must
equal the dashboard computed from the fitted dialogue, figure for figure.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from peelian import Project
from peelian.demo.generate import generate
from peelian.ingest import import_file
from peelian.metrics.engine import clear_cache, prepared
from peelian.metrics.params import Filters, MetricParams
from peelian.metrics.rollup import (
    COLUMNS,
    STATE_KEY,
    RollupFigures,
    dialog_rows_sql,
    inbound_rows_sql,
    kept_current,
    police_rows_sql,
    post_codes_sql,
    recip_rows_sql,
    refresh_rollup,
    rollup_fresh,
    rollup_serves,
)
from peelian.metrics.views import (
    STORED_METRICS,
    behind_without_fit,
    posts_behind,
    rows_behind,
    unanswered,
    unanswered_counts,
)
from peelian.store.registry import import_registry
from peelian.triage import inbox, rules
from peelian.triage.inbox import INBOX_ROWS
from peelian.web.dashboard import build_dashboard


def _assert_incremental_equals_full(project: Project, report: dict) -> None:
    """An incremental refresh left the tables a full refit would write: refitting everything from a
    forgotten state rewrites nothing."""
    assert report["incremental"], report
    project.con.execute("DELETE FROM meta WHERE key = ?", [STATE_KEY])
    full = refresh_rollup(project, full=True)
    assert not full["incremental"] and full["months_recomputed"] == _months(project)
    assert (full["months_rewritten"], full["weeks_rewritten"]) == ([], []), full


def _months(project: Project) -> list[date]:
    return [r["m"] for r in project.query(
        "SELECT DISTINCT CAST(date_trunc('month', created_at) AS DATE) AS m FROM posts ORDER BY m")]


def _assert_rollup_equals_scratch(project: Project) -> None:
    state = rollup_fresh(project)
    assert state is not None, "the refreshed rollup must match the data"
    force, account_type, platform = project.query(
        "SELECT author_force AS f, author_account_type AS t, platform AS p FROM posts "
        "WHERE author_force IS NOT NULL ORDER BY post_id LIMIT 1")[0].values()
    for filters, period in ((Filters(), "month"), (Filters(), "quarter"), (Filters(), "week"),
                            (Filters(force=force), "week"),
                            (Filters(platform=platform, account_type=account_type), "quarter"),
                            (Filters(force="No such force"), "month")):
        assert rollup_serves(filters, period)
        from_rollup = build_dashboard(project, filters, period, figures=RollupFigures(project, state))
        from_scratch = build_dashboard(project, filters, period)
        assert from_rollup.cards == from_scratch.cards, (filters, period)
        for ours, theirs in zip(from_rollup.charts, from_scratch.charts, strict=True):
            assert ours == theirs, (filters, period, theirs.name if hasattr(theirs, "name") else theirs)
        assert from_rollup == from_scratch
    # the unanswered queue kept with the rollup lists what the fit lists, in the same order
    for filters, older_than in ((Filters(), None), (Filters(force=force), "72h"),
                                (Filters(platform=platform, account_type=account_type, date_from=date(2025, 2, 1)), None),
                                (Filters(force="No such force"), None)):
        kept = unanswered(project, filters=filters, older_than=older_than, limit=None)
        assert kept or filters != Filters()
        assert kept == unanswered(project, filters=filters, older_than=older_than, limit=None, stored=False)
        assert unanswered_counts(project, filters=filters, older_than=older_than) == \
            unanswered_counts(project, filters=filters, older_than=older_than, stored=False)
    assert unanswered(project, limit=7, offset=3) == unanswered(project, limit=7, offset=3, stored=False)
    _assert_kept_rows_equal_the_fit(project, force, account_type, platform)


def _kept_behind_equal_the_fit(project: Project, metric: str, figures: list[Filters],
                               may_be_empty: bool = False) -> None:
    """The posts behind `metric` read from the kept rows equal the fit's, for each of `figures`; none behind only
    for a figure that may match no post (an unknown force, one account, a few weeks) or where `may_be_empty`."""
    for filters in figures:
        kept = posts_behind(project, metric, filters, limit=None)
        assert kept == posts_behind(project, metric, filters, limit=None, stored=False), (metric, filters)
        assert kept or filters.force == "No such force" or may_be_empty or filters.account_id or filters.date_from


def _assert_kept_rows_equal_the_fit(project: Project, force: str, account_type: str, platform: str) -> None:
    """The police and inbound rows kept with the rollup are the fit's, and the posts behind a figure
    and the inbox read from them equal those read from the fit."""
    fit = prepared(project, MetricParams())
    for table, sql in (("rollup_police_posts", police_rows_sql()), ("rollup_inbound_posts", inbound_rows_sql()),
                       ("rollup_dialogs", dialog_rows_sql()), ("rollup_recips", recip_rows_sql()),
                       ("rollup_post_codes", post_codes_sql(fit))):
        columns = ", ".join(COLUMNS[table])
        kept = project.query(f"SELECT {columns} FROM {table} ORDER BY ALL")
        assert kept or table == "rollup_post_codes"  # codes: none before a gold label or a prediction
        assert kept == fit.query(f"SELECT {columns} FROM ({sql}) ORDER BY ALL"), table
    account = project.query("SELECT account_id FROM accounts WHERE role = 'police' ORDER BY account_id LIMIT 1")[0]
    figures = [Filters(), Filters(force=force), Filters(platform=platform, account_type=account_type),
               Filters(account_id=account["account_id"]), Filters(date_from=date(2025, 2, 3), date_to=date(2025, 3, 9)),
               Filters(force="No such force")]
    for metric in ("posts", "two_way_ratio", "replies_to_citizens", "posts_original", "engagement_rate",
                   "response_rate", "needs_response", "responded", "unanswered", "pending", "responses",
                   "response_time_median_s", "answered_within_window", "needs_response_office", "audience_citizens",
                   "needs_response_heuristic"):
        assert metric in STORED_METRICS and behind_without_fit(project, metric)
        _kept_behind_equal_the_fit(project, metric, figures, may_be_empty=metric in ("engagement_rate", "pending"))
    assert posts_behind(project, "response_rate", limit=5, offset=4, month="2025-02-01", force=force) == \
        posts_behind(project, "response_rate", limit=5, offset=4, month="2025-02-01", force=force, stored=False)
    # the code mixes: the kept rows and the codes as the fit reads them
    for metric in ("mode_n", "mode_share_engage", "topic_n", "citizen_intent_share_question"):
        assert metric not in STORED_METRICS and behind_without_fit(project, metric)
        _kept_behind_equal_the_fit(project, metric, figures)
    # conversations and reciprocity: the kept conversations and reply recipients
    for metric in ("dialogue_conversations", "dialogue_depth_mean", "reply_recipients", "reciprocated",
                   "reciprocity"):
        assert behind_without_fit(project, metric)
        _kept_behind_equal_the_fit(project, metric, figures)
    for metric in ("dialogue_conversations", "reciprocated"):
        assert posts_behind(project, metric, limit=6, offset=5, month="2025-02-01", force=force) == \
            posts_behind(project, metric, limit=6, offset=5, month="2025-02-01", force=force, stored=False)
    every = posts_behind(project, "dialogue_conversations", limit=None, stored=False)  # a page: the first ones
    for stored in (True, False):
        for offset in (0, 7, len(every) - 3):
            assert posts_behind(project, "dialogue_conversations", limit=9, offset=offset, stored=stored) == \
                every[offset:offset + 9]
    rowids = rows_behind(project, "response_rate", Filters(force=force), limit=None)  # what the explorer filters on
    keys = project.query("SELECT platform, post_id FROM posts WHERE rowid IN (SELECT unnest(?::BIGINT[]))", [rowids])
    assert len(keys) == len(rowids) and {tuple(k.values()) for k in keys} == set(
        posts_behind(project, "response_rate", Filters(force=force), limit=None, stored=False))
    for filters, since, handled in ((Filters(), None, False), (Filters(force=force), "30d", True),
                                    (Filters(platform=platform), "7d", False)):
        kept = inbox(project, None, filters, since=since, limit=None, show_handled=handled, semantic=False)
        assert kept["rows"] or since is not None
        assert kept == inbox(project, None, filters, since=since, limit=None, show_handled=handled,
                             semantic=False, stored=False), (filters, since)
    assert inbox(project, limit=3, offset=2, semantic=False) == inbox(project, limit=3, offset=2, semantic=False,
                                                                     stored=False)
    _assert_inbox_rows_kept(project)


def _rows(project: Project, sql: str) -> set[str]:
    return {repr(tuple(tuple(v) if isinstance(v, list) else v for v in r.values())) for r in project.query(sql)}


def _assert_inbox_rows_kept(project: Project) -> None:
    """The inbox rows kept with the rollup are what a fresh computation gives, by the rules in force: every
    inbound row awaiting a response now is there (rows of months not rewritten since may also hold posts
    answered since, which the inbox leaves out by their response time), and they match the rollup."""
    state = rollup_fresh(project)
    assert state is not None and kept_current(project, INBOX_ROWS, state)
    columns = ", ".join(r["c"] for r in project.query(
        "SELECT column_name AS c FROM duckdb_columns() WHERE table_name = 'rollup_inbox' ORDER BY column_index"))
    fresh = f"SELECT {columns} FROM ({INBOX_ROWS.rows_sql('rollup_inbound_posts')})"
    kept = _rows(project, f"SELECT {columns} FROM rollup_inbox")
    awaiting = _rows(project, f"{fresh} WHERE resp_at IS NULL OR resp_at > TIMESTAMP '{state['data_end']}'")
    assert awaiting and awaiting <= kept <= _rows(project, fresh)


@pytest.fixture
def demo_files(tmp_path: Path):
    return generate(tmp_path / "src", posts=1500, seed=5, forces=2, months=3, start="2025-01-01",
                    tweets_per_file=250, mess=False)


def test_rollup_equals_scratch_through_imports_retag_and_late_reply(tmp_path: Path, demo_files) -> None:
    project = Project.init(tmp_path / "p.peelian")
    try:
        import_registry(project, demo_files.registry_csv)
        files = demo_files.files
        assert len(files) >= 3
        half = len(files) // 2
        for number, step in enumerate((files[:1], files[1:half])):
            for path in step:
                import_file(project, path)
            report = refresh_rollup(project)
            assert report["fresh"] and report["months_rewritten"]
            assert report["incremental"] == (number > 0)  # the first refresh has nothing to build on
            _assert_rollup_equals_scratch(project)
        _assert_incremental_equals_full(project, report)
        assert refresh_rollup(project)["months_rewritten"] == []  # nothing changed, nothing rewritten

        # a registry re-tag: one police account becomes another account type
        rows = list(csv.DictReader(demo_files.registry_csv.open(encoding="utf-8")))
        retagged = next(r for r in rows if r["account_type"] != "team")
        retagged["account_type"] = "team"
        edited = tmp_path / "registry.csv"
        with edited.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        import_registry(project, demo_files.registry_csv)  # the same registry again: no account changes
        assert rollup_fresh(project) is None
        report = refresh_rollup(project)
        assert report["fresh"] and report["incremental"] and report["months_recomputed"] == []
        import_registry(project, edited)
        assert rollup_fresh(project) is None
        report = refresh_rollup(project)
        retagged_months = {r["m"] for r in project.query(
            "SELECT DISTINCT CAST(date_trunc('month', created_at) AS DATE) AS m FROM posts "
            "WHERE platform = ? AND lower(author_handle) = lower(?)", [retagged["platform"], retagged["handle"]])}
        assert retagged_months and retagged_months <= set(report["months_recomputed"])
        _assert_rollup_equals_scratch(project)
        _assert_incremental_equals_full(project, report)

        for path in files[half:]:
            import_file(project, path)
        report = refresh_rollup(project)
        _assert_rollup_equals_scratch(project)
        _assert_incremental_equals_full(project, report)

        # a late reply: a police account answers a question of the first month just before the newest post
        first = project.query("""
            SELECT p.platform, p.post_id, p.author_id, p.conversation_id, p.created_at, q.author_force AS force
            FROM posts p JOIN posts q ON q.platform = p.platform AND q.post_id = p.reply_to_post_id
            WHERE p.author_role = 'citizen' AND p.kind = 'reply' AND q.author_role = 'police' AND contains(p.text, '?')
              AND date_trunc('month', p.created_at) = (SELECT date_trunc('month', min(created_at)) FROM posts)
              AND NOT EXISTS (SELECT 1 FROM posts r WHERE r.platform = p.platform AND r.reply_to_post_id = p.post_id
                              AND r.author_role = 'police')
            ORDER BY p.created_at LIMIT 1""")[0]
        officer = project.query("SELECT account_id, handle, force, account_type FROM accounts "
                                "WHERE role = 'police' AND platform = ? AND force = ? ORDER BY account_id LIMIT 1",
                                [first["platform"], first["force"]])[0]
        newest = project.scalar("SELECT max(created_at) FROM posts")
        months = _months(project)
        late = tmp_path / "late-reply.csv"
        with late.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["platform", "post_id", "author_id", "author", "created_at", "text", "kind", "reply_to",
                             "conversation_id"])
            writer.writerow([first["platform"], "late-reply-0", officer["account_id"], officer["handle"],
                             (newest - timedelta(hours=2)).isoformat(), "Sorry for the delay: passed on.", "reply",
                             first["post_id"], first["conversation_id"] or ""])
        import_file(project, late)
        report = refresh_rollup(project)
        newest_month = newest.date().replace(day=1)
        first_month = first["created_at"].date().replace(day=1)
        # only the month of the question answered and the month the reply is in are fitted again
        assert report["incremental"] and report["months_recomputed"] == sorted({first_month, newest_month})
        assert len(report["months_recomputed"]) < len(months) == report["months"]
        assert report["posts_fitted"] < project.scalar("SELECT count(*) FROM posts")
        assert first_month in report["months_rewritten"]
        _assert_rollup_equals_scratch(project)
        _assert_incremental_equals_full(project, report)

        # a post written outside an import cannot be traced to its months: everything is refitted
        with project.transaction() as con:
            con.execute("""
                INSERT INTO posts (platform, post_id, author_id, author_handle, author_role, author_force,
                                   author_account_type, created_at, text, kind, reply_to_post_id,
                                   reply_to_account_id, conversation_id)
                VALUES (?, 'late-reply-1', ?, ?, 'police', ?, ?, ?, 'Sorry for the delay: we have passed this on.',
                        'reply', ?, ?, ?)""",
                        [first["platform"], officer["account_id"], officer["handle"], officer["force"],
                         officer["account_type"], newest - timedelta(hours=1), first["post_id"], first["author_id"],
                         first["conversation_id"]])
        report = refresh_rollup(project)
        assert not report["incremental"] and report["months_recomputed"] == months
        assert len(report["months_rewritten"]) < report["months"]  # only the months the reply changed
        _assert_rollup_equals_scratch(project)
    finally:
        clear_cache(project)
        project.close()


def test_rollup_is_not_read_when_stale_or_for_other_filters(tmp_path: Path, demo_files) -> None:
    project = Project.init(tmp_path / "p.peelian")
    try:
        import_registry(project, demo_files.registry_csv)
        import_file(project, demo_files.files[0])
        assert rollup_fresh(project) is None
        refresh_rollup(project)
        assert rollup_fresh(project) is not None
        import_file(project, demo_files.files[1])
        assert rollup_fresh(project) is None
        assert not rollup_serves(Filters(account_id="x"), "month")
        assert not rollup_serves(Filters(date_from=date(2025, 1, 1)), "month")
    finally:
        clear_cache(project)
        project.close()


def test_inbox_rows_kept_follow_the_rules_and_gold_labels(tmp_path: Path, demo_files, monkeypatch) -> None:
    """The inbox reads the rows kept with the rollup; when the rules change it reads the texts until the
    refresh writes the rows again by the new rules; a new gold label decides the post's intents and risk."""
    project = Project.init(tmp_path / "p.peelian")
    try:
        import_registry(project, demo_files.registry_csv)
        for path in demo_files.files[:2]:
            import_file(project, path)
        refresh_rollup(project)
        _assert_inbox_rows_kept(project)
        everything = {"since": None, "limit": None, "semantic": False}
        box = inbox(project, **everything)
        assert box["rows"] and box == inbox(project, **everything, stored=False)

        # what the inbox shows comes from the kept rows: one marked at risk there is listed at risk
        chosen = next(r for r in box["rows"] if r["intent_source"] == "rules" and not r["risk"])
        platform, post_id = chosen["platform"], chosen["post_id"]
        nid = project.scalar("SELECT rowid FROM posts WHERE platform = ? AND post_id = ?", [platform, post_id])
        project.con.execute("UPDATE rollup_inbox SET risk = TRUE, risk_from = 'rules' WHERE nid = ?", [nid])
        tampered = inbox(project, **everything)
        assert _row(tampered, post_id)["risk"] and not _row(box, post_id)["risk"]
        assert tampered["counts"]["risk"] == box["counts"]["risk"] + 1
        project.con.execute("UPDATE rollup_inbox SET risk = FALSE, risk_from = NULL WHERE nid = ?", [nid])
        assert inbox(project, **everything) == box

        # the rules change (every post the rules read now complains): the kept rows are not read any more
        monkeypatch.setitem(rules.INTENT_RULES, "complaint", r"\w")
        state = rollup_fresh(project)
        assert state is not None and not kept_current(project, INBOX_ROWS, state)
        changed = inbox(project, **everything)
        assert changed != box and changed == inbox(project, **everything, stored=False)
        assert all("complaint" in r["intents"] for r in changed["rows"] if r["intent_source"] == "rules")
        report = refresh_rollup(project)  # the rollup is fresh: only the kept rows are written again
        assert report["fresh"] and report["months_rewritten"] == []
        _assert_inbox_rows_kept(project)
        assert inbox(project, **everything) == changed

        # a gold label on a post the rules read: gold decides its intents and risk, in the kept rows too
        with project.transaction() as con:
            con.execute("INSERT INTO gold VALUES (nextval('gold_seq'), ?, ?, 'citizen_intent', ['urgent'], 'test', "
                        "NULL, NULL, NULL, '1', now())", [platform, post_id])
        assert rollup_fresh(project) is None
        labelled = inbox(project, **everything)  # from the fit while the rollup is stale
        assert _row(labelled, post_id)["risk_source"] == "gold" and _row(labelled, post_id)["intents"] == ["urgent"]
        report = refresh_rollup(project)
        assert report["incremental"]
        _assert_inbox_rows_kept(project)
        assert project.scalar("SELECT intent_from FROM rollup_inbox WHERE nid = ?", [nid]) == "gold"
        assert inbox(project, **everything) == labelled

        # the posts behind a code mix read the codes as the fit does: gold first, else the latest prediction
        police = [(r["platform"], r["post_id"]) for r in project.query(
            "SELECT platform, post_id FROM posts WHERE author_role = 'police' AND kind <> 'repost' "
            "ORDER BY post_id LIMIT 40")]
        with project.transaction() as con:
            con.execute("INSERT INTO models VALUES ('m-mode', 'mode', '1', 'test', TRUE, now(), 'x', NULL, 0, NULL, "
                        "NULL)")
            con.executemany("INSERT INTO predictions VALUES (?, ?, 'mode', 'm-mode', ?, 0.9, NULL, now())",
                            [[*key, ["inform"] if i % 2 else ["engage"]] for i, key in enumerate(police)])
            con.execute("INSERT INTO predictions VALUES (?, ?, 'mode', 'm-mode', ['engage'], 0.8, NULL, "
                        "now() - INTERVAL 1 DAY)", list(police[1]))  # replaced by the later prediction
            con.execute("INSERT INTO gold VALUES (nextval('gold_seq'), ?, ?, 'mode', ['engage'], 'test', NULL, NULL, "
                        "NULL, '1', now())", list(police[3]))  # wins over the prediction
        refresh_rollup(project)
        columns = ", ".join(COLUMNS["rollup_post_codes"])  # the codes kept per police post are the fit's
        kept = project.query(f"SELECT {columns} FROM rollup_post_codes ORDER BY ALL")
        assert len(kept) == 40 and kept == prepared(project, MetricParams()).query(
            f"SELECT {columns} FROM ({post_codes_sql(prepared(project, MetricParams()))}) ORDER BY ALL")
        for metric in ("mode_share_inform", "mode_share_engage", "mode_n", "citizen_intent_share_urgent"):
            assert behind_without_fit(project, metric)
            assert posts_behind(project, metric, limit=None) == posts_behind(project, metric, limit=None, stored=False)
        inform = posts_behind(project, "mode_share_inform", limit=None)
        assert police[1] in inform and police[3] not in inform
        assert police[3] in posts_behind(project, "mode_share_engage", limit=None)
    finally:
        clear_cache(project)
        project.close()


def _row(box: dict, post_id: str) -> dict:
    return next(r for r in box["rows"] if r["post_id"] == post_id)


def test_refresh_looks_for_the_tables_once(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh checks that the rollup tables exist and fingerprints the data once before it decides whether
    to fit (and once more after writing, to say whether the rollup is fresh), stale or fresh."""
    from peelian.metrics import rollup
    from tests.triage.helpers import build_inbox

    build_inbox(project)
    calls = {"_has_tables": 0, "_fingerprint_text": 0}
    for name in calls:
        def counted(*args, _real=getattr(rollup, name), _name=name):
            calls[_name] += 1
            return _real(*args)
        monkeypatch.setattr(rollup, name, counted)
    assert refresh_rollup(project)["fresh"]
    assert calls == {"_has_tables": 1, "_fingerprint_text": 2}
    calls.update(dict.fromkeys(calls, 0))
    report = refresh_rollup(project)
    assert report["fresh"] and report["months_rewritten"] == []
    assert calls == {"_has_tables": 1, "_fingerprint_text": 1}
    assert rollup_fresh(project) is not None
