"""Render the CLI reference (docs/cli.md) from the command tree itself, so the docs cannot drift.

`python -m peelian.cli.reference > docs/cli.md` regenerates it; a test fails when it is stale.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer.main

from peelian.cli.common import EXIT_CODES
from peelian.cli.main import app

HEADER = """# CLI reference

Every command has `--help`. Commands that report take `--json` for machine-readable output.
The commands are grouped by workflow, as `peelian --help` lists them: project & import, coding,
classify, measure, report & serve, admin.

This file is generated from the commands themselves (`python -m peelian.cli.reference > docs/cli.md`);
a test fails when it is out of date.

## Exit codes

Scripts can rely on these; every command keeps them. A command that fails or is interrupted prints
one line on standard error saying what happened and what, if anything, was committed; with
`--json` it also prints a summary on standard output, on failure too:
`{"ok": false, "exit_code": 3, "interrupted": false, "error": "…", "written": false,
"committed_imports": []}`. Each file's import is one transaction, so an interrupted or failed
import is either wholly in the project or not at all, and the message says which.

| code | meaning |
|---|---|
""" + "".join(f"| {code} | {meaning} |\n" for code, meaning in EXIT_CODES.items())


def _is_group(command: Any) -> bool:
    return hasattr(command, "list_commands")


def _is_argument(param: Any) -> bool:
    return type(param).__name__.endswith("Argument")


def iter_commands(group: Any, prefix: str = "peelian") -> Iterator[tuple[str, Any]]:
    ctx = group.context_class(group, info_name=prefix)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = f"{prefix} {name}"
        if _is_group(command):
            if command.invoke_without_command:
                yield path, command
            yield from iter_commands(command, path)
        else:
            yield path, command


def _usage(path: str, command: Any) -> str:
    pieces = [path]
    for param in command.params:
        if _is_argument(param):
            name = (param.name or '').upper()
            name = f"{name}..." if param.nargs == -1 else name
            pieces.append(name if param.required else f"[{name}]")
    if any(not _is_argument(p) for p in command.params):
        pieces.append("[OPTIONS]")
    return " ".join(pieces)


def _panel(root: Any, path: str) -> str:
    """The `--help` panel of a command: its top-level command's."""
    top = root.commands[path.split()[1]]
    return getattr(top, "rich_help_panel", None) or "Other commands"


def render() -> str:
    """The reference, one section per `--help` panel (the workflow order), each command in it."""
    root = typer.main.get_command(app)
    out = [HEADER]
    panel = None
    for path, command in iter_commands(root):
        if _panel(root, path) != panel:
            panel = _panel(root, path)
            out.append(f"## {panel}\n")
        out.append(f"### `{path}`\n")
        out.append(f"```\n{_usage(path, command)}\n```\n")
        if command.help:
            out.append(command.help.strip() + "\n")
        rows = []
        for param in command.params:
            if not _is_argument(param) and param.name != "help":
                flags = ", ".join(f"`{o}`" for o in param.opts + param.secondary_opts)
                default = "" if param.default in (None, False, (), []) or param.is_flag else f" (default: {param.default})"
                rows.append(f"| {flags} | {(param.help or '').replace('|', '/')}{default} |")
            elif _is_argument(param):
                rows.append(f"| `{(param.name or '').upper()}` | {(getattr(param, 'help', None) or '').replace('|', '/')} |")
        if rows:
            out.append("| argument / option | meaning |\n|---|---|\n" + "\n".join(rows) + "\n")
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
