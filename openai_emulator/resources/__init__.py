"""The API's resources, a module each: `/v1/models`, `/v1/assistants`, `/v1/agents`,
`/v1/agents/sessions`, `/v1/files`, `/v1/vector_stores` (and their search), the organization
usage and costs, and the admin seeding of sessions.

Each exports its `ROUTES` and, as it needs, `BETA`, `BODY_LIMITS` and `ADMIN_ROUTES` (see
`infra.contract`), and is served once it is listed in `openai_emulator.routes`. A resource
module imports no other (an import-linter contract keeps them independent): what two of them
share is in `openai_emulator.domain`, the plumbing in `openai_emulator.infra`.
"""
