"""Wire protocol v1 between a terminal and a receiving platform.

Everything that crosses the wire is defined in this package and only here, so the
terminal (`sync/`) and the reference platform (`receiver/`) cannot disagree:

- `paths` — the endpoints;
- `schemas` — the JSON bodies (pydantic);
- `errors` — the one catalogue of error codes: code, HTTP status, meaning;
- `signing` — RFC 9421 request signatures with the terminal's Ed25519 key;
- `sealing` — HPKE sealing of what a citizen confirmed to the platform's key;
- `durable` — the one durable-file helper (atomic replace, fsync of file and
  directory), for every file either side keeps.

Nothing here opens a connection. The core (`kiosk/`) uses `wire.sealing` and
`wire.durable` alone; the platform imports this package and nothing else of the
project's. It imports nothing of either side.
"""
