"""``seawatch demo`` and ``seawatch run`` end cleanly with every native library of the stack loaded.

Several wheels bring their own copies of the same C libraries (PROJ in pyproj, eckitlib and
rasterio; HDF5 and netCDF in netCDF4 and rasterio; GDAL in rasterio and pyogrio). A clash between
them shows at interpreter teardown as a segfault after all the work is done, which a daemon or a
cron job would report as a failure. Each command here runs in a fresh process that first loads
and uses each of them (eccodes first, the order that once crashed), then runs the command line
and exits the normal way.

The crash this guards against: findlibs 0.1.1 and 0.1.2 (ecmwf/findlibs PR #19, "Make CDLL load
globally") preloaded eckitlib's bundled libraries with RTLD_GLOBAL, so eckitlib's libproj
shadowed the one in pyproj's wheel: pyproj could not set its database path, and the process
aborted or segfaulted at exit. findlibs 0.1.5 loads them RTLD_LOCAL (its ``_load`` notes the
eckit/pyproj clash); the grib extra requires it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fetchers.fakes import source_env

ROOT = Path(__file__).resolve().parents[1]
GRIB = (
    ROOT.parent / "shared/data/marine/northsea_mywavewam4_grib/mywavewam4_weatherapi_n-northsea.grb"
)

_LOAD_NATIVES_THEN_RUN = """
import os, sys, tempfile

import eccodes  # ecCodes with eckitlib's own PROJ and curl
with open(sys.argv[1], "rb") as f:
    handle = eccodes.codes_grib_new_from_file(f)
    assert eccodes.codes_get(handle, "shortName")
    eccodes.codes_release(handle)

import netCDF4  # HDF5 and netCDF-C from netCDF4's wheel
work = tempfile.mkdtemp()
with netCDF4.Dataset(os.path.join(work, "probe.nc"), "w") as nc:
    nc.createDimension("x", 2)
    nc.createVariable("v", "f4", ("x",))[:] = [1.0, 2.0]

import pyproj  # pyproj's PROJ and its database
pyproj.Transformer.from_crs(4326, 32633, always_xy=True).transform(13.0, 33.0)

try:  # GDAL, PROJ and HDF5 from rasterio's wheel, when the geotiff extra is installed
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin
except ImportError:
    pass
else:
    with rasterio.open(
        os.path.join(work, "probe.tif"), "w", driver="GTiff", width=2, height=2, count=1,
        dtype="float32", crs="EPSG:4326", transform=from_origin(12, 34, 1, 1),
    ) as tif:
        tif.write(np.zeros((1, 2, 2), "float32"))

import pyogrio  # GDAL from pyogrio's wheel
assert pyogrio.list_drivers()

sys.argv = ["seawatch", *sys.argv[2:]]
from seawatch.cli import main
main()  # click ends the process with sys.exit, through the normal interpreter teardown
"""


def _seawatch(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SEAWATCH_GRID_RESOLUTION": "0.25",
        **source_env(),  # nothing here may reach the network
    }
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", _LOAD_NATIVES_THEN_RUN, str(GRIB), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    report = f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert proc.returncode == 0, report
    signs = ("Segmentation fault", "Fatal Python error", "Aborted", "core dumped")
    # What a second PROJ loaded globally (findlibs 0.1.1-0.1.2 with eckitlib) did to pyproj first:
    signs += ("unable to set PROJ database path",)
    for sign in signs:
        assert sign not in proc.stderr, report


@pytest.mark.slow
def test_demo_then_run_exit_cleanly_with_all_native_libraries(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    demo = _seawatch("--quiet", "demo", "--out", str(data))
    _assert_clean(demo)
    assert (data / "risk.nc").is_file() and (data / "map.html").is_file()

    before = (data / "risk.nc").stat().st_mtime_ns
    run = _seawatch("--quiet", "run", "--data-dir", str(data), "--only", "build", "--only", "maps")
    _assert_clean(run)
    assert "build     ok" in run.stdout and "maps      ok" in run.stdout, run.stdout
    assert (data / "risk.nc").stat().st_mtime_ns > before
