"""What every command shares: opening the project, turning library errors into messages, JSON output."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from peelian.errors import PeelianError
from peelian.store.project import Project

console = Console()
err_console = Console(stderr=True)

EXIT_OK = 0
EXIT_PARTIAL = 1  # finished, but something was quarantined or rejected
EXIT_ERROR = 2  # bad input or usage; nothing was changed

ProjectArg = typer.Argument(..., help="The project file (e.g. force.peelian).", show_default=False)
JsonOpt = typer.Option(False, "--json", help="Machine-readable JSON on standard output.")


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Library errors become one clear line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except PeelianError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted; nothing partial was written[/]")
        raise typer.Exit(130) from None


@contextlib.contextmanager
def open_project(path: Path, *, read_only: bool = False) -> Iterator[Project]:
    with user_errors():
        project = Project.open(path, read_only=read_only)
    try:
        with user_errors():
            yield project
    finally:
        project.close()


def emit_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS,
                                  default=_default).decode() + "\n")


def _default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
