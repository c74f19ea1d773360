"""The exit codes are a contract (docs/cli.md): 0 stored, 1 quarantined, 2 usage or input error,
3 failed with nothing written, 4 failed after part was committed, 130 interrupted; `--json` always
prints a summary. Storage failures (full disk, file-size limit, read-only file or folder) are one line
naming the path and the cause, never a traceback, and are found before the input is read when they can be.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from peelian import Project
from peelian.cli.common import EXIT_CODES
from peelian.demo import generate
from peelian.ingest import pipeline
from tests.conftest import ROOT

FLAT = "twitter_v2/twarc-csv__flat.jsonl"
TWO = "twitter_v2/twarc-csv__two_tweets.jsonl"
STREAM = "twitter_v2/twarc-csv__streaming_output_with_error.jsonl"


def stored(path: Path) -> tuple[int, int]:
    """(imports, posts) in the project."""
    with Project.open(path, read_only=True) as project:
        return project.scalar("SELECT count(*) FROM imports"), project.scalar("SELECT count(*) FROM posts")


def fail_merges_of(monkeypatch, path: Path | None, exc: BaseException) -> None:
    """Merging `path` (any file when None) raises `exc`, as a full disk makes DuckDB do."""
    original = pipeline._Writer.merge_chunk

    def merge_chunk(self):
        if path is None or self.path == str(path):
            raise exc
        original(self)

    monkeypatch.setattr(pipeline._Writer, "merge_chunk", merge_chunk)


def disk_full(target: str) -> duckdb.IOException:
    return duckdb.IOException(f'IO Error: Could not write file "{target}": No space left on device')


def test_exit_0_when_everything_is_stored(cli, project_path, shared_fixtures):
    result = cli("import", project_path, shared_fixtures / FLAT, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["posts_new"] == 164


def test_exit_1_when_records_are_quarantined(cli, project_path, shared_fixtures):
    result = cli("import", project_path, shared_fixtures / STREAM, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["quarantined"] == 1


def test_exit_2_for_input_and_usage_errors_with_a_json_summary(cli, project_path, tmp_path):
    result = cli("import", project_path, tmp_path / "missing.jsonl", "--json")
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 2 and not summary["ok"] and "no such file" in summary["error"]
    assert not summary["written"]

    result = cli("import", project_path, tmp_path / "missing.jsonl", "--json", "--no-such-option")
    assert result.exit_code == 2
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 2 and "--no-such-option" in summary["error"]


def test_disk_full_is_one_line_exit_3_and_nothing_written(cli, project_path, shared_fixtures, monkeypatch):
    wal = f"{project_path}.wal"
    fail_merges_of(monkeypatch, None, disk_full(wal))
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert f"error: cannot write {wal}: No space left on device; nothing was written" in result.output
    assert stored(project_path) == (0, 0)


def test_an_os_error_in_the_project_folder_is_a_storage_failure(cli, project_path, shared_fixtures, monkeypatch):
    spill = f"{project_path}.d/tmp/duckdb_temp_storage.tmp"
    fail_merges_of(monkeypatch, None, OSError(errno.EFBIG, os.strerror(errno.EFBIG), spill))
    result = cli("import", project_path, shared_fixtures / FLAT, "--json")
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary == {"ok": False, "exit_code": 3, "interrupted": False, "written": False, "committed_imports": [],
                       "error": f"cannot write {spill}: File too large; nothing was written"}


def test_failure_after_an_earlier_file_was_committed_exits_4_and_names_it(cli, project_path, shared_fixtures,
                                                                          tmp_path, monkeypatch):
    second = tmp_path / "second.jsonl"
    shutil.copy(shared_fixtures / TWO, second)
    fail_merges_of(monkeypatch, second, disk_full(str(project_path)))
    result = cli("import", project_path, shared_fixtures / FLAT, second, "--json")
    assert result.exit_code == 4
    assert "before it failed, the import was committed (import #1, twarc-csv__flat.jsonl, 164 new posts)" \
        in result.stderr
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 4 and summary["written"]
    assert [r["import_id"] for r in summary["committed_imports"]] == [1]
    assert stored(project_path) == (1, 164)


def test_an_unexpected_error_exits_3_with_its_traceback(cli, project_path, shared_fixtures, monkeypatch):
    fail_merges_of(monkeypatch, None, ValueError("a bug"))
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 3
    assert "Traceback" in result.stderr  # a bug is reported with what is needed to fix it
    assert "error: unexpected error: ValueError: a bug; nothing was written" in result.stderr
    assert stored(project_path) == (0, 0)


def test_a_read_only_project_is_refused_before_the_input_is_read(cli, project_path, shared_fixtures, monkeypatch):
    real_access = os.access

    def access(path, mode, *args, **kwargs):
        if Path(path) == project_path and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("the input was read although the project cannot be written")

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr("peelian.ingest.import_files", never)  # the command imports it when it runs
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 3
    assert f"{project_path} is read-only" in result.output and "not a Peelian project" not in result.output


def test_a_project_file_duckdb_cannot_open_for_writing_is_read_only(cli, project_path, tmp_path, monkeypatch):
    from peelian.store import project as project_module

    registry = tmp_path / "registry.csv"
    registry.write_text("platform,handle,force,account_type\ntwitter,wmpolice,West Midlands Police,force_corporate\n")

    real_connect = duckdb.connect

    def connect(database, read_only=False, **kwargs):
        if not read_only:  # what DuckDB says when the file's mode refuses writing
            raise duckdb.IOException(f'IO Error: Cannot open file "{database}": Permission denied')
        return real_connect(database, read_only=read_only, **kwargs)

    monkeypatch.setattr(project_module.duckdb, "connect", connect)
    result = cli("registry", "import", project_path, registry)
    assert result.exit_code == 3
    assert f"{project_path} is read-only (Permission denied)" in result.output
    assert "not a Peelian project" not in result.output
    assert cli("status", project_path).exit_code == 0  # reading it still works


def test_a_read_only_folder_is_found_before_the_input_is_read(cli, project_path, shared_fixtures, monkeypatch):
    from peelian.store import project as project_module

    real_temporary_file = tempfile.TemporaryFile

    def temporary_file(*args, dir=None, **kwargs):
        if dir is not None and Path(dir) == project_path.parent:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(dir))
        return real_temporary_file(*args, dir=dir, **kwargs)

    def never(*args, **kwargs):
        raise AssertionError("the input was read although the project cannot be written")

    monkeypatch.setattr(project_module.tempfile, "TemporaryFile", temporary_file)
    monkeypatch.setattr("peelian.ingest.import_files", never)  # the command imports it when it runs
    result = cli("import", project_path, shared_fixtures / FLAT)
    assert result.exit_code == 3
    assert (f"{project_path} cannot be changed: the folder {project_path.parent} is read-only (Permission denied)"
            in result.output)


# ---- real operating-system failures, in a subprocess ---------------------------------------------------------

def peelian(*args: object, fsize: int | None = None) -> subprocess.CompletedProcess:
    """Run the CLI in a subprocess, under a file-size limit (ulimit -f) if given."""
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([sys.executable, "-m", "peelian.cli.main", *map(str, args)], capture_output=True,
                          text=True, preexec_fn=limit, timeout=120)


@pytest.mark.skipif(os.geteuid() == 0, reason="file modes do not stop root; the cases above stand in for it")
def test_a_read_only_project_and_folder_for_real(tmp_path, shared_fixtures):
    project = tmp_path / "ro" / "p.peelian"
    project.parent.mkdir()
    Project.init(project).close()
    project.chmod(0o444)
    result = peelian("import", project, shared_fixtures / FLAT)
    assert result.returncode == 3 and f"{project} is read-only (Permission denied)" in result.stderr
    assert peelian("status", project).returncode == 0
    project.chmod(0o644)
    project.parent.chmod(0o555)
    try:
        result = peelian("import", project, shared_fixtures / FLAT)
    finally:
        project.parent.chmod(0o755)
    assert result.returncode == 3 and "is read-only (Permission denied)" in result.stderr
    assert "Traceback" not in result.stderr and stored(project) == (0, 0)


def test_the_file_size_limit_is_one_line_and_nothing_is_written(tmp_path):
    project = tmp_path / "p.peelian"
    Project.init(project).close()
    size = project.stat().st_size
    manifest = generate(tmp_path / "gen", posts=3_000, seed=2, mastodon=False, truth=False, mess=False,
                        tweets_per_file=10 ** 9)
    source = tmp_path / "all.jsonl"
    source.write_bytes(b"".join(part.read_bytes() for part in manifest.x_files))
    # room to open the project, not for the write-ahead log of the import
    result = peelian("import", project, source, "--json", fsize=size + 64 * 1024)
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 3 and not summary["written"]
    assert summary["error"] == f"cannot write {project}.wal: File too large; nothing was written"
    assert stored(project) == (0, 0)

    result = peelian("import", project, source, fsize=size)  # no room at all: refused before reading
    assert result.returncode == 3
    assert "file-size limit (ulimit -f" in result.stderr and "Traceback" not in result.stderr


def test_the_contract_is_documented():
    documented = (ROOT / "docs" / "cli.md").read_text()
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} | {meaning} |" in documented


@pytest.mark.parametrize("args", [("quarantine", "--limit", "-1"), ("unanswered", "--limit", "-5"),
                                  ("unanswered", "--offset", "-1"), ("threads", "--limit", "-1"),
                                  ("triage", "--limit", "-1"), ("codings", "list", "--limit", "-1")])
def test_a_negative_limit_or_offset_is_a_usage_error(cli, project_path, args):
    """They reached DuckDB's LIMIT and ended in a traceback and 'unexpected error' (exit 3); the
    inbox took -1 as 'nothing awaits a response'."""
    command = args[:2] if args[0] == "codings" else args[:1]
    result = cli(*command, project_path, *args[len(command):])
    assert result.exit_code == 2, result.output
    words = " ".join(result.output.replace("│", " ").split())
    assert "unexpected" not in words and "should be greater than or equal to 0" in words
