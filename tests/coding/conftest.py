"""Small projects for the coding tests: posts written straight into the posts table."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from peelian import Project

DATA = Path(__file__).resolve().parents[1] / "data"

POST_FIELDS = ("platform", "post_id", "author_id", "author_handle", "author_role", "author_force",
               "author_account_type", "created_at", "text", "kind", "reply_to_post_id", "reply_to_account_id",
               "conversation_id")


def add_posts(project: Project, rows: list[dict]) -> None:
    """Insert posts with the columns the coding layer reads."""
    columns = [[row.get(f) for row in rows] for f in POST_FIELDS]
    casts = {"created_at": "TIMESTAMP"}
    select = ", ".join(f"CAST(unnest(?) AS {casts.get(f, 'VARCHAR')})" for f in POST_FIELDS)
    project.con.execute(f"INSERT INTO posts ({', '.join(POST_FIELDS)}) SELECT {select}", columns)


def corpus(n_threads: int = 40) -> list[dict]:
    """Police originals, citizen replies and police answers, a repost each, in two forces over three months."""
    rows = []
    start = datetime(2024, 1, 1, 9)
    for t in range(n_threads):
        force = "alpha" if t % 2 == 0 else "bravo"
        account_type = "force_corporate" if t % 3 else "team"
        police = f"{force}_{account_type}"
        root = f"p{t}"
        when = start + timedelta(days=2 * t)
        rows.append(dict(platform="twitter", post_id=root, author_id=police, author_handle=police,
                         author_role="police", author_force=force, author_account_type=account_type, created_at=when,
                         text=f"Appeal number {t}: have you seen this person?", kind="original",
                         conversation_id=root))
        rows.append(dict(platform="twitter", post_id=f"c{t}", author_id=f"cit{t}", author_handle=f"pseud{t}",
                         author_role="citizen", created_at=when + timedelta(hours=1),
                         text=f"@{police} is the road still closed? ({t})", kind="reply", reply_to_post_id=root,
                         reply_to_account_id=police, conversation_id=root))
        rows.append(dict(platform="twitter", post_id=f"r{t}", author_id=police, author_handle=police,
                         author_role="police", author_force=force, author_account_type=account_type,
                         created_at=when + timedelta(hours=2), text=f"@pseud{t} Yes, please call 101 ({t})",
                         kind="reply", reply_to_post_id=f"c{t}", reply_to_account_id=f"cit{t}",
                         conversation_id=root))
        rows.append(dict(platform="twitter", post_id=f"rt{t}", author_id=f"fan{t}", author_handle=f"fan{t}",
                         author_role="citizen", created_at=when + timedelta(hours=3), text=f"RT appeal {t}",
                         kind="repost", conversation_id=f"rt{t}"))
    return rows


@pytest.fixture
def posts_project(project: Project) -> Project:
    add_posts(project, corpus())
    return project


@pytest.fixture
def data_dir() -> Path:
    return DATA
