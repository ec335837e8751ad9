"""Errors a person can act on.

Every error raised on purpose by seawatch is a :class:`SeawatchError`; its message is one line
saying what is wrong and, where possible, what to do. The command line prints that line on
stderr and exits non-zero; anything else is an internal error (traceback only with ``--debug``).
"""


class SeawatchError(Exception):
    """Base class: ``str(err)`` is the one line shown to the user."""

    exit_code = 1


class ConfigError(SeawatchError):
    """The configuration file or an environment override is invalid."""

    exit_code = 2


class FetchError(SeawatchError):
    """A remote source did not deliver (HTTP error, timeout, bad payload)."""


class DataError(SeawatchError):
    """A file or dataset is malformed, incomplete or fails validation."""


class PositionError(SeawatchError, ValueError):
    """A position text could not be parsed, or is out of range."""


class NotFoundError(SeawatchError, LookupError):
    """A requested record or file does not exist."""


class ConflictError(SeawatchError):
    """An edit was based on a stale version of a record.

    ``current`` carries the record as it is now, so callers can show or return it.
    """

    def __init__(self, message: str, current: object = None):
        super().__init__(message)
        self.current = current
