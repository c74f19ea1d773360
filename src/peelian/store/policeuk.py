"""The police-account registry from police.uk's published contacts (data.police.uk API responses).

Forces publish their corporate accounts as `engagement_methods` (`/api/forces/{force}`) and each
neighbourhood team its own as `contact_details` (`/api/{force}/{neighbourhood}`). Each link is read
as a platform account: X/Twitter, Facebook, Instagram, YouTube, Bluesky, TikTok and Mastodon; other
links (web sites, e-mail, Flickr, RSS) are counted and left out. Force accounts become
`force_corporate`, neighbourhood accounts `team` with the neighbourhood as unit.

The merge never loses a hand-kept entry: a registry row that did not come from police.uk wins over
a police.uk row for the same account, and only police.uk rows of the forces being imported are
replaced. Rows from police.uk carry `source_path` = `police.uk:<file>`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from peelian.errors import RegistryError
from peelian.store.privacy import normalise_handle
from peelian.store.project import Project, utcnow
from peelian.store.registry import POLICE_UK_SOURCE, drop_shadowed_policeuk_rows, retag

FORCE, TEAM = "force_corporate", "team"
HOSTS = {
    "twitter.com": "twitter", "x.com": "twitter", "mobile.twitter.com": "twitter",
    "facebook.com": "facebook", "fb.com": "facebook", "m.facebook.com": "facebook",
    "instagram.com": "instagram", "youtube.com": "youtube", "m.youtube.com": "youtube",
    "bsky.app": "bluesky", "tiktok.com": "tiktok",
}
CONTACT_KEYS = {"twitter": "twitter", "facebook": "facebook", "youtube": "youtube", "instagram": "instagram",
                "bluesky": "bluesky", "tiktok": "tiktok", "x": "twitter"}
NOT_ACCOUNTS = {"intent", "share", "sharer", "sharer.php", "home", "search", "hashtag", "i", "watch", "groups",
                "events", "login", "signup", "explore", "p", "reel", "tv", "results", "playlist", "embed"}
_HANDLE = re.compile(r"^@?[A-Za-z0-9_.-]{1,100}$")


@dataclass
class Entry:
    """One account read from police.uk."""

    platform: str
    handle: str | None
    account_id: str | None
    force: str
    account_type: str
    unit: str | None
    url: str
    source: str

    @property
    def keys(self) -> list[tuple[str, str, str]]:
        return ([(self.platform, "handle", self.handle)] if self.handle else []) + (
            [(self.platform, "id", self.account_id)] if self.account_id else [])


@dataclass
class PoliceUkReport:
    files: int
    forces: list[str]
    accounts: int
    added: int
    kept_manual: list[str] = field(default_factory=list)
    replaced: int = 0
    skipped_links: dict[str, int] = field(default_factory=dict)
    accounts_tagged: int = 0
    posts_retagged: int = 0


def account_from_url(url: str, hint: str | None = None) -> tuple[str, str | None, str | None] | None:
    """(platform, handle, account id) of a social-media link, or None for any other link. A bare
    handle (no slash, no dot) counts for the platform named by `hint` (the contact's key)."""
    text = url.strip()
    if hint in CONTACT_KEYS and _HANDLE.match(text) and "." not in text:
        return CONTACT_KEYS[hint], normalise_handle(text), None
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.netloc.lower().split("@")[-1].split(":")[0]
    host = host[4:] if host.startswith("www.") else host
    path = [p for p in parts.path.split("/") if p]
    if parts.fragment.startswith("!/"):  # twitter.com/#!/handle
        path = [p for p in parts.fragment[2:].split("/") if p]
    platform = HOSTS.get(host)
    if platform is None:
        if len(path) == 1 and path[0].startswith("@") and len(path[0]) > 1 and "." in host:
            return "mastodon", normalise_handle(f"{path[0][1:]}@{host}"), None
        return None
    if not path:
        return None
    first = path[0]
    if platform == "facebook":
        if first == "profile.php":
            ids = parse_qs(parts.query).get("id")
            return ("facebook", None, ids[0]) if ids and ids[0].isdigit() else None
        if first == "pages" and len(path) >= 2:
            return ("facebook", None, path[-1]) if path[-1].isdigit() else ("facebook", normalise_handle(path[1]),
                                                                            None)
        if first.lower() in NOT_ACCOUNTS:
            return None
        return "facebook", normalise_handle(first), None
    if platform == "youtube":
        if first in ("user", "c") and len(path) >= 2:
            return "youtube", normalise_handle(path[1]), None
        if first == "channel" and len(path) >= 2:
            return "youtube", None, path[1]
        if first.lower() in NOT_ACCOUNTS:
            return None
        return "youtube", normalise_handle(first), None
    if platform == "bluesky":
        if first == "profile" and len(path) >= 2:
            who = path[1]
            return ("bluesky", None, who) if who.startswith("did:") else ("bluesky", normalise_handle(who), None)
        return None
    if platform == "tiktok":
        return ("tiktok", normalise_handle(first), None) if first.startswith("@") else None
    if first.lower() in NOT_ACCOUNTS or not _HANDLE.match(first):
        return None
    return platform, normalise_handle(first), None


def read_policeuk(paths: list[Path]) -> tuple[list[Entry], list[str], Counter[str], int]:
    """(accounts, the forces the files cover, skipped links by kind, files read) from police.uk responses."""
    files = _json_files(paths)
    names: dict[str, str] = {}
    force_details: list[tuple[Path, dict[str, Any]]] = []
    neighbourhoods: list[tuple[Path, dict[str, Any]]] = []
    for path in files:
        value = _load(path)
        if isinstance(value, dict) and _is_force(value):
            force_details.append((path, value))
        elif isinstance(value, dict) and _is_neighbourhood(value):
            neighbourhoods.append((path, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) and _is_force(v) for v in value):
            force_details += [(path, v) for v in value]
        elif isinstance(value, list) and all(isinstance(v, dict) and {"id", "name"} <= set(v) for v in value):
            if not _is_neighbourhood_list(path):
                names.update({str(v["id"]): str(v["name"]) for v in value})
        else:
            raise RegistryError("not a police.uk forces, force, neighbourhoods or neighbourhood response",
                                path=str(path))
    for _, detail in force_details:
        names.setdefault(str(detail["id"]), str(detail.get("name") or detail["id"]))
    hosts = {_host(d.get("url")): str(d["id"]) for _, d in force_details if _host(d.get("url"))}
    entries: list[Entry] = []
    skipped: Counter[str] = Counter()
    covered: set[str] = set()
    for path, detail in force_details:
        force = names[str(detail["id"])]
        covered.add(force)
        methods = detail.get("engagement_methods") or []
        if not isinstance(methods, list):
            raise RegistryError("engagement_methods is not a list", path=str(path), location=str(detail["id"]))
        for method in methods:
            if not isinstance(method, dict) or not isinstance(method.get("url"), str):
                continue
            hint = str(method.get("type") or method.get("title") or "").lower()
            found = account_from_url(method["url"], hint)
            if found is None:
                skipped[hint or _host(method["url"]) or "link"] += 1
                continue
            entries.append(Entry(*found, force=force, account_type=FORCE, unit=None, url=method["url"],
                                 source=str(path)))
    for path, detail in neighbourhoods:
        force_id = _force_of(path, detail, names, hosts)
        force = names.get(force_id, force_id)
        covered.add(force)
        unit = str(detail.get("name") or detail.get("id") or path.stem)
        contacts = detail.get("contact_details") or {}
        if not isinstance(contacts, dict):
            raise RegistryError("contact_details is not an object", path=str(path))
        for key, value in contacts.items():
            if not isinstance(value, str) or not value.strip():
                continue
            found = account_from_url(value, key.lower()) if key.lower() not in ("email", "telephone", "mobile",
                                                                                   "fax", "address") else None
            if found is None:
                skipped[key.lower()] += 1
                continue
            entries.append(Entry(*found, force=force, account_type=TEAM, unit=unit, url=value, source=str(path)))
    return entries, sorted(covered), skipped, len(files)


def import_policeuk(project: Project, paths: list[str | Path]) -> PoliceUkReport:
    """Merge the accounts police.uk publishes into the registry, then re-tag stored posts."""
    entries, forces, skipped, files = read_policeuk([Path(p) for p in paths])
    if not forces:
        raise RegistryError("no force or neighbourhood response among the files (names only: give "
                            "/forces/{force} or /{force}/{neighbourhood} responses)",
                            path=", ".join(str(p) for p in paths))
    unique = _dedup(entries)
    now = utcnow()
    with project.transaction() as con:
        manual: set[tuple[str, str, str]] = set()
        for platform, handle, account_id in con.execute(
                "SELECT platform, handle, account_id FROM registry WHERE source_path IS NULL "
                "OR NOT starts_with(source_path, ?)", [POLICE_UK_SOURCE]).fetchall():
            if handle:
                manual.add((platform, "handle", normalise_handle(handle)))
            if account_id:
                manual.add((platform, "id", account_id))
        kept = [e for e in unique if any(k in manual for k in e.keys)]
        added = [e for e in unique if e not in kept]
        replaced = con.execute(
            f"DELETE FROM registry WHERE starts_with(source_path, ?) AND force IN ({', '.join('?' for _ in forces)})",
            [POLICE_UK_SOURCE, *forces]).fetchone()[0]
        con.executemany(
            "INSERT INTO registry (platform, handle, account_id, force, account_type, unit, time_zone, notes, "
            "source_path, source_row, imported_at) VALUES (?, ?, ?, ?, ?, ?, 'Europe/London', ?, ?, NULL, ?)",
            [(e.platform, e.handle, e.account_id, e.force, e.account_type, e.unit, f"police.uk: {e.url}",
              POLICE_UK_SOURCE + e.source, now) for e in added])
        drop_shadowed_policeuk_rows(con)  # an account police.uk now lists under another force
        tagged, retagged = retag(project)
    return PoliceUkReport(files=files, forces=forces, accounts=len(unique), added=len(added),
                          kept_manual=[f"{e.platform} {e.handle or e.account_id}" for e in kept],
                          replaced=int(replaced), skipped_links=dict(skipped.most_common()),
                          accounts_tagged=tagged, posts_retagged=retagged)


def _dedup(entries: list[Entry]) -> list[Entry]:
    """One entry per account: a force's own listing beats a neighbourhood's, the first listing the rest."""
    chosen: dict[tuple[str, str, str], Entry] = {}
    out: list[Entry] = []
    for entry in sorted(entries, key=lambda e: e.account_type != FORCE):
        if any(k in chosen for k in entry.keys):
            continue
        for key in entry.keys:
            chosen[key] = entry
        out.append(entry)
    return out


def _json_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*.json") if p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
            if not inside:
                raise RegistryError("the folder holds no .json files", path=str(path))
            files += inside
        elif path.is_file():
            files.append(path)
        else:
            raise RegistryError("no such file or folder", path=str(path))
    return files


def _load(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise RegistryError(f"not valid JSON ({exc})", path=str(path)) from exc
    except OSError as exc:
        raise RegistryError(f"cannot read: {exc.strerror}", path=str(path)) from exc


def _is_force(value: dict[str, Any]) -> bool:
    return "id" in value and "name" in value and "engagement_methods" in value


def _is_neighbourhood(value: dict[str, Any]) -> bool:
    return "id" in value and "contact_details" in value


def _is_neighbourhood_list(path: Path) -> bool:
    return "neighbourhood" in path.name.lower() or any("neighbourhood" in p.lower() for p in path.parent.parts[-1:])


def _host(url: Any) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return None
    host = urlsplit(url if "://" in url else "https://" + url).netloc.lower()
    return host[4:] if host.startswith("www.") else host or None


def _force_of(path: Path, detail: dict[str, Any], names: dict[str, str], hosts: dict[str, str]) -> str:
    """The force of a neighbourhood response, which does not name it: the folder it is in
    (`neighbourhoods/<force>/<id>.json`), else the force whose web site hosts its `url_force`."""
    folder = path.parent.name
    if folder in names or (folder and "neighbourhood" not in folder.lower()):
        return folder
    host = _host(detail.get("url_force"))
    if host and host in hosts:
        return hosts[host]
    raise RegistryError("cannot tell which force this neighbourhood belongs to: keep each force's "
                        "neighbourhoods in a folder named after the force id (neighbourhoods/<force>/<id>.json)",
                        path=str(path))
