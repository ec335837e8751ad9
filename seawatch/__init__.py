"""seawatch: sea-state capsize risk and incident positions for search and rescue off Libya."""

# The eccodes wheel (GRIB support) carries its own PROJ library. If it is loaded before pyproj
# (xarray loads it when it lists its backends), pyproj loses its database and the process
# crashes when it exits. Loading pyproj first keeps the two apart.
import pyproj as _pyproj  # noqa: F401

__version__ = "0.1.0"
