import QtQuick
import ".."

StepPage {
    id: s
    Rectangle {
        width: parent.width
        height: notice.implicitHeight + 2 * theme.gap
        color: theme.surface
        radius: theme.radius
        border.color: theme.line; border.width: 2
        Label2 {
            id: notice
            x: theme.gap; y: theme.gap; width: parent.width - 2 * theme.gap
            text: "个人信息说明：您填写的姓名、证件号码、联系方式和反映的内容，只用于办理您的信访事项，"
                  + "加密后直接送到信访部门，这台机器上不保留能看懂的内容。没有您的同意，不会提供给其他人；"
                  + "检举控告的内容不会转给被检举的人。"
        }
    }
    Repeater {
        model: [{path: "consent.privacy", label: "我同意按上面的说明处理我的个人信息"},
                {path: "consent.truthful", label: "我保证所填内容真实，愿意承担相应责任"}]
        delegate: Column {
            required property var modelData
            width: parent.width
            spacing: Math.round(theme.gap / 2)
            Btn {
                readonly property bool on: session.edits >= 0 && session.value(modelData.path) === true
                objectName: "consent:" + modelData.path
                width: parent.width
                selected: on
                iconName: on ? "box-checked" : "box"
                text: modelData.label
                onClicked: session.setValue(modelData.path, !on)
            }
            ProblemText { path: modelData.path; width: parent.width }
        }
    }
    Label2 { width: parent.width; font.bold: true; text: "请在下面的框里签名" }
    SignaturePad {
        id: sig
        width: parent.width
        height: Math.round(Math.min(win.height * 0.22, parent.width * 0.45))
    }
    ProblemText { path: "signature"; width: parent.width }
    Btn { objectName: "btn:clearSignature"; text: "重新签名"; iconName: "trash"; onClicked: session.clearSignature() }
    ProblemLine { visible: session.storeError !== ""; width: parent.width; text: session.storeError }
}
