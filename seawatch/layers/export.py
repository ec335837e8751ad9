"""GeoTIFF export of the risk dataset, for GIS users (QGIS, ArcGIS, GDAL).

One file per time step and vessel class, ``risk_<vessel>_<YYYYmmddTHHMM>Z.tif``: WGS84
(EPSG:4326), north up, three float32 bands with descriptions: 1 ``hazard_level`` (0-4),
2 ``hazard_score`` (0-5), 3 ``risk`` (0-1); NaN (the nodata value) on land. Each file is written
to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from seawatch.errors import DataError
from seawatch.schema import is_demo
from seawatch.storage import atomic_path

BANDS = ("hazard_level", "hazard_score", "risk")


def geotiff_name(vessel: str, time: np.datetime64) -> str:
    """File name of one step: ``risk_<vessel>_<YYYYmmddTHHMM>Z.tif`` (UTC)."""
    return f"risk_{vessel}_{pd.Timestamp(time):%Y%m%dT%H%M}Z.tif"


def write_geotiffs(risk: xr.Dataset, out_dir: Path) -> list[Path]:
    """Write one GeoTIFF per time step and vessel class.

    Parameters
    ----------
    risk
        Risk dataset (:func:`seawatch.layers.risk.build_risk`), in memory, lazy or opened from
        disk.
    out_dir
        Directory, created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written, ordered by vessel then time.

    Raises
    ------
    DataError
        If the dataset lacks the bands or the lat/lon grid.
    """
    import rioxarray  # noqa: F401  (registers the .rio accessor)

    missing = [
        name for name in (*BANDS, "lat", "lon", "time", "vessel") if name not in risk.variables
    ]
    if missing:
        raise DataError(f"risk dataset lacks {', '.join(missing)}: cannot write GeoTIFFs")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    bands = risk[list(BANDS)]
    level = bands["hazard_level"]
    level = level.where(level >= 0) if level.dtype.kind in "iu" else level
    bands = bands.assign(hazard_level=level).astype(np.float32).sortby("lat", ascending=False)
    written = []
    for vessel in risk["vessel"].values:
        per_vessel = bands.sel(vessel=vessel).load()
        for time in per_vessel["time"].values:
            step = per_vessel.sel(time=time).drop_vars(["time", "vessel"], errors="ignore")
            step = step.rio.set_spatial_dims(x_dim="lon", y_dim="lat").rio.write_crs("EPSG:4326")
            for name in BANDS:
                step[name].attrs = {"long_name": name}
                step[name].rio.write_nodata(np.nan, encoded=False, inplace=True)
            target = out_dir / geotiff_name(str(vessel), time)
            with atomic_path(target) as tmp:
                step.rio.to_raster(tmp, driver="GTiff", compress="DEFLATE", tags={
                    "TIME_UTC": f"{pd.Timestamp(time):%Y-%m-%dT%H:%MZ}",
                    "VESSEL": str(vessel),
                    "SOURCE": str(risk.attrs.get("source", "")),
                    "RISK_MODEL_VERSION": str(risk.attrs.get("risk_model_version", "")),
                    "DEMO": str(int(is_demo(risk.attrs))),
                })  # fmt: skip
            written.append(target)
    return written
