"""The morning e-mail: gather what to say, compose it per language, send it once per day.

Public API::

    send_daily(settings, now=None, to=None, lang=None, force=False) -> DailyResult
    write_dry_run(settings, path, now=None, to=None, lang=None) -> (path, size)
    gather_report(settings, risk, now) -> Report
    compose(report, lang, parts, sender, to) -> EmailMessage
    deliver(mail_settings, [(address, message)], ...) -> [Delivery]
    check_address(address) -> address        (raises ConfigError)
    SentLog.for_data_dir(data_dir)
"""

from seawatch.mail.compose import Attachment, MailParts, compose, message_size, subject
from seawatch.mail.daily import DailyResult, Renderers, send_daily, write_dry_run
from seawatch.mail.report import Report, gather_report
from seawatch.mail.sentlog import SentLog
from seawatch.mail.smtp import Delivery, MailError, check_address, deliver

__all__ = [
    "Attachment",
    "DailyResult",
    "Delivery",
    "MailError",
    "MailParts",
    "Renderers",
    "Report",
    "SentLog",
    "check_address",
    "compose",
    "deliver",
    "gather_report",
    "message_size",
    "send_daily",
    "subject",
    "write_dry_run",
]
