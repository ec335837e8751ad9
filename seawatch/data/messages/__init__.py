"""Message catalogues (one JSON file per language), read by :mod:`seawatch.i18n`."""
