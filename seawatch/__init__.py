"""seawatch: sea-state capsize risk and incident positions for search and rescue off Libya."""

__version__ = "0.1.0"
