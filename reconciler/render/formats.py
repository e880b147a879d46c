"""The output formats, one enum for every command that has `--format`; each render module
keeps one table from format to renderer (`RENDERERS`), and its `FORMATS` are that table's
keys, which the command's `--format` choice lists."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    TEXT = "text"
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    GITHUB = "github"
    CSV = "csv"
