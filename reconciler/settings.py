"""Project settings: find and read `reconciler.yaml`, and decide which paths hold manifests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reconciler.diagnostics import Code, Diagnostics, format_path
from reconciler.errors import ManifestError
from reconciler.manifests import structure
from reconciler.manifests.loader import display_path, load_file
from reconciler.model.config import ProjectConfig

CONFIG_NAME = "reconciler.yaml"


@dataclass(frozen=True)
class Settings:
    """The project configuration and the folder it is relative to."""

    root: Path
    config: ProjectConfig = field(default_factory=ProjectConfig)
    path: Path | None = None

    def manifest_paths(self) -> list[str]:
        """Return the configured manifest paths, relative to the working directory."""
        return [display_path(self.root / p) for p in self.config.manifests]


def find_config(start: Path) -> Path | None:
    """Return the nearest `reconciler.yaml` in `start` or its parents."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(config: Path | None = None, *, start: Path | None = None) -> Settings:
    """Read `config`, or the nearest `reconciler.yaml`; defaults when there is none."""
    path = config if config is not None else find_config((start or Path.cwd()).resolve())
    if path is None:
        return Settings(root=start or Path.cwd())
    diagnostics = Diagnostics()
    if not path.is_file():
        diagnostics.error(Code.PATH_NOT_FOUND, f"no such file: {path}")
        raise ManifestError(diagnostics)
    documents = load_file(path, diagnostics)
    data = documents[0].data if documents else {}
    if documents:
        for issue in structure.check(ProjectConfig, data):
            diagnostics.error(issue.code, issue.message, documents[0].locate(issue.path),
                              path=format_path(issue.path), hint=issue.hint)
    if diagnostics.has_errors:
        raise ManifestError(diagnostics)
    return Settings(root=path.parent, config=ProjectConfig.model_validate(data), path=path)
