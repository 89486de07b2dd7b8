"""Reference central receiving platform for wire protocol v1 (`kiosk-receiver`).

For tests, demos and relays: it enrolls terminals, checks every signed request,
takes resumable attachment uploads, accepts each submission exactly once and
answers case queries, heartbeats and content. It imports the wire package (`wire/`) and
nothing else of the kiosk's.
"""

__version__ = "0.1.0"
