"""What a filter may name: a force, account type, platform or police account the project holds.

A misspelt force ("West Midlands police", "Nope") selects no posts, and an empty inbox or an
empty table reads as "nothing awaits a response"; so a name the project does not hold is an
error that lists the names it does hold, before anything is measured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peelian.errors import MetricsError

if TYPE_CHECKING:
    from peelian.metrics.params import Filters
    from peelian.store.project import Project

LISTED = 12  # names shown in the message; the rest are counted

_FORCES = ("SELECT force AS v FROM registry WHERE force IS NOT NULL "
           "UNION SELECT force FROM accounts WHERE force IS NOT NULL AND role = 'police' ORDER BY 1")
_TYPES = ("SELECT account_type AS v FROM registry WHERE account_type IS NOT NULL "
          "UNION SELECT account_type FROM accounts WHERE account_type IS NOT NULL ORDER BY 1")
_PLATFORMS = "SELECT DISTINCT platform AS v FROM posts UNION SELECT platform FROM registry ORDER BY 1"
_KNOWN = {"force": ("forces", _FORCES), "account type": ("account types", _TYPES),
          "platform": ("platforms", _PLATFORMS)}


def known_names(project: Project, what: str) -> list[str]:
    """The forces, account types or platforms (`what`: "force", "account type", "platform") the project
    holds, sorted: what a filter may name."""
    return [r["v"] for r in project.query(_KNOWN[what][1])]


def _listed(names: list[str]) -> str:
    more = len(names) - LISTED
    return ", ".join(names[:LISTED]) + (f" and {more:,} more" if more > 0 else "")


def _unknown(what: str, plural: str, value: str, known: list[str], hint: str = "") -> MetricsError:
    near = [k for k in known if k.casefold() == value.casefold()]
    suggestion = f"; did you mean {near[0]!r}?" if near else ""
    held = _listed(known) if known else f"none{hint}"
    return MetricsError(f"unknown {what} {value!r}{suggestion} (the project's {plural}: {held})")


def check_filters(project: Project, filters: Filters) -> Filters:
    """`filters` when every force, account type, platform and account it names is in the project;
    else MetricsError naming the first that is not and listing those that are."""
    for what, value in (("force", filters.force), ("account type", filters.account_type),
                        ("platform", filters.platform)):
        if value is None:
            continue
        known = known_names(project, what)
        if value not in known:
            raise _unknown(what, _KNOWN[what][0], value, known, " (import a registry)" if what != "platform" else "")
    if filters.account_id is not None:
        rows = project.query("SELECT account_id, handle FROM accounts WHERE role = 'police' "
                             "UNION SELECT account_id, handle FROM registry WHERE account_id IS NOT NULL ORDER BY 2, 1")
        if filters.account_id not in {r["account_id"] for r in rows}:
            by_handle = [r["account_id"] for r in rows
                         if (r["handle"] or "").casefold() == filters.account_id.casefold().lstrip("@")]
            if by_handle:
                raise MetricsError(f"--account takes an account id: {filters.account_id!r} is the handle of "
                                   f"account {by_handle[0]!r}")
            raise _unknown("police account", "police accounts", filters.account_id,
                           [f"{r['account_id']} (@{r['handle']})" if r["handle"] else r["account_id"] for r in rows],
                           " (import a registry)")
    return filters


def check_force(project: Project, force: str | None) -> str | None:
    """`force` when the project holds it (or None); else MetricsError listing the forces it holds."""
    from peelian.metrics.params import Filters

    return check_filters(project, Filters(force=force)).force
