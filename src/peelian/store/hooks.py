"""The store's hook for the CLI, in a module that imports nothing heavy.

The root command group sets it around every command; kept out of `peelian.store.project`, a command that
never opens a project (`peelian check`) does not load DuckDB just to set it (`tests/cli/test_startup.py`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from peelian.store.project import Project

# Called with (project, created) whenever a project is opened to write in this context: the CLI watches
# them, so that after a failure or Ctrl-C it can say what the command committed.
ON_OPEN_FOR_WRITING: contextvars.ContextVar[Callable[[Project, bool], None] | None] = contextvars.ContextVar(
    "peelian_on_open_for_writing", default=None)
