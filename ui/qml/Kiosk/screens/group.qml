pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    id: s
    readonly property int editing: Session.groupEditing
    Loader {
        width: parent.width
        active: s.editing >= 0
        visible: active
        sourceComponent: Column {
            spacing: Theme.pad
            BodyText { width: parent.width; font.bold: true; color: Theme.blue; text: "第 " + (s.editing + 1) + " 位申请人" }
            PersonForm { prefix: "applicants[" + s.editing + "]" }
            ActionButton { objectName: "btn:savePerson"; width: parent.width; text: "保存这一位"; iconName: "check"; onClicked: Session.closePerson() }
        }
    }
    Column {
        visible: s.editing < 0
        width: parent.width
        spacing: Theme.gap
        Repeater {
            model: Session.groupMembers
            delegate: Rectangle {
                id: member
                required property var modelData
                width: parent.width
                height: memberRow.implicitHeight + 2 * Theme.gap
                color: Theme.surface
                radius: Theme.radius
                border.color: Theme.line; border.width: 2
                // Name, then the masked ID number on its own line, never broken; the
                // buttons beside them, or under them where the ID would not fit beside.
                Grid {
                    id: memberRow
                    x: Theme.gap; y: Theme.gap
                    readonly property int inner: member.width - 2 * Theme.gap
                    readonly property int buttons: editBtn.width + delBtn.width + Theme.gap
                    columns: idText.implicitWidth + buttons + Theme.gap <= inner ? 2 : 1
                    spacing: Theme.gap
                    verticalItemAlignment: Grid.AlignVCenter
                    Column {
                        width: memberRow.columns === 2 ? memberRow.inner - memberRow.buttons - Theme.gap : memberRow.inner
                        BodyText { width: parent.width; text: (member.modelData.index + 1) + ". " + member.modelData.name }
                        BodyText { id: idText; objectName: "memberId"; wrapMode: Text.NoWrap; text: member.modelData.id }
                    }
                    Row {
                        spacing: Theme.gap
                        ActionButton { id: editBtn; text: "修改"; iconName: "edit"; onClicked: Session.editPerson(member.modelData.index) }
                        ActionButton { id: delBtn; text: "删除"; iconName: "trash"; onClicked: Session.removePerson(member.modelData.index) }
                    }
                }
            }
        }
        ActionButton { objectName: "btn:addPerson"; width: parent.width; text: "添加一位申请人"; iconName: "plus"; onClicked: Session.addPerson() }
    }
}
