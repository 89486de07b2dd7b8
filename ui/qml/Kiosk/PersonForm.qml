pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// One person: document type, number (digit pad), name, what the number says, phone, address.
// What is asked, and how, is the core's (kiosk/visit.py `Visit.person`); every label is the
// core's too (`Answer.label`, kiosk/choices.py), the same words as on the review screen.
Column {
    id: pf
    property string prefix
    readonly property Person person: Session.person(prefix)
    function labelOf(field: string): string { return Session.answer(prefix + "." + field).label }
    readonly property string optional: person.contact ? "" : "（选填）"
    width: parent ? parent.width : 600
    spacing: Theme.pad
    Component.onCompleted: if (!person.idType) Session.setValue(prefix + ".id_type", "resident_id")

    // 刷身份证: only where a reader is configured. The read fills the fields below, which
    // the citizen checks and may change; a failed read says why and leaves them as they were.
    Column {
        objectName: "idcard:" + pf.prefix
        visible: IdCard.available
        width: pf.width
        spacing: Math.round(Theme.gap / 2)
        readonly property bool mine: IdCard.prefix === pf.prefix
        ActionButton {
            objectName: "btn:idcard"
            width: pf.width
            iconName: "id-card"
            // large, but not primary: 下一步 stays the screen's one primary action
            textSize: Math.round(Theme.body * 1.25)
            iconSize: Math.round(Theme.icon * 1.6)
            font.bold: true
            text: IdCard.busy && parent.mine ? "正在读身份证……" : "刷身份证"
            hint: "把身份证放在阅读器上，再按这里"
            enabled: !IdCard.busy
            onClicked: IdCard.read(pf.prefix)
        }
        InfoBox {
            objectName: "idcard:readout"
            text: parent.mine ? IdCard.readOut : ""
            iconName: "check"
        }
        Row {
            objectName: "idcard:problem"
            visible: parent.mine && IdCard.message !== "" && !IdCard.busy
            width: pf.width
            spacing: Math.round(Theme.gap / 2)
            Icon { name: "alert"; color: Theme.red; size: Math.round(Theme.body * 1.2) }
            BodyText {
                objectName: "idcard:message"
                width: pf.width - Math.round(Theme.body * 1.2) - parent.spacing
                text: IdCard.message
                color: Theme.red
                font.bold: true
            }
        }
        BodyText {
            visible: !(parent.mine && (IdCard.readOut !== "" || IdCard.message !== ""))
            width: pf.width
            text: "没有带身份证，也可以在下面直接填写。"
        }
    }

    Column {
        width: pf.width
        spacing: Math.round(Theme.gap / 2)
        BodyText { text: pf.labelOf("id_type"); font.bold: true; width: pf.width }
        Choices {
            path: pf.prefix + ".id_type"
            columns: Shell.landscape ? 3 : 2
        }
    }
    Loader {
        width: pf.width
        sourceComponent: pf.person.digitPad ? padNumber : textNumber
    }
    Component { id: padNumber; DigitField { path: pf.prefix + ".id_number"; label: pf.labelOf("id_number"); kind: "id"; allowX: pf.person.allowsX } }
    Component { id: textNumber; Field { path: pf.prefix + ".id_number"; label: pf.labelOf("id_number") } }

    Rectangle {
        visible: pf.person.sex !== ""
        width: pf.width
        height: readout.implicitHeight + 2 * Theme.gap
        color: Theme.blueLight
        radius: Theme.radius
        border.color: Theme.blue
        border.width: 2
        BodyText {
            id: readout
            x: Theme.gap; y: Theme.gap; width: parent.width - 2 * Theme.gap
            color: Theme.blue
            text: "从" + pf.labelOf("id_number") + "读出：" + pf.labelOf("sex") + " " + pf.person.sex
                  + "，" + pf.labelOf("birth_date") + " " + pf.person.birth
                  + "。\n如果不对，请检查" + pf.labelOf("id_number") + "。"
        }
    }
    Choices {
        visible: pf.person.asksSexAndBirth
        path: pf.prefix + ".sex"
        columns: 2
    }
    DigitField {
        visible: pf.person.asksSexAndBirth
        path: pf.prefix + ".birth_date"; label: pf.labelOf("birth_date"); kind: "date"
    }
    Field { path: pf.prefix + ".name"; label: pf.labelOf("name"); placeholder: "点这里，用拼音输入" }
    DigitField { path: pf.prefix + ".phone"; label: pf.labelOf("phone") + pf.optional; kind: "phone" }
    Field { path: pf.prefix + ".address"; label: pf.labelOf("address") + pf.optional; placeholder: "省、市、县、乡镇、街道、门牌号" }
}
