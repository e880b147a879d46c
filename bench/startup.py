"""Start-up cost of the command line, as a ratio to a bare interpreter measured in the same run.

    .venv/bin/python bench/startup.py [--runs 15]

Runs `python -c pass`, `reconciler --help` and `reconciler validate manifests/` in turn
(A B C A B C ...), each as a whole process, and prints each one's median wall time and its
ratio to the bare interpreter, with the modules they import that they should not (the
`openai` SDK, the emulator's server, deepdiff).

`validate` keeps no cache: every run checks everything, as a first run or a fresh CI runner
does, so this is the figure a pre-commit hook, an editor and CI all feel.

Targets (issue 24): `--help` at most 3x, `validate manifests/` at most 10x. Exits 1 when one
is missed.

Measured as an installed tool runs: with bytecode. pip compiles a wheel's modules when it
installs them, but an editable checkout is read from source, and where PYTHONDONTWRITEBYTECODE
is set (as on this project's machines) every run compiles every module again: about 35 ms of
`validate` alone. The runs here write their bytecode to a temporary PYTHONPYCACHEPREFIX (never
into the repository) during the warm-up run and read it afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("openai", "starlette", "uvicorn", "deepdiff", "httpx2")
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "reconciler --help": [sys.executable, "-m", "reconciler", "--help"],
    "reconciler validate manifests/": [sys.executable, "-m", "reconciler", "validate",
                                       "manifests/"],
}
TARGETS = {"reconciler --help": 3.0, "reconciler validate manifests/": 10.0}
PROBE = """
import sys
from reconciler.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(name: str, command: list[str]) -> float:
    environment = dict(ENVIRONMENT)
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=environment)
    return time.perf_counter() - start


def imported(arguments: list[str], modules: tuple[str, ...]) -> str:
    probe = subprocess.run([sys.executable, "-c", PROBE.format(heavy=modules), *arguments],
                           cwd=REPO, capture_output=True, text=True, check=False,
                           env=ENVIRONMENT)
    return probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="startup-") as scratch:
        ENVIRONMENT["PYTHONPYCACHEPREFIX"] = str(Path(scratch) / "bytecode")
        return measure(runs)


def measure(runs: int) -> int:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for name, command in COMMANDS.items():
        timed(name, command)  # warm the file cache, write the bytecode
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(timed(name, command))
    bare = statistics.median(times["python -c pass"])
    met = True
    for name, samples in times.items():
        median = statistics.median(samples)
        line = f"{name:<34} median {median * 1000:7.1f} ms  ratio {median / bare:5.2f}"
        notes = []
        if name in TARGETS:
            ok = median / bare <= TARGETS[name]
            met &= ok
            notes.append(f"target <= {TARGETS[name]:g}: {'met' if ok else 'MISSED'}")
            arguments = COMMANDS[name][3:]
            notes.append(f"heavy modules imported: {imported(arguments, HEAVY) or 'none'}")
        print(line + (f"  ({'; '.join(notes)})" if notes else ""))
    print(f'{{"runs": {runs}, "targets_met": {str(met).lower()}}}')
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
