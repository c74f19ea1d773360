"""What is in a project: counts by platform, force, account type and kind, and the quarantine."""

from __future__ import annotations

from typing import Any

from peelian.errors import NotFoundError
from peelian.store.project import Project


def project_status(project: Project) -> dict[str, Any]:
    """Counts a user checks after an import; reconciles with the imports table."""
    q = project.query
    totals = q(
        "SELECT count(*) AS posts, count(DISTINCT author_id) AS authors, min(created_at) AS first_post, "
        "max(created_at) AS last_post, count(*) FILTER (WHERE is_partial) AS partial_posts, "
        "count(*) FILTER (WHERE created_at IS NULL) AS untimed_posts FROM posts"
    )[0]
    imports = q(
        "SELECT count(*) AS imports, coalesce(sum(records_read), 0) AS records_read, "
        "coalesce(sum(posts_new), 0) AS posts_new, coalesce(sum(posts_updated), 0) AS posts_updated, "
        "coalesce(sum(duplicates), 0) AS duplicates, coalesce(sum(notices), 0) AS notices, "
        "coalesce(sum(quarantined), 0) AS quarantined FROM imports"
    )[0]
    return {
        "project": str(project.path),
        "schema_version": project.schema_version,
        "pseudonymise_citizens": project.pseudonymise_citizens,
        "totals": totals,
        "imports": imports,
        "by_platform": q("SELECT platform, count(*) AS posts FROM posts GROUP BY 1 ORDER BY 2 DESC"),
        "by_role": q("SELECT author_role AS role, count(*) AS posts FROM posts GROUP BY 1 ORDER BY 2 DESC"),
        "by_force": q(
            "SELECT author_force AS force, count(*) AS posts, count(DISTINCT author_id) AS accounts FROM posts "
            "WHERE author_force IS NOT NULL GROUP BY 1 ORDER BY 2 DESC"
        ),
        "by_account_type": q(
            "SELECT coalesce(author_account_type, 'citizen') AS account_type, count(*) AS posts FROM posts "
            "GROUP BY 1 ORDER BY 2 DESC"
        ),
        "by_kind": q("SELECT kind, count(*) AS posts FROM posts GROUP BY 1 ORDER BY 2 DESC"),
        "registry_entries": project.scalar("SELECT count(*) FROM registry"),
        "quarantined": project.scalar("SELECT count(*) FROM quarantine"),
    }


def count_quarantine(project: Project, *, import_id: int | None = None) -> int:
    """How many records are quarantined (by one import): what a listing cut by its limit is out of.
    An import that does not exist is a NotFoundError, not "nothing quarantined"."""
    if import_id is None:
        return int(project.scalar("SELECT count(*) FROM quarantine"))
    if not project.scalar("SELECT count(*) FROM imports WHERE import_id = ?", [import_id]):
        last = project.scalar("SELECT max(import_id) FROM imports")
        raise NotFoundError(f"no import #{import_id} " + (f"(imports are #1 to #{last}: peelian imports)" if last
                                                           else "(nothing has been imported yet)"))
    return int(project.scalar("SELECT count(*) FROM quarantine WHERE import_id = ?", [import_id]))


def list_quarantine(project: Project, *, import_id: int | None = None, limit: int | None = 100) -> list[dict[str, Any]]:
    sql = (
        "SELECT q.import_id, q.path, q.location, q.reason, q.raw_excerpt, i.format, i.started_at "
        "FROM quarantine q JOIN imports i USING (import_id)"
    )
    params: list[Any] = []
    if import_id is not None:
        sql += " WHERE q.import_id = ?"
        params.append(import_id)
    sql += " ORDER BY q.import_id, q.rowid"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return project.query(sql, params)


def list_imports(project: Project) -> list[dict[str, Any]]:
    return project.query(
        "SELECT import_id, path, format, started_at, seconds, records_read, posts_new, posts_updated, duplicates, "
        "notices, quarantined FROM imports ORDER BY import_id"
    )
