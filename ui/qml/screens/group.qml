import QtQuick
import ".."

StepPage {
    id: s
    readonly property int editing: session.groupEditing
    Loader {
        width: parent.width
        active: s.editing >= 0
        visible: active
        sourceComponent: Column {
            spacing: theme.pad
            Label2 { width: parent.width; font.bold: true; color: theme.blue; text: "第 " + (s.editing + 1) + " 位申请人" }
            PersonForm { prefix: "applicants[" + s.editing + "]"; contact: session.groupMembers.length <= 5 }
            Btn { objectName: "btn:savePerson"; width: parent.width; text: "保存这一位"; iconName: "check"; onClicked: session.closePerson() }
        }
    }
    Column {
        visible: s.editing < 0
        width: parent.width
        spacing: theme.gap
        Repeater {
            model: session.groupMembers
            delegate: Rectangle {
                required property var modelData
                width: parent.width
                height: memberRow.implicitHeight + 2 * theme.gap
                color: theme.surface
                radius: theme.radius
                border.color: theme.line; border.width: 2
                Row {
                    id: memberRow
                    x: theme.gap; y: theme.gap
                    spacing: theme.gap
                    Label2 { width: parent.parent.width - 2 * theme.gap - editBtn.width - delBtn.width - 2 * theme.gap
                             anchors.verticalCenter: parent.verticalCenter
                             text: (modelData.index + 1) + ". " + modelData.name + "　" + modelData.id }
                    Btn { id: editBtn; text: "修改"; iconName: "edit"; onClicked: session.editPerson(modelData.index) }
                    Btn { id: delBtn; text: "删除"; iconName: "trash"; onClicked: session.removePerson(modelData.index) }
                }
            }
        }
        Btn { objectName: "btn:addPerson"; width: parent.width; text: "添加一位申请人"; iconName: "plus"; onClicked: session.addPerson() }
    }
}
