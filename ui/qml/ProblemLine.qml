import QtQuick

Row {
    id: r
    property string text
    property bool warning: false
    spacing: Math.round(theme.gap / 2)
    Icon { name: r.warning ? "info" : "alert"; color: theme.red; size: Math.round(theme.body * 1.2) }
    Label2 {
        width: Math.max(200, r.width - Math.round(theme.body * 1.2) - r.spacing)
        text: (r.warning ? "提示：" : "") + r.text
        color: theme.red
        font.bold: true
    }
}
