"""What every resource stands on, and knows no resource: the ASGI app and its gate (`app`:
counting, faults, auth, beta headers, body limits, the admin API), what a resource module
exports (`contract`), OpenAI-shaped errors (`errors`), handler helpers (`http`), pagination
(`listing`), request checking with OpenAI's wording (`jsontext`, `bodycheck`, `validation`,
against the OpenAPI subset of `openapi`), state in SQLite (`store`, `state`), fault
injection (`faults`) and the loopback check (`loopback`).
"""
