"""Imported manifests read the same in YAML 1.1 tools as in the reconciler (YAML 1.2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reconciler.diagnostics import Diagnostics
from reconciler.importing.convert import Manifest
from reconciler.importing.write import render, yaml11_retypes
from reconciler.manifests.yamltext import load_text

RETYPED = ["yes", "No", "on", "OFF", "y", "N", "true", "012", "0x1F", "1:20", "1:20.5",
           "1_000", "+1", "0b101", ".5", "3.", ".inf", "2024-01-01", "~", "null", "", "=",
           "<<"]
KEPT = ["abc", "gpt-6-luna", "yes please", "v1", "order 12", "hello: world"]


@pytest.mark.parametrize("text", RETYPED)
def test_what_yaml_1_1_retypes(text: str) -> None:
    assert yaml11_retypes(text)


@pytest.mark.parametrize("text", KEPT)
def test_what_yaml_1_1_keeps(text: str) -> None:
    assert not yaml11_retypes(text)


def test_written_strings_read_back_unchanged_in_yaml_1_1_and_1_2() -> None:
    metadata = {f"k{i}": value for i, value in enumerate(RETYPED + KEPT)}
    metadata |= {"legacy": "yes", "on": "off"}
    document = {"apiVersion": "reconciler/v1", "kind": "Assistant",
                "metadata": {"name": "legacy-bot"},
                "spec": {"model": "gpt-6-luna", "name": "no", "metadata": metadata,
                         "instructions": "Line one.\nyes\n"}}
    text = render(Manifest("Assistant", "legacy-bot", document, live_id="asst_1"),
                  Path("manifests/assistants/legacy-bot.yaml"), Path("schemas"))
    assert '  legacy: "yes"\n' in text and '  "on": "off"\n' in text
    assert '  name: "no"\n' in text
    assert "instructions: |" in text, "block text is never re-typed, so it stays a block"
    assert yaml.safe_load(text) == document, "YAML 1.1 (PyYAML) reads what was meant"
    diagnostics = Diagnostics()
    (loaded,) = load_text(text, "legacy-bot.yaml", diagnostics)
    assert not diagnostics.has_errors and loaded.data == document
