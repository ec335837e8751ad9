"""Shared test setup."""

# The eccodes wheel loads its own PROJ library; importing pyproj first keeps the two from
# clashing at interpreter exit (see seawatch.fetchers.grib.import_cfgrib).
import pyproj  # noqa: F401
