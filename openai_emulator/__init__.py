"""A local emulator of the parts of the OpenAI API the reconciler manages.

The real `openai` SDK talks to it over HTTP on loopback exactly as it talks to OpenAI; state
lives in SQLite. Nothing in the reconciler knows it is talking to the emulator, and the
emulator imports nothing from the reconciler: it is a fake of OpenAI, not of the code under
test.

Its layers, each importing only from those below it (import-linter checks them):

- the entry points: `__main__` (`python -m openai_emulator`), `process` (start one as a
  child process, for tests and benchmarks) and `server` (`serve`: put it together and run);
- `routes`: the single list of resource modules, gathered into the `Api` the app serves;
- `resources`: the API, a module per resource, each exporting its `ROUTES` (and, as it needs,
  `BETA`, `BODY_LIMITS`, `ADMIN_ROUTES`); no resource module imports another;
- `domain`: what several resources share (the model catalog, an agent's fields, session
  records, token prices, vector store records);
- `infra`: the ASGI app and its gate, errors, pagination, request checking, SQLite state,
  faults; it knows no resource.
"""


class EmulatorError(Exception):
    """Starting or serving failed for a reason the user can fix (a port, a file)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
