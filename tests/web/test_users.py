"""The users library and the `peelian users` / `peelian serve` first-run commands."""

from __future__ import annotations

import pytest

from peelian import Project
from peelian.errors import AuthError, InputError, NotFoundError
from peelian.store.users import add_user, list_users, set_disabled, set_password, set_role, verify_password
from peelian.web.server import ensure_admin


def test_passwords_are_stored_as_argon2_hashes(project: Project) -> None:
    add_user(project, "Ana", "s3cret-pass", "coder")
    stored = project.scalar("SELECT password_hash FROM users WHERE username = 'ana'")
    assert stored.startswith("$argon2id$") and "s3cret-pass" not in stored
    assert verify_password(project, "ANA", "s3cret-pass").role == "coder"
    with pytest.raises(AuthError, match="wrong username or password"):
        verify_password(project, "ana", "wrong-pass")
    with pytest.raises(AuthError, match="wrong username or password"):
        verify_password(project, "nobody", "s3cret-pass")


def test_user_rules(project: Project) -> None:
    with pytest.raises(InputError, match="unknown role"):
        add_user(project, "ana", "long-enough", "superuser")
    with pytest.raises(InputError, match="at least 8"):
        add_user(project, "ana", "short", "viewer")
    with pytest.raises(InputError, match="invalid username"):
        add_user(project, "ana smith", "long-enough", "viewer")
    add_user(project, "ana", "long-enough", "viewer")
    with pytest.raises(InputError, match="already exists"):
        add_user(project, "ana", "long-enough", "viewer")
    with pytest.raises(NotFoundError):
        set_role(project, "ben", "admin")


def test_the_last_admin_cannot_be_demoted_or_disabled(project: Project) -> None:
    add_user(project, "root", "long-enough", "admin")
    with pytest.raises(InputError, match="only admin"):
        set_role(project, "root", "viewer")
    with pytest.raises(InputError, match="only admin"):
        set_disabled(project, "root")
    add_user(project, "second", "long-enough", "admin")
    assert set_role(project, "root", "analyst").role == "analyst"


def test_disable_enable_and_new_password(project: Project) -> None:
    add_user(project, "ana", "long-enough", "analyst")
    set_disabled(project, "ana", by="root")
    with pytest.raises(AuthError, match="disabled"):
        verify_password(project, "ana", "long-enough")
    set_disabled(project, "ana", False)
    set_password(project, "ana", "another-one")
    assert verify_password(project, "ana", "another-one").username == "ana"
    actions = [r["action"] for r in project.query("SELECT action FROM audit_log ORDER BY audit_id")]
    assert actions == ["user_add", "user_disable", "user_enable", "user_password"]


def test_first_run_needs_an_admin_password(project: Project) -> None:
    with pytest.raises(AuthError, match="no web users"):
        ensure_admin(project, None)
    assert ensure_admin(project, "first-admin-pw") is True
    assert [u.role for u in list_users(project)] == ["admin"]
    assert ensure_admin(project, None) is False


def test_cli_users_commands(cli, project_path, tmp_path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("from-a-file\n")
    result = cli("users", "add", project_path, "ana", "--role", "coder", "--password-file", secret)
    assert result.exit_code == 0, result.output
    assert cli("users", "add", project_path, "ben", "--role", "boss", "--password-file", secret).exit_code == 2
    assert cli("users", "set-role", project_path, "ana", "analyst").exit_code == 0
    listed = cli("users", "list", project_path, "--json")
    assert '"role": "analyst"' in listed.output and "password" not in listed.output
    assert cli("users", "disable", project_path, "ana").exit_code == 0
    with Project.open(project_path) as proj:
        assert proj.scalar("SELECT disabled FROM users WHERE username = 'ana'") is True
    no_terminal = cli("users", "add", project_path, "cy", "--role", "viewer")
    assert no_terminal.exit_code == 2 and "password-file" in no_terminal.output


def test_serve_refuses_first_run_without_a_password(cli, project_path, monkeypatch) -> None:
    monkeypatch.delenv("PEELIAN_ADMIN_PASSWORD", raising=False)
    result = cli("serve", project_path, "--port", "1")
    assert result.exit_code == 2 and "--admin-password-file" in result.output
    with Project.open(project_path) as proj:
        assert list_users(proj) == []
