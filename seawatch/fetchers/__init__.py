"""Fetchers: one module per source, each producing a canonical dataset or incident records."""
