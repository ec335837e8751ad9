"""``seawatch users`` and ``seawatch serve --help``."""

from __future__ import annotations

from click.testing import CliRunner

import seawatch.cli.web  # noqa: F401  (registers serve and users on the root group)
from seawatch.cli import main
from seawatch.web.accounts import AccountStore


def run(tmp_path, *args, input=None):
    return CliRunner().invoke(main, [*args, "--data-dir", str(tmp_path)], input=input)


def test_add_with_password_from_stdin_then_list_token_disable(tmp_path):
    added = run(tmp_path, "users", "add", "amina", "--role", "coordinator", input="long password\n")
    assert added.exit_code == 0, added.output
    assert "long password" not in added.output
    listed = run(tmp_path, "users", "list")
    assert "amina" in listed.output and "coordinator" in listed.output and "active" in listed.output
    issued = run(tmp_path, "users", "token", "amina")
    assert issued.exit_code == 0
    token = issued.output.strip().splitlines()[-1]
    accounts = AccountStore(f"sqlite:///{tmp_path / 'incidents.sqlite'}")
    try:
        assert accounts.user_for_token(token).name == "amina"
        assert run(tmp_path, "users", "disable", "amina").exit_code == 0
        assert accounts.user_for_token(token) is None
    finally:
        accounts.close()
    assert "disabled" in run(tmp_path, "users", "list").output


def test_password_is_never_an_argument(tmp_path):
    result = run(tmp_path, "users", "add", "amina", "--role", "viewer", "--password", "x")
    assert result.exit_code != 0 and "No such option" in result.output


def test_bad_input_is_one_line(tmp_path):
    result = run(tmp_path, "users", "add", "amina", "--role", "viewer", input="short\n")
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
    assert run(tmp_path, "users", "token", "nobody").exit_code == 1


def test_serve_help():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output and "--port" in result.output
