import QtQuick
import Kiosk.ViewModels

// A field's problem in plain Chinese, next to it: red text with a sign, never colour alone.
Row {
    id: p
    property string path
    readonly property string error: Session.problems[path] || ""
    readonly property string warning: Session.warnings[path] || ""
    readonly property string message: error || warning
    visible: message !== ""
    spacing: Math.round(Theme.gap / 2)
    Icon { name: p.error ? "alert" : "info"; color: Theme.red; size: Math.round(Theme.body * 1.2) }
    BodyText {
        width: Math.max(200, p.width - Math.round(Theme.body * 1.2) - p.spacing)
        text: (p.error ? "" : "提示：") + p.message
        color: Theme.red
        font.bold: true
    }
}
