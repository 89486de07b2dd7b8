"""The touch UI: Qt Quick screens rendered from the Qt-free core in kiosk/."""
