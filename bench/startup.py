"""Start-up cost of the command line, as a ratio to a bare interpreter measured in the same run.

    .venv/bin/python bench/startup.py [--runs 15]

Runs `python -c pass`, `reconciler --help` and `reconciler validate manifests/` three ways,
in turn (A B C D E A B C D E ...), each as a whole process, and prints each one's median wall
time and its ratio to the bare interpreter, with the modules they import that they should
not (the `openai` SDK, the emulator's server, deepdiff; and, for a replayed `validate`,
pydantic, jsonschema and the CEL interpreter):

- `validate manifests/` as it is run again and again (a pre-commit hook, an editor, each CI
  step): nothing it read has changed since the last run, so its output is replayed
  (reconciler/runcache.py);
- `validate --no-cache`: every check made, as on a first run or a fresh CI runner;
- `validate`, recorded: every check made, and what it read recorded for the next run (each
  such run is given a variable of its own, so that it never finds itself in the cache).

Targets (issue 11): `--help` at most 3x, `validate manifests/` at most 6x (the run repeated
on unchanged files). Exits 1 when one is missed. The full check has no target: importing
click, pydantic, jsonschema and PyYAML and building the manifest models is most of it.

Measured as an installed tool runs: with bytecode. pip compiles a wheel's modules when it
installs them, but an editable checkout is read from source, and where PYTHONDONTWRITEBYTECODE
is set (as on this project's machines) every run compiles every module again: about 35 ms of
`validate` alone. The runs here write their bytecode to a temporary PYTHONPYCACHEPREFIX (never
into the repository) during the warm-up run and read it afterwards, and use a temporary cache
folder (XDG_CACHE_HOME) that the warm-up run fills.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = ("openai", "starlette", "uvicorn", "deepdiff", "httpx2")
CHECKING = ("pydantic", "jsonschema", "celpy")
VALIDATE = [sys.executable, "-m", "reconciler", "validate", "manifests/"]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "reconciler --help": [sys.executable, "-m", "reconciler", "--help"],
    "reconciler validate manifests/": VALIDATE,
    "  ... --no-cache (every check)": [*VALIDATE, "--no-cache"],
    "  ... recorded (every check)": VALIDATE,
}
RECORDED = "  ... recorded (every check)"
TARGETS = {"reconciler --help": 3.0, "reconciler validate manifests/": 6.0}
NOTES = {
    "reconciler validate manifests/": "replayed: nothing it read changed",
    "  ... --no-cache (every check)": "a first run, a fresh CI runner",
    "  ... recorded (every check)": "a first run that the next one replays",
}
PROBE = """
import sys
from reconciler.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


ENVIRONMENT = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONDONTWRITEBYTECODE", "RECONCILER_NO_CACHE")}
MISSES = itertools.count()


def timed(name: str, command: list[str]) -> float:
    environment = dict(ENVIRONMENT)
    if name == RECORDED:  # a key of its own: never replayed
        environment["BENCH_STARTUP_RUN"] = str(next(MISSES))
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
        ENVIRONMENT["XDG_CACHE_HOME"] = str(Path(scratch) / "cache")
        return measure(runs)


def measure(runs: int) -> int:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for name, command in COMMANDS.items():
        timed(name, command)  # warm the file cache, write the bytecode, fill the cache
    for _ in range(runs):
        for name, command in COMMANDS.items():
            times[name].append(timed(name, command))
    bare = statistics.median(times["python -c pass"])
    met = True
    for name, samples in times.items():
        median = statistics.median(samples)
        line = f"{name:<34} median {median * 1000:7.1f} ms  ratio {median / bare:5.2f}"
        notes = [NOTES[name]] if name in NOTES else []
        if name in TARGETS:
            ok = median / bare <= TARGETS[name]
            met &= ok
            notes.append(f"target <= {TARGETS[name]:g}: {'met' if ok else 'MISSED'}")
            arguments = COMMANDS[name][3:]
            notes.append(f"heavy modules imported: {imported(arguments, HEAVY) or 'none'}")
            if "validate" in arguments:
                notes.append("checking modules imported: "
                             f"{imported(arguments, CHECKING) or 'none'}")
        print(line + (f"  ({'; '.join(notes)})" if notes else ""))
    print(f'{{"runs": {runs}, "targets_met": {str(met).lower()}}}')
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
