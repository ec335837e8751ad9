"""Command line: one entry point, ``seawatch``. Commands live in the modules of this package."""

from seawatch.cli import pipeline as _pipeline  # noqa: F401  (registers demo, build, map)
from seawatch.cli.root import main

__all__ = ["main"]
