"""The coding interface's library side: items as JSON, saving a whole post at once, prefetching.

Built on `peelian.coding` (queue, items, append-only codings, undo). The page keeps the
next item in memory (`item_after`), so moving on after a save shows it at once while the
save travels in the background; keyboard shortcuts come from the codebook's `key`s, and
codes without one get the digits 1-9.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from peelian.coding.codebook import active_codebook
from peelian.coding.codings import (
    STATUSES,
    assigned_samples,
    coding_item,
    coding_queue,
    record_coding,
    undo_last,
    validate_codes,
)
from peelian.errors import CodingError
from peelian.store.project import Project
from peelian.web.present import present_rows

@dataclass
class Decision:
    """What the coder chose on one dimension of the post."""

    dimension: str
    codes: list[str]


def _post_view(post: dict[str, Any] | None, show_identities: bool, known_handles: frozenset[str]) -> dict[str, Any] | None:
    if post is None:
        return None
    row = present_rows([post], show_identities, known_handles)[0]
    return {"platform": row["platform"], "post_id": row["post_id"], "who": row["who"], "body": row["body"],
            "role": row.get("author_role"), "account_type": row.get("author_account_type"),
            "force": row.get("author_force"), "kind": row.get("kind"),
            "created_at": row["created_at"].strftime("%Y-%m-%d %H:%M") if row.get("created_at") else None,
            "conversation_id": row.get("conversation_id")}


def _with_keys(dimensions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every code gets a single-key shortcut: the codebook's, else the next free digit."""
    for dim in dimensions:
        used = {str(c["key"]).lower() for c in dim["codes"] if c.get("key")}
        digits = (d for d in "123456789" if d not in used)
        for code in dim["codes"]:
            if not code.get("key"):
                code["key"] = next(digits, None)
    return dimensions


def item_json(item: Any, show_identities: bool, known_handles: frozenset[str]) -> dict[str, Any] | None:
    """A CodingItem as the page's JSON; citizen identities masked as for any other page."""
    if item is None:
        return None
    thread = [_post_view(p, show_identities, known_handles) for p in item.thread]
    post = _post_view(item.post, show_identities, known_handles)
    return {
        "sample": item.sample, "position": item.position,
        "post": post,
        "parent": _post_view(item.parent, show_identities, known_handles),
        "root": _post_view(item.root, show_identities, known_handles),
        "thread": [t for t in thread if t and post and t["post_id"] != post["post_id"]][-5:],
        "dimensions": _with_keys(item.dimensions), "progress": item.progress,
        "codebook_version": item.codebook_version,
    }


def item_after(project: Project, coder: str, platform: str, post_id: str, sample: str | None = None) -> Any:
    """The first unfinished item after (platform, post_id) in the coder's queue: what the page prefetches."""
    queue = coding_queue(project, coder, sample)
    after = None
    for index, entry in enumerate(queue):
        if entry.platform == platform and entry.post_id == post_id and (sample is None or entry.sample == sample):
            after = index
            break
    candidates = queue[after + 1:] + queue[:after] if after is not None else queue
    for entry in candidates:
        if entry.status in ("todo", "partial") and not (entry.platform == platform and entry.post_id == post_id):
            return coding_item(project, coder, entry.platform, entry.post_id, sample=entry.sample)
    return None


def save_item(project: Project, coder: str, platform: str, post_id: str, decisions: list[Decision], *,
              status: str = "coded", note: str | None = None, sample: str | None = None,
              assigned_only: bool = False) -> int:
    """Record the coder's decisions on every dimension of one post; returns how many rows were added.

    `status` applies to the whole post: `skipped` records every dimension as skipped,
    `flagged` keeps whatever codes were chosen and the note. Every dimension is checked
    before anything is written, so a bad one leaves the post untouched. With `assigned_only`
    (coders) a post outside the coder's samples raises NotAssignedError; an analyst's coding
    of such a post is marked `outside_assignment` in the audit log.
    """
    if status not in STATUSES:
        raise CodingError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if not decisions:
        raise CodingError("nothing to save: the post has no dimensions to code")
    codebook = active_codebook(project)
    for d in decisions:
        validate_codes(codebook.dimension(d.dimension), [] if status == "skipped" else d.codes, status)
    outside = not assigned_samples(project, coder, platform, post_id)
    for d in decisions:
        record_coding(project, coder, platform, post_id, d.dimension, [] if status == "skipped" else d.codes,
                      note=note, status=status, sample=sample, source="web", assigned_only=assigned_only)
    project.audit("coding", username=coder, target=f"{platform}:{post_id}",
                  detail={"status": status, "sample": sample, "outside_assignment": outside,
                          "codes": {d.dimension: d.codes for d in decisions}})
    return len(decisions)


def undo(project: Project, coder: str, sample: str | None = None) -> dict[str, Any] | None:
    """Retract the coder's latest decision; returns the post it was on, to show it again."""
    retracted = undo_last(project, coder, sample=sample, source="web")
    if retracted is None:
        return None
    project.audit("coding_undo", username=coder, target=f"{retracted.platform}:{retracted.post_id}",
                  detail={"coding_id": retracted.coding_id, "dimension": retracted.dimension})
    return {"platform": retracted.platform, "post_id": retracted.post_id, "sample": retracted.sample}
