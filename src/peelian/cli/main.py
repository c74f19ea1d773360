"""Entry point: importing each command module registers its commands on the root app."""

from __future__ import annotations

from peelian.cli import (  # noqa: F401  (imported for their commands)
    classify_cmds,
    coding_cmds,
    demo_cmds,
    metrics_cmds,
    network_cmds,
    project_cmds,
    registry_cmds,
    web_cmds,
)
from peelian.cli.app import app


def main() -> None:
    app()


if __name__ == "__main__":
    main()
