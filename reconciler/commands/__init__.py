"""Command implementations that do not fit the thin `cli.py`."""
