pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    id: s
    Repeater {
        model: Session.reviewProblems
        delegate: Rectangle {
            id: problem
            required property var modelData
            width: s.width > 0 ? parent.width : 0
            height: prow.implicitHeight + 2 * Theme.gap
            color: Theme.surface
            border.color: Theme.red; border.width: 3
            radius: Theme.radius
            Row {
                id: prow
                x: Theme.gap; y: Theme.gap
                spacing: Theme.gap
                ProblemLine {
                    width: parent.parent.width - 3 * Theme.gap - fix.width
                    anchors.verticalCenter: parent.verticalCenter
                    text: problem.modelData.stepTitle + "：" + problem.modelData.message
                    warning: problem.modelData.warning
                }
                ActionButton { id: fix; text: "修改"; iconName: "edit"; objectName: "fix:" + problem.modelData.step; onClicked: Session.goTo(problem.modelData.step) }
            }
        }
    }
    Repeater {
        model: Session.reviewSections
        delegate: Rectangle {
            id: sec
            required property var modelData
            width: parent.width
            height: secCol.implicitHeight + 2 * Theme.gap
            color: Theme.surface
            radius: Theme.radius
            border.color: Theme.line; border.width: 2
            Column {
                id: secCol
                x: Theme.gap; y: Theme.gap
                width: parent.width - 2 * Theme.gap
                spacing: Math.round(Theme.gap / 2)
                Item {
                    width: parent.width
                    height: Math.max(secTitle.implicitHeight, edit.visible ? edit.height : 0)
                    Text {
                        id: secTitle
                        anchors.verticalCenter: parent.verticalCenter
                        width: parent.width - (edit.visible ? edit.width + Theme.gap : 0)
                        text: sec.modelData.title
                        font.family: Theme.fontFamily; font.pixelSize: Theme.body; font.bold: true; color: Theme.blue
                        wrapMode: Text.Wrap
                    }
                    // no 修改 where no step asked it (我要信访 said it on the home screen)
                    ActionButton { id: edit; anchors.right: parent.right; text: "修改"; iconName: "edit"
                          visible: sec.modelData.step !== ""
                          objectName: "edit:" + sec.modelData.step; onClicked: Session.goTo(sec.modelData.step) }
                }
                Repeater {
                    model: sec.modelData.rows
                    delegate: Grid {
                        id: row
                        required property var modelData
                        // a row named as its section (谁来申请, 办理事项) shows its answer only
                        readonly property bool named: row.modelData.label !== sec.modelData.title
                        columns: Shell.landscape && named ? 2 : 1
                        columnSpacing: Theme.gap
                        width: secCol.width
                        BodyText { visible: row.named; width: Shell.landscape ? Math.round(secCol.width * 0.25) : secCol.width; text: row.modelData.label; color: Theme.muted }
                        BodyText { width: Shell.landscape && row.named ? Math.round(secCol.width * 0.75) - Theme.gap : secCol.width; text: row.modelData.value }
                    }
                }
            }
        }
    }
}
