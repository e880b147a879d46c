"""Typed manifest language (pydantic v2): the single source of the published JSON Schemas."""
