"""Where things live in the data directory, and writes that never leave a half file.

Layout (``<data>`` is ``--data-dir``, ``$SEAWATCH_DATA_DIR`` or the platform default)::

    <data>/forecast.nc                 latest canonical forecast (merged source chain)
    <data>/forecast/<source>.nc        latest normalized forecast of one source
    <data>/raw/<source>/<run>/         raw payloads + provenance JSON, as fetched
    <data>/risk.nc                     latest risk dataset
    <data>/risk.summary.json           its summaries per departure area and SAR region
    <data>/departures.nc               departure windows, hazard en route and traps
    <data>/map.html, map.png, map.pdf  latest maps
    <data>/archive/YYYY-MM-DD/         the maps as built that day (UTC), for the web archive
    <data>/incidents.sqlite            incident store (unless [store] url is set)
    <data>/state/                      run records, scheduler jobs, locks, sent-mail log

Every file is written to a temporary sibling and renamed into place, so a reader sees the old
file or the new one, never a partial one, and a failed stage leaves the last good output.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seawatch.errors import DataError, SeawatchError

FULL_DISK_FREE_BYTES = 1 << 20
"""A write that failed while less than this is free on its disk is taken for a full disk
(assumption, to calibrate: netCDF/HDF5 report a full disk only as "HDF error", without errno;
one MiB is below one chunk of any dataset seawatch writes)."""

_FULL_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass(frozen=True)
class DataPaths:
    """Paths inside one data directory."""

    root: Path

    @property
    def forecast(self) -> Path:
        return self.root / "forecast.nc"

    def source_forecast(self, source: str) -> Path:
        return self.root / "forecast" / f"{source}.nc"

    def raw_dir(self, source: str, run: str) -> Path:
        return self.root / "raw" / source / run

    @property
    def risk(self) -> Path:
        return self.root / "risk.nc"

    @property
    def map_html(self) -> Path:
        return self.root / "map.html"

    @property
    def map_png(self) -> Path:
        return self.root / "map.png"

    @property
    def map_pdf(self) -> Path:
        return self.root / "map.pdf"

    def archive_dir(self, day: str) -> Path:
        """``day`` as ``YYYY-MM-DD``."""
        return self.root / "archive" / day

    @property
    def state_dir(self) -> Path:
        return self.root / "state"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` if the block succeeds.

    The temporary file is removed when the block raises, so the previous ``target`` survives.

    Raises
    ------
    DataError
        The directory cannot be written (permissions, read-only file system) or its disk is
        full; the message names the file, says the previous one is kept and what to do.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
    except OSError as exc:
        raise DataError(cannot_write_message(target, exc)) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; outputs are meant to be shared
    try:
        yield tmp
        os.replace(tmp, target)
    except SeawatchError:
        raise
    except Exception as exc:
        if _disk_full(target.parent, exc):
            raise DataError(
                f"cannot write {target}: the disk holding {target.parent} is full; "
                f"free some space there and run again (the previous {target.name}, if any, "
                "is kept)"
            ) from exc
        if isinstance(exc, OSError) and exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise DataError(cannot_write_message(target, exc)) from exc
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def cannot_write_message(target: Path, exc: OSError) -> str:
    """One line for an :class:`OSError` met while writing ``target``: what, why, what to do."""
    if exc.errno in _FULL_DISK_ERRNOS:
        return (
            f"cannot write {target}: the disk is full ({exc.strerror}); free some space and "
            "run again"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"cannot write {target}: {exc.strerror}; give this user write access to "
            f"{target.parent}, or choose a writable directory (--out or --data-dir)"
        )
    return f"cannot write {target}: {exc.strerror or exc}"


def _disk_full(directory: Path, exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in _FULL_DISK_ERRNOS:
            return True
        seen = seen.__cause__ or seen.__context__
    try:
        return shutil.disk_usage(directory).free < FULL_DISK_FREE_BYTES
    except OSError:
        return False


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; return the path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_copy(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Copy ``source`` onto ``target`` atomically; return the target path."""
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return Path(target)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 ``text`` to ``target`` atomically; return the path."""
    return atomic_write_bytes(target, text.encode("utf-8"))


def unreadable_file_message(path: str | os.PathLike[str], exc: BaseException, again: str) -> str:
    """One line for a data file that exists but cannot be read: empty, cut short or damaged.

    ``again`` says how to get a good copy, e.g. "copy or download it again".
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        size = None
    if size == 0:
        return f"{path} is empty (0 bytes): the download or copy did not finish; {again}"
    with contextlib.suppress(OSError):
        with path.open("rb") as fh:
            head = fh.read(8)
        if not (head[:3] == b"CDF" or head == b"\x89HDF\r\n\x1a\n"):
            return f"{path} is not a NetCDF file; {again}"
    reason = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = reason.split(": '", 1)[0].split(": b'", 1)[0]  # netCDF4 appends the path again
    return f"{path} is cut short or damaged ({reason}); {again}"


@contextlib.contextmanager
def interrupt_afterwards(what: str) -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block has finished, then raise :class:`KeyboardInterrupt`.

    xarray's netCDF writer takes the HDF5 lock again while it closes the file; a
    KeyboardInterrupt raised in the middle of a write left ``seawatch run`` hanging on that lock
    for ever. Used inside :func:`atomic_path`, the finished temporary file is then discarded and
    the previous file kept. A second Ctrl-C stops at once (exit 130), leaving at most a
    ``.part`` file beside the untouched previous one. Outside the main thread (the scheduler's
    jobs) signals cannot be handled and the block just runs.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []

    def hold(signum: int, _frame: object) -> None:
        if pressed:
            os._exit(130)
        pressed.append(signum)
        sys.stderr.write(
            f"seawatch: interrupted; stopping once {what} is closed (the previous one is kept); "
            "Ctrl-C again to stop at once\n"
        )

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started with Ctrl-C ignored
        yield
        return
    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if pressed:  # also when the block failed: the person asked to stop
            raise KeyboardInterrupt
