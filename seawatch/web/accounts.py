"""Accounts of the web service: users with roles, API tokens and browser sessions.

The tables live in the incident store's database (``web_users``, ``web_api_tokens``,
``web_sessions``) and are created by their own Alembic scripts (``seawatch/web/migrations``,
version table ``alembic_version_web``), so they never collide with the store's migrations.

* Passwords are hashed with argon2id (argon2-cffi defaults).
* API tokens and session ids are 256-bit random strings; only their SHA-256 is stored, so a copy
  of the database does not let anyone sign in. (A slow hash is not needed for random secrets and
  would cost every API request tens of milliseconds.)
* Roles are ordered: ``viewer`` < ``coordinator`` < ``admin``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from seawatch.config import Settings
from seawatch.db import make_engine, write_transaction
from seawatch.errors import ConflictError, DataError, NotFoundError
from seawatch.timeutil import as_utc, now_utc

ROLES: tuple[str, ...] = ("viewer", "coordinator", "admin")
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
MIN_PASSWORD_LENGTH = 8
SESSION_HOURS = 12
TOKEN_PREFIX = "sw_"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version_web"
HEAD_REVISION = "web0002"
TOKEN_USE_RESOLUTION = dt.timedelta(minutes=1)

metadata = sa.MetaData()
users = sa.Table(
    "web_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64)),
    sa.Column("role", sa.String(16)),
    sa.Column("password_hash", sa.String(255)),
    sa.Column("disabled", sa.Boolean),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True)),
)
tokens = sa.Table(
    "web_api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer),
    sa.Column("token_hash", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("last_used_at", sa.DateTime(timezone=True)),
)
sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer),
    sa.Column("csrf_token", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
)

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches the argon2 hash ``stored`` (False for a malformed hash)."""
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class User:
    """A signed-in person or script.

    Attributes
    ----------
    name
        Login name; written into every history row the user causes.
    role
        ``viewer``, ``coordinator`` or ``admin``.
    disabled
        Disabled users cannot sign in and their tokens and sessions stop working.
    """

    id: int
    name: str
    role: str
    disabled: bool = False

    def has_role(self, role: str) -> bool:
        """True if this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)

    @property
    def can_edit(self) -> bool:
        """Coordinators and admins may change incidents."""
        return self.has_role("coordinator")


@dataclass(frozen=True)
class Session:
    """A browser session: who, and the CSRF token its forms and scripts must send back."""

    user: User
    csrf_token: str
    expires_at: dt.datetime


def secret_hash(secret: str) -> str:
    """SHA-256 (hex) of a random token or session id, as stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def migrate(engine: sa.Engine) -> None:
    """Create or upgrade the account tables (no-op when they are at the newest revision)."""
    with engine.connect() as conn:
        if sa.inspect(conn).has_table(VERSION_TABLE):
            current = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
            if current == HEAD_REVISION:
                return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid login name, else raise :class:`DataError`."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise DataError(
            f"user name {name!r} is not valid: use 1-64 letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    """Return ``role`` if it is one of :data:`ROLES`, else raise :class:`DataError`."""
    if role not in ROLES:
        raise DataError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    """Return ``password`` if it is long enough, else raise :class:`DataError`."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DataError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


class AccountStore:
    """Users, API tokens and sessions in one SQL database.

    Parameters
    ----------
    url
        SQLAlchemy URL, normally the incident store's (``settings.store_url``).
    """

    def __init__(self, url: str):
        self.engine = make_engine(url)
        migrate(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccountStore:
        """The account store in the incident store's database."""
        return cls(settings.store_url)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    # users -------------------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str) -> User:
        """Create a user.

        Raises
        ------
        DataError
            If the name, role or password is not acceptable.
        ConflictError
            If a user of that name exists.
        """
        check_name(name)
        check_role(role)
        check_password(password)
        now = now_utc()
        with write_transaction(self.engine) as conn:
            if conn.execute(sa.select(users.c.id).where(users.c.name == name)).first():
                raise ConflictError(f"user {name!r} exists already")
            user_id = conn.execute(
                users.insert().values(
                    name=name,
                    role=role,
                    password_hash=_hasher.hash(password),
                    disabled=False,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
        return User(id=int(user_id), name=name, role=role)

    def get_user(self, name: str) -> User:
        """The user called ``name`` (:class:`NotFoundError` if there is none)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no user {name!r}; `seawatch users list` shows who exists")
        return _user(row)

    def list_users(self) -> list[dict[str, Any]]:
        """Every user: name, role, disabled, created_at, tokens (count)."""
        count = (
            sa.select(sa.func.count())
            .where(tokens.c.user_id == users.c.id)
            .correlate(users)
            .scalar_subquery()
        )
        query = sa.select(users, count.label("tokens")).order_by(users.c.name)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {
                "name": r.name,
                "role": r.role,
                "disabled": bool(r.disabled),
                "created_at": as_utc(r.created_at),
                "tokens": int(r.tokens),
            }
            for r in rows
        ]

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password and end their browser sessions."""
        check_password(password)
        user = self.get_user(name)
        with self.engine.begin() as conn:
            conn.execute(
                users.update()
                .where(users.c.id == user.id)
                .values(password_hash=_hasher.hash(password), updated_at=now_utc())
            )
            conn.execute(sessions.delete().where(sessions.c.user_id == user.id))

    def disable(self, name: str) -> User:
        """Disable a user: sign-in, sessions and tokens stop working at once."""
        return self._set_disabled(name, True)

    def authenticate(
        self, name: str, password: str, verify: Callable[[str, str], bool] | None = None
    ) -> User | None:
        """The user if ``name`` and ``password`` match an enabled account, else None.

        ``verify(stored_hash, password)`` does the argon2 check (default: here, in this
        thread); the web service passes one that runs it in a separate process.
        """
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        stored = row.password_hash if row is not None else _DUMMY_HASH
        if not (verify or verify_password)(stored, password):
            return None
        if row is None or row.disabled:
            return None
        if _hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(
                    users.update()
                    .where(users.c.id == row.id)
                    .values(password_hash=_hasher.hash(password))
                )
        return _user(row)

    # API tokens --------------------------------------------------------------------------------

    def create_token(self, name: str) -> str:
        """A new API token for ``name``; it is shown once and only its hash is kept."""
        user = self.get_user(name)
        if user.disabled:
            raise DataError(f"user {name!r} is disabled; no token issued")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                tokens.insert().values(
                    user_id=user.id, token_hash=secret_hash(token), created_at=now_utc()
                )
            )
        return token

    def user_for_token(self, token: str) -> User | None:
        """The enabled user holding ``token``, else None; notes when the token was used."""
        query = (
            sa.select(users, tokens.c.id.label("token_id"), tokens.c.last_used_at)
            .join(tokens, tokens.c.user_id == users.c.id)
            .where(tokens.c.token_hash == secret_hash(token), users.c.disabled.is_(False))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        now = now_utc()
        # At most one write a minute per token: a busy script must not turn reads into writes.
        if row.last_used_at is None or as_utc(row.last_used_at) < now - TOKEN_USE_RESOLUTION:
            with self.engine.begin() as conn:
                conn.execute(
                    tokens.update().where(tokens.c.id == row.token_id).values(last_used_at=now)
                )
        return _user(row)

    def list_tokens(self, name: str) -> list[dict[str, Any]]:
        """``name``'s API tokens: id, created_at, last_used_at (None: never), oldest first."""
        user = self.get_user(name)
        query = (
            sa.select(tokens.c.id, tokens.c.created_at, tokens.c.last_used_at)
            .where(tokens.c.user_id == user.id)
            .order_by(tokens.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {
                "id": int(r.id),
                "created_at": as_utc(r.created_at),
                "last_used_at": as_utc(r.last_used_at) if r.last_used_at else None,
            }
            for r in rows
        ]

    def revoke_token(self, name: str, token_id: int) -> None:
        """End ``name``'s token number ``token_id`` (see :meth:`list_tokens`)."""
        user = self.get_user(name)
        with self.engine.begin() as conn:
            gone = conn.execute(
                tokens.delete().where(tokens.c.id == token_id, tokens.c.user_id == user.id)
            ).rowcount
        if not gone:
            raise NotFoundError(
                f"{name!r} has no token {token_id}; `seawatch users tokens {name}` lists them"
            )

    def revoke_tokens(self, name: str) -> int:
        """End every API token of ``name``; how many there were."""
        user = self.get_user(name)
        with self.engine.begin() as conn:
            return conn.execute(tokens.delete().where(tokens.c.user_id == user.id)).rowcount

    def enable(self, name: str) -> User:
        """Undo :meth:`disable`: sign-in and the user's remaining API tokens work again."""
        return self._set_disabled(name, False)

    def _set_disabled(self, name: str, disabled: bool) -> User:
        """Set the account's ``disabled`` flag; disabling also ends its browser sessions."""
        user = self.get_user(name)
        with self.engine.begin() as conn:
            conn.execute(
                users.update()
                .where(users.c.id == user.id)
                .values(disabled=disabled, updated_at=now_utc())
            )
            if disabled:
                conn.execute(sessions.delete().where(sessions.c.user_id == user.id))
        return User(id=user.id, name=user.name, role=user.role, disabled=disabled)

    # browser sessions --------------------------------------------------------------------------

    def create_session(self, user: User) -> tuple[str, Session]:
        """Start a session; returns the cookie value (shown once) and the session."""
        session_id = secrets.token_urlsafe(32)
        now = now_utc()
        session = Session(
            user=user,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + dt.timedelta(hours=SESSION_HOURS),
        )
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at < now))
            conn.execute(
                sessions.insert().values(
                    id_hash=secret_hash(session_id),
                    user_id=user.id,
                    csrf_token=session.csrf_token,
                    created_at=now,
                    expires_at=session.expires_at,
                )
            )
        return session_id, session

    def session(self, session_id: str) -> Session | None:
        """The live session for a cookie value, else None."""
        query = (
            sa.select(users, sessions.c.csrf_token, sessions.c.expires_at)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.id_hash == secret_hash(session_id), users.c.disabled.is_(False))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or as_utc(row.expires_at) <= now_utc():
            return None
        return Session(
            user=_user(row), csrf_token=row.csrf_token, expires_at=as_utc(row.expires_at)
        )

    def end_session(self, session_id: str) -> None:
        """Sign out: forget the session."""
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.id_hash == secret_hash(session_id)))


def _user(row: Any) -> User:
    return User(id=int(row.id), name=row.name, role=row.role, disabled=bool(row.disabled))
