import QtQuick

// Body text: one typeface, wraps, line height 1.35.
Text {
    color: theme.text
    font.family: theme.fontFamily
    font.pixelSize: theme.body
    lineHeight: 1.35
    wrapMode: Text.Wrap
}
