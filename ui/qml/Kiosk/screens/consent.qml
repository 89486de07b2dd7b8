pragma ComponentBehavior: Bound
import QtQuick
import Kiosk
import Kiosk.ViewModels

// 同意并签名. After 确认提交 with something left undone: a numbered list on top
// ("还有 2 件事没做：1. … 2. …", read aloud by the visit), each line a jump to its item,
// and the item itself marked where it is — a red border and the words under it.
StepPage {
    id: s
    // The items the to-do list jumps to, by path.
    function itemOf(path: string): Item {
        if (path === "signature") return signatureBlock
        for (let i = 0; i < consents.count; i++) {
            let it = consents.itemAt(i) as ConsentItem
            if (it && it.modelData.path === path) return it
        }
        return null
    }
    function jump(path: string) {
        let item = s.itemOf(path)
        if (item) Shell.reveal(item)
    }
    Connections {
        target: Session
        function onFocusField(p: string) { if (s.itemOf(p)) s.jump(p) }
    }

    component ConsentItem: Column {
        id: consentItem
        required property var modelData
        readonly property bool missing: Session.problems[modelData.path] !== undefined
        width: parent ? parent.width : 600
        spacing: Math.round(Theme.gap / 2)
        ActionButton {
            readonly property bool on: Session.answer(consentItem.modelData.path).value === true
            objectName: "consent:" + consentItem.modelData.path
            width: parent.width
            selected: on
            iconName: on ? "box-checked" : "box"
            text: consentItem.modelData.label
            onClicked: Session.setValue(consentItem.modelData.path, !on)
            Rectangle {  // marked where it is: a red frame round the box still to tick
                visible: consentItem.missing
                anchors.fill: parent
                anchors.margins: -Math.round(Theme.gap / 4)
                color: "transparent"
                radius: Theme.radius
                border.color: Theme.red
                border.width: Math.round(4 * Theme.scale)
            }
        }
        FieldProblem { path: consentItem.modelData.path; width: parent.width }
    }

    Rectangle {
        objectName: "consentTodo"
        visible: Session.consentTodo.length > 0
        width: parent.width
        height: todo.implicitHeight + 2 * Theme.gap
        color: Theme.surface
        radius: Theme.radius
        border.color: Theme.red; border.width: 3
        Column {
            id: todo
            x: Theme.gap; y: Theme.gap; width: parent.width - 2 * Theme.gap
            spacing: Math.round(Theme.gap / 2)
            ProblemLine { width: parent.width; text: "还有 " + Session.consentTodo.length + " 件事没做：" }
            Repeater {
                model: Session.consentTodo
                delegate: ActionButton {
                    required property var modelData
                    objectName: "todo:" + modelData.path
                    width: todo.width
                    iconName: "arrow-right"
                    text: modelData.number + ". " + modelData.text
                    onClicked: s.jump(modelData.path)
                }
            }
        }
    }
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
        id: consents
        model: Session.consents
        delegate: ConsentItem { }
    }
    Column {
        id: signatureBlock
        objectName: "signatureBlock"
        width: parent.width
        spacing: Math.round(Theme.gap / 2)
        // The heading and 重新签名 on one line above the box: always in view with it.
        Item {
            width: parent.width
            height: Math.max(sigLabel.implicitHeight, clearButton.height)
            BodyText {
                id: sigLabel
                anchors { left: parent.left; right: clearButton.left; rightMargin: Theme.gap; verticalCenter: parent.verticalCenter }
                font.bold: true
                text: "请在下面的框里签名"
            }
            ActionButton {
                id: clearButton
                objectName: "btn:clearSignature"
                anchors.right: parent.right
                text: "重新签名"
                iconName: "trash"
                onClicked: Session.clearSignature()
            }
        }
        SignaturePad {
            id: sig
            width: parent.width
            // 大字: a larger box for a larger hand, still above the footer on a landscape screen.
            height: Math.round(Math.min(Shell.windowHeight * (Session.elderly ? 0.3 : 0.22),
                                        parent.width * (Session.elderly ? 0.6 : 0.45)))
        }
        FieldProblem { path: "signature"; width: parent.width }
    }
    ProblemLine { visible: Session.storeError !== ""; width: parent.width; text: Session.storeError }
}
