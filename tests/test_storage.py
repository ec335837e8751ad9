"""Writes into the data directory: a full disk or a read-only directory says so in one line and
keeps the last good file."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from seawatch.errors import DataError
from seawatch.storage import atomic_path, atomic_write_bytes


def _as_plain_user(argv: list[str]) -> list[str]:
    """``argv`` run without root's right to write anywhere (file permissions apply again)."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", *argv]


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a real file system that runs out of space."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_full_disk_keeps_the_good_file_and_says_so(full_disk: Path) -> None:
    good = atomic_write_bytes(full_disk / "risk.nc", b"the last good risk")
    with pytest.raises(DataError) as err:
        atomic_write_bytes(good, b"x" * (2 << 20))
    message = str(err.value)
    assert "disk holding" in message and "is full" in message and "free some space" in message
    assert good.read_bytes() == b"the last good risk"
    assert [p.name for p in full_disk.iterdir()] == ["risk.nc"]  # no .part left behind


def test_full_disk_during_netcdf_write_is_named(full_disk: Path) -> None:
    """netCDF reports a full disk as a bare 'NetCDF: HDF error'; the user is told the disk is full."""
    good = atomic_write_bytes(full_disk / "forecast.nc", b"yesterday's forecast")
    rng = np.random.default_rng(0)
    ds = xr.Dataset({"hs": (("time", "y", "x"), rng.random((40, 100, 100)))})  # 3.2 MB
    with pytest.raises(DataError, match="is full"), atomic_path(good) as tmp:
        ds.to_netcdf(tmp)
    assert good.read_bytes() == b"yesterday's forecast"


def test_read_only_output_dir_is_one_line_naming_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "map.html").write_text("good map")
    out.chmod(0o555)
    code = (
        "from seawatch.storage import atomic_write_text\n"
        f"atomic_write_text({str(out / 'map.html')!r}, 'new map')\n"
    )
    try:
        proc = subprocess.run(
            _as_plain_user([sys.executable, "-c", code]),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": os.getcwd()},
        )
    finally:
        out.chmod(0o755)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "DataError: cannot write" in last and "Permission denied" in last, proc.stderr
    assert "--out or --data-dir" in last
    assert (out / "map.html").read_text() == "good map"


def test_cli_read_only_out_dir_is_not_an_internal_error(tmp_path: Path) -> None:
    """`seawatch ingest --out` into a directory this user cannot write: one line, exit 1."""
    sample = (
        Path(__file__).resolve().parents[2]
        / "shared/data/marine/ecmwf_met_south_sicily_2022/curr_20220427_South_Sicilia.nc"
    )
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        proc = subprocess.run(
            _as_plain_user(
                [
                    sys.executable,
                    "-m",
                    "seawatch",
                    "--data-dir",
                    str(tmp_path / "data"),
                    "-q",
                    "ingest",
                    str(sample),
                    "--out",
                    str(out / "all.nc"),
                ]
            ),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": os.getcwd()},
        )
    finally:
        out.chmod(0o755)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"seawatch: error: cannot write {out / 'all.nc'}")
    assert "internal error" not in lines[0]


WRITER = """
import sys
import numpy as np
import xarray as xr
from seawatch.schema import write_dataset

rng = np.random.default_rng(0)
shape = (120, 150, 300)
ds = xr.Dataset(
    {f"v{i}": (("time", "lat", "lon"), rng.random(shape).astype("float32")) for i in range(3)},
    coords={
        "time": np.datetime64("2026-12-07") + np.arange(shape[0]).astype("timedelta64[h]"),
        "lat": np.linspace(30.5, 38.0, shape[1]),
        "lon": np.linspace(10.0, 25.0, shape[2]),
    },
)
print("writing", flush=True)
write_dataset(ds, sys.argv[1])
print("written", flush=True)
"""


def test_ctrl_c_during_a_netcdf_write_stops_and_keeps_the_good_file(tmp_path: Path) -> None:
    """Ctrl-C while risk.nc was being written left `seawatch run` hanging for ever on the HDF5
    lock that xarray takes again to close the file."""
    target = tmp_path / "risk.nc"
    target.write_bytes(b"the last good risk")
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(target)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        # Ctrl-C reaches it even when the tests run as a background job (which ignores it)
        preexec_fn=functools.partial(signal.signal, signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        time.sleep(0.5)  # inside to_netcdf: the write takes a few seconds
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "written" not in out
    assert proc.returncode != 0
    assert "seawatch: interrupted; stopping once risk.nc is closed" in err
    assert err.rstrip().endswith("KeyboardInterrupt")
    assert target.read_bytes() == b"the last good risk"
    assert [p.name for p in tmp_path.iterdir()] == ["risk.nc"]
