"""Bringing existing live objects under git: `reconciler import`."""
