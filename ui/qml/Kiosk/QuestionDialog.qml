import QtQuick
import Kiosk.ViewModels

// A modal question over the whole screen with large buttons (no system dialog).
Rectangle {
    id: d
    property string message
    property string primaryText: "确定"
    property string secondaryText: ""
    signal primary()
    signal secondary()
    anchors.fill: parent
    visible: false
    color: "#CC000000"
    z: 100
    MouseArea { anchors.fill: parent }  // nothing behind the question can be touched
    Rectangle {
        anchors.centerIn: parent
        width: Math.min(parent.width - 2 * Theme.pad, 1100)
        height: col.implicitHeight + 2 * Theme.pad
        radius: Theme.radius
        color: Theme.surface
        Column {
            id: col
            x: Theme.pad; y: Theme.pad
            width: parent.width - 2 * Theme.pad
            spacing: Theme.pad
            BodyText { width: parent.width; text: d.message; font.pixelSize: Theme.heading; font.bold: true; color: Theme.text }
            ActionButton { objectName: d.objectName + ":primary"; width: parent.width; primary: true; text: d.primaryText; iconName: "check"; onClicked: d.primary() }
            ActionButton { objectName: d.objectName + ":secondary"; visible: d.secondaryText !== ""; width: parent.width; text: d.secondaryText; iconName: "home"; onClicked: d.secondary() }
        }
    }
}
