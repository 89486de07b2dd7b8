"""The `kiosk` command: its parser, its handlers, and the one place that composes
the core (`kiosk/`), the touch UI (`ui/`) and delivery (`sync/`).

The core imports none of the others; this package hands each the parts of the
others it needs (the doctor's network and Qt checks, the technician screen's
network test, the demo chain behind `kiosk ui --demo`). `ui` and `sync` are
imported inside the handlers that use them, so the core's commands (`submit`,
`status`, `outbox`, `doctor`, …) work where the UI extra is not installed.

Every command is one `Command` in `main.COMMANDS`; exit codes are `kiosk.exits`.
"""
