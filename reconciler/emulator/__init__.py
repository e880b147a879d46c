"""A local emulator of the parts of the OpenAI API the reconciler manages.

The real `openai` SDK talks to it over HTTP on loopback exactly as it talks to OpenAI; state
lives in SQLite. Nothing in the reconciler knows it is talking to the emulator.
"""
