"""Entry point: importing each command module registers its commands on the root app.

The command modules import the library (scikit-learn, the web stack, ...) inside the commands that use it,
so `peelian --help` and light commands start at once; tests/cli/test_startup.py keeps it so."""

from __future__ import annotations

from peelian.cli import (  # noqa: F401  (imported for their commands, in workflow order: the order within a panel)
    assess_cmds,
    check_cmds,
    classify_cmds,
    coding_cmds,
    collect_cmds,
    demo_cmds,
    metrics_cmds,
    multilayer_cmds,
    national_cmds,
    network_cmds,
    project_cmds,
    registry_cmds,
    triage_cmds,
    web_cmds,
)
from peelian.cli.app import app
from peelian.cli.common import EXIT_INTERRUPTED


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        # A Ctrl-C already reported can surface once more on the way out (DuckDB stops its statement
        # and Python's own flag is still set): the exit code stays the interrupt's, not death by SIGINT.
        raise SystemExit(EXIT_INTERRUPTED) from None


if __name__ == "__main__":
    main()
