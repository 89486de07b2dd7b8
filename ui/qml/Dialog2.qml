import QtQuick

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
        width: Math.min(parent.width - 2 * theme.pad, 1100)
        height: col.implicitHeight + 2 * theme.pad
        radius: theme.radius
        color: theme.surface
        Column {
            id: col
            x: theme.pad; y: theme.pad
            width: parent.width - 2 * theme.pad
            spacing: theme.pad
            Label2 { width: parent.width; text: d.message; font.pixelSize: theme.heading; font.bold: true; color: theme.text }
            Btn { objectName: d.objectName + ":primary"; width: parent.width; primary: true; text: d.primaryText; iconName: "check"; onClicked: d.primary() }
            Btn { objectName: d.objectName + ":secondary"; visible: d.secondaryText !== ""; width: parent.width; text: d.secondaryText; iconName: "home"; onClicked: d.secondary() }
        }
    }
}
