"""Project settings: find and read `reconciler.yaml`, decide which paths hold manifests, and
choose an environment (`--env`): its connection, scope and overlay."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.boundary import ProjectRoot, common_folder, literal_prefix

if TYPE_CHECKING:
    from reconciler.connection import Connection

from reconciler.diagnostics import Code, Diagnostics, Location, Severity, format_path
from reconciler.errors import ConfigError, ManifestError
from reconciler.manifests import structure
from reconciler.manifests.loader import SourceDocument, display_path, load_file
from reconciler.manifests.overlay import Overlay
from reconciler.manifests.project import ManifestSet, load_manifest_set
from reconciler.model.config import ENVIRONMENT_PATTERN, EnvironmentConfig, ProjectConfig

CONFIG_NAME = "reconciler.yaml"


ENV_VARIABLE = "RECONCILER_ENV"


@dataclass(frozen=True)
class Settings:
    """The project configuration and the folder it is relative to; with an environment
    chosen, the configuration is that environment's (connection, scope)."""

    root: Path
    config: ProjectConfig = field(default_factory=ProjectConfig)
    path: Path | None = None
    environment: str | None = None
    document: SourceDocument | None = None
    texts: Mapping[Path, str] = field(default_factory=dict)
    """Edits not yet written, by resolved path, read instead of those files (a preview)."""

    def for_environment(self, name: str | None) -> Settings:
        """These settings in environment `name` (None: as they are)."""
        if name is None:
            return self
        declared = self.config.environments
        if not declared:
            raise ConfigError(f"--env {name}: {self._where()} declares no environments",
                              hint="drop --env (and RECONCILER_ENV), or declare environments: "
                                   "in reconciler.yaml")
        if name not in declared:
            close = structure.did_you_mean(name, declared)
            raise ConfigError(f"no environment '{name}' in {self._where()}: "
                              f"{', '.join(declared)}", hint=close)
        chosen: EnvironmentConfig = declared[name]
        config = self.config.model_copy(update={
            "scope": chosen.scope or self.config.scope,
            "connection": chosen.connection or self.config.connection,
            "models": (chosen.models.over(self.config.models) if chosen.models
                       else self.config.models)})
        return replace(self, config=config, environment=name)

    def require_environment(self) -> None:
        """Refuse to go on without an environment when the project declares some."""
        declared = self.config.environments
        if declared and self.environment is None:
            raise ConfigError(f"{self._where()} declares environments ({', '.join(declared)}): "
                              "say which one", hint=f"--env NAME, or {ENV_VARIABLE}=NAME")

    def overlay(self) -> Overlay | None:
        """The chosen environment's overlay (None: no environment chosen)."""
        if self.environment is None:
            return None
        chosen = self.config.environments[self.environment]
        return Overlay(self.environment, dict(chosen.vars), dict(chosen.labels),
                       tuple(chosen.overrides), self.document)

    def environments(self) -> list[Settings]:
        """One settings per declared environment (or these alone, without any)."""
        if self.environment is not None or not self.config.environments:
            return [self]
        return [self.for_environment(name) for name in self.config.environments]

    def _where(self) -> str:
        return self.path.name if self.path else CONFIG_NAME

    def manifest_paths(self) -> list[str]:
        """Return the configured manifest paths, relative to the working directory."""
        return [display_path(self.root / p) for p in self.config.manifests]

    def project_root(self, paths: Sequence[str] = ()) -> Path:
        """The folder no file named by a manifest may leave: the folder of reconciler.yaml,
        or, without one or for PATHS given outside it, the folder the PATHS share."""
        if paths and (self.path is None or not all(
                ProjectRoot.at(self.root).contains(p) for p in paths)):
            return common_folder(paths)
        return self.root


def load_manifests(settings: Settings, paths: Sequence[str], *, allow_empty: bool = False,
                   offline_retirement: bool = True, pinned: bool = True) -> ManifestSet:
    """Load the manifests of `paths`, or of the configured paths when none is given; with
    `offline_retirement`, models are judged by the catalog and the calendar (a plan, which
    reads the API's word, judges them itself)."""
    chosen = list(paths) or settings.manifest_paths()
    manifests = load_manifest_set(chosen, exclude=settings.config.exclude,
                                  root=settings.project_root(paths), allow_empty=allow_empty,
                                  overlay=settings.overlay(),
                                  models=settings.config.models if offline_retirement else None,
                                  texts=settings.texts)
    pin = os.environ.get(POLICIES_VARIABLE, "").strip() if pinned else ""
    if pin:  # relative to the project root, as every path of the project is
        where = Path(pin) if Path(pin).is_absolute() else settings.root / pin
        pin_policies(manifests, str(where), shown=pin)
    return manifests


POLICIES_VARIABLE = "RECONCILER_POLICIES"
"""Set by a workflow to pin the policies: the Policy manifests under this path (a checkout of
the base branch's policies, a folder of the workflow's own) gate the plan, and the pull
request's own Policy manifests are not used, so a pull request cannot weaken what gates it."""


def pin_policies(manifests: ManifestSet, path: str, *, shown: str | None = None) -> None:
    """Replace the Policy rules of `manifests` by those under `path`, read by the same loader
    (its problems are the set's; a path with no Policy manifest is an error)."""
    shown = shown or path
    pinned = load_manifest_set([path], root=Path(path).resolve() if Path(path).is_dir()
                               else Path(path).resolve().parent)
    for diagnostic in pinned.diagnostics:
        if diagnostic.severity is Severity.ERROR or diagnostic.code.value.startswith("policy"):
            manifests.diagnostics.add(diagnostic)
    own = manifests.indexes.pop("Policy", None)
    rules = pinned.indexes.get("Policy")
    if not rules and not pinned.diagnostics.has_errors:
        manifests.diagnostics.error(
            Code.NO_MANIFESTS, f"{POLICIES_VARIABLE} names {shown}, which holds no Policy "
            "manifest", Location(file=shown),
            hint="point it at the folder of the policies that gate this repository (e.g. a "
                 "checkout of the base branch), or unset it")
        return
    if rules:
        manifests.indexes["Policy"] = rules
    ignored = f"; the pull request's own {len(own)} Policy manifest(s) are not used" if own \
        else ""
    manifests.diagnostics.warning(
        Code.NO_EFFECT, f"policies pinned by {POLICIES_VARIABLE}: {len(rules or {})} Policy "
        f"manifest(s) from {shown}{ignored}", Location(file=shown))


def find_config(start: Path) -> Path | None:
    """Return the nearest `reconciler.yaml` in `start` or its parents."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_settings(config: Path | None = None, *, start: Path | None = None,
                  texts: Mapping[Path, str] | None = None) -> Settings:
    """Read `config`, or the nearest `reconciler.yaml`; defaults when there is none. With
    `texts` (edits not yet written, by resolved path), those are read instead of the files,
    reconciler.yaml and manifests alike."""
    path = config if config is not None else find_config((start or Path.cwd()).resolve())
    texts = dict(texts or {})
    if path is None:
        return Settings(root=start or Path.cwd(), texts=texts)
    diagnostics = Diagnostics()
    if not path.is_file():
        diagnostics.error(Code.PATH_NOT_FOUND, f"no such file: {path}")
        raise ManifestError(diagnostics)
    documents = load_file(path, diagnostics, texts.get(path.resolve()))
    data = documents[0].data if documents else {}
    if documents:
        for issue in structure.check(ProjectConfig, data):
            diagnostics.error(issue.code, issue.message, documents[0].locate(issue.path),
                              path=format_path(issue.path), hint=issue.hint)
    if documents and not diagnostics.has_errors:
        _check_names(documents[0], diagnostics)
        _check_inside(documents[0], path, diagnostics)
    if diagnostics.has_errors:
        raise ManifestError(diagnostics)
    from pydantic import ValidationError

    try:
        project = ProjectConfig.model_validate(data)
    except ValidationError as exc:  # what the structural check let through: still located
        for error in exc.errors():
            where = tuple(part for part in error["loc"] if part != "[key]")
            diagnostics.error(Code.INVALID_VALUE, f"{error['msg']}",
                              documents[0].locate(where) if documents else None,
                              path=format_path(where))
        raise ManifestError(diagnostics) from None
    return Settings(root=path.parent, config=project, path=path,
                    document=documents[0] if documents else None, texts=texts)


def _check_names(document: SourceDocument, diagnostics: Diagnostics) -> None:
    """Environment names: keys the structural check (a pattern on values) does not see."""
    environments = document.data.get("environments")
    for name in environments if isinstance(environments, dict) else ():
        if not re.fullmatch(ENVIRONMENT_PATTERN, str(name)):
            diagnostics.error(Code.INVALID_VALUE, f"environment name '{name}' is not valid: "
                              "lowercase letters, digits and '-', starting with a letter, at "
                              "most 31 characters", document.locate(("environments", name)),
                              path=format_path(("environments", name)),
                              hint="e.g. dev, staging, prod, eu-prod")


def _check_inside(document: SourceDocument, config: Path, diagnostics: Diagnostics) -> None:
    """The configured manifest paths stay inside the project (reconciler.yaml's folder)."""
    root = config.parent
    boundary = ProjectRoot.at(root)
    for index, entry in enumerate(document.data.get("manifests") or []):
        where = ("manifests", index)
        if Path(entry).is_absolute() or not all(boundary.contains(os.path.normpath(root / p))
                                                for p in (entry, literal_prefix(entry))):
            diagnostics.error(Code.PATH_OUTSIDE_PROJECT, f"'{entry}' is outside the project "
                              f"(the folder of {config.name})", document.locate(where),
                              path=format_path(where),
                              hint=f"list folders, files or globs relative to {config.name}")


SCOPE_VARIABLE = "RECONCILER_SCOPE"
"""Set by a workflow to pin the scope: reconciler.yaml, which a pull request may change,
must then say the same."""


def check_pinned_scope(scope: str | None, path: Path | str | None) -> None:
    """Refuse a reconciler.yaml whose scope is not the one the workflow pins."""
    pinned = os.environ.get(SCOPE_VARIABLE)
    if pinned and pinned != scope:
        raise ConfigError(f"{path or 'reconciler.yaml'} says scope {scope or '(none)'}, but "
                          f"{SCOPE_VARIABLE} (set where this runs) pins {pinned}",
                          hint="a pull request cannot change which scope a workflow applies "
                               "to; fix the scope in reconciler.yaml, or the workflow")


def connection_of(settings: Settings, base_url: str | None, organization: str | None,
                  project: str | None, *, emulator: bool = False) -> Connection:
    """The connection of `settings` (its environment chosen) and the flags, with its scope
    pinned as the environment says; announced by nobody."""
    from reconciler.connection import resolve  # the SDK: not for validate

    settings.require_environment()
    check_pinned_scope(settings.config.scope, settings.path)
    connection = resolve(settings.config.connection, base_url=base_url, emulator=emulator,
                         organization=organization, project=project, root=settings.root)
    return replace(connection, scope=settings.config.scope, environment=settings.environment)
