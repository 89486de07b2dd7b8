"""Qt-free core of the online-petition kiosk: rules, configuration, local store, CLI."""

__version__ = "0.1.0"
