import QtQuick
import Kiosk.ViewModels

// Body text: one typeface, wraps, line height 1.35.
Text {
    color: Theme.text
    font.family: Theme.fontFamily
    font.pixelSize: Theme.body
    lineHeight: 1.35
    wrapMode: Text.Wrap
}
