"""Attacks on the newer surfaces (interaction networks, the Inbox, check-a-draft, exports) as a viewer and as
a hostile citizen: no pseudonym reaches a viewer through a chart's data, no valid choice of a page's
parameters breaks it, and a citizen's link or text cannot act in a page or a spreadsheet."""

from __future__ import annotations

import re

import pytest

from peelian.network.interactions import InteractionNetwork
from tests.web.conftest import (  # noqa: F401  (fixtures used by name)
    app,
    client_for,
    web_project,
    web_project_template,
)

PSEUDONYM = re.compile(r"c_[0-9a-f]{16}")


def add_mentions(project) -> None:
    """Every reply also mentions the account it answers (the web project is written without mentions)."""
    project.con.execute("INSERT INTO mentions (platform, post_id, account_id, handle) SELECT platform, post_id, "
                        "reply_to_account_id, NULL FROM posts WHERE reply_to_account_id IS NOT NULL")


@pytest.mark.parametrize("kind", ["reply", "mention", "both"])
def test_viewers_get_no_pseudonym_in_the_interaction_network(client_for, web_project, kind: str) -> None:
    """Node ids in the graph's Vega-Lite data were the citizens' account ids (their pseudonyms)."""
    add_mentions(web_project)
    viewer = client_for("viewer").get(f"/networks?view=interactions&kind={kind}")
    assert viewer.status_code == 200, viewer.text[:300]
    assert not PSEUDONYM.search(viewer.text), PSEUDONYM.search(viewer.text)
    assert '"name":"citizen 1"' in viewer.text
    analyst = client_for("analyst").get(f"/networks?view=interactions&kind={kind}")
    assert analyst.status_code == 200 and PSEUDONYM.search(analyst.text)


def test_a_mention_only_network_is_fitted(web_project) -> None:
    """kind='mention' alone named no columns in its SQL (a 500 on the page, a crash in `peelian network`)."""
    add_mentions(web_project)
    net = InteractionNetwork(kind="mention").fit(web_project)
    both = InteractionNetwork(kind="both").fit(web_project)
    assert net.summary()["edges"] > 0
    assert net.summary()["nodes"] == both.summary()["nodes"]
