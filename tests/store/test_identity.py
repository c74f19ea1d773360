"""Citizens' @handles in post text become their pseudonyms; police handles and e-mail addresses stay."""

from __future__ import annotations

import random

import duckdb
import pytest

from peelian.store import identity
from peelian.store.identity import IdentityResolver
from peelian.store.privacy import PSEUDONYM_RE, Pseudonymiser, pseudonym_sql
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


def test_links_to_citizen_profiles_in_text_become_pseudonyms_and_police_links_stay(resolver):
    pseudo = resolver.pseudonymiser
    text = ("https://twitter.com/jo_bloggs/status/1 x.com/WMPolice https://mastodon.social/@ann "
            "bsky.app/profile/bob.bsky.social facebook.com/profile.php?id=123 www.instagram.com/p/Cx1/ "
            "https://twitter.com/i/web/status/5")
    out = resolver.pseudonymise_text("twitter", text)
    assert out.split() == [
        f"https://twitter.com/{pseudo.handle('twitter', 'jo_bloggs')}/status/1", "x.com/WMPolice",
        f"https://mastodon.social/@{pseudo.handle('mastodon', 'ann@mastodon.social')}",
        f"bsky.app/profile/{pseudo.handle('bluesky', 'bob.bsky.social')}",
        f"facebook.com/profile.php?id={pseudo.account_id('facebook', '123')}",
        "www.instagram.com/p/Cx1/", "https://twitter.com/i/web/status/5"]
    assert resolver.text_needs_pass("see x.com/jo") and not resolver.text_needs_pass("nothing to see")


def test_post_references_carry_the_pseudonym_of_the_account_they_embed(resolver):
    pseudo, ref = resolver.pseudonymiser, resolver.post_ref
    did = "did:plc:abc123"
    post = f"at://{did}/app.bsky.feed.post/3k2y"
    assert ref("bluesky", post) == f"at://{pseudo.account_id('bluesky', did)}/app.bsky.feed.post/3k2y"
    assert ref("bluesky", f"repost:did:plc:xyz:{post}") == (
        f"repost:{pseudo.account_id('bluesky', 'did:plc:xyz')}:{ref('bluesky', post)}")
    assert ref("facebook", "987654321_678") == f"{pseudo.account_id('facebook', '987654321')}_678"
    uri = ref("mastodon", "https://other.social/users/ann/statuses/9")
    assert uri == f"https://other.social/users/{pseudo.handle('mastodon', 'ann@other.social')}/statuses/9"
    assert ref("instagram", "17_55") == f"17_{pseudo.account_id('instagram', '55')}"
    assert ref("twitter", "1234") == "1234" and ref("twitter", "12_34") == "12_34" and ref("bluesky", None) is None
    assert ref("bluesky", ref("bluesky", post)) == ref("bluesky", post)  # a pseudonymised reference stays


def test_citizen_post_links_are_id_only_or_dropped(resolver):
    url = resolver.post_url
    x_link = url("twitter", "42", "https://x.com/jo_bloggs/status/42", "7", "jo_bloggs")
    assert x_link == "https://x.com/i/web/status/42"
    assert url("mastodon", "1145", "https://mastodon.green/@rosiec/1145", "9", "rosiec@mastodon.green") is None
    assert url("bluesky", "at://x", "https://bsky.app/profile/did:plc:abc/post/3k", "did:plc:abc", None) is None
    assert url("facebook", "1_2", "https://www.facebook.com/1/posts/2", "1", None) is None
    kept = "https://www.youtube.com/watch?v=abc&lc=Ugx1"
    assert url("youtube", "Ugx1", kept, "UCchannel", "someone") == kept
    assert url("instagram", "5", "https://www.instagram.com/p/Cx1/", "8", "ann") == "https://www.instagram.com/p/Cx1/"


def test_notice_details_are_scrubbed_of_account_references(resolver):
    detail = {"uri": "at://did:plc:abc/app.bsky.feed.post/1", "ids": ["https://h.social/users/ann/statuses/2/activity"],
              "message": "@ann not found", "count": 3}
    scrubbed = resolver.scrub_detail("bluesky", detail)
    assert "did:plc:abc" not in str(scrubbed) and "ann" not in str(scrubbed) and scrubbed["count"] == 3


@pytest.mark.parametrize("key_bytes", [16, 32, 64, 65, 200])
def test_pseudonyms_in_sql_equal_the_python_hmac(key_bytes):
    """DuckDB's sha256 over BLOBs, with the key pads as parameters, gives the same pseudonyms as
    `hmac.digest`, for any key length and any text (non-ASCII, NUL, long)."""
    rng = random.Random(key_bytes)
    pseudo = Pseudonymiser(rng.randbytes(key_bytes))
    values = ["", "0", "a\x00b", "名前", "Ünïcødé", "emoji 😀", "x" * 500] + [
        "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(160, 0x2FFF)])) for _ in range(rng.randrange(1, 30)))
        for _ in range(300)]
    con = duckdb.connect()
    con.execute("CREATE TABLE v (value VARCHAR)")
    con.executemany("INSERT INTO v VALUES (?)", [[value] for value in values])
    for kind in ("id", "handle"):
        got = dict(con.execute(f"SELECT value, {pseudonym_sql('twitter', kind, 'value')} FROM v",
                               pseudo.hmac_pads()).fetchall())
        assert got == {value: pseudo._digest("twitter", kind, value) for value in values}


@pytest.mark.parametrize(("platform", "kind"), [("twitter' || 'x", "id"), ("twitter", "id'")])
def test_pseudonym_sql_refuses_a_platform_or_kind_that_is_not_a_word(platform, kind):
    """They are quoted into the SQL text as they are: anything but a word is refused (also under `python -O`)."""
    with pytest.raises(ValueError, match="must be words"):
        pseudonym_sql(platform, kind, "value")
