"""What every handler needs: the store, uploaded file contents, models, settings."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from openai_emulator.infra.store import Store

ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """Return an id like OpenAI's: a prefix and random letters and digits."""
    return prefix + "".join(secrets.choice(ALPHABET) for _ in range(length))


def default_models() -> list[dict[str, Any]]:
    """Return the packaged seed list of models."""
    text = resources.files("openai_emulator.data").joinpath("models.json").read_text("utf-8")
    models: list[dict[str, Any]] = json.loads(text)
    return models


@dataclass
class Settings:
    """How the emulator behaves."""

    index_delay: float = 0.5
    """Seconds a vector store file stays `in_progress` before it is indexed."""
    api_key: str | None = None
    """When set, only this bearer key is accepted (else any non-empty key)."""
    max_upload_bytes: int = 512 * 1024 * 1024
    max_json_bytes: int = 10 * 1024 * 1024
    retired: frozenset[str] = frozenset()
    """APIs answered with 410 Gone, as OpenAI answers a sunset API: `assistants`, `agents`."""
    today: dt.date | None = None
    """The day model shutdowns are judged by (None: today): a shut-down model is gone."""
    loopback_only: bool = True
    """Listening on loopback: requests must name a loopback host (`Host:`), so that a web page
    whose name was rebound to 127.0.0.1 (DNS rebinding) cannot reach it."""


@dataclass
class State:
    """The emulator's state: SQLite store, file contents on disk, models, settings."""

    store: Store
    files_dir: Path
    models: list[dict[str, Any]] = field(default_factory=default_models)
    settings: Settings = field(default_factory=Settings)

    @classmethod
    def open(cls, db: Path, *, models: list[dict[str, Any]] | None = None,
             settings: Settings | None = None) -> State:
        store = Store(db)  # first: a file that is not SQLite leaves no folder beside it
        files_dir = db.with_name(db.name + ".files")
        files_dir.mkdir(parents=True, exist_ok=True)
        return cls(store, files_dir, models if models is not None else default_models(),
                   settings or Settings())

    def content_path(self, file_id: str) -> Path:
        return self.files_dir / file_id

    def today(self) -> dt.date:
        """The day model shutdowns are judged by."""
        return self.settings.today or dt.datetime.now(dt.UTC).date()

    @staticmethod
    def now() -> int:
        return int(time.time())
