"""Commands of the web service: ``serve`` and
``users add|list|disable|enable|password|token|tokens|revoke``."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import click

from seawatch.cli.root import main, pass_settings
from seawatch.config import Settings
from seawatch.errors import ConfigError, DataError

if TYPE_CHECKING:
    from seawatch.web.accounts import AccountStore


@main.command()
@click.option("--host", help="Address to listen on (default [web] host, 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port to listen on (default [web] port, 8000; 0: any free port).",
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    default=("127.0.0.1",),
    show_default=True,
    help="Address of a reverse proxy whose X-Forwarded-For/-Proto are believed (repeatable). "
    "Requests from anywhere else are taken at their own address, whatever they claim.",
)
@pass_settings
def serve(
    settings: Settings, host: str | None, port: int | None, trusted_proxies: tuple[str, ...]
) -> None:
    """Run the coordinator web service: live map, incident API, accounts.

    Sign-in needs an account (`seawatch users add NAME --role coordinator`). Put it behind an
    https reverse proxy for use beyond this machine; cookies are marked Secure under https.
    Stops cleanly on Ctrl-C or SIGTERM, finishing requests in progress first.
    """
    import uvicorn

    from seawatch.web.app import create_app

    host = host or settings.web.host
    port = settings.web.port if port is None else port
    _check_can_listen(host, port)
    app = create_app(settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        timeout_graceful_shutdown=10,
        proxy_headers=True,
        # explicit, so a FORWARDED_ALLOW_IPS in the environment cannot widen it silently
        forwarded_allow_ips=",".join(trusted_proxies),
        server_header=False,
        log_level="info",
    )


def _check_can_listen(host: str, port: int) -> None:
    """Fail in one line, before the maps are rendered, when ``host:port`` cannot be listened on.

    uvicorn reported these only after start-up, among its log lines, as "[Errno -2] Name or
    service not known" or "[Errno 98] error while attempting to bind".
    """
    import errno
    import socket

    what = "use --host 127.0.0.1 (this machine only) or 0.0.0.0 (every network), or set [web] host"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError):
        raise ConfigError(
            f"cannot listen on {host!r}: not an address or name known here; {what}"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"cannot listen on {host}:{port}: the port is in use (another seawatch serve?); "
                    "stop that program, or choose another --port or [web] port"
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise ConfigError(
                    f"cannot listen on {host}: not an address of this machine; {what}"
                ) from None
            if exc.errno == errno.EACCES:
                raise ConfigError(
                    f"cannot listen on port {port}: ports below 1024 need root; use a port such "
                    "as 8000 behind the reverse proxy (--port or [web] port)"
                ) from None
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


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


@users.command("enable")
@click.argument("name")
@pass_settings
def users_enable(settings: Settings, name: str) -> None:
    """Enable NAME again after `disable`: sign-in and their remaining API tokens work."""
    accounts = _accounts(settings)
    try:
        accounts.enable(name)
    finally:
        accounts.close()
    click.echo(f"enabled {name}")


@users.command("password")
@click.argument("name")
@click.option("--end-tokens", is_flag=True, help="Also end every API token of NAME.")
@pass_settings
def users_password(settings: Settings, name: str, end_tokens: bool) -> None:
    """Set a new password for NAME (from stdin or a prompt); ends their browser sessions."""
    password = _read_password()
    accounts = _accounts(settings)
    try:
        accounts.set_password(name, password)
        ended = accounts.revoke_tokens(name) if end_tokens else None
    finally:
        accounts.close()
    click.echo(f"password of {name} changed")
    if ended is not None:
        click.echo(f"ended {ended} API token(s) of {name}")


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "never"


@users.command("tokens")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_settings
def users_tokens(settings: Settings, name: str, as_json: bool) -> None:
    """List NAME's API tokens: id, when created, when last used (to the minute)."""
    accounts = _accounts(settings)
    try:
        rows = accounts.list_tokens(name)
    finally:
        accounts.close()
    if as_json:
        iso = "%Y-%m-%dT%H:%M:%SZ"
        for row in rows:
            row["created_at"] = row["created_at"].strftime(iso)
            row["last_used_at"] = row["last_used_at"].strftime(iso) if row["last_used_at"] else None
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"{name} has no API tokens: seawatch users token {name}")
    for row in rows:
        click.echo(
            f"{row['id']:>6}  created {_when(row['created_at'])}  "
            f"last used {_when(row['last_used_at'])}"
        )


@users.command("revoke")
@click.argument("name")
@click.argument("token_id", type=int)
@pass_settings
def users_revoke(settings: Settings, name: str, token_id: int) -> None:
    """End NAME's API token TOKEN_ID (the id `seawatch users tokens NAME` shows)."""
    accounts = _accounts(settings)
    try:
        accounts.revoke_token(name, token_id)
    finally:
        accounts.close()
    click.echo(f"revoked token {token_id} of {name}")


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
