"""Invariants that hold for any corpus: counts nest, shares sum to 1, rates lie in [0, 1],
answered-within-window + unanswered + pending = needs-response, the unanswered list holds exactly the
overdue and pending posts, and the response rate lies between its bounds for the pending posts."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peelian import Project
from peelian.metrics import MetricParams, compute_metrics, unanswered
from tests.metrics.helpers import Corpus

POLICE = [("a1", "A", "force_corporate"), ("a2", "A", "team"), ("b1", "B", "force_corporate"), ("b2", "B", "officer")]
CITIZENS = ["x", "y", "z"]
MODES = ["inform", "request", "engage"]
INTENTS = ["question", "praise", "report", "other"]

post = st.fixed_dictionaries({
    "author": st.integers(0, len(POLICE) + len(CITIZENS) - 1),
    "minutes": st.integers(0, 60 * 24 * 60),
    "reply_to": st.one_of(st.none(), st.integers(0, 30)),
    "question": st.booleans(),
    "mention": st.one_of(st.none(), st.integers(0, len(POLICE) - 1)),
    "gold": st.one_of(st.none(), st.integers(0, 3)),
    "conversation_id": st.booleans(),
})
parameters = st.fixed_dictionaries({
    "window": st.sampled_from(["1h", "24h", "72h"]),
    "needs_response": st.sampled_from(["intents", "all", "questions"]),
    "response_limit": st.sampled_from([None, "1h", "24h"]),
    "include_reposts": st.booleans(),
    "pending": st.sampled_from(["exclude", "count"]),
})


def build(project: Project, posts: list[dict]) -> None:
    c = Corpus(project)
    ids = [c.police(h, f, t) for h, f, t in POLICE] + [c.citizen(n) for n in CITIZENS]
    made: list[tuple[str, str | None]] = []
    for i, p in enumerate(sorted(posts, key=lambda p: p["minutes"])):
        author = ids[p["author"]]
        parent = made[p["reply_to"] % len(made)] if p["reply_to"] is not None and made else None
        conversation = (parent[1] or parent[0]) if parent else f"p{i}"
        mention = [POLICE[p["mention"]][0]] if p["mention"] is not None and author.startswith("c_") else []
        c.post(f"p{i}", author, p["minutes"], "why?" if p["question"] else "ok", reply_to=parent[0] if parent else None,
               mentions=mention, conversation_id=conversation if p["conversation_id"] else None)
        made.append((f"p{i}", conversation if p["conversation_id"] else None))
        if p["gold"] is not None:
            dimension, codes = ("citizen_intent", INTENTS) if author.startswith("c_") else ("mode", MODES)
            c.gold(f"p{i}", dimension, codes[p["gold"] % len(codes)])
    c.save()


def check_row(row: dict) -> None:
    assert row["responded"] <= row["needs_response"] <= row["inbound_posts"]
    assert row["answered_within_window"] + row["unanswered"] + row["pending"] == row["needs_response"]
    assert row["responded_1h"] <= row["responded_24h"]
    for name in ("two_way_ratio", "response_rate", "response_rate_1h", "response_rate_24h", "reciprocity",
                 "returning_share", "concentration_top_share", "gini", "one_way_share"):
        assert row[name] is None or 0 <= row[name] <= 1 + 1e-12, (name, row[name])
    assert row["replies_to_citizens"] <= row["posts"]
    if row["mode_n"]:
        shares = [v for k, v in row.items() if k.startswith("mode_share_") and not k.endswith(
            ("_adjusted", "_low", "_high"))]
        assert abs(sum(shares) - 1) < 1e-9
    for name in ("response_time_median_s", "response_time_p90_s", "response_time_mean_s"):
        assert row[name] is None or row[name] >= 0
    if row["response_time_median_s"] is not None:
        assert row["response_time_median_s"] <= row["response_time_p90_s"] + 1e-9


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(post, min_size=1, max_size=30), parameters)
def test_invariants(posts, values):
    with tempfile.TemporaryDirectory() as folder:
        project = Project.init(Path(folder) / "p.peelian")
        try:
            build(project, posts)
            params = MetricParams(**values)
            by_type = compute_metrics(project, params, by=("force", "account_type"))
            by_force = {r["force"]: r for r in compute_metrics(project, params, by=("force",))}
            for row in by_type:
                check_row(row)
            for force, row in by_force.items():
                check_row(row)
                parts = [r for r in by_type if r["force"] == force]
                for name in ("posts", "inbound_posts", "needs_response", "responded", "unanswered", "pending"):
                    assert sum(r[name] for r in parts) == row[name], name
            monthly = compute_metrics(project, params, by=("force",), period="month")
            for row in monthly:
                check_row(row)
            for force, row in by_force.items():
                assert sum(r["needs_response"] for r in monthly if r["force"] == force) == row["needs_response"]
            listed = unanswered(project, params, limit=None)
            for status, column in (("overdue", "unanswered"), ("pending", "pending")):
                assert sum(r["status"] == status for r in listed) == sum(r[column] for r in by_force.values())
            for row in by_force.values():
                # the rate lies between "every pending post goes unanswered" and "every one is answered"
                if row["needs_response"] and row["response_rate"] is not None:
                    low = row["responded"] / row["needs_response"]
                    high = (row["responded"] + row["pending"]) / row["needs_response"]
                    assert low - 1e-12 <= row["response_rate"] <= high + 1e-12
                    if params.pending == "count" or not row["pending"]:
                        assert row["response_rate"] == low
            unlimited = compute_metrics(project, params.model_copy(update={"response_limit": None}), by=("force",))
            for row in unlimited:
                assert row["responded"] >= by_force[row["force"]]["responded"]
        finally:
            project.close()
