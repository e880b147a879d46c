"""Where the API is and how to authenticate, from flags, `reconciler.yaml` and the
environment (the variables the `openai` SDK reads). The key is never printed or stored.

One rule, never a guess:

1. `--emulator`, or `connection.emulator: true` in `reconciler.yaml`, means the local
   emulator that `reconciler emulator start` runs for this project (recorded in `.reconciler/`
   beside the nearest `reconciler.yaml`, else in the working directory), and nothing else:
   the environment is not read, so an exported key is never sent; none running is an error.
   `--emulator` with `--base-url` is a usage error, and `connection.emulator` with
   `connection.base_url` a configuration error.
2. Otherwise a base URL is used as given: `--base-url` beats `connection.base_url` (and
   `connection.emulator`) and `OPENAI_BASE_URL`, which may not differ when both are set
   (nor may `connection.project`/`OPENAI_PROJECT_ID` and `connection.organization`/
   `OPENAI_ORG_ID`): a pull request's file does not quietly beat the workflow's variables.
3. Without a base URL, a key means OpenAI. A key variable that `reconciler.yaml` names but
   that is unset is an error, never a fallback.
4. The running emulator is used unasked only when nothing is configured: no base URL, no
   key, no `connection.api_key_env`. An exported `OPENAI_API_KEY` while it runs, with nothing
   saying which of the two is meant, is an error.

Every command that talks to an API says first where its requests go (host, project, scope;
never the key) and why (`Connection.announce`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import openai

from reconciler.errors import ConfigError
from reconciler.loopback import is_loopback
from reconciler.model.config import ConnectionConfig
from reconciler.provider.retry import RetryPolicy
from reconciler.secrets import redact_url, remember, url_secrets

OPENAI_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Connection:
    """A resolved connection. `url` (which may carry credentials) and `api_key` are given
    only to the SDK: they are excluded from repr and never rendered; `base_url` is the URL
    as it may be shown and stored."""

    url: str = field(repr=False)
    api_key: str = field(repr=False)
    organization: str | None = None
    project: str | None = None
    source: str = "environment"
    """Where the base URL came from, for display: flag, reconciler.yaml, environment,
    emulator, default."""
    reason: str = ""
    """Why this endpoint, for the first line a command prints (never the key)."""
    scope: str | None = None
    """The project's scope (`reconciler.yaml`), shown with the endpoint; never sent."""
    environment: str | None = None
    """The environment chosen (`--env`), shown with the endpoint."""

    @property
    def base_url(self) -> str:
        """The URL without credentials (userinfo, query): for display and saved plans."""
        return redact_url(self.url)

    @property
    def is_emulator(self) -> bool:
        return self.source == "emulator"

    @property
    def is_local(self) -> bool:
        """Whether the API is on this machine (a loopback host): the emulator, or a test
        server."""
        return is_loopback((urlsplit(self.url).hostname or "").lower())

    def describe(self) -> str:
        """Say where requests go, without the key."""
        where = "the local emulator at " if self.is_emulator else ""
        parts = [f"{where}{self.base_url}"]
        if self.project:
            parts.append(f"project {self.project}")
        if self.organization:
            parts.append(f"organization {self.organization}")
        if self.scope:
            parts.append(f"scope {self.scope}")
        if self.environment:
            parts.append(f"environment {self.environment}")
        return ", ".join(parts)

    def announce(self) -> str:
        """The line every command that talks to an API prints first: where, and why."""
        return f"Using {self.describe()}" + (f" ({self.reason})" if self.reason else "")

    def client(self, *, parallelism: int = 4, timeout: float = 60.0,
               retry: RetryPolicy | None = None) -> openai.OpenAI:
        """An SDK client with the SDK's retries off (the engine retries writes; reads are
        retried by the HTTP client, with `retry`) and a pool for parallelism."""
        from reconciler.provider.sdk import ReadRetryingClient

        limits = httpx2.Limits(max_connections=max(parallelism * 2, 10),
                               max_keepalive_connections=max(parallelism * 2, 10))
        return openai.OpenAI(
            base_url=self.url, api_key=self.api_key, organization=self.organization,
            project=self.project, max_retries=0, timeout=timeout,
            http_client=ReadRetryingClient(policy=retry or RetryPolicy(), limits=limits))


def resolve(config: ConnectionConfig, *, base_url: str | None = None, emulator: bool = False,
            organization: str | None = None, project: str | None = None,
            root: Path | None = None, environ: dict[str, str] | None = None) -> Connection:
    """Decide where to connect; raise a ConfigError that says how to fix it when we can't.

    `emulator` is `--emulator`; `root` is the project's folder, where `reconciler emulator
    start` records the emulator (default: found from the working directory upwards)."""
    env = dict(os.environ if environ is None else environ)
    key_name = config.api_key_env
    _check_key_variable(key_name)
    if emulator or (config.emulator and not base_url):
        return _emulator_only(config, flag=emulator, base_url=base_url, root=root,
                              organization=organization, project=project)
    named = "api_key_env" in config.model_fields_set
    api_key = env.get(key_name) or None
    _check_key(api_key, key_name)
    if named and api_key is None:
        raise ConfigError(f"{key_name} is not set (connection.api_key_env in reconciler.yaml "
                          "names it)",
                          hint=f"export {key_name}=... (the key is read from the environment "
                               "only), or remove api_key_env from reconciler.yaml")
    org = organization or _agreed(config.organization, env, "OPENAI_ORG_ID",
                                  "connection.organization")
    proj = project or _agreed(config.project, env, "OPENAI_PROJECT_ID", "connection.project")
    if not base_url:
        _agreed(config.base_url, env, "OPENAI_BASE_URL", "connection.base_url")
    running = _emulator_url(root)
    for url, source in ((base_url, "flag"), (config.base_url, "reconciler.yaml"),
                        (env.get("OPENAI_BASE_URL"), "environment")):
        if url:
            _check_url(url, source)
            if source == "reconciler.yaml":
                _check_trusted_host(url, env)
            emulated = running == url.rstrip("/")
            return Connection(url.rstrip("/"), api_key or ("emulator" if emulated else _need(
                key_name)), org, proj, "emulator" if emulated else source, BECAUSE[source])
    if api_key:
        if running and not named:
            raise ConfigError(
                f"{key_name} is set and the local emulator is running at {running}: say "
                "which one to use",
                hint=f"for OpenAI: --base-url {OPENAI_URL} (or OPENAI_BASE_URL); for the "
                     f"emulator: --emulator, or unset {key_name}")
        where = " (named by connection.api_key_env)" if named else ""
        return Connection(OPENAI_URL, api_key, org, proj, "default", f"{key_name} is set{where}")
    if running:
        return Connection(running, "emulator", org, proj, "emulator",
                          "started by reconciler emulator start")
    raise NoConnectionError(
        f"no API to talk to: {key_name} is not set and no local emulator is running",
        hint=f"set {key_name} (and OPENAI_BASE_URL for another server), or start the "
             "local emulator: reconciler emulator start")


def _agreed(configured: str | None, env: dict[str, str], variable: str,
            setting: str) -> str | None:
    """The value reconciler.yaml and the environment agree on. They may not differ: the file
    may come from a pull request, the variable from the workflow, and neither is guessed
    to beat the other (a flag beats both)."""
    given = env.get(variable) or None
    if configured and given and configured.rstrip("/") != given.rstrip("/"):
        raise ConfigError(f"{setting} in reconciler.yaml and {variable} differ",
                          hint=f"keep one of them, or choose with a flag (--"
                               f"{'base-url' if 'URL' in variable else setting.split('.')[1]})")
    return configured or given


def _emulator_only(config: ConnectionConfig, *, flag: bool, base_url: str | None,
                   root: Path | None, organization: str | None,
                   project: str | None) -> Connection:
    """The project's running emulator, asked for by `--emulator` or `connection.emulator`:
    nothing is read from the environment, so no key of it is ever sent."""
    why = "--emulator" if flag else "connection.emulator in reconciler.yaml"
    if flag and base_url:
        raise ConfigError("--emulator and --base-url cannot be used together",
                          hint="--emulator means the local emulator; give one of them")
    if config.base_url and not flag:
        raise ConfigError("reconciler.yaml sets both connection.emulator and "
                          "connection.base_url", hint="keep one of them")
    url = _emulator_url(root)
    if url is None:
        undo = "drop --emulator" if flag else "remove connection.emulator from reconciler.yaml"
        raise ConfigError(f"{why} asks for the local emulator, but none is running for this "
                          "project", hint=f"start it: reconciler emulator start (or {undo})")
    return Connection(url, "emulator", organization or config.organization,
                      project or config.project, "emulator", why)


BECAUSE = {"flag": "--base-url", "reconciler.yaml": "connection.base_url in reconciler.yaml",
           "environment": "OPENAI_BASE_URL is set"}
"""Why a base URL was chosen, by where it came from."""


KEY_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]*")
TRUSTED_HOSTS_VARIABLE = "RECONCILER_TRUSTED_HOSTS"
OPENAI_HOSTS = ("api.openai.com",)


def _check_key_variable(name: str) -> None:
    """`reconciler.yaml` may come from a pull request: it may name the variable holding the
    OpenAI key, never another secret of the CI runner (GITHUB_TOKEN, a cloud key)."""
    if not KEY_VARIABLE.fullmatch(name) or "OPENAI" not in name:
        raise ConfigError(f"connection.api_key_env '{name}' does not name an OpenAI key "
                          "variable: its name must contain OPENAI (e.g. OPENAI_PROD_KEY)",
                          hint="a configuration file cannot choose which of the runner's "
                               "secrets is sent; see docs/security.md")


def _check_key(key: str | None, name: str) -> None:
    """Remember the key for masking; refuse one with control characters (a trailing newline
    from a secrets file), which would be echoed back in an HTTP error."""
    remember(key)
    if key is not None and any(ord(c) < 32 or ord(c) == 127 for c in key):
        raise ConfigError(f"{name} holds a control character (a trailing newline?)",
                          hint=f"export {name} without it")


class NoConnectionError(ConfigError):
    """Nothing says where the API is: no key, no base URL, no emulator running (a new
    project's first command, typically)."""


def _check_trusted_host(url: str, env: dict[str, str]) -> None:
    """A base URL from `reconciler.yaml` (which a pull request can change) receives the key
    only if it is OpenAI's, on this machine, or a host the environment trusts."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    trusted = {h.strip().lower() for h in env.get(TRUSTED_HOSTS_VARIABLE, "").split(",")
               if h.strip()}
    if is_loopback(host):
        return
    if parts.scheme != "https":
        raise ConfigError(f"connection.base_url in reconciler.yaml sends the key to {host} "
                          f"over {parts.scheme}://, unencrypted: refused",
                          hint="use https:// (only this machine may be reached over http), "
                               "or pass --base-url / OPENAI_BASE_URL")
    if host in OPENAI_HOSTS or host in trusted:
        return
    raise ConfigError(f"connection.base_url in reconciler.yaml points at {host}, which is "
                      "not OpenAI's API, this machine, or a trusted host: the key is not "
                      "sent there",
                      hint=f"list it in {TRUSTED_HOSTS_VARIABLE} (comma-separated) where the "
                           "key is set, or pass --base-url / OPENAI_BASE_URL")


def _check_url(url: str, source: str) -> None:
    """Refuse a base URL the SDK could not use, naming where it came from (never the URL's
    credentials)."""
    remember(*url_secrets(url))
    where = {"flag": "--base-url", "reconciler.yaml": "connection.base_url in reconciler.yaml",
             "environment": "OPENAI_BASE_URL"}[source]
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"{where} is not a valid URL: {redact_url(url)}",
                          hint="expected http(s)://HOST[:PORT]/v1, e.g. "
                               "https://api.openai.com/v1")


def _emulator_url(root: Path | None) -> str | None:
    """The URL of the emulator `reconciler emulator start` runs for the project at `root`."""
    from reconciler import localemulator as server

    folder = server.project_emulator(root or server.project_root(Path.cwd()))
    record = server.running(folder)
    return record.url if record else None


def _need(key_name: str) -> str:
    raise ConfigError(f"{key_name} is not set", hint=f"export {key_name}=... (the key is read "
                      "from the environment only; it is never stored or printed)")
