"""``seawatch ingest`` on GRIB files of each class people receive, written with ecCodes.

The samples in tests/data/grib/ (see tests/data/SOURCES.md) are ERA5 GRIB1 as the Climate Data
Store delivers it (MARS zero padding after every message), a single point, one row and one
column of points, ECMWF open-data GRIB2 with wave fields masked over land, ECMWF wave GRIB1
converted by ``grib_set -s edition=1``, a cfgrib-written NetCDF point series with scalar
latitude/longitude, and a download cut off in the middle of a message.

Every value is checked against ecCodes' own decoding of the same message.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from seawatch.cli import main
from seawatch.config import AreaSettings
from seawatch.fetchers.base import describe_box
from seawatch.fetchers.grib import count_grib_messages, import_eccodes
from seawatch.schema import FORECAST_VARIABLES, open_forecast

from .grib_fixtures import MARS_PADDING, SAMPLES_DIR

REPO = Path(__file__).resolve().parents[2]
ERA5_PADDED = SAMPLES_DIR / "era5_wind_central_med_padded.grib1"
ERA5_POINT = SAMPLES_DIR / "era5_wind_point_padded.grib1"
ERA5_ROW = SAMPLES_DIR / "era5_wind_row_1xN.grib1"
COLUMN = SAMPLES_DIR / "ecmwf_wind_column_Nx1.grib2"
OPENDATA = SAMPLES_DIR / "ecmwf_opendata_central_med.grib2"
TRUNCATED = SAMPLES_DIR / "ecmwf_opendata_central_med_truncated.grib2"
WAVE_GRIB1 = SAMPLES_DIR / "ecmwf_wave_grib1_from_grib2.grib1"
POINT_NC = SAMPLES_DIR / "era5_wind_point_scalar_latlon.nc"

# ecCodes shortName -> canonical name, and ecCodes' units text -> canonical units
CANONICAL = {
    "10u": "u10",
    "10v": "v10",
    "i10fg": "gust",
    "swh": "hs",
    "mwp": "tm",
    "mwd": "wave_dir",
}
UNITS = {"m s**-1": "m s-1", "m": "m", "s": "s", "Degree true": "degree"}


@dataclass
class Field:
    """One GRIB message as ecCodes decodes it."""

    short_name: str
    units: str
    valid: np.datetime64
    lats: np.ndarray
    lons: np.ndarray
    values: np.ndarray  # (lat, lon) as in the file, NaN where the bitmap says missing
    offset: int
    length: int


def eccodes_fields(path: Path) -> list[Field]:
    """Every message of ``path``, decoded by ecCodes (no cfgrib, no seawatch code)."""
    eccodes = import_eccodes()
    fields = []
    with open(path, "rb") as fh:
        while (h := eccodes.codes_grib_new_from_file(fh)) is not None:
            try:
                ni, nj = eccodes.codes_get(h, "Ni"), eccodes.codes_get(h, "Nj")
                values = eccodes.codes_get_values(h).astype(float)
                if eccodes.codes_get(h, "bitmapPresent"):
                    values[values == eccodes.codes_get(h, "missingValue")] = np.nan
                date = str(eccodes.codes_get(h, "validityDate"))
                hhmm = int(eccodes.codes_get(h, "validityTime"))
                valid = dt.datetime.strptime(date, "%Y%m%d") + dt.timedelta(
                    hours=hhmm // 100, minutes=hhmm % 100
                )
                lats = np.sort(eccodes.codes_get_array(h, "distinctLatitudes"))
                lons = eccodes.codes_get_array(h, "distinctLongitudes")
                if eccodes.codes_get(h, "jScansPositively") == 0:
                    lats = lats[::-1]  # north first, as the values are laid out
                fields.append(
                    Field(
                        short_name=eccodes.codes_get(h, "shortName"),
                        units=eccodes.codes_get(h, "units"),
                        valid=np.datetime64(valid, "ns"),
                        lats=lats,
                        lons=(lons + 180.0) % 360.0 - 180.0,
                        values=values.reshape(nj, ni),
                        offset=int(eccodes.codes_get(h, "offset")),
                        length=int(eccodes.codes_get(h, "totalLength")),
                    )
                )
            finally:
                eccodes.codes_release(h)
    return fields


def ingest_cli(data_dir: Path, *files: Path, out: Path | None = None):
    args = ["ingest", "--data-dir", str(data_dir), *map(str, files)]
    if out is not None:
        args += ["--out", str(out)]
    return CliRunner().invoke(main, args)


def assert_matches_eccodes(stored: xr.Dataset, fields: list[Field], bbox) -> int:
    """Each message's values inside the area equal the stored ones; returns values compared."""
    west, south, east, north = bbox
    compared = 0
    for field in fields:
        name = CANONICAL[field.short_name]
        assert stored[name].attrs["units"] == FORECAST_VARIABLES[name].units
        assert UNITS[field.units] == FORECAST_VARIABLES[name].units, field.units
        lat_in = (field.lats >= south) & (field.lats <= north)
        lon_in = (field.lons >= west) & (field.lons <= east)
        expected = field.values[np.ix_(lat_in, lon_in)]
        got = (
            stored[name]
            .sel(time=field.valid)
            .sel(lat=field.lats[lat_in], lon=field.lons[lon_in], method="nearest", tolerance=1e-6)
            .values
        )
        # float32 storage: 1e-6 relative
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
        compared += int(np.isfinite(expected).sum())
    return compared


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


AREA = (10.0, 30.5, 20.0, 38.0)  # the box the counts below were taken over (10-20 E)


def test_era5_grib1_with_mars_padding_ingests_with_eccodes_values(data_dir):
    fields = eccodes_fields(ERA5_PADDED)
    # the file really is padded as MARS pads: each message starts on a multiple of 120 bytes
    # and the bytes between one message's end and the next are zeros
    assert all(f.offset % MARS_PADDING == 0 for f in fields)
    assert any(f.length % MARS_PADDING for f in fields)
    raw = ERA5_PADDED.read_bytes()
    gap = raw[fields[0].offset + fields[0].length : fields[1].offset]
    assert gap and set(gap) == {0}
    eccodes = import_eccodes()
    with open(ERA5_PADDED, "rb") as fh:
        assert count_grib_messages(ERA5_PADDED) == eccodes.codes_count_in_file(fh) == 12

    result = ingest_cli(data_dir, ERA5_PADDED)
    assert result.exit_code == 0, result.output
    stored = open_forecast(data_dir / "forecast" / "ingest_wind.nc")
    assert set(stored.data_vars) == {"u10", "v10", "gust"}
    assert stored.sizes["time"] == 4
    assert assert_matches_eccodes(stored, fields, AREA) == 12 * 31 * 41


def warnings_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_era5_single_point_grib1_ingests_and_says_it_is_not_a_grid(data_dir, caplog):
    fields = eccodes_fields(ERA5_POINT)
    assert {(f.lats.size, f.lons.size) for f in fields} == {(1, 1)}
    # the padding that the former home-made check refused ("no GRIB message at byte 108")
    assert fields[1].offset == MARS_PADDING > fields[0].length

    result = ingest_cli(data_dir, ERA5_POINT)
    assert result.exit_code == 0, result.output
    assert warnings_logged(caplog) == [
        "era5_wind_point_padded.grib1 holds a single point, not a grid: stored for reference, "
        "but `seawatch build` needs a gridded forecast covering the area"
    ]
    stored = open_forecast(data_dir / "forecast" / "ingest_wind.nc")
    assert dict(stored.sizes) == {"time": 24, "lat": 1, "lon": 1}
    assert float(stored["lat"][0]) == fields[0].lats[0]
    assert float(stored["lon"][0]) == fields[0].lons[0]
    assert assert_matches_eccodes(stored, fields, AREA) == 48


@pytest.mark.parametrize(("path", "shape"), [(ERA5_ROW, (1, 17)), (COLUMN, (17, 1))])
def test_one_row_or_one_column_of_points_ingests(data_dir, caplog, path, shape):
    fields = eccodes_fields(path)
    assert {f.values.shape for f in fields} == {shape}
    result = ingest_cli(data_dir, path)
    assert result.exit_code == 0, result.output
    assert [w.split(":")[0] for w in warnings_logged(caplog)] == [
        f"{path.name} holds a single row or column, not a grid"
    ]
    stored = open_forecast(data_dir / "forecast" / "ingest_wind.nc")
    assert (stored.sizes["lat"], stored.sizes["lon"]) == shape
    assert stored.sizes["time"] == 3
    assert assert_matches_eccodes(stored, fields, AREA) == 6 * 17


def test_ecmwf_open_data_grib2_wind_and_waves_over_the_mediterranean(data_dir):
    fields = eccodes_fields(OPENDATA)
    assert {f.short_name for f in fields} == {"10u", "10v", "swh", "mwp"}
    result = ingest_cli(data_dir, OPENDATA)
    assert result.exit_code == 0, result.output
    stored = open_forecast(data_dir / "forecast" / "ingest_ecmwf.nc")
    assert set(stored.data_vars) == {"u10", "v10", "hs", "tm"}
    compared = assert_matches_eccodes(stored, fields, AREA)
    # wave fields are missing over land (bitmap) and stay missing, nothing is invented there
    swh = next(f for f in fields if f.short_name == "swh")
    assert np.isnan(swh.values).any()
    assert compared < 8 * 31 * 41


def test_ecmwf_wave_grib1_converted_by_grib_set(data_dir):
    fields = eccodes_fields(WAVE_GRIB1)
    eccodes = import_eccodes()
    with open(WAVE_GRIB1, "rb") as fh:
        h = eccodes.codes_grib_new_from_file(fh)
        assert eccodes.codes_get(h, "edition") == 1
        assert eccodes.codes_get(h, "table2Version") == 140  # ECMWF wave parameter table
        eccodes.codes_release(h)
    result = ingest_cli(data_dir, WAVE_GRIB1)
    assert result.exit_code == 0, result.output
    stored = open_forecast(data_dir / "forecast" / "ingest_ecmwf.nc")
    assert set(stored.data_vars) == {"hs", "tm", "wave_dir"}
    assert assert_matches_eccodes(stored, fields, AREA) > 0


def test_netcdf_point_series_with_scalar_latitude_and_longitude(data_dir):
    with xr.open_dataset(POINT_NC, engine="netcdf4") as raw:
        assert raw["latitude"].ndim == 0 and raw["longitude"].ndim == 0
        assert raw["time"].ndim == 1 and "valid_time" in raw.coords
    result = ingest_cli(data_dir, POINT_NC)
    assert result.exit_code == 0, result.output
    stored = open_forecast(data_dir / "forecast" / "ingest_wind.nc")
    assert dict(stored.sizes) == {"time": 24, "lat": 1, "lon": 1}
    # the NetCDF was written from the GRIB point file: the values are ecCodes' ones
    assert assert_matches_eccodes(stored, eccodes_fields(ERA5_POINT), AREA) == 48


def test_a_single_point_is_refused_where_it_would_meet_the_grid(data_dir, tmp_path):
    """Stored for reference, but never spread over (or lost on) the area's grid."""
    point = tmp_path / "point.nc"
    result = ingest_cli(data_dir, ERA5_POINT, out=point)
    assert result.exit_code != 0
    error = [line for line in result.output.splitlines() if "error" in line]
    area = AreaSettings()  # the data directory runs on the default [area]
    assert error == [
        "seawatch: error: the forecast is a single point (33.50N 13.00E), not a grid over the "
        "area: a risk map cannot be made from it; fetch or ingest a gridded forecast covering "
        f"{describe_box(*area.bbox)} (for ERA5 from the Climate Data Store: area "
        f"{area.north:g}/{area.west:g}/{area.south:g}/{area.east:g})"
    ]
    assert not point.exists()
    # the point file as ingested (not on the grid) cannot be built either
    stored = data_dir / "forecast" / "ingest_wind.nc"
    assert stored.exists()
    risk = tmp_path / "risk.nc"
    result = CliRunner().invoke(
        main, ["build", "--data-dir", str(data_dir), "--forecast", str(stored), "--out", str(risk)]
    )
    assert result.exit_code != 0
    assert "the forecast is a single point (33.50N 13.00E)" in result.output
    assert not risk.exists()


def test_a_single_row_of_points_is_refused_on_the_grid(data_dir, tmp_path):
    row = tmp_path / "row.nc"
    result = ingest_cli(data_dir, ERA5_ROW, out=row)
    assert result.exit_code != 0
    assert "the forecast is a single row of points (33.50N, 11.00E-15.00E)" in result.output
    assert not row.exists()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "seawatch", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def test_truncated_download_is_one_line_and_keeps_the_stored_forecast(data_dir, tmp_path):
    out = tmp_path / "forecast.nc"
    good = _run("ingest", "--data-dir", str(data_dir), str(OPENDATA), "--out", str(out))
    assert good.returncode == 0, good.stderr
    stored = data_dir / "forecast" / "ingest_ecmwf.nc"
    before = {p: p.read_bytes() for p in (stored, out)}

    cut = _run("ingest", "--data-dir", str(data_dir), str(TRUNCATED), "--out", str(out))
    assert cut.returncode != 0
    # the cut file is the first 60 % of the good one: ecCodes says where each message starts
    size = TRUNCATED.stat().st_size
    whole = [f for f in eccodes_fields(OPENDATA) if f.offset + f.length <= size]
    cut_at = eccodes_fields(OPENDATA)[len(whole)].offset
    assert cut.stderr.strip().splitlines() == [
        f"seawatch: error: {TRUNCATED.name} is truncated: message {len(whole) + 1} at byte "
        f"{cut_at} is cut short by the end of the file at byte {size}; download it again"
    ]
    assert {p: p.read_bytes() for p in (stored, out)} == before


def test_cut_message_followed_by_whole_ones_is_refused(data_dir, tmp_path):
    """A resumed download appended to a cut one: a message with no end, then whole messages."""
    resumed = tmp_path / "resumed.grib2"
    resumed.write_bytes(TRUNCATED.read_bytes() + OPENDATA.read_bytes())
    size = TRUNCATED.stat().st_size
    whole = [f for f in eccodes_fields(OPENDATA) if f.offset + f.length <= size]
    result = ingest_cli(data_dir, resumed)
    assert result.exit_code != 0
    assert result.output.strip().splitlines() == [
        f"seawatch: error: resumed.grib2 is truncated or corrupt: message {len(whole) + 1} at "
        f"byte {eccodes_fields(OPENDATA)[len(whole)].offset} does not end where its length says "
        "(no 7777 end marker); download it again"
    ]
    assert not (data_dir / "forecast" / "ingest_ecmwf.nc").exists()


SICILY_PHY = sorted(
    (REPO.parent / "shared" / "data" / "marine" / "medsea_phy_south_sicily_2022").glob("*.nc")
)


def test_real_copernicus_file_cut_to_one_point_ingests(data_dir, tmp_path, caplog):
    """The real MEDSEA currents file at one grid point, as a point subset keeps it (1 x 1)."""
    assert SICILY_PHY, "the real MEDSEA sample is missing from ../shared/data/marine"
    with xr.open_dataset(SICILY_PHY[0], engine="netcdf4") as raw:
        point = raw.isel(lat=[20], lon=[20]).load()
    path = tmp_path / "medsea_point.nc"
    point.to_netcdf(path)
    result = ingest_cli(data_dir, path)
    assert result.exit_code == 0, result.output
    assert warnings_logged(caplog)[0].startswith("medsea_point.nc holds a single point")
    stored = open_forecast(data_dir / "forecast" / "ingest_cmems_physics.nc")
    assert (stored.sizes["lat"], stored.sizes["lon"]) == (1, 1)
    expected = point["uo"].isel(time=0, depth=0).values.item()
    assert float(stored["uo"].isel(time=0).item()) == pytest.approx(expected, rel=1e-6)


def test_gts_bulletins_and_bytes_between_messages_are_skipped(data_dir, tmp_path):
    """GRIB as received over the GTS: a WMO heading before and an end mark after each message,
    plus stray bytes between messages; ecCodes reads the messages, so seawatch does too."""
    raw = ERA5_ROW.read_bytes()
    fields = eccodes_fields(ERA5_ROW)
    framed = b""
    for number, field in enumerate(fields, start=1):
        message = raw[field.offset : field.offset + field.length]
        heading = f"\x01\r\r\n{number:03d}\r\r\nHUXE98 ECMF 200000\r\r\n".encode()
        framed += heading + message + b"\r\r\n\x03" + b"stray bytes\n"
    path = tmp_path / "gts_bulletins.bin"
    path.write_bytes(framed)
    result = ingest_cli(data_dir, path)
    assert result.exit_code == 0, result.output
    stored = open_forecast(data_dir / "forecast" / "ingest_wind.nc")
    assert assert_matches_eccodes(stored, eccodes_fields(path), AREA) == 6 * 17
