"""A small police corpus with gold labels on `mode`, written straight into a project."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from peelian import Project

TEMPLATES = {
    "inform": [
        "The {road} is closed after a collision near {town}, please avoid the area",
        "Three men were jailed today for a robbery in {town} town centre",
        "Our officers will be at {town} market on Saturday with free bike marking",
        "Update: the {road} has now reopened, thanks for your patience",
        "We are recruiting special constables in {town}, find out more on our website",
    ],
    "request": [
        "Do you recognise this man? We would like to speak to him about a theft in {town}",
        "Have you seen missing {name}? She was last seen in {town} on Tuesday",
        "Witnesses to the crash on the {road} are asked to call 101",
        "Can you help us trace the owner of this bike found in {town}?",
        "Dashcam footage of the {road} around 8pm? Please get in touch",
    ],
    "engage": [
        "@{name} thanks for letting us know, the team will pass by later",
        "@{name} ha! our police dog says hello back",
        "@{name} sorry to hear that, please send us a direct message",
        "@{name} good question, the front desk is open until 8pm",
        "@{name} you are welcome, glad we could help",
    ],
}
ROADS = ["A38", "M5", "B4100", "A30"]
TOWNS = ["Exeter", "Leeds", "Bath", "York", "Truro"]
NAMES = ["jo", "sam", "ali", "kim", "lee"]


def labelled_posts(n_per_code: int = 20, seed: int = 1) -> list[tuple[str, str]]:
    """(text, code) pairs filled from the templates, the same every run."""
    rng = random.Random(seed)
    out = []
    for code, templates in TEMPLATES.items():
        for i in range(n_per_code):
            text = templates[i % len(templates)].format(road=rng.choice(ROADS), town=rng.choice(TOWNS),
                                                        name=rng.choice(NAMES))
            out.append((text, code))
    rng.shuffle(out)
    return out


def add_posts(project: Project, rows: list[tuple[str, str, str, str]]) -> None:
    """Rows of (post_id, author_role, kind, text) on platform twitter."""
    project.con.executemany("INSERT INTO posts (platform, post_id, author_role, kind, text) VALUES "
                            "('twitter', ?, ?, ?, ?)", rows)


@pytest.fixture
def mode_project(project: Project) -> Project:
    """60 gold-labelled police posts (g00–g59), 90 unlabelled ones (u00–u89), 5 citizen posts out of scope."""
    gold = labelled_posts()
    add_posts(project, [(f"g{i:02d}", "police", "reply" if code == "engage" else "original", text)
                        for i, (text, code) in enumerate(gold)])
    extra = labelled_posts(n_per_code=30, seed=2)
    add_posts(project, [(f"u{i:02d}", "police", "original", text) for i, (text, _) in enumerate(extra)])
    add_posts(project, [(f"c{i}", "citizen", "reply", "@force why did nobody answer my call?") for i in range(5)])
    project.con.executemany(
        "INSERT INTO gold VALUES (nextval('gold_seq'), 'twitter', ?, 'mode', ?, 'adjudication', 'ana', NULL, NULL, "
        "'1.0', now())", [(f"g{i:02d}", [code]) for i, (_, code) in enumerate(gold)])
    return project


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    import csv

    path = tmp_path / "labelled.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text", "label"])
        for i, (text, code) in enumerate(labelled_posts()):
            writer.writerow([i, text, code])
    return path
