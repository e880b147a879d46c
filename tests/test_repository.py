"""The repository carries everything its tests and commands read: a fresh clone with nothing
beside it is enough (`git clone ... x && cd x && make test`)."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SPEC_DIR = REPO / "tests" / "data" / "openai-openapi"

OUTSIDE = re.compile("|".join((
    r"\.\./shared\b",                      # the steering folder beside a developer's checkout
    r"(?<![\w/.-])shared/openai-openapi",  # the same folder, named without the dots
    r"\b(?:REPO|ROOT|HERE|TOP)\.parent\b",  # a path built above the repository's root
    r"/work/(?:main|shared)\b",            # this machine's own layout
)))


def _tracked() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO, capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the files the repository holds cannot be listed")
    return [REPO / name for name in listed.split("\0") if name]


def test_no_file_refers_outside_the_repository() -> None:
    found = []
    for path in _tracked():
        if path == Path(__file__).resolve() or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:120]}")
    assert not found, "files refer to paths outside the repository:\n" + "\n".join(found)


def test_the_pattern_catches_what_it_is_for() -> None:
    dots = ".." + "/shared"
    for line in (f"against `{dots}/openai-openapi/openapi.yaml`",
                 'REPO.parent / "shared" / "openai-openapi"',
                 "see " + "/work" + "/shared/STYLE.md"):
        assert OUTSIDE.search(line), line
    for line in ("docs: ../../docs/account.md", "tests/data/openai-openapi/openapi.yaml",
                 "path.parent / 'x'"):
        assert not OUTSIDE.search(line), line


def test_the_vendored_spec_is_the_recorded_one() -> None:
    source = (SPEC_DIR / "SOURCE.md").read_text()
    digest = hashlib.sha256((SPEC_DIR / "openapi.yaml").read_bytes()).hexdigest()
    assert f"`{digest}`" in source, "update SOURCE.md's sha256 with the spec"
    version = re.search(r"^  version: (\S+)$", (SPEC_DIR / "openapi.yaml").read_text(), re.M)
    assert version and f"`info.version: {version.group(1)}`" in source
    assert "MIT License" in (SPEC_DIR / "LICENSE").read_text()


def test_ci_never_rewrites_the_golden_files() -> None:
    import sys

    env = {**os.environ, "UPDATE_GOLDEN": "1", "RECONCILER_CI": "1"}
    suite = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/test_golden_plans.py", "-k", "nothing"], cwd=REPO, env=env,
                           capture_output=True, text=True)
    assert suite.returncode == pytest.ExitCode.USAGE_ERROR
    assert "UPDATE_GOLDEN rewrites the expected files" in suite.stderr
    ci = subprocess.run(["bash", ".ci/run"], cwd=REPO, env=env, capture_output=True,
                        text=True, timeout=30)
    assert ci.returncode == 1 and "UPDATE_GOLDEN is set" in ci.stderr


def test_a_unit_run_leaves_out_every_test_that_starts_an_emulator() -> None:
    import sys

    listed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "--collect-only", "-m", "not e2e"], cwd=REPO, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    tests = [line for line in listed if "::" in line]
    assert tests and not [t for t in tests if t.startswith(("tests/engine/", "tests/emulator/",
                                                              "tests/dashboard/"))]
    assert any(t.startswith("tests/test_loader.py::") for t in tests)
