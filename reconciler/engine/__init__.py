"""The workflows the commands and the dashboard run, each one entry point returning a typed
result and printing nothing: `apply` (`engine.applying`), `import` (`engine.importing`) and
`migrate assistants-to-agents` (`engine.migrating`). A command keeps its click options, what
it prints and its exit code."""

from __future__ import annotations

from reconciler.engine.applying import ApplyOptions, ApplyResult, ApplyView, apply

__all__ = ["ApplyOptions", "ApplyResult", "ApplyView", "apply"]
