"""`peelian serve`, `peelian code`, `peelian report` and `peelian users ...`: the web app and reports."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import typer
from rich.table import Table

from peelian.cli.app import CODING, REPORT, app, users_app
from peelian.cli.common import (
    JsonOpt,
    ProjectArg,
    console,
    emit_json,
    err_console,
    open_project,
    shown,
    user_errors,
)
from peelian.errors import AuthError, InputError, NotFoundError
from peelian.store.names import LOWEST_MIN_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, USER_ROLES

ADMIN_PASSWORD_ENV = "PEELIAN_ADMIN_PASSWORD"
PASSWORD_ENV = "PEELIAN_PASSWORD"


def _read_password_file(path: Path) -> str:
    try:
        password = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError(f"cannot read the password file: {exc.strerror}", path=str(path)) from None
    if not password:
        raise InputError("the password file is empty", path=str(path))
    return password


def _ask_new_password(prompt: str, option: str, env: str) -> str:
    """Ask twice on the terminal; refuse when there is no terminal to ask on."""
    if not sys.stdin.isatty():
        raise InputError(f"no terminal to ask for a password; use {option} or set {env}")
    first = getpass.getpass(f"{prompt}: ")
    if first != getpass.getpass("again: "):
        raise InputError("the two passwords differ")
    return first


def _password(password_file: Path | None, env: str, prompt: str, option: str = "--password-file") -> str:
    if password_file is not None:
        return _read_password_file(password_file)
    if os.environ.get(env):
        return os.environ[env]
    return _ask_new_password(prompt, option, env)


@app.command(rich_help_panel=REPORT)
def serve(
    project: Path = ProjectArg,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: this machine only)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    admin_password_file: Path = typer.Option(None, "--admin-password-file",
                                             help=f"When the project has no admin yet: the password of the new "
                                                  f"user 'admin', read from this file (or set "
                                                  f"{ADMIN_PASSWORD_ENV}); else you are asked."),
    open_browser: bool = typer.Option(False, "--open", help="Open the web browser."),
    forwarded_allow_ips: str = typer.Option(None, "--forwarded-allow-ips",
                                            help="Comma-separated addresses or networks of the reverse proxy in "
                                                 "front: only from these are X-Forwarded-For and "
                                                 "X-Forwarded-Proto believed (default: from none)."),
    https: bool = typer.Option(False, "--https",
                               help="Browsers reach this server over HTTPS (a proxy terminates TLS): cookies "
                                    "are Secure and HSTS is sent, also without X-Forwarded-Proto."),
) -> None:
    """Serve the dashboard, explorer, coding and reports at http://127.0.0.1:8000."""
    from peelian.store.users import count_users

    from peelian.web import serve as serve_app
    from peelian.web.server import admin_needed, ensure_admin, trusted_proxies

    with user_errors():
        trusted_proxies(forwarded_allow_ips)
    with open_project(project) as proj:
        if admin_needed(proj):
            err_console.print("This project has no web users yet: create the admin (user name 'admin')."
                              if count_users(proj) == 0 else
                              "This project has web users but no admin to manage them: create the admin "
                              "(user name 'admin').")
            admin_password = _password(admin_password_file, ADMIN_PASSWORD_ENV, "admin password",
                                       "--admin-password-file")
            ensure_admin(proj, admin_password)
            console.print("created user admin (role admin)")
        elif admin_password_file is not None:
            err_console.print("note: the project has an admin already; --admin-password-file is not used "
                              "(change a password with: peelian users set-password)")
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(f"[yellow]warning:[/] listening on {host}: other machines can reach this server; "
                          "put it behind HTTPS before using it over a network")
    with user_errors():
        serve_app(project, host=host, port=port, open_browser=open_browser, forwarded_allow_ips=forwarded_allow_ips,
                  https=https)


@app.command(rich_help_panel=CODING)
def code(
    project: Path = ProjectArg,
    coder: str = typer.Option(..., "--coder", help="Your user name; created with role coder if new."),
    sample: str = typer.Option(None, "--sample", help="Code this sample (default: your next assigned items)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on (localhost only)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Print the login link instead of opening it."),
) -> None:
    """Open the coding interface in the browser, logged in as CODER."""
    from peelian.store.users import add_user, generate_password, get_user

    from peelian.web import serve as serve_app

    with open_project(project) as proj:
        try:
            user = get_user(proj, coder)
        except NotFoundError:
            user = add_user(proj, coder, generate_password(coder), "coder")
            console.print(f"created user {user.username} (role coder); set a password with: "
                          f"peelian users set-password {project} {user.username}")
        if user.disabled or user.role == "viewer":
            raise AuthError(f"user {user.username} ({'disabled' if user.disabled else user.role}) cannot code; "
                            f"peelian users set-role {project} {user.username} coder")
    start = "/code" + (f"?sample={sample}" if sample else "")
    with user_errors():
        serve_app(project, port=port, open_browser=not no_browser, login_as=(user.username, user.role),
                  start_path=start, require_admin=False)


@app.command(rich_help_panel=REPORT)
def report(
    project: Path = ProjectArg,
    force: str = typer.Option(None, "--force", help="The force, as named in the registry. Leave it out to list "
                              "the forces and the months that have their posts."),
    month: str = typer.Option(None, "--month", help="The month, e.g. 2025-05."),
    to: Path = typer.Option(None, "--to", help="The HTML file to write (one self-contained file)."),
    pdf: bool = typer.Option(False, "--pdf", help="Also print it to PDF (next to the HTML, .pdf) with chromium."),
    json: bool = JsonOpt,
) -> None:
    """Write the monthly force report: headline figures, trends, comparisons, unanswered questions.
    Without --force, list the forces a report can be written for."""
    from peelian.report.force_report import parse_month, write_force_report
    from peelian.report.forces import report_forces

    if force is None:
        with open_project(project, read_only=True) as proj:
            forces = report_forces(proj)
        if json:
            emit_json(forces)
        else:
            _print_forces(project, forces)
        return
    with user_errors():
        missing = [option for option, value in (("--month", month), ("--to", to)) if value is None]
        if missing:
            raise InputError(f"a report needs {' and '.join(missing)}, e.g. peelian report {project} "
                             f"--force {force!r} --month 2025-05 --to report.html "
                             f"(peelian report {project} lists the forces and their months)")
        parse_month(month)  # a month out of range or unreadable is refused before the project opens
    with open_project(project) as proj:
        written = write_force_report(proj, force, month, to, pdf=pdf)
        proj.audit("export", target="force_report", detail={"force": force, "month": month,
                                                            "files": [str(p) for p in written]})
    if json:
        emit_json({"files": [str(p) for p in written]})
        return
    for path in written:
        console.print(f"wrote {shown(path)}", highlight=False)


def _print_forces(project: Path, forces: list[dict]) -> None:
    if not forces:
        console.print(f"no forces in the registry yet (peelian registry import {shown(project)} accounts.csv)",
                      highlight=False)
        return
    from peelian.metrics.views import last_full_month

    table = Table("force", "accounts", "police posts", "months with posts", title="forces a report can be written for")
    for f in forces:
        months = f["months"]
        span = "-" if not months else months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
        table.add_row(f["force"], f"{f['accounts']:,}", f"{f['police_posts']:,}", span)
    console.print(table)
    # the example: the first force with posts, and the last full month of its own posts (else its last month)
    example = next((f for f in forces if f["months"]), forces[0])
    month = "YYYY-MM"
    if example["months"]:
        full = f"{last_full_month(example['last_post'].date())[0]:%Y-%m}"
        month = full if full in example["months"] else example["months"][-1]
    console.print(f'write one: peelian report {shown(project)} --force "{example["force"]}" --month {month} '
                  "--to report.html", highlight=False, soft_wrap=True)


UserArg = typer.Argument(..., help="The user's name (as given to users add; peelian users list shows them).",
                         show_default=False)


@users_app.command("add")
def users_add(
    project: Path = ProjectArg,
    username: str = typer.Argument(..., help="The new user's name."),
    role: str = typer.Option("viewer", "--role", help=f"One of: {', '.join(USER_ROLES)}."),
    password_file: Path = typer.Option(None, "--password-file",
                                       help=f"Read the password from this file (or set {PASSWORD_ENV}); "
                                            "else you are asked."),
) -> None:
    """Add a web app user."""
    from peelian.store.users import add_user

    with open_project(project) as proj:
        if role not in USER_ROLES:
            raise InputError(f"unknown role {role!r}; choose one of: {', '.join(USER_ROLES)}")
        user = add_user(proj, username, _password(password_file, PASSWORD_ENV, f"password for {username}"), role)
    console.print(f"added {user.username} (role {user.role})")


@users_app.command("list")
def users_list(project: Path = ProjectArg, json: bool = JsonOpt) -> None:
    """List users and their roles."""
    from peelian.store.users import list_users

    with open_project(project, read_only=True) as proj:
        users = list_users(proj)
    if json:
        emit_json([u.to_dict() for u in users])
        return
    table = Table("user", "role", "created", "status")
    for u in users:
        table.add_row(u.username, u.role, str(u.created_at)[:19], "disabled" if u.disabled else "active")
    console.print(table)


@users_app.command("set-role")
def users_set_role(project: Path = ProjectArg, username: str = UserArg,
                   role: str = typer.Argument(..., help=f"One of: {', '.join(USER_ROLES)}.")) -> None:
    """Change a user's role (takes effect at their next login)."""
    from peelian.store.users import set_role

    with open_project(project) as proj:
        user = set_role(proj, username, role)
    console.print(f"{user.username} is now {user.role}")


@users_app.command("disable")
def users_disable(project: Path = ProjectArg, username: str = UserArg,
                  enable: bool = typer.Option(False, "--enable", help="Re-enable instead.")) -> None:
    """Disable a user (they can no longer log in); --enable undoes it."""
    from peelian.store.users import set_disabled

    with open_project(project) as proj:
        user = set_disabled(proj, username, not enable)
    console.print(f"{user.username} is {'disabled' if user.disabled else 'enabled'}")


@users_app.command("set-password")
def users_set_password(
    project: Path = ProjectArg, username: str = UserArg,
    password_file: Path = typer.Option(None, "--password-file", help=f"Read it from this file (or {PASSWORD_ENV})."),
) -> None:
    """Set a user's password."""
    from peelian.store.users import set_password

    with open_project(project) as proj:
        set_password(proj, username, _password(password_file, PASSWORD_ENV, f"new password for {username}"))
    console.print(f"password of {username} changed")


@users_app.command("password-policy")
def users_password_policy(
    project: Path = ProjectArg,
    min_length: int = typer.Option(None, "--min-length",
                                   help=f"Set the shortest new password allowed ({LOWEST_MIN_PASSWORD_LENGTH}-64; "
                                        f"default {MIN_PASSWORD_LENGTH}, as NIST SP 800-63B recommends)."),
    json: bool = JsonOpt,
) -> None:
    """Show the rules new passwords must meet; --min-length changes the minimum length."""
    from peelian.store.users import MIN_PASSWORD_GUESSES, min_password_length, set_min_password_length

    with open_project(project, read_only=min_length is None) as proj:
        length = set_min_password_length(proj, min_length) if min_length is not None else min_password_length(proj)
    policy = {"min_length": length, "min_guesses": MIN_PASSWORD_GUESSES, "may_contain_user_name": False,
              "may_be_blank": False}
    if json:
        emit_json(policy)
        return
    console.print(f"new passwords: at least {length} characters, not only spaces, not containing the user name, "
                  f"and not common or easy to guess (at least {MIN_PASSWORD_GUESSES:,} guesses by zxcvbn's estimate)",
                  highlight=False)
