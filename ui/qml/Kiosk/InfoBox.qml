import QtQuick
import Kiosk.ViewModels

// An explanation in a calm blue box (not a problem).
Rectangle {
    id: ib
    property string text
    property string iconName: "info"
    width: parent ? parent.width : 600
    height: Math.max(row.implicitHeight, 0) + 2 * Theme.gap
    visible: text !== ""
    color: Theme.blueLight
    radius: Theme.radius
    border.color: Theme.blue
    border.width: 2
    Row {
        id: row
        x: Theme.gap; y: Theme.gap
        spacing: Theme.gap
        Icon { name: ib.iconName; size: Math.round(Theme.body * 1.3) }
        BodyText { objectName: ib.objectName ? ib.objectName + ":text" : ""; width: ib.width - 3 * Theme.gap - Math.round(Theme.body * 1.3); text: ib.text; color: Theme.blue }
    }
}
