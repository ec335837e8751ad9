"""Command line: one entry point, ``seawatch``. Commands live in the modules of this package."""

# Importing a module registers its commands on the root group.
from seawatch.cli import alerts as _alerts  # noqa: F401  alerts, alerts cancel
from seawatch.cli import drift as _drift  # noqa: F401  drift
from seawatch.cli import incidents as _incidents  # noqa: F401  incidents, position, fetch incidents
from seawatch.cli import pipeline as _pipeline  # noqa: F401  demo, build, map
from seawatch.cli import schedule as _schedule  # noqa: F401  schedule, run, email
from seawatch.cli import validate as _validate  # noqa: F401  validate
from seawatch.cli import weather as _weather  # noqa: F401  fetch weather, ingest, status
from seawatch.cli import web as _web  # noqa: F401  serve, users
from seawatch.cli.root import main

__all__ = ["main"]
