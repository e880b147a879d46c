"""Applying a plan: exactly its changes, ordered, in parallel, retried safely."""
