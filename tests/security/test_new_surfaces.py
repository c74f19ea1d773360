"""Attacks on the newer surfaces (interaction networks, the Inbox, check-a-draft, exports) as a viewer and as
a hostile citizen: no pseudonym reaches a viewer through a chart's data, no valid choice of a page's
parameters breaks it, and a citizen's link or text cannot act in a page or a spreadsheet."""

from __future__ import annotations

import html
import re

import pytest

from peelian.network.interactions import InteractionNetwork
from tests.web.conftest import (  # noqa: F401  (fixtures used by name)
    app,
    client_for,
    reply_to_kent,
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


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", " JaVaScRiPt:alert(1)", "\tjavascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)"])
def test_a_citizen_posts_link_that_would_run_script_is_not_linked(client_for, web_project, url: str) -> None:
    """The Inbox links each post 'on <platform>' with its stored url, which an importer keeps as the file
    gives it when it names no account: only http(s) links become links."""
    reply_to_kent(web_project, "linked", "c_00000000000000ab", "@kentpolice man with a knife outside now",
                  hours_before_newest=1)
    reply_to_kent(web_project, "plain", "c_00000000000000ac", "@kentpolice where do I report a lost dog?",
                  hours_before_newest=2)
    web_project.con.execute("UPDATE posts SET url = ? WHERE post_id = 'linked'", [url])
    web_project.con.execute("UPDATE posts SET url = 'https://example.social/p/1' WHERE post_id = 'plain'")
    page = client_for("analyst").get("/inbox?since=all").text
    assert 'id="post-linked"' in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", html.unescape(h), re.I)], hrefs
    assert "https://example.social/p/1" in hrefs


@pytest.mark.parametrize("since", [None, "7d"])
def test_a_viewers_inbox_and_unanswered_rows_hold_no_pseudonym_in_any_field(web_project, since) -> None:
    """`present_rows` drops citizen ids from the rows a viewer's template gets, so none can leak them; the
    inbox's and unanswered rows also carried the citizen as `author`."""
    from peelian.triage import inbox
    from peelian.web.present import present_rows

    reply_to_kent(web_project, "knife", "c_00000000000000ab", "@kentpolice @c_0000000000000099 man with a knife "
                  "outside c_0000000000000077's shop right now", hours_before_newest=1)
    rows = inbox(web_project, since=since, limit=None, semantic=False)["rows"]
    assert rows and any(PSEUDONYM.search(str(r["author"])) for r in rows)
    shown = present_rows([{**r, "author_role": "citizen", "author_handle": r["author"]} for r in rows], False,
                         frozenset({"kentpolice", "wmp"}))
    leaks = [(r["post_id"], key, value) for r in shown for key, value in r.items() if PSEUDONYM.search(str(value))]
    assert not leaks, leaks[:5]


MARKUP = "[/] [link=https://e.example]x[/link]\x1b[2J"


@pytest.mark.parametrize("command", [("triage",), ("unanswered",), ("threads",), ("threads", "1002")])
def test_a_citizens_markup_is_printed_as_text_by_the_cli(cli, tmp_path, monkeypatch, command: tuple[str, ...]) -> None:
    """Rich reads `[...]` in a table cell as markup: a citizen's `[/]` crashed `peelian triage` (exit 3),
    and `[link=...]` made a hidden link in the operator's terminal."""
    from peelian.triage import semantic
    from tests.web.conftest import build_project

    monkeypatch.setattr(semantic, "available", lambda: False)  # the keyword rules' reading is enough here

    path = tmp_path / "markup.peelian"
    project = build_project(path)
    # whichever rows a command lists: citizens' questions (triage, unanswered), conversations' first posts (threads)
    project.con.execute("UPDATE posts SET text = CASE author_role WHEN 'citizen' THEN 'Where can I report it? ' "
                        "ELSE '' END || ?", [MARKUP])
    project.close()
    result = cli(command[0], path, *command[1:], *(("--since", "all") if command == ("triage",) else ()))
    assert result.exit_code == 0, result.output
    assert "[/]" in result.output and "[link=https://e.example]" in result.output
    assert "\x1b" not in result.output


@pytest.mark.parametrize(("action", "data"), [("/inbox/twitter/1002/handled", {"outcome": "handled_elsewhere",
                                                                               "reason": "rang back"}),
                                              ("/inbox/twitter/1002/reopen", {}),
                                              ("/unanswered/twitter/1002/handled", {"note": "rang back"}),
                                              ("/unanswered/twitter/1002/unhandled", {})])
def test_a_marks_redirect_goes_back_only_within_the_site(client_for, action: str, data: dict[str, str]) -> None:
    """After a mark the page goes back where the form was, read from the Referer: any other site's address
    (or a scheme-relative //host) was followed as it came."""
    from tests.web.conftest import csrf_of

    client = client_for("analyst")
    token = csrf_of(client, "/inbox")
    for referer, expected in (("https://evil.example/inbox", action.split("/")[1]),
                              ("//evil.example/inbox", action.split("/")[1]),
                              ("http://testserver/inbox?page=2&since=all", "inbox?page=2&since=all"),
                              ("http://testserver/unanswered?force=Kent", "unanswered?force=Kent")):
        done = client.post(action, data={**data, "csrf_token": token}, headers={"referer": referer},
                           follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/" + expected, (referer, done.headers)


def test_the_multilayer_measures_csv_is_formula_safe(cli, project_path, tmp_path) -> None:
    """`peelian multilayer --to x.csv` wrote the counties of a hand-made organisations CSV as they came: a
    county cell `@SUM(A1)` ran as a formula in a spreadsheet. Parquet keeps the exact text."""
    import csv

    import pyarrow.parquet as pq

    from tests.network.test_multilayer import AGREEMENTS, ORGS

    county = "@SUM(A1)"
    (tmp_path / "orgs.csv").write_text(ORGS.replace(",X,", f",{county},"))
    (tmp_path / "agreements.csv").write_text(AGREEMENTS.replace(",X,", f",{county},"))
    assert cli("orgs", "import", project_path, tmp_path / "orgs.csv").exit_code == 0
    assert cli("agreements", "import", project_path, tmp_path / "agreements.csv").exit_code == 0
    assert cli("multilayer", project_path, "--to", tmp_path / "m.csv").exit_code == 0
    assert cli("multilayer", project_path, "--to", tmp_path / "m.parquet").exit_code == 0
    with (tmp_path / "m.csv").open(newline="") as handle:
        counties = {row["county"] for row in csv.DictReader(handle)}
    assert counties == {"'" + county}
    assert set(pq.read_table(tmp_path / "m.parquet").column("county").to_pylist()) == {county}


@pytest.mark.parametrize("url", ["/benchmark?period=0001", "/benchmark?period=9999", "/benchmark?period=0001-01",
                                 "/assessment?force=Kent&period=0001", "/assessment?force=Kent&period=9999",
                                 "/benchmark?period=1000-01"])
def test_a_period_far_out_of_range_is_named_not_a_server_error(client_for, url: str) -> None:
    """Year 1 or 9999 overflowed Python's dates while the period before or after was worked out (a 500);
    1000-01 was refused naming a period the user never wrote (999-12)."""
    page = client_for("analyst").get(url)
    assert page.status_code == 400, page.text[:300]
    period = url.rsplit("=", 1)[1]
    assert f"period {period} is outside 1970 to 2100" in html.unescape(page.text)


def test_the_cli_names_a_period_out_of_range(cli, project_path) -> None:
    result = cli("benchmark", project_path, "--period", "9999")
    assert result.exit_code == 2 and "period 9999 is outside 1970 to 2100" in result.output, result.output


def test_adjudication_shows_a_posts_control_characters_as_text(cli, project_path) -> None:
    """The adjudication screen escaped markup in the post but passed its ANSI sequences to the terminal."""
    from peelian import Project
    from peelian.coding.codings import record_coding
    from peelian.coding.samples import create_sample
    from tests.coding.conftest import add_posts, corpus

    with Project.open(project_path) as proj:
        add_posts(proj, corpus())
        proj.con.execute("UPDATE posts SET text = ? WHERE post_id = 'r1'", ["help [/] \x1b[2J\x1b]0;pwned\x07 now"])
        create_sample(proj, "s1", post_ids=["r1"], coders=["ana", "ben"], overlap=1.0, shuffle=False)
        record_coding(proj, "ana", "twitter", "r1", "stance", ["towards"])
        record_coding(proj, "ben", "twitter", "r1", "stance", ["away"])
    result = cli("adjudicate", project_path, "s1", "--adjudicator", "dee", input="q\n")
    assert result.exit_code == 0, result.output
    assert "help [/] \\x1b[2J\\x1b]0;pwned\\x07 now" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


@pytest.mark.parametrize("note", ["a\x00b", "rang \x1b[2J back", "x" * 2001])
def test_the_unanswered_pages_note_is_checked_like_the_inboxs_reason(client_for, web_project, note: str) -> None:
    """The Inbox refuses a reason with control characters or over 2,000 characters by name; the Unanswered
    page's note on the same mark was stored and audited as sent (a NUL, an ANSI sequence)."""
    from tests.web.conftest import csrf_of

    client = client_for("analyst")
    done = client.post("/unanswered/twitter/1002/handled", data={"note": note, "csrf_token": csrf_of(client)},
                       follow_redirects=False)
    assert done.status_code == 400 and "note" in html.unescape(done.text), done.status_code
    assert web_project.scalar("SELECT count(*) FROM audit_log WHERE action = 'handled'") == 0


def test_post_ids_that_embed_a_pseudonym_are_opaque_to_viewers(client_for, web_project) -> None:
    """Bluesky (`at://<did>/…`), Facebook (`<owner>_<post>`) and ActivityPub post ids carry the author's
    pseudonym: a viewer's Inbox, Unanswered, explorer and thread pages showed it in element ids and links.
    A viewer gets tokens that this server reads back, so the links still open the thread."""
    bsky = reply_to_kent(web_project, "at://c_00000000000000ab/app.bsky.feed.post/3kabc", "c_00000000000000ab",
                         "@kentpolice man with a knife right now", hours_before_newest=1)
    facebook = reply_to_kent(web_project, "c_00000000000000cd_1234567", "c_00000000000000cd",
                             "@kentpolice where do I report a lost dog?", hours_before_newest=2)
    viewer = client_for("viewer")
    for url in ("/inbox?since=all", "/unanswered", "/explorer?role=citizen", "/explorer?q=knife"):
        page = viewer.get(url)
        assert page.status_code == 200 and not PSEUDONYM.search(page.text), (url, PSEUDONYM.search(page.text))
    inbox = html.unescape(viewer.get("/inbox?since=all").text)
    links = dict(re.findall(r'href="(/thread/twitter/[^"?]+)\?focus=([^"]+)"', inbox))
    assert len(links) >= 2
    for link, focus in links.items():
        thread = viewer.get(f"{link}?focus={focus}")
        assert thread.status_code == 200 and 'class="turn citizen focus"' in thread.text, link
        assert not PSEUDONYM.search(thread.text)
    conversation = viewer.get(f"/thread/twitter/{next(iter(links.values()))}")
    assert conversation.status_code == 200 and not PSEUDONYM.search(conversation.text)
    opened = re.search(r'href="(/explorer\?conversation_id=[^"]+)"', conversation.text)
    assert opened
    explorer = viewer.get(html.unescape(opened[1]))
    assert explorer.status_code == 200
    assert "knife" in explorer.text or "lost dog" in explorer.text
    assert viewer.get("/thread/twitter/v.bm90LWEtdG9rZW4").status_code == 404
    analyst = client_for("analyst").get("/inbox?since=all").text
    assert bsky in html.unescape(analyst) and facebook in html.unescape(analyst)


def test_coders_get_post_ids_that_embed_a_pseudonym_as_tokens_and_code_through_them(client_for, web_project) -> None:
    """The coding page and its API gave coders (who see "citizen", never pseudonyms) the raw post id of a
    Bluesky or Facebook citizen post; coders now get the same tokens as viewers, and the API reads them back."""
    from peelian.coding.samples import create_sample
    from tests.web.conftest import csrf_of

    bsky = reply_to_kent(web_project, "at://c_00000000000000ab/app.bsky.feed.post/3kabc", "c_00000000000000ab",
                         "@kentpolice man with a knife right now", hours_before_newest=1)
    create_sample(web_project, "tokens", coders=["cody"], post_ids=[("twitter", bsky), ("twitter", "1002")],
                  overlap=1.0, shuffle=False)
    coder = client_for("coder")
    page = coder.get("/code?sample=tokens")
    assert page.status_code == 200 and not PSEUDONYM.search(page.text), PSEUDONYM.search(page.text)
    first = coder.get("/code/api/next?after=twitter:1002&sample=tokens", headers={"Accept": "application/json"})
    item = first.json()
    assert first.status_code == 200 and not PSEUDONYM.search(first.text), first.text[:300]
    token = item["post"]["post_id"]
    assert token.startswith("v.")
    again = coder.get("/code/api/item", params={"platform": "twitter", "post_id": token, "sample": "tokens"},
                      headers={"Accept": "application/json"})
    assert again.status_code == 200 and again.json()["post"]["post_id"] == token
    saved = coder.post("/code/api/save", json={"platform": "twitter", "post_id": token, "sample": "tokens",
                                               "status": "coded", "decisions": {"citizen_intent": ["question"]}},
                       headers={"X-CSRF-Token": csrf_of(coder, "/code"), "Accept": "application/json"})
    assert saved.status_code == 200, saved.text
    assert web_project.scalar("SELECT count(*) FROM codings WHERE post_id = ? AND coder = 'cody'", [bsky]) == 1
    after = coder.get(f"/code/api/next?after=twitter:{token}&sample=tokens", headers={"Accept": "application/json"})
    assert after.status_code == 200 and not PSEUDONYM.search(after.text)
    undone = coder.post("/code/api/undo", json={"sample": "tokens"},
                        headers={"X-CSRF-Token": csrf_of(coder, "/code"), "Accept": "application/json"})
    assert undone.status_code == 200 and not PSEUDONYM.search(undone.text), undone.text[:300]
