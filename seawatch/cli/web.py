"""Commands of the web service: ``serve`` and ``users add|list|disable|password|token``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from seawatch.cli.root import main, pass_settings
from seawatch.config import Settings
from seawatch.errors import DataError

if TYPE_CHECKING:
    from seawatch.web.accounts import AccountStore


@main.command()
@click.option("--host", help="Address to listen on (default [web] host, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default [web] port, 8000; 0: any).")
@pass_settings
def serve(settings: Settings, host: str | None, port: int | None) -> None:
    """Run the coordinator web service: live map, incident API, accounts.

    Sign-in needs an account (`seawatch users add NAME --role coordinator`). Put it behind an
    https reverse proxy for use beyond this machine; cookies are marked Secure under https.
    Stops cleanly on Ctrl-C or SIGTERM, finishing requests in progress first.
    """
    import uvicorn

    from seawatch.web.app import create_app

    app = create_app(settings)
    uvicorn.run(
        app,
        host=host or settings.web.host,
        port=settings.web.port if port is None else port,
        timeout_graceful_shutdown=10,
        proxy_headers=True,
        server_header=False,
        log_level="info",
    )


@main.group()
def users() -> None:
    """Accounts of the web service (roles: viewer, coordinator, admin)."""


def _accounts(settings: Settings) -> AccountStore:
    from seawatch.web.accounts import AccountStore

    return AccountStore.from_settings(settings)


def _read_password(confirm: bool = True) -> str:
    """The password from stdin when piped (first line), else from a hidden prompt."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise DataError("no password on stdin: pipe it in, or run in a terminal to be asked")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=confirm)


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["viewer", "coordinator", "admin"]),
    required=True,
    help="viewer: sees; coordinator: reports and edits incidents; admin: as coordinator.",
)
@pass_settings
def users_add(settings: Settings, name: str, role: str) -> None:
    """Create the account NAME. The password is read from stdin or asked for, never an argument."""
    password = _read_password()
    accounts = _accounts(settings)
    try:
        user = accounts.add_user(name, role, password)
    finally:
        accounts.close()
    click.echo(f"added {user.name} ({user.role})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def users_list(settings: Settings, as_json: bool) -> None:
    """List the accounts with role, state and number of API tokens."""
    accounts = _accounts(settings)
    try:
        rows = accounts.list_users()
    finally:
        accounts.close()
    if as_json:
        for row in rows:
            row["created_at"] = row["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ")
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no accounts yet: seawatch users add NAME --role coordinator")
    for row in rows:
        state = "disabled" if row["disabled"] else "active"
        click.echo(
            f"{row['name']:<24} {row['role']:<12} {state:<9} tokens: {row['tokens']}  "
            f"since {row['created_at']:%Y-%m-%d}"
        )


@users.command("disable")
@click.argument("name")
@pass_settings
def users_disable(settings: Settings, name: str) -> None:
    """Disable NAME: sign-in, browser sessions and API tokens stop working at once."""
    accounts = _accounts(settings)
    try:
        accounts.disable(name)
    finally:
        accounts.close()
    click.echo(f"disabled {name}")


@users.command("password")
@click.argument("name")
@pass_settings
def users_password(settings: Settings, name: str) -> None:
    """Set a new password for NAME (from stdin or a prompt); ends their browser sessions."""
    password = _read_password()
    accounts = _accounts(settings)
    try:
        accounts.set_password(name, password)
    finally:
        accounts.close()
    click.echo(f"password of {name} changed")


@users.command("token")
@click.argument("name")
@pass_settings
def users_token(settings: Settings, name: str) -> None:
    """Issue a new API token for NAME's scripts; it is printed once, as the last line."""
    accounts = _accounts(settings)
    try:
        token = accounts.create_token(name)
    finally:
        accounts.close()
    click.echo(f"API token for {name} (shown once; send it as 'Authorization: Bearer TOKEN'):")
    click.echo(token)
