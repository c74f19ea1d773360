"""Ctrl-C tells the truth: after an interrupt the CLI says whether the work was committed, and exits 130.

The interrupt is injected where a user's Ctrl-C lands: in the merge (DuckDB stops the statement and
raises RuntimeError "Query interrupted"), just as a COMMIT returns (KeyboardInterrupt), and while
the summary is printed. One test sends a real SIGINT to `peelian import` in a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from peelian import Project
from peelian.coding.codebook import active_codebook
from peelian.demo import generate
from peelian.ingest import pipeline
from peelian.store import registry as registry_module

FLAT = "twitter_v2/twarc-csv__flat.jsonl"
FLAT_POSTS = 164
REGISTRY = "platform,handle,force,account_type\ntwitter,wmpolice,West Midlands Police,force_corporate\n"


def counts(path: Path) -> tuple[int, int]:
    """(imports, posts) as stored."""
    with Project.open(path, read_only=True) as project:
        return project.scalar("SELECT count(*) FROM imports"), project.scalar("SELECT count(*) FROM posts")


def interrupt_after_commit(monkeypatch, exc: BaseException) -> None:
    """The next transaction commits, then `exc` arrives: Ctrl-C landing as COMMIT returns."""
    original = Project.transaction

    @contextlib.contextmanager
    def transaction(self):
        with original(self) as con:
            yield con
        raise exc

    monkeypatch.setattr(Project, "transaction", transaction)


def test_interrupt_during_the_merge_says_nothing_was_written(cli, project_path, shared_fixtures, monkeypatch):
    def interrupted(self):
        raise RuntimeError("Query interrupted")  # what DuckDB raises when Ctrl-C stops a statement

    monkeypatch.setattr(pipeline._Writer, "merge_chunk", interrupted)
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 130
    assert "interrupted; nothing was written" in result.output
    assert "Traceback" not in result.output
    assert counts(project_path) == (0, 0)


def test_interrupt_of_a_python_call_duckdb_made_says_nothing_was_written(cli, project_path, shared_fixtures,
                                                                          monkeypatch):
    """Ctrl-C while DuckDB calls back into Python (counting the rows of a staged Arrow table in the merge): DuckDB
    reports the KeyboardInterrupt as its own error, which is still the interrupt (exit 130), not a failure (3)."""
    import duckdb

    def interrupted(self):
        raise duckdb.InvalidInputException(
            "Invalid Input Error: counting the rows of the Python object 'stage_posts' failed: KeyboardInterrupt: ")

    monkeypatch.setattr(pipeline._Writer, "merge_chunk", interrupted)
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 130, result.output
    assert "interrupted; nothing was written" in result.output and "Traceback" not in result.output
    assert counts(project_path) == (0, 0)


def test_keyboard_interrupt_while_reading_says_nothing_was_written(cli, project_path, shared_fixtures, monkeypatch):
    def interrupted(self, record):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline._Writer, "add", interrupted)
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 130 and "interrupted; nothing was written" in result.output
    assert counts(project_path) == (0, 0)


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), RuntimeError("Query interrupted")], ids=["python", "duckdb"])
def test_interrupt_during_the_commit_says_the_import_went_in(cli, project_path, shared_fixtures, monkeypatch, exc):
    interrupt_after_commit(monkeypatch, exc)
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 130
    assert f"interrupted after the import was committed (import #1, twarc-csv__flat.jsonl, {FLAT_POSTS:,} new posts)" \
        in result.output
    assert "nothing was written" not in result.output
    assert counts(project_path) == (1, FLAT_POSTS)


def test_interrupt_while_printing_the_summary_says_the_import_went_in(cli, project_path, shared_fixtures,
                                                                      monkeypatch):
    from peelian.cli import project_cmds

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(project_cmds.console, "print", interrupted)
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 130
    assert "interrupted after the import was committed (import #1" in result.output
    assert counts(project_path) == (1, FLAT_POSTS)


def test_interrupt_in_the_second_file_names_the_first_import(cli, project_path, shared_fixtures, tmp_path,
                                                             monkeypatch):
    second = tmp_path / "second.jsonl"
    second.write_bytes((shared_fixtures / "twitter_v2/twarc-csv__two_tweets.jsonl").read_bytes())
    original = pipeline._Writer.merge_chunk

    def merge_chunk(self):
        if self.path == str(second):
            raise KeyboardInterrupt
        original(self)

    monkeypatch.setattr(pipeline._Writer, "merge_chunk", merge_chunk)
    result = cli("import", project_path, shared_fixtures / FLAT, second, "--json")
    assert result.exit_code == 130
    assert "interrupted after the import was committed (import #1, twarc-csv__flat.jsonl" in result.stderr
    summary = json.loads(result.stdout)
    assert summary["interrupted"] and summary["exit_code"] == 130 and summary["written"]
    assert [(r["import_id"], r["posts_new"]) for r in summary["committed_imports"]] == [(1, FLAT_POSTS)]
    assert counts(project_path) == (1, FLAT_POSTS)


def test_registry_import_interrupted_in_its_transaction_changes_nothing(cli, project_path, tmp_path, monkeypatch):
    registry = tmp_path / "registry.csv"
    registry.write_text(REGISTRY)

    def interrupted(project):
        raise KeyboardInterrupt

    monkeypatch.setattr(registry_module, "retag", interrupted)
    result = cli("registry", "import", project_path, registry)
    assert result.exit_code == 130 and "interrupted; nothing was written" in result.output
    with Project.open(project_path, read_only=True) as project:
        assert project.scalar("SELECT count(*) FROM registry") == 0


def test_registry_import_interrupted_during_its_commit_says_it_went_in(cli, project_path, tmp_path, monkeypatch):
    registry = tmp_path / "registry.csv"
    registry.write_text(REGISTRY)
    interrupt_after_commit(monkeypatch, KeyboardInterrupt())
    result = cli("registry", "import", project_path, registry)
    assert result.exit_code == 130 and "interrupted after the changes were committed" in result.output
    with Project.open(project_path, read_only=True) as project:
        assert project.scalar("SELECT count(*) FROM registry") == 1


def test_other_writing_commands_say_the_same(cli, project_path, shared_fixtures, tmp_path, monkeypatch):
    """A sample drawn and committed, then Ctrl-C: the shared wrapper, not per-command code, reports it."""
    assert cli("import", project_path, shared_fixtures / FLAT).exit_code == 0
    with Project.open(project_path) as project:
        active_codebook(project)  # stored now, so that the sample is the command's only commit
    interrupt_after_commit(monkeypatch, KeyboardInterrupt())
    result = cli("sample", "create", project_path, "--name", "s1", "--size", "10", "--coders", "ana,ben")
    assert result.exit_code == 130, result.output
    assert "interrupted after the changes were committed" in result.output
    with Project.open(project_path, read_only=True) as project:
        assert project.scalar("SELECT count(*) FROM samples") == 1


def test_a_command_that_opens_the_project_itself_is_watched_too(cli, tmp_path, monkeypatch):
    """`demo` creates its project through the library, not `open_project`: still reported truthfully."""
    original = pipeline.import_file
    done: list[int] = []

    def import_then_interrupt(*args, **kwargs):
        report = original(*args, **kwargs)
        done.append(report.import_id)
        if len(done) == 1:
            raise KeyboardInterrupt
        return report

    monkeypatch.setattr(pipeline, "import_file", import_then_interrupt)
    path = tmp_path / "demo.peelian"
    result = cli("demo", path, "--posts", "200", "--forces", "1", "--months", "1")
    assert result.exit_code == 130
    assert f"interrupted after {path} was created, with 1 import(s); it may be incomplete" in result.output
    assert counts(path)[0] == 1


def _opened(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (the import has started reading it)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    with contextlib.suppress(OSError):
        for fd in fd_dir.iterdir():
            with contextlib.suppress(OSError):
                if os.readlink(fd) == str(path):
                    return True
    return False


def _big_import(tmp_path: Path) -> tuple[Path, Path, subprocess.Popen]:
    """`peelian import` of a generated 30,000-post twarc2 file, in its own process, once it has opened the file:
    (project, file, process)."""
    manifest = generate(tmp_path / "gen", posts=30_000, seed=3, mastodon=False, truth=False, mess=False,
                        tweets_per_file=10 ** 9)
    source = tmp_path / "big.jsonl"
    with open(source, "wb") as out:
        for part in manifest.x_files:
            out.write(part.read_bytes())
    project = tmp_path / "p.peelian"
    Project.init(project).close()
    process = subprocess.Popen([sys.executable, "-m", "peelian.cli.main", "import", str(project), str(source)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _opened(process.pid, source) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return project, source, process


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the import starts")
def test_real_sigint_during_an_import_reports_what_is_in_the_project(tmp_path):
    project, _, process = _big_import(tmp_path)
    process.send_signal(signal.SIGINT)  # while it reads: the usual moment a user gives up waiting
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err
    imports, posts = counts(project)
    if process.returncode == -signal.SIGINT:  # the import had finished: the signal ended Python's shutdown
        assert "import summary" in out and imports == 1
        return
    assert process.returncode == 130, (out, err)
    if imports:
        assert "interrupted after the import was committed (import #1" in err
        assert f"{posts:,} new posts" in err
    else:
        assert "interrupted; nothing was written" in err and posts == 0


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the import starts")
def test_ctrl_c_again_once_the_interrupt_is_reported_still_exits_130(tmp_path):
    """Ctrl-C pressed again and again from the moment the first one is reported until the process is gone
    (as the first one's signal surfacing again would): none can end the process by SIGINT instead of exit 130,
    nor add a traceback to the report."""
    project, _, process = _big_import(tmp_path)
    process.send_signal(signal.SIGINT)
    first = ""
    while "interrupted" not in first and process.poll() is None:
        first = process.stderr.readline()  # the report (after the progress display's blank line)
    sent = 0
    while process.poll() is None and sent < 5000:
        process.send_signal(signal.SIGINT)
        sent += 1
        time.sleep(0.001)
    out, err = process.communicate(timeout=120)
    assert "interrupted; nothing was written" in first and sent
    assert process.returncode == 130, (process.returncode, first, out, err)
    assert "Traceback" not in err and "ignored" not in err, err
    assert counts(project) == (0, 0)


def test_sigint_is_ignored_while_an_interrupt_is_reported_and_restored_after(cli, project_path, shared_fixtures,
                                                                             monkeypatch):
    """In-process (tests, a host program) the report ignores Ctrl-C, and the caller's handler is back after."""
    from peelian.cli import common

    during: list[object] = []
    original = common._written

    def written():
        during.append(signal.getsignal(signal.SIGINT))
        return original()

    def interrupted(self):
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(common, "_written", written)
    monkeypatch.setattr(pipeline._Writer, "merge_chunk", interrupted)
    before = signal.getsignal(signal.SIGINT)
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 130 and "interrupted; nothing was written" in result.output
    assert during == [signal.SIG_IGN]
    assert signal.getsignal(signal.SIGINT) is before


def test_an_interrupt_raised_in_code_run_by_exec_still_exits_130(tmp_path, shared_fixtures):
    """Ctrl-C landing while a library runs code it built as a string (dataclasses and namedtuples do; pandas
    is imported so on pyarrow's first use, just as a bulk twarc2 import starts): CPython then remembers the
    KeyboardInterrupt as unhandled even once it is caught and reported, and ended the process by SIGINT
    instead of exit 130 (about 1 in 10 real interrupts of a large import, since accounts are resolved in SQL)."""
    project = tmp_path / "p.peelian"
    Project.init(project).close()
    script = tmp_path / "ctrl_c_in_exec.py"
    script.write_text(textwrap.dedent("""
        import sys

        from peelian.cli.main import main
        from peelian.ingest import pipeline

        def add(self, record):
            exec("raise KeyboardInterrupt")  # as the signal's exception is raised inside exec'd code

        pipeline._Writer.add = add
        sys.argv = ["peelian", "import", *sys.argv[1:]]
        main()
    """))
    # With -m, as `python -m peelian.cli.main` runs: a script (the `peelian` console script too) leaves through
    # Py_Exit on SystemExit, before the check that ended the process by SIGINT
    process = subprocess.run([sys.executable, "-m", script.stem, str(project), str(shared_fixtures / FLAT)],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert process.returncode == 130, (process.returncode, process.stdout, process.stderr)
    assert "interrupted; nothing was written" in process.stderr and "Traceback" not in process.stderr
    assert counts(project) == (0, 0)


def test_a_ctrl_c_swallowed_where_python_cannot_raise_it_still_exits_130(cli, project_path, shared_fixtures,
                                                                           monkeypatch):
    """A Ctrl-C whose KeyboardInterrupt lands where Python only prints "Exception ignored" (a weakref callback
    or `__del__`, as importlib's module-lock callback while pyarrow first imports pandas in a bulk import) is
    lost to the code that runs; the command still reports the interrupt when it ends, and exits 130, without the
    traceback Python prints for it ("Exception ignored in: ...")."""
    original = pipeline._Writer.add
    calls: list[int] = []

    class Collected:
        def __del__(self):
            signal.raise_signal(signal.SIGINT)  # the handler runs here, and its exception is ignored

    def add(self, record):
        if not calls:
            Collected()
        calls.append(1)
        original(self, record)

    monkeypatch.setattr(pipeline._Writer, "add", add)
    printed: list[object] = []  # what would be printed as "Exception ignored in: ..."
    monkeypatch.setattr(sys, "unraisablehook", printed.append)
    before = signal.getsignal(signal.SIGINT)
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert calls, "the import never reached the interrupt"
    assert printed == []
    assert sys.unraisablehook == printed.append
    assert result.exit_code == 130, result.output
    assert f"interrupted after the import was committed (import #1, twarc-csv__flat.jsonl, {FLAT_POSTS:,} new posts)" \
        in result.output
    assert counts(project_path) == (1, FLAT_POSTS)
    assert signal.getsignal(signal.SIGINT) is before
