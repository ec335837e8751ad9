"""Revisions of the account tables."""
