"""A local emulator of the parts of the OpenAI API the reconciler manages.

The real `openai` SDK talks to it over HTTP on loopback exactly as it talks to OpenAI; state
lives in SQLite. Nothing in the reconciler knows it is talking to the emulator, and the
emulator imports nothing from the reconciler: it is a fake of OpenAI, not of the code under
test.
"""


class EmulatorError(Exception):
    """Starting or serving failed for a reason the user can fix (a port, a file)."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
