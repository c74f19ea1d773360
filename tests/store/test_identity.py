"""Citizens' @handles in post text become their pseudonyms; police handles and e-mail addresses stay."""

from __future__ import annotations

import pytest

from peelian.store import identity
from peelian.store.identity import IdentityResolver
from peelian.store.privacy import PSEUDONYM_RE
from peelian.store.registry import import_registry


@pytest.fixture
def resolver(project, tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,force,account_type,unit\ntwitter,WMPolice,West Midlands Police,"
                        "force_corporate,\n")
    import_registry(project, registry)
    return IdentityResolver.for_project(project)


def test_citizen_handles_are_replaced_and_police_handles_kept(resolver):
    pseudonym = resolver.pseudonymiser.handle("twitter", "jo_bloggs")
    text = "@jo_bloggs thanks, passed to @WMPolice (mail jo@example.org) @Jo_Bloggs"
    out = resolver.pseudonymise_text("twitter", text)
    assert out == f"@{pseudonym} thanks, passed to @WMPolice (mail jo@example.org) @{pseudonym}"
    assert PSEUDONYM_RE.match(pseudonym)


def test_handles_at_the_ends_and_instance_handles_are_taken_whole(resolver):
    out = resolver.pseudonymise_text("mastodon", "@ann@mastodon.social said hi to @bob")
    ann = resolver.pseudonymiser.handle("mastodon", "ann@mastodon.social")
    bob = resolver.pseudonymiser.handle("mastodon", "bob")
    assert out == f"@{ann} said hi to @{bob}"
    assert resolver.pseudonymise_text("mastodon", "no handles here") == "no handles here"


def test_the_replacement_cache_is_bounded_and_forgets_nothing_it_needs(resolver, monkeypatch):
    monkeypatch.setattr(identity, "MENTION_CACHE", 3)
    handles = [f"citizen{n}" for n in range(10)]
    out = resolver.pseudonymise_text("twitter", " ".join(f"@{h}" for h in handles))
    assert out.split() == [f"@{resolver.pseudonymiser.handle('twitter', h)}" for h in handles]
    assert len(resolver._mentions["twitter"]) <= 3
