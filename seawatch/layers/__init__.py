"""Layers: pure functions on xarray that turn a canonical forecast into the risk dataset."""
