"""``seawatch users`` and ``seawatch serve --help``."""

from __future__ import annotations

import json

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


def test_tokens_are_listed_revoked_and_survive_disable_enable(tmp_path):
    assert run(tmp_path, "users", "add", "ops", "--role", "coordinator", input="long password\n")
    first = run(tmp_path, "users", "token", "ops").output.strip().splitlines()[-1]
    second = run(tmp_path, "users", "token", "ops").output.strip().splitlines()[-1]
    accounts = AccountStore(f"sqlite:///{tmp_path / 'incidents.sqlite'}")
    try:
        assert accounts.user_for_token(first).name == "ops"  # used once, the second never
        listed = run(tmp_path, "users", "tokens", "ops")
        assert listed.exit_code == 0, listed.output
        lines = listed.output.strip().splitlines()
        assert len(lines) == 2 and "last used never" in lines[1]
        assert "last used never" not in lines[0] and " UTC" in lines[0]
        as_json = json.loads(run(tmp_path, "users", "tokens", "ops", "--json").output)
        first_id, second_id = (row["id"] for row in as_json)
        assert as_json[0]["last_used_at"].endswith("Z") and as_json[1]["last_used_at"] is None

        # revoke ends exactly that one
        revoked = run(tmp_path, "users", "revoke", "ops", str(first_id))
        assert revoked.exit_code == 0, revoked.output
        assert accounts.user_for_token(first) is None
        assert accounts.user_for_token(second).name == "ops"
        missing = run(tmp_path, "users", "revoke", "ops", str(first_id))
        assert missing.exit_code == 1 and "users tokens ops" in missing.output

        # disable stops the token, enable brings it back
        assert run(tmp_path, "users", "disable", "ops").exit_code == 0
        assert accounts.user_for_token(second) is None
        assert run(tmp_path, "users", "enable", "ops").exit_code == 0
        assert accounts.user_for_token(second).name == "ops"

        # a password change ends the tokens only when asked
        changed = run(tmp_path, "users", "password", "ops", input="another password\n")
        assert changed.exit_code == 0 and accounts.user_for_token(second).name == "ops"
        ended = run(tmp_path, "users", "password", "ops", "--end-tokens", input="third password\n")
        assert ended.exit_code == 0 and "ended 1 API token" in ended.output
        assert accounts.user_for_token(second) is None
        assert [r["id"] for r in accounts.list_tokens("ops")] == []
        assert second_id > first_id
    finally:
        accounts.close()
