import QtQuick

// One person: document type, number (digit pad), name, what the number says, phone, address.
Column {
    id: pf
    property string prefix
    property bool contact: true
    readonly property string idType: session.edits >= 0 ? (session.value(prefix + ".id_type") || "") : ""
    readonly property var info: session.edits >= 0 ? session.idInfo(prefix) : ({})
    readonly property bool reviewLike: session.edits >= 0 && session.value("kind") !== "petition"
    width: parent ? parent.width : 600
    spacing: theme.pad
    Component.onCompleted: if (!idType) session.setValue(prefix + ".id_type", "resident_id")

    Column {
        width: pf.width
        spacing: Math.round(theme.gap / 2)
        Label2 { text: "证件类型"; font.bold: true; width: pf.width }
        Choices {
            path: pf.prefix + ".id_type"
            columns: win.landscape ? 3 : 2
            options: session.idTypes
        }
    }
    Loader {
        width: pf.width
        sourceComponent: session.usesDigitPad(pf.idType) ? padNumber : textNumber
    }
    Component { id: padNumber; DigitField { path: pf.prefix + ".id_number"; label: "证件号码"; kind: "id"; allowX: pf.idType !== "taiwan_travel_permit" } }
    Component { id: textNumber; Field { path: pf.prefix + ".id_number"; label: "证件号码" } }

    Rectangle {
        visible: pf.info.sex !== undefined
        width: pf.width
        height: readout.implicitHeight + 2 * theme.gap
        color: theme.blueLight
        radius: theme.radius
        border.color: theme.blue
        border.width: 2
        Label2 {
            id: readout
            x: theme.gap; y: theme.gap; width: parent.width - 2 * theme.gap
            color: theme.blue
            text: "从证件号码读出：性别 " + (pf.info.sex || "") + "，出生日期 " + (pf.info.birth || "")
                  + "。\n如果不对，请检查证件号码。"
        }
    }
    Choices {
        visible: pf.reviewLike && pf.info.sex === undefined && pf.idType !== "" && !session.usesDigitPad(pf.idType)
        path: pf.prefix + ".sex"
        columns: 2
        options: [{code: "male", label: "男"}, {code: "female", label: "女"}]
    }
    DigitField {
        visible: pf.reviewLike && pf.info.sex === undefined && pf.idType !== "" && !session.usesDigitPad(pf.idType)
        path: pf.prefix + ".birth_date"; label: "出生日期"; kind: "date"
    }
    Field { path: pf.prefix + ".name"; label: "姓名"; placeholder: "点这里，用拼音输入" }
    DigitField { path: pf.prefix + ".phone"; label: pf.contact ? "手机号码" : "手机号码（选填）"; kind: "phone" }
    Field { path: pf.prefix + ".address"; label: pf.contact ? "通讯地址" : "通讯地址（选填）"; placeholder: "省、市、县、乡镇、街道、门牌号" }
}
