"""The coordinator web service: the live map, the incident API, accounts.

``seawatch serve`` runs :func:`seawatch.web.app.create_app` under uvicorn; ``seawatch users``
manages the accounts (:mod:`seawatch.web.accounts`).
"""

from seawatch.web.app import create_app

__all__ = ["create_app"]
