"""Search is no oracle: a role shown "@citizen" cannot recover a pseudonym by searching for it.

A viewer sees "@citizen" for every @mention outside the registry and "citizen" for any
pseudonym. If the search ran on the stored text, `@c_6`, `@c_62`, ... would tell them one
character at a time which pseudonym a post mentions. Search for such a role runs on the text
it is shown; analysts still search the stored text.
"""

from __future__ import annotations

import random
import re

import pytest

from peelian import Project
from peelian.report.force_report import known_handles, mask_citizens
from peelian.store.search import PostFilters, posts_csv, search_posts, shown_text_sql, where_clause
from tests.web.conftest import app, citizen, client_for, web_project, web_project_template  # noqa: F401 (fixtures)

MENTIONED = citizen(99)  # every citizen question mentions this pseudonym: "@wmp @c_…63 Where can I report it?"
TOTAL = re.compile(r'<p class="count">\s*([\d,]+) posts?')


def _found(client, query: str) -> int:
    response = client.get("/explorer", params={"q": query})
    assert response.status_code == 200, response.text
    match = TOTAL.search(response.text)
    assert match, f"no post count on the explorer page for {query!r}"
    return int(match.group(1).replace(",", ""))


def _prefixes(pseudonym: str) -> list[str]:
    """What the attack types: c_, c_0, c_00, ... and the same after an @."""
    grown = [pseudonym[:n] for n in range(2, len(pseudonym) + 1)]
    return grown + ["@" + p for p in grown]


def test_a_viewer_cannot_recover_a_pseudonym_by_prefix_search(client_for) -> None:
    analyst = client_for("analyst")
    viewer = client_for("viewer")
    for query in _prefixes(MENTIONED):
        # The analyst asks first, so a page cached for the analyst would be served to the viewer.
        assert _found(analyst, query) > 0, query
        assert _found(viewer, query) == 0, f"a viewer's search for {query!r} finds posts"


def test_a_viewer_searches_the_text_they_are_shown(client_for, web_project: Project) -> None:
    viewer = client_for("viewer")
    analyst = client_for("analyst")
    questions = web_project.scalar("SELECT count(*) FROM posts WHERE text LIKE '@wmp %Where can I report%'")
    assert questions > 0
    assert _found(viewer, "@wmp @citizen where can I report") == questions
    assert _found(analyst, "@wmp @citizen where can I report") == 0  # analysts see the pseudonym instead
    assert _found(analyst, f"@wmp @{MENTIONED} where can I report") == questions
    assert _found(viewer, f"@wmp @{MENTIONED} where can I report") == 0
    assert _found(viewer, "bike stolen in Kent") == _found(analyst, "bike stolen in Kent") > 0


def test_the_library_searches_the_masked_text_when_asked(web_project: Project) -> None:
    masked = PostFilters(shown_handles=known_handles(web_project))
    for query in _prefixes(MENTIONED):
        assert search_posts(web_project, masked, query).total == 0, query
        assert search_posts(web_project, PostFilters(), query).total > 0, query
        assert posts_csv(web_project, masked, query).count("\n") == 1, query  # the header only
    shown = search_posts(web_project, masked, "@citizen where can I report")
    assert shown.total > 0 and all(MENTIONED in row["text"] for row in shown.rows)
    assert masked.active() == {}  # the masking is not a filter the user applied


TRICKY = (
    "", "no mentions", "@a @b", "x@a @b, @c_0123456789abcdef", "@wmp hi @Foo.bar. ok", "é@a @b@c.de /@x",
    "@WMP thanks @c_0123456789abcdef c_abcdef0123456789 ok", "hi @x@y.com and @x@y.comm", "@@wmp", "a_@wmp",
    "ü@wmp", "\u0663@wmp", "\x00@wmp\x01", "@wmp." * 3, "@" + "a" * 70, "@c_0123456789abcdef0", "line\n@kent_pc",
    "mail me at ana@example.org", "https://x.example/@c_0123456789abcdef/1", "@wmp_officer@mastodon.social hi",
)


def _fuzz_texts(n: int, seed: int = 20) -> list[str]:
    rng = random.Random(seed)
    alphabet = "ab_.-@ /é\u0663c0123456789defWMPyxom\n"
    pieces = ["@wmp", "@kentpolice", "@c_00000000000000a1", "c_0123456789abcdef", "citizen", "@x@y.com"]
    return ["".join(rng.choice(pieces) if rng.random() < 0.15 else rng.choice(alphabet)
                    for _ in range(rng.randint(0, 40))) for _ in range(n)]


def test_the_masked_text_in_sql_is_exactly_what_a_viewer_reads(web_project: Project) -> None:
    handles = known_handles(web_project) | {"x@y.com"}
    texts = [*TRICKY, *_fuzz_texts(5_000)]
    sql, params = shown_text_sql("t", handles)
    rows = web_project.query(f"SELECT t, {sql} AS shown FROM (SELECT unnest(?::VARCHAR[]) AS t)", [*params, texts])
    wrong = [(r["t"], r["shown"], mask_citizens(r["t"], handles)) for r in rows
             if r["shown"] != mask_citizens(r["t"], handles)]
    assert len(rows) == len(texts) and not wrong, wrong[:5]


@pytest.mark.parametrize("seed", [1, 2])
def test_masked_search_finds_exactly_what_the_viewer_reads(web_project: Project, seed: int) -> None:
    """Queries that touch "@citizen" and queries that do not (searched on the stored text first)."""
    rng = random.Random(seed)
    handles = known_handles(web_project)
    texts = _fuzz_texts(400, seed)
    shown = [mask_citizens(t, handles).lower() for t in texts]
    queries = ["citizen", "@cit", "zen ", "n a", "c_0", "@wmp", "wmp", "a_", "ab", "é", "ac", "ni", "x@", "e", "\n@"]
    for text in rng.sample(shown, 30):
        if len(text.strip()) > 2:
            start = rng.randrange(len(text) - 2)
            queries.append(text[start:start + rng.randint(2, 8)])
    filters = PostFilters(shown_handles=handles)
    for query in {q.strip() for q in queries if q.strip()}:
        where, params = where_clause(filters, query)
        found = {r["text"] for r in web_project.query(
            f"SELECT text FROM (SELECT unnest(?::VARCHAR[]) AS text) p WHERE {where}", [texts, *params])}
        expected = {t for t, s in zip(texts, shown, strict=True) if query.lower() in s}
        assert found == expected, query
