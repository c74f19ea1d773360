"""Which forces a monthly report can be written for, and which months have their posts.

`peelian report PROJECT` without `--force` lists these, so a user need not know the
registry's exact force names, or which months hold data, to write a first report.
"""

from __future__ import annotations

from typing import Any

from peelian.store.project import Project


def report_forces(project: Project) -> list[dict[str, Any]]:
    """Every force in the registry: its registered accounts, police posts and the months that have them."""
    rows = project.query("""
        WITH registered AS (
            SELECT force, count(*) AS accounts, list_sort(list(DISTINCT account_type)) AS account_types
            FROM registry GROUP BY force),
        posted AS (
            SELECT author_force AS force, count(*) AS police_posts, min(created_at) AS first_post,
                   max(created_at) AS last_post,
                   list_sort(list(DISTINCT strftime(created_at, '%Y-%m'))) AS months
            FROM posts WHERE author_role = 'police' AND author_force IS NOT NULL AND created_at IS NOT NULL
            GROUP BY author_force)
        SELECT r.force, r.accounts, r.account_types, coalesce(p.police_posts, 0) AS police_posts,
               p.first_post, p.last_post, coalesce(p.months, []) AS months
        FROM registered r LEFT JOIN posted p USING (force)
        ORDER BY r.force""")
    return [{**r, "account_types": list(r["account_types"]), "months": list(r["months"])} for r in rows]
