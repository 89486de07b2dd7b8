import QtQuick
import ".."

StepPage {
    id: s
    Repeater {
        model: session.reviewProblems
        delegate: Rectangle {
            required property var modelData
            width: s.width > 0 ? parent.width : 0
            height: prow.implicitHeight + 2 * theme.gap
            color: theme.surface
            border.color: theme.red; border.width: 3
            radius: theme.radius
            Row {
                id: prow
                x: theme.gap; y: theme.gap
                spacing: theme.gap
                ProblemLine {
                    width: parent.parent.width - 3 * theme.gap - fix.width
                    anchors.verticalCenter: parent.verticalCenter
                    text: modelData.stepTitle + "：" + modelData.message
                    warning: modelData.warning
                }
                Btn { id: fix; text: "修改"; iconName: "edit"; objectName: "fix:" + modelData.step; onClicked: session.goTo(modelData.step) }
            }
        }
    }
    Repeater {
        model: session.reviewSections
        delegate: Rectangle {
            id: sec
            required property var modelData
            width: parent.width
            height: secCol.implicitHeight + 2 * theme.gap
            color: theme.surface
            radius: theme.radius
            border.color: theme.line; border.width: 2
            Column {
                id: secCol
                x: theme.gap; y: theme.gap
                width: parent.width - 2 * theme.gap
                spacing: Math.round(theme.gap / 2)
                Item {
                    width: parent.width
                    height: Math.max(secTitle.implicitHeight, edit.height)
                    Text {
                        id: secTitle
                        anchors.verticalCenter: parent.verticalCenter
                        width: parent.width - edit.width - theme.gap
                        text: sec.modelData.title
                        font.family: theme.fontFamily; font.pixelSize: theme.body; font.bold: true; color: theme.blue
                        wrapMode: Text.Wrap
                    }
                    Btn { id: edit; anchors.right: parent.right; text: "修改"; iconName: "edit"
                          objectName: "edit:" + sec.modelData.step; onClicked: session.goTo(sec.modelData.step) }
                }
                Repeater {
                    model: sec.modelData.rows
                    delegate: Grid {
                        required property var modelData
                        columns: win.landscape ? 2 : 1
                        columnSpacing: theme.gap
                        width: secCol.width
                        Label2 { width: win.landscape ? Math.round(secCol.width * 0.25) : secCol.width; text: modelData.label; color: theme.muted }
                        Label2 { width: win.landscape ? Math.round(secCol.width * 0.75) - theme.gap : secCol.width; text: modelData.value }
                    }
                }
            }
        }
    }
}
