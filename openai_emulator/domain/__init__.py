"""What more than one resource module needs of the API's objects: the account's models
(`catalog`), an agent's fields and how their defaults resolve (`agent_config`, agents and the
sessions that run a copy of one), the `sessions` table's records (`session_records`), token
usage and its price (`tokens`), and vector stores with their files as stored
(`vector_records`, which an assistant's `tool_resources` helper creates too).

A resource module imports what it shares from here, never from another resource module (an
import-linter contract keeps them independent); nothing here imports a resource module.
"""
