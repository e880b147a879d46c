"""Start-up cost of the command line, as a ratio to a bare interpreter measured in the same run.

    .venv/bin/python bench/startup.py [--runs 15]

Runs `python -c pass`, `reconciler --help` and `reconciler validate manifests/` in turn (A B C
A B C ...), each as a whole process, and prints each one's median wall time and its ratio to
the bare interpreter, with the modules the two commands import that they should not (the
`openai` SDK, the emulator's server, deepdiff).

Targets (issue 11): `--help` at most 3x, `validate manifests/` at most 6x. Exits 1 when one
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
TARGETS = {"reconciler --help": 3.0, "reconciler validate manifests/": 6.0}
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


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, env=ENVIRONMENT)
    return time.perf_counter() - start


def heavy_imports(arguments: list[str]) -> str:
    probe = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *arguments],
                           cwd=REPO, capture_output=True, text=True, check=False,
                           env=ENVIRONMENT)
    return probe.stderr.strip().splitlines()[-1] if probe.stderr.strip() else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="startup-bytecode-") as bytecode:
        ENVIRONMENT["PYTHONPYCACHEPREFIX"] = bytecode
        return measure(runs)


def measure(runs: int) -> int:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for command in COMMANDS.values():
        timed(command)  # warm the file cache, and write the bytecode
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(timed(command))
    bare = statistics.median(times["python -c pass"])
    met = True
    for name, samples in times.items():
        median = statistics.median(samples)
        line = f"{name:<32} median {median * 1000:7.1f} ms  ratio {median / bare:5.2f}"
        if name in TARGETS:
            ok = median / bare <= TARGETS[name]
            met &= ok
            imported = heavy_imports(COMMANDS[name][3:])
            line += (f"  (target <= {TARGETS[name]:g}: {'met' if ok else 'MISSED'}; heavy "
                     f"modules imported: {imported or 'none'})")
        print(line)
    print(f'{{"runs": {runs}, "targets_met": {str(met).lower()}}}')
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
