import QtQuick

// An explanation in a calm blue box (not a problem).
Rectangle {
    id: ib
    property string text
    property string iconName: "info"
    width: parent ? parent.width : 600
    height: Math.max(row.implicitHeight, 0) + 2 * theme.gap
    visible: text !== ""
    color: theme.blueLight
    radius: theme.radius
    border.color: theme.blue
    border.width: 2
    Row {
        id: row
        x: theme.gap; y: theme.gap
        spacing: theme.gap
        Icon { name: ib.iconName; size: Math.round(theme.body * 1.3) }
        Label2 { objectName: ib.objectName ? ib.objectName + ":text" : ""; width: ib.width - 3 * theme.gap - Math.round(theme.body * 1.3); text: ib.text; color: theme.blue }
    }
}
