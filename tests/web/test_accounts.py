"""Accounts: argon2 passwords, hashed tokens, roles, their own migrations beside the store's."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seawatch.errors import ConflictError, DataError, NotFoundError
from seawatch.incidents.model import HEAD_REVISION as INCIDENT_HEAD
from seawatch.incidents.store import IncidentStore
from seawatch.web.accounts import AccountStore, User


@pytest.fixture()
def accounts(tmp_path):
    store = AccountStore(f"sqlite:///{tmp_path / 'incidents.sqlite'}")
    yield store
    store.close()


def test_passwords_are_argon2_and_checked(accounts):
    accounts.add_user("amina", "coordinator", "correct horse")
    with accounts.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM web_users")).scalar()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.authenticate("amina", "correct horse").role == "coordinator"
    assert accounts.authenticate("amina", "wrong horse") is None
    assert accounts.authenticate("nobody", "correct horse") is None


def test_tokens_are_stored_hashed(accounts):
    accounts.add_user("bot", "viewer", "a long password")
    token = accounts.create_token("bot")
    with accounts.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT token_hash FROM web_api_tokens")).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    assert accounts.user_for_token(token).name == "bot"
    assert accounts.user_for_token(token + "x") is None


def test_disable_stops_everything(accounts):
    user = accounts.add_user("victor", "viewer", "a long password")
    token = accounts.create_token("victor")
    session_id, _ = accounts.create_session(user)
    accounts.disable("victor")
    assert accounts.authenticate("victor", "a long password") is None
    assert accounts.user_for_token(token) is None
    assert accounts.session(session_id) is None


def test_new_password_ends_sessions(accounts):
    user = accounts.add_user("amina", "admin", "first password")
    session_id, session = accounts.create_session(user)
    assert accounts.session(session_id).csrf_token == session.csrf_token
    accounts.set_password("amina", "second password")
    assert accounts.session(session_id) is None
    assert accounts.authenticate("amina", "second password")


@pytest.mark.parametrize(
    ("name", "role", "password", "error"),
    [
        ("bad name", "viewer", "long enough", DataError),
        ("x", "captain", "long enough", DataError),
        ("x", "viewer", "short", DataError),
    ],
)
def test_invalid_accounts_are_refused(accounts, name, role, password, error):
    with pytest.raises(error):
        accounts.add_user(name, role, password)


def test_duplicates_and_unknown_names(accounts):
    accounts.add_user("amina", "viewer", "long enough")
    with pytest.raises(ConflictError):
        accounts.add_user("amina", "admin", "long enough")
    with pytest.raises(NotFoundError):
        accounts.create_token("nobody")


def test_roles_are_ordered():
    viewer, coordinator, admin = (User(1, "u", r) for r in ("viewer", "coordinator", "admin"))
    assert not viewer.can_edit and coordinator.can_edit and admin.can_edit
    assert admin.has_role("coordinator") and not coordinator.has_role("admin")


def test_own_version_table_beside_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'incidents.sqlite'}"
    store = IncidentStore(url)
    accounts = AccountStore(url)
    again = IncidentStore(url)  # reopening migrates nothing and breaks nothing
    try:
        tables = set(sa.inspect(accounts.engine).get_table_names())
        assert {"alembic_version", "alembic_version_web", "incidents", "web_users"} <= tables
        with accounts.engine.connect() as conn:
            web = conn.execute(sa.text("SELECT version_num FROM alembic_version_web")).scalar()
            main = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert web == "web0002" and main == INCIDENT_HEAD
        assert again.count() == 0
    finally:
        store.close()
        again.close()
        accounts.close()


@pytest.mark.postgres
def test_accounts_on_postgresql(postgres_url):
    """Accounts beside the store in a fresh PostgreSQL schema (the shared test database may
    hold a store of another seawatch version)."""
    import secrets

    url = postgres_url
    store = IncidentStore(url)
    accounts = AccountStore(url)
    try:
        name = "pg-" + secrets.token_hex(4)
        accounts.add_user(name, "coordinator", "a long password")
        token = accounts.create_token(name)
        assert accounts.user_for_token(token).name == name
        user = accounts.authenticate(name, "a long password")
        session_id, _ = accounts.create_session(user)
        assert accounts.session(session_id).user.name == name
    finally:
        store.close()
        accounts.close()
