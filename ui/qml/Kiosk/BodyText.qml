import QtQuick
import Kiosk.ViewModels

// Body text: one typeface, wraps (never one character alone on the last line), line
// height 1.35.
WrappedText {
    color: Theme.text
    font.family: Theme.fontFamily
    font.pixelSize: Theme.body
    lineHeight: 1.35
}
