import QtQuick
import Kiosk.ViewModels

Row {
    id: r
    property string text
    property bool warning: false
    spacing: Math.round(Theme.gap / 2)
    Icon { name: r.warning ? "info" : "alert"; color: Theme.red; size: Math.round(Theme.body * 1.2) }
    BodyText {
        width: Math.max(200, r.width - Math.round(Theme.body * 1.2) - r.spacing)
        text: (r.warning ? "提示：" : "") + r.text
        color: Theme.red
        font.bold: true
    }
}
