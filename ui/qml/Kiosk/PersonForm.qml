pragma ComponentBehavior: Bound
import QtQuick
import Kiosk.ViewModels

// One person: document type, number (digit pad), name, what the number says, phone, address.
// What is asked, and how, is the core's (kiosk/visit.py `Visit.person`).
Column {
    id: pf
    property string prefix
    readonly property Person person: Session.person(prefix)
    width: parent ? parent.width : 600
    spacing: Theme.pad
    Component.onCompleted: if (!person.idType) Session.setValue(prefix + ".id_type", "resident_id")

    Column {
        width: pf.width
        spacing: Math.round(Theme.gap / 2)
        BodyText { text: "证件类型"; font.bold: true; width: pf.width }
        Choices {
            path: pf.prefix + ".id_type"
            columns: Shell.landscape ? 3 : 2
        }
    }
    Loader {
        width: pf.width
        sourceComponent: pf.person.digitPad ? padNumber : textNumber
    }
    Component { id: padNumber; DigitField { path: pf.prefix + ".id_number"; label: "证件号码"; kind: "id"; allowX: pf.person.allowsX } }
    Component { id: textNumber; Field { path: pf.prefix + ".id_number"; label: "证件号码" } }

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
            text: "从证件号码读出：性别 " + pf.person.sex + "，出生日期 " + pf.person.birth
                  + "。\n如果不对，请检查证件号码。"
        }
    }
    Choices {
        visible: pf.person.asksSexAndBirth
        path: pf.prefix + ".sex"
        columns: 2
    }
    DigitField {
        visible: pf.person.asksSexAndBirth
        path: pf.prefix + ".birth_date"; label: "出生日期"; kind: "date"
    }
    Field { path: pf.prefix + ".name"; label: "姓名"; placeholder: "点这里，用拼音输入" }
    DigitField { path: pf.prefix + ".phone"; label: pf.person.contact ? "手机号码" : "手机号码（选填）"; kind: "phone" }
    Field { path: pf.prefix + ".address"; label: pf.person.contact ? "通讯地址" : "通讯地址（选填）"; placeholder: "省、市、县、乡镇、街道、门牌号" }
}
