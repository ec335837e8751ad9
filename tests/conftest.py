"""Shared test setup."""

import seawatch  # noqa: F401  (loads pyproj before anything can load eccodes)
