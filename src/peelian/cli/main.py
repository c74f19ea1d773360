"""Entry point: importing each command module registers its commands on the root app.

The command modules import the library (scikit-learn, the web stack, ...) inside the commands that use it,
so `peelian --help` and light commands start at once; tests/cli/test_startup.py keeps it so."""

from __future__ import annotations

from peelian.cli import (  # noqa: F401  (imported for their commands, in workflow order: the order within a panel)
    project_cmds,
    registry_cmds,
    collect_cmds,
    coding_cmds,
    classify_cmds,
    metrics_cmds,
    triage_cmds,
    assess_cmds,
    network_cmds,
    national_cmds,
    multilayer_cmds,
    web_cmds,
    demo_cmds,
    check_cmds,
)
from peelian.cli.app import app
from peelian.cli.common import interrupts_end_the_process


def main() -> None:
    interrupts_end_the_process()
    app()


if __name__ == "__main__":
    main()
