import QtQuick

// A field's problem in plain Chinese, next to it: red text with a sign, never colour alone.
Row {
    id: p
    property string path
    readonly property string error: session.problems[path] || ""
    readonly property string warning: session.warnings[path] || ""
    readonly property string message: error || warning
    visible: message !== ""
    spacing: Math.round(theme.gap / 2)
    Icon { name: p.error ? "alert" : "info"; color: theme.red; size: Math.round(theme.body * 1.2) }
    Label2 {
        width: Math.max(200, p.width - Math.round(theme.body * 1.2) - p.spacing)
        text: (p.error ? "" : "提示：") + p.message
        color: theme.red
        font.bold: true
    }
}
