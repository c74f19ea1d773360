"""The project file: creation, reopening, schema versions, settings and the secret."""

from __future__ import annotations

import duckdb
import pytest

from peelian import Project
from peelian.errors import ProjectError, ProjectExistsError, SchemaVersionError
from peelian.store.schema import SCHEMA_VERSION


def test_init_creates_file_folder_and_secret(tmp_path):
    path = tmp_path / "force.peelian"
    with Project.init(path) as project:
        assert project.schema_version == SCHEMA_VERSION
        assert project.pseudonymise_citizens
    assert path.is_file()
    secret = tmp_path / "force.peelian.d" / "secret.key"
    assert secret.is_file() and len(bytes.fromhex(secret.read_text())) == 32
    # the secret is not inside the database
    con = duckdb.connect(str(path), read_only=True)
    values = [v for (v,) in con.execute("SELECT value FROM meta").fetchall()]
    assert secret.read_text() not in values


def test_init_refuses_existing_project(tmp_path):
    path = tmp_path / "p.peelian"
    Project.init(path).close()
    with pytest.raises(ProjectExistsError, match="already exists"):
        Project.init(path)


def test_open_missing_project_names_the_path(tmp_path):
    with pytest.raises(ProjectError, match="no project at .*nothing.peelian"):
        Project.open(tmp_path / "nothing.peelian")


def test_open_refuses_newer_schema(tmp_path):
    path = tmp_path / "p.peelian"
    Project.init(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION + 5)])
    con.close()
    with pytest.raises(SchemaVersionError, match="upgrade Peelian"):
        Project.open(path)


def test_open_refuses_a_foreign_duckdb_file(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (x INT)")
    con.close()
    with pytest.raises(ProjectError, match="not a Peelian project"):
        Project.open(path)


def test_open_refuses_a_file_that_is_not_duckdb(tmp_path):
    path = tmp_path / "notes.peelian"
    path.write_text("hello")
    with pytest.raises(ProjectError):
        Project.open(path)


@pytest.mark.parametrize(("name", "content"), [("export.json", '[{"id": "1", "created_at": "2025-05-01"}]\n'),
                                               ("export.jsonl", '{"id": "1"}\n'), ("export.csv", "id,text\n1,hi\n")])
@pytest.mark.parametrize("read_only", [False, True])
def test_an_export_named_as_the_project_is_refused_and_left_alone(tmp_path, name, content, read_only):
    """DuckDB opens a JSON or CSV file as an in-memory database that views it: `peelian import
    export.json project.peelian` said "export.json is a DuckDB file but not a Peelian project" and
    made a folder export.json.d beside it."""
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ProjectError, match=f"{name} is not a Peelian project: it is not a DuckDB database"):
        Project.open(path, read_only=read_only)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name] and path.read_text() == content


def test_settings_persist(tmp_path):
    path = tmp_path / "p.peelian"
    with Project.init(path, pseudonymise_citizens=False) as project:
        project.set_setting("colour", "blue")
    with Project.open(path) as project:
        assert project.get_setting("colour") == "blue"
        assert not project.pseudonymise_citizens


def test_transaction_rolls_back_on_error(project):
    with pytest.raises(RuntimeError):
        with project.transaction() as con:
            con.execute("INSERT INTO meta VALUES ('x', 'y')")
            raise RuntimeError("boom")
    assert project.get_setting("x") is None


def test_missing_secret_is_reported(tmp_path):
    path = tmp_path / "p.peelian"
    Project.init(path).close()
    (tmp_path / "p.peelian.d" / "secret.key").unlink()
    with Project.open(path) as project, pytest.raises(ProjectError, match="secret"):
        _ = project.pseudonymiser


def setting(project, name):
    return project.con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]


def test_memory_limit_applies_to_the_block_only(project):
    default = setting(project, "memory_limit")
    with project.memory_limit(256 << 20):
        assert setting(project, "memory_limit") == "256.0 MiB"
    assert setting(project, "memory_limit") == default
    with pytest.raises(RuntimeError), project.memory_limit(256 << 20):
        raise RuntimeError("an import failed")
    assert setting(project, "memory_limit") == default


def test_duckdb_spills_into_the_project_folder(project):
    assert setting(project, "temp_directory") == str(project.folder / "tmp")
