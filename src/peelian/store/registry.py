"""The registry of police (and partner) accounts, and re-tagging posts when it changes.

Authors not in the registry are citizens. Importing a registry replaces the previous
one and re-tags everything already stored: accounts that became police get their real
ids and handles back (matched through their pseudonyms), accounts that left the
registry are pseudonymised, and every post's author role, force and type are refreshed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from peelian.errors import RegistryError
from peelian.store.arrowsql import execute_with
from peelian.store.csv_text import read_csv_text, sniff_delimiter
from peelian.store.privacy import normalise_handle
from peelian.store.project import Project, utcnow
from peelian.store.schema import ACCOUNT_TYPES, role_for_account_type

POLICE_UK_SOURCE = "police.uk:"  # source_path prefix of entries read from police.uk (peelian.store.policeuk)
REQUIRED = ("platform", "force", "account_type")
OPTIONAL = ("handle", "account_id", "unit", "time_zone", "notes")
PLATFORM_ALIASES = {"x": "twitter", "twitter": "twitter", "x.com": "twitter", "facebook": "facebook", "fb": "facebook",
                    "mastodon": "mastodon", "bluesky": "bluesky", "bsky": "bluesky", "instagram": "instagram",
                    "youtube": "youtube", "tiktok": "tiktok"}


@dataclass
class RegistryReport:
    entries: int
    forces: list[str]
    accounts_tagged: int
    posts_retagged: int


def read_registry_csv(path: Path) -> list[dict[str, str | int | None]]:
    """Validate every row; report all bad rows at once, naming each."""
    text = read_csv_text(path, RegistryError, "the registry")
    reader = csv.DictReader(io.StringIO(text), delimiter=sniff_delimiter(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing or not ({"handle", "account_id"} & set(header)):
        need = missing + ([] if {"handle", "account_id"} & set(header) else ["handle or account_id"])
        raise RegistryError(f"missing required column(s): {', '.join(need)} (found: {', '.join(header) or 'none'})",
                            path=str(path), location="header")
    rows, problems = [], []
    for number, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        platform = PLATFORM_ALIASES.get(row.get("platform", "").lower())
        account_type = row.get("account_type", "").lower()
        time_zone = row.get("time_zone") or "Europe/London"
        errors = []
        if not platform:
            errors.append(f"unknown platform {row.get('platform')!r} (known: {', '.join(sorted(set(PLATFORM_ALIASES.values())))})")
        if not row.get("force"):
            errors.append("force is empty")
        if account_type not in ACCOUNT_TYPES:
            errors.append(f"account_type {row.get('account_type')!r} is not one of {', '.join(ACCOUNT_TYPES)}")
        if not row.get("handle") and not row.get("account_id"):
            errors.append("needs a handle or an account_id")
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(f"unknown time zone {time_zone!r} (use an IANA name such as Europe/London)")
        if errors:
            problems.append(f"row {number}: " + "; ".join(errors))
            continue
        rows.append({
            "platform": platform, "handle": normalise_handle(row["handle"]) if row.get("handle") else None,
            "account_id": row.get("account_id") or None, "force": row["force"], "account_type": account_type,
            "unit": row.get("unit") or None, "time_zone": time_zone, "notes": row.get("notes") or None,
            "source_row": number,
        })
    if problems:
        raise RegistryError("invalid rows, nothing was imported:\n  " + "\n  ".join(problems), path=str(path))
    if not rows:
        raise RegistryError("the registry has no rows", path=str(path))
    return rows


def import_registry(project: Project, path: str | Path) -> RegistryReport:
    path = Path(path)
    rows = read_registry_csv(path)
    now = utcnow()
    with project.transaction() as con:
        # The CSV is the hand-kept registry: it replaces the hand-kept entries; entries read from police.uk
        # stay, except where the CSV names the same account (the hand-kept entry wins).
        con.execute("DELETE FROM registry WHERE source_path IS NULL OR NOT starts_with(source_path, ?)",
                    [POLICE_UK_SOURCE])
        con.executemany(
            "INSERT INTO registry (platform, handle, account_id, force, account_type, unit, time_zone, notes, "
            "source_path, source_row, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(r["platform"], r["handle"], r["account_id"], r["force"], r["account_type"], r["unit"], r["time_zone"],
              r["notes"], str(path), r["source_row"], now) for r in rows],
        )
        drop_shadowed_policeuk_rows(con)
        tagged, retagged = retag(project)
    forces = sorted({str(r["force"]) for r in rows})
    return RegistryReport(entries=len(rows), forces=forces, accounts_tagged=tagged, posts_retagged=retagged)


def drop_shadowed_policeuk_rows(con: Any) -> None:
    """Remove police.uk entries for an account that a hand-kept entry names, and older police.uk entries
    for an account that a newer police.uk import lists (under another force, say)."""
    same = ("r.platform = registry.platform AND ((r.handle IS NOT NULL AND r.handle = registry.handle) "
            "OR (r.account_id IS NOT NULL AND r.account_id = registry.account_id))")
    con.execute(
        f"""DELETE FROM registry WHERE starts_with(source_path, $p) AND (
              EXISTS (SELECT 1 FROM registry r WHERE (r.source_path IS NULL OR NOT starts_with(r.source_path, $p))
                      AND {same})
           OR EXISTS (SELECT 1 FROM registry r WHERE starts_with(r.source_path, $p)
                      AND r.imported_at > registry.imported_at AND {same}))""",
        {"p": POLICE_UK_SOURCE})


def retag(project: Project) -> tuple[int, int]:
    """Bring stored accounts and posts in line with the registry. Runs inside the caller's transaction."""
    con = project.con
    pseudo = project.pseudonymiser if project.pseudonymise_citizens else None
    registry = con.execute("SELECT platform, handle, account_id, force, account_type, unit FROM registry").fetchall()
    accounts = con.execute("SELECT platform, account_id, handle, pseudonymised, role FROM accounts").fetchall()
    by_key: dict[tuple[str, str, str], tuple] = {}
    for entry in registry:
        platform, handle, account_id = entry[0], entry[1], entry[2]
        if account_id:
            by_key[(platform, "id", account_id)] = entry
            if pseudo:
                by_key[(platform, "id", pseudo.account_id(platform, account_id))] = entry
        if handle:
            by_key[(platform, "handle", handle)] = entry
            by_key[(platform, "id", "@" + handle)] = entry
            if pseudo:
                by_key[(platform, "handle", pseudo.handle(platform, handle))] = entry
                by_key[(platform, "id", pseudo.account_id(platform, "@" + handle))] = entry
    rows = []  # old id, new id, old handle, new handle, display name keep?, pseudonymised, role, force, type, unit
    for platform, account_id, handle, pseudonymised, role in accounts:
        entry = by_key.get((platform, "id", account_id)) or (
            by_key.get((platform, "handle", normalise_handle(handle))) if handle else None)
        if entry is not None:
            new_id = entry[2] or (account_id if not pseudonymised else "@" + entry[1])
            new_handle = entry[1] or (handle if not pseudonymised else None)
            rows.append((platform, account_id, new_id, handle, new_handle, False,
                         role_for_account_type(entry[4]),
                         entry[3], entry[4], entry[5]))
        elif role != "citizen" or (pseudo and not pseudonymised):
            new_id = pseudo.account_id(platform, account_id) if pseudo and not pseudonymised else account_id
            new_handle = pseudo.handle(platform, handle) if pseudo and handle and not pseudonymised else handle
            rows.append((platform, account_id, new_id, handle, new_handle, bool(pseudo) or pseudonymised,
                         "citizen", None, None, None))
    if not rows:
        return 0, 0
    names = ["platform", "old_id", "new_id", "old_handle", "new_handle", "pseudonymised", "role", "force",
             "account_type", "unit"]
    table = pa.Table.from_arrays([pa.array([r[i] for r in rows]) for i in range(len(names))], names=names)
    execute_with(con, "CREATE OR REPLACE TEMP TABLE retag_map AS SELECT * FROM _retag", _retag=table)
    con.execute(
        """UPDATE accounts a SET account_id = m.new_id, handle = m.new_handle, pseudonymised = m.pseudonymised,
               display_name = CASE WHEN m.pseudonymised THEN NULL ELSE a.display_name END,
               role = m.role, force = m.force, account_type = m.account_type, unit = m.unit
           FROM retag_map m WHERE a.platform = m.platform AND a.account_id = m.old_id"""
    )
    posts = con.execute(
        """UPDATE posts p SET author_id = m.new_id, author_handle = m.new_handle, author_role = m.role,
               author_force = m.force, author_account_type = m.account_type
           FROM retag_map m WHERE p.platform = m.platform AND p.author_id = m.old_id"""
    ).fetchone()[0]
    con.execute(
        """UPDATE posts p SET reply_to_account_id = m.new_id FROM retag_map m
           WHERE p.platform = m.platform AND p.reply_to_account_id = m.old_id AND m.old_id <> m.new_id"""
    )
    con.execute(
        """UPDATE mentions t SET account_id = m.new_id, handle = m.new_handle FROM retag_map m
           WHERE t.platform = m.platform AND (t.account_id = m.old_id OR t.handle = m.old_handle)"""
    )
    # @handles inside post text follow the account's new form.
    for platform, _old_id, _new_id, old_handle, new_handle, *_ in rows:
        if old_handle and new_handle and old_handle != new_handle:
            con.execute(
                "UPDATE posts SET text = regexp_replace(text, ?, ?, 'gi') WHERE platform = ? AND contains(lower(text), lower(?))",
                [r"(^|[^\w@/])@" + _regex_escape(old_handle) + r"\b", r"\1@" + new_handle, platform, "@" + old_handle],
            )
    con.execute("DROP TABLE retag_map")
    return len(rows), int(posts)


def _regex_escape(text: str) -> str:
    return "".join("\\" + ch if ch in r".^$*+?{}[]\|()" else ch for ch in text)


def force_time_zones(project: Project) -> dict[str, str]:
    """Each force's time zone (for office hours); Europe/London unless the registry says otherwise."""
    return {
        force: tz
        for force, tz in project.con.execute(
            "SELECT force, any_value(time_zone) FROM registry GROUP BY force"
        ).fetchall()
    }
