"""The users library and the `peelian users` / `peelian serve` first-run commands."""

from __future__ import annotations

import pytest

from peelian import Project
from peelian.errors import AuthError, InputError, NotFoundError
from peelian.store.users import (add_user, check_password, generate_password, list_users, min_password_length,
                                  set_disabled, set_min_password_length, set_password, set_role, verify_password)
from peelian.web.server import ensure_admin

GOOD = "copper kettle morning"


def test_passwords_are_stored_as_argon2_hashes(project: Project) -> None:
    add_user(project, "Ana", "violet-harbour-lamp", "coder")
    stored = project.scalar("SELECT password_hash FROM users WHERE username = 'ana'")
    assert stored.startswith("$argon2id$") and "violet-harbour-lamp" not in stored
    assert verify_password(project, "ANA", "violet-harbour-lamp").role == "coder"
    with pytest.raises(AuthError, match="wrong username or password"):
        verify_password(project, "ana", "wrong-pass")
    with pytest.raises(AuthError, match="wrong username or password"):
        verify_password(project, "nobody", "violet-harbour-lamp")


def test_user_rules(project: Project) -> None:
    with pytest.raises(InputError, match="unknown role"):
        add_user(project, "ana", "copper kettle morning", "superuser")
    with pytest.raises(InputError, match="at least 12"):
        add_user(project, "ana", "short", "viewer")
    with pytest.raises(InputError, match="invalid username"):
        add_user(project, "ana smith", "copper kettle morning", "viewer")
    add_user(project, "ana", "copper kettle morning", "viewer")
    with pytest.raises(InputError, match="already exists"):
        add_user(project, "ana", "copper kettle morning", "viewer")
    with pytest.raises(NotFoundError):
        set_role(project, "ben", "admin")


def test_the_last_admin_cannot_be_demoted_or_disabled(project: Project) -> None:
    add_user(project, "root", "copper kettle morning", "admin")
    with pytest.raises(InputError, match="only admin"):
        set_role(project, "root", "viewer")
    with pytest.raises(InputError, match="only admin"):
        set_disabled(project, "root")
    add_user(project, "second", "copper kettle morning", "admin")
    assert set_role(project, "root", "analyst").role == "analyst"


def test_disable_enable_and_new_password(project: Project) -> None:
    add_user(project, "ana", "copper kettle morning", "analyst")
    set_disabled(project, "ana", by="root")
    with pytest.raises(AuthError, match="disabled"):
        verify_password(project, "ana", "copper kettle morning")
    set_disabled(project, "ana", False)
    set_password(project, "ana", "tulip quarry ember")
    assert verify_password(project, "ana", "tulip quarry ember").username == "ana"
    actions = [r["action"] for r in project.query("SELECT action FROM audit_log ORDER BY audit_id")]
    assert actions == ["user_add", "user_disable", "user_enable", "user_password"]


def test_first_run_needs_an_admin_password(project: Project) -> None:
    with pytest.raises(AuthError, match="no web users"):
        ensure_admin(project, None)
    assert ensure_admin(project, "granite-orchard-41") is True
    assert [u.role for u in list_users(project)] == ["admin"]
    assert ensure_admin(project, None) is False


def test_cli_users_commands(cli, project_path, tmp_path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("cobalt fern lantern\n")
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


@pytest.mark.parametrize(("password", "reason"), [
    ("12345678", "at least 12"),
    ("password", "at least 12"),
    (" " * 8, "only spaces"),
    (" " * 16, "only spaces"),
    ("123456789012", "too common"),
    ("password1234", "too common"),
    ("Password123!", "too common"),
    ("qwertyuiop12", "too common"),
    ("aaaaaaaaaaaaaaaa", "too common"),
    ("policepolice", "too common"),
    ("Ana-Lovelace-1815", "user name"),
    ("my name is ANA!!", "user name"),
])
def test_weak_passwords_are_refused_wherever_a_password_is_set(project: Project, password: str,
                                                               reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        add_user(project, "ana", password, "viewer")
    assert list_users(project) == []
    add_user(project, "ana", GOOD, "viewer")
    with pytest.raises(InputError, match=reason):
        set_password(project, "ana", password)
    assert verify_password(project, "ana", GOOD).username == "ana"


def test_the_policy_is_nist_length_and_a_guessability_check() -> None:
    for good in (GOOD, "tulip quarry ember", "Zq8#vLp2xT!m", "the cat sat on my keyboard"):
        check_password(good, "ana")
    check_password("violet-harbour-lamp", "an")  # a two-letter name is not looked for inside passwords
    check_password("Zq8#vLp2", "ana", min_length=8)  # random enough at 8 characters where an operator allows 8
    with pytest.raises(InputError, match="at least 12"):
        check_password("Zq8#vLp2", "ana")
    generated = {generate_password("admin") for _ in range(5)}
    assert len(generated) == 5
    for password in generated:
        check_password(password, "admin")


def test_an_operator_can_lower_the_minimum_to_8_but_not_below(project: Project) -> None:
    assert min_password_length(project) == 12
    with pytest.raises(InputError, match="at least 12"):
        add_user(project, "ana", "Zq8#vLp2", "viewer")
    with pytest.raises(InputError, match="between 8 and 64"):
        set_min_password_length(project, 7)
    set_min_password_length(project, 8, by="root")
    add_user(project, "ana", "Zq8#vLp2", "viewer")
    with pytest.raises(InputError, match="too common"):
        add_user(project, "ben", "password", "viewer")  # 8 characters, but the commonest password there is
    assert project.scalar("SELECT username FROM audit_log WHERE action = 'password_policy'") == "root"


def test_cli_password_rules_and_policy(cli, project_path, tmp_path) -> None:
    weak = tmp_path / "weak.txt"
    weak.write_text("12345678\n")
    refused = cli("users", "add", project_path, "ana", "--role", "coder", "--password-file", weak)
    assert refused.exit_code == 2 and "at least 12" in refused.output
    weak.write_text("Ana.Smith.2025\n")
    refused = cli("users", "add", project_path, "ana", "--role", "coder", "--password-file", weak)
    assert refused.exit_code == 2 and "user name" in refused.output
    policy = cli("users", "password-policy", project_path, "--json")
    assert policy.exit_code == 0 and '"min_length": 12' in policy.output
    short = tmp_path / "short.txt"
    short.write_text("k9$Tq!m2xQ\n")
    assert cli("users", "add", project_path, "ana", "--role", "coder", "--password-file", short).exit_code == 2
    assert cli("users", "password-policy", project_path, "--min-length", "7").exit_code == 2
    lowered = cli("users", "password-policy", project_path, "--min-length", "10")
    assert lowered.exit_code == 0 and "at least 10 characters" in lowered.output
    assert cli("users", "add", project_path, "ana", "--role", "coder", "--password-file", short).exit_code == 0
    weak.write_text("password1234\n")
    refused = cli("users", "set-password", project_path, "ana", "--password-file", weak)
    assert refused.exit_code == 2 and "too common" in refused.output


@pytest.fixture
def served(monkeypatch) -> list[dict]:
    """Calls of `peelian.web.serve` by the CLI, recorded instead of starting a server."""
    calls: list[dict] = []
    monkeypatch.setattr("peelian.web.serve", lambda path, **options: calls.append({"path": path, **options}))
    monkeypatch.delenv("PEELIAN_ADMIN_PASSWORD", raising=False)
    return calls


def test_admin_password_file_is_checked_too(cli, project_path, tmp_path, served) -> None:
    weak = tmp_path / "pw.txt"
    weak.write_text("password\n")
    result = cli("serve", project_path, "--admin-password-file", weak, "--port", "1")
    assert result.exit_code == 2 and "at least 12" in result.output
    assert served == []
    with Project.open(project_path) as proj:
        assert list_users(proj) == []


def test_serve_passes_proxy_and_https_options_through(cli, project_path, tmp_path, served) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("granite-orchard-41\n")
    assert cli("serve", project_path, "--admin-password-file", secret).exit_code == 0
    assert served[0]["forwarded_allow_ips"] is None and served[0]["https"] is False
    result = cli("serve", project_path, "--forwarded-allow-ips", "10.0.0.5", "--https")
    assert result.exit_code == 0, result.output
    assert served[1]["forwarded_allow_ips"] == "10.0.0.5" and served[1]["https"] is True
    typo = cli("serve", project_path, "--forwarded-allow-ips", "proxy.local")
    assert typo.exit_code == 2 and "not an IP address" in typo.output and len(served) == 2


def test_admin_password_file_creates_the_admin_when_users_exist_but_no_admin(cli, project_path, tmp_path,
                                                                           served) -> None:
    with Project.open(project_path) as proj:
        add_user(proj, "cody", GOOD, "coder")  # what `peelian code` does on a project without users
    secret = tmp_path / "pw.txt"
    secret.write_text("granite-orchard-41\n")
    result = cli("serve", project_path, "--admin-password-file", secret, "--port", "1")
    assert result.exit_code == 0, result.output
    assert "no admin" in result.output and "created user admin" in result.output
    assert len(served) == 1
    with Project.open(project_path) as proj:
        assert verify_password(proj, "admin", "granite-orchard-41").role == "admin"
    again = cli("serve", project_path, "--admin-password-file", secret, "--port", "1")
    assert again.exit_code == 0 and "not used" in again.output


def test_serve_refuses_a_project_with_users_but_no_admin_and_no_password(cli, project_path, served) -> None:
    with Project.open(project_path) as proj:
        add_user(proj, "cody", GOOD, "coder")
    result = cli("serve", project_path, "--port", "1")
    assert result.exit_code == 2 and "--admin-password-file" in result.output and "no admin" in result.output
    assert served == []
    with Project.open(project_path) as proj:
        with pytest.raises(AuthError, match="no admin"):
            ensure_admin(proj, None)
        assert ensure_admin(proj, None, required=False) is False  # peelian code: the coder needs no admin


def test_peelian_code_serves_a_coder_called_admin_on_a_project_without_an_admin(cli, project_path,
                                                                                served) -> None:
    result = cli("code", project_path, "--coder", "admin", "--no-browser")
    assert result.exit_code == 0, result.output
    assert served[0]["login_as"] == ("admin", "coder") and served[0]["require_admin"] is False
    with Project.open(project_path) as proj:
        assert [(u.username, u.role) for u in list_users(proj)] == [("admin", "coder")]
        assert ensure_admin(proj, None, required=False) is False
        with pytest.raises(AuthError, match="set-role"):
            ensure_admin(proj, None)


def test_serve_will_not_take_over_an_existing_account_named_admin(cli, project_path, tmp_path, served) -> None:
    with Project.open(project_path) as proj:
        add_user(proj, "admin", GOOD, "coder")
    secret = tmp_path / "pw.txt"
    secret.write_text("granite-orchard-41\n")
    result = cli("serve", project_path, "--admin-password-file", secret, "--port", "1")
    assert result.exit_code == 2 and "set-role" in result.output and "role coder" in result.output
    assert served == []
    with Project.open(project_path) as proj:
        assert verify_password(proj, "admin", GOOD).role == "coder"
