"""A failed or killed write gives its space in the project file back; a commit can be told from a
rollback; a failure to write the project is a typed StorageError naming the path and the cause."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from peelian import Project
from peelian.demo import generate
from peelian.errors import ProjectReadOnlyError, StorageError
from peelian.ingest import import_file, pipeline
from peelian.store.project import storage_error

# Enough rows that DuckDB writes them into the file before the commit (more than a row group).
FILL = ("INSERT INTO filler SELECT md5(i::VARCHAR) || md5((i + 1)::VARCHAR) || md5((i + 2)::VARCHAR), i "
        "FROM range(1200000) r(i)")
SLACK = 1 << 20  # what "back near the size before" allows


def with_filler_table(path: Path) -> int:
    """A project with an empty table to fill; its file size."""
    with Project.init(path) as project:
        project.con.execute("CREATE TABLE filler (s VARCHAR, i BIGINT)")
        project.con.execute("CHECKPOINT")
    return path.stat().st_size


def test_a_failed_transaction_gives_its_space_back(tmp_path):
    path = tmp_path / "p.peelian"
    before = with_filler_table(path)
    with Project.open(path) as project:
        grown = []
        with pytest.raises(RuntimeError, match="boom"), project.transaction() as con:
            con.execute(FILL)
            grown.append(path.stat().st_size)
            raise RuntimeError("boom")
        assert grown[0] > before + 10 * SLACK  # the rows did go into the file before the commit
        assert path.stat().st_size <= before + SLACK
        assert project.scalar("SELECT count(*) FROM filler") == 0


def test_a_killed_write_gives_its_space_back_when_the_project_is_next_opened(tmp_path):
    path = tmp_path / "p.peelian"
    before = with_filler_table(path)
    script = textwrap.dedent(f"""
        import os
        from peelian import Project
        project = Project.open({str(path)!r})
        project.con.execute("BEGIN TRANSACTION")
        project.con.execute({FILL!r})
        os._exit(9)  # killed mid-import: no rollback, no checkpoint
    """)
    subprocess.run([sys.executable, "-c", script], check=False, timeout=120)
    assert path.stat().st_size > before + 10 * SLACK
    with Project.open(path, read_only=True):
        pass  # reading does not write
    with Project.open(path) as project:
        assert project.scalar("SELECT count(*) FROM filler") == 0
    assert path.stat().st_size <= before + SLACK


@pytest.mark.slow
def test_a_failed_import_of_a_large_file_gives_its_space_back(tmp_path, monkeypatch):
    manifest = generate(tmp_path / "gen", posts=130_000, seed=4, mastodon=False, truth=False, mess=False,
                        tweets_per_file=10 ** 9)
    source = tmp_path / "big.jsonl"
    with open(source, "wb") as out:
        for part in manifest.x_files:
            out.write(part.read_bytes())
    path = tmp_path / "p.peelian"
    Project.init(path).close()
    with Project.open(path) as project:
        before = path.stat().st_size
        grown = []
        finish = pipeline._Writer.finish

        def finish_then_fail(self, report):
            finish(self, report)
            grown.append(path.stat().st_size)
            raise RuntimeError("failed at the end")

        monkeypatch.setattr(pipeline._Writer, "finish", finish_then_fail)
        with pytest.raises(RuntimeError, match="failed at the end"):
            import_file(project, source)
        assert grown[0] > before + 5 * SLACK
        assert path.stat().st_size <= before + SLACK
        assert project.scalar("SELECT count(*) FROM posts") == 0


def test_the_commit_marker_tells_a_commit_from_a_rollback(project):
    marker = project.commit_marker
    with pytest.raises(KeyboardInterrupt), project.transaction() as con:
        con.execute("INSERT INTO meta VALUES ('x', 'y')")
        raise KeyboardInterrupt
    assert project.commit_marker == marker
    with project.transaction() as con:
        con.execute("INSERT INTO meta VALUES ('x', 'y')")
    assert project.commit_marker != marker


def test_a_write_failure_in_a_transaction_is_a_storage_error(project):
    wal = f"{project.path}.wal"
    with pytest.raises(StorageError) as caught, project.transaction():
        raise duckdb.IOException(f'IO Error: Could not write file "{wal}": No space left on device')
    assert str(caught.value) == f"cannot write {wal}: No space left on device"
    assert caught.value.path == wal and caught.value.cause == "No space left on device"


def test_only_failures_to_write_the_project_are_storage_errors(tmp_path):
    project = tmp_path / "p.peelian"
    read_only = duckdb.TransactionException(
        f'TransactionContext Error: Failed to commit: Cannot open file "{project}.wal": Permission denied')
    assert isinstance(storage_error(read_only, project), ProjectReadOnlyError)
    elsewhere = duckdb.IOException('IO Error: Cannot open file "/data/export.json": Permission denied')
    assert storage_error(elsewhere, project) is None  # an input file: the importer's business
    assert storage_error(duckdb.BinderException("Binder Error: no such column"), project) is None
    assert storage_error(ValueError("x"), project) is None
