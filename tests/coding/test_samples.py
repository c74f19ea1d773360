"""Samples: strategies, reproducibility, overlap and assignment, pre-chosen posts, thread context."""

from __future__ import annotations

from collections import Counter

import pytest

from peelian.coding.codebook import default_codebook
from peelian.coding.samples import (
    SamplingContext,
    available_strategies,
    create_sample,
    get_sample,
    list_samples,
    register_strategy,
    sample_items,
    stratum_columns,
    thread_context,
)
from peelian.errors import NotFoundError, SampleError

from .conftest import add_posts, corpus


def _keys(project, name: str, coder: str | None = None) -> list[tuple[str, str]]:
    return [(r["platform"], r["post_id"]) for r in sample_items(project, name, coder)]


def test_random_sample_overlap_and_split(posts_project) -> None:
    sample = create_sample(posts_project, "round1", 40, coders=["ana", "ben", "cy"], overlap=0.25, seed=11)
    assert (sample.strategy, sample.seed, sample.size, sample.n_overlap) == ("random", 11, 40, 10)
    assert sample.codebook_version == "1.0"
    items = sample_items(posts_project, "round1")
    overlap = {(r["platform"], r["post_id"]) for r in items if r["is_overlap"]}
    assert len(overlap) == 10
    per_coder = {c: {(r["platform"], r["post_id"]) for r in items if r["coder"] == c} for c in ("ana", "ben", "cy")}
    assert all(overlap <= keys for keys in per_coder.values())
    own = {c: keys - overlap for c, keys in per_coder.items()}
    assert sorted(len(v) for v in own.values()) == [10, 10, 10]
    assert not (own["ana"] & own["ben"]) and not (own["ben"] & own["cy"])
    assert len(set().union(*per_coder.values())) == 40
    for coder in ("ana", "ben", "cy"):
        assert [r["position"] for r in sample_items(posts_project, "round1", coder)] == list(range(1, 21))


def test_population_is_the_codebook_scope(posts_project) -> None:
    create_sample(posts_project, "all", 120, coders=["ana"], seed=1)
    keys = _keys(posts_project, "all")
    assert not any(k[1].startswith("rt") for k in keys)  # reposts are out of every scope
    assert len(keys) == 120
    with pytest.raises(SampleError, match="no eligible posts"):
        create_sample(posts_project, "more", 1, coders=["ana"], seed=1)


def test_same_seed_same_sample(project) -> None:
    add_posts(project, corpus())
    first = _keys_of(project, "a", seed=5)
    project.con.execute("DELETE FROM sample_items")
    second = _keys_of(project, "b", seed=5)
    assert first == second
    project.con.execute("DELETE FROM sample_items")
    assert _keys_of(project, "c", seed=6) != first


def _keys_of(project, name: str, seed: int) -> list[tuple[str, str, str, int]]:
    create_sample(project, name, 30, coders=["ana", "ben"], seed=seed)
    return [(r["coder"], r["platform"], r["post_id"], r["position"]) for r in sample_items(project, name)]


def test_seed_is_drawn_and_recorded_when_not_given(posts_project) -> None:
    sample = create_sample(posts_project, "s", 10, coders=["ana"])
    assert isinstance(sample.seed, int)
    assert get_sample(posts_project, "s").seed == sample.seed


def test_dimension_restricts_the_population(posts_project) -> None:
    create_sample(posts_project, "stance", 40, coders=["ana", "ben"], dimension="stance", seed=2)
    assert {k[1][0] for k in _keys(posts_project, "stance")} == {"r"}  # every police reply, nothing else
    with pytest.raises(SampleError, match="only 0 posts are eligible|no eligible posts"):
        create_sample(posts_project, "stance2", 1, coders=["ana"], dimension="stance", seed=2)
    sample = create_sample(posts_project, "again", 5, coders=["ana"], dimension="stance", seed=2,
                           exclude_sampled=False)
    assert sample.size == 5


def test_stratified_proportional_allocation(posts_project) -> None:
    sample = create_sample(posts_project, "strat", 60, stratify=["author_role", "month"], coders=["ana", "ben"],
                           seed=3)
    assert sample.strategy == "stratified"
    strata = sample.params["strata"]
    assert sum(s["drawn"] for s in strata) == 60
    total = sum(s["population"] for s in strata)
    assert total == 120
    for s in strata:
        assert abs(s["drawn"] - s["population"] * 60 / total) < 1
    drawn = Counter()
    rows = posts_project.query(
        "SELECT p.author_role, strftime(p.created_at, '%Y-%m') AS month FROM sample_items s JOIN posts p "
        "USING (platform, post_id) WHERE s.sample_name = 'strat' AND s.coder = 'ana' AND s.is_overlap")
    drawn.update((r["author_role"], r["month"]) for r in rows)
    assert len(drawn) > 1


def test_stratify_accepts_post_account_and_derived_columns(posts_project) -> None:
    names = stratum_columns(posts_project)
    assert names["force"] == 'p."author_force"' and names["month"].startswith("strftime")
    assert names["followers_count"] == 'a."followers_count"'
    sample = create_sample(posts_project, "acc", 20, stratify=["force", "account_type", "year", "followers_count"],
                           coders=["ana"], seed=1)
    assert sample.size == 20
    with pytest.raises(SampleError, match="cannot stratify by 'colour'"):
        create_sample(posts_project, "bad", 5, stratify=["colour"], coders=["ana"], seed=1)
    with pytest.raises(SampleError, match="needs --stratify"):
        create_sample(posts_project, "bad", 5, strategy="stratified", coders=["ana"], seed=1)


def test_given_post_ids_and_their_checks(posts_project) -> None:
    sample = create_sample(posts_project, "given", post_ids=[("twitter", "p1"), "c2", ("twitter", "r3")],
                           strategy="uncertainty", coders=["ana", "ben"], overlap=1.0, seed=1)
    assert sample.strategy == "uncertainty" and sample.size == 3 and sample.n_overlap == 3
    assert set(_keys(posts_project, "given", "ben")) == {("twitter", "p1"), ("twitter", "c2"), ("twitter", "r3")}
    plain = create_sample(posts_project, "given2", post_ids=["p4"], coders=["ana"])
    assert plain.strategy == "given"
    with pytest.raises(SampleError, match="2 of the given posts cannot be sampled:\n  nope is not in the project\n  "
                                          "twitter:rt1 is outside the codebook's scope"):
        create_sample(posts_project, "bad", post_ids=["nope", ("twitter", "rt1"), "p5"], coders=["ana"])


def test_registered_strategy_hook(posts_project) -> None:
    seen = {}

    def newest_first(ctx: SamplingContext) -> list[tuple[str, str]]:
        seen["dimension"] = ctx.dimension.id if ctx.dimension else None
        rows = ctx.project.query(f"SELECT s.platform, s.post_id FROM ({ctx.population_sql}) s JOIN posts p "
                                 "USING (platform, post_id) ORDER BY p.created_at DESC LIMIT ?", [ctx.size])
        ctx.details["note"] = "newest"
        return [(r["platform"], r["post_id"]) for r in rows]

    register_strategy("newest", newest_first)
    assert "newest" in available_strategies()
    sample = create_sample(posts_project, "new", 3, strategy="newest", coders=["ana"], dimension="topic",
                           shuffle=False, seed=1)
    assert seen["dimension"] == "topic" and sample.params["note"] == "newest"
    assert _keys(posts_project, "new") == [("twitter", "p39"), ("twitter", "p38"), ("twitter", "p37")]
    with pytest.raises(SampleError, match="unknown sampling strategy 'oracle'"):
        create_sample(posts_project, "x", 3, strategy="oracle", coders=["ana"])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"coders": []}, "at least one coder"),
    ({"coders": ["a b"]}, "simple identifiers"),
    ({"overlap": 1.5}, "overlap must be a share"),
    ({"size": 0}, "at least 1"),
    ({"size": 10_000}, "only 120 posts are eligible"),
])
def test_bad_sample_parameters(posts_project, kwargs: dict, message: str) -> None:
    args = {"size": 5, "coders": ["ana"], "seed": 1, **kwargs}
    size = args.pop("size")
    with pytest.raises(SampleError, match=message):
        create_sample(posts_project, "s", size, **args)


def test_duplicate_names_and_unknown_samples(posts_project) -> None:
    create_sample(posts_project, "s", 5, coders=["ana"], seed=1)
    with pytest.raises(SampleError, match="already exists"):
        create_sample(posts_project, "s", 5, coders=["ana"], seed=1)
    with pytest.raises(SampleError, match="sample name"):
        create_sample(posts_project, "bad name", 5, coders=["ana"], seed=1)
    with pytest.raises(NotFoundError, match="no sample named 'x' \\(samples: s\\)"):
        get_sample(posts_project, "x")
    listed = list_samples(posts_project)
    assert listed[0]["name"] == "s" and listed[0]["progress"] == [{"coder": "ana", "assigned": 5, "started": 0}]


def test_single_coder_gets_everything_without_overlap(posts_project) -> None:
    sample = create_sample(posts_project, "solo", 8, coders=["ana"], seed=1)
    assert sample.n_overlap == 0 and len(_keys(posts_project, "solo", "ana")) == 8


def test_thread_context(posts_project) -> None:
    ctx = thread_context(posts_project, "twitter", "r5")
    assert ctx.post["post_id"] == "r5" and ctx.post["author_role"] == "police"
    assert ctx.parent["post_id"] == "c5" and ctx.root["post_id"] == "p5"
    assert [p["post_id"] for p in ctx.thread] == ["p5", "c5"]
    root = thread_context(posts_project, "twitter", "p5")
    assert root.parent is None and root.root is None and root.thread == []
    with pytest.raises(NotFoundError):
        thread_context(posts_project, "twitter", "nope")


def test_thread_context_limit_keeps_parent_and_root(project) -> None:
    rows = corpus(1)
    base = rows[0]["created_at"]
    from datetime import timedelta

    for i in range(30):
        rows.append(dict(platform="twitter", post_id=f"x{i}", author_role="citizen", kind="reply", text=f"x{i}",
                         reply_to_post_id="p0", conversation_id="p0", created_at=base + timedelta(minutes=i + 1)))
    rows.append(dict(platform="twitter", post_id="late", author_role="citizen", kind="reply", text="late",
                     reply_to_post_id="x3", conversation_id="p0", created_at=base + timedelta(days=1)))
    add_posts(project, rows)
    ctx = thread_context(project, "twitter", "late", limit=5)
    assert ctx.parent["post_id"] == "x3" and ctx.root["post_id"] == "p0"
    ids = [p["post_id"] for p in ctx.thread]
    assert ids[0] == "p0" and "x3" in ids and len(ids) == 7


def test_default_codebook_scope_matches_population(posts_project) -> None:
    scope = default_codebook().scope_sql("p")
    assert posts_project.scalar(f"SELECT count(*) FROM posts p WHERE {scope}") == 120


def test_progress_counts_codings_in_force(posts_project) -> None:
    from peelian.coding.codings import record_coding, undo_last

    create_sample(posts_project, "s", post_ids=["r1", "r2"], coders=["ana"], shuffle=False)
    record_coding(posts_project, "ana", "twitter", "r1", "stance", ["away"])
    record_coding(posts_project, "ana", "twitter", "r2", "stance", ["away"])
    undo_last(posts_project, "ana")
    (listed,) = list_samples(posts_project)
    assert listed["progress"] == [{"coder": "ana", "assigned": 2, "started": 1}]


def test_sample_from_imported_twitter_data(project, shared_fixtures) -> None:
    from peelian.coding.codings import next_item
    from peelian.ingest import import_file

    import_file(project, shared_fixtures / "twitter_v2" / "twarc-csv__flat.jsonl")
    eligible = project.scalar(f"SELECT count(*) FROM posts p WHERE {default_codebook().scope_sql('p')} "
                              "AND coalesce(trim(p.text), '') <> ''")
    assert eligible > 0
    size = min(eligible, 10)
    sample = create_sample(project, "real", size, coders=["ana", "ben"], seed=1)
    assert sample.size == size
    item = next_item(project, "ana", "real")
    assert item.post["text"] and item.progress["total"] == len(sample_items(project, "real", "ana"))
    assert [d["id"] for d in item.dimensions] == [d.id for d in default_codebook().dimensions_for(
        item.post["author_role"], item.post["kind"])]
