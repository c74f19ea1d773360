"""A small, fully known project for the web tests, and logged-in TestClients for each role.

Rows are written straight into the tables (not through an importer) so every figure the
pages show is known in advance: two forces, corporate and officer accounts, citizens
with pseudonyms, police replies with known delays, one unanswered question, codes,
predictions and a model with an evaluation.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest
from fastapi.testclient import TestClient

from peelian import Project
from peelian.store.users import add_user

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

PASSWORD = "correct horse battery"
# Browser tests wait on page state, never on the clock; this is only how long a wait may take before it
# fails. On a loaded 2-core machine a page can take many seconds to answer, so it is generous.
BROWSER_TIMEOUT_MS = 30_000
ROLE_USERS = {"admin": "root", "analyst": "ana", "coder": "cody", "viewer": "vic"}
START = datetime(2025, 4, 1, 8, 0)
FORCES = {"West Midlands": ("wmp", "wmp_officer"), "Kent": ("kentpolice", "kent_pc")}


def citizen(n: int) -> str:
    return f"c_{n:016x}"


def build_project(path: Path) -> Project:
    """Two months of posts for two forces; returns the open project."""
    project = Project.init(path)
    con = project.con
    now = datetime(2025, 6, 1)
    account_id = 100
    posts: list[tuple] = []
    codings: list[tuple] = []
    predictions: list[tuple] = []
    post_no = 1000
    for force, (corporate, officer) in FORCES.items():
        for handle, account_type in ((corporate, "force_corporate"), (officer, "officer")):
            account_id += 1
            con.execute("INSERT INTO registry VALUES ('twitter', ?, ?, ?, ?, NULL, 'Europe/London', NULL, "
                        "'registry.csv', 2, ?)", [handle, str(account_id), force, account_type, now])
            con.execute("INSERT INTO accounts (platform, account_id, handle, role, force, account_type) "
                        "VALUES ('twitter', ?, ?, 'police', ?, ?)", [str(account_id), handle, force, account_type])
            for day in range(0, 60, 3):
                post_no += 1
                created = START + timedelta(days=day, hours=day % 9)
                root = str(post_no)
                posts.append(("twitter", root, str(account_id), handle, "police", force, account_type, created,
                              f"Appeal {day}: have you seen this bike stolen in {force}?", "original", None, None,
                              root, 5 + day, 2, 1, 0))
                codings.append((root, "topic", ["appeal"] if day % 2 else ["traffic"]))
                predictions.append((root, "mode", ["request"] if day % 2 else ["inform"], 0.55 + (day % 5) / 10))
                cit = citizen(day % 7 + (1 if force == "Kent" else 20))
                post_no += 1
                question = str(post_no)
                posts.append(("twitter", question, cit, cit, "citizen", None, None, created + timedelta(hours=1),
                              f"@{handle} @{citizen(99)} Where can I report it? ref {day}", "reply", root,
                              str(account_id), root, 0, 0, 0, 0))
                codings.append((question, "citizen_intent", ["question"]))
                if day % 6:  # some questions are never answered
                    post_no += 1
                    posts.append(("twitter", str(post_no), str(account_id), handle, "police", force, account_type,
                                  created + timedelta(hours=1, minutes=10 + day), f"@{cit} Use the online form, thanks",
                                  "reply", question, cit, root, 1, 0, 0, 0))
    con.executemany(
        "INSERT INTO posts (platform, post_id, author_id, author_handle, author_role, author_force, "
        "author_account_type, created_at, text, kind, reply_to_post_id, reply_to_account_id, conversation_id, "
        "like_count, reply_count, repost_count, quote_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        posts)
    for n, (post_id, dimension, codes) in enumerate(codings):
        if dimension == "topic" and n % 4:  # most topic codes were adjudicated into gold labels
            con.execute("INSERT INTO gold VALUES (nextval('gold_seq'), 'twitter', ?, 'topic', ?, 'single', 'ana', "
                        "NULL, NULL, '1', ?)", [post_id, codes, now])
    for topic, share in (("appeal", 0.3), ("traffic", 0.2), ("prevention_advice", 0.3), ("insight", 0.2)):
        con.execute("INSERT INTO expectations VALUES ('followers-2025', NULL, ?, ?, 1200, ?)", [topic, share, now])
    for post_id, dimension, codes in codings:
        con.execute("INSERT INTO codings VALUES (nextval('codings_seq'), NULL, 'twitter', ?, 'ana', ?, ?, 'coded', "
                    "NULL, '1', 'web', ?)", [post_id, dimension, codes, now])
    con.execute("INSERT INTO models VALUES ('mode-linear-1', 'mode', '1', 'linear', TRUE, ?, 'models/m1', "
                "'abc', 120, ?, NULL)", [now, orjson.dumps({"accuracy": 0.81, "macro_f1": 0.77, "kappa": 0.7,
                                                              "per_code": {"inform": {"precision": 0.8,
                                                                                      "recall": 0.9, "f1": 0.85}}
                                                              }).decode()])
    for post_id, dimension, codes, probability in predictions:
        con.execute("INSERT INTO predictions VALUES ('twitter', ?, ?, 'mode-linear-1', ?, ?, NULL, ?)",
                    [post_id, dimension, codes, probability, now])
    for role, username in ROLE_USERS.items():
        add_user(project, username, PASSWORD, role)
    return project


@pytest.fixture(scope="session")
def web_project_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per test session (argon2 hashing and row-by-row inserts are slow); tests get copies."""
    path = tmp_path_factory.mktemp("web-template") / "web.peelian"
    build_project(path).close()
    return path


@pytest.fixture
def web_project(tmp_path: Path, web_project_template: Path) -> Iterator[Project]:
    path = tmp_path / "web.peelian"
    shutil.copy(web_project_template, path)
    shutil.copytree(web_project_template.with_name("web.peelian.d"), tmp_path / "web.peelian.d")
    project = Project.open(path)
    yield project
    project.close()


def reply_to_kent(project: Project, post_id: str, author: str, text: str, *, hours_before_newest: int) -> str:
    """A citizen reply to Kent's latest original post, `hours_before_newest` hours before a new newest post
    (a police post added after it), so that it is that old at the project's `as_of`."""
    newest = project.scalar("SELECT max(created_at) FROM posts")
    root = project.query("SELECT post_id, author_id FROM posts WHERE author_force = 'Kent' AND kind = 'original' "
                         "ORDER BY created_at DESC LIMIT 1")[0]
    columns = ("platform, post_id, author_id, author_handle, author_role, created_at, text, kind, reply_to_post_id, "
               "reply_to_account_id, conversation_id")
    with project.transaction():
        project.con.execute(f"INSERT INTO posts ({columns}) VALUES ('twitter', ?, ?, ?, 'citizen', ?, ?, 'reply', "
                            "?, ?, ?)", [post_id, author, author, newest + timedelta(hours=1), text,
                                         root["post_id"], root["author_id"], root["post_id"]])
        newest_id = f"{post_id}-newest"
        project.con.execute(f"INSERT INTO posts ({columns}) VALUES ('twitter', ?, '101', 'wmp', 'police', ?, "
                            "'Road open', 'original', NULL, NULL, ?)",
                            [newest_id, newest + timedelta(hours=1 + hours_before_newest), newest_id])
    return post_id


@pytest.fixture
def app(web_project: Project):
    from peelian.web.app import create_app

    return create_app(web_project.path, project=web_project, max_login_failures=3, lockout_seconds=600)


@pytest.fixture(autouse=True)
def risk_model_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each web test gets its own semantic risk model load, already done, as once `peelian serve` has loaded it.

    The load is process state (`peelian.web.risk_model.MODEL`): without this, the first inbox request of a
    test starts the real load in the background, and the loading note, part of the inbox's cache key, flips
    whenever that load ends, mid-test (at once where an earlier test module left the triage's semantic layer
    loaded). The tests of the loading itself (test_inbox_risk_model.py) put their own load in its place."""
    from peelian.web import risk_model

    done = risk_model.ModelLoad()
    done.loaded.set()
    monkeypatch.setattr(risk_model, "MODEL", done)


def login_token(client: TestClient) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the login form has no CSRF token"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": login_token(client)}, follow_redirects=False)


def csrf_of(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match, f"{path} has no CSRF meta tag"
    return match.group(1)


@pytest.fixture
def client_for(app) -> Callable[[str], TestClient]:
    """A TestClient logged in with the given role."""
    clients: list[TestClient] = []

    def make(role: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        response = log_in(client, ROLE_USERS[role])
        assert response.status_code == 303, response.text
        return client

    yield make
    for client in clients:
        client.close()


def wait_generously(context: BrowserContext) -> None:
    """Give a Playwright browser context, and every `expect(...)`, the generous browser-test timeout.

    Every page of the context waits up to BROWSER_TIMEOUT_MS for selectors, functions and
    navigations; `expect` assertions retry for as long.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    context.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
