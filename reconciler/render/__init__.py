"""Renderers: turn results into text, JSON, GitHub annotations. They only render."""
