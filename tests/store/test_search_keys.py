"""`PostFilters.keys`, a library-only filter: the posts behind a figure by (platform, post_id), as the explorer
lists them by row id, and combined with the other filters."""

from __future__ import annotations

from peelian import Project
from peelian.metrics.views import posts_behind, rows_behind
from peelian.store.search import PostFilters, posts_csv, search_posts
from tests.triage.helpers import build_inbox


def _found(project: Project, filters: PostFilters) -> list[tuple[str, str]]:
    page = search_posts(project, filters, sort="oldest", page_size=500)
    assert page.total == len(page.rows)
    return [(r["platform"], r["post_id"]) for r in page.rows]


def test_keys_list_the_posts_behind_a_figure_as_the_explorers_rowids_do(project: Project) -> None:
    build_inbox(project)
    for metric in ("posts", "needs_response"):
        keys = tuple(posts_behind(project, metric, limit=None))
        assert keys, metric
        by_key = _found(project, PostFilters(keys=keys))
        assert sorted(by_key) == sorted(keys) == sorted(_found(project, PostFilters(
            rowids=tuple(rows_behind(project, metric, limit=None))))), metric
    questions = tuple(posts_behind(project, "needs_response", limit=None))
    assert ("twitter", "Q") in questions and ("twitter", "P1") not in questions


def test_keys_combine_with_the_other_filters_and_match_the_platform_too(project: Project) -> None:
    build_inbox(project)
    keys = (("twitter", "P1"), ("twitter", "Q"), ("twitter", "KNIFE"), ("facebook", "COMPL"), ("twitter", "nope"))
    assert sorted(_found(project, PostFilters(keys=keys))) == [("twitter", "KNIFE"), ("twitter", "P1"),
                                                               ("twitter", "Q")]
    assert _found(project, PostFilters(keys=keys, role="citizen")) == [("twitter", "Q"), ("twitter", "KNIFE")]
    assert search_posts(project, PostFilters(keys=keys), "knife").total == 1
    assert _found(project, PostFilters(keys=())) == []  # no keys: no posts, not every post
    csv_ids = [line.split(",")[1] for line in posts_csv(project, PostFilters(keys=keys)).splitlines()[1:]]
    assert sorted(csv_ids) == ["KNIFE", "P1", "Q"]
    assert "keys" not in PostFilters(keys=keys, role="citizen").active()  # links never carry a key list
