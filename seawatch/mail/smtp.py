"""Send messages over SMTP: TLS, AUTH, retries on temporary failures, a result per recipient.

``[mail] security`` is ``starttls`` (submission port 587, upgrade after connecting), ``ssl``
(implicit TLS, port 465) or ``none`` (a trusted relay on the same host or network, no AUTH).
Certificates are checked against the system's CA store; ``SSL_CERT_FILE`` points OpenSSL at a
private CA. The password comes from ``SEAWATCH_SMTP_PASSWORD``, never from the config file.

Temporary failures (4xx replies, refused or dropped connections, timeouts) are retried with
growing pauses; permanent ones (5xx) end that recipient's delivery at once and are reported
with the server's reply, so one bad address never holds up the others.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from seawatch.config import MailSettings, check_address
from seawatch.errors import ConfigError, SeawatchError

log = logging.getLogger(__name__)

PASSWORD_ENV = "SEAWATCH_SMTP_PASSWORD"
RETRY_DELAYS: tuple[float, ...] = (10.0, 60.0, 300.0)
"""Pauses (seconds) before the 2nd, 3rd and 4th attempt: about 6 minutes in all."""
TIMEOUT = 60.0


class MailError(SeawatchError):
    """The e-mail could not be composed or sent."""


@dataclass
class Delivery:
    """Outcome for one recipient.

    ``permanent`` is True when retrying cannot help (5xx reply, authentication refused, bad
    address); ``error`` is the server's reply or the connection error, one line.
    """

    address: str
    ok: bool
    attempts: int = 0
    permanent: bool = False
    error: str = ""

    def line(self) -> str:
        if self.ok:
            return f"{self.address}: sent"
        kind = "refused" if self.permanent else "not sent (temporary failure, gave up)"
        return f"{self.address}: {kind}: {self.error}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def connect(
    mail: MailSettings,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT,
) -> smtplib.SMTP:
    """Open an SMTP session as configured: TLS as ``[mail] security`` says, then AUTH if a user.

    Raises
    ------
    ConfigError
        No host, a user without ``SEAWATCH_SMTP_PASSWORD``, or a password over a clear channel.
    smtplib.SMTPException, OSError
        From the server or the network (the caller classifies them).
    """
    if not mail.host:
        raise ConfigError("[mail] host is not set; name the SMTP server to send through")
    if mail.user and password is None:
        password = os.environ.get(PASSWORD_ENV)
    if mail.user and not password:
        raise ConfigError(f"[mail] user is set but {PASSWORD_ENV} is empty; export the password")
    if mail.user and mail.security == "none" and not _is_loopback(mail.host):
        raise ConfigError(
            '[mail] security = "none" would send the SMTP password unencrypted; '
            'use "starttls" or "ssl" (or no user for an unauthenticated relay)'
        )
    context = ssl_context or ssl.create_default_context()
    smtp: smtplib.SMTP
    if mail.security == "ssl":
        smtp = smtplib.SMTP_SSL(mail.host, mail.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(mail.host, mail.port, timeout=timeout)
    try:
        smtp.ehlo()
        if mail.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if mail.user:
            _login(smtp, mail.user, password or "")
    except BaseException:
        _close(smtp)
        raise
    return smtp


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN when offered (one round trip, the channel is encrypted), else smtplib's choice.

    A refused PLAIN is final: falling back to LOGIN with the same wrong password only adds
    round trips (and some servers stall on the fallback).
    """
    mechanisms = (smtp.esmtp_features.get("auth") or "").upper().split()
    if "PLAIN" in mechanisms:
        smtp.user, smtp.password = user, password
        smtp.auth("PLAIN", smtp.auth_plain)
    else:
        smtp.login(user, password)


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {' '.join(text.split())}"


def deliver(
    mail: MailSettings,
    envelopes: Sequence[tuple[str, EmailMessage]],
    *,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    delays: Sequence[float] = RETRY_DELAYS,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = TIMEOUT,
) -> list[Delivery]:
    """Send each message to its one recipient; retry temporary failures.

    Parameters
    ----------
    mail
        ``[mail]`` settings (host, port, security, user, sender).
    envelopes
        ``(address, message)`` pairs; addresses already checked with :func:`check_address`.
    password
        SMTP password; default ``$SEAWATCH_SMTP_PASSWORD``.
    ssl_context
        TLS context (tests pass one trusting their own certificate).
    delays
        Pause before each retry (seconds); ``len(delays) + 1`` attempts in all.
    sleep
        Called for the pauses (tests pass a no-op).

    Returns
    -------
    list of Delivery
        One per envelope, in order.

    Raises
    ------
    ConfigError
        When the configuration cannot work at all (no host, no password).
    """
    sender = check_address(mail.sender) if mail.sender else ""
    if not sender:
        raise ConfigError("[mail] sender is not set; give the From address")
    results = {addr: Delivery(addr, ok=False) for addr, _ in envelopes}
    pending = list(envelopes)
    for attempt in range(len(delays) + 1):
        if attempt:
            log.warning(
                "mail: %d recipient(s) not yet delivered; retrying in %.0f s",
                len(pending),
                delays[attempt - 1],
            )
            sleep(delays[attempt - 1])
        pending = _attempt(mail, pending, results, password, ssl_context, timeout)
        if not pending:
            break
    return [results[addr] for addr, _ in envelopes]


def _attempt(
    mail: MailSettings,
    pending: list[tuple[str, EmailMessage]],
    results: dict[str, Delivery],
    password: str | None,
    ssl_context: ssl.SSLContext | None,
    timeout: float,
) -> list[tuple[str, EmailMessage]]:
    """One connection; returns the envelopes to try again."""
    for addr, _ in pending:
        results[addr].attempts += 1
    try:
        smtp = connect(mail, password, ssl_context, timeout)
    except smtplib.SMTPAuthenticationError as exc:
        return _fail_all(pending, results, f"authentication refused: {_reply(exc)}", True)
    except smtplib.SMTPNotSupportedError as exc:
        return _fail_all(pending, results, f"server does not support it: {exc}", True)
    except smtplib.SMTPResponseException as exc:
        return _fail_all(pending, results, _reply(exc), exc.smtp_code >= 500)
    except (smtplib.SMTPException, OSError) as exc:
        return _fail_all(pending, results, _oneline(exc), False)
    retry: list[tuple[str, EmailMessage]] = []
    try:
        for index, (addr, msg) in enumerate(pending):
            outcome = results[addr]
            try:
                smtp.send_message(msg, from_addr=mail.sender, to_addrs=[addr])
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = exc.recipients.get(addr, (550, b"refused"))
                reply = _reply(smtplib.SMTPResponseException(code, text))
                _failed(outcome, reply, permanent=code >= 500, retry=retry, item=(addr, msg))
            except smtplib.SMTPResponseException as exc:
                permanent = exc.smtp_code >= 500
                _failed(outcome, _reply(exc), permanent, retry, (addr, msg))
                if exc.smtp_code == 421:  # the server is closing the session
                    retry.extend(pending[index + 1 :])
                    break
            except (smtplib.SMTPException, OSError) as exc:
                _failed(outcome, _oneline(exc), False, retry, (addr, msg))
                retry.extend(pending[index + 1 :])
                break
            else:
                outcome.ok, outcome.error, outcome.permanent = True, "", False
                log.info("mail: sent to %s", addr)
    finally:
        _close(smtp)
    return retry


def _failed(
    outcome: Delivery,
    error: str,
    permanent: bool,
    retry: list[tuple[str, EmailMessage]],
    item: tuple[str, EmailMessage],
) -> None:
    outcome.error, outcome.permanent = error, permanent
    if permanent:
        log.error("mail: %s refused permanently: %s", outcome.address, error)
    else:
        log.warning("mail: %s temporary failure: %s", outcome.address, error)
        retry.append(item)


def _fail_all(
    pending: list[tuple[str, EmailMessage]],
    results: dict[str, Delivery],
    error: str,
    permanent: bool,
) -> list[tuple[str, EmailMessage]]:
    log.log(logging.ERROR if permanent else logging.WARNING, "mail: cannot send: %s", error)
    for addr, _ in pending:
        results[addr].error, results[addr].permanent = error, permanent
    return [] if permanent else list(pending)


def _oneline(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"
