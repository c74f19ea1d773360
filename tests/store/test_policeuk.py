"""The registry from police.uk force and neighbourhood responses (written from the API's documented
shapes in tests/data/policeuk), merged with a hand-kept registry without losing its entries."""

from __future__ import annotations

import shutil

import orjson
import pytest

from peelian.errors import RegistryError
from peelian.ingest import import_file
from peelian.store.policeuk import account_from_url, import_policeuk, read_policeuk
from peelian.store.registry import import_registry
from tests.conftest import DATA

POLICEUK = DATA / "policeuk"


def registry(project) -> set[tuple]:
    return set(project.con.execute(
        "SELECT platform, handle, account_id, force, account_type, unit, starts_with(source_path, 'police.uk:') "
        "FROM registry").fetchall())


@pytest.mark.parametrize("url, hint, expected", [
    ("http://www.twitter.com/leicspolice", "twitter", ("twitter", "leicspolice", None)),
    ("https://x.com/WMPolice", "twitter", ("twitter", "wmpolice", None)),
    ("https://twitter.com/#!/LeicsCulturalQ", "twitter", ("twitter", "leicsculturalq", None)),
    ("https://twitter.com/intent/follow?screen_name=x", "twitter", None),
    ("http://www.facebook.com/pages/Leicester/Leicestershire-Police/76807881169", "facebook",
     ("facebook", None, "76807881169")),
    ("https://www.facebook.com/profile.php?id=100064", "facebook", ("facebook", None, "100064")),
    ("https://m.facebook.com/westmidlandspolice/", "facebook", ("facebook", "westmidlandspolice", None)),
    ("https://www.instagram.com/westmidlandspolice/", "instagram", ("instagram", "westmidlandspolice", None)),
    ("https://www.youtube.com/user/WestMidlandsPolice", "youtube", ("youtube", "westmidlandspolice", None)),
    ("https://www.youtube.com/channel/UCabc123", "youtube", ("youtube", None, "UCabc123")),
    ("https://www.youtube.com/@leicspolice", "youtube", ("youtube", "leicspolice", None)),
    ("https://bsky.app/profile/westmidlandspolice.bsky.social", "bluesky",
     ("bluesky", "westmidlandspolice.bsky.social", None)),
    ("https://bsky.app/profile/did:plc:abc", "bluesky", ("bluesky", None, "did:plc:abc")),
    ("https://www.tiktok.com/@wmpolice", "tiktok", ("tiktok", "wmpolice", None)),
    ("https://mastodon.social/@wmpshirley", "mastodon", ("mastodon", "wmpshirley@mastodon.social", None)),
    ("@LeicsPolice", "twitter", ("twitter", "leicspolice", None)),
    ("http://www.leics.police.uk/rss/", "rss", None),
    ("https://www.flickr.com/photos/wmpolice", "flickr", None),
])
def test_links_become_accounts(url, hint, expected):
    assert account_from_url(url, hint) == expected


def test_force_and_neighbourhood_responses_give_typed_accounts():
    entries, forces, skipped, files = read_policeuk([POLICEUK])
    assert files == 8 and forces == ["Leicestershire Police", "West Midlands Police"]
    got = {(e.platform, e.handle, e.account_id, e.force, e.account_type, e.unit) for e in entries}
    assert ("facebook", None, "76807881169", "Leicestershire Police", "force_corporate", None) in got
    assert ("twitter", "centralleicsnpa", None, "Leicestershire Police", "team", "City Centre") in got
    assert ("twitter", "leicsculturalq", None, "Leicestershire Police", "team", "Cultural Quarter") in got
    assert ("bluesky", "westmidlandspolice.bsky.social", None, "West Midlands Police", "force_corporate", None) in got
    assert ("mastodon", "wmpshirley@mastodon.social", None, "West Midlands Police", "team", "Shirley") in got
    assert skipped == {"rss": 1, "flickr": 1, "telephone": 2, "email": 2, "e-messaging": 1, "web": 1}


def test_import_merges_dedups_and_retags_stored_posts(project, tmp_path):
    feed = {"feed": [{"post": {
        "uri": "at://did:plc:wmp/app.bsky.feed.post/3k1", "cid": "b",
        "author": {"did": "did:plc:wmp", "handle": "westmidlandspolice.bsky.social"},
        "record": {"$type": "app.bsky.feed.post", "text": "Appeal", "createdAt": "2025-01-02T10:00:00Z"}}}]}
    (tmp_path / "feed.json").write_bytes(orjson.dumps(feed))
    import_file(project, tmp_path / "feed.json")
    report = import_policeuk(project, [POLICEUK / "forces.json", POLICEUK / "forces", POLICEUK / "neighbourhoods"])
    # WMPolice is listed by the force and by Shirley: one force entry
    assert report.accounts == report.added == 15 and not report.kept_manual
    rows = registry(project)
    assert ("twitter", "wmpolice", None, "West Midlands Police", "force_corporate", None, True) in rows
    assert not any(r[1] == "wmpolice" and r[4] == "team" for r in rows)
    post = project.query("SELECT author_role, author_force, author_account_type, author_handle FROM posts")
    assert post == [{"author_role": "police", "author_force": "West Midlands Police",
                     "author_account_type": "force_corporate", "author_handle": "westmidlandspolice.bsky.social"}]
    assert report.posts_retagged == 1


def test_hand_kept_entries_win_and_survive_both_imports(project, tmp_path):
    hand = tmp_path / "hand.csv"
    hand.write_text("platform,handle,account_id,force,account_type,unit,notes\n"
                    "twitter,LeicsPolice,,Leicestershire,force_corporate,,checked by hand\n"
                    "twitter,PCSmith,,Leicestershire,officer,City,\n")
    import_registry(project, hand)
    report = import_policeuk(project, [POLICEUK])
    assert report.kept_manual == ["twitter leicspolice"]
    rows = registry(project)
    assert ("twitter", "leicspolice", None, "Leicestershire", "force_corporate", None, False) in rows
    assert ("twitter", "pcsmith", None, "Leicestershire", "officer", "City", False) in rows
    assert not any(r[:2] == ("twitter", "leicspolice") and r[6] for r in rows)
    assert project.scalar("SELECT notes FROM registry WHERE handle = 'leicspolice' AND platform = 'twitter'") \
        == "checked by hand"
    # the hand-kept CSV imported again replaces only the hand-kept entries: police.uk's stay
    hand.write_text("platform,handle,account_id,force,account_type\n"
                    "twitter,WMPSolihull,,West Midlands,team\n")
    import_registry(project, hand)
    rows = registry(project)
    assert ("twitter", "wmpsolihull", None, "West Midlands", "team", None, False) in rows
    assert not any(r[:2] == ("twitter", "wmpsolihull") and r[6] for r in rows)
    assert not any(r[1] == "pcsmith" for r in rows)
    assert ("twitter", "leicspolice", None, "Leicestershire Police", "force_corporate", None, True) not in rows
    assert ("twitter", "centralleicsnpa", None, "Leicestershire Police", "team", "City Centre", True) in rows


def test_a_force_imported_again_drops_what_police_uk_no_longer_lists_and_leaves_other_forces(project, tmp_path):
    import_policeuk(project, [POLICEUK])
    copy = tmp_path / "policeuk"
    shutil.copytree(POLICEUK, copy)
    shutil.rmtree(copy / "neighbourhoods" / "west-midlands")
    detail = orjson.loads((copy / "forces" / "leicestershire.json").read_bytes())
    detail["engagement_methods"] = [m for m in detail["engagement_methods"] if m["title"] != "youtube"]
    (copy / "forces" / "leicestershire.json").write_bytes(orjson.dumps(detail))
    (copy / "forces" / "west-midlands.json").unlink()
    report = import_policeuk(project, [copy / "forces.json", copy / "forces", copy / "neighbourhoods"])
    assert report.forces == ["Leicestershire Police"]
    rows = registry(project)
    assert not any(r[0] == "youtube" and r[3] == "Leicestershire Police" for r in rows)
    assert ("youtube", "westmidlandspolice", None, "West Midlands Police", "force_corporate", None, True) in rows
    assert ("instagram", "wmpsolihull", None, "West Midlands Police", "team", "Solihull Town Centre", True) in rows


def test_bad_inputs_are_named(project, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"crimes": []}')
    with pytest.raises(RegistryError, match="bad.json: not a police.uk forces, force, neighbourhoods"):
        import_policeuk(project, [bad])
    loose = tmp_path / "neighbourhoods"
    loose.mkdir()
    shutil.copy(POLICEUK / "neighbourhoods" / "leicestershire" / "NC04.json", loose)
    with pytest.raises(RegistryError, match="cannot tell which force this neighbourhood belongs to"):
        import_policeuk(project, [loose])
    # with the force's response, its web site tells the neighbourhood's force
    report = import_policeuk(project, [loose, POLICEUK / "forces" / "leicestershire.json"])
    assert report.forces == ["Leicestershire Police"]
    with pytest.raises(RegistryError, match="no force or neighbourhood response"):
        import_policeuk(project, [POLICEUK / "forces.json"])
    assert project.scalar("SELECT count(*) FROM registry") == report.added


def test_cli_import_policeuk(cli, project_path):
    result = cli("registry", "import-policeuk", project_path, POLICEUK / "forces.json", POLICEUK / "forces",
                 POLICEUK / "neighbourhoods")
    assert result.exit_code == 0, result.output
    assert "police.uk: 15 accounts of 2 force(s)" in result.output
    as_json = cli("registry", "import-policeuk", project_path, POLICEUK, "--json")
    summary = orjson.loads(as_json.output)
    assert summary["accounts"] == 15 and summary["replaced"] == 15 and summary["skipped_links"]["flickr"] == 1
    shown = orjson.loads(cli("registry", "show", project_path, "--json").output)
    assert {r["source"] for r in shown} == {"police.uk"} and len(shown) == 15
