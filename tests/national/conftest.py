"""Shared fixtures of the national tests: one local Spark for the whole session, and demo
projects with gold labels and predictions (so every code source reaches the lake)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from peelian import Project
from peelian.demo.build import build_demo

EVALUATION = {"per_code": {code: {"precision": 0.8, "recall": 0.7, "support": 30}
                           for code in ("inform", "request", "engage", "appeal", "traffic", "insight")}}


def add_codes(project: Project) -> None:
    """Gold topics on some police posts, a model's mode/topic predictions on others, and predicted
    citizen intents, chosen by hashes of the post ids (deterministic, varied)."""
    con = project.con
    with project.transaction():
        for dim in ("mode", "topic", "citizen_intent"):
            con.execute("INSERT INTO models VALUES (?, ?, '1', 'test', TRUE, now(), 'x', NULL, 0, ?, NULL)",
                        [f"m_{dim}", dim, orjson.dumps(EVALUATION).decode()])
        con.execute("""
            INSERT INTO predictions
            SELECT platform, post_id, 'topic', 'm_topic', [['appeal', 'traffic', 'insight'][1 + CAST(hash(post_id) % 3 AS INTEGER)]],
                   0.9, NULL, now() FROM posts WHERE author_role = 'police' AND hash(post_id) % 4 <> 0
            UNION ALL
            SELECT platform, post_id, 'mode', 'm_mode', [['inform', 'request', 'engage'][1 + CAST(hash(post_id) % 3 AS INTEGER)]],
                   0.9, NULL, now() FROM posts WHERE author_role = 'police' AND hash(post_id) % 3 <> 0
            UNION ALL
            SELECT platform, post_id, 'citizen_intent', 'm_citizen_intent',
                   [['question', 'praise', 'report'][1 + CAST(hash(post_id) % 3 AS INTEGER)]], 0.9, NULL, now()
            FROM posts WHERE author_role = 'citizen' AND hash(post_id) % 2 = 0""")
        con.execute("""
            INSERT INTO gold SELECT nextval('gold_seq'), platform, post_id, 'topic', ['court_result'], 'test',
                   NULL, NULL, NULL, '1', now()
            FROM posts WHERE author_role = 'police' AND hash(post_id) % 7 = 0""")


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-force demo project with codes from every source."""
    path = tmp_path_factory.mktemp("national") / "demo.peelian"
    build_demo(path, posts=3000, seed=3, forces=3, months=3)
    project = Project.open(path)
    try:
        add_codes(project)
    finally:
        project.close()
    return path


@pytest.fixture(scope="session")
def second_demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Another project (its own pseudonym key) covering the same forces over another period."""
    path = tmp_path_factory.mktemp("national2") / "second.peelian"
    build_demo(path, posts=2000, seed=5, forces=3, months=2, start="2025-03-01")
    return path


@pytest.fixture(scope="session")
def spark():
    """One local Spark for every test (starting a JVM costs seconds): two cores, few shuffle
    partitions, no UI, bound to the loopback interface."""
    from peelian.national.engine import spark_session

    session = spark_session("local[2]", shuffle_partitions=4)
    yield session
    session.stop()
