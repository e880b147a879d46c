"""Fixtures: one emulator process per test module (in a temporary folder), and an `openai`
client whose every answer is checked against the official OpenAPI spec."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.emulator.harness import Conformance, Emulator, sdk_client, start_emulator


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    folder: Path = tmp_path_factory.mktemp("emulator")
    running = start_emulator(folder, "--index-delay", "0.3", "--max-upload-bytes", "200000")
    yield running
    running.stop()


@pytest.fixture
def conformance(emulator: Emulator) -> Iterator[Conformance]:
    emulator.call("DELETE", "/faults")
    checked = Conformance()
    yield checked
    assert checked.problems == [], "answers that do not match the spec"


@pytest.fixture
def client(emulator: Emulator, conformance: Conformance) -> openai.OpenAI:
    return sdk_client(emulator.url, conformance)
