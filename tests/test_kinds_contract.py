"""The kind contract: every hook a kind names loads, and takes the parameters the contract
says (`HOOK_PARAMETERS`): a hook whose signature drifted fails here, not in a user's plan."""

from __future__ import annotations

import inspect

import pytest

from reconciler import kinds
from reconciler.model.kindspec import HOOK_PARAMETERS, KindSpec

HOOKS = [(spec, name) for spec in kinds.REGISTRY for name in HOOK_PARAMETERS
         if getattr(spec, name) is not None]


@pytest.mark.parametrize(("spec", "hook"), HOOKS,
                         ids=[f"{spec.kind}.{hook}" for spec, hook in HOOKS])
def test_every_hook_loads_and_takes_the_contract_s_parameters(spec: KindSpec,
                                                              hook: str) -> None:
    function = spec.hook(hook)
    assert callable(function)
    parameters = tuple(inspect.signature(function).parameters)
    assert parameters == HOOK_PARAMETERS[hook], f"{spec.kind}.{hook}: {parameters}"


def test_the_registry_names_every_kind_once_and_each_hook_field_is_in_the_contract() -> None:
    assert len({s.kind for s in kinds.REGISTRY}) == len(kinds.REGISTRY)
    hook_fields = {name for name, field in KindSpec.__dataclass_fields__.items()
                   if field.type in ("str | None",) and name not in ("import_folder",)}
    assert hook_fields == set(HOOK_PARAMETERS)

