"""Drive the engine as the CLI does, through the library (faster for many examples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai

from reconciler import ownership
from reconciler.apply.executor import Executor, Outcome
from reconciler.connection import Connection
from reconciler.model.config import ProjectConfig
from reconciler.pipeline import Selection, Sources, make_plan, providers_for
from reconciler.plan.model import Plan
from reconciler.provider.retry import RetryPolicy
from reconciler.settings import Settings

FAST_RETRY = RetryPolicy(base=0.01, cap=0.05, total=5.0)


def write_manifests(folder: Path, documents: list[dict[str, Any]]) -> None:
    """Write manifests as one multi-document file (JSON is YAML)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = "\n---\n".join(json.dumps(d, ensure_ascii=False) for d in documents)
    (folder / "all.yaml").write_text(text + "\n", encoding="utf-8")


def plan_for(url: str, folder: Path, *, allow_empty: bool = False) -> Plan:
    """The plan of the manifests in `folder`; `allow_empty`: a folder that declares nothing
    plans the delete of everything managed (as `--allow-mass-delete` allows)."""
    connection = Connection(url, "test-key", source="flag")
    settings = Settings(root=folder, config=ProjectConfig(manifests=[str(folder)]))
    return make_plan(settings, connection, Sources.over(connection.client()),
                     Selection(allow_mass_delete=allow_empty)).plan


def apply_plan(url: str, plan: Plan, *, retry: RetryPolicy = FAST_RETRY,
               parallelism: int = 4) -> list[Outcome]:
    client = Connection(url, "test-key", source="flag").client(parallelism=parallelism)
    return Executor(providers_for(client), parallelism=parallelism, retry=retry).run(plan)


def sdk(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="test-key", max_retries=0)


def resource(client: openai.OpenAI, kind: str) -> Any:
    return client.beta.assistants if kind == "Assistant" else client.beta.agents


def create_live(client: openai.OpenAI, kind: str, body: dict[str, Any],
                owner: str | None) -> str:
    """Create a live object directly; `owner` makes it managed for that manifest name."""
    metadata = dict(body.get("metadata") or {})
    if owner is not None:
        metadata.update(ownership.marks(owner, "0" * 16))
    created = resource(client, kind).create(**{**body, "metadata": metadata})
    return str(created.id)


def raw_bytes(client: openai.OpenAI, kind: str, object_id: str) -> bytes:
    """The exact bytes the API answers for an object."""
    response = resource(client, kind).with_raw_response.retrieve(object_id)
    return bytes(response.http_response.content)


def managed_names(client: openai.OpenAI, kind: str) -> list[str]:
    names = []
    for item in resource(client, kind).list(limit=100):
        name = ownership.owner(item.metadata)
        if name is not None:
            names.append(name)
    return names
