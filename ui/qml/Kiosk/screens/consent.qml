pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

StepPage {
    id: s
    Rectangle {
        width: parent.width
        height: notice.implicitHeight + 2 * Theme.gap
        color: Theme.surface
        radius: Theme.radius
        border.color: Theme.line; border.width: 2
        BodyText {
            id: notice
            x: Theme.gap; y: Theme.gap; width: parent.width - 2 * Theme.gap
            text: "个人信息说明：您填写的姓名、证件号码、联系方式和反映的内容，只用于办理您的信访事项，"
                  + "加密后直接送到信访部门，这台机器上不保留能看懂的内容。没有您的同意，不会提供给其他人；"
                  + "检举控告的内容不会转给被检举的人。"
        }
    }
    Repeater {
        model: Session.consents
        delegate: Column {
            id: consentItem
            required property var modelData
            width: parent.width
            spacing: Math.round(Theme.gap / 2)
            ActionButton {
                readonly property bool on: Session.answer(consentItem.modelData.path).value === true
                objectName: "consent:" + consentItem.modelData.path
                width: parent.width
                selected: on
                iconName: on ? "box-checked" : "box"
                text: consentItem.modelData.label
                onClicked: Session.setValue(consentItem.modelData.path, !on)
            }
            FieldProblem { path: consentItem.modelData.path; width: parent.width }
        }
    }
    BodyText { width: parent.width; font.bold: true; text: "请在下面的框里签名" }
    SignaturePad {
        id: sig
        width: parent.width
        height: Math.round(Math.min(Shell.windowHeight * 0.22, parent.width * 0.45))
    }
    FieldProblem { path: "signature"; width: parent.width }
    ActionButton { objectName: "btn:clearSignature"; text: "重新签名"; iconName: "trash"; onClicked: Session.clearSignature() }
    ProblemLine { visible: Session.storeError !== ""; width: parent.width; text: Session.storeError }
}
