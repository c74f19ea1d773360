"""What every command shares: opening the project, turning errors and interrupts into one true
message and a documented exit code, JSON output.

Exit codes (the contract in docs/cli.md): 0 all stored or done; 1 finished, but some records were
quarantined or rejected; 2 usage or input error, nothing written; 3 failed, nothing written;
4 failed after part of the work was committed (the message names it); 130 interrupted (the message
says whether anything was committed).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from peelian.errors import NetworkError, PeelianError, ProjectLockedError, StorageError

if TYPE_CHECKING:  # the store (and DuckDB) is imported when a command runs, so --help answers at once
    from collections.abc import Callable
    from types import FrameType

    from peelian.store.project import Project

    # what signal.getsignal returns: a Python handler, SIG_DFL / SIG_IGN, or None (set outside Python)
    SignalHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None

console = Console()
err_console = Console(stderr=True)

EXIT_OK = 0
EXIT_PARTIAL = 1  # finished, but something was quarantined or rejected
EXIT_ERROR = 2  # bad input or usage; nothing was changed
EXIT_FAILED = 3  # failed (disk full, read-only, locked, out of memory, a bug); nothing was written
EXIT_FAILED_AFTER_WRITING = 4  # failed after part of the work (say, earlier files) was committed
EXIT_INTERRUPTED = 130  # Ctrl-C; the message says whether anything was committed
EXIT_CODES = {
    EXIT_OK: "done: everything was stored",
    EXIT_PARTIAL: "finished, but some records were quarantined or rejected (see `peelian quarantine`)",
    EXIT_ERROR: "usage or input error; nothing was written",
    EXIT_FAILED: "failed (disk full, file-size limit, read-only project, project locked, out of memory, "
                 "a platform's API unreachable or failing, an unexpected error); nothing was written",
    EXIT_FAILED_AFTER_WRITING: "failed after part of the work was committed (say, the files before the one "
                               "that failed); the message and the JSON summary name what was committed",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); the message says whether anything was committed: "
                      "\"interrupted; nothing was written\" or \"interrupted after the import was committed "
                      "(import #N, …)\"",
}
FAILURES = (StorageError, ProjectLockedError, NetworkError)  # the command was right; the machine or network failed
# Ways out that are already decided: exits, usage errors (typer.Exit is a RuntimeError, so it must be named).
_PASS_THROUGH = (typer.Exit, typer.Abort, typer.TyperException, SystemExit, GeneratorExit)

ProjectArg = typer.Argument(..., help="The project file (e.g. force.peelian).", show_default=False)
JsonOpt = typer.Option(False, "--json", help="Machine-readable JSON on standard output.")


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Errors and interrupts become one true line on stderr (and a JSON summary with --json) and
    the contract's exit code, never a traceback for a known failure."""
    try:
        yield
    except _PASS_THROUGH:
        raise
    except BaseException as exc:  # noqa: BLE001  (KeyboardInterrupt included: it is reported, not lost)
        fail(exc)


@contextlib.contextmanager
def open_project(path: Path, *, read_only: bool = False) -> Iterator[Project]:
    """The project, closed again before any error is reported (a project opened to write is watched,
    see `PeelianGroup`)."""
    from peelian.store.project import Project

    with user_errors():
        project = Project.open(path, read_only=read_only)
        try:
            yield project
        finally:
            project.close()


class PeelianGroup(TyperGroup):
    """The root command group. Every project the command opens to write, however it opens it (the
    library's own `Project.open` in `demo` or `serve` included), is watched from the moment it is
    opened; whatever a command lets escape (an interrupt while it prints, an error outside
    `user_errors`) is reported by the same rules as inside it."""

    def list_commands(self, ctx: Any) -> list[str]:
        """Commands by workflow (the panels of `peelian --help` and the sections of docs/cli.md), each panel in
        the order its commands were made."""
        from peelian.cli.app import HELP_PANELS

        rank = {panel: i for i, panel in enumerate(HELP_PANELS)}
        return sorted(super().list_commands(ctx),
                      key=lambda name: rank.get(getattr(self.commands[name], "rich_help_panel", None), len(rank)))

    def invoke(self, ctx: Any) -> Any:
        from peelian.store.hooks import ON_OPEN_FOR_WRITING

        args = [*ctx._protected_args, *ctx.args]  # what follows the command name, not yet parsed
        run = _Run(as_json="--json" in (args[:args.index("--")] if "--" in args else args))
        token = _RUN.set(run)
        hook = ON_OPEN_FOR_WRITING.set(_watch)
        handler_before = _record_sigint(run)
        try:
            result = super().invoke(ctx)
        except typer.TyperException as exc:  # a usage error: Typer prints it and exits 2
            if run.as_json and hasattr(exc, "format_message"):
                _emit_failure(getattr(exc, "exit_code", EXIT_ERROR), exc.format_message(), Written([], False))
            raise
        except (typer.Exit, SystemExit) as exc:
            _raise_a_lost_interrupt(run, getattr(exc, "exit_code", getattr(exc, "code", None)))
            raise
        except _PASS_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001
            fail(exc)
        else:
            _raise_a_lost_interrupt(run, EXIT_OK)
            return result
        finally:
            ON_OPEN_FOR_WRITING.reset(hook)
            _RUN.reset(token)
            if not _process.ends_with_the_command:
                if run.sigint_ignored:
                    signal.signal(signal.SIGINT, run.sigint_before)
                if handler_before is not None:
                    sys.unraisablehook = run.unraisable_before
                    if signal.getsignal(signal.SIGINT) is run.on_sigint:
                        signal.signal(signal.SIGINT, handler_before)


def default_command_group(command: str) -> type[TyperGroup]:
    """A group class whose first argument, when it is not a subcommand's name, goes to `command`, so
    `peelian metrics PROJECT` runs `metrics show PROJECT`; named subcommands and --help run as usual."""

    class DefaultCommandGroup(TyperGroup):
        def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
            if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
                args = [command, *args]
            return super().parse_args(ctx, args)

    return DefaultCommandGroup


@dataclass
class _Watched:
    """A project opened to write, as it was before the command wrote anything."""

    project: Project  # the latest opened: its connection, while open, is the one to read through
    marker: str | None
    last_import: int
    created: bool


@dataclass
class _Run:
    """One command line being run: whether it asked for JSON, the projects it opened to write."""

    as_json: bool = False
    watched: list[_Watched] = field(default_factory=list)
    sigint_ignored: bool = False  # an interrupt is being reported: SIGINT is ignored
    sigint_before: SignalHandler = signal.SIG_DFL  # SIGINT's handler before that
    sigint_seen: bool = False  # a Ctrl-C arrived during the command (its KeyboardInterrupt may have been lost)
    on_sigint: Callable[[int, FrameType | None], None] | None = None  # the handler that records it (`_record_sigint`)
    unraisable_before: Callable[[sys.UnraisableHookArgs], Any] | None = None  # sys.unraisablehook before the command's


@dataclass
class _Process:
    """Whether this process ends when its command does (`peelian` itself, not a caller running the app)."""

    ends_with_the_command: bool = False


_process = _Process()


def _record_sigint(run: _Run) -> SignalHandler:
    """Record every Ctrl-C of the command before raising its KeyboardInterrupt as Python's own handler does;
    the handler it replaces, or None where none was set (not the main thread, or Ctrl-C not Python's).

    Python raises a signal's exception wherever the main thread happens to be, and where that is a weakref
    callback or a `__del__` (importlib's module-lock callback while pyarrow imports pandas on its first use, as
    a bulk import starts) it only prints "Exception ignored" and the command runs on to exit 0. The record lets
    `_raise_a_lost_interrupt` still report such a Ctrl-C when the command ends. Where Python would print that
    KeyboardInterrupt's traceback ("Exception ignored in: ..."), the command's hook records it quietly instead:
    it is reported once, as every interrupt is."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:  # ignored, the system's default, or a caller's own handler
        return None

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        run.sigint_seen = True
        signal.default_int_handler(signum, frame)

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if isinstance(info.exc_value, KeyboardInterrupt):
            run.sigint_seen = True
        else:
            run.unraisable_before(info)

    run.on_sigint, run.unraisable_before = on_sigint, sys.unraisablehook
    signal.signal(signal.SIGINT, on_sigint)
    sys.unraisablehook = unraisable
    return previous


def _raise_a_lost_interrupt(run: _Run, exit_code: int | str | None) -> None:
    """A command that ended as if it had not been interrupted (exit 0 or 1: the records it could not store
    are not why it stopped) although a Ctrl-C arrived: its KeyboardInterrupt was lost (`_record_sigint`), so
    it is reported now, with what the command committed, and exit 130."""
    if run.sigint_seen and not run.sigint_ignored and exit_code in (None, EXIT_OK, EXIT_PARTIAL):
        fail(KeyboardInterrupt())


def interrupts_end_the_process() -> None:
    """Once an interrupt has begun to be reported, SIGINT stays ignored until the process exits, so
    that the documented exit 130 is what the caller sees. Called by the `peelian` entry point only: a
    process that runs commands in-process (tests, a host program) gets its handler back after each."""
    _process.ends_with_the_command = True


_RUN: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("peelian_cli_run", default=None)


def _watch(project: Project, created: bool) -> None:
    run = _RUN.get()
    if run is None:
        return
    for w in run.watched:
        if w.project.path == project.path:
            w.project = project
            return
    last = project.scalar("SELECT coalesce(max(import_id), 0) FROM imports")
    run.watched.append(_Watched(project, project.commit_marker, int(last), created))


@dataclass
class Written:
    """What a command committed before it failed or was interrupted."""

    imports: list[dict[str, Any]]
    changed: bool  # some transaction committed (imports or anything else)
    unknown: str | None = None  # why it could not be checked
    created: list[str] = field(default_factory=list)  # projects the command created (perhaps not finished)

    def describe(self) -> str:
        if self.created:
            made = ", ".join(self.created)
            imported = f", with {len(self.imports)} import(s)" if self.imports else ""
            return f"{made} was created{imported}; it may be incomplete: remove it (or rerun with --force)"
        if self.imports:
            parts = [f"import #{r['import_id']}, {Path(r['path']).name}, {r['posts_new']:,} new posts"
                     for r in self.imports]
            if len(parts) == 1:
                return f"the import was committed ({parts[0]})"
            return f"{len(parts)} imports were committed ({'; '.join(parts)})"
        return "the changes were committed"


def _written() -> Written:
    """Compare each watched project with how it was when the command opened it: through the command's
    connection while it is open, else read afresh (and read-only) from the file."""
    import duckdb

    from peelian.store.project import Project
    from peelian.store.status import list_imports

    run = _RUN.get()
    watched = run.watched if run else []
    imports: list[dict[str, Any]] = []
    changed = False
    created: list[str] = []

    def state(project: Project) -> tuple[list[dict[str, Any]], str | None]:
        return list_imports(project), project.commit_marker

    for w in watched:
        try:
            try:
                rows, marker = state(w.project)
            except duckdb.ConnectionException:  # closed: the usual case
                with Project.open(w.project.path, read_only=True) as project:
                    rows, marker = state(project)
        except Exception as exc:  # noqa: BLE001  (reported: the user is told it could not be checked)
            return Written(imports, changed, unknown=f"{w.project.path}: {exc}")
        new = [r for r in rows if r["import_id"] > w.last_import]
        imports += new
        changed = changed or bool(new) or marker != w.marker or w.created
        if w.created:
            created.append(str(w.project.path))
    return Written(imports, changed, created=created)


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C, as Python raises it or as DuckDB reports it: when it stops a running statement, or as the error
    of a Python call it made (counting the rows of an Arrow table it scans) that the KeyboardInterrupt ended."""
    import duckdb

    current: BaseException | None = exc
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (isinstance(current, (KeyboardInterrupt, duckdb.InterruptException))
                or (isinstance(current, RuntimeError) and "query interrupted" in str(current).lower())
                or (isinstance(current, duckdb.Error) and "failed: KeyboardInterrupt" in str(current))):
            return True
        current = current.__cause__
    return False


def _describe_error(exc: BaseException) -> tuple[str, int, bool]:
    """(one-line message, exit code if nothing was written, whether it is a bug worth a traceback)."""
    import duckdb

    if isinstance(exc, FAILURES):
        return str(exc), EXIT_FAILED, False
    if isinstance(exc, PeelianError):
        return str(exc), EXIT_ERROR, False
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return f"{exc.filename}: {exc.strerror}", EXIT_ERROR, False
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}", EXIT_FAILED, False
    if isinstance(exc, duckdb.OutOfMemoryException):
        return f"out of memory: {exc}", EXIT_FAILED, False
    if isinstance(exc, duckdb.IOException):
        return str(exc), EXIT_FAILED, False
    return f"unexpected error: {type(exc).__name__}: {exc}", EXIT_FAILED, True


def fail(exc: BaseException) -> NoReturn:
    """Report an error or interrupt truthfully and exit with the contract's code.

    After an interrupt (exit 130) the project is checked: the import row is written in the same
    transaction as its posts, and every transaction rewrites the commit marker, so what went in
    can be told from what was rolled back. A failure after an earlier part was committed exits 4."""
    run = _RUN.get()
    as_json = bool(run and run.as_json)
    if is_interrupt(exc):
        if run is None:
            with _sigint_ignored():
                _forget_the_keyboard_interrupt()
                written = _written()
        else:
            _ignore_sigint_for_the_report(run)
            _forget_the_keyboard_interrupt()
            written = _written()
        if written.unknown:
            message = f"interrupted; could not check what was written ({written.unknown})"
        elif written.changed:
            message = f"interrupted after {written.describe()}"
        else:
            message = "interrupted; nothing was written"
        code, traced = EXIT_INTERRUPTED, False
        err_console.print(f"[yellow]{_shown_message(message)}[/]", highlight=False, soft_wrap=True)
    else:
        error, code, traced = _describe_error(exc)
        written = _written()
        if traced:
            traceback.print_exception(exc, file=sys.stderr)
        message = error
        if written.unknown:
            message += f" (could not check what was written: {written.unknown})"
        elif written.changed:
            code = EXIT_FAILED_AFTER_WRITING
            message += f"; before it failed, {written.describe()}"
        elif code == EXIT_FAILED:
            message += "; nothing was written"
        err_console.print(f"[bold red]error:[/] {_shown_message(message)}", highlight=False, soft_wrap=True)
    if as_json:
        _emit_failure(code, message, written)
    raise typer.Exit(code) from None


def _emit_failure(code: int, message: str, written: Written) -> None:
    """The --json summary of a command that did not finish: what went wrong and what was committed."""
    emit_json({"ok": False, "exit_code": code, "interrupted": code == EXIT_INTERRUPTED, "error": message,
               "written": written.changed, "committed_imports": written.imports})


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """A second Ctrl-C must not cut short the check of what the first one left."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _ignore_sigint_for_the_report(run: _Run) -> None:
    """From here to the end of the command's run (to the process's exit under `interrupts_end_the_process`)
    a Ctrl-C is ignored: a second one, or the first surfacing again after DuckDB stopped its statement,
    would otherwise cut the check and the report short or end the process by SIGINT instead of exit 130.
    `PeelianGroup.invoke` restores the handler for a caller that runs commands in-process."""
    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not run.sigint_ignored:  # None: a handler set outside Python, which Python cannot put back as it was
        run.sigint_ignored, run.sigint_before = True, signal.SIG_DFL if previous is None else previous


def _forget_the_keyboard_interrupt() -> None:
    """Clear CPython's record that a KeyboardInterrupt went unhandled, now that it is handled.

    CPython sets that record when a KeyboardInterrupt leaves code run by `exec` or `eval` of a string
    (`run_eval_code_obj` in Python/pythonrun.c) and keeps it even when the exception is then caught; at exit
    `Py_RunMain` then ends the process by SIGINT instead of with its exit code (`python -m peelian.cli.main`;
    a script such as the `peelian` console script leaves through `Py_Exit` first). A Ctrl-C that lands while
    a library builds code that way (dataclasses and namedtuples do, as pandas is imported on pyarrow's first
    use in a bulk import) turned the reported exit 130 into death by SIGINT. Each such `exec` clears the
    record first, so an empty one clears it; called with SIGINT ignored, so no Ctrl-C can set it again."""
    exec("")  # noqa: S102  (a constant empty string: only its side effect on the record above is wanted)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_LINES = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # all but the newline


def shown(value: Any) -> str:
    """Data (a citizen's post, link or id) as a Rich table cell: markup escaped, so `[/]` neither crashes the
    print nor `[link=...]` hides a link, and control characters written as `\\x1b` escapes, so an ANSI
    sequence in a post cannot drive the operator's terminal."""
    return _visible("" if value is None else str(value), _CONTROL)


def _shown_message(message: str) -> str:
    """An error message as `shown` writes data, its own line breaks kept (a database error quotes its SQL over
    several lines): a path or value it names cannot drive the terminal with an ANSI sequence."""
    return _visible(message, _CONTROL_IN_LINES)


def _visible(text: str, control: re.Pattern[str]) -> str:
    """`text` with Rich markup escaped and the characters `control` matches written as `\\x1b` escapes."""
    return escape(control.sub(lambda m: f"\\x{ord(m.group()):02x}", text))


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
