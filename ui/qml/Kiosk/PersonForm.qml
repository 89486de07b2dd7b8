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
