"""Conversations rebuilt from reply links: orphans counted and kept, cycles and self-replies cut,
deep chains resolved, the platform's conversation id preferred."""

from __future__ import annotations

import pytest

from peelian.errors import MetricsError, NotFoundError
from peelian.metrics import compute_metrics, conversation, unanswered
from peelian.metrics.engine import Dialogue
from tests.metrics.helpers import Corpus


@pytest.fixture
def tangled(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    alice, bob = c.citizen("alice"), c.citizen("bob")
    # X1 replies to a post that was never imported (but to the wmp account): an orphan branch, and
    # still an inbound post for West Midlands; X2 answers it after 20 min
    c.post("X1", alice, 0, "Why was the road shut?", reply_to="MISSING", reply_to_account=wmp)
    c.post("X2", wmp, 20, "A collision, now cleared", reply_to="X1")
    # a self-reply, and two posts that claim to reply to each other (Y1 is older, so Y1 → Y2 is cut)
    c.post("S1", bob, 30, "me again", reply_to="S1")
    c.post("Y1", bob, 40, "first", reply_to="Y2")
    c.post("Y2", alice, 50, "second", reply_to="Y1")
    return c.save()


def test_orphans_cycles_and_self_replies_are_counted(tangled):
    threads = Dialogue().fit(tangled).threads_
    assert threads["replies"] == 5
    assert threads["self_replies"] == 1
    assert threads["cut_links"] == 1
    assert threads["missing_parents"] == 1
    assert threads["orphan_branches"] == 3  # X1, S1 and Y1 each start a branch; nothing is dropped
    # conversations: X1+X2, S1, Y1+Y2
    assert threads["conversations"] == 3


def test_an_orphan_reply_to_a_police_account_is_inbound_and_answered(tangled):
    wm = compute_metrics(tangled, by=("force",)).rows[0]
    assert (wm["inbound_posts"], wm["needs_response"], wm["responded"]) == (1, 1, 1)
    assert wm["response_time_median_s"] == 1200
    assert unanswered(tangled) == []


def test_orphan_branch_in_the_thread_view(tangled):
    thread = conversation(tangled, "twitter", "X2")
    assert thread.conversation_id == "X1"
    assert [n.post_id for n in thread.walk()] == ["X1", "X2"]
    root = thread.roots[0]
    assert root.orphan and root.parent_id == "MISSING" and thread.orphan_branches == 1
    assert root.children[0].delay_since_parent_s == 1200 and root.children[0].depth == 1
    assert "[parent MISSING missing]" in thread.lines()[0]
    cycle = conversation(tangled, None, "Y1")
    assert [(n.post_id, n.depth, n.orphan) for n in cycle.walk()] == [("Y1", 0, True), ("Y2", 1, False)]


def test_thread_errors(tangled):
    with pytest.raises(NotFoundError):
        conversation(tangled, None, "nope")
    c = Corpus(tangled, platform="mastodon")
    c.citizen("zed")
    c.post("X1", "c_zed", 0, "same id, other platform")
    c.save()
    with pytest.raises(MetricsError, match="several platforms"):
        conversation(tangled, None, "X1")


def test_deep_chain_without_conversation_ids(project):
    """A 40-post alternating chain with no platform conversation id is one conversation:
    39 alternations, found by pointer jumping in a handful of rounds."""
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    alice = c.citizen("alice")
    parent = None
    for i in range(40):
        parent = c.post(f"{i:03d}", wmp if i % 2 == 0 else alice, i, "and?", reply_to=parent)
    c.save()
    fitted = Dialogue().fit(project)
    assert fitted.threads_["conversations"] == 1
    assert fitted.threads_["jump_rounds"] <= 7
    wm = compute_metrics(project, by=("force",)).rows[0]
    assert (wm["dialogue_conversations"], wm["dialogue_depth_mean"]) == (1, 39)
    # alice's posts 001 … 039 are each answered by the next police post a minute later, but the last
    assert (wm["needs_response"], wm["responded"], wm["pending"], wm["response_time_median_s"]) == (20, 19, 1, 60)
    assert len(conversation(project, None, "025").walk()) == 40


def test_platform_conversation_id_joins_posts_whose_parent_is_missing(project):
    c = Corpus(project)
    wmp = c.police("wmp", "West Midlands")
    alice = c.citizen("alice")
    c.post("100", wmp, 0, "Appeal", conversation_id="100")
    c.post("102", alice, 5, "Did you find him?", reply_to="101", reply_to_account=wmp, conversation_id="100")
    c.post("103", wmp, 9, "Not yet", reply_to="102", conversation_id="100")
    c.post("104", alice, 12, "ok", reply_to="103")  # no id of its own: inherits 100 through 103
    c.save()
    fitted = Dialogue().fit(project)
    assert fitted.threads_["conversations"] == 1 and fitted.threads_["orphan_branches"] == 1
    thread = conversation(project, "twitter", "100")
    assert thread.posts == 4 and thread.orphan_branches == 1
    assert [n.post_id for n in thread.roots] == ["100", "102"]
    # 102 addressed West Midlands through the reply_to account and was answered by 103
    wm = compute_metrics(project, by=("force",)).rows[0]
    assert (wm["needs_response"], wm["responded"], wm["reciprocity"]) == (1, 1, 1.0)
