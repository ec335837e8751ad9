"""Incidents: the incident model, the store, import/export formats and history."""
