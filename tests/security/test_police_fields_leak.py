"""A police post's stored fields keep the account's real values (links, ids): none of them may carry a citizen's.

The pseudonym leak test imports the real-format samples with no registry, so every account is a citizen and
every post is pseudonymised. Here, per sample with replies, the account most replied to and the account that
replies most are made police through the registry, so their posts keep their links and references as
police posts do (a reply's `reply_to_post_id`, its `conversation_id`, a Facebook comment's or an Instagram
reply's link, a Bluesky `at://` reference, a Mastodon reblog's link); then every citizen's id, handle and
display name from the files is looked for in every table, in `peelian export` of every table, in the project's
folder and in what the web app shows an admin (who sees the most): the explorer and its CSV export, the
thread of every conversation with a police post, the Inbox, the Unanswered list and the interaction network.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelian import Project
from peelian.ingest import import_files
from peelian.store.registry import import_registry
from peelian.store.users import add_user
from tests.security.test_pseudonym_leak import (
    FORCE,
    Leaks,
    _json_values,
    account_values,
    fixture_files,
    scan_database,
    scan_exports,
    scan_folder,
)
from tests.web.conftest import PASSWORD, log_in, risk_model_loaded  # noqa: F401  (fixture used by name)

# The samples whose files hold replies or comments (conversations between accounts).
WITH_REPLIES = ["twitter_v2", "twitter_v2_academictwitteR", "twitter_v1", "twitter_archive", "mastodon", "bluesky",
                "facebook_graph_api", "instagram_graph_api", "youtube_api"]
NAME_KEYS = {"displayName", "display_name", "authorDisplayName"}
NAMED_OBJECTS = {"user", "from", "author", "account", "owner", "by"}
MIN_NAME = 5  # shorter display names ("Bob") are ordinary words in other columns
# Words of the web app's own pages and links (/thread/twitter/...): an account called "Twitter" is no leak there.
PLATFORMS = {"twitter", "mastodon", "bluesky", "facebook", "instagram", "youtube"}


def _names(value: Any, found: set[str], parent: str | None = None) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and (key in NAME_KEYS or (key == "name" and parent in NAMED_OBJECTS)):
                found.add(item.strip().lstrip("@"))
            _names(item, found, key)
    elif isinstance(value, list):
        for item in value:
            _names(item, found, parent)


def display_names(paths: list[Path]) -> set[str]:
    """Every account's display name in the files (the pseudonym leak test looks for handles and ids only)."""
    found: set[str] = set()
    for path in paths:
        if path.suffix == ".csv":
            for row in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8", errors="replace"))):
                found.update(v for k, v in row.items() if k and k.strip().lower() == "user name" and v)
            continue
        for value in _json_values(path):
            _names(value, found)
    return {n for n in found if len(n) >= MIN_NAME}


def police_accounts(files: list[Path], folder: Path) -> list[dict[str, Any]]:
    """The account most replied to and the one that replies most, read from an import that keeps identities."""
    project = Project.init(folder / "raw.peelian", pseudonymise_citizens=False)
    try:
        import_files(project, files)
        ranked = project.query("""
            SELECT p.platform, p.author_id, any_value(p.author_handle) AS handle,
                   (SELECT any_value(display_name) FROM accounts a
                    WHERE a.platform = p.platform AND a.account_id = p.author_id) AS name,
                   (SELECT count(*) FROM posts r WHERE r.platform = p.platform
                    AND r.reply_to_account_id = p.author_id) AS replied_to,
                   count(*) FILTER (WHERE p.reply_to_post_id IS NOT NULL) AS replies
            FROM posts p WHERE p.author_id IS NOT NULL GROUP BY p.platform, p.author_id""")
    finally:
        project.close()
    chosen: list[dict[str, Any]] = []
    for key in ("replied_to", "replies"):
        best = max(ranked, key=lambda r: (r[key], r["author_id"]))
        if best not in chosen and (not chosen or len(ranked) > 2):  # some authors stay citizens
            chosen.append(best)
    return chosen


def registry_csv(accounts: list[dict[str, Any]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["platform", "handle", "account_id", "force", "account_type"])
        for account in accounts:
            writer.writerow([account["platform"], account["handle"] or "", account["author_id"], FORCE,
                             "force_corporate"])
    return path


def scan_web(project: Project, values: set[str], police: set[str]) -> list[tuple[str, str, str]]:
    from peelian.web.app import create_app
    from peelian.web.present import shown_id

    leaks = Leaks({v for v in values if v.lower() not in PLATFORMS}, police)
    add_user(project, "root", PASSWORD, "admin")
    app = create_app(project.path, project=project)
    with TestClient(app) as client:
        assert log_in(client, "root").status_code == 303
        pages = ["/explorer?sort=newest&page=1", "/explorer/export.csv", "/inbox?since=all", "/unanswered",
                 "/networks"]
        pages += [f"/thread/{r['platform']}/{shown_id(r['conversation_id'])}" for r in project.query(
            "SELECT DISTINCT platform, conversation_id FROM posts WHERE author_role = 'police' "
            "AND conversation_id IS NOT NULL ORDER BY ALL LIMIT 20")]
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (page, response.status_code)
            leaks.check(f"web {page}", response.text, free_text=True)
    return leaks.hits


@pytest.mark.parametrize("folder", WITH_REPLIES)
def test_police_posts_carry_no_citizen_identity(cli, tmp_path, folder):
    files = fixture_files(folder)
    police = police_accounts(files, tmp_path)
    own = {v for a in police for v in (a["author_id"], a["handle"], a["name"], (a["handle"] or "").split("@")[0]) if v}
    values = account_values(files) | display_names(files)
    leaks = Leaks(values, own)
    path = tmp_path / "police.peelian"
    project = Project.init(path)
    try:
        import_registry(project, registry_csv(police, tmp_path / "registry.csv"))
        import_files(project, files)
        assert project.scalar("SELECT count(*) FROM posts WHERE author_role = 'police'")
        scan_database(project, leaks)
        leaks.hits += scan_web(project, values, own)
    finally:
        project.close()
    scan_exports(cli, path, tmp_path / "exports", leaks)
    project = Project.open(path)
    try:
        scan_folder(project, leaks)
    finally:
        project.close()
    assert not leaks.hits, "citizens' handles, ids or names beside police posts:\n" + leaks.report()
