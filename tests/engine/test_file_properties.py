"""Properties over random sequences of repository states (hypothesis): after each apply the
stores hold exactly the declared files, every upload of ours is used, the next plan is empty,
and applying again sends no write. Content repeats across paths, so renames, reuse and
duplicates all occur."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openai_emulator.process import EmulatorProcess
from reconciler import ownership
from reconciler.cli import cli
from reconciler.exitcodes import ExitCode
from tests.engine.helpers import sdk

PATHS = ["a.md", "b.md", "sub/c.md", "sub/deep/d.md", "e.txt"]
CONTENTS = ["# one\n", "# two\n", "# three\n", "# four, longer\n"]
FILES = st.dictionaries(st.sampled_from(PATHS), st.sampled_from(CONTENTS), max_size=5)
STATE = st.fixed_dictionaries({
    "kb": FILES.filter(bool), "extra": FILES.filter(bool),
    "uses": st.sampled_from(["kb", "extra"]),
    "code": st.lists(st.sampled_from(["x.csv", "y.csv"]), unique=True, max_size=2),
    "chunk": st.sampled_from([None, 400]),
})


def _write(root: Path, state: dict[str, Any]) -> None:
    manifests = root / "manifests"
    shutil.rmtree(manifests, ignore_errors=True)
    for store in ("kb", "extra"):
        for path, content in state[store].items():
            target = manifests / store / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        chunking = ("" if state["chunk"] is None or store == "extra" else
                    "  chunking_strategy: {type: static, static: {max_chunk_size_tokens: "
                    f"{state['chunk']}, chunk_overlap_tokens: 100}}}}\n")
        (manifests / f"{store}.yaml").write_text(
            f"apiVersion: reconciler/v1\nkind: VectorStore\nmetadata: {{name: {store}}}\n"
            f"spec:\n  files: ['{store}/**/*.md', '{store}/*.txt']\n{chunking}")
    for name in state["code"]:
        (manifests / "data").mkdir(parents=True, exist_ok=True)
        (manifests / "data" / name).write_text(f"n,{name}\n1,2\n")
    files = ", ".join(f"data/{n}" for n in state["code"])
    (manifests / "helper.yaml").write_text(
        "apiVersion: reconciler/v1\nkind: Assistant\nmetadata: {name: helper}\nspec:\n"
        "  model: gpt-6-luna\n  tools: [{type: file_search}, {type: code_interpreter}]\n"
        f"  tool_resources:\n    file_search: {{vector_stores: [{state['uses']}]}}\n"
        f"    code_interpreter: {{files: [{files}]}}\n")


def _run(root: Path, emulator: EmulatorProcess, *args: str) -> Any:
    env = {"OPENAI_BASE_URL": emulator.url, "OPENAI_API_KEY": "test-key", "NO_COLOR": "1"}
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(cwd)


def _check(emulator: EmulatorProcess, state: dict[str, Any]) -> None:
    client = sdk(emulator.url)
    used: set[str] = set()
    for store in client.vector_stores.list(limit=100):
        name = ownership.owner(store.metadata)
        entries = list(client.vector_stores.files.list(store.id, limit=100))
        held = {str((e.attributes or {})[ownership.PATH_ATTRIBUTE]):
                (e.attributes or {})[ownership.SHA_ATTRIBUTE] for e in entries}
        assert len(held) == len(entries), "a path is attached twice"
        assert held == {f"{name}/{p}": hashlib.sha256(c.encode()).hexdigest()
                        for p, c in state[str(name)].items()}
        chunk = state["chunk"] if name == "kb" and state["chunk"] else 800
        assert all(e.chunking_strategy.static.max_chunk_size_tokens == chunk  # type: ignore
                   for e in entries)
        used.update(e.id for e in entries)
    [helper] = list(client.beta.assistants.list())
    resources = helper.tool_resources
    code = resources.code_interpreter if resources is not None else None
    code_ids = (code.file_ids if code is not None else None) or []
    assert len(code_ids) == len(state["code"])
    used.update(code_ids)
    ours = {f.id for f in client.files.list(purpose="assistants")
            if ownership.uploaded_sha(f.filename)}
    assert ours == used, "orphaned or missing uploads"


@settings(max_examples=15, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(states=st.lists(STATE, min_size=1, max_size=3))
def test_every_state_converges_with_exactly_the_declared_files(
        emulator: EmulatorProcess, states: list[dict[str, Any]]) -> None:
    emulator.reset()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "reconciler.yaml").write_text("manifests: [manifests]\n")
        for state in states:
            _write(root, state)
            result = _run(root, emulator, "apply", "--auto-approve")
            assert result.exit_code == ExitCode.OK, result.output
            _check(emulator, state)
            again = _run(root, emulator, "plan", "--detailed-exitcode")
            assert again.exit_code == ExitCode.OK, again.output
