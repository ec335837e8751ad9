"""Which recipient got which day's message: ``<data>/state/mail.sqlite``.

One row per (local day, address), guarded by a UNIQUE key, so two processes (the daemon and a
manual ``seawatch email``) cannot both claim the same delivery. A row is claimed (``sending``)
before the SMTP session and marked ``sent`` or ``failed`` after it. A ``failed`` row may be
claimed again the same day; a ``sending`` row left by a process killed mid-send counts as sent,
because the server may already have accepted the message and a duplicate is what the group
asked never to get. Such rows are logged so an operator can check.

SQLite (not a JSON file) because several processes write it and the UNIQUE constraint makes the
claim atomic without a lock of our own.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from seawatch.db import make_engine
from seawatch.storage import DataPaths
from seawatch.timeutil import isoformat_utc, now_utc

log = logging.getLogger(__name__)

_META = sa.MetaData()
SENT = sa.Table(
    "sent_mail",
    _META,
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("address", sa.String(320), primary_key=True),
    sa.Column("status", sa.String(10), nullable=False),  # sending | sent | failed
    sa.Column("lang", sa.String(5), nullable=False, default="en"),
    sa.Column("updated_at", sa.String(20), nullable=False),
    sa.Column("message_id", sa.String(200)),
    sa.Column("error", sa.Text),
)


def _stamp() -> str:
    return isoformat_utc(now_utc())


class SentLog:
    """The sent-mail log of one data directory."""

    def __init__(self, path: str | Path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.engine = make_engine(path)
        _META.create_all(self.engine)

    @classmethod
    def for_data_dir(cls, data_dir: str | Path) -> SentLog:
        """``<data>/state/mail.sqlite``."""
        return cls(DataPaths(Path(data_dir)).state_dir / "mail.sqlite")

    def status(self, day: str, address: str) -> str | None:
        """``sending``, ``sent``, ``failed`` or ``None`` for ``address`` on ``day`` (YYYY-MM-DD)."""
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(SENT.c.status).where(SENT.c.day == day, SENT.c.address == address)
            ).scalar_one_or_none()

    def done(self, day: str, address: str) -> bool:
        """True when ``address`` got (or may have got) the message of ``day``."""
        status = self.status(day, address)
        if status == "sending":
            log.warning(
                "mail: %s has an unfinished send for %s (process stopped mid-send); "
                "counting it as sent so nobody gets the message twice",
                address,
                day,
            )
        return status in ("sending", "sent")

    def claim(self, day: str, address: str, lang: str = "en") -> bool:
        """Mark ``address`` as being sent the message of ``day``; False if already done."""
        with self.engine.begin() as conn:
            inserted = conn.execute(
                sa.insert(SENT)
                .prefix_with("OR IGNORE")
                .values(day=day, address=address, status="sending", lang=lang, updated_at=_stamp())
            ).rowcount
            if inserted:
                return True
            retried = conn.execute(
                sa.update(SENT)
                .where(SENT.c.day == day, SENT.c.address == address, SENT.c.status == "failed")
                .values(status="sending", updated_at=_stamp(), error=None)
            ).rowcount
            return bool(retried)

    def finish(
        self, day: str, address: str, ok: bool, message_id: str = "", error: str = ""
    ) -> None:
        """Record the outcome of a claimed send."""
        with self.engine.begin() as conn:
            conn.execute(
                sa.update(SENT)
                .where(SENT.c.day == day, SENT.c.address == address)
                .values(
                    status="sent" if ok else "failed",
                    updated_at=_stamp(),
                    message_id=message_id or None,
                    error=error or None,
                )
            )

    def day(self, day: str) -> list[dict[str, Any]]:
        """All rows of ``day``."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(SENT).where(SENT.c.day == day).order_by(SENT.c.address))
            return [dict(row._mapping) for row in rows]

    def last_day(self) -> list[dict[str, Any]]:
        """Rows of the most recent day with any row (for ``seawatch status``)."""
        with self.engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(SENT.c.day))).scalar_one_or_none()
        return self.day(last) if last else []
