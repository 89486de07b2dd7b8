import QtQuick
import QtQuick.Controls.Basic
import Kiosk.ViewModels

// A switch that says its state in words: "大字" beside a track reading 开 or 关, the knob
// at the side of the state (blue and filled when on), so it reads as a state, not an action.
Button {
    id: t
    property bool on: false
    property string label
    property bool stacked: false  // the label above the track (a narrow header)
    checkable: false
    focusPolicy: Qt.NoFocus
    leftPadding: Math.round(Theme.pad * 0.6)
    rightPadding: leftPadding
    implicitHeight: Math.max(Theme.target, row.implicitHeight + 2 * topPadding)
    topPadding: Math.round(Theme.gap * 0.4)
    bottomPadding: topPadding
    implicitWidth: row.implicitWidth + leftPadding + rightPadding
    font.family: Theme.fontFamily
    font.pixelSize: Theme.body
    Accessible.name: label + "：" + (on ? "开" : "关")
    background: Rectangle {
        radius: Theme.radius
        color: t.down ? Theme.blueLight : Theme.surface
        border.color: Theme.line
        border.width: 2
    }
    contentItem: Item {
        implicitWidth: row.implicitWidth
        implicitHeight: row.implicitHeight
        Grid {
            id: row
            anchors.centerIn: parent
            columns: t.stacked ? 1 : 2
            horizontalItemAlignment: Grid.AlignHCenter
            verticalItemAlignment: Grid.AlignVCenter
            spacing: Math.round(Theme.gap / 2)
            Text {
                text: t.label
                font: t.font
                color: Theme.blue
            }
            Rectangle {
                id: track
                objectName: "toggleTrack"
                width: Math.round(Theme.body * 2.8)
                height: Math.round(Theme.body * 1.3)
                radius: height / 2
                color: t.on ? Theme.blue : "#E4E7EC"
                border.color: t.on ? Theme.blue : Theme.line
                border.width: 2
                Rectangle {  // the knob
                    width: track.height - 8; height: width; radius: width / 2
                    anchors.verticalCenter: parent.verticalCenter
                    x: t.on ? track.width - width - 4 : 4
                    color: "#FFFFFF"
                    border.color: Theme.line; border.width: t.on ? 0 : 2
                }
                Text {
                    objectName: "toggleState"
                    anchors.verticalCenter: parent.verticalCenter
                    x: t.on ? Math.round(track.height * 0.35) : track.width - width - Math.round(track.height * 0.35)
                    text: t.on ? "开" : "关"
                    font.family: Theme.fontFamily
                    font.pixelSize: Theme.body
                    font.bold: true
                    color: t.on ? "#FFFFFF" : Theme.text
                }
            }
        }
    }
}
