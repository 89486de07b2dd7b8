"""What the tests share: paths, the `kiosk` command in a child process, factories of
petition documents, store and platform helpers, and the fixtures (`fixtures`, `qt`),
loaded as pytest plugins by tests/conftest.py."""
